"""The shipped demo weights disgrl_tiny.synthetic, the bundled sample photos and `disgrl demo`."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import disgrl
from disgrl.assets import ATTRIBUTION, PHOTOS_DIR, sample_photos
from disgrl.cli import main

WEIGHTS = Path(disgrl.__file__).resolve().parent / "weights" / "disgrl_tiny.synthetic"
FAMILIES = ("splice", "copy_move", "inpaint", "resample", "color_noise")


# ------------------------------------------------------------------------------ sample photos
def test_sample_photos_are_bundled_small_and_attributed():
    photos = sample_photos()
    assert len(photos) >= 5 and all(p.suffix == ".jpg" for p in photos)
    assert sum(p.stat().st_size for p in photos) < 1_000_000
    with open(PHOTOS_DIR / "photos.tsv", encoding="utf-8") as f:
        rows = {r["file"]: r for r in csv.DictReader(f, delimiter="\t")}
    attribution = ATTRIBUTION.read_text(encoding="utf-8")
    for p in photos:
        assert rows[p.name]["licence"] == "Public Domain" and rows[p.name]["author"]
        assert rows[p.name]["source"].startswith("https://commons.wikimedia.org/")
        assert p.name in attribution
        with Image.open(p) as im:
            assert max(im.size) == 512 and im.mode == "RGB"


def test_sample_photos_are_declared_package_data():
    import tomllib

    pyproject = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
    data = pyproject["tool"]["setuptools"]["package-data"]["disgrl"]
    assert "assets/**/*" in data and "weights/**/*" in data


# ------------------------------------------------------------------------------- the weights
def test_demo_weights_are_registered_and_small_fp16():
    from safetensors import safe_open

    assert "disgrl_tiny.synthetic" in disgrl.list_models(pretrained=True)
    cfg = disgrl.get_pretrained_cfg("disgrl_tiny.synthetic")
    assert cfg.file == "weights/disgrl_tiny.synthetic" and cfg.input_size == (3, 128, 128)
    assert "Not a deepfake detector" in cfg.description
    file = WEIGHTS / "model.safetensors"
    assert file.stat().st_size <= 10 * 1024 * 1024
    with safe_open(str(file), "pt") as f:
        dtypes = {str(f.get_tensor(k).dtype) for k in f.keys()}  # noqa: SIM118
    assert "torch.float16" in dtypes and "torch.float32" not in dtypes
    config = json.loads((WEIGHTS / "config.json").read_text())
    # the docs state the measured test AUC, whatever it is
    docs = (Path(__file__).resolve().parents[1] / "docs" / "demo_weights.md").read_text(encoding="utf-8")
    assert f"AUC {config['metrics']['test_auc']:.3f}" in docs
    assert "NOT" in (WEIGHTS / "README.md").read_text() or "not a deepfake" in (WEIGHTS / "README.md").read_text()
    assert "synthetic" in config["training_data"]["summary"].lower()


def test_untagged_tiny_has_no_weights_and_names_the_tag():
    with pytest.raises(ValueError, match=r"disgrl_tiny\.synthetic"):
        disgrl.create_model("disgrl_tiny", pretrained=True)


def test_demo_weights_load_offline(monkeypatch):
    import huggingface_hub

    def no_network(*args, **kwargs):
        raise AssertionError("the demo weights must not touch the Hub")

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", no_network)
    detector = disgrl.load_pretrained("disgrl_tiny.synthetic", device="cpu")
    assert detector.model.data_config["input_size"] == (3, 128, 128)
    model = disgrl.create_model("disgrl_tiny.synthetic", pretrained=True).eval()
    x = torch_randn(2, 3, 128, 128)
    import torch

    with torch.inference_mode():
        assert torch.allclose(model(x).logits, detector.model(x).logits)


def torch_randn(*shape: int):
    import torch

    return torch.randn(*shape, generator=torch.Generator().manual_seed(0))


# --------------------------------------------------------------- AUC on a fresh test split
def fresh_test_split(photos: Path, cutouts: Path, n_plan: int, seed: int) -> tuple[list, list[int], list[str]]:
    """The test-split samples among the first ``n_plan`` of a synthetic set with the weights' settings
    (as generate() would write them: same pixels, same JPEG), rendered in memory."""
    from disgrl.data.synthetic import build_config, encode_jpeg, plan_sample, render_sample

    cfg = build_config(photos, seed=seed, size=128, families=FAMILIES, cutouts=cutouts)
    images, labels, methods = [], [], []
    for i in range(n_plan):
        plan = plan_sample(cfg, i)
        if plan.split != "test":
            continue
        rendered = render_sample(cfg, i)
        images.append(Image.open(io.BytesIO(encode_jpeg(rendered.image, plan.quality))).convert("RGB"))
        labels.append(plan.label)
        methods.append(plan.method)
    return images, labels, methods


def _auc(images: list, labels: list[int]) -> float:
    from disgrl.metrics import roc_auc

    detector = disgrl.load_pretrained("disgrl_tiny.synthetic", device="cpu")
    scores = [p.score for p in detector.predict(images, batch_size=64)]
    return roc_auc(np.asarray(labels), np.asarray(scores))


# AUC of the shipped file on the 90 test-split images among the first 600 samples of seed 5 (a set
# never used for training or selection), measured when the weights were made: a regression check of
# the weights, the loader and the transforms (not a quality claim: 90 images are too few).
SMALL_SPLIT_AUC = 0.6168


def test_demo_weights_auc_on_a_small_fresh_test_split(photos_dir, cutouts_dir):
    images, labels, _ = fresh_test_split(photos_dir, cutouts_dir, n_plan=600, seed=5)
    assert len(images) == 90 and sum(labels) == 45
    assert _auc(images, labels) == pytest.approx(SMALL_SPLIT_AUC, abs=0.01)


@pytest.mark.slow
def test_demo_weights_reproduce_the_recorded_test_auc(photos_dir, cutouts_dir):
    # what benchmarks/train_demo_weights.py measured: the test split of 8,000 samples of seed 1
    config = json.loads((WEIGHTS / "config.json").read_text())
    images, labels, _ = fresh_test_split(photos_dir, cutouts_dir, n_plan=8000, seed=1)
    assert len(images) == config["metrics"]["test_n_real"] + config["metrics"]["test_n_fake"]
    assert _auc(images, labels) == pytest.approx(config["metrics"]["test_auc"], abs=0.002)


# ---------------------------------------------------------------------------- disgrl demo
def test_demo_command_end_to_end(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--n", "4", "--device", "cpu"]) == 0
    text = capsys.readouterr().out
    assert "NOT a deepfake detector" in text and "truth" in text and "score" in text
    assert "measured when the weights were made, AUC" in text  # the recorded test AUC, not just 4 images
    summary = json.loads((out / "summary.json").read_text())
    assert summary["weights"] == "disgrl_tiny.synthetic" and summary["n"] == 4
    assert len(list((out / "maps").glob("*.png"))) == 4
    for rec in summary["predictions"]:
        assert (out / rec["file"]).is_file() and (out / rec["maps"]).is_file()
        assert rec["label"] in ("real", "fake") and 0 <= rec["score"] <= 1
    assert [r["truth"] for r in summary["predictions"]] == ["real", "fake (splice)", "real", "fake (copy_move)"]
    # a second run into the same folder replaces the previous demo
    assert main(["demo", "--out", str(out), "--n", "2", "--seed", "1", "--device", "cpu"]) == 0
    assert len(list((out / "maps").glob("*.png"))) == 2


def test_demo_refuses_a_folder_it_did_not_make(tmp_path, capsys):
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "mine.txt").write_text("keep me")
    assert main(["demo", "--out", str(tmp_path), "--n", "2"]) == 2
    assert "not made by `disgrl demo`" in capsys.readouterr().err
    assert (tmp_path / "images" / "mine.txt").is_file()


# -------------------------------------------------------------------- twin pairing (training)
def test_twin_pair_keys_group_each_real_with_its_fake(photos_dir, tmp_path):
    from disgrl.data import ImageFolderDataset
    from disgrl.data.synthetic import generate
    from disgrl.train import TrainConfig
    from disgrl.train.data import dataset_pair_keys, twin_key

    generate(photos_dir, tmp_path / "s", n=20, size=48, families=["resample"], workers=0, progress=False,
             split_fractions=(1.0, 0.0, 0.0))  # fmt: skip
    ds = ImageFolderDataset(tmp_path / "s" / "train")
    keys = dataset_pair_keys(ds, "twin")
    groups: dict[str, list[int]] = {}
    for s, k in zip(ds.samples, keys):
        groups.setdefault(k, []).append(s.label)
    assert len(groups) == 10 and all(sorted(v) == [0, 1] for v in groups.values())
    assert twin_key("x/fake/splice/000043.jpg") == twin_key("x/real/000042.jpg") == "21"
    with pytest.raises(ValueError, match="sample number"):
        twin_key("real/photo.jpg")
    assert TrainConfig(pair_by="twin").validate().pair_by == "twin"


# ---------------------------------------------------------------- the training script (smoke)
def _train_script():
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "train_demo_weights.py"
    spec = importlib.util.spec_from_file_location("train_demo_weights", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_curriculum_factor_falls_to_one():
    script = _train_script()
    args = script.parse_args(["--steps", "100", "--amplify", "4", "--amplify-until", "0.5"])
    assert script.amplification(0, args) == 4.0
    assert script.amplification(25, args) == pytest.approx(2.5)
    assert script.amplification(50, args) == script.amplification(99, args) == 1.0
    assert script.amplification(0, script.parse_args(["--amplify", "1"])) == 1.0


def test_mask_probes_leave_the_model_unchanged():
    import torch

    script = _train_script()
    model = disgrl.create_model("disgrl_tiny")
    keys = set(model.state_dict())
    probes = script.MaskProbes(model)
    model(torch.randn(2, 3, 64, 64))
    loss = probes.loss(torch.zeros(2, 64, 64))
    assert loss.ndim == 0 and loss.requires_grad
    probes.remove()
    assert set(model.state_dict()) == keys  # the probes are not part of the saved model


def test_train_demo_weights_script_end_to_end(photos_dir, cutouts_dir, tmp_path):
    script = _train_script()
    out = tmp_path / "weights"
    record = script.main([
        "--photos", str(photos_dir), "--cutouts", str(cutouts_dir), "--work", str(tmp_path / "work"),
        "--out", str(out), "--n", "80", "--n-test", "80", "--size", "64", "--steps", "4", "--batch-size", "4",
        "--warmup", "2", "--eval-every", "2", "--val-max", "0", "--threads", "1", "--gen-workers", "0",
    ])  # fmt: skip
    assert [h["step"] for h in record["history"]] == [2, 4]
    assert 0.0 <= record["metrics"]["test_auc"] <= 1.0 and record["metrics"]["best_step"] in (2, 4)
    assert json.loads((tmp_path / "work" / "result.json").read_text())["command"].startswith("python ")
    config = json.loads((out / "config.json").read_text())
    assert config["metrics"]["test_auc"] == record["metrics"]["test_auc"]
    assert "not a deepfake detector" in config["training_data"]["summary"]
    assert (
        "NOT a deepfake detector" in (out / "README.md").read_text()
        or "Not a deepfake" in (out / "README.md").read_text()
    )
    detector = disgrl.load_pretrained(out, device="cpu")
    assert detector.model.data_config["input_size"] == (3, 64, 64)
