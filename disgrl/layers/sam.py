"""SAM — similarity aggregation by graph reasoning (paper Eqs. 4-8, Fig. 3; SPEC §4)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ._utils import check_nchw


class GCN(nn.Module):
    r"""One graph-convolution step over a fully connected graph of nodes (after Polyp-PVT).

    .. math:: V' = \mathrm{ReLU}\big(W_s\,(W_n(V) - V)\big)

    ``W_n`` is a kernel-1 1D convolution along the node axis (with bias) that mixes nodes;
    ``W_s`` a kernel-1 1D convolution along the state axis (no bias).

    Shape: ``(B, states, nodes) -> (B, states, nodes)``.
    """

    def __init__(self, states: int, nodes: int) -> None:
        super().__init__()
        self.node_conv = nn.Conv1d(nodes, nodes, 1)
        self.state_conv = nn.Conv1d(states, states, 1, bias=False)

    def forward(self, v: Tensor) -> Tensor:
        h = self.node_conv(v.transpose(1, 2)).transpose(1, 2)
        return F.relu(self.state_conv(h - v))


class SAM(nn.Module):
    r"""Similarity Aggregation Module: global reasoning guided by a shallow feature map.

    With :math:`R = W_\rho(X)` (1x1 conv + BN + ReLU) and the guide :math:`E`, a per-pixel weight
    from the softmax over the guide's channels (one channel kept):

    .. math::

        F_\theta = W_\theta(R),\ F_\varphi = W_\varphi(R) \quad (4) \\
        F_w = \mathrm{Avp}(F_\varphi \odot E) \quad (5) \\
        F_{cor} = \mathrm{softmax}_{nodes}(F_w^\top F_\varphi) \quad (6) \\
        G' = \mathrm{GCN}(F_\theta F_{cor}^\top)\, F_{cor} \quad (7) \\
        G = R + W_z(G') \quad (8)

    ``Avp`` pools to ``(grid + 2)^2`` cells and drops the border ring, leaving ``grid^2`` graph
    nodes. The guide (F1 in DisGRL) is first projected by a learned 1x1 convolution to
    ``guide_proj`` channels (2: a two-way pixel gate), then resized to ``R``'s size.
    ``guide_proj=None`` applies the softmax to the guide's own channels, as the authors' code does.

    Args:
        in_channels: channels of the input X (``F_AFS3``, 64 in DisGRL).
        guide_channels: channels of the guide (F1, 64).
        channels: channels of R and of the output (32).
        states: channels of ``F_theta`` / ``F_phi`` (16).
        grid: the graph has ``grid x grid`` nodes (4 -> 16 nodes).
        guide_proj: channels of the guide projection, or None for none.
        guide_interpolation: how the guide is resized ("bilinear"; the authors' "nearest").

    Shape:
        - ``x``: ``(B, in_channels, H, W)``; ``guide``: ``(B, guide_channels, H', W')``.
        - Output: ``(B, channels, H, W)``.
    """

    def __init__(
        self,
        in_channels: int,
        guide_channels: int,
        channels: int = 32,
        states: int = 16,
        grid: int = 4,
        guide_proj: int | None = 2,
        guide_interpolation: str = "bilinear",
    ) -> None:
        super().__init__()
        if guide_interpolation not in ("bilinear", "nearest"):
            raise ValueError(f"guide_interpolation must be 'bilinear' or 'nearest', got {guide_interpolation!r}")
        kept = guide_proj if guide_proj is not None else guide_channels
        if kept < 2:
            raise ValueError("SAM keeps channel 1 of the guide's softmax: it needs at least 2 guide channels")
        self.in_channels = in_channels
        self.guide_channels = guide_channels
        self.channels = channels
        self.states = states
        self.grid = grid
        self.guide_interpolation = guide_interpolation
        self.reduce = nn.Sequential(
            nn.Conv2d(in_channels, channels, 1), nn.BatchNorm2d(channels), nn.ReLU(inplace=True)
        )
        self.theta = nn.Conv2d(channels, states, 1)
        self.phi = nn.Conv2d(channels, states, 1)
        self.guide_proj = nn.Conv2d(guide_channels, guide_proj, 1) if guide_proj is not None else None
        self.gcn = GCN(states, grid * grid)
        self.extend = nn.Conv2d(states, channels, 1, bias=False)

    def forward(self, x: Tensor, guide: Tensor) -> Tensor:
        check_nchw(x, "SAM input", self.in_channels)
        check_nchw(guide, "SAM guide", self.guide_channels)
        r = self.reduce(x)
        b, _, h, w = r.shape
        theta = self.theta(r).flatten(2)  # (B, S, N)
        phi = self.phi(r)  # (B, S, H, W)
        g = self.guide_proj(guide) if self.guide_proj is not None else guide
        if g.shape[-2:] != r.shape[-2:]:
            if self.guide_interpolation == "nearest":
                g = F.interpolate(g, size=(h, w), mode="nearest")
            else:
                g = F.interpolate(g, size=(h, w), mode="bilinear", align_corners=False)
        edge = torch.softmax(g, dim=1)[:, 1:2]  # (B, 1, H, W)
        anchors = F.adaptive_avg_pool2d(phi * edge, self.grid + 2)[:, :, 1:-1, 1:-1].flatten(2)  # (B, S, K)
        phi = phi.flatten(2)
        cor = torch.softmax(torch.matmul(anchors.transpose(1, 2), phi), dim=1)  # (B, K, N)
        v = torch.matmul(theta, cor.transpose(1, 2))  # (B, S, K)
        v = self.gcn(v)
        g2 = torch.matmul(v, cor).view(b, self.states, h, w)
        return r + self.extend(g2)
