"""The assembled model: parts, outputs, gradients, config round trip, determinism."""

from __future__ import annotations

import json

import pytest
import timm
import torch
from safetensors.torch import save_file
from torch.utils.flop_counter import FlopCounterMode

import disgrl
from disgrl.losses import DisGRLLoss
from disgrl.models import DisGRL, DisGRLConfig, TimmEncoder, XceptionEncoder

SMALL = (2, 3, 72, 64)  # small, non-square


def _inputs(shape=SMALL):
    return torch.rand(*shape) * 2 - 1


@pytest.mark.full
def test_disgrl_xception_full_size_contract():
    """1x3x299x299 -> one logit and two 3x299x299 reconstructions; ≈67 M params, ≈79 GFLOPs."""
    model = disgrl.create_model("disgrl_xception").eval()
    x = _inputs((1, 3, 299, 299))
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        out = model(x)
    assert out.logits.shape == (1, 1)
    assert out.rec1.shape == (1, 3, 299, 299) and out.rec2.shape == (1, 3, 299, 299)
    assert out.embedding.shape == (1, 728)
    params = sum(p.numel() for p in model.parameters())
    assert 66e6 < params < 69e6, params
    gflops = counter.get_total_flops() / 1e9
    assert 75 < gflops < 83, gflops


def test_xception_encoder_taps_follow_spec():
    enc = XceptionEncoder()
    assert enc.out_channels == (64, 128, 256, 728, 728)
    assert enc.exit_channels == 2048
    feats = enc(torch.randn(1, 3, 299, 299))
    assert [tuple(f.shape[1:]) for f in feats] == [
        (64, 147, 147), (128, 74, 74), (256, 37, 37), (728, 19, 19), (728, 19, 19),
    ]  # fmt: skip
    assert enc.exit_stages[0] == "block5" and enc.exit_stages[-1] == "act4"
    assert enc.forward_exit(feats[-1]).shape == (1, 2048, 10, 10)


def test_xception_encoder_keeps_timm_state_dict_keys():
    ref = timm.create_model("legacy_xception").state_dict()
    ref = {k: v for k, v in ref.items() if not k.startswith("fc.")}
    enc = XceptionEncoder()
    assert set(enc.state_dict()) == set(ref)
    enc.load_state_dict(ref, strict=True)


def test_encoder_matches_timm_forward_features():
    torch.manual_seed(0)
    m = timm.create_model("legacy_xception").eval()
    enc = XceptionEncoder().eval()
    enc.load_state_dict({k: v for k, v in m.state_dict().items() if not k.startswith("fc.")})
    x = torch.randn(1, 3, 96, 96)
    with torch.no_grad():
        torch.testing.assert_close(enc.forward_exit(enc(x)[-1]), m.forward_features(x))


@pytest.mark.parametrize("backbone", ["efficientnet_b0", "resnet10t"])
def test_generic_timm_encoder_reads_channels_from_backbone(backbone):
    m = timm.create_model(backbone).eval()
    enc = TimmEncoder(backbone).eval()
    enc.load_state_dict({k: v for k, v in m.state_dict().items() if k in enc.state_dict()})
    assert enc.out_channels == tuple(f["num_chs"] for f in m.feature_info)
    x = torch.randn(1, 3, 96, 96)
    with torch.no_grad():
        feats = enc(x)
        assert [f.shape[1] for f in feats] == list(enc.out_channels)
        torch.testing.assert_close(enc.forward_exit(feats[-1]), m.forward_features(x))
    assert enc.exit_channels == m.num_features


def test_encoder_rejects_backbone_with_four_levels():
    with pytest.raises(ValueError, match="five"):
        TimmEncoder("convnext_atto")


def test_pretrained_backbone_from_local_file(tmp_path):
    """pretrained_backbone=<file> goes through timm's loader without any download."""
    ref = timm.create_model("legacy_xception")
    path = tmp_path / "xception.safetensors"
    save_file({k: v.contiguous() for k, v in ref.state_dict().items()}, str(path))
    model = disgrl.create_model("xception_baseline", pretrained_backbone=path)
    for key in ("conv1.weight", "block7.rep.1.pointwise.weight", "bn4.running_var"):
        torch.testing.assert_close(model.encoder.state_dict()[key], ref.state_dict()[key])
    with pytest.raises(FileNotFoundError):
        disgrl.create_model("xception_baseline", pretrained_backbone=tmp_path / "missing.pth")


def test_every_parameter_gets_a_gradient():
    """No dead modules: every parameter of disgrl_xception receives a non-zero gradient."""
    model = disgrl.create_model("disgrl_xception").train()
    x = _inputs((4, 3, 96, 96))
    labels = torch.tensor([0, 1, 0, 1])
    out = model(x)
    DisGRLLoss()(out, x, labels).total.backward()
    dead = [n for n, p in model.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert dead == []


def test_config_json_round_trip_rebuilds_identical_model():
    for name in disgrl.list_models():
        model = disgrl.create_model(name)
        cfg = DisGRLConfig.from_json(model.config.to_json())
        assert cfg == model.config, name
        rebuilt = DisGRL(cfg)
        a = {k: tuple(v.shape) for k, v in model.state_dict().items()}
        b = {k: tuple(v.shape) for k, v in rebuilt.state_dict().items()}
        assert a == b, name
        json.dumps(model.config.to_dict())


def test_config_rejects_unknown_fields_and_bad_combinations():
    with pytest.raises(ValueError, match="unknown field"):
        DisGRLConfig.from_dict({"dea": {"expansoin": 2}})
    with pytest.raises(ValueError, match="reconstruction head"):
        DisGRLConfig.from_dict({"reconstruction": {"rec1": False, "rec2": False}}).validate()


def test_eval_outputs_are_deterministic():
    model = disgrl.create_model("disgrl_xception").eval()
    x = _inputs()
    with torch.no_grad():
        a, b = model(x), model(x)
    assert torch.equal(a.logits, b.logits) and torch.equal(a.rec1, b.rec1) and torch.equal(a.rec2, b.rec2)


def test_training_noise_touches_encoder_input_only():
    model = disgrl.create_model("disgrl_xception", noise_std=0.5, noise_prob=1.0)
    x = _inputs((2, 3, 8, 8))
    noisy = model.add_noise(x)
    assert not torch.equal(noisy, x) and noisy.min() >= -1 and noisy.max() <= 1
    quiet = disgrl.create_model("disgrl_xception", noise_prob=0.0)
    assert torch.equal(quiet.add_noise(x), x)


def test_forward_rejects_wrong_input():
    model = disgrl.create_model("xception_baseline")
    with pytest.raises(ValueError, match=r"\(B, 3, H, W\)"):
        model(torch.randn(3, 64, 64))


def test_parts_can_be_swapped():
    enc = TimmEncoder("resnet10t")
    model = disgrl.create_model("disgrl_xception", encoder=enc, decoder={"channels": (32, 16, 8)})
    assert model.encoder is enc
    assert model.decoder.out_channels == 8
    out = model.eval()(_inputs())
    assert out.logits.shape == (2, 1) and out.rec2.shape == (2, 3, 72, 64)


def test_official_variant_reproduces_authors_structure():
    model = disgrl.create_model("disgrl_xception_official")
    dea = model.dea.blocks[0]
    assert dea.pool_size is None and dea.pre_conv is not None and dea.attention.weight_out is not None
    assert model.decoder.reduce is not None and model.decoder.f1_channels == 32
    assert model.rec1.afs is None and len(model.disad.rfa) == 1
    assert model.decoder.blocks[0].value.depthwise.kernel_size == (5, 5)
    out = model.eval()(_inputs())
    assert out.rec1.min() >= 0  # BN + ReLU outputs, as in the authors' code


def test_num_classes_and_reset_classifier():
    model = disgrl.create_model("xception_baseline", num_classes=2)
    assert model.eval()(_inputs()).logits.shape == (2, 2)
    model.reset_classifier(1)
    assert model(_inputs()).logits.shape == (2, 1) and model.config.classifier.num_classes == 1


def test_freeze_encoder():
    model = disgrl.create_model("xception_baseline")
    model.freeze_encoder()
    assert not any(p.requires_grad for p in model.encoder.parameters())
    assert all(p.requires_grad for p in model.head.parameters())


def test_lite_variant_keeps_the_structure_at_a_fraction_of_the_cost():
    lite = disgrl.create_model("disgrl_xception_lite")
    assert lite.dea is not None and lite.decoder is not None and lite.disad is not None
    assert lite.rec1 is not None and lite.rec2 is not None and len(lite.disad.rfa) == 2
    assert lite.dea.reduce is not None and lite.decoder.reduce_f5 is not None
    from disgrl.profiling import count_gflops

    assert count_gflops(lite) <= 1.5 * 16.71
    out = lite.eval()(_inputs())
    assert out.logits.shape == (2, 1) and out.rec1.shape == SMALL
