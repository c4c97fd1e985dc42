"""Score images as real or fake.

Examples:
  disgrl predict photo.jpg --weights disgrl_tiny.synthetic
  disgrl predict photos/ "more/*.png" --weights RUN_DIR --json > scores.jsonl
  disgrl predict photo.jpg --weights hf-hub:org/name --save-maps maps/
  disgrl predict group_photo.jpg clip.mp4 --weights RUN_DIR --faces

PATHS may be files, folders (searched recursively for images) or quoted glob patterns.
Videos (.mp4, .avi, .mov, .mkv, .webm...) are scored on --frames frames sampled evenly, and
their score is the mean over frames. With --faces every face is cropped and scored (needs
`pip install "disgrl[faces]"`): an image's score is its most suspicious face, an image or
video without a face is reported as "no face". Files that cannot be read are reported and
skipped; the exit code is non-zero only when nothing could be scored.
"""

from __future__ import annotations

import argparse
import glob
import json
import sys
from collections.abc import Callable
from pathlib import Path


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH", help="image files, folders or glob patterns")
    p.add_argument(
        "--weights",
        required=True,
        metavar="REF",
        help="a weights folder (e.g. a training run), hf-hub:org/name[@revision], or a registered "
        "name.tag such as disgrl_tiny.synthetic (see `disgrl list-models --pretrained`)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object per image instead of a table")
    p.add_argument(
        "--save-maps", metavar="DIR", help="write a PNG panel (input, reconstructions, difference maps) per image"
    )
    p.add_argument("--device", help="cpu, cuda, cuda:1... (default: CUDA when available)")
    p.add_argument("--batch-size", type=int, default=32, help="images per forward pass (default 32)")
    p.add_argument(
        "--threshold", type=float, default=0.5, help="score at or above which an image is 'fake' (default 0.5)"
    )
    p.add_argument("--autocast", choices=["bf16", "fp16"], help="mixed precision (GPU)")
    p.add_argument("--offline", action="store_true", help="only use the local Hugging Face cache")
    p.add_argument("--faces", action="store_true", help="detect faces and score each face crop (FaceForensics++ style)")
    p.add_argument(
        "--face-detector", default=None, help="face detector backend: dlib or haar (default: dlib if installed)"
    )
    p.add_argument("--frames", type=int, default=32, help="frames sampled evenly from each video (default 32)")


def _row(
    source: str, label: str | None, score: float | None, error: str | None, extra: str = ""
) -> tuple[str, str, str]:
    if error:
        return source, "error", error
    if score is None:
        return source, "-", "no face" + extra
    return source, str(label), f"{score:.4f}{extra}"


def split_videos(paths: list[str], is_video: Callable[[str], bool]) -> tuple[list[str], list[str]]:
    """Video files, named directly or found in a folder / glob, apart from everything else.

    A folder or glob keeps its place among the images when it also holds image files.
    """
    from disgrl.io import IMAGE_EXTENSIONS

    images: list[str] = []
    videos: list[str] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            files = sorted(str(f) for f in path.rglob("*") if f.is_file())
        elif not path.exists() and any(c in p for c in "*?["):
            files = sorted(f for f in glob.glob(p, recursive=True) if Path(f).is_file())
        else:
            (videos if is_video(p) and path.is_file() else images).append(p)
            continue
        found = [f for f in files if is_video(f)]
        videos.extend(found)
        if not found or any(Path(f).suffix.lower() in IMAGE_EXTENSIONS for f in files):
            images.append(p)
    return images, videos


def run(args: argparse.Namespace) -> int:
    from disgrl import load_pretrained
    from disgrl.video import is_video_file

    detector = load_pretrained(args.weights, device=args.device, local_files_only=args.offline, autocast=args.autocast)
    images, videos = split_videos(args.paths, is_video_file)
    preds = []
    if images:
        preds = detector.predict(
            images, batch_size=args.batch_size, threshold=args.threshold, return_maps=bool(args.save_maps),
            on_error="skip", faces=args.faces, face_detector=args.face_detector,
        )  # fmt: skip
    vpreds = [
        detector.predict_video(
            v, frames=args.frames, faces=args.faces, batch_size=args.batch_size, threshold=args.threshold,
            on_error="skip", face_detector=args.face_detector,
        )
        for v in videos
    ]  # fmt: skip
    maps_dir = Path(args.save_maps) if args.save_maps else None
    for i, p in enumerate(preds):
        if maps_dir is None or not p.ok:
            continue
        name = Path(p.source).stem if not p.source.startswith("<") else f"input{i}"
        for j, target in enumerate(p.faces if p.faces is not None else [p]):
            suffix = f"_face{j}" if p.faces is not None else ""
            detector.save_maps(target, maps_dir / f"{i:04d}_{name}{suffix}.png")
    if args.json:
        for p in [*preds, *vpreds]:
            print(json.dumps(p.to_dict()))
    else:
        rows = []
        for p in preds:
            extra = f" ({len(p.faces)} face{'s' if len(p.faces) != 1 else ''})" if p.faces else ""
            rows.append(_row(p.source, p.label, p.score, p.error, extra))
        for v in vpreds:
            scored = sum(f.score is not None for f in v.frames)
            rows.append(_row(v.source, v.label, v.score, v.error, f" (video, {scored}/{len(v.frames)} frames)"))
        width = max([len(r[0]) for r in rows] + [4])
        print(f"{'file':<{width}}  {'label':<5}  score")
        for source, label, score in rows:
            print(f"{source:<{width}}  {label:<5}  {score}")
    all_preds = [*preds, *vpreds]
    failed = sum(not p.ok for p in all_preds)
    if failed:
        print(f"{failed} of {len(all_preds)} input(s) could not be read", file=sys.stderr)
    return 0 if any(p.score is not None for p in all_preds) else 1
