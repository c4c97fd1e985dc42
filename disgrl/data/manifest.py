"""Manifests: a CSV / TSV (header ``path,label[,video,split,method]``) or JSONL file of samples."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ..io import DEFAULT_MAX_PIXELS
from .dataset import ForgeryDataset, OnError, Transform
from .sample import DatasetLayoutError, Sample

COLUMNS = ("path", "label", "video", "split", "method")
_FORMATS = {".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
_LABELS = {"0": 0, "1": 1, "real": 0, "fake": 1}


def parse_label(value: Any) -> int:
    """``0`` / ``1`` / ``"0"`` / ``"1"`` / ``"real"`` / ``"fake"`` (any case) -> 0 or 1; ``ValueError`` otherwise."""
    if isinstance(value, bool):
        raise ValueError(f"label must be 0/1 or 'real'/'fake', got the boolean {value!r}")
    if isinstance(value, int) and value in (0, 1):
        return value
    if isinstance(value, float) and value in (0.0, 1.0):
        return int(value)
    if isinstance(value, str) and value.strip().lower() in _LABELS:
        return _LABELS[value.strip().lower()]
    raise ValueError(f"label must be 0/1 or 'real'/'fake', got {value!r}")


def read_manifest(
    path: str | os.PathLike,
    root: str | os.PathLike | None = None,
    split: str | Sequence[str] | None = None,
    format: str | None = None,
) -> list[Sample]:
    """The samples listed in a manifest file.

    Args:
        path: a ``.csv`` / ``.tsv`` file with a header row, or a ``.jsonl`` / ``.ndjson`` file with
            one JSON object per line. Keys: ``path`` and ``label`` (required), ``video``, ``split``,
            ``method`` (optional; empty means unknown); other columns are ignored.
        root: folder that relative image paths are resolved against (default: the manifest's folder).
        split: keep only rows whose ``split`` is this value (or one of these values).
        format: ``"csv"``, ``"tsv"`` or ``"jsonl"`` (default: from the file extension).

    Raises:
        DatasetLayoutError: a missing file or column, a bad label (message gives file and line
            number), or no row left after the split filter.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise DatasetLayoutError(f"manifest not found: {path}")
    fmt = format or _FORMATS.get(path.suffix.lower())
    if fmt not in ("csv", "tsv", "jsonl"):
        raise DatasetLayoutError(
            f"{path}: cannot tell the manifest format from the extension {path.suffix!r}; "
            f"use .csv, .tsv, .jsonl or pass format='csv' / 'tsv' / 'jsonl'"
        )
    base = Path(root).expanduser() if root is not None else path.parent
    rows = _read_jsonl(path) if fmt == "jsonl" else _read_csv(path, "\t" if fmt == "tsv" else ",")
    samples: list[Sample] = []
    for line, row in rows:
        where = f"{path}, line {line}"
        file = _text(row.get("path"))
        if file is None:
            raise DatasetLayoutError(f"{where}: empty 'path'")
        try:
            label = parse_label(row.get("label"))
        except ValueError as e:
            raise DatasetLayoutError(f"{where}: {e}") from None
        file_path = Path(file).expanduser()
        if not file_path.is_absolute():
            file_path = base / file_path
        samples.append(
            Sample(str(file_path), label, _text(row.get("video")), _text(row.get("split")), _text(row.get("method")))
        )
    if not samples:
        raise DatasetLayoutError(f"{path}: the manifest lists no samples")
    if split is not None:
        wanted = {split} if isinstance(split, str) else set(split)
        present = sorted({s.split for s in samples if s.split is not None})
        if not present:
            raise DatasetLayoutError(f"{path}: split={split!r} was asked for but the manifest has no 'split' values")
        samples = [s for s in samples if s.split in wanted]
        if not samples:
            raise DatasetLayoutError(f"{path}: no rows with split {sorted(wanted)}; splits present: {present}")
    return samples


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _read_csv(path: Path, delimiter: str) -> Iterator[tuple[int, dict[str, Any]]]:
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f, delimiter=delimiter)
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
        missing = [c for c in ("path", "label") if c not in header]
        if missing:
            raise DatasetLayoutError(
                f"{path}, line 1: the header must name the columns 'path' and 'label' "
                f"(optional: video, split, method); missing {missing}, found {reader.fieldnames}"
            )
        reader.fieldnames = header
        for row in reader:
            if not any(_text(v) for v in row.values() if not isinstance(v, list)):
                continue  # blank line
            yield reader.line_num, row


def _read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with open(path, encoding="utf-8-sig") as f:
        for line, text in enumerate(f, start=1):
            if not text.strip():
                continue
            try:
                row = json.loads(text)
            except json.JSONDecodeError as e:
                raise DatasetLayoutError(f"{path}, line {line}: not valid JSON ({e.msg})") from None
            if not isinstance(row, dict):
                raise DatasetLayoutError(f"{path}, line {line}: expected a JSON object, got {type(row).__name__}")
            missing = [c for c in ("path", "label") if c not in row]
            if missing:
                raise DatasetLayoutError(f"{path}, line {line}: missing key(s) {missing}")
            yield line, row


class ManifestDataset(ForgeryDataset):
    """The images listed in a CSV / TSV / JSONL manifest (see :func:`read_manifest`).

    Labels may be ``0`` / ``1`` or ``"real"`` / ``"fake"`` (any case); anything else raises an error
    naming the file and line. Relative paths resolve against ``root`` (default: the manifest's folder).

    Args:
        path: the manifest.
        root: folder for relative image paths.
        split: keep only these rows (the ``split`` column).
        transform: PIL RGB image -> tensor.
        on_error: ``"raise"`` or ``"skip"`` (see :class:`~disgrl.data.ForgeryDataset`).
        format: ``"csv"``, ``"tsv"`` or ``"jsonl"`` (default: from the extension).
        max_pixels: refuse images larger than this.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        root: str | os.PathLike | None = None,
        split: str | Sequence[str] | None = None,
        transform: Transform | None = None,
        on_error: OnError = "raise",
        format: str | None = None,
        max_pixels: int | None = DEFAULT_MAX_PIXELS,
    ) -> None:
        self.path = Path(path)
        samples = read_manifest(path, root=root, split=split, format=format)
        super().__init__(samples, transform=transform, on_error=on_error, max_pixels=max_pixels)


def write_manifest(samples: Sequence[Sample], path: str | os.PathLike) -> Path:
    """Write samples as a manifest that :func:`read_manifest` reads back (format from the extension).

    Paths are written as stored in the samples (absolute for the dataset adapters).
    """
    path = Path(path)
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"{path}: manifest extension must be .csv, .tsv, .jsonl or .ndjson")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        if fmt == "jsonl":
            for s in samples:
                f.write(json.dumps({k: getattr(s, k) for k in COLUMNS}) + "\n")
        else:
            writer = csv.writer(f, delimiter="\t" if fmt == "tsv" else ",")
            writer.writerow(COLUMNS)
            for s in samples:
                writer.writerow(["" if getattr(s, k) is None else getattr(s, k) for k in COLUMNS])
    return path
