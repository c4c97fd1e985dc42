"""Pre-processing from a model's data config, shared by training, evaluation and the detector.

The eval transform is what :class:`~disgrl.DisGRLDetector` applies to files, PIL images and
arrays, so a detector scores an image exactly as evaluation during training did.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

import torch
import torchvision.transforms.functional as TF
from PIL import Image
from torch import Tensor
from torchvision.transforms import InterpolationMode

_INTERP = {
    "bilinear": InterpolationMode.BILINEAR,
    "bicubic": InterpolationMode.BICUBIC,
    "nearest": InterpolationMode.NEAREST,
    "lanczos": InterpolationMode.LANCZOS,
}


def _size_and_interp(data_config: dict[str, Any]) -> tuple[tuple[int, int], InterpolationMode, float]:
    _, h, w = data_config.get("input_size", (3, 299, 299))
    interp = data_config.get("interpolation", "bilinear")
    if interp not in _INTERP:
        raise ValueError(f"interpolation must be one of {sorted(_INTERP)}, got {interp!r}")
    return (int(h), int(w)), _INTERP[interp], float(data_config.get("crop_pct", 1.0) or 1.0)


def normalize(x: Tensor, data_config: dict[str, Any]) -> Tensor:
    """``(x - mean) / std`` for a float tensor in [0, 1] of shape (..., 3, H, W)."""
    mean = torch.tensor(data_config.get("mean", (0.5, 0.5, 0.5)), dtype=x.dtype, device=x.device).view(3, 1, 1)
    std = torch.tensor(data_config.get("std", (0.5, 0.5, 0.5)), dtype=x.dtype, device=x.device).view(3, 1, 1)
    return (x - mean) / std


def denormalize(x: Tensor, data_config: dict[str, Any]) -> Tensor:
    """Inverse of :func:`normalize`: back to [0, 1] (not clipped)."""
    mean = torch.tensor(data_config.get("mean", (0.5, 0.5, 0.5)), dtype=x.dtype, device=x.device).view(3, 1, 1)
    std = torch.tensor(data_config.get("std", (0.5, 0.5, 0.5)), dtype=x.dtype, device=x.device).view(3, 1, 1)
    return x * std + mean


def resize_image(img: Image.Image, data_config: dict[str, Any]) -> Image.Image:
    """Resize to the input size (and centre-crop when ``crop_pct < 1``)."""
    (h, w), interp, crop_pct = _size_and_interp(data_config)
    if crop_pct < 1.0:
        big = (math.floor(h / crop_pct), math.floor(w / crop_pct))
        img = TF.resize(img, list(big), interpolation=interp, antialias=True)
        return TF.center_crop(img, [h, w])
    if img.size == (w, h):
        return img
    return TF.resize(img, [h, w], interpolation=interp, antialias=True)


def image_to_tensor(img: Image.Image) -> Tensor:
    """An RGB PIL image as a float CHW tensor in [0, 1]."""
    return TF.pil_to_tensor(img).float().div_(255.0)


def eval_transform(data_config: dict[str, Any]) -> Callable[[Image.Image], Tensor]:
    """PIL RGB image -> normalised ``(3, H, W)`` tensor: resize, to tensor, normalise."""

    def transform(img: Image.Image) -> Tensor:
        return normalize(image_to_tensor(resize_image(img, data_config)), data_config)

    return transform


def train_transform(
    data_config: dict[str, Any], hflip: float = 0.5, rng: random.Random | None = None
) -> Callable[[Image.Image], Tensor]:
    """The paper's training transform: resize, random horizontal flip (p = ``hflip``), normalise."""
    rand = rng or random

    def transform(img: Image.Image) -> Tensor:
        x = image_to_tensor(resize_image(img, data_config))
        if hflip > 0 and rand.random() < hflip:
            x = x.flip(-1)
        return normalize(x, data_config)

    return transform
