"""ONNX export (disgrl.export, `disgrl export`): onnxruntime parity, metadata, errors."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest
import torch

import disgrl
from disgrl.cli import main
from disgrl.export import ExportWrapper, _save_atomic, check_onnx, export_onnx, read_metadata, resolve_model

pytest.importorskip("onnx")
pytest.importorskip("onnxscript")
ort = pytest.importorskip("onnxruntime")


def _session(path: Path):
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def _reference(model, x: torch.Tensor, names: list[str]) -> list[np.ndarray]:
    with torch.no_grad():
        out = ExportWrapper(model.eval(), names)(x)
    return [t.numpy() for t in ((out,) if isinstance(out, torch.Tensor) else out)]


@pytest.fixture(scope="module")
def tiny_all(tmp_path_factory):
    """disgrl_tiny at 64x64 exported once with every output and a dynamic batch."""
    torch.manual_seed(0)
    model = disgrl.create_model("disgrl_tiny").eval()
    model.pretrained_cfg["input_size"] = (3, 64, 64)
    model.pretrained_cfg["mean"] = (0.485, 0.456, 0.406)
    path = export_onnx(model, tmp_path_factory.mktemp("onnx") / "sub" / "tiny.onnx", outputs="all")
    return model, path


@pytest.mark.parametrize("batch", [1, 3])
def test_onnxruntime_matches_pytorch_all_outputs_dynamic_batch(tiny_all, batch):
    model, path = tiny_all
    session = _session(path)
    names = [o.name for o in session.get_outputs()]
    assert [i.name for i in session.get_inputs()] == ["image"]
    assert names == ["logits", "rec1", "rec2"]
    x = torch.rand(batch, 3, 64, 64) * 2 - 1
    got = session.run(names, {"image": x.numpy()})
    ref = _reference(model, x, names)
    assert [g.shape for g in got] == [(batch, 1), (batch, 3, 64, 64), (batch, 3, 64, 64)]
    for g, r in zip(got, ref):
        np.testing.assert_allclose(g, r, atol=1e-4, rtol=1e-4)


def test_graph_input_is_normalised_nchw_with_dynamic_batch(tiny_all):
    _, path = tiny_all
    (inp,) = _session(path).get_inputs()
    assert inp.type == "tensor(float)"
    assert isinstance(inp.shape[0], str) and inp.shape[1:] == [3, 64, 64]


def test_metadata_has_the_data_config(tiny_all):
    import onnx

    _, path = tiny_all
    meta = read_metadata(path)
    assert meta["input_size"] == [3, 64, 64]
    assert meta["mean"] == pytest.approx([0.485, 0.456, 0.406])
    assert meta["std"] == [0.5, 0.5, 0.5]
    assert meta["label_names"] == ["real", "fake"]
    assert meta["num_classes"] == 1
    assert meta["output_names"] == ["logits", "rec1", "rec2"]
    assert meta["architecture"] == "disgrl_tiny"
    raw = {p.key: p.value for p in onnx.load(str(path)).metadata_props}  # plain strings for any consumer
    assert raw["input_size"] == "[3, 64, 64]"
    # the same, read by onnxruntime alone
    assert _session(path).get_modelmeta().custom_metadata_map["label_names"] == '["real", "fake"]'


def test_export_leaves_no_temp_files_and_restores_train_mode(tiny_all):
    model, path = tiny_all
    assert sorted(os.listdir(path.parent)) == ["tiny.onnx"]  # weights inline, no temp left
    assert not model.training


def test_check_onnx_reports_each_output(tiny_all):
    model, path = tiny_all
    diffs = check_onnx(path, model, batch_size=1)
    assert set(diffs) == {"logits", "rec1", "rec2"}
    assert max(diffs.values()) < 1e-4


def test_cli_export_weights_static_batch_check(tiny_model, tmp_path, capsys):
    weights = tiny_model.save_pretrained(tmp_path / "run")
    out = tmp_path / "tiny.onnx"
    args = ["export", "--weights", str(weights), "--onnx", str(out), "--static-batch", "--batch-size", "2", "--check"]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert f"wrote {out}" in text and "max abs diff onnxruntime vs PyTorch: logits" in text
    session = _session(out)
    assert [o.name for o in session.get_outputs()] == ["logits"]
    assert session.get_inputs()[0].shape == [2, 3, 64, 64]  # static batch; size from the folder's data config
    x = torch.rand(2, 3, 64, 64) * 2 - 1
    (got,) = session.run(None, {"image": x.numpy()})
    np.testing.assert_allclose(got, _reference(tiny_model, x, ["logits"])[0], atol=1e-4, rtol=1e-4)


def test_save_atomic_moves_external_data_first(tmp_path):
    class FakeProgram:  # what torch's ONNXProgram.save does for a model over 2 GB
        def save(self, dest):
            Path(dest).write_bytes(b"graph")
            Path(f"{dest}.data").write_bytes(b"weights")

    _save_atomic(FakeProgram(), tmp_path / "big.onnx")
    assert sorted(os.listdir(tmp_path)) == ["big.onnx", "big.onnx.data"]
    assert (tmp_path / "big.onnx.data").read_bytes() == b"weights"


def test_save_atomic_keeps_old_file_on_failure(tmp_path):
    target = tmp_path / "m.onnx"
    target.write_bytes(b"old")

    class Broken:
        def save(self, dest):
            Path(dest).write_bytes(b"half")
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        _save_atomic(Broken(), target)
    assert target.read_bytes() == b"old" and sorted(os.listdir(tmp_path)) == ["m.onnx"]


# ------------------------------------------------------------------------------- errors
def test_bad_paths_fail_before_exporting(tiny_model, tmp_path):
    with pytest.raises(ValueError, match=r"path: expected a file name ending in \.onnx"):
        export_onnx(tiny_model, tmp_path / "model.txt")
    (tmp_path / "dir.onnx").mkdir()
    with pytest.raises(ValueError, match="is a directory"):
        export_onnx(tiny_model, tmp_path / "dir.onnx")
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="is not a directory"):
        export_onnx(tiny_model, tmp_path / "file" / "m.onnx")
    with pytest.raises(ValueError, match="outputs: expected 'logits' or 'all'"):
        export_onnx(tiny_model, tmp_path / "m.onnx", outputs="rec1")
    with pytest.raises(ValueError, match=r"opset: .* >= 18"):
        export_onnx(tiny_model, tmp_path / "m.onnx", opset=11)
    with pytest.raises(ValueError, match="input_size"):
        export_onnx(tiny_model, tmp_path / "m.onnx", input_size=(0, 64))


def test_cli_bad_path_is_a_clear_error(tmp_path, capsys):
    assert main(["export", "--model", "disgrl_tiny", "--onnx", str(tmp_path / "m.pt")]) == 2
    assert "expected a file name ending in .onnx" in capsys.readouterr().err


def _hide(monkeypatch, *names: str) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda n, *a: None if n in names else real(n, *a))


def test_missing_onnxruntime_is_a_clear_error(tiny_model, tmp_path, monkeypatch, capsys):
    _hide(monkeypatch, "onnxruntime")
    assert main(["export", "--model", "disgrl_tiny", "--onnx", str(tmp_path / "m.onnx"), "--check"]) == 2
    assert "needs onnxruntime: pip install 'disgrl[onnx]'" in capsys.readouterr().err
    assert not (tmp_path / "m.onnx").exists()
    with pytest.raises(ImportError, match=r"pip install 'disgrl\[onnx\]'"):
        check_onnx(tmp_path / "m.onnx", tiny_model)


def test_missing_exporter_packages_are_a_clear_error(tiny_model, tmp_path, monkeypatch):
    _hide(monkeypatch, "onnxscript")
    with pytest.raises(ImportError, match=r"needs onnxscript: pip install 'disgrl\[onnx\]'"):
        export_onnx(tiny_model, tmp_path / "m.onnx")


def test_resolve_model_accepts_names_folders_and_detectors(tiny_model, tmp_path):
    model, cfg = resolve_model("disgrl_tiny")  # registered, no published weights: random weights
    assert isinstance(model, disgrl.DisGRL) and cfg["input_size"] == (3, 128, 128)
    folder = tiny_model.save_pretrained(tmp_path / "w")
    model, cfg = resolve_model(str(folder))
    torch.testing.assert_close(model.state_dict(), tiny_model.state_dict())
    assert cfg["input_size"] == (3, 64, 64)
    det = disgrl.DisGRLDetector(tiny_model, device="cpu")
    assert resolve_model(det)[0] is tiny_model
    with pytest.raises(ValueError, match=r"unknown model|cannot resolve"):
        resolve_model("no_such_model")
    with pytest.raises(TypeError, match=r"model: expected an nn\.Module"):
        resolve_model(3)


# ---------------------------------------------------------------------------------- slow
@pytest.mark.slow
def test_opset_18_and_a_model_with_one_head(tmp_path):
    import onnx

    model = disgrl.create_model("disgrl_tiny", reconstruction={"rec2": False}).eval()
    path = export_onnx(model, tmp_path / "s.onnx", input_size=(64, 96), opset=18, outputs="all")
    proto = onnx.load(str(path))
    assert next(o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")) == 18
    session = _session(path)
    assert [o.name for o in session.get_outputs()] == ["logits", "rec1"]
    assert session.get_inputs()[0].shape[1:] == [3, 64, 96]
    assert read_metadata(path)["input_size"] == [3, 64, 96]
    assert max(check_onnx(path, model, batch_size=3).values()) < 1e-4


def test_float16_model_exports_a_float16_graph(tmp_path):
    # the shipped demo weights load as float32, but a user's .half() model must export too (it failed on the
    # float32 example input before)
    torch.manual_seed(0)
    model = disgrl.create_model("disgrl_tiny").eval().half()
    path = export_onnx(model, tmp_path / "h.onnx", input_size=64)
    session = _session(path)
    assert session.get_inputs()[0].type == "tensor(float16)"
    assert check_onnx(path, model, batch_size=2)["logits"] < 1e-2
    assert next(model.parameters()).dtype == torch.float16  # the model itself is left as it was


@pytest.mark.slow
def test_disgrl_xception_full_size_parity(tmp_path):
    torch.manual_seed(0)
    model = disgrl.create_model("disgrl_xception").eval()
    path = export_onnx(model, tmp_path / "x.onnx", outputs="all")
    assert read_metadata(path)["input_size"] == [3, 299, 299]
    session = _session(path)
    names = [o.name for o in session.get_outputs()]
    assert names == ["logits", "rec1", "rec2"]
    for batch in (1, 2):
        x = torch.rand(batch, 3, 299, 299) * 2 - 1
        got = session.run(names, {"image": x.numpy()})
        for g, r in zip(got, _reference(model, x, names)):
            np.testing.assert_allclose(g, r, atol=1e-3, rtol=1e-3)
