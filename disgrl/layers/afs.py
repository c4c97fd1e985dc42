"""AFS — the decoder's attention-based fusion block (paper Eq. 3; SPEC §3)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ._utils import check_nchw, num_groups, resize_to


class DWSepConv(nn.Module):
    r"""Depthwise-separable convolution ``f_{dk}``: k x k depthwise -> GroupNorm -> 1 x 1 pointwise.

    Shape: ``(B, C_in, H, W) -> (B, C_out, H, W)``.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, norm_groups: int = 4) -> None:
        super().__init__()
        self.depthwise = nn.Conv2d(in_channels, in_channels, kernel_size, padding=kernel_size // 2, groups=in_channels)
        self.norm = nn.GroupNorm(num_groups(in_channels, norm_groups), in_channels)
        self.pointwise = nn.Conv2d(in_channels, out_channels, 1)

    def forward(self, x: Tensor) -> Tensor:
        return self.pointwise(self.norm(self.depthwise(x)))


class AFS(nn.Module):
    r"""Attention-based feature fusion of a coarse map with a skip connection (Eq. 3).

    With :math:`\tilde F = \mathrm{Cat}(\mathrm{Up}(F_{prev}), F_{skip})`:

    .. math::

        A_{att} = \sigma(f_{d3}(\tilde F)), \qquad
        A = f_{d3}\big(f_{d3}(\tilde F) \odot A_{att}\big) + f_{c3}(\tilde F)

    ``f_{d3}`` is a :class:`DWSepConv`; the attention, value and output convolutions are three
    separate modules. As in the authors' code, a GELU follows the value branch and the output
    branch. ``F_prev`` is resized (bilinear) to the skip's size first.

    Args:
        prev_channels: channels of the coarse input.
        skip_channels: channels of the skip input (0 for a block without skip).
        out_channels: output channels.
        value_kernel: kernel of the value branch (3; the authors' code uses 5, SPEC §8 #6).
        residual_kernel: kernel of the residual ``f_{c3}`` (3; the authors' code uses 1).
        norm_groups: GroupNorm groups in the depthwise-separable convolutions.

    Shape:
        - ``prev``: ``(B, prev_channels, h, w)``; ``skip``: ``(B, skip_channels, H, W)``.
        - Output: ``(B, out_channels, H, W)`` (the skip's size).
    """

    def __init__(
        self,
        prev_channels: int,
        skip_channels: int,
        out_channels: int,
        value_kernel: int = 3,
        residual_kernel: int = 3,
        norm_groups: int = 4,
    ) -> None:
        super().__init__()
        self.prev_channels = prev_channels
        self.skip_channels = skip_channels
        self.out_channels = out_channels
        c_in = prev_channels + skip_channels
        self.attn = DWSepConv(c_in, c_in, 3, norm_groups)
        self.value = DWSepConv(c_in, c_in, value_kernel, norm_groups)
        self.out = DWSepConv(c_in, out_channels, 3, norm_groups)
        self.residual = nn.Conv2d(c_in, out_channels, residual_kernel, padding=residual_kernel // 2)

    def forward(self, prev: Tensor, skip: Tensor | None = None) -> Tensor:
        check_nchw(prev, "AFS prev", self.prev_channels)
        if skip is not None:
            check_nchw(skip, "AFS skip", self.skip_channels)
            x = torch.cat([resize_to(prev, skip.shape[-2:]), skip], dim=1)
        elif self.skip_channels:
            raise ValueError(f"AFS was built for a {self.skip_channels}-channel skip input, got none")
        else:
            x = prev
        att = torch.sigmoid(self.attn(x))
        val = F.gelu(self.value(x))
        return F.gelu(self.out(val * att)) + self.residual(x)
