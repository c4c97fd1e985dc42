"""Turn what users pass to ``predict`` into a flat, ordered list of loadable items.

Accepted: a path, a directory (its images, recursively, sorted), a glob pattern, a list of any
of these, PIL images, ``HxWx3`` uint8 numpy arrays, ``CHW`` / ``BCHW`` tensors (float in [0, 1]
or uint8). Each item loads lazily, so a batch holds only its own images in memory.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image
from torch import Tensor

from .io import DEFAULT_MAX_PIXELS, array_to_image, is_image_file, load_image, to_rgb

_GLOB_CHARS = ("*", "?", "[")


@dataclass
class InputItem:
    """One image to score: ``source`` names it; ``load()`` returns a PIL image or a float CHW
    tensor in [0, 1]; ``error`` is set when the input could not even be expanded."""

    source: str
    load: Callable[[], Image.Image | Tensor] | None = None
    error: str | None = None


def expand_inputs(inputs: Any, max_pixels: int | None = DEFAULT_MAX_PIXELS) -> list[InputItem]:
    """Flatten ``inputs`` into items, in order (a directory or glob expands in sorted order)."""
    if isinstance(inputs, (list, tuple)):
        items: list[InputItem] = []
        for i, x in enumerate(inputs):
            items.extend(_expand_one(x, i, max_pixels))
        return items
    if isinstance(inputs, Tensor) and inputs.dim() == 4:
        return _expand_one(inputs, 0, max_pixels)
    return _expand_one(inputs, 0, max_pixels)


def _expand_one(x: Any, index: int, max_pixels: int | None) -> list[InputItem]:
    if isinstance(x, (str, os.PathLike)):
        return _expand_path(x, max_pixels)
    if isinstance(x, Image.Image):
        name = getattr(x, "filename", "") or f"<image {index}>"
        return [InputItem(name, lambda img=x: to_rgb(img))]
    if isinstance(x, np.ndarray):
        name = f"<array {index}>"
        return [InputItem(name, lambda a=x, n=name: array_to_image(a, n))]
    if isinstance(x, Tensor):
        name = f"<tensor {index}>"
        if x.dim() == 4:
            return [
                InputItem(f"<tensor {index}[{b}]>", lambda t=x[b], n=f"<tensor {index}[{b}]>": tensor_image(t, n))
                for b in range(x.shape[0])
            ]
        return [InputItem(name, lambda t=x, n=name: tensor_image(t, n))]
    return [InputItem(f"<input {index}>", error=f"unsupported input type {type(x).__name__}; expected a path, "
                      "a directory, a glob, a PIL image, a uint8 HxWx3 array or a CHW/BCHW tensor")]  # fmt: skip


def _expand_path(x: str | os.PathLike, max_pixels: int | None) -> list[InputItem]:
    text = str(x)
    path = Path(text)

    def loader(p: Path) -> Callable[[], Image.Image]:
        return lambda: load_image(p, max_pixels=max_pixels)

    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and is_image_file(p))
        if not files:
            return [InputItem(text, error="directory contains no image files")]
        return [InputItem(str(p), loader(p)) for p in files]
    if not path.exists() and any(c in text for c in _GLOB_CHARS):
        files = sorted(Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file())
        if not files:
            return [InputItem(text, error="glob pattern matched no files")]
        return [InputItem(str(p), loader(p)) for p in files]
    return [InputItem(text, loader(path))]


def tensor_image(t: Tensor, name: str = "<tensor>") -> Tensor:
    """Validate a CHW image tensor; return it as float32 in [0, 1] on the CPU."""
    if t.dim() != 3:
        raise ValueError(f"{name}: expected a CHW (or BCHW) image tensor, got shape {tuple(t.shape)}")
    if t.shape[0] not in (1, 3):
        raise ValueError(f"{name}: expected 3 (or 1) channels first (CHW), got shape {tuple(t.shape)}")
    if t.dtype == torch.uint8:
        t = t.float() / 255.0
    elif t.is_floating_point():
        lo, hi = float(t.min()), float(t.max())
        if lo < -1e-3 or hi > 1 + 1e-3:
            raise ValueError(
                f"{name}: expected float values in [0, 1] (an un-normalised image), got range [{lo:.3g}, {hi:.3g}]"
            )
        t = t.float().clamp(0, 1)
    else:
        raise ValueError(f"{name}: expected a float tensor in [0, 1] or a uint8 tensor, got dtype {t.dtype}")
    if t.shape[0] == 1:
        t = t.expand(3, -1, -1)
    return t.detach().cpu().contiguous()


def iter_batches(items: list[InputItem], batch_size: int) -> Iterable[list[InputItem]]:
    for i in range(0, len(items), batch_size):
        yield items[i : i + batch_size]
