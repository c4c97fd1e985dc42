"""Shared fixtures. Tests never touch the network: the Hub is forced offline."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import pytest
import torch

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = (REPO / ".." / "shared" / "data").resolve()


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


@pytest.fixture(scope="session")
def photos_dir() -> Path:
    path = SHARED_DATA / "photos"
    if not path.is_dir():
        pytest.skip(f"shared photos not found at {path}")
    return path


@pytest.fixture(scope="session")
def cutouts_dir() -> Path:
    path = SHARED_DATA / "cutouts"
    if not path.is_dir():
        pytest.skip(f"shared cutouts not found at {path}")
    return path


@pytest.fixture
def tiny_model():
    """A small DisGRL (random weights) for fast tests; 64x64 input."""
    import disgrl

    model = disgrl.create_model("disgrl_tiny").eval()
    model.pretrained_cfg["input_size"] = (3, 64, 64)
    return model
