"""Scoring a labelled dataset and computing ACC / AUC / EER / AP (frame and video level)."""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from .data import dataset_labels, dataset_videos, unpack_batch
from .distributed import DistInfo, all_gather_objects


def predict_scores(
    model: nn.Module,
    dataset: Dataset,
    *,
    batch_size: int = 32,
    device: torch.device | str | None = None,
    amp_dtype: torch.dtype | None = None,
    num_workers: int = 0,
    dist_info: DistInfo | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """P(fake) for every readable item: returns (indices, labels, scores), in dataset order.

    Under DDP each rank scores a shard; the results are gathered on every rank.
    """
    from ..data import collate_skip_none

    info = dist_info or DistInfo()
    device = torch.device(device) if device is not None else next(model.parameters()).device
    shard = list(range(info.rank, len(dataset), info.world_size))
    batches = [shard[i : i + batch_size] for i in range(0, len(shard), batch_size)]
    loader = DataLoader(dataset, batch_sampler=batches, num_workers=num_workers, collate_fn=collate_skip_none)
    was_training = model.training
    model.eval()
    idx_all, lab_all, score_all = [], [], []
    ctx = torch.autocast(device.type, dtype=amp_dtype) if amp_dtype is not None else contextlib.nullcontext()
    try:
        for b, batch in zip(batches, loader):
            x, y, idx, _ = unpack_batch(batch)
            if x.shape[0] == 0:
                continue
            with torch.inference_mode(), ctx:
                logits = model(x.to(device)).logits.float()
            scores = torch.sigmoid(logits[:, 0]) if logits.shape[1] == 1 else torch.softmax(logits, 1)[:, 1]
            idx_all.append(idx.numpy() if idx is not None else np.asarray(b[: x.shape[0]]))
            lab_all.append(y.numpy())
            score_all.append(scores.cpu().numpy())
    finally:
        model.train(was_training)
    parts = all_gather_objects(
        (np.concatenate(idx_all or [np.zeros(0, int)]), np.concatenate(lab_all or [np.zeros(0, int)]),
         np.concatenate(score_all or [np.zeros(0)])),
        info,
    )  # fmt: skip
    idx = np.concatenate([p[0] for p in parts]).astype(int)
    order = np.argsort(idx, kind="stable")
    labels = np.concatenate([p[1] for p in parts])[order].astype(int)
    scores = np.concatenate([p[2] for p in parts])[order].astype(np.float64)
    return idx[order], labels, scores


def evaluate(
    model: nn.Module,
    dataset: Dataset,
    *,
    batch_size: int = 32,
    device: torch.device | str | None = None,
    amp_dtype: torch.dtype | None = None,
    threshold: float = 0.5,
    num_workers: int = 0,
    dist_info: DistInfo | None = None,
) -> dict[str, Any]:
    """Metrics of ``model`` on ``dataset`` (see :func:`disgrl.metrics.compute_metrics`).

    Video-level metrics (mean frame probability per video) are added when the dataset has
    ``.videos``; ``n_skipped`` counts unreadable images skipped by the dataset.
    """
    from ..metrics import compute_metrics

    idx, labels, scores = predict_scores(
        model, dataset, batch_size=batch_size, device=device, amp_dtype=amp_dtype, num_workers=num_workers,
        dist_info=dist_info,
    )  # fmt: skip
    videos = dataset_videos(dataset)
    vids = None
    if videos is not None and any(v is not None for v in videos):
        vids = [videos[i] if videos[i] is not None else f"#{i}" for i in idx]
    metrics = compute_metrics(labels, scores, videos=vids, threshold=threshold)
    known = dataset_labels(dataset)
    metrics["n_skipped"] = (len(known) if known is not None else len(dataset)) - len(idx)
    return metrics
