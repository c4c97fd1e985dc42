"""Saving, loading and sharing weights: local folders, the Hugging Face Hub, registered tags.

A weights reference (``ref``) is one of:

* a local folder written by :func:`save_pretrained` (``config.json`` + ``model.safetensors``);
* ``"hf-hub:org/name"`` or ``"hf-hub:org/name@revision"``;
* a registered ``"model_name.tag"`` whose pretrained config names a packaged folder or a Hub repo.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from . import __version__
from ._atomic import atomic_write_text
from ._registry import PretrainedCfg, data_config_from_pretrained_cfg, get_pretrained_cfg, is_model
from ._weights import (
    CONFIG_NAME,
    FORMAT,
    WEIGHTS_NAME,
    load_into,
    load_state_dict,
    read_config,
    save_state_dict,
)

if TYPE_CHECKING:
    from .detector import DisGRLDetector
    from .models import DisGRL

HF_PREFIX = "hf-hub:"
PACKAGE_DIR = Path(__file__).resolve().parent


def no_weights_error(model_name: str) -> ValueError:
    return ValueError(
        f"no pretrained weights are published for {model_name!r}. Pretrained tags: "
        f"{', '.join(_published()) or '(none)'}. Train your own with `disgrl train` "
        "(see docs/finetune.md), then load the run folder with disgrl.load_pretrained(RUN_DIR)."
    )


def _published() -> list[str]:
    from ._registry import list_models

    return list_models(pretrained=True)


def classifier_prefix(model: nn.Module) -> str:
    """State-dict prefix of the classifier's last layer (the part re-initialised for fine-tuning)."""
    fc = getattr(getattr(model, "head", None), "fc", None)
    if isinstance(fc, nn.Sequential):
        return f"head.fc.{len(fc) - 1}."
    return "head."


# ----------------------------------------------------------------------------------- saving
def build_config(
    model: DisGRL,
    *,
    label_names: tuple[str, ...] | list[str] | None = None,
    metrics: dict[str, Any] | None = None,
    training_data: str | dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``config.json`` content for ``model``."""
    pcfg = dict(model.pretrained_cfg or {})
    labels = list(label_names or pcfg.get("label_names") or ("real", "fake"))
    return {
        "format": FORMAT,
        "architecture": pcfg.get("architecture") or "disgrl",
        "model_config": model.config.to_dict(),
        "data_config": {
            k: list(v) if isinstance(v, tuple) else v for k, v in data_config_from_pretrained_cfg(pcfg).items()
        },
        "num_classes": int(model.num_classes),
        "label_names": labels,
        "disgrl_version": __version__,
        "metrics": metrics if metrics is not None else dict(pcfg.get("metrics") or {}),
        "training_data": training_data or pcfg.get("description") or "",
    }


def save_pretrained(
    model: DisGRL,
    directory: str | os.PathLike,
    *,
    dtype: torch.dtype | None = None,
    label_names: tuple[str, ...] | list[str] | None = None,
    metrics: dict[str, Any] | None = None,
    training_data: str | dict[str, Any] | None = None,
) -> Path:
    """Write ``config.json`` and ``model.safetensors`` into ``directory`` (each atomically).

    Args:
        dtype: store floating-point tensors in this dtype (e.g. ``torch.float16`` halves the file).
        label_names, metrics, training_data: recorded in ``config.json`` and the model card.
    """
    import json

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    state = model.state_dict()
    if dtype is not None:
        state = {k: v.to(dtype) if v.is_floating_point() else v for k, v in state.items()}
    save_state_dict(state, out / WEIGHTS_NAME, metadata={"format": "pt", "disgrl": FORMAT})
    cfg = build_config(model, label_names=label_names, metrics=metrics, training_data=training_data)
    atomic_write_text(out / CONFIG_NAME, json.dumps(cfg, indent=2) + "\n")
    return out


# ---------------------------------------------------------------------------------- loading
def _hub_download(repo_id: str, filename: str, **kw: Any) -> Path:
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import EntryNotFoundError, LocalEntryNotFoundError, RepositoryNotFoundError

    try:
        return Path(hf_hub_download(repo_id, filename, library_name="disgrl", library_version=__version__, **kw))
    except LocalEntryNotFoundError as e:
        raise FileNotFoundError(
            f"hf-hub:{repo_id}: {filename} is not in the local Hugging Face cache and the Hub cannot be "
            f"reached (offline mode or no network). Download it once online, or pass a local folder. ({e})"
        ) from e
    except (RepositoryNotFoundError, EntryNotFoundError) as e:
        raise FileNotFoundError(f"hf-hub:{repo_id}: {filename} not found on the Hub ({e})") from e


def resolve_folder(
    ref: str | os.PathLike,
    *,
    revision: str | None = None,
    cache_dir: str | os.PathLike | None = None,
    local_files_only: bool = False,
    token: str | bool | None = None,
) -> tuple[Path, PretrainedCfg | None]:
    """Find the folder holding ``config.json`` + ``model.safetensors`` for ``ref``."""
    if isinstance(ref, os.PathLike) or Path(str(ref)).exists():
        path = Path(ref)
        if path.is_file():
            if path.suffix in (".pth", ".pt", ".bin", ".ckpt"):
                raise ValueError(
                    f"{path}: PyTorch checkpoints are not loaded directly; run `disgrl convert {path} OUT_DIR`"
                )
            path = path.parent
        _check_folder(path)
        return path, None
    ref = str(ref)
    if ref.startswith(HF_PREFIX):
        repo, _, rev = ref[len(HF_PREFIX) :].partition("@")
        return _hub_folder(repo, rev or revision, cache_dir, local_files_only, token), None
    if is_model(ref):
        pcfg = get_pretrained_cfg(ref)
        if not pcfg.has_weights:
            raise no_weights_error(ref)
        if pcfg.file:
            folder = Path(pcfg.file)
            folder = folder if folder.is_absolute() else PACKAGE_DIR / folder
            _check_folder(folder)
            return folder, pcfg
        return _hub_folder(pcfg.hf_hub_id or "", revision, cache_dir, local_files_only, token), pcfg
    if any(sep in ref for sep in ("/", "\\")) or ref.startswith("."):
        raise FileNotFoundError(f"weights folder not found: {ref}")
    raise ValueError(
        f"cannot resolve weights {ref!r}: not a folder, not 'hf-hub:org/name', and not a registered model. "
        f"Published tags: {', '.join(_published()) or '(none)'}"
    )


def _check_folder(path: Path) -> None:
    if not path.is_dir():
        raise FileNotFoundError(f"weights folder not found: {path}")
    if not (path / WEIGHTS_NAME).is_file():
        legacy = sorted(p.name for p in path.iterdir() if p.suffix in (".pth", ".pt", ".bin", ".ckpt"))
        hint = f" It holds {', '.join(legacy)}: convert with `disgrl convert`." if legacy else ""
        raise FileNotFoundError(f"{path}: no {WEIGHTS_NAME}.{hint}")
    if not (path / CONFIG_NAME).is_file():
        raise FileNotFoundError(f"{path}: no {CONFIG_NAME} (expected a folder written by save_pretrained)")


def _hub_folder(repo: str, revision: str | None, cache_dir: Any, local_files_only: bool, token: Any) -> Path:
    if repo.count("/") != 1 or not all(repo.split("/")):
        raise ValueError(f"hf-hub reference must look like 'hf-hub:org/name[@revision]', got {repo!r}")
    kw = {"revision": revision, "cache_dir": cache_dir, "local_files_only": local_files_only, "token": token}
    cfg = _hub_download(repo, CONFIG_NAME, **kw)
    weights = _hub_download(repo, WEIGHTS_NAME, **kw)
    if cfg.parent != weights.parent:  # pragma: no cover - the Hub cache keeps a snapshot together
        raise RuntimeError(f"hf-hub:{repo}: config and weights resolved to different snapshots")
    return cfg.parent


def model_from_folder(folder: str | os.PathLike, num_classes: int | None = None) -> DisGRL:
    """Build the model described by ``folder/config.json`` and load its weights strictly."""
    from .models import DisGRL, DisGRLConfig

    folder = Path(folder)
    data = read_config(folder)
    cfg = DisGRLConfig.from_dict(data["model_config"])
    saved_classes = cfg.classifier.num_classes
    model = DisGRL(cfg)
    allow: tuple[str, ...] = ()
    if num_classes is not None and num_classes != saved_classes:
        model.reset_classifier(num_classes)
        allow = (classifier_prefix(model),)
    load_into(model, load_state_dict(folder / WEIGHTS_NAME), str(folder), allow_new=allow)
    pcfg = {**data.get("data_config", {}), "architecture": data.get("architecture", "disgrl")}
    pcfg["label_names"] = tuple(data.get("label_names") or ("real", "fake"))
    pcfg["num_classes"] = model.num_classes
    pcfg["description"] = data.get("training_data") or ""
    pcfg["metrics"] = dict(data.get("metrics") or {})  # kept when the model is saved or pushed again
    model.pretrained_cfg = {**PretrainedCfg().to_dict(), **pcfg}
    model.eval()
    return model


def load_model(
    ref: str | os.PathLike,
    *,
    device: str | torch.device | None = None,
    dtype: torch.dtype | None = None,
    revision: str | None = None,
    cache_dir: str | os.PathLike | None = None,
    local_files_only: bool = False,
    token: str | bool | None = None,
    num_classes: int | None = None,
) -> DisGRL:
    """The bare model for ``ref`` (in eval mode); see :func:`load_pretrained` for the arguments."""
    folder, pcfg = resolve_folder(
        ref, revision=revision, cache_dir=cache_dir, local_files_only=local_files_only, token=token
    )
    model = model_from_folder(folder, num_classes=num_classes)
    if pcfg is not None:
        model.pretrained_cfg = {**model.pretrained_cfg, **pcfg.to_dict()}
        model.pretrained_cfg["num_classes"] = model.num_classes
    if device is not None or dtype is not None:
        model.to(device=device, dtype=dtype)
    return model


def load_pretrained(
    ref: str | os.PathLike,
    *,
    device: str | torch.device | None = None,
    dtype: torch.dtype | None = None,
    revision: str | None = None,
    cache_dir: str | os.PathLike | None = None,
    local_files_only: bool = False,
    token: str | bool | None = None,
    **detector_kwargs: Any,
) -> DisGRLDetector:
    """Load weights and wrap them in a ready-to-use :class:`~disgrl.DisGRLDetector`.

    Args:
        ref: a local weights folder, ``"hf-hub:org/name[@revision]"``, or a registered
            ``"model_name.tag"`` (see ``disgrl.list_models(pretrained=True)``).
        device: defaults to CUDA when available, else CPU.
        dtype: the model's parameter dtype (default float32; prefer ``autocast`` for speed).
        revision, cache_dir, local_files_only, token: passed to ``huggingface_hub``. With
            ``HF_HUB_OFFLINE=1`` only the local cache is used.
        **detector_kwargs: passed to :class:`~disgrl.DisGRLDetector` (``autocast``, ``channels_last``...).

    Only ``.safetensors`` weights are read; convert PyTorch checkpoints with ``disgrl convert``.
    """
    from .detector import DisGRLDetector

    model = load_model(
        ref, dtype=dtype, revision=revision, cache_dir=cache_dir, local_files_only=local_files_only, token=token
    )
    return DisGRLDetector(model, device=device, **detector_kwargs)


def load_registered_weights(model: DisGRL, pcfg: PretrainedCfg, **kw: Any) -> None:
    """``create_model(name, pretrained=True)``: load the tag's weights into the built model."""
    ref = f"{pcfg.architecture}.{pcfg.tag}" if pcfg.tag else pcfg.architecture
    folder, _ = resolve_folder(ref, **kw)
    allow = (classifier_prefix(model),) if model.num_classes != pcfg.num_classes else ()
    load_into(model, load_state_dict(folder / WEIGHTS_NAME), str(folder), allow_new=allow)


# ------------------------------------------------------------------------------------- Hub
def model_card(config: dict[str, Any], repo_id: str) -> str:
    """A README.md for the Hub: usage, metrics, intended use and limits."""
    metrics = config.get("metrics") or {}
    rows = "\n".join(f"| {k} | {v:.4f} |" if isinstance(v, float) else f"| {k} | {v} |" for k, v in metrics.items())
    table = f"| metric | value |\n|---|---|\n{rows}" if rows else "No metrics were recorded."
    data = config.get("training_data") or "not recorded"
    dc = config.get("data_config", {})
    return f"""---
library_name: disgrl
license: mit
tags:
- image-classification
- forgery-detection
- disgrl
---

# {repo_id}

A `{config.get("architecture", "disgrl")}` forgery detector for the
[disgrl](https://github.com/disgrl/disgrl) library (DisGRL, Shi et al., IJCAI 2023).
Labels: {", ".join(config.get("label_names", []))}. Input {dc.get("input_size")}, mean {dc.get("mean")}, std {dc.get("std")}.

## Usage

```python
import disgrl

detector = disgrl.load_pretrained("hf-hub:{repo_id}")
for p in detector.predict(["photo.jpg"], return_maps=True):
    print(p.source, p.label, p.score)
```

## Training data

{data}

## Metrics

{table}

## Intended use and limits

A research tool that scores how likely an image is manipulated, with reconstruction and
difference maps that show where. Scores are only meaningful for images like the training
data above (kind of content, manipulation families, compression); they are not proof of
manipulation or of authenticity, and must not be the sole basis of a decision about a person.

disgrl version: {config.get("disgrl_version")}
"""


def push_to_hub(
    model: DisGRL,
    repo_id: str,
    *,
    token: str | bool | None = None,
    private: bool | None = None,
    commit_message: str = "Upload disgrl weights",
    revision: str | None = None,
    metrics: dict[str, Any] | None = None,
    training_data: str | dict[str, Any] | None = None,
    label_names: tuple[str, ...] | list[str] | None = None,
    dtype: torch.dtype | None = None,
) -> str:
    """Save ``model`` with a generated model card and upload the folder to ``repo_id``.

    Returns the commit URL (a string).
    """
    import json

    from huggingface_hub import HfApi

    api = HfApi(token=token)
    with tempfile.TemporaryDirectory() as tmp:
        folder = save_pretrained(
            model, tmp, dtype=dtype, label_names=label_names, metrics=metrics, training_data=training_data
        )
        config = json.loads((folder / CONFIG_NAME).read_text())
        (folder / "README.md").write_text(model_card(config, repo_id), encoding="utf-8")
        api.create_repo(repo_id, private=private, exist_ok=True)
        info = api.upload_folder(
            repo_id=repo_id, folder_path=str(folder), commit_message=commit_message, revision=revision
        )
    return str(getattr(info, "commit_url", info))
