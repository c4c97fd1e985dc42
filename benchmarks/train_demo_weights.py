"""Train the demo weights ``disgrl_tiny.synthetic``: a small DisGRL, from random weights, on a CPU,
on the synthetic forgery benchmark (docs/synthetic.md), and measure them on a fresh test split.

    nice -n 10 python benchmarks/train_demo_weights.py --work runs/demo_weights

Steps (docs/demo_weights.md has the recipe, the results and what the weights are not):

1. generate the training set, ``disgrl.data.synthetic.generate(photos, WORK/data, n=--n,
   seed=--seed, size=--size)``: the five photo families (no ``face``), JPEG qualities 95 / 75.
   Intra protocol: train on its ``train`` split, select the checkpoint by AUC on its ``val`` split.
2. train ``disgrl_tiny`` (MobileNetV2-0.5, no ImageNet weights) with the paper's loss (Eq. 12:
   BCE with flooding + 0.1 x the two real-only reconstruction terms + 0.1 x the metric-learning
   term) **plus an auxiliary mask loss** (``--mask-weight``; 0 turns it off): two 1x1-conv probes,
   on the encoder's stride-8 feature F3 and on the map the classifier pools, predict the
   generator's manipulation mask (average-pooled to their resolution; all zeros for reals), BCE.
   The probes exist only in this script: the saved model is a plain ``disgrl_tiny``. Without
   them a from-scratch tiny model stays near chance for CPU-sized budgets (docs/demo_weights.md).
   Each batch holds real crops *and the fakes made from them* (the generator's twins), flipped
   alike. Adam, linear warm-up then cosine decay; images are decoded once and kept in memory.
3. generate a **fresh** set with another seed (``--test-seed``), and score the selected model
   *as shipped* (fp16 file, reloaded with ``disgrl.load_pretrained`` and run through the
   library's own file loading and transforms) on its ``test`` split only: test-split photos,
   never seen in training or selection. AUC / ACC / EER / AP and each family's AUC.
4. write the weights folder (fp16 safetensors + config.json with the metrics and an exact
   description of the training data, a model card README.md) and ``WORK/result.json``.

Defaults are stage 1 of the shipped weights' recipe; stage 2 continued from its best checkpoint
(``--init``, docs/demo_weights.md has both commands). Needs OpenCV for the ``inpaint`` family's
default backend (the backend is recorded; with numpy inpainting the pixels differ).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shlex
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import Tensor, nn

from disgrl.data.synthetic import PHOTO_FAMILIES as FAMILIES  # the five families without faces
from disgrl.metrics import per_method_auc
from disgrl.train.data import twin_key

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO / ".." / "shared" / "data").resolve()
DEFAULT_OUT = REPO / "disgrl" / "weights" / "disgrl_tiny.synthetic"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--photos", default=str(SHARED / "photos"), help="folder of real photographs")
    p.add_argument("--cutouts", default=str(SHARED / "cutouts"), help="folder of RGBA cut-outs ('' for none)")
    p.add_argument("--work", default="runs/demo_weights", help="generated data, checkpoints, result.json")
    p.add_argument("--out", default=str(DEFAULT_OUT), help="where the weights folder is written")
    p.add_argument("--n", type=int, default=16000, help="samples generated for train + val (seed --seed)")
    p.add_argument(
        "--n-test", type=int, default=8000, help="samples generated with --test-seed; its test split is used"
    )
    p.add_argument("--size", type=int, default=128, help="generated image side = model input side")
    p.add_argument("--steps", type=int, default=3000, help="optimiser steps")
    p.add_argument("--batch-size", type=int, default=32, help="images per step (half real, half their fakes)")
    p.add_argument("--lr", type=float, default=2e-3, help="peak Adam learning rate")
    p.add_argument("--warmup", type=int, default=100, help="linear warm-up steps")
    p.add_argument("--weight-decay", type=float, default=1e-5)
    p.add_argument("--mask-weight", type=float, default=1.0, help="weight of the auxiliary mask loss (0 = off)")
    p.add_argument(
        "--amplify",
        type=float,
        default=4.0,
        help="curriculum: fakes start as real + A x (fake - real) inside the mask, A falling linearly to 1 (1 = off)",
    )
    p.add_argument("--amplify-until", type=float, default=0.5, help="fraction of --steps after which A = 1")
    p.add_argument("--eval-every", type=int, default=250, help="validate (and keep the best) every N steps")
    p.add_argument("--val-max", type=int, default=600, help="validate on the first N val samples (0 = all)")
    p.add_argument(
        "--init",
        help="start from these weights (a weights folder or a state-dict .pt, e.g. WORK/best.pt of an earlier run) "
        "instead of random ones: a second stage",
    )
    p.add_argument("--seed", type=int, default=0, help="data and training seed")
    p.add_argument("--test-seed", type=int, default=1, help="seed of the fresh test set")
    p.add_argument("--device", default="cpu", help="training device (cpu, cuda); the test always runs on the CPU")
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (0 = torch's default)")
    p.add_argument("--gen-workers", type=int, default=None, help="generator processes (default: one per CPU)")
    p.add_argument("--no-save", action="store_true", help="do not write --out (recipe experiments)")
    return p.parse_args(argv)


# ------------------------------------------------------------------------------------------ data


def load_rows(rows: list, size: int) -> dict[str, Any]:
    """Decode a split into memory: uint8 images ``(N, 3, S, S)``, uint8 masks ``(N, S, S)`` (zeros
    for reals), labels, family names and the twin id (sample ``2k`` and its fake ``2k + 1``)."""
    n = len(rows)
    images = torch.empty((n, 3, size, size), dtype=torch.uint8)
    masks = torch.zeros((n, size, size), dtype=torch.uint8)
    for i, r in enumerate(rows):
        with Image.open(r.path) as im:
            a = np.asarray(im.convert("RGB"))
        if a.shape[:2] != (size, size):
            raise ValueError(f"{r.path}: expected a {size}x{size} image, got {a.shape[1]}x{a.shape[0]}")
        images[i] = torch.from_numpy(a.copy()).permute(2, 0, 1)
        if r.mask is not None:
            with Image.open(r.mask) as m:
                masks[i] = torch.from_numpy(np.asarray(m.convert("L")).copy())
    twins = [twin_key(r.path) for r in rows]
    groups: dict[str, list[int]] = {}
    for i, t in enumerate(twins):
        groups.setdefault(t, []).append(i)
    # the index of each sample's twin (itself when the twin is not among these rows)
    partner = [next((j for j in groups[t] if j != i), i) for i, t in enumerate(twins)]
    return {
        "partner": torch.tensor(partner, dtype=torch.long),
        "images": images,
        "masks": masks,
        "labels": torch.tensor([r.label for r in rows], dtype=torch.long),
        "methods": [r.method for r in rows],
        "twins": twins,
        "twin_ids": torch.tensor([int(t) for t in twins]),
    }


def twin_batches(twins: list[str], pairs_per_batch: int, g: torch.Generator) -> list[list[int]]:
    """One epoch of batches, consumed from the end: twin groups shuffled, ``pairs_per_batch`` per batch.

    (The Trainer's ``pair_by="twin"`` does the same with another draw order; this one is kept
    because it is the order the shipped weights were trained with.)"""
    groups: dict[str, list[int]] = {}
    for i, t in enumerate(twins):
        groups.setdefault(t, []).append(i)
    keys = list(groups)
    order = torch.randperm(len(keys), generator=g).tolist()
    return [
        [i for k in order[s : s + pairs_per_batch] for i in groups[keys[k]]]
        for s in range(0, len(order) - pairs_per_batch + 1, pairs_per_batch)
    ]


def normalise(images: Tensor, data_config: dict[str, Any]) -> Tensor:
    mean = torch.tensor(data_config["mean"]).view(1, 3, 1, 1)
    std = torch.tensor(data_config["std"]).view(1, 3, 1, 1)
    return (images.float() / 255.0 - mean) / std


# ------------------------------------------------------------------------------------------ model


class MaskProbes(nn.Module):
    """Training-only 1x1-conv probes predicting the manipulation mask from two feature maps.

    Forward hooks read the encoder's F3 (stride 8) and the map the classifier pools (the input of
    ``model.head``) during each forward pass; the hooks write into a dict this object owns and
    :meth:`loss` empties it. Nothing is added to the model itself.
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        f3 = model.encoder.out_channels[2]
        self.f3 = nn.Conv2d(f3, 1, 1)
        self.exit = nn.Conv2d(model.encoder.exit_channels, 1, 1)
        self._seen: dict[str, Tensor] = {}
        self._handles = [
            model.encoder.register_forward_hook(lambda m, i, o: self._seen.__setitem__("f3", o[2])),
            model.head.register_forward_pre_hook(lambda m, i: self._seen.__setitem__("exit", i[0])),
        ]

    def loss(self, masks: Tensor) -> Tensor:
        """Mean BCE of both probes against ``masks`` ``(B, H, W)`` in [0, 1], pooled to each map's size."""
        seen, self._seen = self._seen, {}
        total = masks.new_zeros(())
        for name, probe in (("f3", self.f3), ("exit", self.exit)):
            feat = seen[name]
            target = F.adaptive_avg_pool2d(masks[:, None], feat.shape[-2:])
            total = total + F.binary_cross_entropy_with_logits(probe(feat), target)
        return total / 2

    def remove(self) -> None:
        for h in self._handles:
            h.remove()


def amplification(step: int, args: argparse.Namespace) -> float:
    """The curriculum's factor A at ``step``: ``--amplify`` falling linearly to 1 at ``--amplify-until``."""
    end = args.amplify_until * args.steps
    if args.amplify <= 1.0 or step >= end:
        return 1.0
    return args.amplify + (1.0 - args.amplify) * step / end


def lr_at(step: int, args: argparse.Namespace) -> float:
    if step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    t = (step - args.warmup) / max(1, args.steps - args.warmup)
    return args.lr * 0.5 * (1.0 + math.cos(math.pi * t))


@torch.no_grad()
def score_memory(model: nn.Module, data: dict[str, Any], data_config: dict[str, Any], batch: int = 128) -> np.ndarray:
    model.eval()
    device = next(model.parameters()).device
    out = []
    for s in range(0, len(data["labels"]), batch):
        x = normalise(data["images"][s : s + batch], data_config).to(device)
        out.append(torch.sigmoid(model(x).logits[:, 0].float()).cpu())
    return torch.cat(out).numpy()


def train(args: argparse.Namespace, train_data: dict, val_data: dict, work: Path) -> tuple[nn.Module, dict]:
    import disgrl
    from disgrl.losses import DisGRLLoss
    from disgrl.metrics import roc_auc
    from disgrl.train import seed_everything

    seed_everything(args.seed)
    model = disgrl.create_model("disgrl_tiny")
    model.pretrained_cfg["input_size"] = (3, args.size, args.size)
    if args.init:
        init = Path(args.init)
        state = disgrl.load_pretrained(init, device="cpu").model.state_dict() if init.is_dir() else torch.load(init)
        model.load_state_dict({k: v.float() for k, v in state.items()})
    dc = model.data_config
    device = torch.device(args.device)
    probes = MaskProbes(model) if args.mask_weight > 0 else None
    model.to(device)
    if probes is not None:
        probes.to(device)
    params = list(model.parameters()) + (list(probes.parameters()) if probes else [])
    opt = torch.optim.Adam(params, lr=args.lr, weight_decay=args.weight_decay)
    criterion = DisGRLLoss()
    g = torch.Generator().manual_seed(args.seed)
    history: list[dict[str, float]] = []
    best = {"auc": -1.0, "step": 0}
    batches: list[list[int]] = []
    t0 = time.time()
    running: dict[str, float] = {}
    for step in range(args.steps):
        if not batches:
            batches = twin_batches(train_data["twins"], args.batch_size // 2, g)
        idx = torch.tensor(batches.pop())
        images, masks = train_data["images"][idx].float(), train_data["masks"][idx].float() / 255.0
        labels = train_data["labels"][idx]
        alpha = amplification(step, args)
        if alpha > 1.0:  # exaggerate each fake's manipulation against its real twin (reals: mask 0)
            twin = train_data["images"][train_data["partner"][idx]].float()
            images = (images + (alpha - 1.0) * masks[:, None] * (images - twin)).clamp(0.0, 255.0)
        _, pair = torch.unique(train_data["twin_ids"][idx], return_inverse=True)
        flip = (torch.rand(int(pair.max()) + 1, generator=g) < 0.5)[pair]  # the same flip for both twins
        images = torch.where(flip[:, None, None, None], images.flip(-1), images)
        masks = torch.where(flip[:, None, None], masks.flip(-1), masks)
        x, masks, labels = normalise(images, dc).to(device), masks.to(device), labels.to(device)
        model.train()
        for group in opt.param_groups:
            group["lr"] = lr_at(step, args)
        out = model(x)
        losses = criterion(out, x, labels)
        total = losses.total
        terms = losses.as_dict()
        if probes is not None:
            mask_loss = probes.loss(masks)
            total = total + args.mask_weight * mask_loss
            terms["mask"] = float(mask_loss.detach())
        opt.zero_grad(set_to_none=True)
        total.backward()
        opt.step()
        for k, v in terms.items():
            running[k] = running.get(k, 0.0) + v
        if (step + 1) % 50 == 0:
            avg = {k: round(v / 50, 4) for k, v in running.items()}
            running = {}
            print(
                f"step {step + 1}/{args.steps} {time.time() - t0:.0f}s lr {lr_at(step, args):.2e} A {alpha:.2f} {avg}",
                flush=True,
            )
        if (step + 1) % args.eval_every == 0 or step + 1 == args.steps:
            scores = score_memory(model, val_data, dc)
            auc = float(roc_auc(val_data["labels"].numpy(), scores))
            fam = per_method_auc(val_data["labels"].numpy(), scores, val_data["methods"])
            history.append({"step": step + 1, "val_auc": auc, "seconds": round(time.time() - t0, 1), **fam})
            print(f"  val AUC {auc:.4f} {json.dumps({k: round(v, 3) for k, v in fam.items()})}", flush=True)
            if auc > best["auc"]:
                best = {"auc": auc, "step": step + 1}
                torch.save({k: v.cpu() for k, v in model.state_dict().items()}, work / "best.pt")
    if probes is not None:
        probes.remove()
    model.cpu().load_state_dict(torch.load(work / "best.pt"))
    model.eval()
    return model, {"best_val_auc": best["auc"], "best_step": best["step"], "history": history,
                   "train_seconds": round(time.time() - t0, 1)}  # fmt: skip


# ------------------------------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    import disgrl
    from disgrl.data import ForgeryDataset, Sample
    from disgrl.data.synthetic import generate, protocol_splits
    from disgrl.data.synthetic.generator import build_config
    from disgrl.metrics import compute_metrics
    from disgrl.train.evaluate import predict_scores
    from disgrl.transforms import eval_transform

    t_start = time.time()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    cutouts = args.cutouts or None
    gen_kw = {"size": args.size, "families": FAMILIES, "cutouts": cutouts, "workers": args.gen_workers}

    # 1. the training set (train + val splits of seed --seed), decoded into memory
    t0 = time.time()
    manifest = generate(args.photos, work / "data", n=args.n, seed=args.seed, progress=False, **gen_kw)
    splits = protocol_splits(manifest, "intra")
    val_rows = splits["val"][: args.val_max] if args.val_max else splits["val"]
    train_data, val_data = load_rows(splits["train"], args.size), load_rows(val_rows, args.size)
    t_gen = time.time() - t0
    print(f"generated/loaded {args.n} samples in {t_gen:.0f} s: train {len(splits['train'])}, val {len(val_rows)}")

    # 2. train
    model, run = train(args, train_data, val_data, work)
    print(f"trained in {run['train_seconds']:.0f} s: best val AUC {run['best_val_auc']:.4f} at step {run['best_step']}")

    # 3. a fresh test split (other seed), scored with the fp16 weights through the library's loader
    t0 = time.time()
    test_manifest = generate(
        args.photos, work / "test_data", n=args.n_test, seed=args.test_seed, progress=False, **gen_kw
    )
    test_rows = protocol_splits(test_manifest, "intra")["test"]
    model.pretrained_cfg["architecture"] = "disgrl_tiny"
    model.save_pretrained(work / "fp16", dtype=torch.float16)
    shipped = disgrl.load_pretrained(work / "fp16", device="cpu").model
    samples = [Sample(str(r.path), r.label, video=r.video, split=r.split, method=r.method) for r in test_rows]
    dataset = ForgeryDataset(samples, transform=eval_transform(shipped.data_config))
    _, labels, scores = predict_scores(shipped, dataset, batch_size=64)
    test = compute_metrics(labels, scores)
    per_family = per_method_auc(labels, scores, [r.method for r in test_rows])
    t_test = time.time() - t0
    print(f"fresh test split ({len(test_rows)} images, seed {args.test_seed}): {json.dumps(test)}")
    print(f"per-family AUC: {json.dumps({k: round(v, 4) for k, v in per_family.items()})}")

    # 4. the record and the weights
    syn = build_config(args.photos, seed=args.seed, size=args.size, families=FAMILIES, cutouts=cutouts)
    command = "python " + " ".join(shlex.quote(a) for a in [sys.argv[0], *(sys.argv[1:] if argv is None else argv)])
    training_data = describe_training_data(args, syn, len(splits["train"]), len(val_rows), len(test_rows))
    metrics = {
        "test_auc": test["auc"], "test_acc": test["acc"], "test_eer": test["eer"], "test_ap": test["ap"],
        "test_n_real": test["n_real"], "test_n_fake": test["n_fake"],
        **{f"test_auc_{k}": v for k, v in per_family.items()},
        "val_auc": run["best_val_auc"], "best_step": run["best_step"],
    }  # fmt: skip
    record = {
        "command": command,
        "recipe": {k: v for k, v in vars(args).items() if k not in ("work", "out", "no_save")},
        "training_data": training_data,
        "metrics": metrics,
        "history": run["history"],
        "seconds": {"generate_and_load": round(t_gen, 1), "train": run["train_seconds"], "test": round(t_test, 1),
                    "total": round(time.time() - t_start, 1)},
        "machine": {"python": platform.python_version(), "torch": torch.__version__,
                    "threads": torch.get_num_threads(), "cpu_count": os.cpu_count(),
                    "load_avg": os.getloadavg() if hasattr(os, "getloadavg") else None},
    }  # fmt: skip
    (work / "result.json").write_text(json.dumps(record, indent=2) + "\n")
    print(f"total {record['seconds']['total']:.0f} s; wrote {work / 'result.json'}")
    if not args.no_save:
        out = Path(args.out)
        tmp = out.with_name(out.name + ".tmp")
        if tmp.exists():
            shutil.rmtree(tmp)
        shipped.save_pretrained(tmp, dtype=torch.float16, metrics=metrics, training_data=training_data)
        (tmp / "README.md").write_text(model_card(record), encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
        print(f"weights: {out} ({(out / 'model.safetensors').stat().st_size / 1e6:.2f} MB)")
    return record


def describe_training_data(args: argparse.Namespace, syn: Any, n_train: int, n_val: int, n_test: int) -> dict:
    """What the weights were trained on, exactly (recorded in config.json)."""
    from disgrl.data.synthetic import GENERATOR_VERSION

    return {
        "summary": (
            f"Synthetic image manipulations only (disgrl.data.synthetic, generator v{GENERATOR_VERSION}): "
            f"{n_train} training images (real {args.size}x{args.size} photo crops and the manipulated twin made "
            f"from each; families {', '.join(FAMILIES)}) made from the train split of "
            f"{syn.photos.describe()['count']} photos (landmarks, animals, objects, wallpapers) and "
            f"{syn.cutouts.describe()['count'] if syn.cutouts else 0} clip-art cut-outs. "
            "Not trained on faces, deepfakes, GAN or diffusion images: not a deepfake detector."
        ),
        "generator": "disgrl.data.synthetic.generate",
        "generator_version": GENERATOR_VERSION,
        "settings": {
            "n": args.n,
            "seed": args.seed,
            "size": args.size,
            "families": list(FAMILIES),
            "qualities": list(syn.qualities),
            "split_fractions": list(syn.split_fractions),
            "inpaint_backend": syn.inpaint_backend,
            "photos": syn.photos.describe(),
            "cutouts": syn.cutouts.describe() if syn.cutouts else None,
        },
        "objective": (
            "paper Eq. 12 (BCE with flooding 0.04, 0.1 x L_r1, 0.1 x L_r2, 0.1 x L_m)"
            + (
                f" + {args.mask_weight} x auxiliary mask BCE from two training-only 1x1-conv probes"
                if args.mask_weight
                else ""
            )
        ),
        "protocol": "intra: train on the train split, select on the val split, test on the test split "
        f"of a fresh set (seed {args.test_seed}, n {args.n_test})",
        "n_train": n_train,
        "n_val": n_val,
        "n_test": n_test,
    }


def model_card(record: dict) -> str:
    """README.md of the weights folder."""
    m = record["metrics"]
    fams = "\n".join(f"| {f} | {m[f'test_auc_{f}']:.3f} |" for f in FAMILIES if f"test_auc_{f}" in m)
    data = record["training_data"]
    s = data["settings"]
    init = record["recipe"].get("init")
    stage = (
        f"\nThis run started from `{init}`, the best checkpoint of an earlier run of the same script (a first stage); "
        "docs/demo_weights.md in the repository gives both commands.\n"
        if init
        else ""
    )
    return f"""# disgrl_tiny.synthetic — demo weights

`disgrl_tiny` (DisGRL on MobileNetV2-0.5, {s["size"]}x{s["size"]} input, 2.0 M parameters, fp16
safetensors) trained **from random weights on synthetic image manipulations only**. It ships
inside the `disgrl` package so that the library can be tried offline:

```python
import disgrl

detector = disgrl.load_pretrained("disgrl_tiny.synthetic")
```

or `disgrl demo --out demo-out`.

## What it is not

**Not a deepfake detector**, and not a detector for real-world manipulated photos. It never saw a
face swap, a reenactment, a GAN or diffusion image, a real photo edit, or a video. Its scores on
anything but images like its training data below mean nothing; never use them to judge whether an
image of a person, or any real image, is authentic.

**Weak even on its own kind of data**: test AUC {m["test_auc"]:.3f} below, short of the project's
0.85 target. It is here to demonstrate the API and the maps, not to detect anything.

## Training data and objective

{data["summary"]}

Generator settings: n = {s["n"]}, seed {s["seed"]}, size {s["size"]}, families
{", ".join(s["families"])}, JPEG qualities {" / ".join(map(str, s["qualities"]))}, split fractions
{" / ".join(map(str, s["split_fractions"]))} (photos split by name hash), inpainting backend
{s["inpaint_backend"]}; photos folder digest `{s["photos"]["sha1"][:12]}` ({s["photos"]["count"]} images),
cut-outs digest `{(s["cutouts"] or {}).get("sha1", "none")[:12]}`. Protocol: {data["protocol"]}.

Objective: {data["objective"]}.

## Test results (fresh test split, test-split photos only)

AUC {m["test_auc"]:.3f}, ACC {m["test_acc"]:.3f} (threshold 0.5), EER {m["test_eer"]:.3f}, AP
{m["test_ap"]:.3f} on {m["test_n_real"]} real and {m["test_n_fake"]} fake images. Each family's
fakes against all test reals:

| family | AUC |
|---|---|
{fams}

Selected at step {m["best_step"]} (validation AUC {m["val_auc"]:.3f}).

## Reproduce

```bash
{record["command"]}
```
{stage}
({record["seconds"]["total"]:.0f} s wall-clock on {record["machine"]["cpu_count"]} shared CPU cores, torch
{record["machine"]["torch"]}.) Recipe and details: docs/demo_weights.md in the repository.

## Licence

Weights: MIT, like the code. The training photos and cut-outs keep their own licences (listed per
file with the shared data).
"""


if __name__ == "__main__":
    main()
