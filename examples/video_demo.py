"""Score videos face by face: ``detector.predict_video(path, frames=N, faces=True)``.

The script writes two short test videos of its own with ``disgrl.video.write_video``:

* OUT/face.mp4: a face (scikit-image's *astronaut*, a public-domain NASA photo) moving across
  a slowly shifting background;
* OUT/no_face.mp4: the same background without the face.

It then samples ``--frames`` evenly spaced frames of each, crops the largest face of every
frame the FaceForensics++ way (1.3x the face box, square, resized to the model's input),
scores each crop, and prints the per-frame scores, the video score (the mean P(fake) over the
frames where a face was found) and, for the second video, the "no face" report: a video in
which no face is found gets no score and no label — it is not called real.

Needs the ``faces`` and ``video`` extras (dlib, PyAV) and scikit-image (``dev`` extra):
    pip install "disgrl[faces,video]" scikit-image

The default weights, ``disgrl_tiny.synthetic``, are the built-in demo weights, trained only on
synthetic manipulations: they show the API and are not a real-world deepfake detector. Use
weights trained on face crops (e.g. FaceForensics++, see docs/finetune.md) for real videos.

Run:  python examples/video_demo.py --out video_demo/
      python examples/video_demo.py --weights runs/mine --video my_clip.mp4
See docs/faces.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from PIL import Image


def astronaut_face(height: int) -> Image.Image:
    """The astronaut's head and shoulders from scikit-image, ``height`` pixels tall."""
    try:
        from skimage import data
    except ImportError:
        sys.exit("this example needs scikit-image for its test face: pip install scikit-image")
    face = Image.fromarray(data.astronaut()).crop((130, 20, 310, 230))  # 180x210 around the face
    return face.resize((round(face.width * height / face.height), height), Image.BILINEAR)


def background(width: int, height: int, t: float) -> Image.Image:
    """A soft diagonal colour gradient that drifts with time ``t`` in [0, 1]."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    phase = (x / width + y / height) * np.pi + 2 * np.pi * t
    rgb = np.stack([120 + 60 * np.sin(phase), 140 + 50 * np.sin(phase + 2.1), 160 + 50 * np.sin(phase + 4.2)], -1)
    return Image.fromarray(rgb.clip(0, 255).astype(np.uint8))


def write_demo_videos(out: Path, length: int, width: int, height: int, fps: float) -> tuple[Path, Path]:
    """Write OUT/face.mp4 (a face moving left to right) and OUT/no_face.mp4 (background only)."""
    from disgrl.video import write_video

    face = astronaut_face(int(height * 0.6))
    with_face, without = [], []
    for i in range(length):
        t = i / max(length - 1, 1)
        bg = background(width, height, t)
        without.append(bg)
        frame = bg.copy()
        x = int(t * (width - face.width))
        frame.paste(face, (x, (height - face.height) // 2))
        with_face.append(frame)
    return (
        write_video(out / "face.mp4", with_face, fps=fps),
        write_video(out / "no_face.mp4", without, fps=fps),
    )


def report(video) -> None:  # a disgrl.VideoPrediction
    """Print one video's per-frame scores and its verdict."""
    print(f"\n{video.source}")
    if not video.ok:
        print(f"  could not be read: {video.error}")
        return
    print(f"  {'frame':>5}  {'time':>6}  {'face box (x0, y0, x1, y1)':<28}  P(fake)")
    for f in video.frames:
        if f.no_face:
            print(f"  {f.index:>5}  {f.timestamp:>5.2f}s  {'no face':<28}  -")
            continue
        box = ", ".join(f"{v:.0f}" for v in f.faces[0].box) if f.faces else "(whole frame)"
        print(f"  {f.index:>5}  {f.timestamp:>5.2f}s  {box:<28}  {f.score:.4f}")
    scored = sum(f.score is not None for f in video.frames)
    if video.no_face:
        print(f"  verdict: no face found in any of the {len(video.frames)} sampled frames (no score, no label)")
    else:
        print(f"  verdict: {video.label}, video score {video.score:.4f} = mean P(fake) of {scored} frames with a face")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--weights", default="disgrl_tiny.synthetic", help="weights folder, hf-hub:org/name[@rev] or name.tag"
    )
    parser.add_argument("--out", default="video_demo_out", help="folder for the generated videos")
    parser.add_argument("--video", action="append", default=[], help="score this video too (repeatable)")
    parser.add_argument("--frames", type=int, default=16, help="frames sampled evenly from each video")
    parser.add_argument("--length", type=int, default=50, help="frames in each generated video")
    parser.add_argument("--width", type=int, default=320, help="width of the generated videos (even)")
    parser.add_argument("--height", type=int, default=240, help="height of the generated videos (even)")
    parser.add_argument("--fps", type=float, default=25.0)
    parser.add_argument("--device", default=None, help="cpu, cuda... (default: CUDA when available)")
    args = parser.parse_args(argv)

    import disgrl

    try:
        detector = disgrl.load_pretrained(args.weights, device=args.device)
    except (ValueError, FileNotFoundError) as e:
        print(f"cannot load --weights {args.weights}: {e}", file=sys.stderr)
        return 2
    print(detector)
    face_video, empty_video = write_demo_videos(Path(args.out), args.length, args.width, args.height, args.fps)
    print(f"wrote {face_video} and {empty_video} ({args.length} frames, {args.width}x{args.height})")

    for path in [face_video, empty_video, *args.video]:
        video = detector.predict_video(path, frames=args.frames, faces=True, on_error="skip")
        report(video)
    return 0


if __name__ == "__main__":
    sys.exit(main())
