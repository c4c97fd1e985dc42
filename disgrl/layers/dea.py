"""DEA — Discrepancy External Attention block (paper §3.1, Fig. 2; SPEC §2)."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from ._utils import check_nchw, num_groups
from .external_attention import ExternalAttention


class DEA(nn.Module):
    r"""Discrepancy External Attention: a residual block that attends to local discrepancies.

    .. math::

        F' = f_{c3}(F), \quad D' = F' - \mathrm{AvgPool}(F'), \quad
        D = \mathrm{GELU}\big(\mathrm{GN}(f_{c1}(\mathrm{EA}(D'))) + F\big)

    ``EA`` is :class:`ExternalAttention` (double normalisation, tied memory). With the default
    ``pool_size=1`` the pooled map is the per-channel mean, broadcast back, so ``D'`` is the
    deviation of each position from its channel's mean. Used in a cascade (Eq. 1):
    ``D_1 = DEA(F_1)``, ``D_i = DEA(Cat(D_{i-1}, F_i))``.

    Args:
        channels: C (input = output channels).
        expansion: external-attention memory units per channel (4).
        pool_size: output size of the adaptive average pooling (1 = global mean). A size > 1 is
            broadcast back to the map by nearest upsampling. ``None`` reproduces the authors'
            code, whose pooling keeps the map's size (a no-op) and which then subtracts the
            block's *input*: ``D' = F' - F`` (SPEC §8 #2).
        pre_attention: insert the authors' extra ``f_{c3} -> BN -> ReLU -> 5x5 conv`` on ``D'``
            before the attention; their code re-applies the same 3x3 convolution, and so does
            this option (SPEC §8 #3). Off by default (the paper goes straight to the attention).
        tied: tie the external attention's two 1D convolutions (SPEC §8 #4).
        norm_groups: GroupNorm groups (4; reduced to a divisor of ``channels`` when needed).
        separable: compute ``F'`` with a depthwise 3x3 + pointwise 1x1 convolution instead of a
            dense 3x3 (``disgrl_xception_lite``); off for the paper.

    Shape:
        - Input: ``(B, C, H, W)``, any H and W.
        - Output: ``(B, C, H, W)``.
    """

    def __init__(
        self,
        channels: int,
        expansion: int = 4,
        pool_size: int | None = 1,
        pre_attention: bool = False,
        tied: bool = True,
        norm_groups: int = 4,
        separable: bool = False,
    ) -> None:
        super().__init__()
        if pool_size is not None and pool_size < 1:
            raise ValueError(f"pool_size must be >= 1 or None, got {pool_size}")
        self.channels = channels
        self.pool_size = pool_size
        if separable:
            self.conv: nn.Module = nn.Sequential(
                nn.Conv2d(channels, channels, 3, padding=1, groups=channels, bias=False),
                nn.Conv2d(channels, channels, 1),
            )
        else:
            self.conv = nn.Conv2d(channels, channels, 3, padding=1)
        if pre_attention:
            self.pre_bn = nn.BatchNorm2d(channels)
            self.pre_conv = nn.Conv2d(channels, channels, 5, padding=2)
        else:
            self.pre_bn = None
            self.pre_conv = None
        self.attention = ExternalAttention(channels, expansion=expansion, tied=tied)
        self.proj = nn.Conv2d(channels, channels, 1, bias=False)
        self.norm = nn.GroupNorm(num_groups(channels, norm_groups), channels)

    def forward(self, x: Tensor) -> Tensor:
        check_nchw(x, "DEA", self.channels)
        f = self.conv(x)
        if self.pool_size is None:
            d = f - x
        elif self.pool_size == 1:
            d = f - f.mean(dim=(2, 3), keepdim=True)
        else:
            pooled = F.adaptive_avg_pool2d(f, self.pool_size)
            d = f - F.interpolate(pooled, size=f.shape[-2:], mode="nearest")
        if self.pre_conv is not None:
            d = self.pre_conv(F.relu(self.pre_bn(self.conv(d))))
        a = self.attention(d)
        return F.gelu(self.norm(self.proj(a)) + x)
