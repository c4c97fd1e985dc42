"""The record every dataset in :mod:`disgrl.data` is built from."""

from __future__ import annotations

from dataclasses import dataclass

#: Label values: 0 = real, 1 = fake (the positive class of every metric).
REAL, FAKE = 0, 1
LABEL_NAMES = ("real", "fake")


class DatasetLayoutError(ValueError):
    """A dataset folder, split file or manifest does not look as expected (the message says how)."""


@dataclass(frozen=True)
class Sample:
    """One image of a forgery dataset.

    Attributes:
        path: the image file.
        label: 0 = real, 1 = fake.
        video: the video the frame comes from (for video-level metrics), or ``None``.
        split: ``"train"``, ``"val"``, ``"test"``, ... or ``None``.
        method: the manipulation family or source subset (``"Deepfakes"``, ``"Celeb-real"``), or ``None``.
    """

    path: str
    label: int
    video: str | None = None
    split: str | None = None
    method: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.label, bool) or self.label not in (REAL, FAKE):
            raise ValueError(f"{self.path}: label must be 0 (real) or 1 (fake), got {self.label!r}")
        object.__setattr__(self, "label", int(self.label))
        object.__setattr__(self, "path", str(self.path))


def class_counts(labels: list[int]) -> dict[int, int]:
    """``{0: number of real, 1: number of fake}`` (both keys always present)."""
    n_fake = sum(1 for y in labels if y == FAKE)
    return {REAL: len(labels) - n_fake, FAKE: n_fake}
