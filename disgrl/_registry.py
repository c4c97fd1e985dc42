"""Model registry: named entrypoints and a pretrained config per weight tag (timm's scheme).

An entrypoint is registered with :func:`register_model`; the pretrained configs of its weight
tags come from a module-level ``default_cfgs`` dict in the entrypoint's module, keyed
``"name"`` (the untagged default) or ``"name.tag"``.
"""

from __future__ import annotations

import dataclasses
import difflib
import fnmatch
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_model_entrypoints: dict[str, Callable[..., Any]] = {}
_pretrained_cfgs: dict[str, dict[str, PretrainedCfg]] = {}


@dataclass(frozen=True)
class PretrainedCfg:
    """Where a model's weights live and how its inputs are prepared.

    Attributes:
        architecture: the registered model name.
        tag: the weight tag (``""`` for the untagged default).
        hf_hub_id: a Hugging Face Hub repo holding ``config.json`` + ``model.safetensors``.
        file: a local weights folder (absolute, or relative to the ``disgrl`` package).
        input_size: ``(C, H, W)``.
        mean, std: per-channel normalisation.
        interpolation: resize mode of the eval transform.
        crop_pct: fraction of the resized image kept by the centre crop (1.0 = no crop).
        num_classes: outputs of the classifier the weights were trained with.
        label_names: class names, index 0 first (``("real", "fake")``).
        license: licence of the weights.
        description: what the weights were trained on and what they are not.
    """

    architecture: str = ""
    tag: str = ""
    hf_hub_id: str | None = None
    file: str | None = None
    input_size: tuple[int, int, int] = (3, 299, 299)
    mean: tuple[float, float, float] = (0.5, 0.5, 0.5)
    std: tuple[float, float, float] = (0.5, 0.5, 0.5)
    interpolation: str = "bilinear"
    crop_pct: float = 1.0
    num_classes: int = 1
    label_names: tuple[str, ...] = ("real", "fake")
    license: str | None = None
    description: str = ""

    @property
    def has_weights(self) -> bool:
        return bool(self.hf_hub_id or self.file)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def split_model_name_tag(model_name: str) -> tuple[str, str]:
    """``"disgrl_tiny.synthetic"`` -> ``("disgrl_tiny", "synthetic")``; no tag -> ``""``."""
    name, _, tag = model_name.partition(".")
    return name, tag


def register_model(fn: F) -> F:
    """Register a model entrypoint under its function name (timm's decorator).

    Pretrained configs are read from ``default_cfgs`` in the function's module; without one the
    model gets a default :class:`PretrainedCfg` (299x299, mean = std = 0.5, no weights).
    """
    name = fn.__name__
    if name in _model_entrypoints:
        raise ValueError(f"model {name!r} is already registered")
    _model_entrypoints[name] = fn
    module_cfgs: dict[str, PretrainedCfg] = getattr(sys.modules.get(fn.__module__), "default_cfgs", {}) or {}
    tags: dict[str, PretrainedCfg] = {}
    for key, cfg in module_cfgs.items():
        arch, tag = split_model_name_tag(key)
        if arch == name:
            tags[tag] = dataclasses.replace(cfg, architecture=name, tag=tag)
    if "" not in tags:  # the untagged name resolves to the first tag, or to a bare default
        first = next(iter(tags.values()), PretrainedCfg(architecture=name))
        tags[""] = first
    _pretrained_cfgs[name] = tags
    return fn


def list_models(pattern: str = "*", pretrained: bool = False) -> list[str]:
    """Registered model names matching a shell-style ``pattern`` (sorted).

    With ``pretrained=True``, the ``name.tag`` entries that have published weights.
    """
    if pretrained:
        names = [
            f"{name}.{tag}" if tag else name
            for name, tags in _pretrained_cfgs.items()
            for tag, cfg in tags.items()
            if cfg.has_weights and (tag or cfg.tag == "")
        ]
    else:
        names = list(_model_entrypoints)
    return sorted(n for n in names if fnmatch.fnmatch(n, pattern))


def is_model(name: str) -> bool:
    return split_model_name_tag(name)[0] in _model_entrypoints


def model_entrypoint(name: str) -> Callable[..., Any]:
    """The entrypoint of a registered model; a ``ValueError`` suggests close names."""
    arch = split_model_name_tag(name)[0]
    if arch not in _model_entrypoints:
        close = difflib.get_close_matches(arch, list(_model_entrypoints), n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise ValueError(f"unknown model {arch!r}.{hint} See disgrl.list_models().")
    return _model_entrypoints[arch]


def get_pretrained_cfg(model_name: str) -> PretrainedCfg:
    """The pretrained config of ``name`` or ``name.tag``."""
    arch, tag = split_model_name_tag(model_name)
    model_entrypoint(arch)
    tags = _pretrained_cfgs[arch]
    if tag not in tags:
        known = sorted(t for t in tags if t) or ["(none)"]
        raise ValueError(f"model {arch!r} has no weight tag {tag!r}; known tags: {', '.join(known)}")
    return tags[tag]


def data_config_from_pretrained_cfg(cfg: dict[str, Any] | PretrainedCfg | None) -> dict[str, Any]:
    """The preprocessing part of a pretrained config (timm's ``resolve_data_config`` keys)."""
    if isinstance(cfg, PretrainedCfg):
        cfg = cfg.to_dict()
    base = PretrainedCfg().to_dict()
    base.update(cfg or {})
    keys = ("input_size", "mean", "std", "interpolation", "crop_pct")
    return {k: tuple(base[k]) if isinstance(base[k], list) else base[k] for k in keys}
