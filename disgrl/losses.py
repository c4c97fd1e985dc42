"""DisGRL's training objective (paper Eq. 12; SPEC §6).

``L = L_cls + λ1 L_r1 + λ2 L_r2 + λ3 L_m``: a binary cross-entropy on one logit (optionally
"flooded"), L1 reconstruction terms over real images only, and RECCE's metric-learning loss on
the F5 embeddings. Labels: 0 = real, 1 = fake.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .models.disgrl import DisGRLOutput


@dataclass
class LossOutput:
    """The total loss and its terms (``None`` for a term the model does not have)."""

    total: Tensor
    cls: Tensor
    rec1: Tensor | None = None
    rec2: Tensor | None = None
    metric: Tensor | None = None

    def as_dict(self) -> dict[str, float]:
        """Detached float values, for logging."""
        return {k: float(v.detach()) for k, v in vars(self).items() if v is not None}


def classification_loss(logits: Tensor, labels: Tensor, flooding: float | None = 0.04) -> Tensor:
    """BCE on one logit (or cross-entropy on several); with flooding ``b``: ``|L - b| + b``."""
    if logits.dim() == 2 and logits.shape[1] == 1:
        loss = F.binary_cross_entropy_with_logits(logits[:, 0].float(), labels.float())
    else:
        loss = F.cross_entropy(logits.float(), labels.long())
    if flooding is not None and flooding > 0:
        loss = (loss - flooding).abs() + flooding
    return loss


def reconstruction_loss(reconstruction: Tensor, images: Tensor, labels: Tensor) -> Tensor:
    """Mean absolute error between X̂ and X over REAL samples; 0 (not NaN) when there are none.

    The zero keeps the graph connected (``sum() * 0``) so DDP sees every parameter used.
    """
    real = labels == 0
    if not bool(real.any()):
        return reconstruction.sum() * 0.0
    return (reconstruction[real].float() - images[real].float()).abs().mean()


def metric_learning_loss(embedding: Tensor, labels: Tensor, eps: float = 1e-6) -> Tensor:
    r"""RECCE's metric-learning loss on F5 embeddings.

    ``e = normalize(embedding)``, ``c_ij = (1 + e_i·e_j) / 2``;
    ``L_m = max(0, 1 - mean_{real-real, i≠j} c + mean_{real-fake} c)``, each mean's
    denominator + ``eps``; fake-fake pairs are ignored.
    """
    e = F.normalize(embedding.float(), p=2, dim=1)
    corr = (e @ e.t() + 1.0) / 2.0
    real = (labels == 0).float()
    fake = 1.0 - real
    eye = torch.eye(len(labels), device=embedding.device)
    same = real[:, None] * real[None, :] * (1.0 - eye)
    diff = real[:, None] * fake[None, :] + fake[:, None] * real[None, :]
    sim = (corr * same).sum() / (same.sum() + eps)
    dis = (corr * diff).sum() / (diff.sum() + eps)
    return torch.clamp(1.0 - sim + dis, min=0.0)


class DisGRLLoss(nn.Module):
    """Eq. 12 as a module: ``loss(output, images, labels) -> LossOutput``.

    Works for every Table 5 variant: a model without a head has no such term.

    Args:
        lambda_rec1, lambda_rec2, lambda_metric: the λ's (0.1 each).
        flooding: flooding level ``b`` of the classification loss (0.04; ``None`` = off).
    """

    def __init__(
        self,
        lambda_rec1: float = 0.1,
        lambda_rec2: float = 0.1,
        lambda_metric: float = 0.1,
        flooding: float | None = 0.04,
    ) -> None:
        super().__init__()
        self.lambda_rec1 = lambda_rec1
        self.lambda_rec2 = lambda_rec2
        self.lambda_metric = lambda_metric
        self.flooding = flooding

    def forward(self, output: DisGRLOutput, images: Tensor, labels: Tensor) -> LossOutput:
        labels = labels.to(output.logits.device)
        cls = classification_loss(output.logits, labels, self.flooding)
        total = cls
        rec1 = rec2 = metric = None
        if output.rec1 is not None:
            rec1 = reconstruction_loss(output.rec1, images, labels)
            total = total + self.lambda_rec1 * rec1
        if output.rec2 is not None:
            rec2 = reconstruction_loss(output.rec2, images, labels)
            total = total + self.lambda_rec2 * rec2
        if self.lambda_metric and output.embedding is not None:
            metric = metric_learning_loss(output.embedding, labels)
            total = total + self.lambda_metric * metric
        return LossOutput(total, cls, rec1, rec2, metric)
