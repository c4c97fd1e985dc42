"""The classification head after the encoder's exit."""

from __future__ import annotations

from torch import Tensor, nn

_ACTS = {"hardswish": nn.Hardswish, "gelu": nn.GELU, "relu": nn.ReLU, "silu": nn.SiLU}


class ClassifierHead(nn.Module):
    """Global average pool -> dropout -> Linear -> act -> Linear (SPEC §5; the authors' head).

    ``hidden=None`` gives a single Linear layer.

    Shape: ``(B, C, H, W) -> (B, num_classes)``.
    """

    def __init__(
        self,
        in_channels: int,
        num_classes: int = 1,
        hidden: int | None = 1024,
        dropout: float = 0.2,
        act: str = "hardswish",
    ) -> None:
        super().__init__()
        if act not in _ACTS:
            raise ValueError(f"act must be one of {sorted(_ACTS)}, got {act!r}")
        self.in_channels = in_channels
        self.num_classes = num_classes
        self.dropout = nn.Dropout(dropout)
        if hidden:
            self.fc = nn.Sequential(nn.Linear(in_channels, hidden), _ACTS[act](), nn.Linear(hidden, num_classes))
        else:
            self.fc = nn.Sequential(nn.Linear(in_channels, num_classes))

    def forward(self, x: Tensor) -> Tensor:
        return self.fc(self.dropout(x.mean(dim=(2, 3))))
