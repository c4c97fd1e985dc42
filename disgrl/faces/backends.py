"""Built-in face detectors (OpenCV Haar cascades, dlib HOG) and the detector registry.

Both built-ins work offline from PyPI wheels: ``opencv-python-headless`` ships its Haar cascade
files (``cv2.data.haarcascades``) and ``dlib-bin`` its HOG frontal-face detector. Neither is
imported until a detector is created, so ``import disgrl.faces`` needs neither.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from PIL import Image

from ._base import FACES_INSTALL, Face, FaceDetectorBackend, as_face, check_rgb, non_max_suppression

#: The backend ``"default"`` resolves to (chosen by ``benchmarks/faces.py``; see docs/faces.md).
#: When dlib is not installed, ``"default"`` falls back to :data:`FALLBACK_DETECTOR` with a warning.
DEFAULT_DETECTOR = "dlib"
FALLBACK_DETECTOR = "haar"


def require_cv2(purpose: str = "the 'haar' face detector") -> Any:
    """Import OpenCV or raise an ImportError that says how to install it."""
    try:
        import cv2
    except ImportError as e:
        raise ImportError(
            f"OpenCV is needed for {purpose} but is not installed. Install it with: {FACES_INSTALL}"
            ' (or pip install "opencv-python-headless<5")'
        ) from e
    return cv2


def require_dlib() -> Any:
    """Import dlib or raise an ImportError that says how to install it."""
    try:
        import dlib
    except ImportError as e:
        raise ImportError(
            "dlib is needed for the 'dlib' face detector but is not installed. Install the prebuilt "
            f"wheel with: {FACES_INSTALL} (or pip install dlib-bin)"
        ) from e
    return dlib


def _downscale(image: Image.Image, max_side: int | None) -> tuple[np.ndarray, float]:
    """The image as an RGB array no longer than ``max_side``, and the factor back to the original."""
    w, h = image.size
    if max_side is not None and max(w, h) > max_side:
        scale = max_side / max(w, h)
        small = image.resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.BILINEAR, reducing_gap=2.0)
        return np.asarray(small), 1.0 / scale
    return np.asarray(image), 1.0


# Haar boxes include the forehead and sit higher than dlib's (eyebrows to chin), which is what
# FaceForensics++ cropped with. Measured on the 107 benchmark faces both detectors found
# (benchmarks/faces.py --calibrate): dlib's box is 0.90 x (sd 0.10) the Haar box's side, its
# centre 0.06 x (sd 0.03) the side lower and no further left or right (-0.01). Applied when
# box_style="dlib", so that margin=1.3 frames a face as FF++ did.
_HAAR_TO_DLIB_SCALE = 0.90
_HAAR_TO_DLIB_SHIFT = 0.06


class HaarFaceDetector(FaceDetectorBackend):
    """OpenCV Haar cascade face detector (``pip install "disgrl[faces]"``).

    The image is converted to grey and histogram-equalised, optionally downscaled to
    ``max_side``, and scanned by each cascade in ``cascades``; detections of all cascades are
    merged by non-maximum suppression. With ``eyes=True`` the eye cascades look for both eyes in
    the upper part of each face and fills ``Face.landmarks`` (used by ``crop_face(align=True)``).

    Args:
        cascades: names of OpenCV frontal-face cascades (``"default"``, ``"alt"``, ``"alt2"``,
            ``"alt_tree"``) or paths to cascade XML files.
        scale_factor: image pyramid step of ``detectMultiScale``.
        min_neighbors: neighbouring detections needed to keep a face (higher: fewer false alarms).
        min_size: smallest face searched, in pixels of the original image, and at least
            ``min_rel_size`` times the image's shorter side.
        min_rel_size: see ``min_size``.
        max_side: detect on a copy downscaled so its longer side is at most this (``None``: never).
        equalize: histogram-equalise the grey image first.
        eyes: locate the eyes of each face (an extra cascade run per face).
        box_style: ``"dlib"`` (default) reshapes the boxes to the geometry of dlib's detector,
            which FaceForensics++ used, so that ``margin=1.3`` frames faces as in its training
            crops; ``"raw"`` keeps OpenCV's boxes.
    """

    name = "haar"

    def __init__(
        self,
        cascades: Sequence[str] = ("alt2",),
        *,
        scale_factor: float = 1.1,
        min_neighbors: int = 5,
        min_size: int = 20,
        min_rel_size: float = 0.0,
        max_side: int | None = 1024,
        equalize: bool = True,
        eyes: bool = False,
        box_style: str = "dlib",
    ) -> None:
        self._kwargs = {k: v for k, v in locals().items() if k not in ("self", "__class__")}
        cv2 = require_cv2()
        if isinstance(cascades, str):
            cascades = (cascades,)
        if not cascades:
            raise ValueError("cascades: give at least one cascade name or XML path")
        if not scale_factor > 1.0:
            raise ValueError(f"scale_factor must be > 1, got {scale_factor!r}")
        if box_style not in ("dlib", "raw"):
            raise ValueError(f"box_style must be 'dlib' or 'raw', got {box_style!r}")
        self._cv2 = cv2
        self.cascade_names = tuple(cascades)
        self._cascades = [self._load(c) for c in cascades]
        self._eye_cascades = load_eye_cascades(cv2) if eyes else None
        self.scale_factor = float(scale_factor)
        self.min_neighbors = int(min_neighbors)
        self.min_size = int(min_size)
        self.min_rel_size = float(min_rel_size)
        self.max_side = max_side
        self.equalize = bool(equalize)
        self.eyes = bool(eyes)
        self.box_style = box_style

    def _load(self, name: str) -> Any:
        cv2 = self._cv2
        if os.path.sep in name or name.endswith(".xml"):
            path = name if os.path.isfile(name) else os.path.join(cv2.data.haarcascades, name)
        else:
            path = os.path.join(cv2.data.haarcascades, f"haarcascade_frontalface_{name}.xml")
        if not os.path.isfile(path):
            raise ValueError(
                f"Haar cascade {name!r} not found ({path}); use 'default', 'alt', 'alt2', 'alt_tree' or an XML path"
            )
        cascade = cv2.CascadeClassifier(path)
        if cascade.empty():
            raise ValueError(f"Haar cascade {path} could not be loaded (not a cascade XML file?)")
        return cascade

    def _grey(self, rgb: np.ndarray) -> np.ndarray:
        cv2 = self._cv2
        grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        return cv2.equalizeHist(grey) if self.equalize else grey

    def detect(self, image: Image.Image) -> list[Face]:
        image = check_rgb(image)
        rgb, back = _downscale(image, self.max_side)
        grey = self._grey(rgb)
        h, w = grey.shape
        side = max(self.min_size / back, self.min_rel_size * min(h, w), 1.0)
        min_px = max(math.ceil(side), 12)
        if min_px > min(h, w):
            return []
        faces: list[Face] = []
        for cascade in self._cascades:
            rects, counts = cascade.detectMultiScale2(
                grey, scaleFactor=self.scale_factor, minNeighbors=self.min_neighbors, minSize=(min_px, min_px)
            )
            for (x, y, bw, bh), n in zip(np.asarray(rects).reshape(-1, 4), np.asarray(counts).reshape(-1)):
                faces.append(Face((float(x), float(y), float(x + bw), float(y + bh)), float(n)))
        if len(self._cascades) > 1:
            faces = non_max_suppression(faces)
        if self.box_style == "dlib":
            faces = [_haar_to_dlib(f) for f in faces]
        if self._eye_cascades is not None:
            faces = [self._with_eyes(grey, f) for f in faces]
        if back != 1.0:
            faces = [f.scaled(back) for f in faces]
        return sorted(faces, key=lambda f: -f.area)

    def _with_eyes(self, grey: np.ndarray, face: Face) -> Face:
        eyes = find_eyes_in_grey(self._cv2, self._eye_cascades, grey, face)
        if eyes is None:
            return face
        lm = dict(face.landmarks or {})
        lm["left_eye"], lm["right_eye"] = eyes
        return Face(face.box, face.score, lm)

    def __reduce__(self) -> tuple[Any, ...]:  # picklable (for worker processes): rebuilt from its arguments
        return (_rebuild, (type(self), self._kwargs))

    def __repr__(self) -> str:
        return (
            f"HaarFaceDetector(cascades={self.cascade_names!r}, min_neighbors={self.min_neighbors}, "
            f"max_side={self.max_side}, eyes={self.eyes}, box_style={self.box_style!r})"
        )


def _rebuild(cls: type, kwargs: dict[str, Any]) -> FaceDetectorBackend:
    return cls(**kwargs)


def _haar_to_dlib(face: Face) -> Face:
    cx, cy = face.center
    s = face.size
    cy += _HAAR_TO_DLIB_SHIFT * s
    half = _HAAR_TO_DLIB_SCALE * s / 2.0
    return Face((cx - half, cy - half, cx + half, cy + half), face.score, face.landmarks)


def load_eye_cascades(cv2: Any) -> list[Any]:
    """OpenCV's eye cascades: plain eyes, and eyes behind glasses."""
    names = ("haarcascade_eye.xml", "haarcascade_eye_tree_eyeglasses.xml")
    return [cv2.CascadeClassifier(os.path.join(cv2.data.haarcascades, n)) for n in names]


_EYE_FACE_PX = 160  # faces are resampled to this width for the eye search (cascade window: 20 px)
_EYE_ANGLES = (0.0, 15.0, -15.0, 30.0, -30.0)


def find_eyes_in_grey(
    cv2: Any, eye_cascades: Sequence[Any], grey: np.ndarray, face: Face
) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """Both eye centres of ``face`` found by OpenCV eye cascades in a grey image, or ``None``.

    The face is resampled to 160 px and searched upright; when no eye pair is found there,
    rotated by +-15 and +-30 degrees (the cascades only find upright eyes). In the upper 60 %
    of the face each cascade proposes eyes; the best pair with one eye in each half, at a
    plausible distance and height difference, wins. Returns ``(left_eye, right_eye)`` in image
    coordinates (image left first).
    """
    if face.size < 12:
        return None
    F = _EYE_FACE_PX
    cx, cy = face.center
    scale = F / face.size
    for angle in _EYE_ANGLES:
        m = cv2.getRotationMatrix2D((cx, cy), angle, scale)
        m[:, 2] += (F / 2.0 - cx, F / 2.0 - cy)
        patch = cv2.warpAffine(grey, m, (F, F), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        pair = _best_eye_pair(eye_cascades, patch[: int(0.6 * F)], F)
        if pair is not None:
            inv = cv2.invertAffineTransform(m)
            (lx, ly), (rx, ry) = (
                (float(inv[0, 0] * x + inv[0, 1] * y + inv[0, 2]), float(inv[1, 0] * x + inv[1, 1] * y + inv[1, 2]))
                for x, y in pair
            )
            return ((lx, ly), (rx, ry)) if lx <= rx else ((rx, ry), (lx, ly))
    return None


def _best_eye_pair(
    eye_cascades: Sequence[Any], roi: np.ndarray, fw: int
) -> tuple[tuple[float, float], tuple[float, float]] | None:
    min_eye, max_eye = int(0.1 * fw), int(0.45 * fw)
    centres: list[tuple[float, float, float]] = []
    for cascade in eye_cascades:
        rects = cascade.detectMultiScale(
            roi, scaleFactor=1.1, minNeighbors=3, minSize=(min_eye, min_eye), maxSize=(max_eye, max_eye)
        )
        centres += [(x + w / 2.0, y + h / 2.0, float(w)) for x, y, w, h in np.asarray(rects).reshape(-1, 4)]
    mid = fw / 2.0
    best: tuple[float, tuple[float, float], tuple[float, float]] | None = None
    for lx, ly, lw in (c for c in centres if c[0] < mid):
        for rx, ry, rw in (c for c in centres if c[0] >= mid):
            dist = rx - lx
            if not (0.25 * fw <= dist <= 0.75 * fw) or abs(ry - ly) > 0.25 * dist:
                continue
            # prefer similar sizes and eyes near the expected separation (0.4 x face width)
            cost = abs(lw - rw) / max(lw, rw) + abs(dist - 0.4 * fw) / fw + abs(ry - ly) / dist
            if best is None or cost < best[0]:
                best = (cost, (lx, ly), (rx, ry))
    return None if best is None else (best[1], best[2])


def add_eye_landmarks(image: Image.Image, faces: Sequence[Face]) -> list[Face]:
    """Fill ``left_eye``/``right_eye`` landmarks with OpenCV's eye cascade, for faces from any backend.

    Faces that already have both eyes, or whose eyes are not found, are returned unchanged.
    Needs OpenCV (``pip install "disgrl[faces]"``).
    """
    cv2 = require_cv2("eye detection (face alignment)")
    eye = load_eye_cascades(cv2)
    grey = cv2.equalizeHist(cv2.cvtColor(np.asarray(check_rgb(image)), cv2.COLOR_RGB2GRAY))
    out = []
    for f in faces:
        eyes = None if f.eyes is not None else find_eyes_in_grey(cv2, eye, grey, f)
        if eyes is None:
            out.append(f)
        else:
            lm = dict(f.landmarks or {})
            lm["left_eye"], lm["right_eye"] = eyes
            out.append(Face(f.box, f.score, lm))
    return out


class DlibFaceDetector(FaceDetectorBackend):
    """dlib's HOG + linear SVM frontal face detector (``pip install dlib-bin``).

    This is the detector FaceForensics++ cropped its faces with. It scans with an 80x80 window,
    so faces smaller than about 80 px are only found after upsampling the image (``upsample=1``
    finds faces down to ~40 px, at ~4x the cost).

    Args:
        upsample: times the image is doubled before scanning; ``"auto"`` (default) scans at
            ``upsample=0`` and, only when that finds no face, again at ``upsample=1``: fast when
            there is a large face (video frames, portraits), thorough otherwise. It can miss
            small faces next to a large one; use ``upsample=1`` to find every face.
        threshold: SVM score threshold (``adjust_threshold``); raise it for fewer false alarms.
        max_side: detect on a copy downscaled so its longer side is at most this (``None``: never).
        landmarks_model: path to a dlib shape-predictor file (``shape_predictor_5_face_landmarks.dat``
            or ``shape_predictor_68_face_landmarks.dat``). These are **not** shipped with dlib-bin
            (download them from dlib.net or the ``face_recognition_models`` package); when given,
            eye centres fill ``Face.landmarks`` for ``crop_face(align=True)``.
    """

    name = "dlib"

    def __init__(
        self,
        upsample: int | str = "auto",
        *,
        threshold: float = 0.0,
        max_side: int | None = 1024,
        landmarks_model: str | None = None,
    ) -> None:
        self._kwargs = {k: v for k, v in locals().items() if k not in ("self", "__class__")}
        dlib = require_dlib()
        if upsample != "auto" and not (isinstance(upsample, int) and upsample >= 0):
            raise ValueError(f"upsample must be an int >= 0 or 'auto', got {upsample!r}")
        if landmarks_model is not None and not os.path.isfile(landmarks_model):
            raise FileNotFoundError(
                f"landmarks_model: {landmarks_model} not found (dlib's shape-predictor files are not "
                "shipped with dlib-bin; download shape_predictor_5_face_landmarks.dat from dlib.net)"
            )
        self._dlib = dlib
        self._detector = dlib.get_frontal_face_detector()
        self.upsample = upsample
        self.threshold = float(threshold)
        self.max_side = max_side
        self._predictor = None if landmarks_model is None else dlib.shape_predictor(str(landmarks_model))

    def detect(self, image: Image.Image) -> list[Face]:
        image = check_rgb(image)
        rgb, back = _downscale(image, self.max_side)
        rgb = np.ascontiguousarray(rgb)
        if self.upsample == "auto":
            rects, scores, _ = self._detector.run(rgb, 0, self.threshold)
            if len(rects) == 0:
                rects, scores, _ = self._detector.run(rgb, 1, self.threshold)
        else:
            rects, scores, _ = self._detector.run(rgb, self.upsample, self.threshold)
        faces = []
        for r, s in zip(rects, scores):
            face = Face((float(r.left()), float(r.top()), float(r.right() + 1), float(r.bottom() + 1)), float(s))
            if self._predictor is not None:
                face = _with_shape(face, self._predictor(rgb, r))
            faces.append(face)
        if back != 1.0:
            faces = [f.scaled(back) for f in faces]
        return sorted(faces, key=lambda f: -f.area)

    def __reduce__(self) -> tuple[Any, ...]:  # picklable (for worker processes): rebuilt from its arguments
        return (_rebuild, (type(self), self._kwargs))

    def __repr__(self) -> str:
        return f"DlibFaceDetector(upsample={self.upsample!r}, threshold={self.threshold}, max_side={self.max_side})"


def _with_shape(face: Face, shape: Any) -> Face:
    """Eye centres from a dlib 68-point (36-41, 42-47) or 5-point (0-1, 2-3) shape."""
    pts = [(float(p.x), float(p.y)) for p in shape.parts()]
    if len(pts) == 68:
        groups = [pts[36:42], pts[42:48]]
    elif len(pts) == 5:
        groups = [pts[0:2], pts[2:4]]
    else:
        return face
    a, b = ((sum(x for x, _ in g) / len(g), sum(y for _, y in g) / len(g)) for g in groups)
    left, right = sorted((a, b))
    return Face(face.box, face.score, {"left_eye": left, "right_eye": right})


class FunctionFaceDetector(FaceDetectorBackend):
    """Wraps ``fn(image) -> iterable of Face | (x0, y0, x1, y1) | (box, score)`` as a backend."""

    def __init__(self, fn: Callable[[Image.Image], Any], name: str | None = None) -> None:
        self.fn = fn
        self.name = name or getattr(fn, "__name__", "custom")

    def detect(self, image: Image.Image) -> list[Face]:
        return [as_face(f) for f in self.fn(image)]


class _DuckFaceDetector(FaceDetectorBackend):
    """Adapts an object with a ``detect`` method that is not a :class:`FaceDetectorBackend`."""

    def __init__(self, obj: Any) -> None:
        self.obj = obj
        self.name = getattr(obj, "name", type(obj).__name__)

    def detect(self, image: Image.Image) -> list[Face]:
        return [as_face(f) for f in self.obj.detect(image)]


_REGISTRY: dict[str, Callable[..., FaceDetectorBackend]] = {
    "haar": HaarFaceDetector,
    "dlib": DlibFaceDetector,
}


def register_face_detector(name: str, factory: Callable[..., FaceDetectorBackend], *, overwrite: bool = False) -> None:
    """Make ``get_face_detector(name, **kwargs)`` (and ``extract-faces --detector name``) build ``factory(**kwargs)``."""
    if name == "default":
        raise ValueError("'default' is an alias and cannot be registered")
    if name in _REGISTRY and not overwrite:
        raise ValueError(f"face detector {name!r} is already registered (pass overwrite=True to replace it)")
    _REGISTRY[name] = factory


def list_face_detectors() -> list[str]:
    """Names accepted by :func:`get_face_detector` (besides ``"default"``)."""
    return sorted(_REGISTRY)


def _default_detector(**kwargs: Any) -> FaceDetectorBackend:
    try:
        return _REGISTRY[DEFAULT_DETECTOR](**kwargs)
    except ImportError as first:
        if kwargs:
            raise
        try:
            fallback = _REGISTRY[FALLBACK_DETECTOR]()
        except ImportError:
            raise ImportError(f"no face detection backend is installed. Install one with: {FACES_INSTALL}") from first
    warnings.warn(
        f"the default face detector ({DEFAULT_DETECTOR!r}) is not installed, so the {FALLBACK_DETECTOR!r} backend "
        f"is used (lower recall, more false alarms; see docs/faces.md). Install it with: {FACES_INSTALL}",
        stacklevel=3,
    )
    return fallback


def get_face_detector(detector: Any = "default", **kwargs: Any) -> FaceDetectorBackend:
    """A face detector from a name, an instance or a function.

    Args:
        detector: ``"default"`` (``"dlib"``; ``"haar"``, with a warning, when only OpenCV is
            installed), a registered name (``"haar"``, ``"dlib"``,
            or one added with :func:`register_face_detector`), a :class:`FaceDetectorBackend`
            (returned as is) or such a class (built with ``kwargs``), an object with a ``detect(image)`` method, or a function
            ``image -> faces``; ``None`` means ``"default"``.
        **kwargs: passed to the backend's constructor (with a name or a class only).

    Raises:
        ValueError: unknown name. ImportError: the backend's package is not installed.
    """
    if detector is None:
        detector = "default"
    if isinstance(detector, str):
        if detector == "default":
            return _default_detector(**kwargs)
        if detector not in _REGISTRY:
            raise ValueError(f"unknown face detector {detector!r}; available: {', '.join(['default', *_REGISTRY])}")
        return _REGISTRY[detector](**kwargs)
    if isinstance(detector, type):  # a backend class: build it
        return get_face_detector(detector(**kwargs))
    if kwargs:
        raise TypeError(f"keyword arguments are only accepted with a detector name or class, not with {detector!r}")
    if isinstance(detector, FaceDetectorBackend):
        return detector
    if callable(getattr(detector, "detect", None)):
        return _DuckFaceDetector(detector)
    if callable(detector):
        return FunctionFaceDetector(detector)
    raise TypeError(
        f"detector must be a name, a FaceDetectorBackend, an object with detect(image) or a function; got {detector!r}"
    )
