"""Trainer: the recipe runs, learns, resumes bit-exactly after SIGKILL, and runs under DDP."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import load_file

import disgrl
from disgrl.train import TrainConfig, Trainer, evaluate
from disgrl.train.checkpoint import latest_checkpoint
from disgrl.train.data import epoch_batches
from disgrl.train.datasets import build_datasets


def _make_folder(root: Path, n_per_class: int = 12, size: int = 48, seed: int = 0) -> Path:
    """Real: smooth noise; fake: the same with a bright square pasted in (easy to learn)."""
    rng = np.random.default_rng(seed)
    for label in ("real", "fake"):
        for i in range(n_per_class):
            video = root / label / f"v{i // 3}"
            video.mkdir(parents=True, exist_ok=True)
            img = rng.integers(60, 120, (size // 4, size // 4, 3), dtype=np.uint8)
            img = np.asarray(Image.fromarray(img).resize((size, size), Image.BILINEAR))
            if label == "fake":
                img = img.copy()
                y, x = rng.integers(0, size // 2, 2)
                img[y : y + size // 3, x : x + size // 3] = rng.integers(200, 255, 3)
            Image.fromarray(img).save(video / f"f{i}.png")
    return root


def _tiny(size: int = 48):
    model = disgrl.create_model("disgrl_tiny")
    model.pretrained_cfg["input_size"] = (3, size, size)
    return model


def _cfg(**kw) -> TrainConfig:
    base = {"epochs": 2, "batch_size": 8, "lr": 1e-3, "progress": False, "log_every": 1}
    return TrainConfig(**{**base, **kw})


def test_epoch_batches_are_seeded_balanced_and_sharded():
    labels = [0] * 10 + [1] * 30
    a = epoch_batches(40, labels, 4, epoch=0, seed=1, balance=True)
    assert a == epoch_batches(40, labels, 4, epoch=0, seed=1, balance=True)
    assert a != epoch_batches(40, labels, 4, epoch=1, seed=1, balance=True)
    flat = [i for b in a for i in b]
    assert len(flat) == 20 and sum(labels[i] for i in flat) == 10  # as many real as fake
    r0 = epoch_batches(40, labels, 4, 0, 1, True, rank=0, world_size=2)
    r1 = epoch_batches(40, labels, 4, 0, 1, True, rank=1, world_size=2)
    assert len(r0) == len(r1) and not {i for b in r0 for i in b} & {i for b in r1 for i in b}


def test_fit_saves_best_model_history_and_checkpoint(tmp_path):
    data = _make_folder(tmp_path / "data")
    model = _tiny()
    train, val = build_datasets(data, data_config=model.data_config, val_split=0.34, seed=0)
    result = Trainer(model, train, val, _cfg(), out_dir=tmp_path / "run", device="cpu").fit()
    assert result.epochs_run == 2 and result.global_step > 0 and result.best_auc is not None
    run = tmp_path / "run"
    for name in ("config.json", "model.safetensors", "metrics.json", "log.jsonl", "train_config.json"):
        assert (run / name).is_file(), name
    cfg = json.loads((run / "config.json").read_text())
    assert cfg["metrics"]["auc"] == pytest.approx(result.best_auc)
    assert latest_checkpoint(run / "checkpoints") is not None
    det = disgrl.load_pretrained(run, device="cpu")
    assert det.data_config["input_size"] == (3, 48, 48)
    history = json.loads((run / "metrics.json").read_text())
    assert [h["epoch"] for h in history] == [1, 2] and "val_auc" in history[0] and "val_video_auc" in history[0]


def test_training_learns_the_pasted_square(tmp_path):
    """A shortened version of the fine-tuning demo: AUC well above chance after a short run."""
    data = _make_folder(tmp_path / "data", n_per_class=24)
    val = _make_folder(tmp_path / "val", n_per_class=12, seed=1)
    model = _tiny()
    train, val_ds = build_datasets(data, data_config=model.data_config, val=val)
    result = Trainer(model, train, val_ds, _cfg(epochs=6, lr=2e-3), out_dir=tmp_path / "run", device="cpu").fit()
    assert result.best_auc >= 0.8, result.history


def test_variants_without_heads_train(tmp_path):
    data = _make_folder(tmp_path / "data", n_per_class=8)
    model = disgrl.create_model("disgrl_tiny", reconstruction={"rec1": False, "rec2": False}, disad={"rfa": False})
    model.pretrained_cfg["input_size"] = (3, 48, 48)
    train, _ = build_datasets(data, data_config=model.data_config, val_split=0)
    result = Trainer(model, train, None, _cfg(epochs=1), out_dir=tmp_path / "run", device="cpu").fit()
    assert result.global_step == 2 and (tmp_path / "run" / "model.safetensors").is_file()


def test_grad_accum_freeze_and_early_stopping(tmp_path):
    data = _make_folder(tmp_path / "data", n_per_class=8)
    model = _tiny()
    frozen = {k: v.clone() for k, v in model.encoder.state_dict().items()}
    train, val = build_datasets(data, data_config=model.data_config, val_split=0.34, seed=3)
    cfg = _cfg(epochs=5, batch_size=4, grad_accum=2, freeze_encoder=True, early_stopping=1, lr=0.0)
    result = Trainer(model, train, val, cfg, out_dir=tmp_path / "run", device="cpu").fit()
    assert result.stopped_early and result.epochs_run == 2  # lr 0: no improvement after epoch 1
    for k, v in model.encoder.state_dict().items():
        assert torch.equal(v, frozen[k]), k  # weights and BN statistics untouched


def _train_cmd(data: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "disgrl", "train", "--data", str(data), "--model", "disgrl_tiny", "--out", str(out),
            "--input-size", "48", "--epochs", "2", "--batch-size", "4", "--lr", "1e-3", "--val-split", "0.25",
            "--checkpoint-every", "1", "--no-progress", *extra]  # fmt: skip


def _final_weights(run: Path) -> dict[str, torch.Tensor]:
    return load_file(str(latest_checkpoint(run / "checkpoints") / "model.safetensors"))


def test_sigkill_mid_epoch_then_resume_gives_identical_weights(tmp_path):
    data = _make_folder(tmp_path / "data", n_per_class=20)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONHASHSEED": "0"}
    subprocess.run(_train_cmd(data, tmp_path / "full"), check=True, env=env, capture_output=True, timeout=600)

    # The run SIGKILLs itself right after its step-3 checkpoint, mid first epoch.
    kill = {**env, "DISGRL_FAULT_KILL_AFTER_STEP": "3"}
    res = subprocess.run(_train_cmd(data, tmp_path / "killed"), env=kill, capture_output=True, timeout=600)
    assert res.returncode == -signal.SIGKILL
    pointer = tmp_path / "killed" / "checkpoints" / "LATEST"
    killed_at = int(pointer.read_text().strip().removeprefix("step-"))
    steps_per_epoch = json.loads((tmp_path / "full" / "metrics.json").read_text())[0]["step"]
    assert killed_at < steps_per_epoch, "the run was not killed mid-epoch"
    subprocess.run(
        _train_cmd(data, tmp_path / "killed", "--resume"), check=True, env=env, capture_output=True, timeout=600
    )

    a, b = _final_weights(tmp_path / "full"), _final_weights(tmp_path / "killed")
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a), "resumed weights differ"
    # The exported best model too. (Not byte for byte: safetensors writes its metadata dict in
    # hash-map order, which differs from process to process.)
    best_a = load_file(str(tmp_path / "full" / "model.safetensors"))
    best_b = load_file(str(tmp_path / "killed" / "model.safetensors"))
    assert best_a.keys() == best_b.keys()
    assert all(torch.equal(best_a[k], best_b[k]) for k in best_a), "exported best weights differ"


def test_ddp_two_gloo_processes_match_single_process(tmp_path):
    data = _make_folder(tmp_path / "data", n_per_class=16)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    common = ["--epochs", "2", "--batch-size", "8", "--val-split", "0.25", "--no-progress", "--model", "disgrl_tiny",
              "--input-size", "48", "--data", str(data), "--lr", "1e-3"]  # fmt: skip
    subprocess.run([sys.executable, "-m", "disgrl", "train", "--out", str(tmp_path / "single"), *common],
                   check=True, env=env, capture_output=True, timeout=600)  # fmt: skip
    res = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", "-m", "disgrl", "train",
         "--out", str(tmp_path / "ddp"), *common],
        env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr[-3000:]
    single = json.loads((tmp_path / "single" / "metrics.json").read_text())
    ddp = json.loads((tmp_path / "ddp" / "metrics.json").read_text())
    assert len(single) == len(ddp) == 2
    assert ddp[-1]["val_n"] == single[-1]["val_n"]  # every validation image scored once across ranks
    assert abs(ddp[-1]["val_auc"] - single[-1]["val_auc"]) < 0.35  # same data and recipe: within noise


def test_evaluate_reports_skipped_images(tmp_path):
    from disgrl.data import ImageFolderDataset
    from disgrl.transforms import eval_transform

    data = _make_folder(tmp_path / "data", n_per_class=4)
    (data / "fake" / "v0" / "broken.png").write_bytes(b"")
    model = _tiny()
    ds = ImageFolderDataset(data, transform=eval_transform(model.data_config), on_error="skip")
    metrics = evaluate(model, ds, batch_size=3, device="cpu")
    assert metrics["n_skipped"] == 1 and metrics["n"] == 8
