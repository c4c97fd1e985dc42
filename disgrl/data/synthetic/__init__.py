"""Synthetic image-forgery benchmark: real crops and manipulated fakes with masks, made offline.

Quick start::

    from disgrl.data.synthetic import generate, protocol_splits

    manifest = generate("photos/", "synthetic/", n=2000, seed=0, cutouts="cutouts/")
    splits = protocol_splits(manifest, "cross", held_out="inpaint")  # leave-one-family-out

See ``docs/synthetic.md`` for the families, the JPEG policy, the splits and the protocols.
"""

from __future__ import annotations

from .families import FAMILIES, INPAINT_BACKENDS, PHOTO_FAMILIES, FaceRegion, inpaint_numpy, opencv_available
from .generator import (
    DEFAULT_QUALITIES,
    GENERATOR_VERSION,
    RenderedSample,
    SamplePlan,
    SyntheticConfig,
    build_config,
    encode_jpeg,
    generate,
    load_face_boxes,
    plan_sample,
    render_sample,
)
from .masks import SHAPES, random_mask
from .protocols import (
    DEFAULT_SPLIT_FRACTIONS,
    MANIFEST_COLUMNS,
    PROTOCOLS,
    SPLITS,
    ManifestRow,
    protocol_splits,
    read_manifest,
    split_of,
)

__all__ = [
    "DEFAULT_QUALITIES",
    "DEFAULT_SPLIT_FRACTIONS",
    "FAMILIES",
    "GENERATOR_VERSION",
    "INPAINT_BACKENDS",
    "MANIFEST_COLUMNS",
    "PHOTO_FAMILIES",
    "PROTOCOLS",
    "SHAPES",
    "SPLITS",
    "FaceRegion",
    "ManifestRow",
    "RenderedSample",
    "SamplePlan",
    "SyntheticConfig",
    "build_config",
    "encode_jpeg",
    "generate",
    "inpaint_numpy",
    "load_face_boxes",
    "opencv_available",
    "plan_sample",
    "protocol_splits",
    "random_mask",
    "read_manifest",
    "render_sample",
    "split_of",
]
