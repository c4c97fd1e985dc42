"""Speed work: the optimised layers compute what the unoptimised ones did; the benchmark runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import disgrl
from disgrl.layers import ExternalAttention

REPO = Path(__file__).resolve().parents[1]


def naive_external_attention(self: ExternalAttention, x: torch.Tensor) -> torch.Tensor:
    """The direct transcription of the double normalisation (before the speed work)."""
    shape = x.shape
    x = x.flatten(2)
    attn = torch.matmul(self.weight.to(x.dtype), x)  # (B, S, N)
    attn = torch.softmax(attn, dim=-1, dtype=torch.float32)
    attn = attn / (self.eps + attn.sum(dim=1, keepdim=True))
    w_out = self.weight.t() if self.weight_out is None else self.weight_out
    return torch.matmul(w_out.to(x.dtype), attn.to(x.dtype)).view(shape)


@pytest.mark.parametrize("shape", [(1, 8, 5, 7), (3, 8, 4, 4), (2, 8, 11)])
@pytest.mark.parametrize("tied", [True, False])
def test_external_attention_matches_the_direct_formula(shape, tied):
    torch.manual_seed(0)
    ea = ExternalAttention(8, tied=tied)
    x = torch.randn(shape, requires_grad=True)
    y = ea(x)
    ref = naive_external_attention(ea, x)
    torch.testing.assert_close(y, ref, rtol=1e-5, atol=1e-6)
    g = torch.randn_like(y)
    grads = torch.autograd.grad((y * g).sum(), [x, ea.weight])
    grads_ref = torch.autograd.grad((ref * g).sum(), [x, ea.weight])
    for a, b in zip(grads, grads_ref):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)


@pytest.mark.full
def test_disgrl_xception_logits_match_the_unoptimised_model(monkeypatch):
    torch.manual_seed(0)
    model = disgrl.create_model("disgrl_xception").eval()
    x = torch.randn(2, 3, 299, 299)
    with torch.inference_mode():
        fast = model(x)
        monkeypatch.setattr(ExternalAttention, "forward", naive_external_attention)
        slow = model(x)
    assert (fast.logits - slow.logits).abs().max().item() < 1e-4
    torch.testing.assert_close(fast.rec1, slow.rec1, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(fast.rec2, slow.rec2, rtol=1e-4, atol=1e-5)


def test_speed_benchmark_runs_and_writes_json(tmp_path):
    out = tmp_path / "speed.json"
    cmd = [sys.executable, str(REPO / "benchmarks" / "speed.py"), "--models", "disgrl_tiny", "--size", "48",
           "--repeats", "2", "--batch8-repeats", "1", "--detector", "--out", str(out)]  # fmt: skip
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    assert "| legacy_xception | " in res.stdout and "(1.00×)" in res.stdout
    record = json.loads(out.read_text())
    assert {"command", "commit", "hardware", "torch", "results", "detector"} <= record.keys()
    tiny = record["results"]["disgrl_tiny"]
    assert {"params_m", "gflops", "cpu_b1_latency_s", "cpu_b8_img_s"} <= tiny.keys()
    assert record["results"]["legacy_xception"]["gflops"] > tiny["gflops"] > 0
    assert record["detector"]["predict_s"] > 0


def test_speed_benchmark_accelerator_section_runs_on_cpu(tmp_path):
    """The CUDA section's code (inference modes, training step) at a tiny size. On CPU, bf16
    autocast is left out: without native bf16 it takes minutes for legacy_xception's training."""
    out = tmp_path / "speed.json"
    cmd = [sys.executable, str(REPO / "benchmarks" / "speed.py"), "--models", "disgrl_tiny", "--size", "48",
           "--cuda-only", "--accel-device", "cpu", "--modes", "fp32", "--batch-sizes", "2",
           "--cuda-repeats", "1", "--train-batch", "2", "--train-dtype", "fp32", "--out", str(out)]  # fmt: skip
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    tiny = json.loads(out.read_text())["results"]["disgrl_tiny"]
    assert {"cuda_fp32_b2_img_s", "cuda_train_fp32_b2_img_s"} <= tiny.keys()
