"""DisAD: the discrepancy-aggregation detector (Eqs. 9-11; SPEC §5)."""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor, nn

from ..layers import RFA


class DisAD(nn.Module):
    r"""Sum of one RFA per reconstruction: :math:`\sum_k RFA_k(F_e, |X - \hat X_k|)`.

    Args:
        channels: width of ``F_e`` (F5's).
        num_guides: number of reconstructions (1 or 2).
        gate, final_conv, align_corners, separable: see :class:`~disgrl.layers.RFA`.
        shared: one RFA applied to every guide (the authors' code, SPEC §8 #9).

    Shape: ``F_e (B, C, H, W)`` and ``num_guides`` masks ``(B, 3, H', W') -> (B, C, H, W)``.
    """

    def __init__(
        self,
        channels: int,
        num_guides: int = 2,
        gate: str = "conv",
        final_conv: bool = True,
        shared: bool = False,
        align_corners: bool = False,
        separable: bool = False,
    ) -> None:
        super().__init__()
        if num_guides < 1:
            raise ValueError("DisAD needs at least one reconstruction to aggregate")
        self.num_guides = num_guides
        self.shared = shared
        n = 1 if shared else num_guides
        self.rfa = nn.ModuleList(
            RFA(channels, 3, gate=gate, final_conv=final_conv, align_corners=align_corners, separable=separable)
            for _ in range(n)
        )

    def forward(self, features: Tensor, residuals: Sequence[Tensor]) -> Tensor:
        if len(residuals) != self.num_guides:
            raise ValueError(f"DisAD expects {self.num_guides} residual masks, got {len(residuals)}")
        out = None
        for i, r in enumerate(residuals):
            y = self.rfa[0 if self.shared else i](features, r)
            out = y if out is None else out + y
        return out
