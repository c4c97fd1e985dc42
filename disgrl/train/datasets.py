"""From what a user points ``disgrl train`` at to train / validation datasets."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from ..transforms import eval_transform

MANIFEST_SUFFIXES = (".csv", ".jsonl", ".json", ".tsv")


def _split_samples(samples: list, val_split: float, seed: int) -> tuple[list, list]:
    """Hold out ``val_split`` of the samples, whole videos at a time (or single images), by a
    seeded hash of the video id, so frames of one video never end up on both sides."""
    if not 0 < val_split < 1:
        raise ValueError(f"val_split must be between 0 and 1, got {val_split}")

    def key(s: Any) -> float:
        group = s.video if s.video is not None else s.path
        h = hashlib.sha1(f"{seed}:{group}".encode()).digest()
        return int.from_bytes(h[:8], "big") / 2**64

    train = [s for s in samples if key(s) >= val_split]
    val = [s for s in samples if key(s) < val_split]
    for name, part in (("training", train), ("validation", val)):
        if len({s.label for s in part}) < 2:
            raise ValueError(
                f"the {name} part of a {val_split:.0%} validation split has only one class; "
                "use more data, another --val-split, or pass --val DIR"
            )
    return train, val


def build_datasets(
    data: str | os.PathLike,
    *,
    data_config: dict[str, Any],
    val: str | os.PathLike | None = None,
    val_split: float = 0.1,
    seed: int = 0,
    on_error: str = "raise",
    class_dirs: dict[str, int] | None = None,
    video_from: str | None = "parent",
) -> tuple[Any, Any]:
    """(train, val) datasets of resized, normalised images (the trainer flips them).

    ``data`` may be:

    * a folder with ``train/`` (and ``val/``) sub-folders, each holding ``real/`` and ``fake/``
      (what ``disgrl make-synthetic`` writes);
    * a folder with ``real/`` and ``fake/``: ``val`` (another such folder) or a ``val_split``
      fraction of it, whole videos at a time, is held out;
    * a CSV / JSONL manifest (``path,label[,video,split]``): rows with split ``train`` / ``val``
      (or a ``val_split`` of all rows when it has no split column).
    """
    from ..data import ForgeryDataset, ImageFolderDataset, ManifestDataset

    transform = eval_transform(data_config)
    path = Path(data)
    kw = {"transform": transform, "on_error": on_error}
    folder_kw = {**kw, "video_from": video_from, **({"class_dirs": class_dirs} if class_dirs else {})}
    if not path.exists():
        raise FileNotFoundError(f"training data not found: {path}")
    if path.is_file():
        if path.suffix.lower() not in MANIFEST_SUFFIXES:
            raise ValueError(f"{path}: expected a folder or a manifest ({', '.join(MANIFEST_SUFFIXES)})")
        full = ManifestDataset(path, **kw)
        splits = {s.split for s in full.samples}
        if "train" in splits:
            train = ManifestDataset(path, split="train", **kw)
            has_val = "val" in splits or "validation" in splits
            val_name = "val" if "val" in splits else "validation"
            return train, ManifestDataset(path, split=val_name, **kw) if has_val else None
        tr, va = _split_samples(full.samples, val_split, seed)
        return ForgeryDataset(tr, **kw), ForgeryDataset(va, **kw)
    if (path / "train").is_dir():
        train = ImageFolderDataset(path / "train", **folder_kw)
        val_dir = Path(val) if val is not None else path / "val"
        return train, ImageFolderDataset(val_dir, **folder_kw) if val_dir.is_dir() else None
    full = ImageFolderDataset(path, **folder_kw)
    if val is not None:
        return full, ImageFolderDataset(val, **folder_kw)
    if not val_split:
        return full, None
    tr, va = _split_samples(full.samples, val_split, seed)
    return ForgeryDataset(tr, **kw), ForgeryDataset(va, **kw)
