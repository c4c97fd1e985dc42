"""onnxruntime vs PyTorch for every registered model (the parity table of docs/export.md).

    PYTHONPATH=. python benchmarks/onnx_parity.py                    # all models, ~30 s each on a CPU
    PYTHONPATH=. python benchmarks/onnx_parity.py disgrl_tiny disgrl_xception

Each model (random weights, seed 0) is exported at its own input size with every output and a
dynamic batch, then run through the same file at batch 1 and 3; the table gives the largest
absolute difference per output over both batches, the file size and the export time.
Needs the ``onnx`` extra.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch

import disgrl
from disgrl.export import check_onnx, export_onnx


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="*", help="registered names (default: all)")
    args = ap.parse_args()
    print("| model | input | logits | rec1 | rec2 | file MB | export s |")
    print("|---|---|---|---|---|---|---|")
    for name in args.models or disgrl.list_models():
        torch.manual_seed(0)
        model = disgrl.create_model(name).eval()
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            path = export_onnx(model, Path(tmp) / f"{name}.onnx", outputs="all")
            seconds = time.perf_counter() - t0
            diffs: dict[str, float] = {}
            for batch in (1, 3):
                for k, v in check_onnx(path, model, batch_size=batch).items():
                    diffs[k] = max(diffs.get(k, 0.0), v)
            size = path.stat().st_size / 1e6
        cells = [f"{diffs[k]:.1e}" if k in diffs else "-" for k in ("logits", "rec1", "rec2")]
        _, h, w = model.data_config["input_size"]
        print(f"| `{name}` | {h}x{w} | {' | '.join(cells)} | {size:.1f} | {seconds:.0f} |", flush=True)


if __name__ == "__main__":
    main()
