"""Every script under examples/ runs (with small sizes)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# script -> arguments that keep it small and fast
EXAMPLES: dict[str, list[str]] = {
    "custom_layers.py": ["--size", "48", "--steps", "2"],
    "finetune_folder.py": ["--photos", "{photos}", "--out", "{tmp}/ft", "--train-pairs", "24", "--val-pairs", "8",
                           "--epochs", "1", "--size", "48", "--batch-size", "16"],
    "predict_and_explain.py": ["--weights", "{tiny_weights}", "--out", "{tmp}/explain", "--size", "96"],
    "video_demo.py": ["--weights", "{tiny_weights}", "--out", "{tmp}/videos", "--frames", "3", "--length", "6",
                      "--width", "192", "--height", "144"],
}  # fmt: skip

# script -> modules it needs beyond the core install (the test is skipped without them)
NEEDS: dict[str, list[str]] = {"video_demo.py": ["dlib", "av", "skimage"]}


def _tiny_weights(folder: Path) -> str:
    """A weights folder of a randomly initialised disgrl_tiny at 64x64 (what --weights accepts)."""
    import disgrl

    model = disgrl.create_model("disgrl_tiny")
    model.pretrained_cfg["input_size"] = (3, 64, 64)
    return str(model.save_pretrained(folder))


def test_every_example_is_listed():
    assert sorted(p.name for p in (REPO / "examples").glob("*.py")) == sorted(EXAMPLES)


@pytest.mark.parametrize("script", sorted(EXAMPLES))
def test_example_runs(script, tmp_path):
    for module in NEEDS.get(script, []):
        pytest.importorskip(module, reason=f"{script} needs {module}")
    photos = str((REPO / ".." / "shared" / "data" / "photos").resolve())
    args = [a.replace("{tmp}", str(tmp_path)).replace("{photos}", photos) for a in EXAMPLES[script]]
    if any("{tiny_weights}" in a for a in args):
        weights = _tiny_weights(tmp_path / "tiny_weights")
        args = [a.replace("{tiny_weights}", weights) for a in args]
    res = subprocess.run(
        [sys.executable, str(REPO / "examples" / script), *args],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )  # fmt: skip
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-4000:]


def test_ci_runs_the_readme_test_command():
    readme = (REPO / "README.md").read_text()
    assert "<!-- ci:test-command -->" in readme
    ci = (REPO / ".ci" / "run").read_text()
    assert "ci:test-command" in ci and 'eval "$test_cmd"' in ci


@pytest.mark.slow
def test_finetune_example_reaches_auc_090_within_five_minutes(tmp_path, photos_dir):
    """The full fine-tuning demo (docs/finetune.md): disgrl_tiny from scratch, 96 px, CPU."""
    import json
    import time

    start = time.time()
    res = subprocess.run(
        [sys.executable, str(REPO / "examples" / "finetune_folder.py"), "--photos", str(photos_dir), "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr[-3000:]
    result = json.loads((tmp_path / "result.json").read_text())
    assert result["best_auc"] >= 0.9, result
    assert time.time() - start < 330, result  # 5 minutes of work plus interpreter start-up
