"""Detection + cropping in one call, for single images and for video frames.

:func:`faces_for_prediction` and :func:`video_faces_for_prediction` are what
``DisGRLDetector`` calls for ``predict(..., faces=True)`` and ``predict_video``.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy as np
from PIL import Image

from ._base import Face, FaceDetectorBackend, check_rgb
from .backends import add_eye_landmarks, get_face_detector
from .crop import Size, crop_face

#: Faces whose box is smaller than this (longer side, in pixels) are ignored by default: below
#: it a 299x299 crop is mostly interpolation.
DEFAULT_MIN_FACE = 32

_cache: dict[str, FaceDetectorBackend] = {}
_cache_lock = threading.Lock()


class FrameFaces(NamedTuple):
    """The faces of one video frame: frame ``index``, ``timestamp`` (s) and ``(Face, crop)`` pairs."""

    index: int
    timestamp: float
    faces: list[tuple[Face, Image.Image]]


def resolve_detector(detector: Any = None) -> FaceDetectorBackend:
    """Like :func:`get_face_detector`, but a detector given by name is built once and reused."""
    if isinstance(detector, str) or detector is None:
        key = detector or "default"
        with _cache_lock:
            if key not in _cache:
                _cache[key] = get_face_detector(key)
            return _cache[key]
    return get_face_detector(detector)


def _as_image(image: Any) -> Image.Image:
    if isinstance(image, Image.Image):
        return check_rgb(image)
    if isinstance(image, (str, os.PathLike)):
        from ..io import load_image

        return load_image(image)
    if isinstance(image, np.ndarray):
        from ..io import array_to_image

        return array_to_image(image)
    raise TypeError(f"image must be a PIL image, a path or an HxWx3 uint8 array, got {type(image).__name__}")


def detect_and_crop(
    image: Any,
    detector: Any = None,
    margin: float = 1.3,
    size: Size = 299,
    min_face: float = DEFAULT_MIN_FACE,
    *,
    max_faces: int | None = None,
    square: bool = True,
    align: bool = False,
    border: str = "pad",
) -> list[tuple[Face, Image.Image]]:
    """Detect the faces in ``image`` and crop each one; largest face first.

    Args:
        image: a PIL image, a path (read with :func:`disgrl.io.load_image`) or an RGB uint8 array.
        detector: see :func:`get_face_detector` (``None``: the default backend, built once).
        margin, size, square, border: as in :func:`~disgrl.faces.crop_face`.
        min_face: ignore faces whose box's longer side is under this many pixels.
        max_faces: keep at most this many (the largest); ``None``: all.
        align: level the eyes; faces without eye landmarks get them from OpenCV's eye cascade
            when OpenCV is installed (otherwise they are cropped unrotated, with a warning).

    Returns:
        ``[(face, crop), ...]`` sorted by face area, largest first; empty when no face is found.
    """
    img = _as_image(image)
    det = resolve_detector(detector)
    faces = [f for f in det.detect(img) if f.size >= min_face]
    faces.sort(key=lambda f: -f.area)
    if max_faces is not None:
        if max_faces < 1:
            raise ValueError(f"max_faces must be >= 1 or None, got {max_faces!r}")
        faces = faces[:max_faces]
    if align and any(f.eyes is None for f in faces):
        with contextlib.suppress(ImportError):  # without OpenCV, crop_face warns and does not rotate
            faces = add_eye_landmarks(img, faces)
    return [(f, crop_face(img, f, margin, size, square=square, align=align, border=border)) for f in faces]


def faces_for_prediction(
    image: Any,
    detector: Any = None,
    margin: float = 1.3,
    size: Size = 299,
    *,
    min_face: float = DEFAULT_MIN_FACE,
    max_faces: int | None = None,
    align: bool = False,
) -> list[tuple[Face, Image.Image]]:
    """The face crops a forgery detector should score for one image, largest face first.

    FaceForensics++-style square crops (``margin`` x the longer face side, padded at borders),
    resized to ``size`` (pass the model's input size). Returns ``[]`` when no face is found, so
    the caller decides what to do (report "no face", or score the whole image).
    """
    return detect_and_crop(image, detector, margin, size, min_face, max_faces=max_faces, align=align)


def iter_video_faces(
    path: str | os.PathLike,
    frames: int | None = 32,
    detector: Any = None,
    margin: float = 1.3,
    size: Size = 299,
    *,
    min_face: float = DEFAULT_MIN_FACE,
    max_faces: int | None = 1,
    align: bool = False,
    backend: str | None = None,
) -> Iterator[FrameFaces]:
    """:func:`video_faces_for_prediction` one frame at a time (bounded memory for long videos)."""
    from ..video import iter_frames

    det = resolve_detector(detector)
    for index, t, img in iter_frames(path, frames, backend=backend):
        faces = detect_and_crop(img, det, margin, size, min_face, max_faces=max_faces, align=align)
        yield FrameFaces(index, t, faces)


def video_faces_for_prediction(
    path: str | os.PathLike,
    frames: int | None = 32,
    detector: Any = None,
    margin: float = 1.3,
    size: Size = 299,
    *,
    min_face: float = DEFAULT_MIN_FACE,
    max_faces: int | None = 1,
    align: bool = False,
    backend: str | None = None,
) -> list[FrameFaces]:
    """Sample ``frames`` frames evenly from a video and crop the faces of each.

    Returns one :class:`FrameFaces` per sampled frame (``faces`` may be empty), in frame
    order; by default only the largest face of each frame is kept (``max_faces=1``), the usual
    protocol for video-level deepfake scores (average the per-frame scores). Raises
    :class:`~disgrl.video.VideoLoadError` for unreadable videos.
    """
    return list(
        iter_video_faces(
            path, frames, detector, margin, size, min_face=min_face, max_faces=max_faces, align=align, backend=backend
        )
    )
