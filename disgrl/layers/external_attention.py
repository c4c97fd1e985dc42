"""External attention with double normalisation (Guo et al., TPAMI 2023), as used inside DEA."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn


class ExternalAttention(nn.Module):
    r"""External attention over the spatial positions of a feature map.

    Two kernel-1 1D convolutions with a shared memory :math:`M \in \mathbb{R}^{S \times C}`
    (``S = expansion * C`` memory units):

    .. math::

        A = \mathrm{softmax}_N(M\,X), \qquad
        \tilde A_{s,n} = \frac{A_{s,n}}{10^{-9} + \sum_{s'} A_{s',n}}, \qquad
        Y = M^\top \tilde A

    with :math:`X \in \mathbb{R}^{C \times N}` the input flattened over its ``N = H W``
    positions. The softmax runs over positions and the second normalisation over memory units
    ("double normalisation"). By default the second convolution's weight *is* the transpose of
    the first one: there is a single parameter ``weight``, so the tie survives ``.to()``,
    ``state_dict()`` / ``load_state_dict()`` and ``copy.deepcopy`` (SPEC §8 #4). ``tied=False``
    reproduces the authors' code, whose storage aliasing is broken by ``.to()``: two
    parameters initialised as transposes of each other and trained apart.

    The softmax and the normalisation run in float32 whatever the input dtype.

    Args:
        channels: C, the input channels.
        expansion: S / C, memory units per input channel (4 in the paper).
        tied: share one parameter between the two convolutions.
        eps: the constant of the second normalisation.

    Shape:
        - Input: ``(B, C, H, W)`` (or ``(B, C, N)``).
        - Output: same shape as the input.
    """

    def __init__(self, channels: int, expansion: int = 4, tied: bool = True, eps: float = 1e-9) -> None:
        super().__init__()
        if channels < 1 or expansion < 1:
            raise ValueError(f"channels and expansion must be positive, got {channels} and {expansion}")
        self.channels = channels
        self.memory_units = channels * expansion
        self.tied = tied
        self.eps = eps
        bound = 1.0 / math.sqrt(channels)  # nn.Conv1d's default init for the C -> S conv
        self.weight = nn.Parameter(torch.empty(self.memory_units, channels).uniform_(-bound, bound))
        if tied:
            self.register_parameter("weight_out", None)
        else:
            self.weight_out = nn.Parameter(self.weight.detach().t().clone())

    def forward(self, x: Tensor) -> Tensor:
        shape = x.shape
        if x.dim() == 4:
            x = x.flatten(2)
        elif x.dim() != 3:
            raise ValueError(f"ExternalAttention: expected (B, C, H, W) or (B, C, N), got {tuple(shape)}")
        if x.shape[1] != self.channels:
            raise ValueError(f"ExternalAttention: expected {self.channels} channels, got {x.shape[1]}")
        attn = torch.matmul(self.weight.to(x.dtype), x)  # (B, S, N)
        attn = torch.softmax(attn, dim=-1, dtype=torch.float32)
        attn = attn / (self.eps + attn.sum(dim=1, keepdim=True))
        w_out = self.weight.t() if self.weight_out is None else self.weight_out
        out = torch.matmul(w_out.to(x.dtype), attn.to(x.dtype))  # (B, C, N)
        return out.view(shape)

    def extra_repr(self) -> str:
        return f"channels={self.channels}, memory_units={self.memory_units}, tied={self.tied}"
