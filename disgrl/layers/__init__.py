"""The paper's building blocks as standalone ``nn.Module`` layers.

Each needs only torch; drop them into any network::

    import torch
    from disgrl.layers import DEA, SAM

    y = DEA(64)(torch.randn(2, 64, 32, 32))            # (2, 64, 32, 32)
    g = SAM(64, 64)(torch.randn(2, 64, 32, 32), torch.randn(2, 64, 64, 64))  # (2, 32, 32, 32)
"""

from .afs import AFS, DWSepConv
from .dea import DEA
from .dfa import DFA, AsymConv
from .external_attention import ExternalAttention
from .rfa import ECA, RFA, eca_kernel_size
from .sam import GCN, SAM

__all__ = [
    "AFS",
    "DEA",
    "DFA",
    "ECA",
    "GCN",
    "RFA",
    "SAM",
    "AsymConv",
    "DWSepConv",
    "ExternalAttention",
    "eca_kernel_size",
]
