"""DouHR: the two reconstruction heads (Eq. 2; SPEC §4)."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ..layers import AFS, SAM
from ..layers._utils import resize_to


def _out_conv(in_channels: int, bn_relu: bool) -> nn.Module:
    """1x1 conv to RGB; the authors' code adds BN + ReLU (SPEC §8 #8), which cannot go negative."""
    conv = nn.Conv2d(in_channels, 3, 1)
    if not bn_relu:
        return conv
    return nn.Sequential(conv, nn.BatchNorm2d(3), nn.ReLU(inplace=True))


class VisionHead(nn.Module):
    r"""Rec-1, the vision-based head: :math:`\hat X_1 = Up(f_{c1}(AFS(F_{AFS_3}, F_1)))`.

    ``use_f1=False`` reproduces the authors' head, a 1x1 conv on ``F_AFS3`` alone (SPEC §8 #7).

    Shape: ``F_AFS3 (B, in, h, w), F1 (B, f1, H1, W1) -> (B, 3, *size)``.
    """

    def __init__(
        self,
        in_channels: int,
        f1_channels: int,
        channels: int = 32,
        use_f1: bool = True,
        output_bn_relu: bool = False,
        value_kernel: int = 3,
        residual_kernel: int = 3,
        norm_groups: int = 4,
        align_corners: bool = False,
    ) -> None:
        super().__init__()
        self.align_corners = align_corners
        if use_f1:
            self.afs = AFS(in_channels, f1_channels, channels, value_kernel, residual_kernel, norm_groups)
            self.out = _out_conv(channels, output_bn_relu)
        else:
            self.afs = None
            self.out = _out_conv(in_channels, output_bn_relu)

    def forward(self, x: Tensor, f1: Tensor, size: tuple[int, int] | torch.Size) -> Tensor:
        if self.afs is not None:
            x = self.afs(x, f1)
        return resize_to(self.out(x), size, self.align_corners)


class ReasoningHead(nn.Module):
    r"""Rec-2, the reasoning-based head: :math:`\hat X_2 = Up(f_{c1}(SAM(F_{AFS_3}, F_1)))`.

    Shape: ``F_AFS3 (B, in, h, w), F1 (B, f1, H1, W1) -> (B, 3, *size)``.
    """

    def __init__(
        self,
        in_channels: int,
        f1_channels: int,
        channels: int = 32,
        states: int = 16,
        grid: int = 4,
        guide_proj: int | None = 2,
        guide_interpolation: str = "bilinear",
        output_bn_relu: bool = False,
        align_corners: bool = False,
    ) -> None:
        super().__init__()
        self.align_corners = align_corners
        self.sam = SAM(in_channels, f1_channels, channels, states, grid, guide_proj, guide_interpolation)
        self.out = _out_conv(channels, output_bn_relu)

    def forward(self, x: Tensor, f1: Tensor, size: tuple[int, int] | torch.Size) -> Tensor:
        return resize_to(self.out(self.sam(x, f1)), size, self.align_corners)
