"""Face detection and FaceForensics++-style face cropping (``pip install "disgrl[faces]"``).

Forgery detectors trained on FaceForensics++ or Celeb-DF see face crops, not whole photos:
a square of 1.3x the face box, resized to 299x299. This package finds faces and cuts them
out the same way::

    from disgrl.faces import detect_and_crop
    for face, crop in detect_and_crop("photo.jpg"):   # largest face first
        print(face.box, crop.size)                    # (x0, y0, x1, y1), (299, 299)

Backends: ``"dlib"`` (dlib's HOG detector, the default: what FaceForensics++ used) and
``"haar"`` (OpenCV Haar cascades, the fallback); any object with a
``detect(image) -> list[Face]`` method plugs in (subclass :class:`FaceDetectorBackend`).
Importing this package needs only Pillow and numpy; the backends import their library when
created and raise an ImportError saying what to install.
"""

from __future__ import annotations

from ._base import FACES_INSTALL, Box, Face, FaceDetectorBackend, as_face, iou, non_max_suppression
from .backends import (
    DEFAULT_DETECTOR,
    FALLBACK_DETECTOR,
    DlibFaceDetector,
    FunctionFaceDetector,
    HaarFaceDetector,
    add_eye_landmarks,
    get_face_detector,
    list_face_detectors,
    register_face_detector,
)
from .crop import BORDER_MODES, crop_box, crop_face, crop_faces, eye_angle
from .pipeline import (
    DEFAULT_MIN_FACE,
    FrameFaces,
    detect_and_crop,
    faces_for_prediction,
    iter_video_faces,
    resolve_detector,
    video_faces_for_prediction,
)

__all__ = [
    "BORDER_MODES",
    "DEFAULT_DETECTOR",
    "DEFAULT_MIN_FACE",
    "FACES_INSTALL",
    "FALLBACK_DETECTOR",
    "Box",
    "DlibFaceDetector",
    "Face",
    "FaceDetectorBackend",
    "FrameFaces",
    "FunctionFaceDetector",
    "HaarFaceDetector",
    "add_eye_landmarks",
    "as_face",
    "crop_box",
    "crop_face",
    "crop_faces",
    "detect_and_crop",
    "eye_angle",
    "faces_for_prediction",
    "get_face_detector",
    "iou",
    "iter_video_faces",
    "list_face_detectors",
    "non_max_suppression",
    "register_face_detector",
    "resolve_detector",
    "video_faces_for_prediction",
]
