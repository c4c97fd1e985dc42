"""``create_model``: build a registered model by name (timm's factory)."""

from __future__ import annotations

import os
from typing import Any

from torch import nn

from ._registry import get_pretrained_cfg, model_entrypoint, split_model_name_tag


def create_model(
    model_name: str,
    pretrained: bool = False,
    pretrained_backbone: bool | str | os.PathLike = False,
    num_classes: int | None = None,
    **overrides: Any,
) -> nn.Module:
    """Create a registered model.

    Args:
        model_name: a name from :func:`disgrl.list_models`, optionally with a weight tag
            (``"disgrl_tiny.synthetic"``).
        pretrained: load the tag's published weights (see :func:`disgrl.load_pretrained`).
        pretrained_backbone: ``True`` asks timm for the backbone's ImageNet weights (a
            download); a path loads a local timm weights file instead.
        num_classes: classifier outputs (1 = one fake-vs-real logit). With ``pretrained=True``
            and a different count, the classifier's last layer is freshly initialised (the
            documented fine-tuning case); every other weight must load.
        **overrides: changes to the model's :class:`~disgrl.models.DisGRLConfig`: a section name
            (``encoder``, ``dea``, ``decoder``, ``reconstruction``, ``disad``, ``classifier``)
            with a dict of field overrides or a config instance; a top-level field
            (``noise_std``...); the shortcuts ``backbone`` and ``drop_rate``; ``config`` to
            replace the whole config; or a part name (``encoder``, ``dea``, ``decoder``,
            ``rec1``, ``rec2``, ``disad``, ``head``) with an ``nn.Module`` to swap that part.

    Returns:
        The model, with ``model.pretrained_cfg`` (input size, mean/std, interpolation...) set.
    """
    entrypoint = model_entrypoint(split_model_name_tag(model_name)[0])
    pretrained_cfg = get_pretrained_cfg(model_name)
    if pretrained and not pretrained_cfg.has_weights:
        from ._hub import no_weights_error

        raise no_weights_error(model_name)
    if num_classes is not None:
        overrides["num_classes"] = num_classes
    elif pretrained:
        overrides["num_classes"] = pretrained_cfg.num_classes
    model = entrypoint(pretrained_backbone=pretrained_backbone, **overrides)
    model.pretrained_cfg = pretrained_cfg.to_dict()
    if pretrained:
        from ._hub import load_registered_weights

        load_registered_weights(model, pretrained_cfg)
    return model
