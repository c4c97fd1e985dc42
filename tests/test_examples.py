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
}  # fmt: skip


def test_every_example_is_listed():
    assert sorted(p.name for p in (REPO / "examples").glob("*.py")) == sorted(EXAMPLES)


@pytest.mark.parametrize("script", sorted(EXAMPLES))
def test_example_runs(script, tmp_path):
    photos = str((REPO / ".." / "shared" / "data" / "photos").resolve())
    args = [a.replace("{tmp}", str(tmp_path)).replace("{photos}", photos) for a in EXAMPLES[script]]
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
