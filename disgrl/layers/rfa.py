"""RFA — reconstruction-guidance feature aggregation, with ECA channel attention (Eqs. 10-11)."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from ._utils import check_nchw, resize_to


def eca_kernel_size(channels: int) -> int:
    """ECA-Net's adaptive kernel: t = floor((log2 C + 1) / 2), made odd (5 for C = 728)."""
    t = int(abs((math.log2(channels) + 1) / 2))
    return t if t % 2 else t + 1


class ECA(nn.Module):
    r"""Efficient channel attention (Wang et al., CVPR 2020).

    .. math:: Y = X \odot \sigma(f_{1d}(\mathrm{GAP}(X)))

    ``f_{1d}`` is a 1D convolution across channels (no bias) of kernel
    :func:`eca_kernel_size` unless given.

    Shape: ``(B, C, H, W) -> (B, C, H, W)``.
    """

    def __init__(self, channels: int, kernel_size: int | None = None) -> None:
        super().__init__()
        k = kernel_size or eca_kernel_size(channels)
        self.conv = nn.Conv1d(1, 1, k, padding=(k - 1) // 2, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        w = x.mean(dim=(2, 3)).unsqueeze(1)  # (B, 1, C)
        w = torch.sigmoid(self.conv(w)).transpose(1, 2).unsqueeze(-1)  # (B, C, 1, 1)
        return x * w


class RFA(nn.Module):
    r"""Reconstruction-guidance Feature Aggregation (Fig. 4).

    Given features :math:`F_e` and a difference mask :math:`\hat R = |X - \hat X|`:

    .. math::

        F_d = f_{c3}\big(F_e \odot \sigma(f_{c3}(D(\hat R))) \oplus F_e\big) \quad (10) \\
        F_{RFA} = f_{c1}\big(\sigma(f_{1d}(\mathrm{GAP}(F_d))) \odot F_d\big) \quad (11)

    ``D`` resizes the mask (bilinear) to the features' size; the 3x3 convolution of Eq. 10 is
    followed by BN and ReLU, and Eq. 11's channel attention is :class:`ECA`.

    Args:
        channels: C of ``F_e`` (728 for Xception).
        guide_channels: channels of the mask (3).
        gate: "conv" (σ(3x3 conv), the paper) or "conv_relu_conv" (the authors' 3x3 conv ->
            ReLU -> 1x1 conv, SPEC §8 #10).
        final_conv: apply Eq. 11's ``f_c1`` (the authors' code has none).
        align_corners: of the mask's resize (the authors' code uses True).
        separable: Eq. 10's 3x3 convolution as depthwise 3x3 + pointwise 1x1 (``disgrl_xception_lite``).

    Shape:
        - ``features``: ``(B, C, H, W)``; ``residual``: ``(B, guide_channels, H', W')``.
        - Output: ``(B, C, H, W)``.
    """

    def __init__(
        self,
        channels: int,
        guide_channels: int = 3,
        gate: str = "conv",
        final_conv: bool = True,
        align_corners: bool = False,
        separable: bool = False,
    ) -> None:
        super().__init__()
        self.channels = channels
        self.guide_channels = guide_channels
        self.align_corners = align_corners
        if gate == "conv":
            self.gate = nn.Conv2d(guide_channels, 1, 3, padding=1)
        elif gate == "conv_relu_conv":
            self.gate = nn.Sequential(
                nn.Conv2d(guide_channels, guide_channels, 3, padding=1, bias=False),
                nn.ReLU(inplace=True),
                nn.Conv2d(guide_channels, 1, 1, bias=False),
            )
        else:
            raise ValueError(f"gate must be 'conv' or 'conv_relu_conv', got {gate!r}")
        if separable:
            conv: list[nn.Module] = [
                nn.Conv2d(channels, channels, 3, padding=1, groups=channels, bias=False),
                nn.Conv2d(channels, channels, 1, bias=False),
            ]
        else:
            conv = [nn.Conv2d(channels, channels, 3, padding=1, bias=False)]
        self.fuse = nn.Sequential(*conv, nn.BatchNorm2d(channels), nn.ReLU(inplace=True))
        self.eca = ECA(channels)
        self.proj = nn.Conv2d(channels, channels, 1) if final_conv else None

    def forward(self, features: Tensor, residual: Tensor) -> Tensor:
        check_nchw(features, "RFA features", self.channels)
        check_nchw(residual, "RFA residual", self.guide_channels)
        gate = torch.sigmoid(self.gate(resize_to(residual, features.shape[-2:], self.align_corners)))
        x = self.eca(self.fuse(features * gate + features))
        return self.proj(x) if self.proj is not None else x
