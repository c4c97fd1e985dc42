"""Weights folders, strict loading, the Hugging Face cache (offline), registered tags, push_to_hub."""

from __future__ import annotations

import json
import shutil

import pytest
import torch

import disgrl
from disgrl import _hub
from disgrl._registry import PretrainedCfg, register_model
from disgrl._weights import CONFIG_NAME, WEIGHTS_NAME, WeightsMismatchError


def _same_outputs(a, b, x):
    with torch.no_grad():
        oa, ob = a.eval()(x), b.eval()(x)
    torch.testing.assert_close(oa.logits, ob.logits)
    torch.testing.assert_close(oa.rec1, ob.rec1)
    torch.testing.assert_close(oa.rec2, ob.rec2)


def test_save_pretrained_writes_config_and_safetensors(tiny_model, tmp_path):
    out = tiny_model.save_pretrained(tmp_path / "w", metrics={"auc": 0.9}, training_data="synthetic v1")
    assert sorted(p.name for p in out.iterdir()) == [CONFIG_NAME, WEIGHTS_NAME]
    cfg = json.loads((out / CONFIG_NAME).read_text())
    assert cfg["architecture"] == "disgrl_tiny"
    assert cfg["data_config"]["input_size"] == [3, 64, 64] and cfg["data_config"]["mean"] == [0.5] * 3
    assert cfg["label_names"] == ["real", "fake"] and cfg["num_classes"] == 1
    assert cfg["disgrl_version"] == disgrl.__version__
    assert cfg["metrics"] == {"auc": 0.9} and cfg["training_data"] == "synthetic v1"
    assert cfg["model_config"] == tiny_model.config.to_dict()


def test_local_folder_round_trip(tiny_model, tmp_path):
    tiny_model.save_pretrained(tmp_path)
    det = disgrl.load_pretrained(tmp_path, device="cpu")
    assert isinstance(det, disgrl.DisGRLDetector)
    assert det.data_config["input_size"] == (3, 64, 64)
    _same_outputs(tiny_model, det.model, torch.rand(2, 3, 64, 64) * 2 - 1)


def test_fp16_weights_halve_the_file(tiny_model, tmp_path):
    full = tiny_model.save_pretrained(tmp_path / "fp32") / WEIGHTS_NAME
    half = tiny_model.save_pretrained(tmp_path / "fp16", dtype=torch.float16) / WEIGHTS_NAME
    assert half.stat().st_size < 0.6 * full.stat().st_size
    model = disgrl.DisGRL.from_pretrained(tmp_path / "fp16")
    assert next(model.parameters()).dtype == torch.float32


def _fake_hub_cache(folder, cache, repo="org/name", commit="0123456789abcdef0123456789abcdef01234567"):
    base = cache / f"models--{repo.replace('/', '--')}"
    snap = base / "snapshots" / commit
    snap.mkdir(parents=True)
    for f in (CONFIG_NAME, WEIGHTS_NAME):
        shutil.copy(folder / f, snap / f)
    (base / "refs").mkdir()
    (base / "refs" / "main").write_text(commit)
    return commit


def test_hf_hub_round_trip_offline_from_a_hand_made_cache(tiny_model, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    tiny_model.save_pretrained(tmp_path / "w")
    commit = _fake_hub_cache(tmp_path / "w", tmp_path / "cache")
    x = torch.rand(2, 3, 64, 64) * 2 - 1
    det = disgrl.load_pretrained("hf-hub:org/name", cache_dir=tmp_path / "cache", device="cpu")
    _same_outputs(tiny_model, det.model, x)
    det = disgrl.load_pretrained(f"hf-hub:org/name@{commit}", cache_dir=tmp_path / "cache", device="cpu")
    _same_outputs(tiny_model, det.model, x)
    with pytest.raises(FileNotFoundError, match="not in the local Hugging Face cache"):
        disgrl.load_pretrained("hf-hub:org/other", cache_dir=tmp_path / "cache")


def test_bad_references_say_what_is_wrong(tmp_path):
    with pytest.raises(FileNotFoundError, match="weights folder not found"):
        disgrl.load_pretrained(str(tmp_path / "missing" / "run"))
    with pytest.raises(ValueError, match="hf-hub:org/name"):
        disgrl.load_pretrained("hf-hub:just-a-name")
    with pytest.raises(ValueError, match="no pretrained weights are published"):
        disgrl.load_pretrained("disgrl_xception")
    with pytest.raises(ValueError, match="cannot resolve weights"):
        disgrl.load_pretrained("not_a_model_or_folder")


def test_only_safetensors_are_read(tmp_path):
    torch.save({"a": torch.zeros(1)}, tmp_path / "model.pth")
    with pytest.raises(FileNotFoundError, match="disgrl convert"):
        disgrl.load_pretrained(tmp_path)
    with pytest.raises(ValueError, match="disgrl convert"):
        disgrl.load_pretrained(tmp_path / "model.pth")


def test_strict_loading_lists_missing_unexpected_and_mismatched_keys(tiny_model, tmp_path):
    from safetensors.torch import load_file, save_file

    out = tiny_model.save_pretrained(tmp_path)
    state = load_file(str(out / WEIGHTS_NAME))
    state.pop("head.fc.0.bias")
    state["extra.weight"] = torch.zeros(1)
    state["head.fc.2.weight"] = torch.zeros(1, 7)
    save_file(state, str(out / WEIGHTS_NAME))
    with pytest.raises(WeightsMismatchError) as info:
        disgrl.load_pretrained(out)
    msg = str(info.value)
    assert "head.fc.0.bias" in msg and "extra.weight" in msg and "head.fc.2.weight" in msg
    assert info.value.missing == ["head.fc.0.bias"] and info.value.unexpected == ["extra.weight"]


def test_new_classifier_head_for_fine_tuning(tiny_model, tmp_path):
    tiny_model.save_pretrained(tmp_path)
    model = _hub.load_model(tmp_path, num_classes=2)
    assert model.num_classes == 2 and model.head.fc[-1].out_features == 2
    torch.testing.assert_close(model.head.fc[0].weight, tiny_model.head.fc[0].weight)


def test_registered_tag_and_create_model_share_the_loading_code(tiny_model, tmp_path):
    import sys
    import types

    folder = tiny_model.save_pretrained(tmp_path / "tagged")
    mod = types.ModuleType("tagged_models")
    mod.default_cfgs = {"tagged_tiny.demo": PretrainedCfg(file=str(folder), input_size=(3, 64, 64))}
    sys.modules["tagged_models"] = mod

    def tagged_tiny(pretrained_backbone=False, **kwargs):
        return disgrl.create_model("disgrl_tiny", **kwargs)

    tagged_tiny.__module__ = "tagged_models"
    register_model(tagged_tiny)
    assert "tagged_tiny.demo" in disgrl.list_models(pretrained=True)
    x = torch.rand(1, 3, 64, 64) * 2 - 1
    _same_outputs(tiny_model, disgrl.load_pretrained("tagged_tiny.demo").model, x)
    _same_outputs(tiny_model, disgrl.create_model("tagged_tiny.demo", pretrained=True), x)
    model = disgrl.create_model("tagged_tiny.demo", pretrained=True, num_classes=3)
    assert model.num_classes == 3


def test_atomic_save_leaves_no_partial_file(tiny_model, tmp_path, monkeypatch):
    import disgrl._weights as w

    out = tiny_model.save_pretrained(tmp_path)
    before = (out / WEIGHTS_NAME).read_bytes()

    def boom(tensors, path, metadata=None):
        with open(path, "wb") as f:
            f.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(w, "save_file", boom)
    with pytest.raises(OSError, match="disk full"):
        tiny_model.save_pretrained(tmp_path)
    assert (out / WEIGHTS_NAME).read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_saved_files_get_the_usual_permissions_not_the_temp_files(tiny_model, tmp_path):
    import os

    umask = os.umask(0o022)
    os.umask(umask)
    out = tiny_model.save_pretrained(tmp_path)
    for name in (WEIGHTS_NAME, "config.json"):
        assert (out / name).stat().st_mode & 0o777 == 0o666 & ~umask  # mkstemp's 0600 would hide it from others


def test_push_to_hub_uploads_folder_with_model_card(tiny_model, monkeypatch):
    calls = {}

    class FakeApi:
        def __init__(self, token=None):
            calls["token"] = token

        def create_repo(self, repo_id, private=None, exist_ok=False):
            calls["repo"] = (repo_id, private, exist_ok)

        def upload_folder(self, repo_id, folder_path, commit_message, revision=None):
            from pathlib import Path

            folder = Path(folder_path)
            calls["files"] = sorted(p.name for p in folder.iterdir())
            calls["card"] = (folder / "README.md").read_text()
            return types.SimpleNamespace(commit_url=f"https://hf.co/{repo_id}/commit/1")

    import types

    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "HfApi", FakeApi)
    url = tiny_model.push_to_hub("me/tiny", token="t", metrics={"auc": 0.93}, training_data="synthetic splices")
    assert url.endswith("/commit/1")
    assert calls["files"] == ["README.md", CONFIG_NAME, WEIGHTS_NAME]
    card = calls["card"]
    assert 'disgrl.load_pretrained("hf-hub:me/tiny")' in card
    assert "| auc | 0.9300 |" in card and "synthetic splices" in card and "Intended use and limits" in card


def test_resaving_a_loaded_folder_keeps_its_metrics(tiny_model, tmp_path):
    tiny_model.save_pretrained(tmp_path / "a", metrics={"auc": 0.91}, training_data="synthetic v1")
    loaded = disgrl.DisGRL.from_pretrained(tmp_path / "a")
    loaded.save_pretrained(tmp_path / "b")
    cfg = json.loads((tmp_path / "b" / "config.json").read_text())
    assert cfg["metrics"] == {"auc": 0.91} and cfg["training_data"] == "synthetic v1"
    loaded.save_pretrained(tmp_path / "c", metrics={})  # explicit metrics win
    assert json.loads((tmp_path / "c" / "config.json").read_text())["metrics"] == {}
