"""Evaluate trained weights on a labelled folder (real/ and fake/) or manifest.

Examples:
  disgrl eval --data test_data --weights runs/mine
  disgrl eval --data test.csv --weights hf-hub:org/name --out metrics.json

Prints ACC (at --threshold), AUC, EER and AP, at frame level and, when images are grouped in
per-video sub-folders (fake/<video>/<frame>.png) or the manifest has a video column, at video
level (mean frame probability per video, the usual video-level protocol). The same numbers go to --out as JSON.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", required=True, help="folder with real/ and fake/ (or a test/ sub-folder), or a manifest")
    p.add_argument(
        "--weights", required=True, help="a run folder, a model.safetensors inside one, hf-hub:org/name, or name.tag"
    )
    p.add_argument("--out", default="eval.json", help="where to write the metrics as JSON (default eval.json)")
    p.add_argument(
        "--split", default="test", help="manifest split / sub-folder to evaluate when present (default test)"
    )
    p.add_argument("--batch-size", type=int, default=32, help="images per forward pass (default 32)")
    p.add_argument("--threshold", type=float, default=0.5, help="decision threshold for ACC (default 0.5)")
    p.add_argument("--device", help="cpu, cuda, ... (default: CUDA when available)")
    p.add_argument("--workers", type=int, default=0, help="data-loading processes (default 0)")
    p.add_argument("--skip-bad-images", action="store_true", help="skip (and count) unreadable images")


def run(args: argparse.Namespace) -> int:
    import torch

    from .._atomic import atomic_write_text
    from .._hub import load_model
    from ..data import ImageFolderDataset, ManifestDataset
    from ..train import evaluate
    from ..transforms import eval_transform

    weights = Path(args.weights)
    model = load_model(weights.parent if weights.is_file() and weights.suffix == ".safetensors" else args.weights)
    device = torch.device(args.device) if args.device else torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model.to(device)
    kw = {"transform": eval_transform(model.data_config), "on_error": "skip" if args.skip_bad_images else "raise"}
    data = Path(args.data)
    if data.is_file():
        splits = {s.split for s in ManifestDataset(data, **kw).samples}
        dataset = ManifestDataset(data, split=args.split if args.split in splits else None, **kw)
    else:
        root = data / args.split if (data / args.split).is_dir() else data
        dataset = ImageFolderDataset(root, video_from="parent", **kw)
    metrics = evaluate(model, dataset, batch_size=args.batch_size, device=device, threshold=args.threshold,
                       num_workers=args.workers)  # fmt: skip
    record = {"data": str(args.data), "weights": str(args.weights), "threshold": args.threshold, **metrics}
    atomic_write_text(args.out, json.dumps(record, indent=2) + "\n")
    print(f"{'metric':<12} value")
    for k, v in metrics.items():
        shown = "nan" if isinstance(v, float) and math.isnan(v) else (f"{v:.4f}" if isinstance(v, float) else str(v))
        print(f"{k:<12} {shown}")
    print(f"written to {args.out}")
    return 0
