"""Small helpers shared by the layers (private)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def num_groups(channels: int, preferred: int = 4) -> int:
    """Largest divisor of ``channels`` that is at most ``preferred`` (GroupNorm needs one)."""
    for g in range(min(preferred, channels), 0, -1):
        if channels % g == 0:
            return g
    return 1


def resize_to(x: Tensor, size: tuple[int, int] | torch.Size, align_corners: bool = False) -> Tensor:
    """Bilinear resize of an NCHW tensor to ``size``; a no-op when it already has that size."""
    size = tuple(size)
    if tuple(x.shape[-2:]) == size:
        return x
    return F.interpolate(x, size=size, mode="bilinear", align_corners=align_corners)


def check_nchw(x: Tensor, name: str, channels: int | None = None) -> None:
    """Raise a ValueError that says what was expected when ``x`` is not a 4-D NCHW tensor."""
    if x.dim() != 4:
        raise ValueError(f"{name}: expected a 4-D tensor (B, C, H, W), got shape {tuple(x.shape)}")
    if channels is not None and x.shape[1] != channels:
        raise ValueError(f"{name}: expected {channels} channels, got {x.shape[1]} (shape {tuple(x.shape)})")
