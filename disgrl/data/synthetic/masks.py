"""Random feathered region masks: rotated ellipses, irregular polygons and smooth Fourier blobs.

A mask is an ``HxW`` float32 array in ``[0, 1]``: the outline is drawn with Pillow as a filled
polygon and its edge softened with a Gaussian blur, so the blend between the original and the
manipulated image fades over a few pixels instead of a hard cut.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

#: The outline shapes :func:`random_mask` picks from.
SHAPES = ("ellipse", "polygon", "blob")


def ellipse_outline(
    centre: tuple[float, float], axes: tuple[float, float], angle: float = 0.0, points: int = 72
) -> np.ndarray:
    """``(points, 2)`` x/y vertices of an ellipse with semi-axes ``axes`` rotated by ``angle`` radians."""
    t = np.linspace(0.0, 2.0 * np.pi, points, endpoint=False)
    x, y = axes[0] * np.cos(t), axes[1] * np.sin(t)
    c, s = np.cos(angle), np.sin(angle)
    return np.stack([centre[0] + c * x - s * y, centre[1] + s * x + c * y], axis=1)


def random_outline(
    rng: np.random.Generator, centre: tuple[float, float], radius: float, shape: str = "blob"
) -> np.ndarray:
    """Vertices of a random ``shape`` (one of :data:`SHAPES`) of about ``radius`` pixels around ``centre``."""
    if shape == "ellipse":
        axes = (radius * rng.uniform(0.55, 1.0), radius * rng.uniform(0.55, 1.0))
        return ellipse_outline(centre, axes, rng.uniform(0.0, np.pi))
    if shape == "polygon":  # a star-shaped polygon: jittered angles, random radii
        k = int(rng.integers(5, 13))
        angles = 2.0 * np.pi * (np.arange(k) + rng.uniform(-0.35, 0.35, k)) / k + rng.uniform(0.0, 2.0 * np.pi)
        radii = radius * rng.uniform(0.45, 1.0, k)
    elif shape == "blob":  # a smooth irregular outline: a circle with a few random Fourier harmonics
        angles = np.linspace(0.0, 2.0 * np.pi, 96, endpoint=False)
        harmonics = np.arange(2, 6)[:, None]
        amp = rng.uniform(0.0, 0.32, (4, 1)) / np.sqrt(harmonics - 1)
        phase = rng.uniform(0.0, 2.0 * np.pi, (4, 1))
        radii = radius * np.clip(1.0 + (amp * np.cos(harmonics * angles + phase)).sum(0), 0.35, None)
    else:
        raise ValueError(f"unknown mask shape {shape!r} (choose from {', '.join(SHAPES)})")
    return np.stack([centre[0] + radii * np.cos(angles), centre[1] + radii * np.sin(angles)], axis=1)


def draw_polygon(points: np.ndarray, size: tuple[int, int]) -> Image.Image:
    """A binary ``L`` image of ``size`` (width, height) with the polygon ``points`` filled with 255."""
    img = Image.new("L", size, 0)
    ImageDraw.Draw(img).polygon([(float(x), float(y)) for x, y in points], fill=255)
    return img


def feather(mask: Image.Image, sigma: float) -> np.ndarray:
    """Blur an ``L`` mask with a Gaussian of ``sigma`` pixels; returns float32 in ``[0, 1]``."""
    if sigma > 0:
        mask = mask.filter(ImageFilter.GaussianBlur(sigma))
    return np.asarray(mask, dtype=np.float32) * np.float32(1.0 / 255.0)


def random_mask(
    rng: np.random.Generator,
    size: int,
    *,
    radius: tuple[float, float] = (0.12, 0.3),
    sigma: tuple[float, float] = (0.005, 0.04),
    shapes: Sequence[str] = SHAPES,
    centre: tuple[float, float] | None = None,
) -> np.ndarray:
    """A random feathered ``size x size`` region mask (float32 in ``[0, 1]``).

    Args:
        rng: the sample's random generator.
        size: side of the square image in pixels.
        radius: range of the outline's radius, as fractions of ``size``.
        sigma: range of the feathering Gaussian's standard deviation, as fractions of ``size``.
        shapes: outline shapes to choose from (:data:`SHAPES`).
        centre: the region's centre in pixels (default: random, away from the borders).
    """
    shape = shapes[int(rng.integers(len(shapes)))]
    r = size * rng.uniform(*radius)
    if centre is None:
        lo, hi = min(r * 0.8, size / 2), max(size - r * 0.8, size / 2)
        centre = (rng.uniform(lo, hi), rng.uniform(lo, hi))
    outline = random_outline(rng, centre, r, shape)
    return feather(draw_polygon(outline, (size, size)), max(0.6, size * rng.uniform(*sigma)))
