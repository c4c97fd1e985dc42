"""The decoder: three AFS blocks from F5 back to F2's scale (SPEC §3)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from torch import Tensor, nn

from ..layers import AFS, DFA


class DecoderOutput(NamedTuple):
    """``features``: F_AFS3 (at F2's scale); ``f1``: the F1 skip the heads use (reduced when the
    decoder has DFA branches)."""

    features: Tensor
    f1: Tensor


class AFSDecoder(nn.Module):
    r"""``AFS1(F5, F4) -> AFS2(., F3) -> AFS3(., F2) = F_AFS3`` (Eq. 3 at each level).

    Built from the encoder's ``out_channels`` (segmentation_models_pytorch's contract).

    Args:
        encoder_channels: widths of F1..F5.
        channels: output widths of AFS1..AFS3 (256, 128, 64).
        value_kernel, residual_kernel, norm_groups: see :class:`~disgrl.layers.AFS`.
        skip_channels: when given, F1..F4 are first reduced to these widths, by the authors'
            DFA branches (``skip_reduce="dfa"``, SPEC §8 #5) or 1x1 conv + BN + ReLU (``"conv"``).
        f5_channels: reduce F5 to this width (1x1 conv + BN + ReLU) before AFS1.

    Attributes:
        out_channels: width of F_AFS3. ``f1_channels``: width of the F1 skip passed on.

    Shape: ``[F1..F5] -> DecoderOutput(F_AFS3 (B, channels[-1], H2, W2), F1)``.
    """

    def __init__(
        self,
        encoder_channels: Sequence[int],
        channels: Sequence[int] = (256, 128, 64),
        value_kernel: int = 3,
        residual_kernel: int = 3,
        skip_channels: Sequence[int] | None = None,
        norm_groups: int = 4,
        skip_reduce: str = "dfa",
        f5_channels: int | None = None,
    ) -> None:
        super().__init__()
        enc = list(encoder_channels)
        if skip_channels is not None:
            make = DFA if skip_reduce == "dfa" else _conv_bn_relu
            self.reduce = nn.ModuleList(make(c, s) for c, s in zip(enc[:4], skip_channels))
            skips = list(skip_channels)
        else:
            self.reduce = None
            skips = enc[:4]
        self.reduce_f5 = _conv_bn_relu(enc[4], f5_channels) if f5_channels else None
        prev = f5_channels or enc[4]
        blocks = []
        for skip, out in zip((skips[3], skips[2], skips[1]), channels):
            blocks.append(AFS(prev, skip, out, value_kernel, residual_kernel, norm_groups))
            prev = out
        self.blocks = nn.ModuleList(blocks)
        self.out_channels = int(channels[-1])
        self.f1_channels = int(skips[0])

    def forward(self, features: Sequence[Tensor]) -> DecoderOutput:
        f1, f2, f3, f4, f5 = features[:5]
        if self.reduce is not None:
            f1, f2, f3, f4 = (r(f) for r, f in zip(self.reduce, (f1, f2, f3, f4)))
        if self.reduce_f5 is not None:
            f5 = self.reduce_f5(f5)
        x = self.blocks[0](f5, f4)
        x = self.blocks[1](x, f3)
        x = self.blocks[2](x, f2)
        return DecoderOutput(x, f1)


def _conv_bn_relu(in_channels: int, out_channels: int) -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 1, bias=False), nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True)
    )
