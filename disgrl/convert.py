"""Convert a legacy PyTorch checkpoint (``.pth`` / ``.bin``) into a safetensors weights folder.

The checkpoint is read with ``torch.load(weights_only=True)``: tensors and plain containers
only, never arbitrary pickled objects. Keys lose a DataParallel/DDP ``module.`` prefix; a
checkpoint from the authors' training code (znshi/DisGRL) is recognised by its module names
and mapped onto ``disgrl_xception_official``; its never-used modules are dropped. The result
must then load strictly: any missing, unexpected or mis-shaped key is an error that lists them.
"""

from __future__ import annotations

import os
import pickle
import re
from pathlib import Path

import torch

from ._weights import load_into

# The authors' module prefixes that are never used in their forward pass (SPEC §8 #12).
AUTHORS_DEAD = ("eam.", "att.", "dga1.", "reduce1.", "reduce2.", "reduce3.", "attention.h.", "encoder.fc.")

_SAM = {"conv_state": "theta", "conv_proj": "phi", "gcn.conv1": "gcn.node_conv", "gcn.conv2": "gcn.state_conv",
        "conv_extend": "extend"}  # fmt: skip
_DWS = {"conv1": "depthwise", "norm_layer": "norm", "conv2": "pointwise"}
_DGA = {"w1.0": "attn", "w2.0": "value", "wo.0": "out"}
_DFA = {"asyConv": "asym", "oriConv": "plain", "atrConv": "atrous", "conv2d": "fuse", "bn2d": "bn"}
_IEA = {"conv1": "conv", "conv0": "pre_conv", "bn1": "pre_bn", "conv2": "proj", "norm_layer": "norm"}
_CONVBN = {"conv": "0", "bn": "1"}


def map_authors_key(key: str) -> str | None:
    """Our key for one key of the authors' DisGRL (``None`` for a dead module's key)."""
    if key.startswith(AUTHORS_DEAD) or re.match(r"iea\d\.conv3\.", key):
        return None
    if key.startswith(("encoder.", "fc.")):
        return key if key.startswith("encoder.") else "head." + key
    if m := re.match(r"iea(\d)\.(linear_0|linear_1)\.weight$", key):
        return f"dea.blocks.{int(m[1]) - 1}.attention." + ("weight" if m[2] == "linear_0" else "weight_out")
    if m := re.match(r"iea(\d)\.(\w+)\.(.+)$", key):
        return f"dea.blocks.{int(m[1]) - 1}.{_IEA[m[2]]}.{m[3]}"
    if m := re.match(r"reduce4\.(conv|bn)\.(.+)$", key):
        return f"dea.proj.{_CONVBN[m[1]]}.{m[2]}"
    if m := re.match(r"dfa(\d)\.(\w+)\.(.+)$", key):
        return f"decoder.reduce.{int(m[1]) - 1}.{_DFA[m[2]]}.{m[3]}"
    if m := re.match(r"dga(\d)\.(w1\.0|w2\.0|wo\.0)\.(\w+)\.(.+)$", key):
        return f"decoder.blocks.{4 - int(m[1])}.{_DGA[m[2]]}.{_DWS[m[3]]}.{m[4]}"
    if m := re.match(r"dga(\d)\.cw\.(.+)$", key):
        return f"decoder.blocks.{4 - int(m[1])}.residual.{m[2]}"
    if m := re.match(r"reduce(5|6|7)\.(conv|bn)\.(.+)$", key):
        head = {"5": "rec2.sam.reduce", "6": "rec2.out", "7": "rec1.out"}[m[1]]
        return f"{head}.{_CONVBN[m[2]]}.{m[3]}"
    if m := re.match(r"SAM\.(conv_state|conv_proj|gcn\.conv1|gcn\.conv2|conv_extend)\.(.+)$", key):
        return f"rec2.sam.{_SAM[m[1]]}.{m[2]}"
    if m := re.match(r"attention\.gated\.(\d)\.(.+)$", key):
        return f"disad.rfa.0.gate.{m[1]}.{m[2]}"
    if m := re.match(r"attention\.efm\.conv2d\.block\.(\d)\.(.+)$", key):
        return f"disad.rfa.0.fuse.{m[1]}.{m[2]}"
    if m := re.match(r"attention\.efm\.conv1d\.(.+)$", key):
        return f"disad.rfa.0.eca.conv.{m[1]}"
    raise KeyError(key)


def is_authors_checkpoint(state: dict[str, torch.Tensor]) -> bool:
    return any(k.startswith(("iea1.", "dga4.", "attention.efm.")) for k in state)


def read_legacy_checkpoint(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """Tensors of a ``.pth``/``.bin`` checkpoint, safely: ``torch.load(weights_only=True)``."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint not found: {path}")
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, AttributeError) as e:
        raise ValueError(
            f"{path}: cannot be read with torch.load(weights_only=True); it holds objects other than "
            f"tensors and plain containers, and disgrl never unpickles arbitrary objects ({e})"
        ) from None
    for key in ("model_state_dict", "state_dict", "model", "network", "net"):
        if isinstance(obj, dict) and isinstance(obj.get(key), dict):
            obj = obj[key]
            break
    if not isinstance(obj, dict) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise ValueError(f"{path}: expected a state dict (a mapping of names to tensors)")
    return {k.removeprefix("module."): v for k, v in obj.items()}


def map_state_dict(state: dict[str, torch.Tensor]) -> tuple[dict[str, torch.Tensor], list[str]]:
    """Map the authors' keys onto ``disgrl_xception_official``'s; returns (state, dropped keys)."""
    out: dict[str, torch.Tensor] = {}
    dropped: list[str] = []
    unknown: list[str] = []
    for key, value in state.items():
        try:
            new = map_authors_key(key)
        except KeyError:
            unknown.append(key)
            continue
        if new is None:
            dropped.append(key)
            continue
        if new.endswith((".attention.weight", ".attention.weight_out")) and value.dim() == 3:
            value = value[:, :, 0]  # Conv1d (S, C, 1) -> (S, C)
        out[new] = value
    if unknown:
        raise ValueError(f"checkpoint keys not recognised as the authors' DisGRL: {', '.join(unknown[:20])}")
    return out, dropped


def convert_checkpoint(
    src: str | os.PathLike, out_dir: str | os.PathLike, model_name: str | None = None, **save_kwargs: object
) -> Path:
    """Read ``src`` safely, map its keys, load strictly into ``model_name``, save a weights folder.

    Args:
        src: a ``.pth``/``.pt``/``.bin`` state dict (a ``{"state_dict": ...}`` wrapper is fine).
        out_dir: the safetensors folder to write (``config.json`` + ``model.safetensors``).
        model_name: the architecture; default ``disgrl_xception_official`` for the authors'
            checkpoints, else required.
    """
    from . import create_model

    state = read_legacy_checkpoint(src)
    if is_authors_checkpoint(state):
        state, _ = map_state_dict(state)
        model_name = model_name or "disgrl_xception_official"
    elif model_name is None:
        raise ValueError(f"{src}: not an authors' DisGRL checkpoint; pass the architecture (--model NAME)")
    kwargs = {}
    if any(k.startswith("head.fc.") for k in state):  # keep the checkpoint's number of classes
        last = max(int(k.split(".")[2]) for k in state if k.startswith("head.fc."))
        kwargs["num_classes"] = int(state[f"head.fc.{last}.weight"].shape[0])
    model = create_model(model_name, **kwargs)
    load_into(model, state, str(src))
    return model.save_pretrained(out_dir, **save_kwargs)
