"""The manipulation families of the synthetic benchmark.

Each family is a function ``family(src, rng, ctx) -> (manipulated, mask)``: ``src`` is the real
``SxSx3`` uint8 crop, ``rng`` the sample's generator, ``ctx`` a :class:`SampleContext`. It returns
a float32 ``SxSx3`` image (0–255) and a float32 ``SxS`` feathered mask in ``[0, 1]``; the caller
blends ``src + mask * (manipulated - src)``, so pixels outside the mask are left untouched.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter

from .masks import draw_polygon, ellipse_outline, feather, random_mask

#: Every manipulation family, in the order samples cycle through them.
FAMILIES = ("splice", "copy_move", "inpaint", "resample", "color_noise", "face")

#: The families that need no face images (what ``generate`` makes when no ``faces`` are given).
PHOTO_FAMILIES = tuple(f for f in FAMILIES if f != "face")

#: Inpainting implementations: OpenCV's Telea / Navier-Stokes, or the pure-numpy fill.
INPAINT_BACKENDS = ("opencv", "numpy")

Manipulation = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class FaceRegion:
    """An elliptical face region in crop pixels: centre (x, y), semi-axes (x, y), rotation in radians."""

    centre: tuple[float, float]
    axes: tuple[float, float]
    angle: float = 0.0


@dataclass(frozen=True)
class SampleContext:
    """What a family may use besides the source crop.

    Attributes:
        size: side of the square crop.
        inpaint_backend: ``"opencv"`` or ``"numpy"``.
        donor: returns a ``size x size`` uint8 crop of another photo of the same split.
        cutout: returns an RGBA cut-out of the same split (longest side <= ``size``), or ``None``
            when there are no cut-outs.
        face: the face region, for the ``face`` family.
    """

    size: int
    inpaint_backend: str = "numpy"
    donor: Callable[[np.random.Generator], np.ndarray] | None = None
    cutout: Callable[[np.random.Generator], Image.Image | None] | None = None
    face: FaceRegion | None = None


def opencv_available() -> bool:
    """True when ``cv2`` can be imported (the ``synthetic`` extra: ``pip install disgrl[synthetic]``)."""
    try:
        import cv2  # noqa: F401
    except ImportError:
        return False
    return True


def resolve_inpaint_backend(name: str = "auto") -> str:
    """``"auto"`` -> ``"opencv"`` when cv2 imports, else ``"numpy"``; an explicit name is checked."""
    if name == "auto":
        return "opencv" if opencv_available() else "numpy"
    if name not in INPAINT_BACKENDS:
        raise ValueError(f"unknown inpaint backend {name!r} (choose from auto, {', '.join(INPAINT_BACKENDS)})")
    if name == "opencv" and not opencv_available():
        raise ValueError(
            "inpaint backend 'opencv' needs OpenCV: pip install 'disgrl[synthetic]' (or use 'numpy' / 'auto')"
        )
    return name


# ----------------------------------------------------------------------------------------------
# splice


def splice(src: np.ndarray, rng: np.random.Generator, ctx: SampleContext) -> Manipulation:
    """Paste a region of another photo under a random mask, or (half the time, when cut-outs are
    available) an RGBA cut-out object with its alpha as the mask, its edge feathered."""
    size = ctx.size
    if ctx.cutout is not None and rng.random() < 0.5:
        cut = ctx.cutout(rng)
        if cut is not None:
            pasted = _paste_cutout(src, cut, rng, size)
            if pasted is not None:
                return pasted
    if ctx.donor is None:
        raise ValueError("the splice family needs donor photos")
    donor = ctx.donor(rng).astype(np.float32)
    mask = random_mask(rng, size)
    if rng.random() < 0.5:  # harmonise the pasted region's colour statistics with the destination
        donor = _match_colour(donor, src.astype(np.float32), mask, rng.uniform(0.5, 1.0))
    return donor, mask


def _paste_cutout(src: np.ndarray, cut: Image.Image, rng: np.random.Generator, size: int) -> Manipulation | None:
    longest = size * rng.uniform(0.3, 0.7)
    scale = longest / max(cut.size)
    cut = cut.resize((max(1, round(cut.width * scale)), max(1, round(cut.height * scale))), Image.BICUBIC)
    if rng.random() < 0.5:
        cut = cut.transpose(Image.FLIP_LEFT_RIGHT)
    angle = rng.uniform(-20.0, 20.0)
    cut = cut.convert("RGBa").rotate(angle, Image.BICUBIC, expand=True).convert("RGBA")  # premultiplied: no dark fringe
    if max(cut.size) > size:
        cut.thumbnail((size, size), Image.BICUBIC)
    w, h = cut.size
    x, y = int(rng.integers(0, size - w + 1)), int(rng.integers(0, size - h + 1))
    alpha = cut.getchannel("A")
    support = alpha.point(lambda v: 255 if v >= 128 else 0)
    local = np.asarray(alpha, dtype=np.float32) / 255.0 * feather(support, max(0.6, size * rng.uniform(0.002, 0.012)))
    if local.sum() < 0.01 * size * size:
        return None  # (almost) transparent cut-out: fall back to a photo splice
    canvas = src.astype(np.float32)
    canvas[y : y + h, x : x + w] = np.asarray(cut.convert("RGB"), dtype=np.float32)
    mask = np.zeros((size, size), np.float32)
    mask[y : y + h, x : x + w] = local
    return canvas, mask


def _match_colour(img: np.ndarray, ref: np.ndarray, mask: np.ndarray, strength: float) -> np.ndarray:
    """Shift ``img``'s per-channel mean / std under ``mask`` towards ``ref``'s (Reinhard-style)."""
    w = mask[..., None]
    total = float(mask.sum()) + 1e-6

    def stats(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mean = (x * w).sum((0, 1)) / total
        std = np.sqrt(((x - mean) ** 2 * w).sum((0, 1)) / total) + 1.0
        return mean, std

    m_i, s_i = stats(img)
    m_r, s_r = stats(ref)
    matched = (img - m_i) * (s_r / s_i) + m_r
    return np.clip(img + strength * (matched - img), 0.0, 255.0)


# ----------------------------------------------------------------------------------------------
# copy-move


def copy_move(src: np.ndarray, rng: np.random.Generator, ctx: SampleContext) -> Manipulation:
    """Copy a region of the same image, rotate / scale it, and paste it elsewhere."""
    size = ctx.size
    mask = random_mask(rng, size, radius=(0.1, 0.22))
    total = float(mask.sum())
    ys, xs = np.indices(mask.shape, dtype=np.float32)
    target = np.array([(xs * mask).sum() / total, (ys * mask).sum() / total])
    theta = rng.uniform(-math.pi / 4, math.pi / 4) if rng.random() < 0.7 else 0.0
    scale = rng.uniform(0.75, 1.3)
    phi = rng.uniform(0.0, 2.0 * math.pi)
    shift = size * rng.uniform(0.22, 0.45) * np.array([math.cos(phi), math.sin(phi)])
    source = target + shift
    if np.any(source < 0.1 * size) or np.any(source > 0.9 * size):
        source = target - shift  # go the other way to stay inside the image
    source = np.clip(source, 0.1 * size, 0.9 * size)
    pad = size // 2  # reflect-pad so a rotated source window never reads outside the image
    padded = Image.fromarray(np.pad(src, ((pad, pad), (pad, pad), (0, 0)), mode="reflect"))
    c, s = math.cos(theta) / scale, math.sin(theta) / scale
    m = np.array([[c, s], [-s, c]])  # output -> input: inverse rotation and scale about the target
    offset = source + pad - m @ target
    coeffs = (m[0, 0], m[0, 1], offset[0], m[1, 0], m[1, 1], offset[1])
    resample = (Image.BILINEAR, Image.BICUBIC)[int(rng.integers(2))]
    moved = padded.transform((size, size), Image.AFFINE, tuple(float(v) for v in coeffs), resample=resample)
    return np.asarray(moved, dtype=np.float32), mask


# ----------------------------------------------------------------------------------------------
# inpaint


def inpaint(src: np.ndarray, rng: np.random.Generator, ctx: SampleContext) -> Manipulation:
    """Erase a region and fill it from its surroundings (OpenCV Telea / Navier-Stokes, or numpy)."""
    mask = random_mask(rng, ctx.size, radius=(0.08, 0.2))
    hole = mask > 0.02
    if ctx.inpaint_backend == "opencv":
        import cv2

        flag = (cv2.INPAINT_TELEA, cv2.INPAINT_NS)[int(rng.integers(2))]
        radius = int(rng.integers(3, 8))
        filled = cv2.inpaint(np.ascontiguousarray(src), hole.astype(np.uint8) * 255, radius, flag)
        return filled.astype(np.float32), mask
    return inpaint_numpy(src, hole, iterations=int(rng.integers(10, 60))), mask


def inpaint_numpy(img: np.ndarray, hole: np.ndarray, iterations: int = 40) -> np.ndarray:
    """Fill the ``hole`` pixels of ``img`` (``HxWxC``) from their surroundings with numpy only.

    A push-pull pyramid gives every hole pixel a smooth estimate from the nearest known pixels at
    each scale; ``iterations`` Jacobi steps of Laplace's equation then smooth it (a harmonic fill).
    Known pixels are kept exactly. Works on the hole's bounding box, so cost follows the hole's size.
    """
    out = img.astype(np.float32)
    hole = np.asarray(hole, dtype=bool)
    if not hole.any() or hole.all():
        return out
    rows, cols = np.flatnonzero(hole.any(1)), np.flatnonzero(hole.any(0))
    margin = 4
    y0, y1 = max(rows[0] - margin, 0), min(rows[-1] + margin + 1, hole.shape[0])
    x0, x1 = max(cols[0] - margin, 0), min(cols[-1] + margin + 1, hole.shape[1])
    h = hole[y0:y1, x0:x1]
    if h.all():  # the hole fills its box (it touches the borders): use the whole image
        y0, y1, x0, x1, h = 0, hole.shape[0], 0, hole.shape[1], hole
    sub = out[y0:y1, x0:x1]
    est = _push_pull(sub, (~h).astype(np.float32))
    for _ in range(iterations):
        p = np.pad(est, ((1, 1), (1, 1), (0, 0)), mode="edge")
        avg = 0.25 * (p[:-2, 1:-1] + p[2:, 1:-1] + p[1:-1, :-2] + p[1:-1, 2:])
        est = np.where(h[..., None], avg, est)
    sub[h] = est[h]
    return out


def _push_pull(img: np.ndarray, known: np.ndarray) -> np.ndarray:
    levels = []
    c, w = img * known[..., None], known
    while max(c.shape[:2]) > 1:
        levels.append((c, w))
        c, w = _down2(c), _down2(w)
    est = c / np.maximum(w, 1e-8)[..., None]
    for c, w in reversed(levels):
        up = _up2(est, c.shape[:2])
        mean = c / np.maximum(w, 1e-8)[..., None]
        a = w[..., None]  # fraction of known pixels in the block: 1 keeps them, 0 takes the coarser estimate
        est = a * mean + (1.0 - a) * up
    return est


def _down2(x: np.ndarray) -> np.ndarray:
    h, w = x.shape[:2]
    pad = [(0, h % 2), (0, w % 2)] + [(0, 0)] * (x.ndim - 2)
    x = np.pad(x, pad, mode="edge")
    return x.reshape(x.shape[0] // 2, 2, x.shape[1] // 2, 2, *x.shape[2:]).mean((1, 3))


def _up2(x: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    x = np.repeat(np.repeat(x, 2, 0), 2, 1)[: shape[0], : shape[1]]
    p = np.pad(x, ((1, 1), (0, 0), (0, 0)), mode="edge")
    x = 0.25 * p[:-2] + 0.5 * p[1:-1] + 0.25 * p[2:]
    p = np.pad(x, ((0, 0), (1, 1), (0, 0)), mode="edge")
    return 0.25 * p[:, :-2] + 0.5 * p[:, 1:-1] + 0.25 * p[:, 2:]


# ----------------------------------------------------------------------------------------------
# resample


def resample(src: np.ndarray, rng: np.random.Generator, ctx: SampleContext) -> Manipulation:
    """Resample a region: down-then-up scaling (optionally sharpened), a Gaussian blur, or sharpening."""
    size = ctx.size
    mask = random_mask(rng, size)
    img = Image.fromarray(src)
    op = int(rng.integers(3))
    if op == 0:
        small = max(8, round(size * rng.uniform(0.25, 0.6)))
        down = (Image.BOX, Image.BILINEAR, Image.BICUBIC, Image.LANCZOS)[int(rng.integers(4))]
        up = (Image.NEAREST, Image.BILINEAR, Image.BICUBIC)[int(rng.integers(3))]
        img = img.resize((small, small), down).resize((size, size), up)
        if rng.random() < 0.3:
            img = img.filter(ImageFilter.UnsharpMask(radius=rng.uniform(1.0, 2.0), percent=150, threshold=0))
    elif op == 1:
        img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.8, 2.5)))
    else:
        percent = int(rng.integers(120, 300))
        img = img.filter(ImageFilter.UnsharpMask(radius=rng.uniform(1.0, 3.0), percent=percent, threshold=0))
    return np.asarray(img, dtype=np.float32), mask


# ----------------------------------------------------------------------------------------------
# colour / noise


def color_noise(src: np.ndarray, rng: np.random.Generator, ctx: SampleContext) -> Manipulation:
    """One or two of: per-channel colour gains, a gamma change, contrast / brightness, added noise."""
    size = ctx.size
    mask = random_mask(rng, size)
    x = src.astype(np.float32)
    for op in rng.permutation(4)[: int(rng.integers(1, 3))]:
        if op == 0:
            x = x * (1.0 + rng.choice((-1.0, 1.0), 3) * rng.uniform(0.06, 0.2, 3)).astype(np.float32)
        elif op == 1:
            gamma = math.exp(rng.choice((-1.0, 1.0)) * rng.uniform(0.15, 0.45))
            x = 255.0 * (np.clip(x, 0.0, 255.0) / 255.0) ** gamma
        elif op == 2:
            mean = (x * mask[..., None]).sum((0, 1)) / (float(mask.sum()) + 1e-6)
            bright = rng.choice((-1.0, 1.0)) * rng.uniform(8.0, 30.0)
            x = (x - mean) * rng.uniform(0.7, 1.35) + mean + bright
        else:
            channels = 1 if rng.random() < 0.5 else 3  # luma or colour noise
            x = x + rng.standard_normal((size, size, channels), dtype=np.float32) * rng.uniform(3.0, 12.0)
    return np.clip(x, 0.0, 255.0).astype(np.float32), mask


# ----------------------------------------------------------------------------------------------
# face (self-blending)


def face(src: np.ndarray, rng: np.random.Generator, ctx: SampleContext) -> Manipulation:
    """Self-blending: blend the face region with a colour-jittered, slightly warped copy of itself."""
    if ctx.face is None:
        raise ValueError("the face family needs a face region (face images)")
    size, region = ctx.size, ctx.face
    centre = (
        region.centre[0] + rng.uniform(-0.04, 0.04) * region.axes[0],
        region.centre[1] + rng.uniform(-0.04, 0.04) * region.axes[1],
    )
    axes = (region.axes[0] * rng.uniform(0.75, 1.0), region.axes[1] * rng.uniform(0.75, 1.0))
    outline = ellipse_outline(centre, axes, region.angle + rng.uniform(-0.15, 0.15))
    mask = feather(draw_polygon(outline, (size, size)), max(0.6, size * rng.uniform(0.015, 0.05)))

    x = src.astype(np.float32)  # colour jitter: channel gains, brightness, gamma
    x = x * rng.uniform(0.9, 1.1, 3).astype(np.float32) + rng.uniform(-12.0, 12.0)
    x = 255.0 * (np.clip(x, 0.0, 255.0) / 255.0) ** rng.uniform(0.85, 1.18)
    if rng.random() < 0.5:  # a softened or sharpened copy, as in self-blended images
        img = Image.fromarray(np.clip(x + 0.5, 0, 255).astype(np.uint8))
        if rng.random() < 0.5:
            img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 1.5)))
        else:
            img = img.filter(ImageFilter.UnsharpMask(radius=1.5, percent=int(rng.integers(80, 200)), threshold=0))
        x = np.asarray(img, dtype=np.float32)

    # warp: a small affine change about the face centre, plus (half the time) a smooth elastic field
    theta = math.radians(rng.uniform(-4.0, 4.0))
    sx, sy = rng.uniform(0.94, 1.06, 2)
    tx, ty = size * rng.uniform(-0.03, 0.03, 2)
    ys, xs = np.indices((size, size), dtype=np.float32)
    dx, dy = xs - centre[0] - tx, ys - centre[1] - ty
    c, s = math.cos(theta), math.sin(theta)
    map_x = centre[0] + (c * dx + s * dy) / sx
    map_y = centre[1] + (-s * dx + c * dy) / sy
    if rng.random() < 0.5:
        map_x = map_x + _smooth_field(rng, size, size * rng.uniform(0.004, 0.012))
        map_y = map_y + _smooth_field(rng, size, size * rng.uniform(0.004, 0.012))
    return remap_bilinear(x, map_x, map_y), mask


def _smooth_field(rng: np.random.Generator, size: int, sigma: float) -> np.ndarray:
    coarse = Image.fromarray((rng.standard_normal((5, 5)) * sigma).astype(np.float32), "F")
    return np.asarray(coarse.resize((size, size), Image.BICUBIC), dtype=np.float32)


def remap_bilinear(img: np.ndarray, map_x: np.ndarray, map_y: np.ndarray) -> np.ndarray:
    """Sample ``img`` (``HxWxC`` float) at ``(map_x, map_y)`` with bilinear weights, clamping at the borders."""
    h, w = img.shape[:2]
    map_x = np.clip(map_x, 0.0, w - 1.0)
    map_y = np.clip(map_y, 0.0, h - 1.0)
    x0 = np.minimum(map_x.astype(np.intp), w - 2 if w > 1 else 0)
    y0 = np.minimum(map_y.astype(np.intp), h - 2 if h > 1 else 0)
    fx = (map_x - x0)[..., None]
    fy = (map_y - y0)[..., None]
    x1, y1 = np.minimum(x0 + 1, w - 1), np.minimum(y0 + 1, h - 1)
    top = img[y0, x0] * (1.0 - fx) + img[y0, x1] * fx
    bottom = img[y1, x0] * (1.0 - fx) + img[y1, x1] * fx
    return (top * (1.0 - fy) + bottom * fy).astype(np.float32)


#: family name -> function
MANIPULATIONS: dict[str, Callable[[np.ndarray, np.random.Generator, SampleContext], Manipulation]] = {
    "splice": splice,
    "copy_move": copy_move,
    "inpaint": inpaint,
    "resample": resample,
    "color_noise": color_noise,
    "face": face,
}
