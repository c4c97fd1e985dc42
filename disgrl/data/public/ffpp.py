"""FaceForensics++ (Rössler et al., 2019): frames extracted per video, official split files."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from ...io import IMAGE_EXTENSIONS
from ..sample import DatasetLayoutError, Sample
from ._common import Video, frames_of, require_dir, video_dirs

#: All manipulation methods of FF++; the paper uses the first four.
FFPP_METHODS = ("Deepfakes", "Face2Face", "FaceSwap", "NeuralTextures", "FaceShifter")
FFPP_PAPER_METHODS = FFPP_METHODS[:4]
FFPP_COMPRESSIONS = ("raw", "c23", "c40")
_ALIASES = {"df": "Deepfakes", "f2f": "Face2Face", "fs": "FaceSwap", "nt": "NeuralTextures", "fsh": "FaceShifter"}
_ALIASES.update({m.lower(): m for m in FFPP_METHODS})

FFPP_LAYOUT = """\
  <root>/original_sequences/youtube/<c23|c40|raw>/<frames_dir>/<video>/<frame>.png         (real, e.g. 071)
  <root>/manipulated_sequences/<Method>/<c23|c40|raw>/<frames_dir>/<id1>_<id2>/<frame>.png    (fake, e.g. 071_054)
  <root>/splits/{train,val,test}.json   (the official split files, or pass split_dir=)
FF++ ships videos (<...>/<comp>/videos/<video>.mp4): extract frames or face crops into
<frames_dir> ("faces" by default; "images" / "frames" are common) first, one folder per video."""


def ffpp_method(name: str) -> str:
    """The FF++ method folder for a name or abbreviation (``"df"``, ``"F2F"``, ``"neuraltextures"``)."""
    key = name.strip().lower()
    if key not in _ALIASES:
        raise ValueError(f"unknown FF++ method {name!r}; choose from {list(FFPP_METHODS)} or DF, F2F, FS, NT, FSh")
    return _ALIASES[key]


def read_ffpp_split(path: str | os.PathLike) -> list[tuple[str, str]]:
    """The video pairs of an official FF++ split file (``[["071", "054"], ...]``)."""
    path = Path(path)
    try:
        pairs = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DatasetLayoutError(f"FF++ split file not found: {path}") from None
    except json.JSONDecodeError as e:
        raise DatasetLayoutError(f"{path}: not valid JSON ({e.msg}, line {e.lineno})") from None
    ok = isinstance(pairs, list) and all(
        isinstance(p, (list, tuple)) and len(p) == 2 and all(isinstance(v, str) for v in p) for p in pairs
    )
    if not ok or not pairs:
        raise DatasetLayoutError(f'{path}: expected a non-empty JSON list of video-id pairs like [["071", "054"], ...]')
    return [(a, b) for a, b in pairs]


def ffpp_samples(
    root: str | os.PathLike,
    split: str | None,
    compression: str = "c23",
    methods: Sequence[str] | None = None,
    frames_dir: str = "faces",
    frames_per_video: int | None = None,
    real: bool = True,
    split_dir: str | os.PathLike | None = None,
    extensions: Sequence[str] = IMAGE_EXTENSIONS,
) -> list[Sample]:
    """Samples of FaceForensics++ at one compression level (see ``FFPP_LAYOUT`` / docs/data.md).

    Args:
        root: the FF++ download folder (holding ``original_sequences`` and ``manipulated_sequences``).
        split: ``"train"``, ``"val"`` or ``"test"`` (videos of the official split file), or ``None``
            for every video folder on disk.
        compression: ``"c23"`` (HQ), ``"c40"`` (LQ) or ``"raw"``.
        methods: manipulation methods (names or DF / F2F / FS / NT / FSh); default the paper's four.
            An empty list gives real videos only.
        frames_dir: the folder holding one sub-folder of frames per video.
        frames_per_video: keep at most this many evenly spaced frames per video (``None``: all).
        real: include the real (original youtube) videos.
        split_dir: folder of ``train.json`` / ``val.json`` / ``test.json`` (default:
            ``root/splits``, then ``root``).
        extensions: image file extensions.

    Video ids are ``"original/071"`` and ``"<Method>/071_054"``; ``method`` is ``"original"`` for
    real frames and the method name for fakes.
    """
    root = require_dir(Path(root).expanduser(), "FF++ root folder")
    if compression not in FFPP_COMPRESSIONS:
        raise ValueError(f"compression must be one of {list(FFPP_COMPRESSIONS)}, got {compression!r}")
    chosen = list(FFPP_PAPER_METHODS) if methods is None else list(dict.fromkeys(ffpp_method(m) for m in methods))
    if not real and not chosen:
        raise ValueError("nothing selected: real=False and no methods")
    pairs = None if split is None else read_ffpp_split(_split_file(root, split, split_dir))

    groups: list[tuple[Path, int, str, list[str] | None]] = []  # (base folder, label, method, video names)
    if real:
        ids = None if pairs is None else list(dict.fromkeys(v for pair in pairs for v in pair))
        groups.append((root / "original_sequences" / "youtube", 0, "original", ids))
    for method in chosen:
        ids = None if pairs is None else [n for a, b in pairs for n in (f"{a}_{b}", f"{b}_{a}")]
        groups.append((root / "manipulated_sequences" / method, 1, method, ids))

    dataset = f"FF++ ({compression}, split={split})"
    videos: list[Video] = []
    for base, label, method, ids in groups:
        require_dir(base, f"FF++ folder for {method!r}", hint=f"Expected layout:\n{FFPP_LAYOUT}")
        comp = require_dir(base / compression, f"FF++ {compression} folder for {method!r}")
        folder = require_dir(
            comp / frames_dir,
            f"FF++ frames folder {frames_dir!r} for {method!r}",
            hint=f"Extract frames or face crops per video first, or pass frames_dir=. Expected layout:\n{FFPP_LAYOUT}",
        )
        names = [p.name for p in video_dirs(folder, dataset, FFPP_LAYOUT)] if ids is None else ids
        videos += [Video(folder / n, label, f"{method}/{n}", split, method) for n in names]
    return frames_of(videos, frames_per_video, extensions, dataset, FFPP_LAYOUT)


def _split_file(root: Path, split: str, split_dir: str | os.PathLike | None) -> Path:
    if split not in ("train", "val", "test"):
        raise ValueError(f"FF++ split must be 'train', 'val', 'test' or None, got {split!r}")
    folders = [Path(split_dir).expanduser()] if split_dir is not None else [root / "splits", root]
    for folder in folders:
        if (folder / f"{split}.json").is_file():
            return folder / f"{split}.json"
    raise DatasetLayoutError(
        f"FF++ split file {split}.json not found in {[str(f) for f in folders]}; get the official files from "
        "https://github.com/ondyari/FaceForensics/tree/master/dataset/splits and put them in <root>/splits "
        "(or pass split_dir=)"
    )
