"""Fine-tune a small DisGRL from scratch on a folder of real and fake images, on a CPU.

1. Makes a folder from plain photographs: real/NNNN.jpg are random square crops; fake/NNNN.jpg
   is the same crop with a rectangle from *another* photo pasted in (rescaled 2-4x, as a
   pasted-in object usually is). Photos are split into train / val by a hash of their name.
2. Trains `disgrl_tiny` on it with the paper's recipe (a higher learning rate, since it starts
   from random weights) and `pair_by="stem"`, which keeps each real crop and its fake in one batch.
3. Reports validation ACC / AUC / EER and writes OUT/result.json.

The same as the command line:
    disgrl train --data OUT/data --model disgrl_tiny --input-size 96 --out OUT/run \\
        --epochs 6 --lr 2e-3 --pair-by stem

This is a pipeline check on an easy manipulation, not a benchmark; see docs/benchmarks.md.

Run:  python examples/finetune_folder.py --photos ../shared/data/photos --out runs/example
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path

import numpy as np
from PIL import Image

from disgrl.io import is_image_file, load_image


def make_folder(
    photos: Path, out: Path, pairs: int, size: int, seed: int, split: str, enlarge: tuple[float, float] = (2.0, 4.0)
) -> int:
    """Write ``pairs`` real/fake pairs of ``split``'s photos into ``out/{real,fake}``; the pasted
    region is a region of another crop enlarged by a factor drawn from ``enlarge``."""
    files = sorted(p for p in photos.iterdir() if is_image_file(p))
    mine = [p for p in files if (hashlib.sha1(p.name.encode()).digest()[0] < 218) == (split == "train")]
    images = [load_image(p) for p in mine]
    rng = np.random.default_rng([seed, split == "train"])
    (out / "real").mkdir(parents=True, exist_ok=True)
    (out / "fake").mkdir(parents=True, exist_ok=True)

    def crop(img: Image.Image) -> np.ndarray:
        w, h = img.size
        s = int(min(w, h) * rng.uniform(0.4, 1.0))
        x, y = int(rng.integers(0, w - s + 1)), int(rng.integers(0, h - s + 1))
        return np.asarray(img.crop((x, y, x + s, y + s)).resize((size, size), Image.BILINEAR))

    for i in range(pairs):
        real = crop(images[rng.integers(len(images))])
        fake = real.copy()
        donor = crop(images[rng.integers(len(images))])
        ph, pw = (int(v) for v in rng.integers(size // 4, size // 2, 2))
        f = rng.uniform(*enlarge)  # the pasted region is a smaller region, enlarged
        sh, sw = max(2, int(ph / f)), max(2, int(pw / f))
        by, bx = int(rng.integers(0, size - sh)), int(rng.integers(0, size - sw))
        y, x = int(rng.integers(0, size - ph)), int(rng.integers(0, size - pw))
        patch = Image.fromarray(donor[by : by + sh, bx : bx + sw]).resize((pw, ph), Image.BILINEAR)
        fake[y : y + ph, x : x + pw] = np.asarray(patch)
        quality = int(rng.choice([95, 75]))  # the same re-encoding for both sides of a pair
        Image.fromarray(real).save(out / "real" / f"{i:05d}.jpg", quality=quality)
        Image.fromarray(fake).save(out / "fake" / f"{i:05d}.jpg", quality=quality)
    return len(mine)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", default="../shared/data/photos", help="a folder of real photographs")
    parser.add_argument("--out", default="runs/finetune_example", help="output folder (data, run, result.json)")
    parser.add_argument("--train-pairs", type=int, default=1200, help="real/fake pairs for training")
    parser.add_argument("--val-pairs", type=int, default=200, help="real/fake pairs for validation")
    parser.add_argument("--size", type=int, default=96, help="image size (the model's input size)")
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--lr-step-epochs", type=int, default=5, help="halve the learning rate every N epochs")
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--enlarge", type=float, nargs=2, default=(2.0, 4.0), help="range of the pasted region's scaling"
    )
    args = parser.parse_args()

    import disgrl
    from disgrl.train import TrainConfig, Trainer, seed_everything
    from disgrl.train.datasets import build_datasets

    out, start = Path(args.out), time.time()
    data = out / "data"
    photos, enlarge = Path(args.photos), tuple(args.enlarge)
    n_train = make_folder(photos, data / "train", args.train_pairs, args.size, args.seed, "train", enlarge)
    n_val = make_folder(photos, data / "val", args.val_pairs, args.size, args.seed, "val", enlarge)
    print(f"made {2 * args.train_pairs} training images from {n_train} photos, "
          f"{2 * args.val_pairs} validation images from {n_val} others ({time.time() - start:.0f} s)")  # fmt: skip

    seed_everything(args.seed)
    model = disgrl.create_model("disgrl_tiny")
    model.pretrained_cfg["input_size"] = (3, args.size, args.size)
    train, val = build_datasets(data, data_config=model.data_config)
    config = TrainConfig(
        epochs=args.epochs,
        lr=args.lr,
        lr_step_epochs=args.lr_step_epochs,
        batch_size=args.batch_size,
        pair_by="stem",
        seed=args.seed,
        progress=False,
    )
    result = Trainer(model, train, val, config, out_dir=out / "run").fit()
    last = result.history[-1]
    summary = {
        "best_auc": result.best_auc, "best_epoch": result.best_epoch, "val_acc": last.get("val_acc"),
        "val_auc": last.get("val_auc"), "val_eer": last.get("val_eer"), "seconds": round(time.time() - start, 1),
    }  # fmt: skip
    (out / "result.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary))
    print(f"weights: {out / 'run'}  (disgrl predict IMAGE --weights {out / 'run'})")


if __name__ == "__main__":
    main()
