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

    The softmax and the normalisation run in float32 whatever the input dtype. The
    normalisation is applied to the ``C x N`` product rather than to the ``S x N`` map
    (:math:`M^\top (A / \mathbf 1^\top A) = (M^\top A) / \mathbf 1^\top A`, column by column):
    the same values, a quarter of the element-wise work.

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
        b, c, n = x.shape
        # Positions of the whole batch side by side, (C, B*N): both products are then plain
        # GEMMs whose outputs need no transposed copy (a no-op view at batch 1).
        xt = x.transpose(0, 1).reshape(c, b * n)
        attn = torch.mm(self.weight.to(x.dtype), xt).view(self.memory_units, b, n)  # (S, B, N)
        attn = torch.softmax(attn, dim=-1, dtype=torch.float32)
        # The second normalisation divides column n of A by its sum over the S memory units; as
        # M^T is linear, divide the (C, N) product instead of the 4x larger (S, N) attention map.
        col = attn.sum(dim=0)  # (B, N), float32
        w_out = self.weight.t() if self.weight_out is None else self.weight_out
        out = torch.mm(w_out.to(x.dtype), attn.view(self.memory_units, b * n).to(x.dtype)).view(c, b, n)
        out = (out.float() / (self.eps + col)).to(x.dtype)
        return out.transpose(0, 1).reshape(shape)

    def extra_repr(self) -> str:
        return f"channels={self.channels}, memory_units={self.memory_units}, tied={self.tied}"
