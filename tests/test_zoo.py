"""The zoo API: registry, create_model, list_models, pretrained configs."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

import disgrl
from disgrl._registry import PretrainedCfg, register_model

TABLE5 = [
    "xception_baseline",
    "disgrl_xception_rec1",
    "disgrl_xception_rec2",
    "disgrl_xception_double",
    "disgrl_xception_no_dea",
    "disgrl_xception_no_rfa",
    "disgrl_xception",
]


def test_list_models_has_every_required_name():
    names = disgrl.list_models()
    for name in [*TABLE5, "disgrl_xception_official", "disgrl_efficientnet_b0"]:
        assert name in names
    assert disgrl.list_models("*_no_*") == ["disgrl_xception_no_dea", "disgrl_xception_no_rfa"]


@pytest.mark.parametrize("name", disgrl.list_models())
def test_each_registered_model_builds_and_runs(name):
    model = disgrl.create_model(name).eval()
    x = torch.rand(2, 3, 72, 64) * 2 - 1
    with torch.no_grad():
        out = model(x)
    assert out.logits.shape == (2, 1)
    for rec in out.reconstructions:
        assert rec.shape == x.shape
    data = model.data_config
    expected = (3, 128, 128) if name == "disgrl_tiny" else (3, 299, 299)
    assert data["input_size"] == expected and data["interpolation"] == "bilinear"


def test_table5_variants_have_the_ablated_parts():
    parts = {
        name: (
            m.rec1 is not None, m.rec2 is not None, m.dea is not None, m.disad is not None,
        )
        for name in TABLE5
        for m in [disgrl.create_model(name)]
    }  # fmt: skip
    assert parts == {
        "xception_baseline": (False, False, False, False),
        "disgrl_xception_rec1": (True, False, False, False),
        "disgrl_xception_rec2": (False, True, False, False),
        "disgrl_xception_double": (True, True, False, False),
        "disgrl_xception_no_rfa": (True, True, True, False),
        "disgrl_xception_no_dea": (True, True, False, True),
        "disgrl_xception": (True, True, True, True),
    }


def test_default_data_config_is_the_papers():
    cfg = disgrl.get_pretrained_cfg("disgrl_xception")
    assert cfg.input_size == (3, 299, 299) and cfg.mean == (0.5,) * 3 and cfg.std == (0.5,) * 3


def test_overrides():
    model = disgrl.create_model("disgrl_xception", dea={"expansion": 2}, drop_rate=0.0, noise_std=0.0)
    assert model.dea.blocks[0].attention.memory_units == 2 * 64
    assert model.config.classifier.dropout == 0.0 and model.config.noise_std == 0.0
    with pytest.raises(TypeError, match="unknown model argument"):
        disgrl.create_model("disgrl_xception", not_an_option=1)
    with pytest.raises(TypeError, match="unknown field"):
        disgrl.create_model("disgrl_xception", dea={"expansoin": 2})


def test_unknown_names_give_suggestions():
    with pytest.raises(ValueError, match="Did you mean disgrl_xception"):
        disgrl.create_model("disgrl_xceptoin")
    with pytest.raises(ValueError, match="no weight tag"):
        disgrl.create_model("disgrl_xception.nope")


def test_pretrained_without_published_weights_says_so():
    with pytest.raises(ValueError, match=r"no pretrained weights are published.*disgrl train"):
        disgrl.create_model("disgrl_xception", pretrained=True)


def test_register_model_decorator_and_tags():
    import types

    mod = types.ModuleType("my_models")
    mod.default_cfgs = {"my_tiny_thing.v1": PretrainedCfg(file="/nowhere", input_size=(3, 64, 64))}
    sys.modules["my_models"] = mod

    def my_tiny_thing(pretrained_backbone=False, **kwargs):
        return disgrl.create_model("xception_baseline", **kwargs)

    my_tiny_thing.__module__ = "my_models"
    register_model(my_tiny_thing)
    assert "my_tiny_thing" in disgrl.list_models()
    assert "my_tiny_thing.v1" in disgrl.list_models(pretrained=True)
    assert disgrl.get_pretrained_cfg("my_tiny_thing").input_size == (3, 64, 64)
    with pytest.raises(ValueError, match="already registered"):
        register_model(my_tiny_thing)


def test_layers_import_with_torch_only():
    """`disgrl.layers` runs in a fresh interpreter that imports nothing but torch."""
    code = (
        "import sys, torch\n"
        "from disgrl.layers import DEA, SAM\n"
        "y = DEA(64)(torch.randn(2, 64, 20, 16))\n"
        "g = SAM(64, 64)(torch.randn(2, 64, 20, 16), torch.randn(2, 64, 40, 32))\n"
        "assert y.shape == (2, 64, 20, 16) and g.shape == (2, 32, 20, 16)\n"
        "bad = [m for m in ('timm', 'huggingface_hub', 'safetensors', 'PIL') if m in sys.modules]\n"
        "assert not bad, bad\n"
        "print('ok')\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "ok"


@pytest.mark.slow
def test_torch_compile_runs():
    model = disgrl.create_model("disgrl_xception").eval()
    compiled = torch.compile(model)
    x = torch.rand(1, 3, 64, 64) * 2 - 1
    with torch.no_grad():
        ref, out = model(x), compiled(x)
    torch.testing.assert_close(out.logits, ref.logits, atol=1e-4, rtol=1e-3)
