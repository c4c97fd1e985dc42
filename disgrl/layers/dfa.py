"""DFA — the authors' skip-reduction branch (not in the paper; SPEC §8 #5, off by default)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class AsymConv(nn.Module):
    r"""ACNet-style asymmetric convolution: ``BN(conv3x3) + BN(conv3x1) + BN(conv1x3)``.

    Shape: ``(B, C_in, H, W) -> (B, C_out, H, W)``.
    """

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.square_conv = nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False)
        self.square_bn = nn.BatchNorm2d(out_channels)
        self.ver_conv = nn.Conv2d(in_channels, out_channels, (3, 1), padding=(1, 0), bias=False)
        self.ver_bn = nn.BatchNorm2d(out_channels)
        self.hor_conv = nn.Conv2d(in_channels, out_channels, (1, 3), padding=(0, 1), bias=False)
        self.hor_bn = nn.BatchNorm2d(out_channels)

    def forward(self, x: Tensor) -> Tensor:
        return self.square_bn(self.square_conv(x)) + self.ver_bn(self.ver_conv(x)) + self.hor_bn(self.hor_conv(x))


class DFA(nn.Module):
    r"""Feature-diversity branch that reduces an encoder tap before the decoder (authors' code).

    .. math:: Y = \mathrm{ReLU}(\mathrm{BN}(f_{c3}(\mathrm{Cat}(f_{c3}(X),\ \mathrm{Asym}(X),\
        \mathrm{PReLU}(\mathrm{BN}(f_{c3,d=2}(X)))))))

    Only used when a model's ``decoder.skip_channels`` is set (``disgrl_xception_official``).

    Shape: ``(B, C_in, H, W) -> (B, C_out, H, W)``.
    """

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.asym = AsymConv(in_channels, out_channels)
        self.plain = nn.Conv2d(in_channels, out_channels, 3, padding=1)
        self.atrous = nn.Sequential(
            nn.Conv2d(in_channels, out_channels, 3, padding=2, dilation=2),
            nn.BatchNorm2d(out_channels),
            nn.PReLU(),
        )
        self.fuse = nn.Conv2d(3 * out_channels, out_channels, 3, padding=1)
        self.bn = nn.BatchNorm2d(out_channels)

    def forward(self, x: Tensor) -> Tensor:
        y = torch.cat([self.plain(x), self.asym(x), self.atrous(x)], dim=1)
        return F.relu(self.bn(self.fuse(y)))
