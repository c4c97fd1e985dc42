"""WildDeepfake (Zi et al., 2020): ``{real,fake}_{train,test}/<video>/.../<frame>.png``."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from ...io import IMAGE_EXTENSIONS
from ..sample import Sample
from ._common import Video, frames_of, require_dir, video_dirs

WILDDEEPFAKE_LAYOUT = """\
  <root>/real_train/<video>/.../<frame>.png   (frames may sit one or more folders below the video folder)
  <root>/fake_train/<video>/.../<frame>.png
  <root>/real_test/<video>/.../<frame>.png
  <root>/fake_test/<video>/.../<frame>.png
WildDeepfake ships one .tar.gz per video in these folders: extract them in place first."""


def wilddeepfake_samples(
    root: str | os.PathLike,
    split: str | None,
    frames_per_video: int | None = None,
    extensions: Sequence[str] = IMAGE_EXTENSIONS,
) -> list[Sample]:
    """Samples of WildDeepfake (see ``WILDDEEPFAKE_LAYOUT`` / docs/data.md).

    Args:
        root: the WildDeepfake folder.
        split: ``"train"``, ``"test"`` or ``None`` (both).
        frames_per_video: keep at most this many evenly spaced frames per video (``None``: all).
        extensions: image file extensions.

    Every frame under ``<class>_<split>/<video>/`` (at any depth) belongs to that video; video ids
    are ``"<class>_<split>/<video>"``. ``method`` is ``None``.
    """
    root = require_dir(Path(root).expanduser(), "WildDeepfake root folder")
    if split not in ("train", "test", None):
        raise ValueError(f"WildDeepfake split must be 'train', 'test' or None, got {split!r}")
    dataset = f"WildDeepfake (split={split})"
    videos: list[Video] = []
    for part in ("train", "test") if split is None else (split,):
        for label, cls in ((0, "real"), (1, "fake")):
            name = f"{cls}_{part}"
            folder = require_dir(
                root / name, f"WildDeepfake folder {name!r}", hint=f"Expected layout:\n{WILDDEEPFAKE_LAYOUT}"
            )
            found = video_dirs(folder, dataset, WILDDEEPFAKE_LAYOUT)
            videos += [Video(v, label, f"{name}/{v.name}", part) for v in found]
    return frames_of(videos, frames_per_video, extensions, dataset, WILDDEEPFAKE_LAYOUT, labels=(0, 1))
