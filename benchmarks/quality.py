"""Detection quality of DisGRL's Table 5 rows on the synthetic forgery benchmark (docs/benchmarks.md).

Trains every row (baseline, single heads, double head, no-RFA, no-DEA, full DisGRL, and the lite
variant) with the same data, steps and seeds, evaluates ACC / AUC / EER on the test split, and
prints Markdown tables: the intra protocol (all families in train and test, with per-family AUC)
and the cross-manipulation matrix (train on all families but one, test on the held-out one) for
the baseline and DisGRL. Results go to a JSON file, rewritten atomically after every run.

    python benchmarks/quality.py --size cpu
    python benchmarks/quality.py --size gpu --backbone-weights xception.safetensors

Sizes (``SIZES``): ``cpu`` trains ``disgrl_tiny`` (MobileNetV2-0.5 backbone) at 64x64 from
random weights; ``gpu`` trains the Xception models at 299x299 (ImageNet weights from a local timm
file with ``--backbone-weights``, random otherwise). The data are made once per size by
``disgrl.data.synthetic.generate`` into ``--cache`` and loaded into memory.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's disgrl
sys.path.insert(0, str(Path(__file__).resolve().parent))
from quality_report import cross_table, family_table, intra_table, summarize

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO / ".." / "shared" / "data").resolve()
SCHEMA = "disgrl-quality-benchmark/1"


def table5(rec1: bool, rec2: bool, dea: bool, rfa: bool) -> dict[str, Any]:
    """The model overrides of one Table 5 row (the four switches the zoo's variants set)."""
    return {
        "reconstruction": {"rec1": rec1, "rec2": rec2},
        "dea": {"enabled": dea},
        "disad": {"rfa": rfa},
    }


#: ``disgrl_xception_lite``'s options scaled to ``disgrl_tiny``'s widths (F1..F5 = 8, 16, 16, 48,
#: 160): narrow DEA levels with expansion 1 and separable convs, a narrow decoder with 1x1
#: residuals and conv skip reductions, narrow heads, separable RFAs. At 64x64: 0.024 GFLOPs, 2.9x
#: fewer than ``disgrl_tiny`` and 1.45x its baseline's (``disgrl_xception_lite`` is 1.25x Xception's).
TINY_LITE: dict[str, Any] = {
    "dea": {"expansion": 1, "widths": (8, 8, 8, 24), "separable": True},
    "decoder": {
        "channels": (32, 16, 8),
        "residual_kernel": 1,
        "skip_channels": (8, 8, 8, 16),
        "skip_reduce": "conv",
        "f5_channels": 32,
    },
    "reconstruction": {"rec1_channels": 8, "sam_channels": 8, "sam_states": 4},
    "disad": {"separable": True},
}


@dataclass(frozen=True)
class Row:
    """One model of the table: its zoo name (GPU size) and overrides of ``disgrl_tiny`` (CPU size)."""

    key: str
    label: str
    zoo: str
    overrides: dict[str, Any]


ROWS: dict[str, Row] = {
    r.key: r
    for r in (
        Row("baseline", "a) baseline (backbone + classifier)", "xception_baseline", table5(False, False, False, False)),
        Row("rec1", "b) + vision head (AFS)", "disgrl_xception_rec1", table5(True, False, False, False)),
        Row("rec2", "c) + reasoning head (SAM)", "disgrl_xception_rec2", table5(False, True, False, False)),
        Row("double", "d) double head", "disgrl_xception_double", table5(True, True, False, False)),
        Row("no_rfa", "e) double head + DEA (no RFA)", "disgrl_xception_no_rfa", table5(True, True, True, False)),
        Row("no_dea", "f) double head + RFA (no DEA)", "disgrl_xception_no_dea", table5(True, True, False, True)),
        Row("disgrl", "g) DisGRL (full)", "disgrl_xception", table5(True, True, True, True)),
        Row("lite", "DisGRL lite", "disgrl_xception_lite", TINY_LITE),
    )
}
CROSS_ROWS = ("baseline", "disgrl")


@dataclass(frozen=True)
class Size:
    """Everything that fixes a benchmark size: data, model family and training budget."""

    name: str
    base_model: str | None  # CPU: every row is this model + the row's overrides; GPU: the row's zoo name
    input_size: int
    n: int  # synthetic samples (half real, half fake; 70 / 15 / 15 % train / val / test by photo)
    steps: int
    batch_size: int
    lr: float
    seeds: int
    cross_seeds: int
    threads: int | None = None  # torch CPU threads (None: torch's default)
    deadline_s: float | None = None  # start no new run after this many seconds (resume later)
    notes: str = ""


SIZES: dict[str, Size] = {
    "cpu": Size(
        "cpu", "disgrl_tiny", input_size=64, n=3000, steps=100, batch_size=32, lr=2e-3, seeds=3, cross_seeds=2,
        threads=1, notes="disgrl_tiny's rows (MobileNetV2-0.5 backbone, 1.0-2.0 M parameters)",
    ),
    "gpu": Size(
        "gpu", None, input_size=299, n=4000, steps=200, batch_size=32, lr=1e-4, seeds=2, cross_seeds=1,
        deadline_s=480.0,
        notes="the Xception zoo models (22.9-66.7 M parameters)",
    ),
}  # fmt: skip
SMOKE = {"n": 40, "steps": 2, "batch_size": 4, "seeds": 1, "cross_seeds": 1, "input_size": 32}


# ------------------------------------------------------------------------------------ data
class InMemoryImages:
    """A training / evaluation dataset over a uint8 image tensor held in memory.

    Items are ``{"image", "label", "index"}`` like ``disgrl.data``'s datasets; ``.samples``
    carries each item's pair key as its ``video`` so ``TrainConfig(pair_by="video")`` keeps a
    real crop and the fake made from it (samples ``2k`` and ``2k + 1``) in one batch. There is no
    ``.videos`` attribute: evaluation is per image.

    ``repeats`` > 1 lists every image that many times (each copy its own pair group), so that a
    whole training run is one trainer epoch: one checkpoint per run instead of one per pass,
    which matters for the GPU size's 67 M-parameter models. The learning rate is constant.
    """

    def __init__(self, images: Any, rows: list[Any], index: list[int], mean: Any, std: Any, repeats: int = 1) -> None:
        import torch

        from disgrl.data import Sample

        self.images = images
        self.index = list(index) * repeats
        self.mean = torch.tensor(mean, dtype=torch.float32).view(3, 1, 1)
        self.std = torch.tensor(std, dtype=torch.float32).view(3, 1, 1)
        self.samples = [
            Sample(str(r.path), r.label, video=f"pair{int(r.video) // 2}-{k}", method=r.method)
            for k in range(repeats)
            for r in (rows[i] for i in index)
        ]

    def __len__(self) -> int:
        return len(self.index)

    @property
    def labels(self) -> list[int]:
        return [s.label for s in self.samples]

    def __getitem__(self, i: int) -> dict[str, Any]:
        x = self.images[self.index[i]].float().div_(255.0)
        return {"image": (x - self.mean) / self.std, "label": self.samples[i].label, "index": i}


def make_data(args: argparse.Namespace, size: Size) -> tuple[Path, dict[str, Any]]:
    """Generate (or reuse) the synthetic set for this size; returns the manifest and a description."""
    from disgrl.data.synthetic import generate

    name = f"{size.name}-s{size.input_size}-n{size.n}-seed{args.data_seed}"
    out = Path(args.cache) / name
    t0 = time.time()
    manifest = generate(
        args.photos, out, n=size.n, seed=args.data_seed, size=size.input_size, cutouts=args.cutouts,
        workers=args.workers, progress=False,
    )  # fmt: skip
    info = json.loads((out / "synthetic.json").read_text())
    return manifest, {"dir": str(out), "seconds": round(time.time() - t0, 1), "synthetic": info}


def load_images(rows: list[Any], workers: int) -> Any:
    """All images of the manifest as one ``(N, 3, S, S)`` uint8 tensor."""
    import torch
    from PIL import Image

    def read(path: Path) -> np.ndarray:
        with Image.open(path) as im:
            return np.asarray(im.convert("RGB")).transpose(2, 0, 1).copy()

    with ThreadPoolExecutor(max(1, workers)) as pool:
        arrays = list(pool.map(read, [r.path for r in rows]))
    return torch.from_numpy(np.stack(arrays))


def repeats(size: Size, n_train: int) -> int:
    """Passes over the training images that ``size.steps`` batches need (one spare for the
    last, partial batch of each pass that pairs may leave out)."""
    return max(1, math.ceil(size.steps * size.batch_size / max(1, n_train))) + 1


# ----------------------------------------------------------------------------------- models
def build_model(row: Row, size: Size, weights: str | None) -> Any:
    import disgrl

    if size.base_model is not None:
        model = disgrl.create_model(size.base_model, **row.overrides)
    else:
        model = disgrl.create_model(row.zoo, pretrained_backbone=weights or False)
    return model


# -------------------------------------------------------------------------------- one run
def train_and_test(
    row: Row, size: Size, seed: int, train: InMemoryImages, test: InMemoryImages, methods: list[str], args: Any
) -> dict[str, Any]:
    """Train ``row`` for ``size.steps`` steps with ``seed``, then score the test set."""
    import torch

    from disgrl.metrics import compute_metrics, per_method_auc
    from disgrl.train import TrainConfig, Trainer, predict_scores, seed_everything

    device = torch.device(args.device)
    seed_everything(seed)
    model = build_model(row, size, args.backbone_weights)
    n_params = sum(p.numel() for p in model.parameters())
    config = TrainConfig(
        epochs=1, batch_size=size.batch_size, lr=size.lr, pair_by="video", seed=seed, max_steps=size.steps,
        progress=False, log_every=max(1, size.steps // 20),
    )  # fmt: skip
    run_dir = Path(tempfile.mkdtemp(prefix="quality-run-", dir=args.tmp))
    try:
        t0, c0 = time.time(), time.process_time()
        result = Trainer(model, train, None, config, out_dir=run_dir, device=device).fit()
        if device.type == "cuda":
            torch.cuda.synchronize()
        train_s, train_cpu = time.time() - t0, time.process_time() - c0
        losses = [json.loads(line) for line in (run_dir / "log.jsonl").read_text().splitlines()]
        losses = [r for r in losses if r.get("event") == "step"]
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
    t0 = time.time()
    amp = torch.bfloat16 if device.type == "cuda" else None
    _, labels, scores = predict_scores(model, test, batch_size=max(size.batch_size, 64), device=device, amp_dtype=amp)
    metrics = compute_metrics(labels, scores)
    per_family = per_method_auc(labels, scores, methods)
    per_family_n = {fam: sum(m == fam for m in methods) for fam in per_family}
    return {
        "metrics": {k: metrics[k] for k in ("acc", "auc", "eer", "ap", "n", "n_real", "n_fake")},
        "per_family_auc": per_family,
        "per_family_n": per_family_n,
        "steps": result.global_step,
        "params": n_params,
        "first_loss": losses[0]["total"] if losses else None,
        "last_loss": losses[-1]["total"] if losses else None,
        "last_cls_loss": losses[-1]["cls"] if losses else None,
        "train_s": round(train_s, 2),
        "train_cpu_s": round(train_cpu, 2),
        "eval_s": round(time.time() - t0, 2),
    }


# ----------------------------------------------------------------------------------- meta
def hardware(device: str) -> dict[str, Any]:
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    gpu = torch.cuda.get_device_name(0) if device.startswith("cuda") and torch.cuda.is_available() else None
    return {
        "cpu": cpu, "cores": os.cpu_count(), "torch_threads": torch.get_num_threads(), "gpu": gpu,
        "torch": torch.__version__, "python": platform.python_version(), "platform": platform.platform(),
    }  # fmt: skip


def git_commit() -> dict[str, Any]:
    def git(*a: str) -> str | None:
        try:
            return subprocess.run(["git", *a], cwd=REPO, capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return None

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": bool(status) if status is not None else None}


def write_json(path: Path, data: dict[str, Any]) -> None:
    from disgrl._atomic import atomic_write_text

    atomic_write_text(path, json.dumps(data, indent=1, allow_nan=False, default=_jsonable) + "\n")


def _jsonable(value: Any) -> Any:
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _comparable(settings: dict[str, Any] | None) -> dict[str, Any]:
    """Settings as JSON stores them, less what may change between the parts of a resumed
    benchmark (which rows, protocols and seeds to run, the deadline, threads, descriptions)."""
    data = _clean(json.loads(json.dumps(settings or {}, default=_jsonable)))
    for key in ("rows", "protocol"):  # which runs to make, not how each run is made
        data.pop(key, None)
    for key in ("seeds", "cross_seeds", "deadline_s", "threads", "notes", "extra"):  # "extra": an older field
        data.get("size", {}).pop(key, None)
    return data


def _clean(value: Any) -> Any:
    """NaN -> None, recursively (JSON has no NaN)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


# ----------------------------------------------------------------------------------- main
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", choices=sorted(SIZES), default="cpu", help="benchmark size (default cpu)")
    p.add_argument("--rows", nargs="+", choices=list(ROWS), default=None, help="rows to run (default: all)")
    p.add_argument("--protocol", choices=("intra", "cross", "both"), default="both")
    p.add_argument("--seeds", type=int, default=None, help="training seeds 0..N-1 for intra (default per size)")
    p.add_argument("--cross-seeds", type=int, default=None, help="training seeds for cross (default per size)")
    p.add_argument("--out", default=None, help="results JSON (default benchmarks/results/quality-<size>.json)")
    p.add_argument("--photos", default=str(SHARED / "photos"), help="folder of real photographs")
    p.add_argument("--cutouts", default=str(SHARED / "cutouts"), help="folder of RGBA cut-outs ('' for none)")
    p.add_argument("--cache", default=None, help="where the synthetic set is made (default ~/.cache/disgrl/quality)")
    p.add_argument("--data-seed", type=int, default=0, help="seed of the synthetic set")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes for data generation")
    p.add_argument("--device", default=None, help="torch device (default cuda when available, else cpu)")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: 1 for cpu, torch's for gpu)")
    p.add_argument("--backbone-weights", default=None, help="GPU size: local timm ImageNet weights for Xception")
    p.add_argument("--steps", type=int, default=None, help="override the size's optimiser steps per run")
    p.add_argument("--lr", type=float, default=None, help="override the size's learning rate")
    p.add_argument("--n", type=int, default=None, help="override the size's number of synthetic samples")
    p.add_argument("--input-size", type=int, default=None, help="override the size's image size (pixels)")
    p.add_argument("--batch-size", type=int, default=None, help="override the size's batch size")
    p.add_argument("--deadline", type=float, default=None, help="start no run after this many seconds")
    p.add_argument("--resume", action="store_true", help="keep the runs already in --out (same settings)")
    p.add_argument("--report", default=None, help="only recompute and print the tables of this results JSON")
    p.add_argument("--smoke", action="store_true", help="tiny data and 2 steps: checks the code path only")
    p.add_argument("--tmp", default=None, help="folder for the temporary run folders")
    args = p.parse_args(argv)
    if args.backbone_weights and not Path(args.backbone_weights).is_file():
        p.error(f"--backbone-weights: no such file {args.backbone_weights}")
    if args.backbone_weights and args.size != "gpu":
        p.error("--backbone-weights is for --size gpu (the CPU size trains disgrl_tiny from scratch)")
    for name in ("seeds", "cross_seeds", "steps", "n", "input_size", "batch_size"):
        value = getattr(args, name)
        if value is not None and value < 1:
            p.error(f"--{name.replace('_', '-')} must be >= 1, got {value}")
    return args


def resolve_size(args: argparse.Namespace) -> Size:
    size = SIZES[args.size]
    changes: dict[str, Any] = {}
    if args.smoke:
        changes.update(SMOKE)
    for name in ("seeds", "cross_seeds", "steps", "lr", "n", "input_size", "batch_size"):
        if getattr(args, name) is not None:
            changes[name] = getattr(args, name)
    if args.deadline is not None:
        changes["deadline_s"] = args.deadline
    return dataclasses.replace(size, **changes)


def plan(size: Size, rows: list[str], protocol: str, families: list[str]) -> list[tuple[int, str, str | None, str]]:
    """(seed, protocol, held_out, row) for every run, seed-major: a run cut short by the deadline
    still has complete tables for its first seeds."""
    runs = []
    for seed in range(max(size.seeds, size.cross_seeds)):
        if protocol in ("intra", "both") and seed < size.seeds:
            runs += [(seed, "intra", None, r) for r in rows]
        if protocol in ("cross", "both") and seed < size.cross_seeds:
            runs += [(seed, "cross", f, r) for f in families for r in rows if r in CROSS_ROWS]
    return runs


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    if args.report:
        return report(Path(args.report))
    import torch

    size = resolve_size(args)
    if args.threads or size.threads:
        torch.set_num_threads(args.threads or size.threads)
    args.device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    args.cache = args.cache or str(Path.home() / ".cache" / "disgrl" / "quality")
    args.cutouts = args.cutouts or None
    rows = args.rows or list(ROWS)
    out = Path(
        args.out or REPO / "benchmarks" / "results" / f"quality-{size.name}{'-smoke' if args.smoke else ''}.json"
    )
    t_start, c_start = time.time(), time.process_time()
    load_start = os.getloadavg()

    from disgrl.data.synthetic import protocol_splits, read_manifest

    manifest, data_info = make_data(args, size)
    all_rows = read_manifest(manifest)
    t0 = time.time()
    images = load_images(all_rows, args.workers)
    data_info["load_s"] = round(time.time() - t0, 1)
    data_info["counts"] = {s: sum(r.split == s for r in all_rows) for s in ("train", "val", "test")}
    families = sorted({r.method for r in all_rows if r.label == 1})
    position = {r.path: i for i, r in enumerate(all_rows)}
    probe = build_model(ROWS[rows[0]], size, None)
    mean, std = probe.data_config["mean"], probe.data_config["std"]
    del probe

    settings = {
        "size": dataclasses.asdict(size), "rows": rows, "protocol": args.protocol, "families": families,
        "data_seed": args.data_seed, "backbone_weights": args.backbone_weights,
        "initialisation": ("ImageNet backbone (" + Path(args.backbone_weights).name + ")")
        if args.backbone_weights else "random",
        "device": args.device, "pair_by": "video (a real crop and its fake)", "lr_schedule": "constant", "mean": mean, "std": std,
        "smoke": args.smoke,
    }  # fmt: skip
    runs: list[dict[str, Any]] = []
    previous_s = previous_cpu = 0.0
    if args.resume and out.is_file():
        old = json.loads(out.read_text())
        if _comparable(old.get("settings")) != _comparable(settings):
            raise SystemExit(f"--resume: {out} was made with other settings; use another --out")
        runs = old.get("runs", [])
        previous_s = old.get("wall_s", 0.0) + old.get("wall_s_previous", 0.0)
        previous_cpu = old.get("cpu_s", 0.0) + old.get("cpu_s_previous", 0.0)
    done = {(r["seed"], r["protocol"], r["held_out"], r["row"]) for r in runs}
    todo = plan(size, rows, args.protocol, families)
    record: dict[str, Any] = {
        "schema": SCHEMA,
        "command": "python benchmarks/quality.py " + shlex.join(sys.argv[1:] if argv is None else argv),
        "git": git_commit(), "hardware": hardware(args.device), "settings": settings, "data": data_info,
        "labels": {k: ROWS[k].label for k in rows}, "zoo": {k: ROWS[k].zoo for k in rows},
    }  # fmt: skip
    skipped = []

    def save(complete: bool) -> dict[str, Any]:
        summary, tables = summary_and_tables(runs, families, record["labels"])
        record.update(
            runs=runs, summary=summary, tables=tables, complete=complete, not_run=skipped,
            wall_s=round(time.time() - t_start, 1), wall_s_previous=previous_s, cpu_s=round(time.process_time() - c_start, 1),
            cpu_s_previous=previous_cpu,
            load_avg={"start": load_start, "end": os.getloadavg()},
        )  # fmt: skip
        write_json(out, _clean(record))
        return record

    splits_cache: dict[str | None, tuple[InMemoryImages, InMemoryImages, list[str]]] = {}
    for seed, protocol, held_out, row in todo:
        if (seed, protocol, held_out, row) in done:
            continue
        if size.deadline_s is not None and time.time() - t_start > size.deadline_s:
            skipped.append({"seed": seed, "protocol": protocol, "held_out": held_out, "row": row})
            continue
        if held_out not in splits_cache:
            parts = protocol_splits(all_rows, protocol, held_out)
            idx = {k: [position[r.path] for r in v] for k, v in parts.items()}
            splits_cache[held_out] = (
                InMemoryImages(images, all_rows, idx["train"], mean, std, repeats=repeats(size, len(idx["train"]))),
                InMemoryImages(images, all_rows, idx["test"], mean, std),
                [r.method for r in parts["test"]],
            )
        train, test, methods = splits_cache[held_out]
        what = f"{row} seed {seed} {protocol}" + (f" held-out {held_out}" if held_out else "")
        print(f"[{time.time() - t_start:6.0f} s] {what} ...", file=sys.stderr, flush=True)
        res = train_and_test(ROWS[row], size, seed, train, test, methods, args)
        runs.append({"seed": seed, "protocol": protocol, "held_out": held_out, "row": row, **res})
        m = res["metrics"]
        print(f"         auc {m['auc']:.3f} acc {m['acc']:.3f} eer {m['eer']:.3f}, loss {res['first_loss']} -> "
              f"{res['last_loss']} ({res['train_s']:.0f} s)", file=sys.stderr, flush=True)  # fmt: skip
        save(complete=False)
    result = save(complete=not skipped)
    print_tables(result, out)
    if skipped:
        print(f"{len(skipped)} run(s) not started (deadline); rerun the same command with --resume to finish")
    return result


def summary_and_tables(
    runs: list[dict[str, Any]], families: list[str], labels: dict[str, str]
) -> tuple[dict[str, Any], dict[str, str]]:
    summary = summarize(runs, families)
    tables = {
        "intra": intra_table(summary, labels) if summary["intra"] else "",
        "intra_families": family_table(summary, labels, families) if summary["intra"] else "",
        "cross": cross_table(summary, labels, families) if summary["cross"] else "",
    }
    return summary, tables


def print_tables(result: dict[str, Any], out: Path) -> None:
    s = result["settings"]["size"]
    print(f"\n## {s['name']} size: {s['notes']} at {s['input_size']}x{s['input_size']}, {s['steps']} steps of "
          f"{s['batch_size']}, lr {s['lr']:g}, {s['n']} samples; initialisation: {result['settings']['initialisation']}\n")  # fmt: skip
    for name in ("intra", "intra_families", "cross"):
        if result["tables"][name]:
            print(result["tables"][name] + "\n")
    print(f"wall time {result['wall_s']:.0f} s, CPU time {result['cpu_s']:.0f} s; results in {out}")


def report(path: Path) -> dict[str, Any]:
    """Recompute the summary and tables of a results file from its runs (e.g. after the report
    code changed), rewrite the file and print the tables; the runs are left as they are."""
    result = json.loads(path.read_text())
    summary, tables = summary_and_tables(result["runs"], result["settings"]["families"], result["labels"])
    result.update(summary=summary, tables=tables, report_git=git_commit())
    write_json(path, _clean(result))
    print_tables(result, path)
    return result


if __name__ == "__main__":
    main()
