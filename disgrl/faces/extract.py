"""Turn a folder of videos and images into face-crop folders (``disgrl extract-faces``).

Layout, mirroring INPUT's folders (so ``INPUT/real/...`` and ``INPUT/fake/...`` become the
``OUT/real/...`` and ``OUT/fake/...`` that a real/fake folder dataset reads)::

    INPUT/fake/000_003.mp4   ->  OUT/fake/000_003/0000_0.png, 0010_0.png, ...  (<frame:04d>_<face>.png)
    INPUT/real/photo.jpg     ->  OUT/real/photo_0.png, photo_1.png, ...          (<stem>_<face>.png)

Faces are numbered largest first. Every file is written atomically (temporary file, then
rename), and each finished source gets a small JSON marker under ``OUT/.extract-faces/``
(written last), so an interrupted run resumes where it stopped: a source is skipped when its
marker matches the source file (size, modification time), the settings, and all its outputs
exist. ``OUT/no_faces.csv`` lists the sources where no face was found and those that could
not be read, with the reason.
"""

from __future__ import annotations

import concurrent.futures as cf
import csv
import io
import json
import multiprocessing
import os
import pickle
import re
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from .._atomic import atomic_write_bytes, atomic_write_text
from ..io import IMAGE_EXTENSIONS
from ._base import FaceDetectorBackend
from .pipeline import DEFAULT_MIN_FACE, detect_and_crop, resolve_detector

STATE_DIR = ".extract-faces"
LOG_NAME = "no_faces.csv"
MARKER_VERSION = 1

_VIDEO_OUT = re.compile(r"^\d{4,}_\d+\.png$")


@dataclass
class ExtractSummary:
    """What :func:`extract_faces` did."""

    sources: int = 0
    processed: int = 0
    skipped: int = 0
    crops: int = 0
    no_face: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    log: Path | None = None

    def __str__(self) -> str:
        return (
            f"{self.sources} sources: {self.processed} processed, {self.skipped} already done; "
            f"{self.crops} face crops written; {len(self.no_face)} without a face, {len(self.errors)} unreadable "
            f"({self.seconds:.1f} s)" + (f"; see {self.log}" if self.log and (self.no_face or self.errors) else "")
        )


def _is_video(path: Path) -> bool:
    from ..video import VIDEO_EXTENSIONS

    return path.suffix.lower() in VIDEO_EXTENSIONS


def find_sources(root: str | os.PathLike, exclude: str | os.PathLike | None = None) -> list[Path]:
    """Images and videos under ``root`` (recursively, sorted; hidden files and ``exclude`` skipped)."""
    root = Path(root)
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise FileNotFoundError(f"input not found: {root}")
    skip = Path(exclude).resolve() if exclude is not None else None
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = sorted(
            d for d in dirnames if not d.startswith(".") and (skip is None or (here / d).resolve() != skip)
        )
        for name in sorted(filenames):
            p = here / name
            if name.startswith("."):
                continue
            if p.suffix.lower() in IMAGE_EXTENSIONS or _is_video(p):
                found.append(p)
    return found


def output_keys(root: Path, sources: list[Path]) -> dict[Path, str]:
    """Each source's output key: its path relative to ``root`` without extension (POSIX style).

    Two sources differing only by extension (``a.mp4`` and ``a.avi``) get ``a_mp4`` and ``a_avi``.
    """
    base = root if root.is_dir() else root.parent
    keys: dict[Path, str] = {}
    seen: dict[str, list[Path]] = {}
    for s in sources:
        key = s.relative_to(base).with_suffix("").as_posix()
        keys[s] = key
        seen.setdefault(key.lower(), []).append(s)
    for group in seen.values():
        if len(group) > 1:
            for s in group:
                keys[s] = f"{keys[s]}_{s.suffix.lstrip('.').lower()}"
    return keys


def _params(frames: int | None, size: int | None, margin: float, detector: str, largest_only: bool, min_face: float):
    return {
        "frames": frames,
        "size": size,
        "margin": margin,
        "detector": detector,
        "largest_only": largest_only,
        "min_face": min_face,
    }


def _marker_path(out: Path, key: str) -> Path:
    return out / STATE_DIR / f"{key}.json"


def _read_marker(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("version") == MARKER_VERSION else None


def is_done(out: Path, source: Path, key: str, params: dict[str, Any]) -> bool:
    """True when ``source`` has a marker for these settings, is unchanged, and all its outputs exist."""
    marker = _read_marker(_marker_path(out, key))
    if marker is None or marker.get("params") != params:
        return False
    st = source.stat()
    if marker.get("source_size") != st.st_size or marker.get("source_mtime_ns") != st.st_mtime_ns:
        return False
    return all((out / rel).is_file() for rel in marker.get("outputs", []))


# --------------------------------------------------------------------------------------------
# work done in the worker processes

_detector: FaceDetectorBackend | None = None


def _init_worker(detector: Any) -> None:
    global _detector
    try:
        import cv2

        cv2.setNumThreads(1)
    except ImportError:
        pass
    _detector = resolve_detector(detector)


def _save_png(img: Image.Image, path: Path) -> None:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    atomic_write_bytes(path, buf.getvalue())


def _stale_outputs(out: Path, key: str, is_video: bool, old: dict[str, Any] | None) -> list[Path]:
    stale = [out / rel for rel in (old or {}).get("outputs", [])]
    target = out / key
    if is_video:
        if target.is_dir():
            stale += [p for p in target.iterdir() if _VIDEO_OUT.match(p.name)]
    elif target.parent.is_dir():
        pattern = re.compile(re.escape(target.name) + r"_\d+\.png$")
        stale += [p for p in target.parent.iterdir() if pattern.match(p.name)]
    return stale


def process_source(job: dict[str, Any]) -> dict[str, Any]:
    """Extract the faces of one source and write its crops and marker; returns the marker.

    ``job``: ``source`` (path), ``key``, ``out`` (folder), ``params`` (see :func:`extract_faces`).
    """
    from ..io import ImageLoadError, load_image
    from ..video import VideoLoadError, iter_frames

    source, key, out, params = Path(job["source"]), job["key"], Path(job["out"]), job["params"]
    detector = _detector if _detector is not None else resolve_detector(job.get("detector"))
    is_video = _is_video(source)
    marker_path = _marker_path(out, key)
    old = _read_marker(marker_path)
    marker_path.unlink(missing_ok=True)  # the source counts as unfinished until its new marker is written
    for p in _stale_outputs(out, key, is_video, old):
        p.unlink(missing_ok=True)
    st = source.stat()
    marker: dict[str, Any] = {
        "version": MARKER_VERSION,
        "source": job["rel"],
        "kind": "video" if is_video else "image",
        "source_size": st.st_size,
        "source_mtime_ns": st.st_mtime_ns,
        "params": params,
        "status": "ok",
        "reason": None,
        "frames": 0,
        "frames_with_faces": 0,
        "outputs": [],
    }
    max_faces = 1 if params["largest_only"] else None
    written: list[Path] = []

    def crops_of(img: Image.Image) -> list[Image.Image]:
        pairs = detect_and_crop(
            img, detector, params["margin"], params["size"], params["min_face"], max_faces=max_faces
        )
        return [c for _, c in pairs]

    try:
        if is_video:
            for index, _, frame in iter_frames(source, params["frames"]):
                marker["frames"] += 1
                crops = crops_of(frame)
                marker["frames_with_faces"] += bool(crops)
                for i, crop in enumerate(crops):
                    path = out / key / f"{index:04d}_{i}.png"
                    _save_png(crop, path)
                    written.append(path)
        else:
            marker["frames"] = 1
            crops = crops_of(load_image(source))
            marker["frames_with_faces"] = int(bool(crops))
            for i, crop in enumerate(crops):
                path = out / f"{key}_{i}.png"
                _save_png(crop, path)
                written.append(path)
    except (ImageLoadError, VideoLoadError) as e:
        marker.update(status="error", reason=e.reason)
    except Exception as e:  # one broken file must not stop a dataset run; the log names it
        marker.update(status="error", reason=f"{type(e).__name__}: {e}")
    if marker["status"] == "error":
        for p in written:
            p.unlink(missing_ok=True)
        written = []
    elif not written:
        marker.update(status="no_face", reason=f"no face found in {marker['frames']} frame(s)")
    marker["outputs"] = [p.relative_to(out).as_posix() for p in written]
    atomic_write_text(marker_path, json.dumps(marker, indent=1))
    return marker


# --------------------------------------------------------------------------------------------
# driver


class _Progress:
    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.enabled, self.count, self.bar = total, enabled, 0, None
        self._last = 0.0
        if enabled:
            try:
                from tqdm.auto import tqdm

                self.bar = tqdm(total=total, unit="source", desc="extract-faces", file=sys.stderr)
            except ImportError:
                self.bar = None

    def update(self, note: str) -> None:
        self.count += 1
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.update(1)
            return
        now = time.monotonic()
        if self.count == self.total or now - self._last >= 2.0:
            self._last = now
            print(f"extract-faces: {self.count}/{self.total} sources ({note})", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _for_workers(detector: Any, workers: int) -> Any:
    """What to send to worker processes: a built-in name as is, anything else as a (pickled) instance.

    Worker processes start fresh (``spawn``), so a name registered in this process is unknown
    there: the detector built here travels instead.
    """
    if detector is None or (isinstance(detector, str) and detector in ("default", "haar", "dlib")):
        return detector
    instance = resolve_detector(detector)
    try:
        pickle.dumps(instance)
    except Exception as e:
        raise ValueError(
            f"workers={workers}: the face detector {_detector_label(detector)!r} cannot be sent to worker "
            f"processes ({type(e).__name__}: {e}); use workers=1, or make the detector picklable"
        ) from None
    return instance


def _detector_label(detector: Any) -> str:
    if detector is None:
        return "default"
    if isinstance(detector, str):
        return detector
    return getattr(detector, "name", type(detector).__name__)


def extract_faces(
    input: str | os.PathLike,
    out: str | os.PathLike,
    *,
    frames: int | None = 32,
    size: int | None = 299,
    margin: float = 1.3,
    detector: Any = "default",
    min_face: float = DEFAULT_MIN_FACE,
    largest_only: bool = False,
    workers: int = 1,
    overwrite: bool = False,
    progress: bool = True,
    on_result: Callable[[dict[str, Any]], None] | None = None,
) -> ExtractSummary:
    """Crop the faces of every image and video under ``input`` into ``out`` (see the module doc).

    Args:
        input: a folder (searched recursively) or a single image/video file.
        out: the output folder (created).
        frames: frames sampled evenly per video (``None``: every frame).
        size: crop size in pixels (``None``: the crop's own size).
        margin: crop side = ``margin`` x the face box's longer side (FF++: 1.3).
        detector: a detector name or backend (with ``workers > 1`` it must be a name or picklable).
        min_face: ignore faces smaller than this (pixels, longer box side).
        largest_only: keep only the largest face of each image/frame.
        workers: processes working in parallel (1: in this process).
        overwrite: redo sources even when their marker says they are done.
        progress: show a tqdm bar (or plain counts when tqdm is missing) on stderr.
        on_result: called in this process with each source's marker as it completes.

    Returns:
        An :class:`ExtractSummary`; ``OUT/no_faces.csv`` lists the sources without faces and the
        unreadable ones.
    """
    start = time.monotonic()
    root, out = Path(input), Path(out)
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    if frames is not None and frames < 1:
        raise ValueError(f"frames must be >= 1, got {frames}")
    if size is not None and size < 1:
        raise ValueError(f"size must be >= 1 (or None), got {size}")
    if not margin > 0:
        raise ValueError(f"margin must be > 0, got {margin}")
    sources = find_sources(root, exclude=out)
    keys = output_keys(root, sources)
    base = root if root.is_dir() else root.parent
    resolve_detector(detector)  # fail early (unknown name, backend not installed)
    params = _params(frames, size, margin, _detector_label(detector), largest_only, min_face)
    if any(_is_video(s) for s in sources):
        from ..video import _backend

        _backend(None)  # ImportError now rather than one error per video
    out.mkdir(parents=True, exist_ok=True)
    summary = ExtractSummary(sources=len(sources))
    todo = []
    for s in sources:
        if not overwrite and is_done(out, s, keys[s], params):
            summary.skipped += 1
        else:
            todo.append(
                {
                    "source": str(s),
                    "rel": s.relative_to(base).as_posix(),
                    "key": keys[s],
                    "out": str(out),
                    "params": params,
                }
            )
    bar = _Progress(len(todo), progress and bool(todo))

    def done(marker: dict[str, Any]) -> None:
        summary.processed += 1
        summary.crops += len(marker["outputs"])
        bar.update(f"{marker['source']}: {len(marker['outputs'])} crops")
        if on_result is not None:
            on_result(marker)

    try:
        if workers == 1 or len(todo) <= 1:
            det = resolve_detector(detector)
            for job in todo:
                done(process_source({**job, "detector": det}))
        else:
            ctx = multiprocessing.get_context("spawn")
            pool = cf.ProcessPoolExecutor(
                max_workers=min(workers, len(todo)),
                mp_context=ctx,
                initializer=_init_worker,
                initargs=(_for_workers(detector, workers),),
            )
            try:
                futures = [pool.submit(process_source, job) for job in todo]
                for fut in cf.as_completed(futures):
                    done(fut.result())
            except BaseException:  # Ctrl-C or a broken pool: do not wait for the queued sources
                pool.shutdown(wait=False, cancel_futures=True)
                raise
            pool.shutdown()
    finally:
        bar.close()
        summary.log = write_log(out, (keys[s] for s in sources))
    for s in sources:
        marker = _read_marker(_marker_path(out, keys[s]))
        if marker is None:
            continue
        if marker["status"] == "no_face":
            summary.no_face.append(marker["source"])
        elif marker["status"] == "error":
            summary.errors.append((marker["source"], marker["reason"]))
    summary.seconds = time.monotonic() - start
    return summary


def write_log(out: Path, keys: Iterable[str]) -> Path:
    """Write ``OUT/no_faces.csv`` (``source,status,reason``) from the markers of ``keys``; returns its path."""
    rows = []
    for key in keys:
        marker = _read_marker(_marker_path(out, key))
        if marker is not None and marker.get("status") in ("no_face", "error"):
            status = "no_face" if marker["status"] == "no_face" else "unreadable"
            rows.append((marker["source"], status, marker.get("reason") or ""))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["source", "status", "reason"])
    writer.writerows(rows)
    path = out / LOG_NAME
    atomic_write_text(path, buf.getvalue())
    return path
