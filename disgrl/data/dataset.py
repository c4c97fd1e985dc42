"""A torch ``Dataset`` over :class:`~disgrl.data.Sample` records, with bad-file handling."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal

import torch
from PIL import Image
from torch import Tensor
from torch.utils.data import Dataset, default_collate

from ..io import DEFAULT_MAX_PIXELS, ImageLoadError, load_image
from ..transforms import image_to_tensor
from .sample import Sample, class_counts

logger = logging.getLogger("disgrl.data")

OnError = Literal["raise", "skip"]
Transform = Callable[[Image.Image], Tensor]


class ForgeryDataset(Dataset):
    """Images with real/fake labels, read with :func:`disgrl.io.load_image` (any mode -> RGB).

    ``dataset[i]`` is ``{"image": (3, H, W) float tensor, "label": int, "index": i}``. Without a
    ``transform`` the image is the un-normalised tensor in [0, 1] at its own size; pass
    :func:`~disgrl.data.make_transforms` output for model input.

    Args:
        samples: the records (``Sample``); at least one.
        transform: PIL RGB image -> ``(3, H, W)`` tensor.
        on_error: ``"raise"``: an unreadable file raises :class:`~disgrl.io.ImageLoadError` naming it;
            ``"skip"``: ``dataset[i]`` is ``None`` (logged once per file) and
            :func:`collate_skip_none` drops it from the batch and counts it.
        max_pixels: refuse images larger than this (see :func:`disgrl.io.load_image`).
    """

    def __init__(
        self,
        samples: Iterable[Sample],
        transform: Transform | None = None,
        on_error: OnError = "raise",
        max_pixels: int | None = DEFAULT_MAX_PIXELS,
    ) -> None:
        if on_error not in ("raise", "skip"):
            raise ValueError(f"on_error must be 'raise' or 'skip', got {on_error!r}")
        self.samples: list[Sample] = list(samples)
        if not self.samples:
            raise ValueError("the dataset has no samples")
        for s in self.samples:
            if not isinstance(s, Sample):
                raise TypeError(f"samples must be disgrl.data.Sample records, got {type(s).__name__}")
        self.transform = transform
        self.on_error = on_error
        self.max_pixels = max_pixels
        self._reported: set[str] = set()

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> dict[str, Any] | None:
        sample = self.samples[index]
        try:
            img = load_image(sample.path, max_pixels=self.max_pixels)
        except ImageLoadError as e:
            if self.on_error == "raise":
                raise
            if sample.path not in self._reported:
                self._reported.add(sample.path)
                logger.warning("skipping unreadable image %s", e)
            return None
        image = self.transform(img) if self.transform is not None else image_to_tensor(img)
        return {"image": image, "label": sample.label, "index": index}

    @property
    def labels(self) -> list[int]:
        """The label of every sample (0 real, 1 fake), in dataset order."""
        return [s.label for s in self.samples]

    @property
    def videos(self) -> list[str | None]:
        """The video id of every sample (``None`` where unknown), in dataset order."""
        return [s.video for s in self.samples]

    def class_counts(self) -> dict[int, int]:
        """``{0: number of real samples, 1: number of fake samples}``."""
        return class_counts(self.labels)

    def verify(self, num_workers: int = 0) -> list[tuple[str, str]]:
        """Read every image once and return ``(path, reason)`` for each file that cannot be read.

        Args:
            num_workers: threads reading files in parallel (0: read in this thread).
        """

        def check(path: str) -> tuple[str, str] | None:
            try:
                load_image(path, max_pixels=self.max_pixels)
            except ImageLoadError as e:
                return (path, e.reason)
            return None

        paths = list(dict.fromkeys(s.path for s in self.samples))  # each file once, in order
        if num_workers > 0:
            with ThreadPoolExecutor(max_workers=num_workers) as pool:
                results = list(pool.map(check, paths))
        else:
            results = [check(p) for p in paths]
        return [r for r in results if r is not None]

    def __repr__(self) -> str:
        counts = self.class_counts()
        return f"{type(self).__name__}(n={len(self)}, real={counts[0]}, fake={counts[1]}, on_error={self.on_error!r})"


def collate_skip_none(batch: Sequence[dict[str, Any] | None]) -> dict[str, Any]:
    """Collate dataset items, dropping ``None`` (unreadable files under ``on_error="skip"``).

    Returns ``default_collate`` of the remaining items plus ``"skipped"``: how many were dropped.
    When every item was dropped, ``image`` is an empty ``(0,)`` tensor and ``label`` / ``index``
    are empty ``int64`` tensors: skip batches where ``batch["label"].numel() == 0``.
    """
    kept = [item for item in batch if item is not None]
    skipped = len(batch) - len(kept)
    if not kept:
        empty = torch.empty(0, dtype=torch.long)
        return {"image": torch.empty(0), "label": empty, "index": empty.clone(), "skipped": skipped}
    out = default_collate(kept)
    out["skipped"] = skipped
    return out
