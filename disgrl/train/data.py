"""How the trainer walks a dataset: seeded epoch order, class balance, DDP shards, batches."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from torch import Tensor
from torch.utils.data import Dataset, Subset


def dataset_labels(dataset: Dataset) -> list[int] | None:
    """The dataset's labels without loading images (``.labels``, also through ``Subset``)."""
    if isinstance(dataset, Subset):
        base = dataset_labels(dataset.dataset)
        return None if base is None else [base[i] for i in dataset.indices]
    labels = getattr(dataset, "labels", None)
    return [int(v) for v in labels] if labels is not None else None


def dataset_videos(dataset: Dataset) -> list[str | None] | None:
    if isinstance(dataset, Subset):
        base = dataset_videos(dataset.dataset)
        return None if base is None else [base[i] for i in dataset.indices]
    videos = getattr(dataset, "videos", None)
    return list(videos) if videos is not None else None


def dataset_pair_keys(dataset: Dataset, pair_by: str) -> list[str]:
    """One grouping key per item: the file stem (``"stem"``), the video id (``"video"``), or the
    synthetic generator's twin pair (``"twin"``: samples ``2k`` and ``2k + 1``, named by their
    number, share a key)."""
    if isinstance(dataset, Subset):
        base = dataset_pair_keys(dataset.dataset, pair_by)
        return [base[i] for i in dataset.indices]
    samples = getattr(dataset, "samples", None)
    if samples is None:
        raise ValueError(f"pair_by={pair_by!r} needs a dataset with .samples (disgrl.data datasets)")
    if pair_by == "stem":
        return [Path(s.path).stem for s in samples]
    if pair_by == "twin":
        return [twin_key(s.path) for s in samples]
    return [s.video if s.video is not None else s.path for s in samples]


def twin_key(path: str | Path) -> str:
    """``.../000042.jpg`` and ``.../000043.jpg`` -> ``"21"``: the real crop and the fake made from it
    in a :mod:`disgrl.data.synthetic` set (sample ``2k`` is a real, ``2k + 1`` its fake twin)."""
    stem = Path(path).stem
    if not stem.isdigit():
        raise ValueError(
            f"pair_by='twin' expects files named by their sample number (000042.jpg, as disgrl make-synthetic "
            f"writes them), got {path}"
        )
    return str(int(stem) // 2)


def _grouped_order(keys: Sequence[str], g: torch.Generator) -> list[int]:
    groups: dict[str, list[int]] = {}
    for i, k in enumerate(keys):
        groups.setdefault(k, []).append(i)
    ordered = list(groups.values())
    return [i for j in torch.randperm(len(ordered), generator=g).tolist() for i in ordered[j]]


def epoch_batches(
    n: int,
    labels: Sequence[int] | None,
    batch_size: int,
    epoch: int,
    seed: int,
    balance: bool,
    rank: int = 0,
    world_size: int = 1,
    pair_keys: Sequence[str] | None = None,
) -> list[list[int]]:
    """This rank's batches for ``epoch``: a seeded permutation (the same on every rank), the
    majority class undersampled when ``balance``, split across ranks, full batches only.

    With ``pair_keys``, items sharing a key stay next to each other (whole groups are
    shuffled), and each global batch is cut into contiguous per-rank parts."""
    g = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
    per_rank = batch_size // world_size
    if pair_keys is not None:
        order = _grouped_order(pair_keys, g)
        usable = (len(order) // batch_size) * batch_size
        return [order[i + rank * per_rank : i + (rank + 1) * per_rank] for i in range(0, usable, batch_size)]
    if balance and labels is not None:
        real = [i for i, y in enumerate(labels) if y == 0]
        fake = [i for i, y in enumerate(labels) if y != 0]
        m = min(len(real), len(fake))
        if m == 0:
            raise ValueError("balance=True needs both real and fake training images")
        pick = [real[j] for j in torch.randperm(len(real), generator=g)[:m].tolist()]
        pick += [fake[j] for j in torch.randperm(len(fake), generator=g)[:m].tolist()]
        pick.sort()
    else:
        pick = list(range(n))
    order = [pick[j] for j in torch.randperm(len(pick), generator=g).tolist()]
    usable = (len(order) // (per_rank * world_size)) * per_rank * world_size
    mine = order[:usable][rank::world_size]
    return [mine[i : i + per_rank] for i in range(0, len(mine), per_rank)]


def unpack_batch(batch: Any) -> tuple[Tensor, Tensor, Tensor | None, int]:
    """(images, labels, indices, skipped) from a dict batch or an (images, labels) tuple."""
    if batch is None:
        return torch.empty(0), torch.empty(0, dtype=torch.long), None, 0
    if isinstance(batch, dict):
        idx = batch.get("index")
        return (
            batch["image"],
            torch.as_tensor(batch["label"]),
            None if idx is None else torch.as_tensor(idx),
            int(batch.get("skipped", 0)),
        )
    images, labels = batch[0], batch[1]
    return images, torch.as_tensor(labels), None, 0


def flip_batch(
    x: Tensor, p: float, seed: int, epoch: int, batch: int, rank: int, groups: Sequence[str] | None = None
) -> Tensor:
    """Horizontal flips decided by a generator seeded from (seed, epoch, batch, rank): the same
    images are flipped however the run is interrupted and resumed. Images of one ``groups`` key
    (a real image and the fakes made from it) are flipped together, so they stay aligned."""
    if p <= 0 or x.shape[0] == 0:
        return x
    g = torch.Generator().manual_seed(((seed * 1_000_003 + epoch) * 1_000_033 + batch) * 64 + rank)
    draws = torch.rand(x.shape[0], generator=g) < p
    if groups is not None:
        first: dict[str, int] = {}
        draws = torch.stack([draws[first.setdefault(k, i)] for i, k in enumerate(groups)])
    mask = draws.to(x.device)
    return torch.where(mask[:, None, None, None], x.flip(-1), x)
