"""Recall, false alarms and speed of the face detector backends, on face photos that ship offline.

    PYTHONPATH=. python benchmarks/faces.py            # the table in docs/faces.md
    PYTHONPATH=. python benchmarks/faces.py --calibrate  # Haar-to-dlib box geometry
    PYTHONPATH=. python benchmarks/faces.py --eyes       # eye finding for align=True
    PYTHONPATH=. python benchmarks/faces.py --video      # frame sampling and video face crops

Needs ``opencv-python-headless<5``, ``dlib-bin``, scikit-image and matplotlib (the ``dev`` extra).

Faces (frontal, ground-truth boxes set by hand):
  * scikit-image's astronaut (Eileen Collins) and matplotlib's grace_hopper.jpg, each as is and
    in 11 variants: 0.5x, 0.3x and 2x scale, rotated +-15 and +-30 degrees, mirrored, dark,
    JPEG quality 15, blurred, and pasted small into a 1280x720 frame (24 images);
  * OpenCV's messi5.jpg (a 37 px face in a football scene) when ../shared/data/photos exists;
  * the 100 faces of scikit-image's ``lfw_subset`` (Labeled Faces in the Wild, 25x25 grey
    crops), upscaled 4x into a 200x200 canvas (small, blurry: a hard set).
Non-faces: the 100 non-face patches of ``lfw_subset`` (same treatment), 12 scikit-image
pictures without people, and the photos in ../shared/data/photos without people or statues
(downscaled to at most 640 px to keep the run short).
A detection counts as a face when its centre is within 0.35 face sizes of a true face's centre
and its size is 0.55-1.8x the true size; any other detection is a false alarm.
"""

from __future__ import annotations

import argparse
import io
import math
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter, ImageOps

from disgrl.faces import Face, get_face_detector

Box = tuple[float, float, float, float]
REPO = Path(__file__).resolve().parents[1]
PHOTOS = (REPO / ".." / "shared" / "data" / "photos").resolve()
# Photos with people (or carved/statue faces) that do not count as face-free.
PEOPLE = ("messi5", "surfer", "mountRushmore", "lincolnMemorial", "christTheRedeemer", "statueofLiberty")

ASTRONAUT_FACE: Box = (178, 78, 266, 166)
GRACE_FACE: Box = (165, 130, 370, 335)
MESSI_FACE: Box = (224, 92, 264, 132)


def _center(b: Box) -> tuple[float, float]:
    return ((b[0] + b[2]) / 2, (b[1] + b[3]) / 2)


def _size(b: Box) -> float:
    return max(b[2] - b[0], b[3] - b[1])


def _scale(img: Image.Image, box: Box, f: float) -> tuple[Image.Image, Box]:
    w, h = img.size
    return img.resize((round(w * f), round(h * f)), Image.BICUBIC), tuple(v * f for v in box)  # type: ignore[return-value]


def _rotate(img: Image.Image, box: Box, deg: float) -> tuple[Image.Image, Box]:
    w, h = img.size
    out = img.rotate(deg, resample=Image.BICUBIC, expand=True, fillcolor=(128, 128, 128))
    cx, cy = _center(box)
    a = math.radians(deg)  # PIL rotates counter-clockwise on screen (y down)
    dx, dy = cx - w / 2, cy - h / 2
    nx = dx * math.cos(a) + dy * math.sin(a) + out.size[0] / 2
    ny = -dx * math.sin(a) + dy * math.cos(a) + out.size[1] / 2
    s = _size(box) / 2
    return out, (nx - s, ny - s, nx + s, ny + s)


def _jpeg(img: Image.Image, q: int) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=q)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def _in_frame(img: Image.Image, box: Box) -> tuple[Image.Image, Box]:
    small, b = _scale(img, box, 0.6)
    frame = Image.new("RGB", (1280, 720), (90, 100, 110))
    ox, oy = 700, 720 - small.size[1]
    frame.paste(small, (ox, oy))
    return frame, (b[0] + ox, b[1] + oy, b[2] + ox, b[3] + oy)


def _frame_with_face(img: Image.Image, face_px: int, size: tuple[int, int]) -> Image.Image:
    """A video-frame-sized canvas with the astronaut's head scaled to a ``face_px`` face in the middle."""
    big, box = _scale(img, ASTRONAUT_FACE, face_px / _size(ASTRONAUT_FACE))
    cx, cy = _center(box)
    head = big.crop(
        (round(cx - 1.5 * face_px), round(cy - 1.5 * face_px), round(cx + 1.5 * face_px), round(cy + 1.5 * face_px))
    )
    frame = Image.new("RGB", size, (90, 100, 110))
    frame.paste(head, ((size[0] - head.size[0]) // 2, (size[1] - head.size[1]) // 2))
    return frame


def variants(name: str, img: Image.Image, box: Box) -> list[tuple[str, Image.Image, list[Box]]]:
    out = [(name, img, [box])]
    for f in (0.5, 0.3, 2.0):
        i, b = _scale(img, box, f)
        out.append((f"{name}@{f}x", i, [b]))
    for deg in (15, -15, 30, -30):
        i, b = _rotate(img, box, deg)
        out.append((f"{name}/rot{deg:+d}", i, [b]))
    w = img.size[0]
    out.append((f"{name}/mirror", ImageOps.mirror(img), [(w - box[2], box[1], w - box[0], box[3])]))
    out.append((f"{name}/dark", Image.eval(img, lambda v: int(v * 0.35)), [box]))
    out.append((f"{name}/jpeg15", _jpeg(img, 15), [box]))
    out.append((f"{name}/blur", img.filter(ImageFilter.GaussianBlur(2.5)), [box]))
    i, b = _in_frame(img, box)
    out.append((f"{name}/frame720p", i, [b]))
    return out


def _lfw(faces: bool) -> list[Image.Image]:
    import skimage.data

    arr = skimage.data.lfw_subset()  # 100 faces then 100 non-faces, 25x25 floats
    part = arr[:100] if faces else arr[100:]
    out = []
    for a in part:
        patch = Image.fromarray((a * 255).round().astype(np.uint8)).resize((100, 100), Image.BICUBIC).convert("RGB")
        canvas = Image.new("RGB", (200, 200), (128, 128, 128))
        canvas.paste(patch, (50, 50))
        out.append(canvas)
    return out


def face_set() -> tuple[list[tuple[str, Image.Image, list[Box]]], list[Image.Image]]:
    import matplotlib.cbook
    import skimage.data

    astronaut = Image.fromarray(skimage.data.astronaut())
    with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as f:
        grace = Image.open(f).convert("RGB")
    photos = variants("astronaut", astronaut, ASTRONAUT_FACE) + variants("grace_hopper", grace, GRACE_FACE)
    messi = sorted(PHOTOS.glob("*messi5*")) if PHOTOS.is_dir() else []
    if messi:
        photos.append(("messi5", Image.open(messi[0]).convert("RGB"), [MESSI_FACE]))
    return photos, _lfw(True)


def non_face_set() -> list[tuple[str, Image.Image]]:
    import skimage.data

    out = [(f"lfw_nonface_{i}", im) for i, im in enumerate(_lfw(False))]
    for name in ("coffee", "chelsea", "rocket", "hubble_deep_field", "coins", "page", "text", "brick", "grass"):
        out.append((name, Image.fromarray(getattr(skimage.data, name)()).convert("RGB")))
    for name in ("moon", "retina", "immunohistochemistry"):
        out.append((name, Image.fromarray(getattr(skimage.data, name)()).convert("RGB")))
    if PHOTOS.is_dir():
        for p in sorted(PHOTOS.glob("*.jpg")):
            if not any(k in p.name for k in PEOPLE):
                img = Image.open(p).convert("RGB")
                img.thumbnail((640, 640), Image.BICUBIC)  # to keep the run short
                out.append((p.name, img))
    return out


def matches(face: Face, box: Box) -> bool:
    (fx, fy), (gx, gy) = face.center, _center(box)
    g = _size(box)
    return math.hypot(fx - gx, fy - gy) < 0.35 * g and 0.55 < face.size / g < 1.8


def evaluate(detect: Callable[[Image.Image], list[Face]], photos, lfw, negatives) -> dict[str, float]:
    found = alarms = 0
    missed = []
    for name, img, boxes in photos:
        faces = detect(img)
        hit = [any(matches(f, b) for f in faces) for b in boxes]
        found += sum(hit)
        if not all(hit):
            missed.append(name)
        if name != "messi5":  # the crowd behind him has (tiny) faces too
            alarms += sum(not any(matches(f, b) for b in boxes) for f in faces)
    lfw_found = 0
    for img in lfw:
        faces = detect(img)
        lfw_found += any(matches(f, (50, 50, 150, 150)) for f in faces)
        alarms += sum(not matches(f, (50, 50, 150, 150)) for f in faces)
    neg_alarms = neg_images = 0
    for _, img in negatives:
        n = len(detect(img))
        neg_alarms += n
        neg_images += n > 0
    return {
        "photos": found,
        "photos_n": sum(len(b) for _, _, b in photos),
        "missed": missed,
        "lfw": lfw_found,
        "lfw_n": len(lfw),
        "alarms_on_faces": alarms,
        "neg_alarms": neg_alarms,
        "neg_images": neg_images,
        "neg_n": len(negatives),
    }


def timing(detect: Callable[[Image.Image], list[Face]], img: Image.Image, repeat: int = 5) -> float:
    detect(img)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        detect(img)
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


CONFIGS: dict[str, tuple[str, dict]] = {
    "dlib, upsample=auto (the default)": ("dlib", {}),
    "dlib, upsample=0": ("dlib", {"upsample": 0}),
    "dlib, upsample=1": ("dlib", {"upsample": 1}),
    "dlib, upsample=auto, threshold=0.3": ("dlib", {"threshold": 0.3}),
    "haar, alt2 (the haar default)": ("haar", {}),
    "haar, default": ("haar", {"cascades": ("default",)}),
    "haar, default, min_neighbors=8": ("haar", {"cascades": ("default",), "min_neighbors": 8}),
    "haar, default+alt2 merged": ("haar", {"cascades": ("default", "alt2")}),
}


def eyes(photos) -> None:
    """How often OpenCV's eye cascades find both eyes of the faces the default detector finds."""
    from disgrl.faces import add_eye_landmarks

    det = get_face_detector("default")
    found, missed, n = 0, [], 0
    for name, img, boxes in photos:
        faces = [f for f in det.detect(img) if matches(f, boxes[0])]
        if not faces:
            continue
        n += 1
        if add_eye_landmarks(img, faces[:1])[0].eyes is not None:
            found += 1
        else:
            missed.append(name)
    print(f"eyes found for {found}/{n} detected photo faces; missed: {', '.join(missed) or '-'}")


def video_speed() -> None:
    """Seconds to sample 32 frames from a 10 s 640x480 H.264 clip, per backend, and to crop its faces."""
    import tempfile

    import skimage.data

    from disgrl import video
    from disgrl.faces import video_faces_for_prediction

    head = Image.fromarray(skimage.data.astronaut()).crop((122, 22, 322, 222))
    frames = []
    for i in range(250):  # 10 s at 25 fps, the head drifting across the frame
        frame = Image.new("RGB", (640, 480), (40 + i % 50, 60, 80))
        frame.paste(head, (100 + i, 120))
        frames.append(frame)
    with tempfile.TemporaryDirectory() as tmp:
        path = video.write_video(Path(tmp) / "clip.mp4", frames, fps=25)
        for backend in video.available_backends():
            t = time.perf_counter()
            got = video.sample_frames(path, 32, backend=backend)
            print(
                f"sample_frames(32 of 250 frames, 640x480 H.264), {backend}: {time.perf_counter() - t:.2f} s ({len(got)} frames)"
            )
        for name in ("dlib", "haar"):
            det = get_face_detector(name)
            t = time.perf_counter()
            res = video_faces_for_prediction(path, 32, det)
            found = sum(bool(r.faces) for r in res)
            print(
                f"video_faces_for_prediction(32 frames), {name}: {time.perf_counter() - t:.2f} s, faces in {found}/32 frames"
            )


def calibrate(photos, lfw) -> None:
    """Fit dlib's box geometry from Haar's raw boxes where both find the same face."""
    haar = get_face_detector("haar", box_style="raw")
    dlib_det = get_face_detector("dlib", upsample=1)
    ratios, shifts_y, shifts_x = [], [], []
    items = [(img, boxes[0]) for _, img, boxes in photos] + [(img, (50, 50, 150, 150)) for img in lfw]
    for img, box in items:
        h = [f for f in haar.detect(img) if matches(f, box)]
        d = [f for f in dlib_det.detect(img) if matches(f, box)]
        if h and d:
            hs, (hx, hy), (dx, dy) = h[0].size, h[0].center, d[0].center
            ratios.append(d[0].size / hs)
            shifts_x.append((dx - hx) / hs)
            shifts_y.append((dy - hy) / hs)
    print(f"faces found by both: {len(ratios)}")
    for label, v in (
        ("size dlib/haar", ratios),
        ("centre shift x / haar size", shifts_x),
        ("centre shift y / haar size", shifts_y),
    ):
        print(
            f"  {label}: median {statistics.median(v):+.3f}, mean {statistics.mean(v):+.3f}, sd {statistics.pstdev(v):.3f}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", nargs="*", help="substrings of the configurations to run")
    ap.add_argument("--calibrate", action="store_true", help="print the Haar-to-dlib box geometry and exit")
    ap.add_argument("--video", action="store_true", help="print video sampling and face cropping times and exit")
    ap.add_argument("--eyes", action="store_true", help="print how often eyes are found (for align=True) and exit")
    ap.add_argument("--no-negatives", action="store_true", help="skip the (slow) false-alarm photos")
    args = ap.parse_args()
    try:
        import cv2

        cv2.setNumThreads(1)
    except ImportError:
        pass
    if args.video:
        video_speed()
        return
    photos, lfw = face_set()
    if args.calibrate:
        calibrate(photos, lfw)
        return
    if args.eyes:
        eyes(photos)
        return
    negatives = [] if args.no_negatives else non_face_set()
    import skimage.data

    astronaut = Image.fromarray(skimage.data.astronaut())
    timed = [
        astronaut,
        _frame_with_face(astronaut, 200, (1280, 720)),
        _frame_with_face(astronaut, 300, (1920, 1080)),
        Image.fromarray(skimage.data.coffee()).resize((1024, 683), Image.BICUBIC),
    ]
    print(
        f"{len(photos)} face photos, {len(lfw)} LFW faces, {len(negatives)} face-free images; "
        "times: median of 5 runs, one thread"
    )
    print()
    print(
        "| backend | photos: faces found | LFW: faces found | false alarms on face images "
        "| false alarms on face-free images | ms: 512x512, 88 px face | ms: 1280x720, 200 px face "
        "| ms: 1920x1080, 300 px face | ms: 1024x683, no face |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for label, (name, kwargs) in CONFIGS.items():
        if args.only and not any(s in label for s in args.only):
            continue
        det = get_face_detector(name, **kwargs)
        r = evaluate(det.detect, photos, lfw, negatives)
        ms = [timing(det.detect, im) for im in timed]
        neg = f"{r['neg_alarms']} on {r['neg_images']}/{r['neg_n']} images" if negatives else "-"
        cells = [label, f"{r['photos']}/{r['photos_n']}", f"{r['lfw']}/{r['lfw_n']}", str(r["alarms_on_faces"]), neg]
        cells += [f"{m:.0f}" for m in ms]
        print("| " + " | ".join(cells) + " |", flush=True)
        if r["missed"]:
            print(f"|   missed: {', '.join(r['missed'])} ||||||||", flush=True)


if __name__ == "__main__":
    main()
