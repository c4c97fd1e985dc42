"""Speed benchmark: DisGRL models side by side with timm's ``legacy_xception`` in one process.

For each model: parameters, GFLOPs per image (``FlopCounterMode``), CPU latency at batch 1 and
throughput at batch 8 (medians of *interleaved* repeats, so that a load spike on a shared
machine hits every model alike), and, when CUDA is available, inference throughput for
fp32 / bf16 / bf16 + channels_last / bf16 + ``torch.compile`` at batch 64 and 256 plus training
throughput and peak memory at batch 32 (bf16 autocast, Adam, the model's loss). Every figure is
also given as a ratio to the reference (``legacy_xception``). ``--detector`` adds the cost of a
single-image ``DisGRLDetector.predict`` over the bare forward on the same tensor.

Writes a Markdown table to stdout and JSON (command, commit, hardware, torch version) to
``benchmarks/results/``.

    python benchmarks/speed.py                                  # CPU, default models
    python benchmarks/speed.py --models disgrl_xception --repeats 30 --detector
    python benchmarks/speed.py --cuda-only --batch-sizes 64 256  # on a GPU machine
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import torch
from torch import nn

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import disgrl  # noqa: E402
from disgrl._atomic import atomic_write_text  # noqa: E402
from disgrl.profiling import count_gflops, count_parameters  # noqa: E402

REFERENCE = "legacy_xception"
DEFAULT_MODELS = ["disgrl_xception", "disgrl_xception_lite", "disgrl_xception_official"]


# ----------------------------------------------------------------------------- models
def build(name: str) -> nn.Module:
    """A registered disgrl model, or a timm model by name (random weights)."""
    if disgrl.is_model(name):
        return disgrl.create_model(name)
    import timm

    return timm.create_model(name, num_classes=1)


def logits_of(out: Any) -> torch.Tensor:
    return out.logits if hasattr(out, "logits") else out


def loss_fn(model: nn.Module) -> Callable[[Any, torch.Tensor, torch.Tensor], torch.Tensor]:
    """DisGRL's Eq. 12 for DisGRL models, BCE on the logit for a plain classifier."""
    if isinstance(model, disgrl.DisGRL):
        from disgrl.losses import DisGRLLoss

        crit = DisGRLLoss()
        return lambda out, x, y: crit(out, x, y).total
    bce = nn.BCEWithLogitsLoss()
    return lambda out, x, y: bce(logits_of(out).view(-1).float(), y.float())


# ----------------------------------------------------------------------------- timing
def interleaved(fns: dict[str, Callable[[], Any]], repeats: int, sync: Callable[[], None]) -> dict[str, list[float]]:
    """Time each function ``repeats`` times, round-robin; returns the seconds of every call."""
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeats):
        for k, fn in fns.items():
            sync()
            t = time.perf_counter()
            fn()
            sync()
            times[k].append(time.perf_counter() - t)
    return times


def cpu_section(models: dict[str, nn.Module], size: int, repeats: int, batch8_repeats: int) -> dict[str, dict]:
    res: dict[str, dict] = {k: {} for k in models}
    for batch, reps, key in ((1, repeats, "cpu_b1_latency_s"), (8, batch8_repeats, "cpu_b8_img_s")):
        x = torch.randn(batch, 3, size, size)
        fns = {k: (lambda m=m, x=x: m(x)) for k, m in models.items()}
        with torch.inference_mode():
            interleaved(fns, 2, lambda: None)  # warm-up (oneDNN primitive caches)
            times = interleaved(fns, reps, lambda: None)
        for k, t in times.items():
            med = statistics.median(t)
            res[k][key] = med if batch == 1 else batch / med
            res[k][key + "_all"] = t
    return res


def detector_section(name: str, model: nn.Module, size: int, repeats: int) -> dict[str, Any]:
    """Single-image ``DisGRLDetector.predict`` vs the bare forward on the same tensor."""
    det = disgrl.DisGRLDetector(model, device="cpu")
    x = torch.rand(3, size, size)  # an image in [0, 1] at the model's input size
    xn = (x - 0.5) / 0.5
    fns = {"forward": lambda: model(xn[None]), "predict": lambda: det.predict(x)}
    with torch.inference_mode():
        interleaved(fns, 2, lambda: None)
        times = interleaved(fns, repeats, lambda: None)
    fwd, pred = statistics.median(times["forward"]), statistics.median(times["predict"])
    return {"model": name, "forward_s": fwd, "predict_s": pred, "overhead": pred / fwd - 1, "repeats": repeats}


@contextlib.contextmanager
def _autocast(device: torch.device, dtype: torch.dtype | None) -> Iterator[None]:
    with torch.autocast(device.type, dtype=dtype) if dtype is not None else contextlib.nullcontext():
        yield


# name -> (autocast dtype, channels_last, torch.compile)
MODES: dict[str, tuple[torch.dtype | None, bool, bool]] = {
    "fp32": (None, False, False),
    "bf16": (torch.bfloat16, False, False),
    "bf16_cl": (torch.bfloat16, True, False),
    "bf16_compile": (torch.bfloat16, True, True),
}


def accelerator_section(
    names: list[str],
    size: int,
    batch_sizes: list[int],
    repeats: int,
    train_batch: int,
    device: str = "cuda",
    modes: list[str] | None = None,
    train_dtype: str = "bf16",
) -> dict:
    """Inference throughput per mode and batch size, then bf16 training; keys ``cuda_*``.

    Meant for CUDA; ``device="cpu"`` runs the same code (the tests use it at a tiny size).
    """
    dev = torch.device(device)
    res: dict[str, dict] = {k: {} for k in names}
    is_cuda = dev.type == "cuda"
    sync = torch.cuda.synchronize if is_cuda else (lambda: None)
    for mode in modes or list(MODES):
        dtype, cl, compiled = MODES[mode]
        for bs in batch_sizes:
            fns = {}
            for k in names:
                m = build(k).to(dev).eval()
                if cl:
                    m = m.to(memory_format=torch.channels_last)
                f = torch.compile(m) if compiled else m
                x = torch.randn(bs, 3, size, size, device=dev)
                if cl:
                    x = x.contiguous(memory_format=torch.channels_last)

                def run(f: Callable = f, x: torch.Tensor = x, dtype: torch.dtype | None = dtype) -> None:
                    with torch.inference_mode(), _autocast(dev, dtype):
                        f(x)

                fns[k] = run
            interleaved(fns, 3, sync)  # warm-up (and compilation)
            times = interleaved(fns, repeats, sync)
            for k, t in times.items():
                res[k][f"cuda_{mode}_b{bs}_img_s"] = bs / statistics.median(t)
            del fns
            gc.collect()
            if is_cuda:
                torch.cuda.empty_cache()
    for k in names:  # training: bf16 autocast, Adam, channels_last, batch `train_batch`
        res[k].update(train_throughput(k, dev, size, train_batch, repeats, sync, train_dtype))
        gc.collect()
    return res


def train_throughput(
    name: str,
    dev: torch.device,
    size: int,
    batch: int,
    repeats: int,
    sync: Callable[[], None],
    dtype: str = "bf16",
) -> dict[str, float]:
    """Images/s of full training steps (autocast, Adam, channels_last); peak memory on CUDA."""
    is_cuda = dev.type == "cuda"
    if is_cuda:
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    m = build(name).to(dev).to(memory_format=torch.channels_last).train()
    opt = torch.optim.Adam(m.parameters(), lr=1e-4)
    crit = loss_fn(m)
    x = torch.randn(batch, 3, size, size, device=dev).contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, 2, (batch,), device=dev)

    def step() -> None:
        with _autocast(dev, torch.bfloat16 if dtype == "bf16" else None):
            loss = crit(m(x), x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    for _ in range(min(3, repeats)):  # warm-up
        step()
    t = interleaved({name: step}, repeats, sync)[name]
    out = {f"cuda_train_{dtype}_b{batch}_img_s": batch / statistics.median(t)}
    if is_cuda:
        out["cuda_train_peak_gib"] = torch.cuda.max_memory_allocated() / 2**30
    return out


# ----------------------------------------------------------------------------- reporting
def hardware() -> dict[str, Any]:
    cpu = platform.processor()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    hw = {"cpu": cpu, "cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads()}
    if torch.cuda.is_available():
        hw["gpu"] = torch.cuda.get_device_name()
    with contextlib.suppress(OSError):
        hw["loadavg_at_start"] = os.getloadavg()
    return hw


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "disgrl"], cwd=REPO, capture_output=True, text=True)
        return out.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except OSError:
        return "unknown"


_COLUMNS = [
    ("params_m", "params (M)", "{:.1f}", False),
    ("gflops", "GFLOPs", "{:.1f}", False),
    ("cpu_b1_latency_s", "CPU b1 latency (s)", "{:.3f}", False),
    ("cpu_b8_img_s", "CPU b8 img/s", "{:.2f}", True),
]


def table(results: dict[str, dict]) -> str:
    """Markdown: each figure and its ratio to the reference (for throughput, the speed ratio)."""
    keys = [c for c in _COLUMNS if any(c[0] in r for r in results.values())]
    extra = sorted({k for r in results.values() for k in r if k.startswith("cuda_") and not k.endswith("_all")})
    keys += [(k, k.removeprefix("cuda_"), "{:.3g}", k.endswith("img_s")) for k in extra]
    ref = results[REFERENCE]
    lines = ["| model | " + " | ".join(c[1] for c in keys) + " |", "|---" * (len(keys) + 1) + "|"]
    for name, r in results.items():
        cells = []
        for key, _, fmt, _ in keys:
            if key not in r:
                cells.append("–")
                continue
            ratio = r[key] / ref[key] if ref.get(key) else float("nan")
            cells.append(f"{fmt.format(r[key])} ({ratio:.2f}×)")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--models", nargs="+", default=DEFAULT_MODELS, help="disgrl or timm names (reference added)")
    p.add_argument("--size", type=int, default=299, help="input height = width (299)")
    p.add_argument("--repeats", type=int, default=15, help="interleaved repeats at batch 1 (CPU)")
    p.add_argument("--batch8-repeats", type=int, default=5, help="interleaved repeats at batch 8 (CPU)")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    p.add_argument("--no-cpu", action="store_true", help="skip the CPU section")
    p.add_argument("--no-flops", action="store_true", help="skip the FLOP count")
    p.add_argument("--detector", action="store_true", help="measure DisGRLDetector.predict overhead (CPU)")
    p.add_argument("--cuda-only", action="store_true", help="only the CUDA section")
    p.add_argument("--accel-device", default="cuda", help="device of the CUDA section (cpu: a smoke test)")
    p.add_argument("--modes", nargs="+", default=list(MODES), choices=list(MODES), help="CUDA inference modes")
    p.add_argument("--batch-sizes", type=int, nargs="+", default=[64, 256], help="CUDA inference batches")
    p.add_argument("--cuda-repeats", type=int, default=10)
    p.add_argument("--train-batch", type=int, default=32)
    p.add_argument("--train-dtype", default="bf16", choices=["bf16", "fp32"], help="training autocast dtype")
    p.add_argument("--out", type=Path, default=None, help="JSON path (default: benchmarks/results/speed-*.json)")
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    names = [REFERENCE] + [n for n in args.models if n != REFERENCE]
    start = time.time()
    results: dict[str, dict] = {}
    models = {}
    for n in names:
        m = build(n).eval()
        results[n] = {"params_m": count_parameters(m) / 1e6}
        if not (args.no_flops or args.cuda_only):
            results[n]["gflops"] = count_gflops(m, (3, args.size, args.size))
        models[n] = m
    if not (args.no_cpu or args.cuda_only):
        for n, r in cpu_section(models, args.size, args.repeats, args.batch8_repeats).items():
            results[n].update(r)
    det = None
    if args.detector and not args.cuda_only:
        target = next(n for n in names if n != REFERENCE)
        det = detector_section(target, models[target], args.size, args.repeats)
    del models
    gc.collect()
    if torch.cuda.is_available() or args.cuda_only:
        if args.accel_device == "cuda" and not torch.cuda.is_available():
            p.error("--cuda-only: CUDA is not available (use --accel-device cpu for a smoke test)")
        accel = accelerator_section(
            names,
            args.size,
            args.batch_sizes,
            args.cuda_repeats,
            args.train_batch,
            args.accel_device,
            args.modes,
            args.train_dtype,
        )
        for n, r in accel.items():
            results[n].update(r)
    print(table(results))
    if det:
        print(
            f"\nDisGRLDetector.predict({det['model']}, one {args.size}² tensor): {det['predict_s']:.3f} s vs bare "
            f"forward {det['forward_s']:.3f} s: overhead {100 * det['overhead']:+.1f}%"
        )
    record = {
        "command": "python " + " ".join([str(Path(sys.argv[0]).as_posix()), *(argv or sys.argv[1:])]),
        "commit": git_commit(),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "torch": torch.__version__,
        "hardware": hardware(),
        "size": args.size,
        "reference": REFERENCE,
        "results": results,
        "detector": det,
        "wall_s": time.time() - start,
    }
    out = args.out or REPO / "benchmarks" / "results" / f"speed-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out, json.dumps(record, indent=1))
    print(f"\nJSON: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
