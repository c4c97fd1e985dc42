"""Shared by the public-dataset adapters: one folder of frames per video -> samples."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .._files import list_images, natural_key, pick_evenly
from ..sample import LABEL_NAMES, DatasetLayoutError, Sample

_PACKED = (".mp4", ".avi", ".mov", ".mkv", ".tar", ".tar.gz", ".tgz", ".zip")


@dataclass(frozen=True)
class Video:
    """A video whose frames (or face crops) are image files under ``folder``."""

    folder: Path
    label: int
    video: str
    split: str | None = None
    method: str | None = None


def require_dir(path: Path, what: str, hint: str = "") -> Path:
    """``path`` if it is a folder, else a :class:`DatasetLayoutError` listing what its parent holds."""
    if path.is_dir():
        return path
    parent = path.parent
    present = subdirs(parent) if parent.is_dir() else None
    found = f"; {parent} holds: {[p.name for p in present] or 'no folders'}" if present is not None else ""
    raise DatasetLayoutError(f"{what} not found: {path}{found}{'. ' + hint if hint else ''}")


def subdirs(folder: Path) -> list[Path]:
    """Non-hidden sub-folders of ``folder`` in natural order."""
    return sorted(
        (p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: natural_key(p.name)
    )


def video_dirs(folder: Path, dataset: str, layout: str) -> list[Path]:
    """The video folders in ``folder``; none is an error (with a hint when videos / archives sit there)."""
    found = subdirs(folder)
    if found:
        return found
    hint = _packed_hint(folder)
    raise DatasetLayoutError(f"{dataset}: no video folders in {folder}.{hint} Expected layout:\n{layout}")


def _packed_hint(folder: Path) -> str:
    if not folder.is_dir():
        return ""
    packed = sorted(p.name for p in folder.iterdir() if p.name.lower().endswith(_PACKED))
    if not packed:
        return ""
    names = ", ".join(packed[:3]) + (f" and {len(packed) - 3} more" if len(packed) > 3 else "")
    return f" {folder} holds {names}: extract frames / face crops (or the archives) first."


def frames_of(
    videos: Sequence[Video],
    frames_per_video: int | None,
    extensions: Sequence[str],
    dataset: str,
    layout: str,
    labels: Sequence[int] | None = None,
) -> list[Sample]:
    """Samples for the frames of each video (``frames_per_video`` evenly spaced ones when set).

    Videos without any frame are left out with one warning. When no video of a class in ``labels``
    (default: the classes of ``videos``), or of a ``method``, has frames, the error shows the
    expected ``layout``: a half-extracted dataset never silently loses a class or a method.
    """
    if not videos:
        raise DatasetLayoutError(f"{dataset}: no videos selected. Expected layout:\n{layout}")
    samples: list[Sample] = []
    missing: list[Video] = []
    for v in videos:
        frames = list_images(v.folder, extensions) if v.folder.is_dir() else []
        if not frames:
            missing.append(v)
            continue
        for path in pick_evenly(frames, frames_per_video):
            samples.append(Sample(str(path), v.label, v.video, v.split, v.method))
    groups: list[tuple[str, list[Video]]] = []
    for label in sorted(set(labels) if labels is not None else {v.label for v in videos}):
        groups.append((f"{LABEL_NAMES[label]} videos", [v for v in videos if v.label == label]))
    for method in dict.fromkeys(v.method for v in videos if v.method is not None):
        groups.append((f"videos of {method!r}", [v for v in videos if v.method == method]))
    found = {(s.label, s.method) for s in samples}
    for what, members in groups:
        if any((v.label, v.method) in found for v in members):
            continue
        if not members:
            raise DatasetLayoutError(f"{dataset}: no {what} selected. Expected layout:\n{layout}")
        raise DatasetLayoutError(
            f"{dataset}: no frames found for any of the {len(members)} {what} "
            f"(first one looked for: {members[0].folder}).{_packed_hint(members[0].folder.parent)} "
            f"Expected layout:\n{layout}"
        )
    if missing:
        names = ", ".join(str(v.folder) for v in missing[:3])
        warnings.warn(
            f"{dataset}: {len(missing)} of {len(videos)} videos have no frames and are left out (e.g. {names})",
            stacklevel=3,
        )
    return samples
