"""``Trainer``: the paper's recipe with checkpoints that resume exactly, early stopping and DDP."""

from __future__ import annotations

import contextlib
import json
import math
import os
import random
import signal
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from .._atomic import atomic_write_text
from ..data import collate_skip_none
from ..losses import DisGRLLoss
from .checkpoint import latest_checkpoint, load_checkpoint, save_checkpoint
from .config import TrainConfig
from .data import dataset_labels, dataset_pair_keys, epoch_batches, flip_batch, unpack_batch
from .distributed import DistInfo, barrier, broadcast_flag, cleanup, init_distributed
from .evaluate import evaluate


@dataclass
class TrainResult:
    """What :meth:`Trainer.fit` produced.

    ``out_dir`` holds the selected model (``config.json`` + ``model.safetensors``, loadable by
    ``disgrl.load_pretrained(out_dir)``): the best validation AUC, or the last epoch without
    validation data.
    """

    out_dir: Path
    best_auc: float | None = None
    best_epoch: int | None = None
    epochs_run: int = 0
    global_step: int = 0
    stopped_early: bool = False
    history: list[dict[str, Any]] = field(default_factory=list)
    skipped_images: int = 0


def seed_everything(seed: int) -> None:
    """Seed Python, numpy and torch (all devices)."""
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)


def _amp_settings(amp: str, device: torch.device) -> tuple[torch.dtype | None, bool]:
    """(autocast dtype or None, whether a grad scaler is needed)."""
    if amp == "none" or (amp == "auto" and device.type != "cuda"):
        return None, False
    if amp == "bf16" or (amp == "auto" and torch.cuda.is_bf16_supported()):
        return torch.bfloat16, False
    return torch.float16, device.type == "cuda"


class Trainer:
    """Fine-tune a DisGRL model (any Table 5 variant) on labelled images.

    Args:
        model: the model to train (e.g. ``disgrl.create_model("disgrl_xception", pretrained_backbone=True)``).
        train_data: a dataset whose items are ``{"image", "label", "index"}`` dicts (``disgrl.data``)
            or ``(image, label)`` tuples, with a ``.labels`` list for balancing. Images should
            come resized and normalised but not flipped: the trainer flips, reproducibly.
        val_data: evaluated every ``config.val_every`` epochs (ACC/AUC/EER/AP, and video level
            when the dataset has ``.videos``); selects the best model by AUC.
        config: the recipe (:class:`TrainConfig`).
        out_dir: the run folder: the selected model, ``checkpoints/``, ``log.jsonl``,
            ``metrics.json``, ``train_config.json``.
        device: default CUDA (this process's GPU under torchrun) when available, else CPU.
        loss: default :class:`~disgrl.losses.DisGRLLoss` with the config's λ's and flooding.

    Launch with ``torchrun --nproc_per_node N`` for data-parallel training (gloo on CPU, nccl
    on GPU); ``config.batch_size`` is then split across the processes.
    """

    def __init__(
        self,
        model: nn.Module,
        train_data: Dataset,
        val_data: Dataset | None = None,
        config: TrainConfig | None = None,
        out_dir: str | Path = "runs/disgrl",
        device: str | torch.device | None = None,
        loss: nn.Module | None = None,
    ) -> None:
        self.config = (config or TrainConfig()).validate()
        self.out_dir = Path(out_dir)
        self.train_data = train_data
        self.val_data = val_data
        base_device = torch.device(device) if device is not None else None
        self.dist: DistInfo = init_distributed(base_device)
        if base_device is None:
            base_device = (
                torch.device("cuda", self.dist.local_rank) if torch.cuda.is_available() else torch.device("cpu")
            )
        self.device = base_device
        if self.config.batch_size % self.dist.world_size:
            raise ValueError(
                f"batch_size {self.config.batch_size} must be divisible by {self.dist.world_size} processes"
            )
        self.model = model.to(self.device)
        c = self.config
        self.loss_fn = loss or DisGRLLoss(c.lambda_rec1, c.lambda_rec2, c.lambda_metric, c.flooding)
        self.labels = dataset_labels(train_data)
        self.pair_keys = dataset_pair_keys(train_data, c.pair_by) if c.pair_by else None
        if self.labels is None and c.balance and self.pair_keys is None:
            raise ValueError("balance=True needs a training dataset with a .labels list (or set balance=False)")

    # ------------------------------------------------------------------------------ setup
    def _build(self) -> tuple[nn.Module, torch.optim.Optimizer, Any, Any]:
        c = self.config
        if c.freeze_encoder:
            self.model.freeze_encoder(True)
        params = [p for p in self.model.parameters() if p.requires_grad]
        optimizer = torch.optim.Adam(params, lr=c.lr, weight_decay=c.weight_decay)
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=max(1, c.lr_step_epochs), gamma=c.lr_gamma)
        self.amp_dtype, needs_scaler = _amp_settings(c.amp, self.device)
        scaler = torch.amp.GradScaler(self.device.type, enabled=needs_scaler)
        wrapped: nn.Module = self.model
        if self.dist.enabled:
            ids = [self.device.index] if self.device.type == "cuda" else None
            wrapped = nn.parallel.DistributedDataParallel(self.model, device_ids=ids)
        return wrapped, optimizer, scheduler, scaler

    def _log(self, record: dict[str, Any]) -> None:
        if not self.dist.is_main:
            return
        with open(self.out_dir / "log.jsonl", "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")

    def _autocast(self) -> contextlib.AbstractContextManager:
        if self.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.amp_dtype)

    # -------------------------------------------------------------------------------- fit
    def fit(self, resume: bool = False) -> TrainResult:
        """Train; with ``resume=True`` continue exactly from the run folder's last checkpoint."""
        c = self.config
        if self.dist.is_main:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        barrier(self.dist)
        seed_everything(c.seed + self.dist.rank)
        wrapped, optimizer, scheduler, scaler = self._build()
        progress: dict[str, Any] = {
            "epoch": 0, "batch_in_epoch": 0, "global_step": 0, "best_auc": None, "best_epoch": None,
            "patience": 0, "history": [], "skipped": 0, "stopped_early": False,
        }  # fmt: skip
        ckpt_dir = self.out_dir / "checkpoints"
        if resume:
            found = latest_checkpoint(ckpt_dir)
            if found is None:
                print(f"no checkpoint in {ckpt_dir}: starting from scratch", file=sys.stderr)
            else:
                progress = load_checkpoint(found, self.model, optimizer, scheduler, scaler)
                if self.dist.enabled:  # each rank keeps its own RNG stream
                    seed_everything(c.seed + self.dist.rank + 7919 * progress["global_step"])
        elif self.dist.is_main:
            atomic_write_text(self.out_dir / "train_config.json", c.to_json() + "\n")

        kill_at = int(os.environ.get("DISGRL_FAULT_KILL_AFTER_STEP", "0"))  # fault injection, for tests

        def checkpoint() -> None:
            if self.dist.is_main:
                save_checkpoint(ckpt_dir, self.model, optimizer, scheduler, scaler, progress)
            barrier(self.dist)
            if kill_at and progress["global_step"] == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)

        loader_gen = torch.Generator().manual_seed(c.seed)
        while progress["epoch"] < c.epochs and not progress["stopped_early"]:
            epoch = progress["epoch"]
            batches = epoch_batches(
                len(self.train_data),
                self.labels,
                c.batch_size,
                epoch,
                c.seed,
                c.balance,
                self.dist.rank,
                self.dist.world_size,
                self.pair_keys,
            )
            if not batches:
                raise ValueError(
                    f"the training set ({len(self.train_data)} images) is smaller than one batch of {c.batch_size}"
                )
            steps_in_epoch = len(batches) // c.grad_accum
            batches = batches[: steps_in_epoch * c.grad_accum]
            start = progress["batch_in_epoch"]
            self._train_epoch(wrapped, optimizer, scaler, batches, start, epoch, progress, checkpoint, loader_gen)
            with warnings.catch_warnings():  # resumed at an epoch's end, the optimizer has not stepped yet
                warnings.filterwarnings("ignore", message="Detected call of `lr_scheduler.step()`")
                scheduler.step()
            record = {"epoch": epoch + 1, "step": progress["global_step"], "lr": optimizer.param_groups[0]["lr"]}
            is_last = epoch + 1 == c.epochs or (c.max_steps is not None and progress["global_step"] >= c.max_steps)
            if self.val_data is not None and ((epoch + 1) % c.val_every == 0 or is_last):
                metrics = evaluate(
                    self.model, self.val_data, batch_size=c.batch_size, device=self.device, amp_dtype=self.amp_dtype,
                    threshold=c.threshold, num_workers=c.num_workers, dist_info=self.dist,
                )  # fmt: skip
                record.update({f"val_{k}": v for k, v in metrics.items()})
                self._select(metrics, epoch, progress)
            progress["history"].append(record)
            self._log({"event": "epoch", **record})
            if self.dist.is_main and c.progress:
                shown = {
                    k: round(v, 4) if isinstance(v, float) else v
                    for k, v in record.items()
                    if k in ("epoch", "lr", "val_acc", "val_auc", "val_eer", "val_ap", "val_video_auc")
                }
                print(f"epoch {epoch + 1}/{c.epochs}: {shown}", file=sys.stderr, flush=True)
            progress["epoch"] = epoch + 1
            progress["batch_in_epoch"] = 0
            checkpoint()
            if c.max_steps is not None and progress["global_step"] >= c.max_steps:
                break

        if self.val_data is None and self.dist.is_main:
            self.model.save_pretrained(self.out_dir, metrics={}, training_data=self._describe_data())
        if self.dist.is_main:
            atomic_write_text(self.out_dir / "metrics.json", json.dumps(progress["history"], indent=2) + "\n")
        barrier(self.dist)
        result = TrainResult(
            out_dir=self.out_dir, best_auc=progress["best_auc"], best_epoch=progress["best_epoch"],
            epochs_run=progress["epoch"], global_step=progress["global_step"], stopped_early=progress["stopped_early"],
            history=progress["history"], skipped_images=progress["skipped"],
        )  # fmt: skip
        cleanup(self.dist)
        return result

    def _train_epoch(
        self,
        wrapped: nn.Module,
        optimizer: torch.optim.Optimizer,
        scaler: Any,
        batches: list[list[int]],
        start: int,
        epoch: int,
        progress: dict[str, Any],
        checkpoint: Any,
        loader_gen: torch.Generator,
    ) -> None:
        c = self.config
        wrapped.train()
        if c.freeze_encoder:
            self.model.encoder.eval()
        loader = DataLoader(
            self.train_data, batch_sampler=batches[start:], num_workers=c.num_workers, collate_fn=collate_skip_none,
            generator=loader_gen, pin_memory=self.device.type == "cuda",
        )  # fmt: skip
        bar = _progress_bar(len(batches), start, f"epoch {epoch + 1}/{c.epochs}", c.progress and self.dist.is_main)
        t0 = time.time()
        running = 0.0
        for i, batch in enumerate(loader, start=start):
            x, y, idx, skipped = unpack_batch(batch)
            progress["skipped"] += skipped
            last_micro = (i + 1) % c.grad_accum == 0
            if x.shape[0] > 0:
                groups = None
                if self.pair_keys is not None and idx is not None:
                    groups = [self.pair_keys[j] for j in idx.tolist()]
                x = flip_batch(x.to(self.device, non_blocking=True), c.hflip, c.seed, epoch, i, self.dist.rank, groups)
                y = y.to(self.device)
                sync = contextlib.nullcontext() if last_micro or not self.dist.enabled else wrapped.no_sync()
                with sync:
                    with self._autocast():
                        out = wrapped(x)
                    losses = self.loss_fn(out, x, y)
                    scaler.scale(losses.total / c.grad_accum).backward()
                running = losses.total.item() if running == 0 else 0.9 * running + 0.1 * losses.total.item()
            progress["batch_in_epoch"] = i + 1
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{running:.4f}")
            if not last_micro:
                continue
            scaler.step(optimizer)
            scaler.update()
            optimizer.zero_grad(set_to_none=True)
            progress["global_step"] += 1
            step = progress["global_step"]
            if c.log_every and step % c.log_every == 0 and x.shape[0] > 0:
                self._log({"event": "step", "epoch": epoch + 1, "step": step, "time": round(time.time() - t0, 2),
                           **losses.as_dict()})  # fmt: skip
            if c.checkpoint_every and step % c.checkpoint_every == 0:
                checkpoint()
            if c.max_steps is not None and step >= c.max_steps:
                break
        if bar is not None:
            bar.close()

    def _select(self, metrics: dict[str, float], epoch: int, progress: dict[str, Any]) -> None:
        """Keep the best model by validation AUC; count validations without improvement."""
        auc = metrics.get("auc", float("nan"))
        best = progress["best_auc"]
        improved = not math.isnan(auc) and (best is None or auc > best)
        if improved:
            progress["best_auc"], progress["best_epoch"], progress["patience"] = auc, epoch + 1, 0
            if self.dist.is_main:
                self.model.save_pretrained(
                    self.out_dir, metrics={**metrics, "epoch": epoch + 1}, training_data=self._describe_data()
                )
        else:
            progress["patience"] += 1
        stop = self.config.early_stopping is not None and progress["patience"] >= self.config.early_stopping
        progress["stopped_early"] = broadcast_flag(stop, self.dist)

    def _describe_data(self) -> str:
        root = getattr(self.train_data, "root", None)
        n = len(self.train_data)
        return f"{n} training images" + (f" from {root}" if root else "")


def _progress_bar(total: int, initial: int, desc: str, enabled: bool) -> Any:
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - tqdm comes with huggingface-hub
        return None
    return tqdm(total=total, initial=initial, desc=desc, leave=False, dynamic_ncols=True)
