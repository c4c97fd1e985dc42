"""benchmarks/quality.py: aggregation over seeds, the row table, and smoke runs of both sizes."""

from __future__ import annotations

import dataclasses
import json
import math
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

import quality  # noqa: E402
import quality_report as report  # noqa: E402

FAMILIES = ["color_noise", "copy_move"]


def test_aggregate_mean_std_range() -> None:
    agg = report.aggregate([0.8, 0.9, 1.0])
    assert agg["mean"] == pytest.approx(0.9)
    assert agg["std"] == pytest.approx(0.1)  # sample standard deviation (ddof = 1)
    assert (agg["min"], agg["max"], agg["n"]) == (0.8, 1.0, 3)
    assert report.fmt(agg) == "0.900 ± 0.100"


def test_aggregate_drops_nan_and_handles_one_or_no_value() -> None:
    one = report.aggregate([0.75, float("nan"), None])
    assert one["n"] == 1 and one["mean"] == 0.75 and one["std"] is None
    assert report.fmt(one) == "0.750"
    none = report.aggregate([float("nan")])
    assert none["mean"] is None and report.fmt(none) == "–"


def test_differs_compares_against_the_spread() -> None:
    a, b = report.aggregate([0.80, 0.82]), report.aggregate([0.81, 0.83])
    assert report.differs(a, b) is False  # 0.01 apart, spread 0.014
    c = report.aggregate([0.90, 0.91])
    assert report.differs(a, c) is True
    assert report.differs(report.aggregate([0.8]), c) is None  # one seed: no spread to compare with


def test_auc_standard_error() -> None:
    assert report.auc_standard_error(0.5, 225, 225) == pytest.approx(0.0272, abs=1e-4)  # the CPU size's test set
    assert report.auc_standard_error(0.5, 45, 225) == pytest.approx(0.0472, abs=1e-4)  # one family
    assert report.auc_standard_error(0.9, 225, 225) < report.auc_standard_error(0.5, 225, 225)
    assert math.isnan(report.auc_standard_error(0.5, 0, 10))
    a, c = report.aggregate([0.80, 0.82]), report.aggregate([0.90, 0.91])
    assert report.differs(a, c, floor=0.2) is False  # within the test set's error


def _run(row: str, seed: int, protocol: str, held_out: str | None, auc: float) -> dict:
    return {
        "row": row, "seed": seed, "protocol": protocol, "held_out": held_out,
        "metrics": {"acc": auc - 0.1, "auc": auc, "eer": 1 - auc, "n_real": 100, "n_fake": 100},
        "per_family_auc": {f: auc for f in FAMILIES} if protocol == "intra" else {},
    }  # fmt: skip


def test_summarize_and_tables() -> None:
    runs = [_run("baseline", s, "intra", None, 0.6 + 0.1 * s) for s in range(2)]
    runs += [_run("baseline", s, "cross", f, 0.5 + 0.1 * s + 0.2 * i) for s in range(2) for i, f in enumerate(FAMILIES)]
    runs.append(_run("baseline", 2, "cross", FAMILIES[0], 0.9))  # seed 2 lacks a family: not in the average
    summary = report.summarize(runs, FAMILIES)
    intra = summary["intra"]["baseline"]
    assert intra["auc"]["mean"] == pytest.approx(0.65) and intra["seeds"] == [0, 1]
    assert intra["per_family_auc"]["copy_move"]["n"] == 2
    cross = summary["cross"]["baseline"]
    assert cross["auc"]["color_noise"]["values"] == pytest.approx([0.5, 0.6, 0.9])
    # the average is taken per seed over the families (0.6 and 0.7), then over the seeds
    assert cross["average"]["values"] == pytest.approx([0.6, 0.7])
    labels = {"baseline": "a) baseline"}
    table = report.intra_table(summary, labels)
    se = (report.auc_standard_error(0.6, 100, 100) + report.auc_standard_error(0.7, 100, 100)) / 2
    assert f"| a) baseline | 0.550 ± 0.071 | 0.650 ± 0.071 | 0.350 ± 0.071 | {se:.3f} | 2 |" in table
    assert summary["intra"]["baseline"]["family_auc_se"] > se  # 50 fakes per family instead of 100
    assert "copy_move" in report.family_table(summary, labels, FAMILIES)
    cross_md = report.cross_table(summary, labels, FAMILIES)
    assert "a) baseline — unseen" in cross_md and "a) baseline — seen (intra)" in cross_md
    assert "0.650 ± 0.071" in cross_md.splitlines()[2]  # the unseen row's average


def test_rows_match_the_zoo_variants(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each row's CPU-size overrides set the same Table 5 switches as its zoo model, and the lite
    analogue sets every non-width option of ``disgrl_xception_lite``."""
    import disgrl.models.zoo as zoo
    from disgrl._registry import model_entrypoint
    from disgrl.models.config import DisGRLConfig, replace_section

    monkeypatch.setattr(zoo, "DisGRL", lambda cfg, **kw: cfg)  # entrypoints return their config

    def switches(cfg: DisGRLConfig) -> tuple:
        return (cfg.reconstruction.rec1, cfg.reconstruction.rec2, cfg.dea.enabled, cfg.disad.rfa)

    widths = {"widths", "channels", "skip_channels", "f5_channels", "rec1_channels", "sam_channels", "sam_states"}
    for row in quality.ROWS.values():
        zoo_cfg = model_entrypoint(row.zoo)()
        cpu_cfg = zoo.tiny_config()
        for section, update in row.overrides.items():
            cpu_cfg = dataclasses.replace(
                cpu_cfg, **{section: replace_section(getattr(cpu_cfg, section), update, section)}
            )
        assert switches(cpu_cfg) == switches(zoo_cfg), row.key
        if row.key == "lite":
            default = DisGRLConfig()
            for section in ("dea", "decoder", "reconstruction", "disad"):
                for f in dataclasses.fields(getattr(default, section)):
                    want = getattr(getattr(zoo_cfg, section), f.name)
                    if want == getattr(getattr(default, section), f.name):
                        continue
                    if f.name in widths:
                        assert f.name in row.overrides[section], (section, f.name)
                    else:
                        assert getattr(getattr(cpu_cfg, section), f.name) == want, (section, f.name)


def test_plan_is_seed_major_and_cross_uses_baseline_and_disgrl() -> None:
    size = dataclasses.replace(quality.SIZES["cpu"], seeds=2, cross_seeds=1)
    todo = quality.plan(size, ["baseline", "rec1", "disgrl"], "both", FAMILIES)
    assert todo[:3] == [(0, "intra", None, r) for r in ("baseline", "rec1", "disgrl")]
    assert {r for _, p, _, r in todo if p == "cross"} == {"baseline", "disgrl"}
    assert len(todo) == 3 + 2 * 2 + 3 and todo[-1] == (1, "intra", None, "disgrl")


def test_in_memory_images_pairs_twins_and_repeats() -> None:
    """A real (sample 2k) and its fake (2k + 1) share a pair key; each repeat has its own keys."""
    import torch

    from disgrl.data.synthetic.protocols import ManifestRow

    rows = [ManifestRow(Path(f"{i}.jpg"), i % 2, f"{i:06d}", "train", "real" if i % 2 == 0 else "splice", "p.jpg", 95, None)
            for i in range(6)]  # fmt: skip
    images = torch.arange(6, dtype=torch.uint8).view(6, 1, 1, 1).expand(6, 3, 2, 2).contiguous()
    data = quality.InMemoryImages(images, rows, [2, 3, 4, 5], (0.5,) * 3, (0.5,) * 3, repeats=2)
    keys = [s.video for s in data.samples]
    assert len(data) == 8 and data.labels == [0, 1, 0, 1] * 2
    assert keys[0] == keys[1] != keys[2] == keys[3] and len(set(keys)) == 4
    item = data[5]  # second copy of sample 3
    assert item["label"] == 1 and item["index"] == 5
    assert torch.allclose(item["image"], torch.full((3, 2, 2), (3 / 255 - 0.5) / 0.5))
    size = dataclasses.replace(quality.SIZES["cpu"], steps=100, batch_size=32)
    assert quality.repeats(size, 2100) == 3  # 3,200 images drawn from 2,100: two passes and a spare


def _smoke(tmp_path: Path, photos: Path, cutouts: Path, *extra: str) -> dict:
    out = tmp_path / "quality.json"
    argv = ["--smoke", "--out", str(out), "--cache", str(tmp_path / "cache"), "--tmp", str(tmp_path),
            "--workers", "1", "--photos", str(photos), "--cutouts", str(cutouts), *extra]  # fmt: skip
    quality.main(argv)
    return json.loads(out.read_text())


def test_smoke_cpu_size_both_protocols(tmp_path: Path, photos_dir: Path, cutouts_dir: Path, capsys) -> None:
    data = _smoke(tmp_path, photos_dir, cutouts_dir, "--rows", "baseline", "disgrl", "--threads", "1")
    printed = capsys.readouterr().out
    assert data["schema"] == quality.SCHEMA and data["complete"] is True
    assert data["command"].startswith("python benchmarks/quality.py --smoke")
    assert set(data["git"]) == {"commit", "dirty"}
    assert {"cpu", "cores", "gpu", "torch", "torch_threads"} <= set(data["hardware"])
    assert data["hardware"]["torch_threads"] == 1
    assert data["wall_s"] > 0 and data["settings"]["initialisation"] == "random"
    families = data["settings"]["families"]
    assert families == ["color_noise", "copy_move", "inpaint", "resample", "splice"]
    assert len(data["runs"]) == 2 + 2 * len(families)
    for run in data["runs"]:
        assert run["steps"] == 2 and set(run["metrics"]) >= {"acc", "auc", "eer"}
        assert run["train_s"] >= 0 and run["params"] > 0
        if run["protocol"] == "cross":
            assert run["metrics"]["n_fake"] < run["metrics"]["n_real"]  # test reals + the held-out family only
        else:
            assert set(run["per_family_auc"]) == set(families)
            assert sum(run["per_family_n"].values()) == run["metrics"]["n_fake"]
    assert set(data["summary"]["intra"]) == {"baseline", "disgrl"}
    assert set(data["summary"]["cross"]["disgrl"]["auc"]) == set(families)
    for name in ("intra", "intra_families", "cross"):
        assert data["tables"][name] and data["tables"][name] in printed
    assert "| g) DisGRL (full) |" in data["tables"]["intra"]
    # --report recomputes the tables from the runs alone
    out = tmp_path / "quality.json"
    edited = {**data, "tables": {}, "summary": {}}
    out.write_text(json.dumps(edited))
    again = quality.main(["--report", str(out)])
    assert again["tables"] == data["tables"] and json.loads(out.read_text())["runs"] == data["runs"]


def test_deadline_then_resume(tmp_path: Path, photos_dir: Path, cutouts_dir: Path) -> None:
    data = _smoke(tmp_path, photos_dir, cutouts_dir, "--rows", "baseline", "--protocol", "intra", "--deadline", "0")
    assert data["complete"] is False and data["runs"] == []
    assert data["not_run"] == [{"seed": 0, "protocol": "intra", "held_out": None, "row": "baseline"}]
    data = _smoke(tmp_path, photos_dir, cutouts_dir, "--rows", "baseline", "--protocol", "intra", "--resume")
    assert data["complete"] is True and len(data["runs"]) == 1
    first = data["runs"][0]
    # a resume with another seed count keeps the finished run and adds the new one
    data = _smoke(tmp_path, photos_dir, cutouts_dir, "--rows", "baseline", "--protocol", "intra", "--resume",
                     "--seeds", "2")  # fmt: skip
    assert [r["seed"] for r in data["runs"]] == [0, 1] and data["runs"][0] == first
    with pytest.raises(SystemExit, match="other settings"):
        _smoke(tmp_path, photos_dir, cutouts_dir, "--rows", "baseline", "--resume", "--steps", "1")


def test_smoke_gpu_size_code_path_on_cpu(tmp_path: Path, photos_dir: Path, cutouts_dir: Path) -> None:
    """The GPU size's code path (Xception zoo models, a local backbone file) at a tiny scale."""
    import timm
    from safetensors.torch import save_file

    weights = tmp_path / "xception.safetensors"
    save_file({k: v.contiguous() for k, v in timm.create_model("legacy_xception").state_dict().items()}, str(weights))
    data = _smoke(tmp_path, photos_dir, cutouts_dir, "--size", "gpu", "--rows", "baseline", "lite",
                     "--protocol", "intra", "--device", "cpu", "--backbone-weights", str(weights))  # fmt: skip
    assert data["settings"]["size"]["name"] == "gpu" and data["settings"]["size"]["base_model"] is None
    assert data["settings"]["initialisation"] == "ImageNet backbone (xception.safetensors)"
    params = {r["row"]: r["params"] for r in data["runs"]}
    assert params["baseline"] > 20_000_000 and params["lite"] > params["baseline"]  # Xception-sized
    assert all(math.isfinite(r["metrics"]["acc"]) for r in data["runs"])


def test_arguments_are_checked(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        quality.parse_args(["--backbone-weights", str(tmp_path / "missing.pth"), "--size", "gpu"])
    weights = tmp_path / "w.pth"
    weights.write_bytes(b"")
    with pytest.raises(SystemExit):
        quality.parse_args(["--backbone-weights", str(weights)])  # CPU size trains from scratch
    for option in ("--seeds", "--steps", "--input-size", "--batch-size"):
        with pytest.raises(SystemExit):
            quality.parse_args([option, "0"])
