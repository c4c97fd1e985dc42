"""Export a model to ONNX (needs `pip install 'disgrl[onnx]'`).

The ONNX file takes `image`, a float32 (batch, 3, H, W) tensor normalised with the model's
mean/std at its input size, and returns `logits` (with --all-outputs also the reconstructions
`rec1`, `rec2` of the model's heads). Input size, mean, std and label names are stored in the
file's metadata. The batch is dynamic unless --static-batch.

Examples:
  disgrl export --weights disgrl_tiny.synthetic --onnx tiny.onnx --check
  disgrl export --weights runs/mine --onnx mine.onnx --all-outputs
  disgrl export --model disgrl_xception --onnx xception.onnx   # random weights

--check runs the file in onnxruntime and the model in PyTorch on the same random input, prints
the largest absolute difference per output, and exits with status 1 when one exceeds --atol.
"""

from __future__ import annotations

import argparse
import sys


def add_arguments(p: argparse.ArgumentParser) -> None:
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument(
        "--weights", metavar="REF", help="a weights folder (e.g. a training run), hf-hub:org/name[@rev] or name.tag"
    )
    src.add_argument("--model", metavar="NAME", help="a registered architecture, with random weights")
    p.add_argument("--onnx", required=True, metavar="OUT", help="the .onnx file to write")
    p.add_argument("--input-size", type=int, metavar="N", help="square input side (default: the model's)")
    p.add_argument("--opset", type=int, metavar="N", help="ONNX opset, >= 18 (default: the exporter's)")
    p.add_argument("--all-outputs", action="store_true", help="also output the reconstructions rec1 / rec2")
    p.add_argument("--static-batch", action="store_true", help="fix the batch size (to --batch-size)")
    p.add_argument("--batch-size", type=int, default=1, metavar="N", help="batch of a static-batch graph (default 1)")
    p.add_argument("--check", action="store_true", help="compare onnxruntime with PyTorch on a random input")
    p.add_argument("--atol", type=float, default=1e-3, help="largest difference --check accepts (default 1e-3)")
    p.add_argument("--offline", action="store_true", help="only use the local Hugging Face cache")


def run(args: argparse.Namespace) -> int:
    from disgrl.export import ONNX_INSTALL, check_onnx, export_onnx, missing_packages

    missing = missing_packages(runtime=args.check)
    if missing:
        print(f"disgrl export: error: needs {', '.join(missing)}: {ONNX_INSTALL}", file=sys.stderr)
        return 2
    if args.weights:
        from disgrl._hub import load_model

        model = load_model(args.weights, local_files_only=args.offline)
    else:
        from disgrl import create_model

        model = create_model(args.model)
        print(f"note: {args.model} has random weights (use --weights to export trained ones)", file=sys.stderr)
    out = export_onnx(
        model,
        args.onnx,
        input_size=args.input_size,
        batch_size=args.batch_size,
        dynamic_batch=not args.static_batch,
        opset=args.opset,
        outputs="all" if args.all_outputs else "logits",
    )
    print(f"wrote {out}")
    if not args.check:
        return 0
    diffs = check_onnx(out, model, batch_size=args.batch_size if args.static_batch else 2)
    worst = max(diffs.values())
    print("max abs diff onnxruntime vs PyTorch: " + ", ".join(f"{k} {v:.3g}" for k, v in diffs.items()))
    if worst > args.atol:
        print(f"disgrl export: check failed: difference {worst:.3g} > --atol {args.atol:g}", file=sys.stderr)
        return 1
    return 0
