"""`disgrl convert`: legacy checkpoints become safetensors folders, safely and strictly."""

from __future__ import annotations

import re

import pytest
import torch

import disgrl
from disgrl.cli import main
from disgrl.convert import convert_checkpoint, map_authors_key, read_legacy_checkpoint

# Our key -> the authors' key (znshi/DisGRL module names), stated independently of convert.py.
_INVERSE = [
    (r"dea\.blocks\.(\d)\.attention\.weight$", lambda m: f"iea{int(m[1]) + 1}.linear_0.weight"),
    (r"dea\.blocks\.(\d)\.attention\.weight_out$", lambda m: f"iea{int(m[1]) + 1}.linear_1.weight"),
    (r"dea\.blocks\.(\d)\.(conv|pre_conv|pre_bn|proj|norm)\.(.+)$",
     lambda m: f"iea{int(m[1]) + 1}.{dict(conv='conv1', pre_conv='conv0', pre_bn='bn1', proj='conv2', norm='norm_layer')[m[2]]}.{m[3]}"),
    (r"dea\.proj\.(0|1)\.(.+)$", lambda m: f"reduce4.{'conv' if m[1] == '0' else 'bn'}.{m[2]}"),
    (r"decoder\.reduce\.(\d)\.(asym|plain|atrous|fuse|bn)\.(.+)$",
     lambda m: f"dfa{int(m[1]) + 1}.{dict(asym='asyConv', plain='oriConv', atrous='atrConv', fuse='conv2d', bn='bn2d')[m[2]]}.{m[3]}"),
    (r"decoder\.blocks\.(\d)\.(attn|value|out)\.(depthwise|norm|pointwise)\.(.+)$",
     lambda m: f"dga{4 - int(m[1])}.{dict(attn='w1', value='w2', out='wo')[m[2]]}.0."
     f"{dict(depthwise='conv1', norm='norm_layer', pointwise='conv2')[m[3]]}.{m[4]}"),
    (r"decoder\.blocks\.(\d)\.residual\.(.+)$", lambda m: f"dga{4 - int(m[1])}.cw.{m[2]}"),
    (r"rec1\.out\.(0|1)\.(.+)$", lambda m: f"reduce7.{'conv' if m[1] == '0' else 'bn'}.{m[2]}"),
    (r"rec2\.out\.(0|1)\.(.+)$", lambda m: f"reduce6.{'conv' if m[1] == '0' else 'bn'}.{m[2]}"),
    (r"rec2\.sam\.reduce\.(0|1)\.(.+)$", lambda m: f"reduce5.{'conv' if m[1] == '0' else 'bn'}.{m[2]}"),
    (r"rec2\.sam\.(theta|phi|extend)\.(.+)$",
     lambda m: f"SAM.{dict(theta='conv_state', phi='conv_proj', extend='conv_extend')[m[1]]}.{m[2]}"),
    (r"rec2\.sam\.gcn\.(node_conv|state_conv)\.(.+)$",
     lambda m: f"SAM.gcn.{'conv1' if m[1] == 'node_conv' else 'conv2'}.{m[2]}"),
    (r"disad\.rfa\.0\.gate\.(\d)\.(.+)$", lambda m: f"attention.gated.{m[1]}.{m[2]}"),
    (r"disad\.rfa\.0\.fuse\.(\d)\.(.+)$", lambda m: f"attention.efm.conv2d.block.{m[1]}.{m[2]}"),
    (r"disad\.rfa\.0\.eca\.conv\.(.+)$", lambda m: f"attention.efm.conv1d.{m[1]}"),
    (r"head\.(fc\..+)$", lambda m: m[1]),
    (r"(encoder\..+)$", lambda m: m[1]),
]  # fmt: skip


def _authors_key(ours: str) -> str:
    for pattern, fn in _INVERSE:
        if m := re.match(pattern, ours):
            return fn(m)
    raise AssertionError(f"no inverse for {ours}")


def _authors_checkpoint(model) -> dict[str, torch.Tensor]:
    state = {}
    for k, v in model.state_dict().items():
        key = _authors_key(k)
        if ".linear_" in key:
            v = v.unsqueeze(-1)  # their Conv1d weights
        state["module." + key] = v
    dead = {"eam.block.2.weight": (1, 256, 1, 1), "dga1.cw.weight": (3, 96, 1, 1), "encoder.fc.weight": (1000, 2048),
            "attention.h.0.weight": (728, 728, 1, 1), "iea1.conv3.weight": (64, 64, 1, 1), "reduce2.conv.bias": (728,)}  # fmt: skip
    for k, shape in dead.items():
        state["module." + k] = torch.zeros(shape)
    return state


@pytest.mark.full
def test_authors_checkpoint_converts_to_identical_official_model(tmp_path):
    model = disgrl.create_model("disgrl_xception_official").eval()
    path = tmp_path / "authors.pth"
    torch.save({"state_dict": _authors_checkpoint(model), "epoch": 7}, path)
    out = convert_checkpoint(path, tmp_path / "converted")
    loaded = disgrl.DisGRL.from_pretrained(out)
    x = torch.rand(1, 3, 96, 96) * 2 - 1
    with torch.no_grad():
        torch.testing.assert_close(loaded(x).logits, model(x).logits)


def test_map_authors_key_examples():
    assert map_authors_key("iea3.linear_0.weight") == "dea.blocks.2.attention.weight"
    assert map_authors_key("dga4.w2.0.conv1.weight") == "decoder.blocks.0.value.depthwise.weight"
    assert map_authors_key("attention.efm.conv1d.weight") == "disad.rfa.0.eca.conv.weight"
    assert map_authors_key("eam.reduce1.conv.weight") is None
    assert map_authors_key("encoder.block3.rep.1.conv1.weight") == "encoder.block3.rep.1.conv1.weight"


def test_own_checkpoint_with_module_prefix(tiny_model, tmp_path):
    path = tmp_path / "ddp.pth"
    torch.save({"model": {"module." + k: v for k, v in tiny_model.state_dict().items()}}, path)
    assert main(["convert", str(path), str(tmp_path / "out"), "--model", "disgrl_tiny"]) == 0
    loaded = disgrl.DisGRL.from_pretrained(tmp_path / "out")
    x = torch.rand(1, 3, 64, 64) * 2 - 1
    with torch.no_grad():
        torch.testing.assert_close(loaded(x).logits, tiny_model(x).logits)


def test_refuses_arbitrary_pickled_objects(tmp_path):
    import argparse

    path = tmp_path / "evil.pth"  # training scripts often pickle their argparse Namespace
    torch.save({"state_dict": {"w": torch.zeros(1)}, "args": argparse.Namespace(lr=0.1)}, path)
    with pytest.raises(ValueError, match="weights_only=True"):
        read_legacy_checkpoint(path)
    assert main(["convert", str(path), str(tmp_path / "out"), "--model", "disgrl_tiny"]) == 2


def test_mismatched_checkpoint_lists_keys(tiny_model, tmp_path):
    state = tiny_model.state_dict()
    state.pop("head.fc.0.weight")
    path = tmp_path / "partial.pth"
    torch.save(state, path)
    with pytest.raises(RuntimeError, match=r"missing keys \(1\): head.fc.0.weight"):
        convert_checkpoint(path, tmp_path / "out", "disgrl_tiny")
    assert not (tmp_path / "out").exists()
