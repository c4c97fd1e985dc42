"""Score images as real or fake.

Examples:
  disgrl predict photo.jpg --weights disgrl_tiny.synthetic
  disgrl predict photos/ "more/*.png" --weights RUN_DIR --json > scores.jsonl
  disgrl predict photo.jpg --weights hf-hub:org/name --save-maps maps/

PATHS may be files, folders (searched recursively for images) or quoted glob patterns.
Files that cannot be read are reported and skipped; the exit code is non-zero only when
nothing could be scored.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH", help="image files, folders or glob patterns")
    p.add_argument(
        "--weights",
        required=True,
        metavar="REF",
        help="a weights folder (e.g. a training run), hf-hub:org/name[@revision], or a registered "
        "name.tag such as disgrl_tiny.synthetic (see `disgrl list-models --pretrained`)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object per image instead of a table")
    p.add_argument(
        "--save-maps", metavar="DIR", help="write a PNG panel (input, reconstructions, difference maps) per image"
    )
    p.add_argument("--device", help="cpu, cuda, cuda:1... (default: CUDA when available)")
    p.add_argument("--batch-size", type=int, default=32, help="images per forward pass (default 32)")
    p.add_argument(
        "--threshold", type=float, default=0.5, help="score at or above which an image is 'fake' (default 0.5)"
    )
    p.add_argument("--autocast", choices=["bf16", "fp16"], help="mixed precision (GPU)")
    p.add_argument("--offline", action="store_true", help="only use the local Hugging Face cache")


def run(args: argparse.Namespace) -> int:
    from disgrl import load_pretrained

    detector = load_pretrained(args.weights, device=args.device, local_files_only=args.offline, autocast=args.autocast)
    preds = detector.predict(
        args.paths,
        batch_size=args.batch_size,
        threshold=args.threshold,
        return_maps=bool(args.save_maps),
        on_error="skip",
    )
    maps_dir = Path(args.save_maps) if args.save_maps else None
    for i, p in enumerate(preds):
        if maps_dir is not None and p.ok:
            name = Path(p.source).stem if not p.source.startswith("<") else f"input{i}"
            detector.save_maps(p, maps_dir / f"{i:04d}_{name}.png")
    if args.json:
        for p in preds:
            print(json.dumps(p.to_dict()))
    else:
        width = max([len(p.source) for p in preds] + [4])
        print(f"{'file':<{width}}  {'label':<5}  score")
        for p in preds:
            if p.ok:
                print(f"{p.source:<{width}}  {p.label:<5}  {p.score:.4f}")
            else:
                print(f"{p.source:<{width}}  error  {p.error}")
    scored = sum(p.ok for p in preds)
    failed = len(preds) - scored
    if failed:
        print(f"{failed} of {len(preds)} input(s) could not be scored", file=sys.stderr)
    return 0 if scored else 1
