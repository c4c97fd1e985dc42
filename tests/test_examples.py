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
}


def test_every_example_is_listed():
    assert sorted(p.name for p in (REPO / "examples").glob("*.py")) == sorted(EXAMPLES)


@pytest.mark.parametrize("script", sorted(EXAMPLES))
def test_example_runs(script, tmp_path):
    args = [a.replace("{tmp}", str(tmp_path)) for a in EXAMPLES[script]]
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
