"""``TrainConfig``: the paper's recipe as defaults (SPEC §6)."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any


@dataclass
class TrainConfig:
    """Everything that controls a training run (model and data aside).

    Defaults are the paper's recipe: Adam, lr 1e-4, weight decay 1e-5, StepLR γ = 0.5, batch 32,
    horizontal flip p = 0.5, λ = 0.1 for each auxiliary loss, flooding b = 0.04, mixed precision
    on GPU.

    Attributes:
        epochs: passes over the training data.
        batch_size: images per optimiser step and process... summed over processes under DDP
            (each of N processes takes ``batch_size / N``); with ``grad_accum`` > 1 each step
            accumulates that many batches.
        lr, weight_decay: Adam's.
        lr_step_epochs, lr_gamma: StepLR (multiply the lr by ``lr_gamma`` every ``lr_step_epochs``).
        grad_accum: micro-batches per optimiser step.
        amp: ``"auto"`` (bf16 on GPUs that support it, else fp16 with a grad scaler; off on
            CPU), ``"bf16"``, ``"fp16"`` or ``"none"``.
        hflip: probability of a horizontal flip per training image.
        balance: sample as many real as fake images each epoch (majority class undersampled,
            a different subset each epoch), as the paper does.
        pair_by: keep images that share a key in the same batch: ``"stem"`` (the file name
            without folder and extension: ``real/0042.jpg`` and ``fake/0042.jpg``) or
            ``"video"`` (the sample's video id) or ``"twin"`` (a :mod:`disgrl.data.synthetic` set:
            sample ``2k``, a real crop, and ``2k + 1``, the fake made from it). For data made of
            real images and fakes made from them, seeing both sides of a pair in one batch speeds
            learning markedly; groups are shuffled each epoch and ``balance`` is then not applied.
            ``None``: no grouping.
        freeze_encoder: train everything but the backbone (its BatchNorm statistics too).
        lambda_rec1, lambda_rec2, lambda_metric, flooding: the loss (Eq. 12).
        seed: seeds data order, flips, noise, dropout and initialisation of new layers.
        num_workers: DataLoader worker processes.
        val_every: validate every this many epochs (and at the end).
        early_stopping: stop after this many validations without a better AUC (None = never).
        checkpoint_every: also checkpoint every this many optimiser steps (0 = only per epoch).
        max_steps: stop after this many optimiser steps in total (None = run all epochs).
        threshold: decision threshold for the accuracy metric.
        log_every: write a log line every this many steps.
        progress: show a progress bar.
    """

    epochs: int = 10
    batch_size: int = 32
    lr: float = 1e-4
    weight_decay: float = 1e-5
    lr_step_epochs: int = 5
    lr_gamma: float = 0.5
    grad_accum: int = 1
    amp: str = "auto"
    hflip: float = 0.5
    balance: bool = True
    pair_by: str | None = None
    freeze_encoder: bool = False
    lambda_rec1: float = 0.1
    lambda_rec2: float = 0.1
    lambda_metric: float = 0.1
    flooding: float | None = 0.04
    seed: int = 0
    num_workers: int = 0
    val_every: int = 1
    early_stopping: int | None = None
    checkpoint_every: int = 0
    max_steps: int | None = None
    threshold: float = 0.5
    log_every: int = 10
    progress: bool = True

    def validate(self) -> TrainConfig:
        if self.epochs < 1 or self.batch_size < 1 or self.grad_accum < 1:
            raise ValueError("epochs, batch_size and grad_accum must be >= 1")
        if self.amp not in ("auto", "bf16", "fp16", "none"):
            raise ValueError(f"amp must be auto, bf16, fp16 or none, got {self.amp!r}")
        if self.pair_by not in (None, "stem", "video", "twin"):
            raise ValueError(f"pair_by must be None, 'stem', 'video' or 'twin', got {self.pair_by!r}")
        if not 0 <= self.hflip <= 1:
            raise ValueError(f"hflip must be a probability, got {self.hflip}")
        return self

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown training option(s) {sorted(unknown)}")
        return cls(**data)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)
