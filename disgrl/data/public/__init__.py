"""Adapters from the on-disk layouts of the paper's datasets to :class:`~disgrl.data.Sample` lists.

Each adapter expects frames (or face crops) already extracted, one folder per video; see
docs/data.md for every layout. Wrap the result in :class:`~disgrl.data.ForgeryDataset`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from ..sample import Sample
from .celebdf import CELEBDF_LAYOUT, CELEBDF_SUBSETS, celebdf_samples, read_celebdf_test_list
from .dfdc import DFDC_LAYOUT, dfdc_samples, read_dfdc_metadata
from .ffpp import FFPP_COMPRESSIONS, FFPP_LAYOUT, FFPP_METHODS, FFPP_PAPER_METHODS, ffpp_samples, read_ffpp_split
from .wilddeepfake import WILDDEEPFAKE_LAYOUT, wilddeepfake_samples

#: Adapter per dataset name (what ``public_samples`` and a command line accept).
PUBLIC_DATASETS: dict[str, Callable[..., list[Sample]]] = {
    "ffpp": ffpp_samples,
    "celebdf": celebdf_samples,
    "wilddeepfake": wilddeepfake_samples,
    "dfdc": dfdc_samples,
}
_ALIASES = {
    "ff++": "ffpp",
    "faceforensics": "ffpp",
    "celeb-df": "celebdf",
    "celeb-df-v2": "celebdf",
    "wld": "wilddeepfake",
}


def public_samples(name: str, root: str | os.PathLike, split: str | None, **kwargs: Any) -> list[Sample]:
    """The samples of a public dataset by name: ``"ffpp"`` (``"ff++"``), ``"celebdf"``,
    ``"wilddeepfake"`` (``"wld"``) or ``"dfdc"``; ``kwargs`` go to that dataset's adapter."""
    key = name.strip().lower()
    key = _ALIASES.get(key, key)
    if key not in PUBLIC_DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose from {sorted(PUBLIC_DATASETS)}")
    return PUBLIC_DATASETS[key](root, split, **kwargs)


__all__ = [
    "CELEBDF_LAYOUT",
    "CELEBDF_SUBSETS",
    "DFDC_LAYOUT",
    "FFPP_COMPRESSIONS",
    "FFPP_LAYOUT",
    "FFPP_METHODS",
    "FFPP_PAPER_METHODS",
    "PUBLIC_DATASETS",
    "WILDDEEPFAKE_LAYOUT",
    "celebdf_samples",
    "dfdc_samples",
    "ffpp_samples",
    "public_samples",
    "read_celebdf_test_list",
    "read_dfdc_metadata",
    "read_ffpp_split",
    "wilddeepfake_samples",
]
