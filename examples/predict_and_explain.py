"""Score images as real or fake and show where: reconstructions and difference maps (paper Fig. 5).

With no image arguments the script first makes two images of its own (numpy + Pillow, so it
runs anywhere): OUT/inputs/real.jpg, a synthetic street scene, and OUT/inputs/manipulated.jpg,
the same scene with a building copied, enlarged and blended in elsewhere (copy-move), plus the
region's mask OUT/inputs/manipulated_mask.png to compare with the difference maps.

It then loads a detector, scores every image with ``return_maps=True``, prints a table
(label, P(fake), mean |X - X̂1|, mean |X - X̂2|) and writes one PNG panel per image with
``detector.save_maps``: input | Rec-1 | Rec-2 | Diff-1 | Diff-2 (heat maps over the input).

The default weights, ``disgrl_tiny.synthetic``, are the built-in demo weights: a small model
trained only on synthetic manipulations. They show the API; they are not a real-world
deepfake detector. Pass your own with --weights (a folder from ``disgrl train`` or
``save_pretrained``, ``hf-hub:org/name[@revision]``, or a registered ``name.tag``).

Run:  python examples/predict_and_explain.py --out explain/
      python examples/predict_and_explain.py photo.jpg photos/ --weights runs/mine --out explain/
See docs/quickstart.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def _texture(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """Smooth random texture in [-1, 1] (a few octaves of upsampled noise)."""
    out = np.zeros((h, w), np.float32)
    for cells, weight in ((4, 0.5), (16, 0.3), (64, 0.2)):
        small = rng.uniform(-1, 1, (cells, cells)).astype(np.float32)
        big = Image.fromarray(small, mode="F").resize((w, h), Image.BICUBIC)
        out += weight * np.asarray(big)
    return np.clip(out, -1, 1)


def make_scene(size: int, seed: int) -> tuple[Image.Image, list[tuple[int, int, int, int]]]:
    """A synthetic street scene; returns the image and the boxes of its buildings."""
    rng = np.random.default_rng(seed)
    h = w = size
    sky = np.linspace([110, 160, 230], [200, 220, 245], h // 2)[:, None, :].repeat(w, axis=1)
    ground = np.array([95, 110, 80]) + 25 * _texture(rng, h - h // 2, w)[..., None]
    img = Image.fromarray(np.concatenate([sky, ground]).clip(0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(img)
    r = size // 12
    draw.ellipse((w - 3 * r, r, w - r, 3 * r), fill=(250, 235, 150))  # the sun
    boxes = []
    x = size // 16
    while x < w - size // 6:
        bw, bh = int(rng.integers(size // 8, size // 5)), int(rng.integers(size // 5, size // 2))
        box = (x, h // 2 - bh, x + bw, h // 2 + size // 20)
        colour = tuple(int(c) for c in rng.integers(90, 200, 3))
        draw.rectangle(box, fill=colour)
        step = max(4, size // 32)
        for wy in range(box[1] + step, box[3] - step, 2 * step):  # windows
            for wx in range(box[0] + step // 2, box[2] - step, 2 * step):
                lit = rng.random() < 0.4
                draw.rectangle((wx, wy, wx + step - 1, wy + step - 1), fill=(240, 220, 120) if lit else (50, 60, 70))
        boxes.append(box)
        x = box[2] + int(rng.integers(size // 40 + 1, size // 10))
    noise = rng.normal(0, 3, (h, w, 3))  # sensor noise, the same statistics everywhere
    return Image.fromarray((np.asarray(img) + noise).clip(0, 255).astype(np.uint8)), boxes


def copy_move(image: Image.Image, boxes: list[tuple[int, int, int, int]], seed: int) -> tuple[Image.Image, Image.Image]:
    """Copy one building, enlarge it 1.4x and blend it in elsewhere through a feathered mask."""
    rng = np.random.default_rng(seed + 1)
    size = image.width
    x0, y0, x1, y1 = boxes[int(rng.integers(len(boxes)))]
    patch = image.crop((x0, y0, x1, y1))
    patch = patch.resize((int(patch.width * 1.4), int(patch.height * 1.4)), Image.BILINEAR)
    px = int(rng.integers(0, size - patch.width))
    py = max(0, size // 2 + size // 20 - patch.height)
    mask = Image.new("L", image.size, 0)
    ImageDraw.Draw(mask).rectangle((px + 2, py + 2, px + patch.width - 3, py + patch.height - 3), fill=255)
    mask = mask.filter(ImageFilter.GaussianBlur(2))
    pasted = image.copy()
    pasted.paste(patch, (px, py))
    return Image.composite(pasted, image, mask), mask


def make_inputs(folder: Path, size: int, seed: int) -> list[Path]:
    """Write real.jpg, manipulated.jpg (same JPEG quality) and the manipulation's mask."""
    folder.mkdir(parents=True, exist_ok=True)
    real, boxes = make_scene(size, seed)
    fake, mask = copy_move(real, boxes, seed)
    real.save(folder / "real.jpg", quality=90)
    fake.save(folder / "manipulated.jpg", quality=90)
    mask.save(folder / "manipulated_mask.png")
    return [folder / "real.jpg", folder / "manipulated.jpg"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("inputs", nargs="*", help="images, folders or glob patterns (default: two generated images)")
    parser.add_argument(
        "--weights", default="disgrl_tiny.synthetic", help="weights folder, hf-hub:org/name[@rev] or name.tag"
    )
    parser.add_argument("--out", default="explain_out", help="output folder (generated inputs, maps/)")
    parser.add_argument("--size", type=int, default=256, help="side of the generated images")
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated images")
    parser.add_argument("--threshold", type=float, default=0.5, help="P(fake) at or above which an image is fake")
    parser.add_argument("--device", default=None, help="cpu, cuda... (default: CUDA when available)")
    args = parser.parse_args(argv)

    import disgrl

    out = Path(args.out)
    inputs = args.inputs or [str(p) for p in make_inputs(out / "inputs", args.size, args.seed)]
    try:
        detector = disgrl.load_pretrained(args.weights, device=args.device)
    except (ValueError, FileNotFoundError) as e:
        print(f"cannot load --weights {args.weights}: {e}", file=sys.stderr)
        return 2
    print(detector)

    # One Prediction per image, in order; unreadable files get .error instead of stopping the run.
    preds = detector.predict(inputs, threshold=args.threshold, return_maps=True, on_error="skip")

    width = max([len(p.source) for p in preds] + [6])
    print(f"\n{'image':<{width}}  {'label':<5}  P(fake)  mean|X-X̂1|  mean|X-X̂2|")
    for p in preds:
        if not p.ok:
            print(f"{p.source:<{width}}  error  {p.error}")
            continue
        d1 = f"{p.diff1.mean():.4f}" if p.diff1 is not None else "-"
        d2 = f"{p.diff2.mean():.4f}" if p.diff2 is not None else "-"
        print(f"{p.source:<{width}}  {p.label:<5}  {p.score:.4f}   {d1:>10}  {d2:>10}")
    print()
    for i, p in enumerate(preds):
        if p.ok:
            panel = detector.save_maps(p, out / "maps" / f"{i:02d}_{Path(p.source).stem}.png")
            print(f"maps: {panel}  ({p.image.shape[1]}x{p.image.shape[0]} input; rec/diff maps resized to it)")
    if not args.inputs:
        print(f"the copy-moved region of manipulated.jpg: {out / 'inputs' / 'manipulated_mask.png'}")
    return 0 if any(p.ok for p in preds) else 1


if __name__ == "__main__":
    sys.exit(main())
