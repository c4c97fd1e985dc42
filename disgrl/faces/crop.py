"""Face crops in the FaceForensics++ convention: a square ``margin`` x face box, resized.

The crop box is a square of side ``margin * max(w, h)`` centred on the face box (FF++ used
``margin=1.3`` on dlib boxes and 299x299 inputs). Where the box runs past the image border
the default ``border="pad"`` fills the missing part with ``fill`` so the face stays centred;
``border="clamp"`` instead moves the box inside the image (shrinking it only when it is larger
than the image), as FF++'s own cropping code did, which shifts faces near the border off-centre.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

from PIL import Image

from ._base import Box, Face, check_rgb

BORDER_MODES = ("pad", "clamp")

Size = int | tuple[int, int] | None


def crop_box(face: Face, margin: float = 1.3, square: bool = True) -> Box:
    """The (float) region :func:`crop_face` cuts for ``face``, before border handling."""
    return face.square_box(margin) if square else face.expanded_box(margin)


def _out_size(size: Size, w: int, h: int) -> tuple[int, int] | None:
    if size is None:
        return None
    if isinstance(size, int):
        if size < 1:
            raise ValueError(f"size must be a positive int, (width, height) or None, got {size!r}")
        return (size, size)
    sw, sh = size
    if int(sw) < 1 or int(sh) < 1:
        raise ValueError(f"size must be a positive int, (width, height) or None, got {size!r}")
    return (int(sw), int(sh))


def _padded_crop(image: Image.Image, x0: int, y0: int, w: int, h: int, fill: tuple[int, int, int]) -> Image.Image:
    W, H = image.size
    if x0 >= 0 and y0 >= 0 and x0 + w <= W and y0 + h <= H:
        return image.crop((x0, y0, x0 + w, y0 + h))
    canvas = Image.new("RGB", (w, h), fill)
    ix0, iy0, ix1, iy1 = max(x0, 0), max(y0, 0), min(x0 + w, W), min(y0 + h, H)
    if ix1 > ix0 and iy1 > iy0:
        canvas.paste(image.crop((ix0, iy0, ix1, iy1)), (ix0 - x0, iy0 - y0))
    return canvas


def _clamp(start: float, length: float, limit: int) -> tuple[float, float]:
    length = min(length, float(limit))
    start = min(max(start, 0.0), limit - length)
    return start, length


def eye_angle(face: Face) -> float | None:
    """Degrees to rotate the image (counter-clockwise, as :meth:`PIL.Image.Image.rotate`) to level the eyes."""
    eyes = face.eyes
    if eyes is None:
        return None
    (lx, ly), (rx, ry) = eyes
    return math.degrees(math.atan2(ry - ly, rx - lx))


def crop_face(
    image: Image.Image,
    face: Face,
    margin: float = 1.3,
    size: Size = 299,
    *,
    square: bool = True,
    align: bool = False,
    border: str = "pad",
    fill: tuple[int, int, int] = (0, 0, 0),
    resample: int = Image.BILINEAR,
) -> Image.Image:
    """Cut one face out of ``image``.

    Args:
        image: the RGB image the face was detected in.
        face: the face (its box in ``image`` pixels).
        margin: the crop side is ``margin * max(w, h)`` of the face box (``square=True``), or the
            box scaled by ``margin`` (``square=False``). 1.3 is the FaceForensics++ setting.
        size: output ``size x size`` (or ``(width, height)``); ``None`` keeps the crop's own size.
            With ``square=False`` an int size stretches the crop to a square.
        square: crop a square (the FF++ convention) rather than the scaled face box.
        align: rotate about the face centre so the eyes are level, when ``face.eyes`` is known;
            otherwise the crop is left unrotated and a warning says so (find eyes with
            :func:`~disgrl.faces.add_eye_landmarks` or a detector with landmarks).
        border: ``"pad"`` (default) keeps the face centred and fills what lies outside the image
            with ``fill``; ``"clamp"`` moves the box inside the image instead.
        fill: RGB colour of the padding.
        resample: Pillow resampling filter for the resize (antialiased when downscaling).

    Returns:
        The crop as an RGB image. With ``border="pad"`` the face box centre maps to the crop
        centre (within half a source pixel).
    """
    image = check_rgb(image)
    if not isinstance(face, Face):
        raise TypeError(f"face must be a disgrl.faces.Face, got {type(face).__name__}")
    if border not in BORDER_MODES:
        raise ValueError(f"border must be one of {BORDER_MODES}, got {border!r}")
    x0, y0, x1, y1 = crop_box(face, margin, square)
    bw, bh = x1 - x0, y1 - y0
    W, H = image.size
    angle = eye_angle(face) if align else None
    if align and angle is None:
        warnings.warn(
            "crop_face(align=True): the face has no eye landmarks, so the crop is not rotated "
            "(use a detector with eyes, e.g. get_face_detector('haar', eyes=True), or add_eye_landmarks)",
            stacklevel=2,
        )
    if border == "clamp":
        if square:
            side = min(bw, W, H)
            x0, _ = _clamp(x0 + (bw - side) / 2, side, W)
            y0, _ = _clamp(y0 + (bh - side) / 2, side, H)
            bw = bh = side
        else:
            x0, bw = _clamp(x0 + (bw - min(bw, W)) / 2, bw, W)
            y0, bh = _clamp(y0 + (bh - min(bh, H)) / 2, bh, H)
    w_i, h_i = max(1, round(bw)), max(1, round(bh))
    cx, cy = x0 + bw / 2.0, y0 + bh / 2.0
    if angle is not None and abs(angle) > 1e-3:
        # rotate a region large enough to hold the rotated crop, then cut the crop from its centre
        big = math.ceil(math.hypot(w_i, h_i)) + 2
        region = _padded_crop(image, round(cx - big / 2), round(cy - big / 2), big, big, fill)
        region = region.rotate(angle, resample=Image.BICUBIC, fillcolor=fill)
        crop = region.crop(((big - w_i) // 2, (big - h_i) // 2, (big - w_i) // 2 + w_i, (big - h_i) // 2 + h_i))
    else:
        crop = _padded_crop(image, round(cx - w_i / 2), round(cy - h_i / 2), w_i, h_i, fill)
    out = _out_size(size, w_i, h_i)
    if out is not None and out != crop.size:
        crop = crop.resize(out, resample)
    return crop


def crop_faces(
    image: Image.Image,
    faces: Sequence[Face],
    margin: float = 1.3,
    size: Size = 299,
    *,
    square: bool = True,
    align: bool = False,
    border: str = "pad",
    fill: tuple[int, int, int] = (0, 0, 0),
    resample: int = Image.BILINEAR,
) -> list[Image.Image]:
    """:func:`crop_face` for each face, in order."""
    return [
        crop_face(image, f, margin, size, square=square, align=align, border=border, fill=fill, resample=resample)
        for f in faces
    ]
