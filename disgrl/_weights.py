"""Weights folders: ``config.json`` + ``model.safetensors``, written atomically, loaded strictly."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from ._atomic import atomic_write

CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"
FORMAT = "disgrl/1"


class WeightsMismatchError(RuntimeError):
    """A checkpoint does not fit the model: lists missing and unexpected keys and shape mismatches."""

    def __init__(self, source: str, missing: list[str], unexpected: list[str], mismatched: list[str]) -> None:
        self.missing, self.unexpected, self.mismatched = missing, unexpected, mismatched
        lines = [f"weights from {source} do not match the model:"]
        for title, keys in (
            ("missing keys", missing),
            ("unexpected keys", unexpected),
            ("shape mismatches", mismatched),
        ):
            if keys:
                shown = ", ".join(keys[:20]) + (f", ... ({len(keys) - 20} more)" if len(keys) > 20 else "")
                lines.append(f"  {title} ({len(keys)}): {shown}")
        super().__init__("\n".join(lines))


def save_state_dict(
    state: dict[str, torch.Tensor], path: str | os.PathLike, metadata: dict[str, str] | None = None
) -> None:
    """Save a state dict as safetensors atomically (contiguous CPU tensors, shared storage split)."""
    tensors = {k: v.detach().to("cpu").contiguous().clone() for k, v in state.items()}
    atomic_write(path, lambda p: save_file(tensors, p, metadata=metadata or {"format": "pt"}))


def load_state_dict(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """Read a safetensors file; anything else is refused (use ``disgrl convert`` for .pth/.bin)."""
    path = Path(path)
    if path.suffix != ".safetensors":
        raise ValueError(
            f"{path}: only .safetensors weights are read. Convert a PyTorch checkpoint with "
            f"`disgrl convert {path} OUT_DIR` (it never unpickles arbitrary objects)."
        )
    if not path.is_file():
        raise FileNotFoundError(f"weights file not found: {path}")
    return load_file(str(path))


def load_into(model: nn.Module, state: dict[str, torch.Tensor], source: str, allow_new: Iterable[str] = ()) -> None:
    """Load ``state`` into ``model`` strictly, raising :class:`WeightsMismatchError` on any problem.

    ``allow_new``: key prefixes that may be missing or mis-shaped (a fresh classifier layer
    for fine-tuning); those keep the model's own initialisation.
    """
    allow = tuple(allow_new)
    own = model.state_dict()
    missing = sorted(k for k in own if k not in state and not k.startswith(allow))
    unexpected = sorted(k for k in state if k not in own)
    mismatched = sorted(
        f"{k} (checkpoint {tuple(v.shape)} vs model {tuple(own[k].shape)})"
        for k, v in state.items()
        if k in own and v.shape != own[k].shape and not k.startswith(allow)
    )
    if missing or unexpected or mismatched:
        raise WeightsMismatchError(source, missing, unexpected, mismatched)
    usable = {k: v for k, v in state.items() if not (k.startswith(allow) and v.shape != own[k].shape)}
    for k in [k for k in own if k not in usable]:
        usable[k] = own[k]
    model.load_state_dict(usable, strict=True)


def read_config(folder: str | os.PathLike) -> dict[str, Any]:
    path = Path(folder) / CONFIG_NAME
    if not path.is_file():
        raise FileNotFoundError(f"{folder}: no {CONFIG_NAME} (expected a folder written by save_pretrained)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}: not valid JSON ({e})") from e
    if "model_config" not in data:
        raise ValueError(f"{path}: no 'model_config' entry; is this a disgrl weights folder?")
    return data
