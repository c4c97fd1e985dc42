"""Robust image reading shared by training data and the detector.

Every failure raises :class:`ImageLoadError` naming the file and what was wrong: a missing or
0-byte file, something that is not an image, a corrupt or truncated one, or an image larger
than ``max_pixels`` (checked from the header, before decoding, so nothing big is allocated).
Every mode Pillow reads is converted to 8-bit RGB: palette, grey (+alpha), 16/32-bit integer
and float, CMYK, RGBA (composited over white), and EXIF orientation is applied.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from pathlib import Path
from typing import IO

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".gif", ".ppm", ".pgm")

#: Default pixel limit (width x height): 100 megapixels.
DEFAULT_MAX_PIXELS = 100_000_000


class ImageLoadError(ValueError):
    """An image could not be read; ``source`` names it and ``reason`` says why."""

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {reason}")


def is_image_file(path: str | os.PathLike) -> bool:
    """True when the file name has a common image extension (case-insensitive)."""
    return Path(path).suffix.lower() in IMAGE_EXTENSIONS


def load_image(
    source: str | os.PathLike | IO[bytes], *, max_pixels: int | None = DEFAULT_MAX_PIXELS, name: str | None = None
) -> Image.Image:
    """Read an image file as 8-bit RGB with EXIF orientation applied.

    Args:
        source: a path or a binary file object.
        max_pixels: refuse images with more pixels than this (``None``: no limit).
        name: how to name the source in errors (default: the path).

    Raises:
        ImageLoadError: for any file that cannot be turned into an RGB image.
    """
    label = name or (str(source) if isinstance(source, (str, os.PathLike)) else getattr(source, "name", "<stream>"))
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.exists():
            raise ImageLoadError(label, "file not found")
        if path.is_dir():
            raise ImageLoadError(label, "is a directory, not an image file")
        if path.stat().st_size == 0:
            raise ImageLoadError(label, "empty file (0 bytes)")
        with open(path, "rb") as f:
            img = _decode(f, label, max_pixels)
    else:
        img = _decode(source, label, max_pixels)
    with contextlib.suppress(Exception):  # a broken EXIF block must not lose the image
        img = ImageOps.exif_transpose(img)
    try:
        return to_rgb(img)
    except (OSError, ValueError) as e:
        raise ImageLoadError(label, f"cannot convert mode {img.mode!r} to RGB ({e})") from None


def _decode(data: IO[bytes], label: str, max_pixels: int | None) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our own limit applies
            img = Image.open(data)
            w, h = img.size
            if max_pixels is not None and w * h > max_pixels:
                raise ImageLoadError(label, f"image is {w}x{h} = {w * h:,} pixels, over the limit of {max_pixels:,}")
            img.load()
            return img
    except ImageLoadError:
        raise
    except UnidentifiedImageError:
        raise ImageLoadError(label, "not an image file (or an unsupported format)") from None
    except Image.DecompressionBombError as e:
        raise ImageLoadError(label, f"image too large ({e})") from None
    except (OSError, SyntaxError, ValueError, EOFError) as e:
        raise ImageLoadError(label, f"corrupt or truncated image ({e})") from None


def to_rgb(img: Image.Image) -> Image.Image:
    """Convert any Pillow mode to 8-bit RGB (alpha composited over white)."""
    mode = img.mode
    if mode == "RGB":
        return img
    if mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        arr = np.asarray(img).astype(np.float64)
        if mode == "F":
            top = 1.0 if arr.size and np.nanmax(arr) <= 1.0 else 255.0
        else:
            top = 65535.0 if arr.size and arr.max() > 255 else 255.0
        arr = np.clip(np.nan_to_num(arr) / top * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return Image.fromarray(arr, "L").convert("RGB")
    if mode == "P" and "transparency" in img.info:
        img = img.convert("RGBA")
    elif mode in ("P", "1", "CMYK", "YCbCr", "LAB", "HSV"):
        return img.convert("RGB")
    if img.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return img.convert("RGB")


def array_to_image(arr: np.ndarray, name: str = "<array>") -> Image.Image:
    """An ``HxWx3`` / ``HxWx4`` / ``HxW`` uint8 array as an RGB image (ValueError otherwise)."""
    if not isinstance(arr, np.ndarray):
        raise ValueError(f"{name}: expected a numpy array, got {type(arr).__name__}")
    if arr.dtype != np.uint8:
        raise ValueError(f"{name}: expected a uint8 array (HWC, values 0-255), got dtype {arr.dtype}")
    if arr.ndim == 2:
        return Image.fromarray(arr, "L").convert("RGB")
    if arr.ndim != 3 or arr.shape[2] not in (1, 3, 4):
        raise ValueError(f"{name}: expected an HxWx3 (or HxWx4, HxW) array, got shape {arr.shape}")
    if arr.shape[2] == 1:
        return Image.fromarray(arr[:, :, 0], "L").convert("RGB")
    if arr.shape[2] == 4:
        return to_rgb(Image.fromarray(np.ascontiguousarray(arr), "RGBA"))
    return Image.fromarray(np.ascontiguousarray(arr), "RGB")
