"""Reading frames from videos (optional extra ``pip install "disgrl[video]"``).

:func:`sample_frames` returns ``frames`` frames spread evenly over a video (indices
``round(linspace(0, n - 1, frames))``), each with its index and timestamp. It decodes with
PyAV when it is installed and with OpenCV otherwise (both bundle FFmpeg); every failure raises
:class:`VideoLoadError` naming the file and what was wrong.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from PIL import Image

#: File name extensions treated as videos (case-insensitive).
VIDEO_EXTENSIONS = (
    ".mp4",
    ".m4v",
    ".mov",
    ".avi",
    ".mkv",
    ".webm",
    ".mpg",
    ".mpeg",
    ".wmv",
    ".flv",
    ".3gp",
    ".ts",
    ".mts",
    ".ogv",
)

BACKENDS = ("av", "opencv")
VIDEO_INSTALL = 'pip install "disgrl[video]"'


class VideoLoadError(ValueError):
    """A video could not be read; ``source`` names it and ``reason`` says why."""

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {reason}")


class VideoFrame(NamedTuple):
    """One decoded frame: its 0-based ``index`` in the video, ``timestamp`` in seconds, RGB ``image``."""

    index: int
    timestamp: float
    image: Image.Image


class VideoInfo(NamedTuple):
    """What :func:`video_info` reads from a video's header (``frame_count`` may be an estimate)."""

    frame_count: int
    fps: float
    width: int
    height: int
    backend: str


def is_video_file(path: str | os.PathLike) -> bool:
    """True when the file name has a common video extension (case-insensitive)."""
    return Path(path).suffix.lower() in VIDEO_EXTENSIONS


def available_backends() -> list[str]:
    """The installed decoding backends, preferred first (``"av"`` = PyAV, ``"opencv"``)."""
    found = []
    for name, module in (("av", "av"), ("opencv", "cv2")):
        try:
            __import__(module)
        except ImportError:
            continue
        found.append(name)
    return found


def _backend(backend: str | None) -> str:
    if backend is not None:
        if backend not in BACKENDS:
            raise ValueError(f"video backend must be one of {BACKENDS} or None, got {backend!r}")
        module = "av" if backend == "av" else "cv2"
        try:
            __import__(module)
        except ImportError as e:
            pkg = "av" if backend == "av" else '"opencv-python-headless<5"'
            raise ImportError(f"video backend {backend!r} needs {pkg}: pip install {pkg} (or {VIDEO_INSTALL})") from e
        return backend
    found = available_backends()
    if not found:
        raise ImportError(
            f"reading videos needs PyAV (or OpenCV), and neither is installed. Install it with: {VIDEO_INSTALL}"
        )
    return found[0]


def frame_indices(total: int, frames: int | None) -> list[int]:
    """``frames`` frame indices spread evenly over ``total`` frames, first and last included.

    Every frame when ``frames`` is ``None`` or at least ``total``.
    """
    if total <= 0:
        return []
    if frames is None or frames >= total:
        return list(range(total))
    if frames < 1:
        raise ValueError(f"frames must be >= 1 or None, got {frames!r}")
    if frames == 1:
        return [(total - 1) // 2]
    return sorted({round(float(v)) for v in np.linspace(0, total - 1, frames)})


def _check_file(path: str | os.PathLike) -> str:
    label = str(path)
    p = Path(path)
    if not p.exists():
        raise VideoLoadError(label, "file not found")
    if p.is_dir():
        raise VideoLoadError(label, "is a directory, not a video file")
    if p.stat().st_size == 0:
        raise VideoLoadError(label, "empty file (0 bytes)")
    return label


# ---------------------------------------------------------------------------------------------
# PyAV


def _av_open(path: str) -> tuple[Any, Any]:
    import av

    try:
        container = av.open(path, metadata_errors="ignore")
    except (av.error.FFmpegError, OSError, UnicodeDecodeError, ValueError) as e:
        raise VideoLoadError(path, f"cannot open as a video ({_reason(e)})") from None
    if not container.streams.video:
        container.close()
        raise VideoLoadError(path, "no video stream in the file")
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    return container, stream


def _reason(e: BaseException) -> str:
    """An FFmpeg error's message without the file name (the caller names the file)."""
    return getattr(e, "strerror", None) or str(e)


def _av_info(path: str) -> VideoInfo:
    container, stream = _av_open(path)
    with container:
        fps = float(stream.average_rate or stream.guessed_rate or 0.0)
        # Count the packets (demuxing only, no decoding): exact where the header's count is
        # missing (mkv, webm) or wrong (truncated files).
        try:
            count = sum(1 for p in container.demux(stream) if p.size)
        except Exception:  # a broken container: fall back on the header; decoding will tell
            count = int(stream.frames or 0)
        return VideoInfo(count, fps, int(stream.codec_context.width), int(stream.codec_context.height), "av")


def _av_decode(path: str, targets: list[int] | None, state: dict[str, int]) -> Iterator[VideoFrame]:
    """Decode ``path`` in order, yielding the frames at ``targets`` (every frame when ``None``).

    Sets ``state["decoded"]`` to the number of frames decoded.
    """
    import av

    container, stream = _av_open(path)
    with container:
        fps = float(stream.average_rate or stream.guessed_rate or 0.0)
        tb, start = stream.time_base, stream.start_time or 0

        def stamp(frame: Any, index: int) -> float:
            if frame.pts is not None and tb is not None:
                return float((frame.pts - start) * tb)
            return index / fps if fps else 0.0

        wanted = None if targets is None else set(targets)
        stop = None if targets is None else max(targets, default=-1)
        index = -1
        try:
            for frame in container.decode(stream):
                index += 1
                state["decoded"] = index + 1
                if wanted is None or index in wanted:
                    yield VideoFrame(index, stamp(frame, index), frame.to_image())
                if stop is not None and index >= stop:
                    return
        except av.error.FFmpegError as e:
            if index < 0:
                raise VideoLoadError(path, f"cannot decode the video ({_reason(e)})") from None
            warnings.warn(f"{path}: decoding stopped after frame {index} ({_reason(e)})", stacklevel=3)
        if index < 0:
            raise VideoLoadError(path, "no frames could be decoded (empty or corrupt video)")


# ---------------------------------------------------------------------------------------------
# OpenCV


def _cv_open(path: str) -> Any:
    import cv2

    cap = cv2.VideoCapture(path, cv2.CAP_FFMPEG)
    if not cap.isOpened():
        cap.release()
        raise VideoLoadError(path, "cannot open as a video (OpenCV/FFmpeg could not read it)")
    return cap


def _cv_info(path: str) -> VideoInfo:
    import cv2

    cap = _cv_open(path)
    try:
        count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        w, h = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        return VideoInfo(max(count, 0), fps, w, h, "opencv")
    finally:
        cap.release()


def _cv_decode(path: str, targets: list[int] | None, state: dict[str, int]) -> Iterator[VideoFrame]:
    """Decode ``path`` in order, yielding the frames at ``targets`` (every frame when ``None``).

    Sets ``state["decoded"]`` to the number of frames decoded.
    """
    import cv2

    cap = _cv_open(path)
    try:
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        wanted = None if targets is None else set(targets)
        stop = None if targets is None else max(targets, default=-1)
        index = -1
        while stop is None or index < stop:
            if not cap.grab():
                break
            index += 1
            state["decoded"] = index + 1
            if wanted is None or index in wanted:
                ok, bgr = cap.retrieve()
                if not ok or bgr is None:
                    raise VideoLoadError(path, f"cannot decode frame {index}")
                t = index / fps if fps else cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
                yield VideoFrame(index, t, Image.fromarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)))
    finally:
        cap.release()
    if index < 0:
        raise VideoLoadError(path, "no frames could be decoded (empty or corrupt video)")


# ---------------------------------------------------------------------------------------------
# public


def video_info(path: str | os.PathLike, *, backend: str | None = None) -> VideoInfo:
    """Frame count (from the header, or counted packets), fps and size of a video."""
    b = _backend(backend)
    label = _check_file(path)
    return _av_info(label) if b == "av" else _cv_info(label)


def _plan(label: str, b: str, frames: int | None) -> tuple[Any, list[int] | None, int]:
    """The decoder, the frame indices to keep (``None``: all) and the frame count they assume."""
    decode = _av_decode if b == "av" else _cv_decode
    if frames is not None and frames < 1:
        raise ValueError(f"frames must be >= 1 or None, got {frames!r}")
    if frames is None:
        return decode, None, 0
    total = (_av_info(label) if b == "av" else _cv_info(label)).frame_count
    if total <= 0:  # length unknown: count by decoding once
        state: dict[str, int] = {}
        for _ in decode(label, None, state):
            pass
        total = state.get("decoded", 0)
    return decode, frame_indices(total, frames), total


def iter_frames(
    path: str | os.PathLike, frames: int | None = 32, *, backend: str | None = None
) -> Iterator[VideoFrame]:
    """Yield :func:`sample_frames`' frames one at a time (only one decoded frame is held at once).

    Unlike :func:`sample_frames` it cannot take frames back: when a video decodes fewer frames
    than its header promises (truncated files read with OpenCV), the frames past the real end
    are missing, with a warning.

    Raises:
        VideoLoadError: missing, empty, unreadable or frameless video (naming the file).
        ImportError: neither PyAV nor OpenCV is installed.
    """
    b = _backend(backend)
    label = _check_file(path)
    decode, targets, total = _plan(label, b, frames)
    state: dict[str, int] = {}
    yield from decode(label, targets, state)
    if targets and state.get("decoded", 0) <= targets[-1]:
        warnings.warn(
            f"{label}: only {state.get('decoded', 0)} frames could be decoded, not the {total} the file announces; "
            "frames past the end are missing",
            stacklevel=2,
        )


def sample_frames(path: str | os.PathLike, frames: int | None = 32, *, backend: str | None = None) -> list[VideoFrame]:
    """``frames`` frames spread evenly over a video, as ``(index, timestamp, image)`` tuples.

    The indices are ``round(linspace(0, n - 1, frames))`` over the ``n`` frames (first and last
    included; every frame when the video is shorter or ``frames`` is ``None``); timestamps are
    in seconds from the start of the video stream; images are RGB :class:`PIL.Image.Image`.
    Frames are decoded in order (the whole video is read; no keyframe seeking), so indices and
    images always agree. When a video decodes fewer frames than it announces (a truncated
    file), the frames are sampled again over the frames that exist, with a warning.

    Args:
        path: the video file.
        frames: how many frames (``None``: all).
        backend: ``"av"`` (PyAV) or ``"opencv"``; ``None`` picks PyAV when installed.

    Raises:
        VideoLoadError: missing, empty, unreadable or frameless video (naming the file).
        ImportError: neither PyAV nor OpenCV is installed.
    """
    b = _backend(backend)
    label = _check_file(path)
    decode, targets, total = _plan(label, b, frames)
    state: dict[str, int] = {}
    got = list(decode(label, targets, state))
    decoded = state.get("decoded", 0)
    if targets and decoded <= targets[-1]:
        warnings.warn(
            f"{label}: only {decoded} frames could be decoded, not the {total} the file announces; "
            f"sampling over those {decoded}",
            stacklevel=2,
        )
        again = frame_indices(decoded, frames)
        have = {f.index: f for f in got}
        missing = [i for i in again if i not in have]
        if missing:
            have.update({f.index: f for f in decode(label, missing, {})})
        got = [have[i] for i in again if i in have]
    return got


def _codec_for(path: Path, available: Iterable[str]) -> str:
    ext = path.suffix.lower()
    avail = set(available)
    if ext == ".webm":
        return "libvpx-vp9"
    if ext in (".mp4", ".m4v", ".mov", ".mkv") and "libx264" in avail:
        return "libx264"
    return "mpeg4"


def write_video(
    path: str | os.PathLike,
    frames: Iterable[Image.Image | np.ndarray],
    fps: float = 25.0,
    *,
    codec: str | None = None,
    backend: str | None = None,
) -> Path:
    """Write RGB frames (PIL images or HxWx3 uint8 arrays, all one size) to a video file.

    Meant for examples and tests. With PyAV the codec follows the extension (H.264 for .mp4,
    .mov, .mkv; VP9 for .webm; MPEG-4 part 2 otherwise); with OpenCV, .mp4 (``mp4v``) and .avi
    (``MJPG``) are written. Width and height must be even for the YUV 4:2:0 codecs.
    """
    path = Path(path)
    b = _backend(backend)
    if not fps > 0:
        raise ValueError(f"fps must be > 0, got {fps!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    it = iter(frames)
    count = 0
    if b == "av":
        import av

        chosen = codec or _codec_for(path, av.codecs_available)
        rate = Fraction(fps).limit_denominator(1001)
        with av.open(str(path), mode="w") as container:
            stream = None
            for item in it:
                arr = _as_rgb_array(item, count)
                if stream is None:
                    h, w = arr.shape[:2]
                    stream = container.add_stream(chosen, rate=rate)
                    stream.width, stream.height = w, h
                    stream.pix_fmt = "yuv420p" if chosen != "ffv1" else "yuv444p"
                    if stream.pix_fmt == "yuv420p" and (w % 2 or h % 2):
                        raise ValueError(f"{path}: frame size {w}x{h} must be even for codec {chosen}")
                elif arr.shape[:2] != (stream.height, stream.width):
                    raise ValueError(
                        f"{path}: frame {count} is {arr.shape[1]}x{arr.shape[0]}, not {stream.width}x{stream.height}"
                    )
                for packet in stream.encode(av.VideoFrame.from_ndarray(arr, format="rgb24")):
                    container.mux(packet)
                count += 1
            if stream is None:
                raise ValueError(f"{path}: no frames to write")
            for packet in stream.encode():
                container.mux(packet)
        return path
    import cv2

    fourcc = {".mp4": "mp4v", ".m4v": "mp4v", ".mov": "mp4v", ".avi": "MJPG"}.get(path.suffix.lower())
    if codec is not None:
        fourcc = codec
    if fourcc is None:
        raise ValueError(f"{path}: the OpenCV writer handles .mp4 and .avi; install PyAV for {path.suffix}")
    writer = None
    try:
        for item in it:
            arr = _as_rgb_array(item, count)
            h, w = arr.shape[:2]
            if writer is None:
                writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), float(fps), (w, h))
                if not writer.isOpened():
                    raise ValueError(f"{path}: OpenCV cannot write {fourcc!r} video here")
                size = (w, h)
            elif (w, h) != size:
                raise ValueError(f"{path}: frame {count} is {w}x{h}, not {size[0]}x{size[1]}")
            writer.write(cv2.cvtColor(arr, cv2.COLOR_RGB2BGR))
            count += 1
    finally:
        if writer is not None:
            writer.release()
    if count == 0:
        raise ValueError(f"{path}: no frames to write")
    return path


def _as_rgb_array(item: Image.Image | np.ndarray, i: int) -> np.ndarray:
    if isinstance(item, Image.Image):
        return np.asarray(item.convert("RGB"))
    arr = np.asarray(item)
    if arr.dtype != np.uint8 or arr.ndim != 3 or arr.shape[2] != 3:
        raise ValueError(f"frame {i}: expected an RGB PIL image or an HxWx3 uint8 array, got {arr.dtype} {arr.shape}")
    return np.ascontiguousarray(arr)
