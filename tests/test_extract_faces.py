"""`disgrl extract-faces`: output layout, no-face/unreadable log, resuming, parallel workers."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from disgrl.cli import main
from disgrl.faces.extract import STATE_DIR, extract_faces, output_keys

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("cv2") is None and importlib.util.find_spec("dlib") is None,
    reason="no face detection backend installed (disgrl[faces])",
)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """INPUT/real/{clip.mp4, photo.jpg}, INPUT/fake/{noise.mp4, broken.mp4, nested/photo.png}, notes.txt."""
    skimage_data = pytest.importorskip("skimage.data", reason="scikit-image (dev extra) provides the astronaut photo")
    from disgrl import video

    if not video.available_backends():
        pytest.skip("neither PyAV nor OpenCV is installed (disgrl[video])")
    root = tmp_path_factory.mktemp("input")
    astronaut = Image.fromarray(skimage_data.astronaut())
    head = astronaut.crop((122, 22, 322, 222)).resize((120, 120), Image.BICUBIC)
    frames = []
    for i in range(12):
        frame = Image.new("RGB", (320, 240), (40, 60, 80))
        frame.paste(head, (90 + 3 * i, 60))
        frames.append(frame)
    video.write_video(root / "real" / "clip.mp4", frames, fps=12)
    rng = np.random.default_rng(0)
    video.write_video(root / "fake" / "noise.mp4", [rng.integers(0, 256, (96, 128, 3), np.uint8) for _ in range(6)])
    (root / "fake" / "broken.mp4").write_bytes(b"\x00\x01 not a video" * 50)
    astronaut.resize((256, 256)).save(root / "real" / "photo.jpg")
    (root / "fake" / "nested").mkdir()
    astronaut.resize((200, 200)).save(root / "fake" / "nested" / "photo.png")
    (root / "notes.txt").write_text("not an image")
    return root


def _files(out: Path) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and STATE_DIR not in p.parts)


def test_layout_log_and_resume(dataset: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "faces"
    args = ["extract-faces", str(dataset), str(out), "--frames", "4", "--size", "64", "--quiet"]
    assert main(args) == 0
    assert "5 sources: 5 processed, 0 already done; 6 face crops written; 1 without a face, 1 unreadable" in (
        capsys.readouterr().out
    )
    assert _files(out) == [
        "fake/nested/photo_0.png",
        "no_faces.csv",
        "real/clip/0000_0.png",
        "real/clip/0004_0.png",
        "real/clip/0007_0.png",
        "real/clip/0011_0.png",
        "real/photo_0.png",
    ]
    for p in out.rglob("*.png"):
        assert Image.open(p).size == (64, 64)
    assert not list(out.rglob("*.tmp"))  # atomic writes leave nothing behind
    with open(out / "no_faces.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["source"], r["status"]) for r in rows] == [
        ("fake/broken.mp4", "unreadable"),
        ("fake/noise.mp4", "no_face"),
    ]
    assert (
        rows[0]["reason"].startswith("cannot open as a video (Invalid data")
        and "no face found in 4 frame(s)" in rows[1]["reason"]
    )

    # a second run does no work and changes nothing
    mtimes = {p: p.stat().st_mtime_ns for p in out.rglob("*.png")}
    assert main(args) == 0
    assert "5 sources: 0 processed, 5 already done" in capsys.readouterr().out
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*.png")} == mtimes

    # an interrupted source (marker gone) and a deleted output are redone; nothing else is
    (out / STATE_DIR / "real" / "photo.json").unlink()
    (out / "real" / "clip" / "0004_0.png").unlink()
    done = []
    summary = extract_faces(
        dataset, out, frames=4, size=64, progress=False, on_result=lambda m: done.append(m["source"])
    )
    assert sorted(done) == ["real/clip.mp4", "real/photo.jpg"] and summary.skipped == 3
    assert (out / "real" / "clip" / "0004_0.png").is_file()

    # new settings redo everything and remove the outputs they no longer produce
    summary = extract_faces(dataset, out, frames=2, size=32, largest_only=True, progress=False)
    assert summary.processed == 5 and summary.crops == 4
    assert [p for p in _files(out) if p.startswith("real/clip/")] == ["real/clip/0000_0.png", "real/clip/0011_0.png"]
    assert Image.open(out / "real" / "photo_0.png").size == (32, 32)


def test_parallel_workers_and_single_file(dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "faces"
    summary = extract_faces(dataset / "real", out, frames=3, size=48, workers=2, progress=False)
    assert summary.processed == 2 and summary.crops == 4 and not summary.errors
    assert _files(out) == [
        "clip/0000_0.png",
        "clip/0006_0.png",
        "clip/0011_0.png",
        "no_faces.csv",
        "photo_0.png",
    ]
    one = extract_faces(dataset / "real" / "photo.jpg", tmp_path / "one", size=48, progress=False)
    assert one.crops == 1 and (tmp_path / "one" / "photo_0.png").is_file()


def test_output_inside_input_is_not_read(dataset: Path, tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "photo.jpg").write_bytes((dataset / "real" / "photo.jpg").read_bytes())
    first = extract_faces(src, src / "faces", size=32, progress=False)
    again = extract_faces(src, src / "faces", size=32, progress=False)
    assert (first.sources, first.crops, again.sources, again.skipped) == (1, 1, 1, 1)


def test_output_keys_disambiguate(tmp_path: Path) -> None:
    srcs = [tmp_path / "a" / "x.mp4", tmp_path / "a" / "x.avi", tmp_path / "a" / "y.jpg"]
    assert list(output_keys(tmp_path, srcs).values()) == ["a/x_mp4", "a/x_avi", "a/y"]


def test_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract-faces", str(tmp_path / "missing"), str(tmp_path / "out")]) == 2
    assert "input not found" in capsys.readouterr().err
    assert main(["extract-faces", str(tmp_path), str(tmp_path / "out"), "--detector", "nope"]) == 2
    assert "unknown face detector 'nope'" in capsys.readouterr().err
    with pytest.raises(ValueError, match="workers"):
        extract_faces(tmp_path, tmp_path / "out", workers=0)
    for name in ("a.jpg", "b.jpg"):
        Image.new("RGB", (64, 64)).save(tmp_path / name)
    local = lambda img: []  # noqa: E731 - a lambda cannot be pickled for worker processes
    with pytest.raises(ValueError, match="cannot be sent to worker processes"):
        extract_faces(tmp_path, tmp_path / "out", detector=local, workers=2, progress=False)
