"""Rendering of reconstruction / difference maps as a PNG panel (paper Fig. 5), numpy + PIL only."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from ._atomic import atomic_write

# Anchor colours of a perceptually ordered "inferno"-like map (black -> purple -> orange -> yellow).
_ANCHORS = np.array(
    [
        [0, 0, 4],
        [40, 11, 84],
        [101, 21, 110],
        [159, 42, 99],
        [212, 72, 66],
        [245, 125, 21],
        [250, 193, 39],
        [252, 255, 164],
    ],
    dtype=np.float64,
)


def colormap(values: np.ndarray) -> np.ndarray:
    """Map values in [0, 1] (HxW) to uint8 RGB (HxWx3)."""
    v = np.clip(np.nan_to_num(values), 0.0, 1.0) * (len(_ANCHORS) - 1)
    lo = np.floor(v).astype(int)
    hi = np.minimum(lo + 1, len(_ANCHORS) - 1)
    t = (v - lo)[..., None]
    return (_ANCHORS[lo] * (1 - t) + _ANCHORS[hi] * t).round().astype(np.uint8)


def heat_overlay(image: np.ndarray, diff: np.ndarray, alpha: float = 0.6, percentile: float = 99.0) -> np.ndarray:
    """A difference map (HxWx3 or HxW, any scale) as a heat map blended over ``image`` (HxWx3 uint8).

    The map is averaged over channels and scaled by its ``percentile`` (so a faint but localised
    difference stays visible); the heat colour's weight grows with the value.
    """
    d = diff.mean(axis=-1) if diff.ndim == 3 else diff
    top = float(np.percentile(d, percentile)) if d.size else 0.0
    norm = d / top if top > 1e-12 else np.zeros_like(d)
    norm = np.clip(norm, 0, 1)
    heat = colormap(norm).astype(np.float64)
    w = (alpha * norm)[..., None]
    return (image.astype(np.float64) * (1 - w) + heat * w).round().astype(np.uint8)


def to_uint8(img: np.ndarray) -> np.ndarray:
    """A float image in [0, 1] as uint8."""
    return (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)


def render_panel(
    image: np.ndarray,
    rec1: np.ndarray | None,
    rec2: np.ndarray | None,
    diff1: np.ndarray | None,
    diff2: np.ndarray | None,
    title: str = "",
    tile_height: int = 299,
) -> Image.Image:
    """Input | Rec-1 | Rec-2 | Diff-1 | Diff-2 side by side (missing heads are left out)."""
    tiles: list[tuple[str, np.ndarray]] = [("input", image)]
    for name, rec in (("Rec-1", rec1), ("Rec-2", rec2)):
        if rec is not None:
            tiles.append((name, to_uint8(rec)))
    for name, diff in (("Diff-1", diff1), ("Diff-2", diff2)):
        if diff is not None:
            tiles.append((name, heat_overlay(image, diff)))
    h, w = image.shape[:2]
    th = min(tile_height, h) if h else tile_height
    tw = max(1, round(w * th / max(h, 1)))
    bar = 18
    top = bar if title else 0
    panel = Image.new("RGB", (tw * len(tiles), th + bar + top), (255, 255, 255))
    draw = ImageDraw.Draw(panel)
    if title:
        draw.text((4, 3), title, fill=(0, 0, 0))
    for i, (name, arr) in enumerate(tiles):
        tile = Image.fromarray(arr).resize((tw, th), Image.BILINEAR)
        panel.paste(tile, (i * tw, top))
        draw.text((i * tw + 4, top + th + 3), name, fill=(0, 0, 0))
    return panel


def save_panel(panel: Image.Image, path: str | os.PathLike) -> Path:
    """Write ``panel`` as PNG atomically (temp file, then rename)."""
    path = Path(path)
    atomic_write(path, lambda p: panel.save(p, format="PNG"))
    return path
