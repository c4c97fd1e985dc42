"""Try disgrl offline in a few seconds: manipulate the bundled sample photos, score them, draw maps.

Examples:
  disgrl demo                          # into demo-out/
  disgrl demo --out my-demo --n 20 --seed 3
  disgrl demo --weights runs/mine      # your own weights on the same kind of images

What it does:
  1. makes N images from the package's public-domain sample photos with the synthetic forgery
     generator (disgrl.data.synthetic): real crops and, for each, a manipulated twin (splice,
     copy-move, inpainting, resampling, colour / noise change), all JPEG-compressed alike;
  2. scores them with the demo weights disgrl_tiny.synthetic (or --weights), returning the
     reconstruction and difference maps;
  3. prints file, truth, label and score, and writes into OUT: images/ (the generated images,
     masks/ with the true manipulated regions, manifest.csv), maps/ (one PNG panel per image:
     input, Rec-1, Rec-2, Diff-1, Diff-2) and summary.json.

The demo weights were trained only on such synthetic manipulations of ordinary photos: they are
NOT a deepfake detector and say nothing about real-world images (docs/demo_weights.md).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

DEMO_WEIGHTS = "disgrl_tiny.synthetic"
NOT_A_DEEPFAKE_DETECTOR = (
    "These demo weights were trained only on synthetic manipulations (splice, copy-move, inpainting, "
    "resampling, colour / noise changes) of ordinary photos. They are NOT a deepfake detector and "
    "their scores mean nothing for real-world images."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    from disgrl.data.synthetic import PHOTO_FAMILIES

    p.add_argument("--out", default="demo-out", help="output folder (default demo-out)")
    p.add_argument(
        "--n",
        type=int,
        default=2 * len(PHOTO_FAMILIES),
        help=f"images to make, half real, half fake (default {2 * len(PHOTO_FAMILIES)}: one real and one fake per family)",
    )
    p.add_argument(
        "--weights",
        default=DEMO_WEIGHTS,
        metavar="REF",
        help=f"weights to score with: a folder, hf-hub:org/name or name.tag (default {DEMO_WEIGHTS}, shipped)",
    )
    p.add_argument("--seed", type=int, default=0, help="generator seed: other seeds, other crops and edits")
    p.add_argument("--device", help="cpu, cuda... (default: CUDA when available)")


def _prepare_out(out: Path) -> Path:
    """Make ``out``; a previous demo's ``images/`` and ``maps/`` there are replaced, other content
    in those two folders is refused (never deleted)."""
    previous = (out / "summary.json").is_file() and (out / "images" / "synthetic.json").is_file()
    for d in (out / "images", out / "maps"):
        if d.exists():
            if not previous and (not d.is_dir() or any(d.iterdir())):
                raise ValueError(f"--out {out}: {d} exists and was not made by `disgrl demo`; choose another --out")
            shutil.rmtree(d)
    out.mkdir(parents=True, exist_ok=True)
    return out / "images"


def run(args: argparse.Namespace) -> int:
    if args.n < 2:
        raise ValueError(f"--n must be at least 2 (a real image and a fake), got {args.n}")
    t0 = time.time()
    from disgrl import load_pretrained
    from disgrl._atomic import atomic_write_text
    from disgrl.assets import PHOTOS_DIR, sample_photos
    from disgrl.data.synthetic import PHOTO_FAMILIES, generate, read_manifest
    from disgrl.metrics import roc_auc

    out = Path(args.out).resolve()
    photos = sample_photos()
    images = _prepare_out(out)  # refuse a foreign folder before the (slower) weight loading
    detector = load_pretrained(args.weights, device=args.device)
    cfg = detector.model.pretrained_cfg or {}
    size = int(detector.model.data_config["input_size"][-1])
    is_demo = args.weights == DEMO_WEIGHTS
    description = cfg.get("description") or ""
    if not isinstance(description, str):
        description = json.dumps(description)

    print(f"weights: {args.weights}")
    print(f"  {NOT_A_DEEPFAKE_DETECTOR if is_demo else (description or 'no description recorded')}")
    manifest = generate(
        PHOTOS_DIR, images, n=args.n, seed=args.seed, size=size, families=PHOTO_FAMILIES, workers=0, progress=False,
        split_fractions=(1.0, 0.0, 0.0),
    )  # fmt: skip
    rows = read_manifest(manifest)
    print(
        f"made {len(rows)} images ({sum(r.label == 0 for r in rows)} real, {sum(r.label == 1 for r in rows)} fake; "
        f"{size}x{size}, seed {args.seed}) from {len(photos)} bundled public-domain photos in {images}"
    )

    preds = detector.predict([r.path for r in rows], return_maps=True)
    maps = out / "maps"
    maps.mkdir(parents=True, exist_ok=True)
    records: list[dict[str, Any]] = []
    for row, pred in zip(rows, preds):
        truth = "real" if row.label == 0 else f"fake ({row.method})"
        panel = detector.save_maps(pred, maps / f"{row.path.stem}_{'real' if row.label == 0 else row.method}.png")
        records.append({
            "file": row.path.relative_to(out).as_posix(),
            "truth": truth, "label": pred.label, "score": pred.score, "source_photo": row.source,
            "mask": row.mask.relative_to(out).as_posix() if row.mask else None,
            "maps": panel.relative_to(out).as_posix(),
        })  # fmt: skip

    width = max(len(r["file"]) for r in records)
    print(f"\n{'file':<{width}}  {'truth':<20}  {'label':<5}  score")
    for r in records:
        print(f"{r['file']:<{width}}  {r['truth']:<20}  {r['label']:<5}  {r['score']:.3f}")
    labels = [r.label for r in rows]
    scores = [float(r["score"]) for r in records]
    correct = sum((s >= 0.5) == bool(y) for s, y in zip(scores, labels))
    auc = roc_auc(labels, scores)
    summary = {
        "weights": str(args.weights),
        "about_the_weights": NOT_A_DEEPFAKE_DETECTOR if is_demo else description,
        "seed": args.seed,
        "n": len(records),
        "size": size,
        "families": list(PHOTO_FAMILIES),
        "photos": [p.name for p in photos],
        "correct_at_0.5": correct,
        "auc": None if auc != auc else auc,
        "predictions": records,
        "seconds": round(time.time() - t0, 2),
    }
    atomic_write_text(out / "summary.json", json.dumps(summary, indent=2) + "\n")
    print(f"\n{correct}/{len(records)} correct at threshold 0.5, AUC {auc:.2f} on these {len(records)} images.")
    recorded = cfg.get("metrics") or {}
    if "test_auc" in recorded:
        print(
            f"A handful of images says little: measured when the weights were made, AUC {recorded['test_auc']:.3f} "
            f"on {recorded.get('test_n_real', '?')} real and {recorded.get('test_n_fake', '?')} fake test images "
            "(docs/demo_weights.md)."
        )
    print(f"maps: {maps}/  summary: {out / 'summary.json'}  ({summary['seconds']:.1f} s)")
    if is_demo:
        print("Reminder: synthetic manipulations only; not a deepfake detector.", file=sys.stderr)
    return 0
