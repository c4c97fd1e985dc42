"""CPU latency of a model in PyTorch eager, torch.compile and onnxruntime, measured side by side.

    PYTHONPATH=. python benchmarks/export.py                      # disgrl_tiny, 128x128 (docs/export.md)
    PYTHONPATH=. python benchmarks/export.py --model disgrl_xception --batch 1 --runs 10

Random weights (latency does not depend on them). The runtimes take turns on each repetition
(eager, compiled, onnxruntime, eager, ...) so that a change in machine load hits all of them
alike; the table gives the median and the fastest run per runtime, in milliseconds per batch,
with every runtime on --threads threads. Also prints the export time and the largest
difference of the ONNX logits from PyTorch's. Needs the ``onnx`` extra.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch

import disgrl
from disgrl.export import export_onnx


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="disgrl_tiny")
    ap.add_argument("--batch", type=int, nargs="+", default=[1, 8])
    ap.add_argument("--runs", type=int, default=30, help="timed repetitions per runtime and batch")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=torch.get_num_threads())
    ap.add_argument("--no-compile", action="store_true", help="leave out torch.compile (it compiles for minutes)")
    args = ap.parse_args()

    import onnxruntime as ort

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = disgrl.create_model(args.model).eval()
    _, h, w = model.data_config["input_size"]
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        path = export_onnx(model, Path(tmp) / "model.onnx")
        export_s = time.perf_counter() - t0
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = args.threads
        opts.inter_op_num_threads = 1
        session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])

    runners = {"PyTorch eager": lambda x: model(x).logits}
    compile_s = None
    if not args.no_compile:
        compiled = torch.compile(model)
        with torch.no_grad():
            t0 = time.perf_counter()
            for b in args.batch:  # compile for every batch size before timing
                compiled(torch.zeros(b, 3, h, w))
            compile_s = time.perf_counter() - t0
        runners["torch.compile"] = lambda x: compiled(x).logits
    runners["onnxruntime"] = lambda x: session.run(["logits"], {"image": x.numpy()})[0]

    print(f"{args.model} {h}x{w}, {args.threads} threads, torch {torch.__version__}, onnxruntime {ort.__version__}")
    print(f"export_onnx: {export_s:.1f} s" + (f"; torch.compile first calls: {compile_s:.1f} s" if compile_s else ""))
    print("\n| batch | runtime | median ms | min ms | max abs diff vs eager |")
    print("|---|---|---|---|---|")
    with torch.no_grad():
        for b in args.batch:
            x = torch.rand(b, 3, h, w) * 2 - 1
            ref = model(x).logits
            diffs = {k: float((torch.as_tensor(f(x)) - ref).abs().max()) for k, f in runners.items()}
            times: dict[str, list[float]] = {k: [] for k in runners}
            for i in range(args.warmup + args.runs):
                for k, f in runners.items():
                    t0 = time.perf_counter()
                    f(x)
                    if i >= args.warmup:
                        times[k].append((time.perf_counter() - t0) * 1e3)
            for k, ts in times.items():
                print(f"| {b} | {k} | {statistics.median(ts):.1f} | {min(ts):.1f} | {diffs[k]:.1e} |")


if __name__ == "__main__":
    main()
