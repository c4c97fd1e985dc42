"""Listing image files: recursive, hidden entries skipped, in natural order (``2.png`` before ``10.png``)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TypeVar

from ..io import IMAGE_EXTENSIONS

_DIGITS = re.compile(r"(\d+)")
T = TypeVar("T")


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that orders the digit runs of ``text`` by value: ``frame2`` < ``frame10``."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in _DIGITS.split(text) if part)


def normalize_extensions(extensions: Iterable[str]) -> tuple[str, ...]:
    """``["PNG", ".jpg"]`` -> ``(".png", ".jpg")``."""
    exts = tuple(e.lower() if e.startswith(".") else f".{e.lower()}" for e in extensions)
    if not exts:
        raise ValueError("extensions must name at least one file extension")
    return exts


def list_images(folder: str | os.PathLike, extensions: Sequence[str] = IMAGE_EXTENSIONS) -> list[Path]:
    """Image files under ``folder`` (recursive, following links), in natural path order.

    Files and folders whose name starts with ``.`` are skipped (macOS ``._*`` resource forks,
    ``.ipynb_checkpoints``); other files are kept when their extension is in ``extensions``.
    """
    exts = normalize_extensions(extensions)
    root = Path(folder)
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if not name.startswith(".") and os.path.splitext(name)[1].lower() in exts:
                found.append(Path(dirpath) / name)
    return sorted(found, key=lambda p: tuple(natural_key(part) for part in p.relative_to(root).parts))


def count_other_files(folder: str | os.PathLike) -> int:
    """How many non-hidden files under ``folder`` (any extension), for error messages."""
    count = 0
    for _, dirnames, filenames in os.walk(folder, followlinks=True):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        count += sum(1 for n in filenames if not n.startswith("."))
    return count


def pick_evenly(items: Sequence[T], k: int | None) -> list[T]:
    """``k`` items evenly spaced over ``items`` (the centre of ``k`` equal bins); all when ``k`` is ``None`` or >= len."""
    if k is not None and (isinstance(k, bool) or not isinstance(k, int) or k < 1):
        raise ValueError(f"frames_per_video must be a positive integer or None, got {k!r}")
    n = len(items)
    if k is None or k >= n:
        return list(items)
    return [items[int((i + 0.5) * n / k)] for i in range(k)]
