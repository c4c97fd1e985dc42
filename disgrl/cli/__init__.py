"""The ``disgrl`` command line: ``disgrl <command> --help`` explains each command."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# (command, module, one-line help); each module has add_arguments(parser) and run(args) -> int.
COMMANDS: list[tuple[str, str, str]] = [
    ("demo", "disgrl.cli.demo", "try it offline: manipulate bundled photos, score them, write maps (demo weights)"),
    ("train", "disgrl.cli.train", "fine-tune a detector on your own real/fake images"),
    ("eval", "disgrl.cli.eval", "measure ACC / AUC / EER / AP of weights on labelled images"),
    ("predict", "disgrl.cli.predict", "score images as real or fake (and save maps that show where)"),
    ("convert", "disgrl.cli.convert", "convert a .pth/.bin checkpoint into a safetensors weights folder"),
    ("list-models", "disgrl.cli.list_models", "list the registered models (and their size and cost)"),
    ("make-synthetic", "disgrl.cli.make_synthetic", "make a synthetic forgery benchmark (real and fake images, masks)"),
    ("extract-faces", "disgrl.cli.extract_faces", "crop faces from videos and images (dataset preprocessing)"),
    ("export", "disgrl.cli.export", "export a model to ONNX (and check it against PyTorch)"),
]


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = argparse.ArgumentParser(
        prog="disgrl",
        description="Detect manipulated images with DisGRL and friends. Run `disgrl COMMAND --help` for details.",
    )
    parser.add_argument("--version", action="version", version=f"disgrl {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module, help_text in COMMANDS:
        mod = importlib.import_module(module)
        p = sub.add_parser(
            name,
            help=help_text,
            description=(mod.__doc__ or help_text).strip(),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    try:
        return int(args._run(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (FileNotFoundError, ValueError) as e:
        print(f"disgrl {args.command}: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
