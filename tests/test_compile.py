"""torch.compile: the models trace into one graph (no graph breaks) and compiled == eager."""

from __future__ import annotations

import pytest
import torch

import disgrl


def _explain(model: torch.nn.Module, x: torch.Tensor):
    torch._dynamo.reset()
    try:
        return torch._dynamo.explain(model)(x)
    finally:
        torch._dynamo.reset()


def _assert_one_graph(explanation) -> None:
    reasons = [str(b.reason) for b in explanation.break_reasons]
    assert explanation.graph_break_count == 0, reasons
    assert explanation.graph_count == 1


@pytest.mark.parametrize("mode", ["eval", "train"])
def test_disgrl_tiny_has_no_graph_breaks(mode):
    model = disgrl.create_model("disgrl_tiny").train(mode == "train")
    if mode == "train":  # the training noise of add_noise is part of forward
        assert model.config.noise_std > 0 and model.config.noise_prob > 0
    _assert_one_graph(_explain(model, torch.rand(2, 3, 64, 64) * 2 - 1))


@pytest.mark.slow
@pytest.mark.parametrize("name", disgrl.list_models())
@pytest.mark.parametrize("mode", ["eval", "train"])
def test_every_model_has_no_graph_breaks_at_full_size(name, mode):
    model = disgrl.create_model(name).train(mode == "train")
    _, h, w = model.data_config["input_size"]
    _assert_one_graph(_explain(model, torch.rand(2, 3, h, w) * 2 - 1))


@pytest.mark.slow
def test_compiled_disgrl_tiny_matches_eager():
    model = disgrl.create_model("disgrl_tiny").eval()
    x = torch.rand(2, 3, 128, 128) * 2 - 1
    torch._dynamo.reset()
    compiled = torch.compile(model)
    with torch.no_grad():
        ref, out = model(x), compiled(x)
    torch.testing.assert_close(out.logits, ref.logits, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(out.rec1, ref.rec1, atol=1e-4, rtol=1e-4)


def test_detector_compile_option_wraps_the_model(tiny_model, monkeypatch):
    calls = []

    def fake_compile(model, **kwargs):
        calls.append(model)
        return lambda x: model(x)

    monkeypatch.setattr(torch, "compile", fake_compile)
    det = disgrl.DisGRLDetector(tiny_model, device="cpu", compile=True)
    assert calls == [tiny_model] and det.model is tiny_model and det.compiled
    (pred,) = det.predict(torch.rand(3, 64, 64))
    assert 0.0 <= pred.score <= 1.0


@pytest.mark.slow
def test_detector_with_compile_scores_like_eager(tiny_model):
    images = [torch.rand(3, 64, 64) for _ in range(3)]
    eager = disgrl.DisGRLDetector(tiny_model, device="cpu").predict(images, batch_size=3)
    torch._dynamo.reset()
    det = disgrl.DisGRLDetector(tiny_model, device="cpu", compile=True)
    compiled = det.predict(images, batch_size=3)
    assert [p.score for p in compiled] == pytest.approx([p.score for p in eager], abs=1e-5)
    # a model compiled by the caller works too
    torch._dynamo.reset()
    det = disgrl.DisGRLDetector(torch.compile(tiny_model), device="cpu")
    assert [p.score for p in det.predict(images, batch_size=3)] == pytest.approx([p.score for p in eager], abs=1e-5)
