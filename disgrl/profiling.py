"""Parameter and FLOP counts (``torch.utils.flop_counter``; a multiply-add counts 2)."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode


def count_parameters(model: nn.Module) -> int:
    """Number of parameter elements (a tied parameter counts once)."""
    return sum(p.numel() for p in model.parameters())


def count_gflops(model: nn.Module, input_size: tuple[int, int, int] = (3, 299, 299), batch_size: int = 1) -> float:
    """GFLOPs per image of one eval-mode forward pass at ``input_size``."""
    was_training = model.training
    model.eval()
    try:
        p = next(model.parameters())
        x = torch.zeros(batch_size, *input_size, device=p.device, dtype=p.dtype)
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            model(x)
    finally:
        model.train(was_training)
    return counter.get_total_flops() / 1e9 / batch_size


def model_stats(model: nn.Module, input_size: tuple[int, int, int] | None = None) -> dict[str, Any]:
    """``{"params_m": ..., "gflops": ..., "input_size": ...}`` at the model's data-config size."""
    size = input_size or tuple(getattr(model, "data_config", {}).get("input_size", (3, 299, 299)))
    return {"params_m": count_parameters(model) / 1e6, "gflops": count_gflops(model, size), "input_size": size}
