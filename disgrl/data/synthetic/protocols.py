"""Splits by photo hash, the manifest, and the intra / cross-manipulation protocols.

Every source image is assigned to ``train`` / ``val`` / ``test`` by a stable hash of its file name
(:func:`split_of`), so one photo never feeds two splits, whatever the seed or the number of samples.
"""

from __future__ import annotations

import csv
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

SPLITS = ("train", "val", "test")
DEFAULT_SPLIT_FRACTIONS = (0.7, 0.15, 0.15)
PROTOCOLS = ("intra", "cross")
MANIFEST_NAME = "manifest.csv"
MANIFEST_COLUMNS = ("path", "label", "video", "split", "method", "source", "quality", "mask")


def check_fractions(fractions: Sequence[float]) -> tuple[float, float, float]:
    """Validate ``(train, val, test)`` fractions: three non-negative numbers summing to 1."""
    values = tuple(float(f) for f in fractions)
    if len(values) != 3 or any(f < 0 for f in values) or abs(sum(values) - 1.0) > 1e-6 or values[0] <= 0:
        raise ValueError(
            f"split_fractions must be three non-negative numbers (train, val, test) summing to 1 with "
            f"train > 0, got {tuple(fractions)}"
        )
    return values  # type: ignore[return-value]


def hash_fraction(name: str) -> float:
    """A stable number in ``[0, 1)`` from the SHA-1 of ``name`` (the same on every machine)."""
    return int(hashlib.sha1(name.encode("utf-8")).hexdigest()[:15], 16) / float(16**15)


def split_of(name: str, fractions: Sequence[float] = DEFAULT_SPLIT_FRACTIONS) -> str:
    """The split (``train``, ``val`` or ``test``) of a source image, from the hash of its file name.

    ``name`` is the image's path relative to its folder, with ``/`` separators (for a flat folder,
    the file name).
    """
    f_train, f_val, _ = check_fractions(fractions)
    u = hash_fraction(name)
    if u < f_train:
        return "train"
    if u < f_train + f_val:
        return "val"
    return "test"


@dataclass(frozen=True)
class ManifestRow:
    """One sample of a synthetic set.

    Attributes:
        path: the image file (absolute).
        label: 0 real, 1 fake.
        video: the grouping id for video-level metrics (here: the sample id).
        split: ``train``, ``val`` or ``test``.
        method: the family name for fakes, ``real`` for reals.
        source: the source photo (relative to the photos folder).
        quality: the JPEG quality the image was saved with.
        mask: the manipulation mask PNG (absolute), ``None`` for reals.
    """

    path: Path
    label: int
    video: str
    split: str
    method: str
    source: str
    quality: int
    mask: Path | None


def read_manifest(manifest: str | os.PathLike) -> list[ManifestRow]:
    """Read ``manifest.csv`` (or the folder holding it); paths come back absolute.

    Raises:
        FileNotFoundError: no manifest there.
        ValueError: a missing column or a malformed value, naming the file and line.
    """
    path = Path(manifest)
    if path.is_dir():
        path = path / MANIFEST_NAME
    if not path.is_file():
        raise FileNotFoundError(f"manifest not found: {path}")
    root = path.parent.resolve()
    rows: list[ManifestRow] = []
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = [c for c in MANIFEST_COLUMNS if c not in (reader.fieldnames or ())]
        if missing:
            raise ValueError(f"{path}: missing column(s) {', '.join(missing)} (expected {', '.join(MANIFEST_COLUMNS)})")
        for line, rec in enumerate(reader, start=2):
            try:
                label, quality = int(rec["label"]), int(rec["quality"])
            except (TypeError, ValueError):
                raise ValueError(f"{path}:{line}: label and quality must be integers") from None
            if label not in (0, 1) or rec["split"] not in SPLITS:
                raise ValueError(f"{path}:{line}: label must be 0 or 1 and split one of {', '.join(SPLITS)}")
            rows.append(
                ManifestRow(
                    path=root / rec["path"],
                    label=label,
                    video=rec["video"],
                    split=rec["split"],
                    method=rec["method"],
                    source=rec["source"],
                    quality=quality,
                    mask=root / rec["mask"] if rec["mask"] else None,
                )
            )
    return rows


def protocol_splits(
    manifest: str | os.PathLike | Sequence[ManifestRow], protocol: str = "intra", held_out: str | None = None
) -> dict[str, list[ManifestRow]]:
    """Train / val / test sample lists for an evaluation protocol.

    Args:
        manifest: ``manifest.csv``, the folder holding it, or rows from :func:`read_manifest`.
        protocol: ``"intra"``: every family in every split. ``"cross"``: leave one family out: train
            and val hold no ``held_out`` fakes, test holds the test reals and the ``held_out`` fakes only.
        held_out: the family left out (``"cross"`` only).

    Returns:
        ``{"train": [...], "val": [...], "test": [...]}``, rows in manifest order.
    """
    rows = read_manifest(manifest) if isinstance(manifest, (str, os.PathLike)) else list(manifest)
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r} (choose from {', '.join(PROTOCOLS)})")
    by_split: dict[str, list[ManifestRow]] = {s: [r for r in rows if r.split == s] for s in SPLITS}
    if protocol == "intra":
        if held_out is not None:
            raise ValueError("held_out is only used by the 'cross' protocol")
        return by_split
    methods = sorted({r.method for r in rows if r.label == 1})
    if held_out not in methods:
        raise ValueError(
            f"the 'cross' protocol needs held_out = one of the set's families ({', '.join(methods) or 'none'}), "
            f"got {held_out!r}"
        )
    return {
        "train": [r for r in by_split["train"] if r.method != held_out],
        "val": [r for r in by_split["val"] if r.method != held_out],
        "test": [r for r in by_split["test"] if r.label == 0 or r.method == held_out],
    }
