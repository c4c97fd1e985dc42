"""Convert a PyTorch checkpoint (.pth/.bin) into a safetensors weights folder.

The checkpoint is read with torch.load(weights_only=True): tensors only, never arbitrary
pickled objects. A checkpoint from the authors' training code (znshi/DisGRL, keys prefixed
"module.") is recognised and mapped onto disgrl_xception_official; its unused modules are
dropped. Every remaining key must fit the model, or the command lists what does not.

Examples:
  disgrl convert authors_best.pth converted/
  disgrl convert my_run.pth converted/ --model disgrl_xception
  disgrl predict face.png --weights converted/
"""

from __future__ import annotations

import argparse


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("checkpoint", help="the .pth / .pt / .bin file")
    p.add_argument("out", help="folder to write (config.json + model.safetensors)")
    p.add_argument("--model", help="architecture name (default: disgrl_xception_official for the authors' checkpoints)")
    p.add_argument("--fp16", action="store_true", help="store the weights in float16 (half the size)")


def run(args: argparse.Namespace) -> int:
    import torch

    from disgrl.convert import convert_checkpoint

    out = convert_checkpoint(args.checkpoint, args.out, args.model, dtype=torch.float16 if args.fp16 else None)
    print(f"wrote {out}/config.json and {out}/model.safetensors")
    return 0
