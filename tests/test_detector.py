"""DisGRLDetector.predict: every kind of input, bad input, maps, pre-processing parity."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from disgrl import DisGRLDetector
from disgrl.io import ImageLoadError, load_image
from disgrl.transforms import eval_transform


@pytest.fixture
def detector(tiny_model):
    return DisGRLDetector(tiny_model, device="cpu")


@pytest.fixture
def files(tmp_path):
    rng = np.random.default_rng(0)
    jpg = tmp_path / "photo.jpg"
    Image.fromarray(rng.integers(0, 255, (90, 120, 3), dtype=np.uint8)).save(jpg, quality=90)
    rgba = tmp_path / "cutout.png"
    Image.fromarray(rng.integers(0, 255, (50, 40, 4), dtype=np.uint8), "RGBA").save(rgba)
    corrupt = tmp_path / "corrupt.jpg"
    corrupt.write_bytes(jpg.read_bytes()[:150])
    return {"jpg": jpg, "rgba": rgba, "corrupt": corrupt}


def test_mixed_list_with_skip_returns_six_results_in_order(detector, files):
    grey = Image.fromarray(np.full((30, 30), 128, np.uint8), "L")
    arr = np.zeros((20, 30, 3), np.uint8)
    tensor = torch.rand(3, 64, 64)
    preds = detector.predict([files["jpg"], files["rgba"], grey, arr, tensor, files["corrupt"]], on_error="skip")
    assert len(preds) == 6
    assert [p.source for p in preds] == [
        str(files["jpg"]),
        str(files["rgba"]),
        "<image 2>",
        "<array 3>",
        "<tensor 4>",
        str(files["corrupt"]),
    ]
    assert [p.ok for p in preds] == [True] * 5 + [False]
    assert all(0.0 <= p.score <= 1.0 and p.label in ("real", "fake") for p in preds[:5])
    assert "corrupt or truncated" in preds[5].error and preds[5].score is None


def test_raise_names_the_bad_input(detector, files):
    with pytest.raises(ImageLoadError, match=r"corrupt\.jpg"):
        detector.predict([files["jpg"], files["corrupt"]])


def test_empty_input_returns_empty_list(detector):
    assert detector.predict([]) == []


def test_directory_and_glob_expand_in_sorted_order(detector, files, tmp_path):
    preds = detector.predict(tmp_path, on_error="skip")
    assert [p.source for p in preds] == sorted(str(f) for f in files.values())
    preds = detector.predict(str(tmp_path / "*.png"))
    assert [p.source for p in preds] == [str(files["rgba"])]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "no image files" in detector.predict(empty, on_error="skip")[0].error


@pytest.mark.parametrize(
    "bad,message",
    [
        (torch.rand(64, 64), "CHW"),
        (torch.rand(5, 64, 64), "channels"),
        (torch.rand(3, 8, 8) * 255, r"\[0, 1\]"),
        (torch.zeros(3, 8, 8, dtype=torch.int32), "dtype"),
        (np.zeros((8, 8, 3), np.float32), "uint8"),
        (np.zeros((8, 8, 7), np.uint8), "HxWx3"),
        (12, "unsupported input type"),
    ],
)
def test_bad_arrays_and_tensors_say_what_was_expected(detector, bad, message):
    with pytest.raises(ValueError, match=message):
        detector.predict([bad])
    (pred,) = detector.predict([bad], on_error="skip")
    assert not pred.ok


def test_batch_tensor_and_uint8_tensor(detector):
    preds = detector.predict(torch.randint(0, 255, (3, 3, 40, 50), dtype=torch.uint8), batch_size=2)
    assert [p.source for p in preds] == ["<tensor 0[0]>", "<tensor 0[1]>", "<tensor 0[2]>"]


def test_preprocessing_is_the_eval_transform(detector, files, tiny_model):
    img = load_image(files["jpg"])
    expected = eval_transform(tiny_model.data_config)(img)
    torch.testing.assert_close(detector.preprocess(img), expected)
    with torch.no_grad():
        ref = torch.sigmoid(tiny_model(expected[None]).logits)[0, 0].item()
    assert detector.predict(files["jpg"])[0].score == pytest.approx(ref, abs=1e-6)


def test_batching_does_not_change_scores(detector, files):
    inputs = [files["jpg"], files["rgba"], torch.rand(3, 64, 64), files["jpg"], files["rgba"]]
    one = [p.score for p in detector.predict(inputs, batch_size=1)]
    many = [p.score for p in detector.predict(inputs, batch_size=4)]
    np.testing.assert_allclose(one, many, atol=1e-5)
    threaded = DisGRLDetector(detector.model, device="cpu", num_workers=2)
    np.testing.assert_allclose([p.score for p in threaded.predict(inputs, batch_size=2)], many, atol=1e-5)


def test_threshold_sets_the_label(detector, files):
    (p,) = detector.predict(files["jpg"], threshold=0.0)
    assert p.label == "fake"
    (p,) = detector.predict(files["jpg"], threshold=1.01)
    assert p.label == "real"


def test_maps_at_input_resolution_and_panel(detector, files, tmp_path):
    (p,) = detector.predict(files["jpg"], return_maps=True)
    assert p.image.shape == (90, 120, 3) and p.image.dtype == np.uint8
    for m in (p.rec1, p.rec2, p.diff1, p.diff2):
        assert m.shape == (90, 120, 3) and m.min() >= 0 and m.max() <= 1
    (t,) = detector.predict(torch.rand(3, 64, 64), return_maps=True)
    x01 = t.image.astype(np.float32) / 255
    np.testing.assert_allclose(t.diff1, np.abs(x01 - t.rec1), atol=0.01)  # |X - X̂1| (Eq. 9)
    out = detector.save_maps(p, tmp_path / "maps" / "panel.png")
    panel = Image.open(out)
    assert panel.size[0] == 5 * round(120 * 90 / 90) and panel.size[1] > 90
    with pytest.raises(ValueError, match="return_maps=True"):
        detector.save_maps(detector.predict(files["jpg"])[0], tmp_path / "x.png")


def test_pixel_limit(tiny_model, files):
    det = DisGRLDetector(tiny_model, device="cpu", max_pixels=1000)
    (p,) = det.predict(files["jpg"], on_error="skip")
    assert "over the limit" in p.error


def test_autocast_and_channels_last_on_cpu(tiny_model, files):
    ref = DisGRLDetector(tiny_model, device="cpu").predict(files["jpg"])[0].score
    fast = DisGRLDetector(tiny_model, device="cpu", autocast="bf16", channels_last=True)
    assert fast.predict(files["jpg"])[0].score == pytest.approx(ref, abs=0.05)
    with pytest.raises(ValueError, match="autocast"):
        DisGRLDetector(tiny_model, autocast="int8")


def test_device_defaults_to_cuda_when_available(monkeypatch):
    from disgrl import detector as det_mod

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert det_mod._default_device().type == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert det_mod._default_device().type == "cpu"


def test_model_without_heads_scores_without_maps(files):
    import disgrl

    model = disgrl.create_model("xception_baseline")
    model.pretrained_cfg["input_size"] = (3, 64, 64)
    (p,) = DisGRLDetector(model, device="cpu").predict(files["jpg"], return_maps=True)
    assert p.ok and p.rec1 is None and p.diff2 is None and p.image is not None
