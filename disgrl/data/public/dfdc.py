"""DFDC (Dolhansky et al., 2019): ``<part>/metadata.json`` plus frames extracted per video."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from ...io import IMAGE_EXTENSIONS
from .._files import natural_key
from ..sample import DatasetLayoutError, Sample
from ._common import Video, frames_of, require_dir, subdirs

DFDC_LAYOUT = """\
  <root>/<part>/metadata.json                      ({"abc.mp4": {"label": "FAKE" | "REAL", "split": "train", ...}})
  <root>/<part>/<frames_dir>/<video>/<frame>.png   (<video> = the file name without .mp4, e.g. abc)
<part> is e.g. dfdc_train_part_0; <root> may itself be one part. DFDC ships videos
(<part>/<video>.mp4): extract frames or face crops into <frames_dir> ("faces" by default) first."""


def read_dfdc_metadata(path: str | os.PathLike) -> dict[str, tuple[int, str | None]]:
    """``video stem`` -> ``(label, split)`` from a DFDC ``metadata.json`` (label 1 = FAKE)."""
    path = Path(path)
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise DatasetLayoutError(f"{path}: not valid JSON ({e.msg}, line {e.lineno})") from None
    if not isinstance(meta, dict) or not meta:
        raise DatasetLayoutError(f'{path}: expected a JSON object {{"<video>.mp4": {{"label": "FAKE" | "REAL", ...}}}}')
    videos: dict[str, tuple[int, str | None]] = {}
    for name, info in meta.items():
        label = info.get("label") if isinstance(info, dict) else None
        if not isinstance(label, str) or label.upper() not in ("FAKE", "REAL"):
            raise DatasetLayoutError(f'{path}: entry {name!r} needs "label": "FAKE" or "REAL", got {label!r}')
        split = info.get("split")
        videos[Path(name).stem] = (int(label.upper() == "FAKE"), str(split) if split is not None else None)
    return videos


def dfdc_samples(
    root: str | os.PathLike,
    split: str | None,
    parts: Sequence[str] | None = None,
    frames_dir: str = "faces",
    frames_per_video: int | None = None,
    extensions: Sequence[str] = IMAGE_EXTENSIONS,
) -> list[Sample]:
    """Samples of DFDC (see ``DFDC_LAYOUT`` / docs/data.md).

    Args:
        root: the folder holding the part folders (or one part folder).
        split: keep videos whose metadata ``split`` is this (``"train"``, ...), or ``None`` for all.
        parts: part folder names (default: every sub-folder with a ``metadata.json``).
        frames_dir: the folder of each part holding one sub-folder of frames per video.
        frames_per_video: keep at most this many evenly spaced frames per video (``None``: all).
        extensions: image file extensions.

    Video ids are ``"<part>/<video>"``; ``method`` is the part name.
    """
    root = require_dir(Path(root).expanduser(), "DFDC root folder")
    if parts is not None:
        folders = [require_dir(root / p, f"DFDC part folder {p!r}") for p in parts]
    elif (root / "metadata.json").is_file():
        folders = [root]
    else:
        folders = [p for p in subdirs(root) if (p / "metadata.json").is_file()]
        if not folders:
            raise DatasetLayoutError(f"DFDC: no <part>/metadata.json under {root}. Expected layout:\n{DFDC_LAYOUT}")
    dataset = f"DFDC (split={split})"
    videos: list[Video] = []
    present: set[str] = set()
    for folder in folders:
        meta_path = folder / "metadata.json"
        if not meta_path.is_file():
            raise DatasetLayoutError(f"DFDC: {meta_path} not found. Expected layout:\n{DFDC_LAYOUT}")
        frames = require_dir(
            folder / frames_dir,
            f"DFDC frames folder {frames_dir!r}",
            hint=f"Extract frames or face crops per video first, or pass frames_dir=. Expected layout:\n{DFDC_LAYOUT}",
        )
        meta = read_dfdc_metadata(meta_path)
        present.update(str(s) for _, s in meta.values())
        for stem in sorted(meta, key=natural_key):
            label, video_split = meta[stem]
            if split is None or video_split == split:
                videos.append(Video(frames / stem, label, f"{folder.name}/{stem}", video_split, folder.name))
    if not videos:
        raise DatasetLayoutError(
            f"DFDC: no video with split {split!r} in the metadata; splits present: {sorted(present)}"
        )
    return frames_of(videos, frames_per_video, extensions, dataset, DFDC_LAYOUT)
