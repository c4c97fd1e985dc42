"""disgrl.video: even frame sampling, both decoding backends, clear errors; video face crops."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from disgrl import video
from disgrl.video import VideoLoadError, frame_indices, is_video_file, sample_frames, write_video

BACKENDS = video.available_backends()
needs_backend = pytest.mark.skipif(not BACKENDS, reason="neither PyAV nor OpenCV is installed (disgrl[video])")


def _grey_frames(n: int, w: int = 96, h: int = 64) -> list[np.ndarray]:
    """Frame i is uniformly grey at level 10 * i, so a decoded frame tells its index."""
    return [np.full((h, w, 3), 10 * i, np.uint8) for i in range(n)]


@pytest.fixture(scope="module")
def grey_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not BACKENDS:
        pytest.skip("neither PyAV nor OpenCV is installed (disgrl[video])")
    return write_video(tmp_path_factory.mktemp("v") / "grey.mp4", _grey_frames(20), fps=10)


def test_frame_indices() -> None:
    assert frame_indices(20, 5) == [0, 5, 10, 14, 19]
    assert frame_indices(100, 2) == [0, 99]
    assert frame_indices(10, 1) == [4]
    assert frame_indices(3, 32) == [0, 1, 2]
    assert frame_indices(7, None) == list(range(7))
    assert frame_indices(0, 5) == []
    idx = frame_indices(300, 32)
    assert len(idx) == 32 and idx[0] == 0 and idx[-1] == 299
    gaps = np.diff(idx)
    assert gaps.max() - gaps.min() <= 1  # evenly spaced
    with pytest.raises(ValueError, match="frames"):
        frame_indices(10, 0)


def test_is_video_file() -> None:
    for name in ("a.mp4", "b.AVI", "c.mov", "d.mkv", "e.webm", "f.m4v"):
        assert is_video_file(name)
    for name in ("a.jpg", "b.png", "c.txt", "mp4"):
        assert not is_video_file(name)


@needs_backend
@pytest.mark.parametrize("backend", BACKENDS)
def test_sample_frames_evenly_spaced(grey_video: Path, backend: str) -> None:
    frames = sample_frames(grey_video, 5, backend=backend)
    assert [f.index for f in frames] == [0, 5, 10, 14, 19]
    assert [f.timestamp for f in frames] == pytest.approx([0.0, 0.5, 1.0, 1.4, 1.9], abs=1e-6)
    for f in frames:
        assert isinstance(f.image, Image.Image) and f.image.mode == "RGB" and f.image.size == (96, 64)
        assert abs(np.asarray(f.image).mean() - 10 * f.index) < 4  # the right frame (lossy codec)
    index, t, img = frames[0]  # plain tuples too
    assert index == 0 and t == 0.0 and img is frames[0].image


@needs_backend
def test_all_frames_and_short_videos(grey_video: Path) -> None:
    assert [f.index for f in sample_frames(grey_video, None)] == list(range(20))
    assert [f.index for f in sample_frames(grey_video, 32)] == list(range(20))
    info = video.video_info(grey_video)
    assert (info.frame_count, info.fps, info.width, info.height) == (20, 10.0, 96, 64)


@needs_backend
@pytest.mark.parametrize("ext", [".avi", ".mkv", ".webm"])
def test_other_containers(tmp_path: Path, ext: str) -> None:
    if "av" not in BACKENDS:
        pytest.skip("writing .mkv/.webm needs PyAV")
    path = write_video(tmp_path / f"clip{ext}", _grey_frames(12), fps=12)
    frames = sample_frames(path, 4)
    assert [f.index for f in frames] == [0, 4, 7, 11]
    assert abs(np.asarray(frames[-1].image).mean() - 110) < 4


@needs_backend
def test_truncated_video_is_sampled_over_the_frames_that_exist(tmp_path: Path) -> None:
    if "av" not in BACKENDS:
        pytest.skip("writing .mkv needs PyAV")
    rng = np.random.default_rng(0)
    frames = [np.clip(rng.integers(0, 40, (64, 96, 3)) + 10 * i, 0, 255).astype(np.uint8) for i in range(20)]
    data = write_video(tmp_path / "full.mkv", frames, fps=10).read_bytes()
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(data[: int(len(data) * 0.6)])
    for backend in BACKENDS:
        n = len(sample_frames(cut, None, backend=backend))
        assert 2 < n < 20
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # OpenCV's header promises 20 frames: a warning says so
            got = sample_frames(cut, 5, backend=backend)
        assert [f.index for f in got] == frame_indices(n, 5), backend


@needs_backend
def test_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(VideoLoadError, match=r"missing\.mp4: file not found"):
        sample_frames(tmp_path / "missing.mp4")
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(VideoLoadError, match=r"empty\.mp4: empty file \(0 bytes\)"):
        sample_frames(empty)
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"this is not a video " * 200)
    with pytest.raises(VideoLoadError, match=r"junk\.mp4: ") as info:
        sample_frames(junk)
    assert info.value.source == str(junk) and info.value.reason
    with pytest.raises(VideoLoadError, match="is a directory"):
        sample_frames(tmp_path)
    with pytest.raises(ValueError, match="frames"):
        sample_frames(junk, 0)


def test_missing_backend_says_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "av", None)
    monkeypatch.setitem(sys.modules, "cv2", None)
    with pytest.raises(ImportError, match=r'pip install "disgrl\[video\]"'):
        sample_frames(tmp_path / "a.mp4")
    with pytest.raises(ImportError, match="pip install av"):
        sample_frames(tmp_path / "a.mp4", backend="av")
    with pytest.raises(ValueError, match="backend"):
        sample_frames(tmp_path / "a.mp4", backend="ffmpeg")


@needs_backend
def test_write_video_checks_frames(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no frames"):
        write_video(tmp_path / "none.mp4", [])
    with pytest.raises(ValueError, match="not 96x64"):
        write_video(tmp_path / "mixed.mp4", [_grey_frames(1)[0], np.zeros((32, 32, 3), np.uint8)])
