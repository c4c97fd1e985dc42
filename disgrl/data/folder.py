"""``root/real/**`` and ``root/fake/**``: a dataset from one folder per class."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Literal

from ..io import DEFAULT_MAX_PIXELS, IMAGE_EXTENSIONS
from ._files import count_other_files, list_images, normalize_extensions
from .dataset import ForgeryDataset, OnError, Transform
from .sample import DatasetLayoutError, Sample

DEFAULT_CLASS_DIRS: dict[str, int] = {"real": 0, "fake": 1}

VideoFrom = Literal["parent"] | Callable[[Path], "str | None"] | None


def folder_samples(
    root: str | os.PathLike,
    class_dirs: Mapping[str, int] | None = None,
    extensions: Sequence[str] = IMAGE_EXTENSIONS,
    video_from: VideoFrom = None,
) -> list[Sample]:
    """The samples of a class-per-folder tree (see :class:`ImageFolderDataset`)."""
    root = Path(root).expanduser()
    if not root.is_dir():
        raise DatasetLayoutError(f"dataset folder not found: {root}")
    class_dirs = dict(DEFAULT_CLASS_DIRS if class_dirs is None else class_dirs)
    if not class_dirs:
        raise ValueError("class_dirs must name at least one class folder")
    for name, label in class_dirs.items():
        if isinstance(label, bool) or label not in (0, 1):
            raise ValueError(f"class_dirs[{name!r}] must be 0 (real) or 1 (fake), got {label!r}")
    exts = normalize_extensions(extensions)
    samples: list[Sample] = []
    for name in sorted(class_dirs):
        folder = root / name
        if not folder.is_dir():
            present = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
            close = [p for p in present if p.lower() == name.lower()]
            hint = f" (folder names are case-sensitive: found {close[0]!r})" if close else ""
            raise DatasetLayoutError(
                f"class folder {str(folder)!r} not found{hint}; folders in {root}: {present or 'none'}. "
                f"Expected one sub-folder per class: {sorted(class_dirs)}"
            )
        files = list_images(folder, exts)
        if not files:
            others = count_other_files(folder)
            what = f"{others} file(s), none with an image extension {list(exts)}" if others else "no files"
            raise DatasetLayoutError(f"class folder {str(folder)!r} has no images ({what})")
        for path in files:
            samples.append(Sample(str(path), class_dirs[name], _video_id(path, root, video_from), None, name))
    return samples


def _video_id(path: Path, root: Path, video_from: VideoFrom) -> str | None:
    if video_from is None:
        return None
    if video_from == "parent":
        rel = path.relative_to(root)
        # a frame's video is its folder below the class folder; a lone image is a one-frame video
        return rel.parent.as_posix() if len(rel.parts) > 2 else rel.with_suffix("").as_posix()
    if callable(video_from):
        return video_from(path)
    raise ValueError(f"video_from must be None, 'parent' or a callable, got {video_from!r}")


class ImageFolderDataset(ForgeryDataset):
    """Images in one folder per class, searched recursively, in natural sorted order.

    ``root/real/**`` is real (label 0) and ``root/fake/**`` fake (label 1) by default. Files are
    picked by extension (others are ignored), and hidden files / folders (``.*``) are skipped. A
    class folder that is missing or holds no image raises :class:`~disgrl.data.DatasetLayoutError`
    naming it, so a typo never yields a one-class dataset. ``Sample.method`` is the class folder.

    Args:
        root: the dataset folder.
        transform: PIL RGB image -> tensor (default: un-normalised tensor in [0, 1]).
        class_dirs: class folder name -> label; several names may share a label, e.g.
            ``{"real": 0, "Deepfakes": 1, "FaceSwap": 1}``.
        extensions: file extensions read as images.
        on_error: ``"raise"`` or ``"skip"`` (see :class:`~disgrl.data.ForgeryDataset`).
        video_from: ``None`` (no video ids); ``"parent"``: frames stored as ``fake/<video>/<frame>.png``
            get the video id ``"fake/<video>"`` (the folder path below ``root``; an image directly in a
            class folder is its own video); or a callable ``Path -> str | None``.
        max_pixels: refuse images larger than this.
    """

    def __init__(
        self,
        root: str | os.PathLike,
        transform: Transform | None = None,
        class_dirs: Mapping[str, int] | None = None,
        extensions: Sequence[str] = IMAGE_EXTENSIONS,
        on_error: OnError = "raise",
        video_from: VideoFrom = None,
        max_pixels: int | None = DEFAULT_MAX_PIXELS,
    ) -> None:
        self.root = Path(root)
        samples = folder_samples(root, class_dirs, extensions, video_from)
        super().__init__(samples, transform=transform, on_error=on_error, max_pixels=max_pixels)
