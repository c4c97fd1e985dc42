"""Class balance: resample a sample list, or draw batches with a class-balanced sampler."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Literal

import torch
from torch.utils.data import WeightedRandomSampler

from .sample import LABEL_NAMES, Sample


def balance_classes(
    samples: Sequence[Sample], mode: Literal["undersample", "oversample"] = "undersample", seed: int = 0
) -> list[Sample]:
    """As many real as fake samples (the paper samples as many real as fake frames).

    Args:
        samples: the samples; both classes must be present.
        mode: ``"undersample"``: keep a random subset of the larger class, in its original order;
            ``"oversample"``: repeat the smaller class (whole copies, then a random remainder drawn
            without replacement), extra copies appended at the end.
        seed: seed of the random choice (same seed, same result).
    """
    if mode not in ("undersample", "oversample"):
        raise ValueError(f"mode must be 'undersample' or 'oversample', got {mode!r}")
    by_label: dict[int, list[int]] = {0: [], 1: []}
    for i, s in enumerate(samples):
        by_label[s.label].append(i)
    for label, idx in by_label.items():
        if not idx:
            raise ValueError(f"cannot balance classes: there are no {LABEL_NAMES[label]} samples")
    small, large = sorted(by_label.values(), key=len)
    rng = random.Random(seed)
    if mode == "undersample":
        keep = set(small) | set(rng.sample(large, len(small)))
        return [s for i, s in enumerate(samples) if i in keep]
    need = len(large) - len(small)
    extra = small * (need // len(small)) + rng.sample(small, need % len(small))
    return list(samples) + [samples[i] for i in extra]


def class_balanced_sampler(
    labels: Sequence[int],
    num_samples: int | None = None,
    replacement: bool = True,
    generator: torch.Generator | None = None,
) -> WeightedRandomSampler:
    """A sampler drawing real and fake samples with equal probability (weight 1 / class count).

    Args:
        labels: the label of every sample (e.g. ``dataset.labels``); both classes must be present.
        num_samples: draws per epoch (default: ``len(labels)``).
        replacement: draw with replacement (``False`` caps an epoch at ``len(labels)`` draws).
        generator: random generator for reproducible draws.
    """
    counts = {0: 0, 1: 0}
    for y in labels:
        if y not in counts:
            raise ValueError(f"labels must be 0 (real) or 1 (fake), got {y!r}")
        counts[y] += 1
    for label, n in counts.items():
        if n == 0:
            raise ValueError(f"cannot balance classes: there are no {LABEL_NAMES[label]} samples")
    weights = torch.tensor([1.0 / counts[y] for y in labels], dtype=torch.double)
    return WeightedRandomSampler(
        weights,
        num_samples=len(labels) if num_samples is None else num_samples,
        replacement=replacement,
        generator=generator,
    )
