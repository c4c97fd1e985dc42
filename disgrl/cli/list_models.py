"""List the registered models.

Examples:
  disgrl list-models                       # every architecture
  disgrl list-models --pretrained          # name.tag entries with published weights
  disgrl list-models "disgrl_xception*" --stats   # with parameters and GFLOPs at 299x299
"""

from __future__ import annotations

import argparse


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("pattern", nargs="?", default="*", help="shell-style filter, e.g. 'disgrl_*' (default: all)")
    p.add_argument("--pretrained", action="store_true", help="only list name.tag entries that have published weights")
    p.add_argument(
        "--stats",
        action="store_true",
        help="also build each model (random weights) and print parameters and GFLOPs/image at its input size",
    )


def run(args: argparse.Namespace) -> int:
    import disgrl
    from disgrl.profiling import model_stats

    names = disgrl.list_models(args.pattern, pretrained=args.pretrained)
    if not args.stats:
        print("\n".join(names))
        return 0
    print("| model | parameters | GFLOPs / image | input size |")
    print("|---|---|---|---|")
    for name in names:
        stats = model_stats(disgrl.create_model(name))
        size = "x".join(str(s) for s in stats["input_size"][1:])
        print(f"| `{name}` | {stats['params_m']:.1f} M | {stats['gflops']:.1f} | {size} |", flush=True)
    return 0
