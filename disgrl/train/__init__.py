"""Fine-tuning: the :class:`Trainer`, its :class:`TrainConfig`, and evaluation helpers."""

from .config import TrainConfig
from .evaluate import evaluate, predict_scores
from .trainer import Trainer, TrainResult, seed_everything

__all__ = ["TrainConfig", "TrainResult", "Trainer", "evaluate", "predict_scores", "seed_everything"]
