"""Fine-tune a forgery detector on your own images.

Put real images under DATA/real/ and manipulated ones under DATA/fake/ (any sub-folders,
common image formats), then:

  disgrl train --data DATA --model disgrl_tiny --out runs/mine --epochs 10

10% of DATA (whole sub-folders, i.e. videos, at a time) is held out for validation unless you
pass --val DIR; a DATA with train/ and val/ sub-folders (as `disgrl make-synthetic` writes) is
used as is; a CSV/JSONL manifest (path,label[,video,split]) works too. Every epoch prints
validation ACC / AUC / EER / AP; the best model by AUC is saved in the run folder, ready for

  disgrl predict photo.jpg --weights runs/mine
  disgrl eval --data TEST_DATA --weights runs/mine

Stop with Ctrl-C (or lose the machine) and continue exactly where it stopped with --resume.
Several GPUs: torchrun --nproc_per_node 4 -m disgrl train ... (the batch is split across them).
"""

from __future__ import annotations

import argparse
import dataclasses
import json

from ..train.config import TrainConfig


def add_arguments(p: argparse.ArgumentParser) -> None:
    d = TrainConfig()
    g = p.add_argument_group("data and model")
    g.add_argument("--data", required=True, help="folder with real/ and fake/ (or train/ and val/), or a manifest")
    g.add_argument("--val", help="validation folder (real/ and fake/); default: hold out --val-split of --data")
    g.add_argument("--val-split", type=float, default=0.1, help="fraction held out for validation (default 0.1)")
    g.add_argument(
        "--model", default="disgrl_xception", help="architecture (see `disgrl list-models`; default disgrl_xception)"
    )
    g.add_argument("--out", required=True, help="run folder: best model, checkpoints, logs")
    g.add_argument(
        "--weights", help="start from these weights (a folder, hf-hub:org/name or name.tag) instead of random"
    )
    g.add_argument(
        "--pretrained-backbone",
        metavar="FILE|imagenet",
        help="ImageNet backbone weights: a local timm weights file, or 'imagenet' to let timm download them",
    )
    g.add_argument("--input-size", type=int, help="train at this square size instead of the model's default (e.g. 128)")
    g.add_argument(
        "--skip-bad-images", action="store_true", help="skip (and count) unreadable images instead of stopping"
    )
    g.add_argument("--real-dirs", nargs="+", default=["real"], help="class folder names meaning real (default: real)")
    g.add_argument("--fake-dirs", nargs="+", default=["fake"], help="class folder names meaning fake (default: fake)")
    g = p.add_argument_group("recipe (defaults: the paper's)")
    g.add_argument("--epochs", type=int, default=d.epochs, help=f"passes over the data (default {d.epochs})")
    g.add_argument(
        "--batch-size",
        type=int,
        default=d.batch_size,
        help=f"images per step, all GPUs together (default {d.batch_size})",
    )
    g.add_argument("--lr", type=float, default=d.lr, help=f"Adam learning rate (default {d.lr})")
    g.add_argument("--weight-decay", type=float, default=d.weight_decay, help=f"(default {d.weight_decay})")
    g.add_argument(
        "--lr-step-epochs",
        type=int,
        default=d.lr_step_epochs,
        help=f"halve the lr every N epochs (default {d.lr_step_epochs})",
    )
    g.add_argument("--grad-accum", type=int, default=d.grad_accum, help="accumulate gradients over N batches per step")
    g.add_argument(
        "--amp",
        choices=["auto", "bf16", "fp16", "none"],
        default=d.amp,
        help="mixed precision (default: auto = on for GPUs)",
    )
    g.add_argument("--freeze-encoder", action="store_true", help="train everything but the backbone")
    g.add_argument("--no-balance", action="store_true", help="do not undersample the larger class each epoch")
    g.add_argument(
        "--pair-by",
        choices=["stem", "video", "twin"],
        help="keep images sharing a file name (real/0042.jpg, fake/0042.jpg), a video id, or a synthetic twin "
        "(make-synthetic's real 000042.jpg and its fake 000043.jpg) in the same batch; "
        "much faster learning when each fake was made from a real image of the data",
    )
    g.add_argument("--seed", type=int, default=d.seed, help="random seed (default 0)")
    g = p.add_argument_group("run control")
    g.add_argument("--workers", type=int, default=d.num_workers, help="data-loading processes (default 0)")
    g.add_argument("--device", help="cpu, cuda, cuda:1 (default: CUDA when available)")
    g.add_argument("--early-stopping", type=int, metavar="N", help="stop after N validations without a better AUC")
    g.add_argument(
        "--checkpoint-every",
        type=int,
        default=0,
        metavar="STEPS",
        help="also checkpoint every N steps (default: each epoch)",
    )
    g.add_argument("--max-steps", type=int, help="stop after this many optimiser steps")
    g.add_argument("--resume", action="store_true", help="continue the run in --out from its last checkpoint")
    g.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    import disgrl
    from disgrl._hub import load_model

    from ..train import Trainer, seed_everything
    from ..train.datasets import build_datasets

    seed_everything(args.seed)  # new layers' initialisation depends on the seed too
    if args.weights:
        model = load_model(args.weights)
    else:
        backbone = args.pretrained_backbone
        pretrained_backbone = True if backbone == "imagenet" else (backbone or False)
        model = disgrl.create_model(args.model, pretrained_backbone=pretrained_backbone)
    if args.input_size:
        model.pretrained_cfg["input_size"] = (3, args.input_size, args.input_size)
    classes = {**{n: 0 for n in args.real_dirs}, **{n: 1 for n in args.fake_dirs}}
    train, val = build_datasets(
        args.data, data_config=model.data_config, val=args.val, val_split=args.val_split, seed=args.seed,
        on_error="skip" if args.skip_bad_images else "raise", class_dirs=classes,
    )  # fmt: skip
    config = dataclasses.replace(
        TrainConfig(),
        epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, weight_decay=args.weight_decay,
        lr_step_epochs=args.lr_step_epochs, grad_accum=args.grad_accum, amp=args.amp,
        freeze_encoder=args.freeze_encoder, balance=not args.no_balance, pair_by=args.pair_by, seed=args.seed, num_workers=args.workers,
        early_stopping=args.early_stopping, checkpoint_every=args.checkpoint_every, max_steps=args.max_steps,
        progress=not args.no_progress,
    )  # fmt: skip
    trainer = Trainer(model, train, val, config, out_dir=args.out, device=args.device)
    if trainer.dist.is_main:
        n_val = len(val) if val is not None else 0
        print(f"training {args.model if not args.weights else args.weights} on {len(train)} images "
              f"({n_val} for validation) -> {args.out}", flush=True)  # fmt: skip
    result = trainer.fit(resume=args.resume)
    if trainer.dist.is_main:
        summary = {"out": str(result.out_dir), "best_auc": result.best_auc, "best_epoch": result.best_epoch,
                   "epochs": result.epochs_run, "steps": result.global_step, "stopped_early": result.stopped_early,
                   "skipped_images": result.skipped_images}  # fmt: skip
        print(json.dumps(summary))
    return 0
