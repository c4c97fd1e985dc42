"""The DEA cascade of DisGE's discrepancy branch (Eq. 1; SPEC §2)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from ..layers import DEA
from ..layers._utils import resize_to


class DEACascade(nn.Module):
    r"""``D_1 = DEA(F_1)``, ``D_i = DEA(Cat(Up(D_{i-1}), F_i))`` for i = 2..4 (Eq. 1), then a
    1x1 conv + BN + ReLU that projects ``D_4`` to F5's width so that ``F_e = D_4 + F_5``.

    Args:
        encoder_channels: widths of F1..F5 (the encoder's ``out_channels``).
        expansion, pool_size, pre_attention, tied, norm_groups, separable: see :class:`~disgrl.layers.DEA`.
        align_corners: of the bilinear resizes between levels.
        widths: reduce each level's input to these widths first (1x1 conv + BN + ReLU); None:
            the paper's cascade, whose widths grow by concatenation.

    Shape:
        - Input: ``[F1, F2, F3, F4]`` (extra entries are ignored) and F5's spatial size.
        - Output: ``(B, C5, H5, W5)``. For Xception: D1 64x147², D2 192x74², D3 448x37²,
          D4 1176x19² -> 728x19².
    """

    def __init__(
        self,
        encoder_channels: Sequence[int],
        expansion: int = 4,
        pool_size: int | None = 1,
        pre_attention: bool = False,
        tied: bool = True,
        norm_groups: int = 4,
        align_corners: bool = False,
        widths: Sequence[int] | None = None,
        separable: bool = False,
    ) -> None:
        super().__init__()
        self.align_corners = align_corners
        inputs, prev = [], 0
        for c in encoder_channels[:4]:
            inputs.append(prev + c)
            prev = inputs[-1] if widths is None else widths[len(inputs) - 1]
        if widths is None:
            widths = inputs
            self.reduce = None
        else:
            self.reduce = nn.ModuleList(
                nn.Sequential(nn.Conv2d(i, w, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU(inplace=True))
                for i, w in zip(inputs, widths)
            )
        self.blocks = nn.ModuleList(
            DEA(w, expansion=expansion, pool_size=pool_size, pre_attention=pre_attention, tied=tied,
                norm_groups=norm_groups, separable=separable)
            for w in widths
        )  # fmt: skip
        self.proj = nn.Sequential(
            nn.Conv2d(widths[-1], encoder_channels[4], 1),
            nn.BatchNorm2d(encoder_channels[4]),
            nn.ReLU(inplace=True),
        )
        self.out_channels = int(encoder_channels[4])

    def forward(self, features: Sequence[Tensor], size: tuple[int, int] | torch.Size) -> Tensor:
        d: Tensor | None = None
        for i, f in enumerate(features[:4]):
            x = f if d is None else torch.cat([resize_to(d, f.shape[-2:], self.align_corners), f], dim=1)
            if self.reduce is not None:
                x = self.reduce[i](x)
            d = self.blocks[i](x)
        return resize_to(self.proj(d), size, self.align_corners)
