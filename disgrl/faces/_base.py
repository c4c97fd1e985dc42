"""The face record, the detector interface and the helpers every backend shares."""

from __future__ import annotations

import abc
import math
from dataclasses import dataclass, field, replace
from typing import Any

from PIL import Image

Box = tuple[float, float, float, float]
Point = tuple[float, float]

#: The command that installs the optional face-detection dependencies.
FACES_INSTALL = 'pip install "disgrl[faces]"'


@dataclass(frozen=True)
class Face:
    """One detected face.

    Attributes:
        box: ``(x0, y0, x1, y1)`` in pixels of the image it was found in (``x1``/``y1`` exclusive,
            so ``x1 - x0`` is the width), as floats.
        score: the backend's confidence; higher is more confident. The scale is backend-specific
            (OpenCV Haar: number of merged neighbour detections; dlib: SVM margin).
        landmarks: named points in image pixels, or ``None``. Backends that find eyes fill
            ``"left_eye"`` and ``"right_eye"``: the eye on the image's left (the subject's right
            eye) and the one on the image's right. Other names are kept as given. Not compared
            by ``==`` (two faces are equal when box and score are).
    """

    box: Box
    score: float = 1.0
    landmarks: dict[str, Point] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        x0, y0, x1, y1 = (float(v) for v in self.box)
        if not all(math.isfinite(v) for v in (x0, y0, x1, y1)):
            raise ValueError(f"Face.box must be finite numbers, got {self.box!r}")
        if x1 <= x0 or y1 <= y0:
            raise ValueError(f"Face.box must be (x0, y0, x1, y1) with x1 > x0 and y1 > y0, got {self.box!r}")
        object.__setattr__(self, "box", (x0, y0, x1, y1))
        object.__setattr__(self, "score", float(self.score))
        if self.landmarks is not None:
            object.__setattr__(
                self, "landmarks", {str(k): (float(p[0]), float(p[1])) for k, p in dict(self.landmarks).items()}
            )

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]

    @property
    def size(self) -> float:
        """The longer side of the box, in pixels."""
        return max(self.width, self.height)

    @property
    def area(self) -> float:
        return self.width * self.height

    @property
    def center(self) -> Point:
        return ((self.box[0] + self.box[2]) / 2.0, (self.box[1] + self.box[3]) / 2.0)

    @property
    def eyes(self) -> tuple[Point, Point] | None:
        """``(left_eye, right_eye)`` in image coordinates when both are known, else ``None``."""
        lm = self.landmarks or {}
        if "left_eye" in lm and "right_eye" in lm:
            return lm["left_eye"], lm["right_eye"]
        return None

    def square_box(self, margin: float = 1.3) -> Box:
        """The square crop box: side ``margin * max(width, height)``, centred on the face box.

        This is the FaceForensics++ convention (``margin=1.3``). The box may extend past the
        image borders; :func:`~disgrl.faces.crop_face` pads (or clamps) there.
        """
        if not margin > 0:
            raise ValueError(f"margin must be > 0, got {margin!r}")
        cx, cy = self.center
        half = margin * self.size / 2.0
        return (cx - half, cy - half, cx + half, cy + half)

    def expanded_box(self, margin: float = 1.3) -> Box:
        """The face box scaled by ``margin`` about its centre (not made square)."""
        if not margin > 0:
            raise ValueError(f"margin must be > 0, got {margin!r}")
        cx, cy = self.center
        hw, hh = margin * self.width / 2.0, margin * self.height / 2.0
        return (cx - hw, cy - hh, cx + hw, cy + hh)

    def scaled(self, factor: float) -> Face:
        """This face with box and landmarks multiplied by ``factor`` (to map between image sizes)."""
        lm = None if self.landmarks is None else {k: (x * factor, y * factor) for k, (x, y) in self.landmarks.items()}
        return replace(self, box=tuple(v * factor for v in self.box), landmarks=lm)  # type: ignore[arg-type]

    def translated(self, dx: float, dy: float) -> Face:
        """This face shifted by ``(dx, dy)`` pixels."""
        x0, y0, x1, y1 = self.box
        lm = None if self.landmarks is None else {k: (x + dx, y + dy) for k, (x, y) in self.landmarks.items()}
        return replace(self, box=(x0 + dx, y0 + dy, x1 + dx, y1 + dy), landmarks=lm)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly dict: ``{"box": [...], "score": ..., "landmarks": {...} | None}``."""
        lm = None if self.landmarks is None else {k: list(p) for k, p in self.landmarks.items()}
        return {"box": list(self.box), "score": self.score, "landmarks": lm}


class FaceDetectorBackend(abc.ABC):
    """A face detector: ``detect(image) -> list[Face]`` for an RGB :class:`PIL.Image.Image`.

    Subclass it and implement :meth:`detect` to plug in any detector (RetinaFace, MTCNN,
    MediaPipe...); pass the instance wherever a ``detector`` is accepted. Objects that merely
    have a ``detect`` method, and plain functions returning faces or ``(x0, y0, x1, y1)`` boxes,
    are accepted too (see :func:`~disgrl.faces.get_face_detector`).
    """

    #: Short name used in logs and in ``extract-faces`` markers.
    name: str = "custom"

    @abc.abstractmethod
    def detect(self, image: Image.Image) -> list[Face]:
        """Find the faces in an RGB image; boxes in that image's pixel coordinates."""

    def __call__(self, image: Image.Image) -> list[Face]:
        return self.detect(image)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


def as_face(obj: Any) -> Face:
    """A :class:`Face` from a Face, a ``(x0, y0, x1, y1)`` box, a ``(box, score)`` pair or a dict."""
    if isinstance(obj, Face):
        return obj
    if isinstance(obj, dict):
        return Face(tuple(obj["box"]), obj.get("score", 1.0), obj.get("landmarks"))  # type: ignore[arg-type]
    seq = list(obj)
    if len(seq) == 4 and all(isinstance(v, (int, float)) or hasattr(v, "__float__") for v in seq):
        return Face(tuple(float(v) for v in seq))  # type: ignore[arg-type]
    if len(seq) == 2:
        return Face(tuple(float(v) for v in seq[0]), float(seq[1]))  # type: ignore[arg-type]
    raise ValueError(f"cannot read a face from {obj!r}: expected a Face, (x0, y0, x1, y1), (box, score) or a dict")


def check_rgb(image: Any, what: str = "image") -> Image.Image:
    """``image`` as RGB, or a TypeError naming ``what`` when it is not a PIL image."""
    if not isinstance(image, Image.Image):
        raise TypeError(f"{what} must be a PIL.Image.Image, got {type(image).__name__} (use disgrl.io.load_image)")
    return image if image.mode == "RGB" else image.convert("RGB")


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two ``(x0, y0, x1, y1)`` boxes."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def non_max_suppression(faces: list[Face], threshold: float = 0.3) -> list[Face]:
    """Keep the highest-scoring face of each group overlapping by more than ``threshold`` IoU.

    A face whose centre lies inside a kept face's box is also dropped (nested duplicates).
    Returns the kept faces, highest score first.
    """
    kept: list[Face] = []
    for f in sorted(faces, key=lambda f: (-f.score, -f.area)):
        cx, cy = f.center
        dup = False
        for k in kept:
            inside = k.box[0] <= cx <= k.box[2] and k.box[1] <= cy <= k.box[3] and 0.5 < f.size / k.size < 2.0
            if inside or iou(f.box, k.box) > threshold:
                dup = True
                break
        if not dup:
            kept.append(f)
    return kept
