"""Celeb-DF v2 (Li et al., 2020): frames per video under the three subset folders."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from ...io import IMAGE_EXTENSIONS
from ..sample import DatasetLayoutError, Sample
from ._common import Video, frames_of, require_dir, video_dirs

#: Subset folder -> label (0 real, 1 fake).
CELEBDF_SUBSETS = {"Celeb-real": 0, "YouTube-real": 0, "Celeb-synthesis": 1}
CELEBDF_TEST_LIST = "List_of_testing_videos.txt"

CELEBDF_LAYOUT = """\
  <root>/Celeb-real/<video>/<frame>.png        (real, e.g. id0_0000)
  <root>/YouTube-real/<video>/<frame>.png      (real, e.g. 00170)
  <root>/Celeb-synthesis/<video>/<frame>.png   (fake, e.g. id0_id1_0000)
  <root>/List_of_testing_videos.txt            (from the download: "<1 real | 0 fake> <subset>/<video>.mp4")
Celeb-DF ships videos (<subset>/<video>.mp4): extract frames or face crops into <subset>/<video>/ first."""


def read_celebdf_test_list(path: str | os.PathLike) -> dict[str, int]:
    """``"<subset>/<video>"`` -> label (0 real, 1 fake) for every line of ``List_of_testing_videos.txt``.

    In that file ``1`` means *real* and ``0`` fake; the labels returned use this package's convention
    (1 = fake). A line whose label disagrees with its subset folder is an error.
    """
    path = Path(path)
    if not path.is_file():
        raise DatasetLayoutError(
            f"Celeb-DF test list not found: {path} (it ships with Celeb-DF v2 as {CELEBDF_TEST_LIST}; or pass test_list=)"
        )
    videos: dict[str, int] = {}
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 2 or parts[0] not in ("0", "1"):
            raise DatasetLayoutError(f'{path}, line {line_no}: expected "<1|0> <subset>/<video>.mp4", got {line!r}')
        rel = PurePosixPath(parts[1].replace("\\", "/"))
        subset = rel.parts[0] if len(rel.parts) == 2 else None
        if subset not in CELEBDF_SUBSETS:
            raise DatasetLayoutError(
                f"{path}, line {line_no}: {parts[1]!r} is not <subset>/<video> with a subset in {list(CELEBDF_SUBSETS)}"
            )
        label = 1 - int(parts[0])  # the file's 1 is real
        if label != CELEBDF_SUBSETS[subset]:
            raise DatasetLayoutError(
                f"{path}, line {line_no}: {parts[1]!r} is marked {'real' if label == 0 else 'fake'} "
                f"but {subset} holds {'real' if CELEBDF_SUBSETS[subset] == 0 else 'fake'} videos"
            )
        videos[f"{subset}/{rel.stem}"] = label
    if not videos:
        raise DatasetLayoutError(f"{path}: the test list is empty")
    return videos


def celebdf_samples(
    root: str | os.PathLike,
    split: str | None,
    subsets: Sequence[str] | None = None,
    frames_per_video: int | None = None,
    test_list: str | os.PathLike | None = None,
    extensions: Sequence[str] = IMAGE_EXTENSIONS,
) -> list[Sample]:
    """Samples of Celeb-DF v2 (see ``CELEBDF_LAYOUT`` / docs/data.md).

    Args:
        root: the Celeb-DF v2 folder.
        split: ``"test"`` (the videos of ``List_of_testing_videos.txt``), ``"train"`` (every other
            video folder) or ``None`` (all video folders; ``split`` is filled in when the list exists).
        subsets: subset folders to use (default all three: Celeb-real, YouTube-real, Celeb-synthesis).
        frames_per_video: keep at most this many evenly spaced frames per video (``None``: all).
        test_list: the test list (default ``root/List_of_testing_videos.txt``).
        extensions: image file extensions.

    Video ids are ``"<subset>/<video>"``; ``method`` is the subset folder.
    """
    root = require_dir(Path(root).expanduser(), "Celeb-DF root folder")
    if split not in ("train", "test", None):
        raise ValueError(f"Celeb-DF split must be 'train', 'test' or None, got {split!r}")
    chosen = list(CELEBDF_SUBSETS) if subsets is None else list(dict.fromkeys(subsets))
    for s in chosen:
        if s not in CELEBDF_SUBSETS:
            raise ValueError(f"unknown Celeb-DF subset {s!r}; choose from {list(CELEBDF_SUBSETS)}")
    list_path = Path(test_list) if test_list is not None else root / CELEBDF_TEST_LIST
    test = read_celebdf_test_list(list_path) if split is not None or list_path.is_file() else None

    dataset = f"Celeb-DF (split={split})"
    videos: list[Video] = []
    for subset in chosen:
        label = CELEBDF_SUBSETS[subset]
        folder = require_dir(
            root / subset, f"Celeb-DF subset folder {subset!r}", hint=f"Expected layout:\n{CELEBDF_LAYOUT}"
        )
        if split == "test":
            assert test is not None
            names = [key.split("/", 1)[1] for key in test if key.startswith(f"{subset}/")]
        else:
            names = [p.name for p in video_dirs(folder, dataset, CELEBDF_LAYOUT)]
            if split == "train":
                assert test is not None
                names = [n for n in names if f"{subset}/{n}" not in test]
        for name in names:
            video = f"{subset}/{name}"
            video_split = None if test is None else ("test" if video in test else "train")
            videos.append(Video(folder / name, label, video, video_split, subset))
    return frames_of(videos, frames_per_video, extensions, dataset, CELEBDF_LAYOUT)
