"""Model input transforms for datasets (thin wrappers over :mod:`disgrl.transforms`)."""

from __future__ import annotations

from typing import Any

from ..transforms import eval_transform, train_transform
from .dataset import Transform


def make_transforms(data_config: dict[str, Any], train: bool, hflip: float = 0.5) -> Transform:
    """The training transform (resize, random horizontal flip with probability ``hflip``, normalise)
    when ``train``, else the evaluation transform (resize, normalise) of a model's ``data_config``.

    ``model.data_config`` gives the input size (299 for Xception), mean / std and interpolation; the
    evaluation transform is the one :class:`~disgrl.DisGRLDetector` applies.
    """
    return train_transform(data_config, hflip=hflip) if train else eval_transform(data_config)
