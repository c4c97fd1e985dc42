"""Datasets for training and evaluating forgery detectors.

- :class:`Sample`: one image (path, label 0 real / 1 fake, video, split, method).
- :class:`ForgeryDataset`: a torch ``Dataset`` over samples, with bad-file handling
  (``on_error="raise" | "skip"`` and :func:`collate_skip_none`).
- :class:`ImageFolderDataset` (``root/real/**``, ``root/fake/**``) and :class:`ManifestDataset`
  (CSV / JSONL).
- Adapters for FaceForensics++, Celeb-DF v2, WildDeepfake and DFDC (:func:`public_samples`).
- :func:`balance_classes`, :func:`class_balanced_sampler`, :func:`make_transforms`.

See docs/data.md.
"""

from __future__ import annotations

from .dataset import ForgeryDataset, collate_skip_none
from .folder import ImageFolderDataset, folder_samples
from .manifest import ManifestDataset, parse_label, read_manifest, write_manifest
from .public import (
    PUBLIC_DATASETS,
    celebdf_samples,
    dfdc_samples,
    ffpp_samples,
    public_samples,
    wilddeepfake_samples,
)
from .sample import DatasetLayoutError, Sample
from .sampling import balance_classes, class_balanced_sampler
from .transforms import make_transforms

__all__ = [
    "PUBLIC_DATASETS",
    "DatasetLayoutError",
    "ForgeryDataset",
    "ImageFolderDataset",
    "ManifestDataset",
    "Sample",
    "balance_classes",
    "celebdf_samples",
    "class_balanced_sampler",
    "collate_skip_none",
    "dfdc_samples",
    "ffpp_samples",
    "folder_samples",
    "make_transforms",
    "parse_label",
    "public_samples",
    "read_manifest",
    "wilddeepfake_samples",
    "write_manifest",
]
