"""Face-level and video-level prediction through DisGRLDetector (needs the faces/video extras)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from disgrl import DisGRLDetector
from disgrl.cli import main

pytest.importorskip("dlib", reason="the default face detector comes with the 'faces' extra (dlib-bin)")
skdata = pytest.importorskip("skimage.data", reason="face test images come from scikit-image (dev extra)")


@pytest.fixture(scope="module")
def astronaut() -> Image.Image:
    return Image.fromarray(skdata.astronaut())


@pytest.fixture
def detector(tiny_model):
    return DisGRLDetector(tiny_model, device="cpu")


def _noise(size=(240, 320), seed=0) -> Image.Image:
    return Image.fromarray(np.random.default_rng(seed).integers(0, 255, (*size, 3), dtype=np.uint8))


def test_faces_are_scored_and_the_image_takes_the_max(detector, astronaut):
    import matplotlib.cbook

    hopper = Image.open(matplotlib.cbook.get_sample_data("grace_hopper.jpg")).convert("RGB")  # 512x600
    wide = Image.new("RGB", (1024, 600))
    wide.paste(astronaut, (0, 0))
    wide.paste(hopper, (512, 0))
    (p,) = detector.predict(wide, faces=True)
    assert len(p.faces) >= 2 and not p.no_face
    for f in p.faces:
        x0, y0, x1, y1 = f.box
        assert 0 <= x0 < x1 <= 1024 and 0 <= y0 < y1 <= 600 and 0 <= f.score <= 1 and f.label in ("real", "fake")
    assert p.score == max(f.score for f in p.faces)
    centres = [((f.box[0] + f.box[2]) / 2, (f.box[1] + f.box[3]) / 2) for f in p.faces]
    assert any(150 < x < 300 and 60 < y < 200 for x, y in centres)  # the astronaut's face
    assert any(650 < x < 900 and 130 < y < 360 for x, y in centres)  # Grace Hopper's face


def test_image_without_face_is_reported_not_called_real(detector):
    (p,) = detector.predict(_noise(), faces=True)
    assert p.no_face and p.ok and p.label is None and p.score is None and p.faces == []
    assert p.to_dict()["no_face"] is True


def test_face_maps_are_of_the_crop(detector, astronaut, tmp_path):
    (p,) = detector.predict(astronaut, faces=True, return_maps=True)
    face = p.faces[0]
    assert face.image.shape == (64, 64, 3) and face.diff1.shape == (64, 64, 3)
    assert detector.save_maps(face, tmp_path / "face.png").is_file()


def _video(path, face: Image.Image | None, n: int = 12):
    from disgrl.video import write_video

    frames = []
    for i in range(n):
        bg = _noise(seed=i)
        if face is not None:
            bg.paste(face.resize((130, 140)), (50 + 4 * i, 40))
        frames.append(bg)
    write_video(path, frames, fps=8)
    return path


def test_video_level_score_is_the_mean_of_frame_scores(detector, astronaut, tmp_path):
    pytest.importorskip("av", reason="video decoding comes with the 'video' extra (PyAV)")
    face = astronaut.crop((140, 40, 300, 220))
    v = detector.predict_video(_video(tmp_path / "face.mp4", face), frames=6)
    assert len(v.frames) == 6 and v.ok and not v.no_face
    scored = [f.score for f in v.frames if f.score is not None]
    assert len(scored) >= 5  # the pasted face is found in (nearly) every frame
    assert v.score == pytest.approx(float(np.mean(scored)))
    assert all(f.faces and f.faces[0].box is not None for f in v.frames if f.score is not None)
    whole = detector.predict_video(tmp_path / "face.mp4", frames=4, faces=False)
    assert len(whole.frames) == 4 and all(f.score is not None for f in whole.frames)


def test_video_without_face_says_so(detector, tmp_path):
    pytest.importorskip("av", reason="video decoding comes with the 'video' extra (PyAV)")
    v = detector.predict_video(_video(tmp_path / "noise.mp4", None, n=6), frames=3)
    assert v.no_face and v.label is None and v.score is None and len(v.frames) == 3
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video")
    assert detector.predict_video(bad, on_error="skip").error is not None


def test_cli_predict_video_with_faces(tiny_model, astronaut, tmp_path, capsys):
    pytest.importorskip("av", reason="video decoding comes with the 'video' extra (PyAV)")
    weights = tiny_model.save_pretrained(tmp_path / "w")
    video = _video(tmp_path / "clip.mp4", astronaut.crop((140, 40, 300, 220)))
    noise = tmp_path / "noise.png"
    _noise().save(noise)
    assert main(["predict", str(video), str(noise), "--weights", str(weights), "--faces", "--frames", "4"]) == 0
    out = capsys.readouterr().out
    assert "video" in out and "no face" in out
