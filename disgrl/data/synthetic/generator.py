"""Plan, render and write a synthetic forgery set, in parallel, deterministically, resumably.

Samples come in blocks of ``2 x len(families)``: a real crop, then a fake of family 1 made from
the *same* crop, a real, a fake of family 2, and so on. A block's split follows a low-discrepancy
sequence (so train / val / test get their fractions for any ``n``), and its photos are drawn
from that split's photos only. Sample ``i`` is a pure function of ``(seed, i)`` and the settings:
its random generators are ``default_rng([seed, i // 2, 0])`` (the source and crop, shared with
its twin) and ``default_rng([seed, i, 1])`` (JPEG quality and manipulation).
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
import multiprocessing
import os
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from ..._atomic import atomic_write_bytes
from ...io import IMAGE_EXTENSIONS, ImageLoadError, is_image_file, load_image
from .families import FAMILIES, MANIPULATIONS, PHOTO_FAMILIES, FaceRegion, SampleContext, resolve_inpaint_backend
from .protocols import (
    DEFAULT_SPLIT_FRACTIONS,
    MANIFEST_COLUMNS,
    MANIFEST_NAME,
    SPLITS,
    check_fractions,
    split_of,
)

#: Default JPEG qualities, drawn per sample for reals and fakes alike (about FF++ c23 / c40).
DEFAULT_QUALITIES = (95, 75)
#: Bumped whenever a change alters the pixels generated for the same settings.
GENERATOR_VERSION = 1
PARAMS_NAME = "synthetic.json"
#: A fake is re-drawn (up to ``MAX_ATTEMPTS`` times) until it changes its region by this many
#: grey levels on average, so that no "fake" is a visual no-op (e.g. inpainting a flat sky).
MIN_CHANGE = 3.0
MAX_ATTEMPTS = 4
_GOLDEN = 0.6180339887498949
_JPEG_SUBSAMPLING = 2  # 4:2:0, as in video codecs; the same for reals and fakes

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class ImagePool:
    """The images of one folder, split by name hash."""

    root: Path
    files: tuple[str, ...]
    by_split: dict[str, tuple[str, ...]]
    digest: str

    def describe(self) -> dict:
        """Folder, image count and digest, as recorded in ``synthetic.json``."""
        return {"dir": str(self.root), "count": len(self.files), "sha1": self.digest}


@dataclass(frozen=True)
class SyntheticConfig:
    """Validated generation settings (see :func:`build_config`); picklable, sent to every worker."""

    seed: int
    size: int
    families: tuple[str, ...]
    qualities: tuple[int, ...]
    split_fractions: tuple[float, float, float]
    inpaint_backend: str | None
    photos: ImagePool
    cutouts: ImagePool | None = None
    faces: ImagePool | None = None
    face_boxes: dict[str, Box] | None = field(default=None, hash=False)
    face_boxes_digest: str | None = None

    def identity(self) -> dict:
        """The settings a resumed run must share with the first one (everything that shapes pixels)."""
        return {
            "generator_version": GENERATOR_VERSION,
            "seed": self.seed,
            "size": self.size,
            "families": list(self.families),
            "qualities": list(self.qualities),
            "split_fractions": list(self.split_fractions),
            "inpaint_backend": self.inpaint_backend,
            "photos_sha1": self.photos.digest,
            "cutouts_sha1": self.cutouts.digest if self.cutouts else None,
            "faces_sha1": self.faces.digest if self.faces else None,
            "face_boxes_sha1": self.face_boxes_digest,
        }


@dataclass(frozen=True)
class SamplePlan:
    """Where sample ``index`` goes and what it is, known without rendering it."""

    index: int
    id: str
    split: str
    label: int
    method: str
    pool: str
    source: str
    quality: int
    path: str
    mask: str

    def row(self) -> dict:
        return {
            "path": self.path,
            "label": self.label,
            "video": self.id,
            "split": self.split,
            "method": self.method,
            "source": self.source,
            "quality": self.quality,
            "mask": self.mask,
        }


@dataclass(frozen=True)
class RenderedSample:
    """A rendered sample before JPEG encoding: ``image`` and its unmanipulated ``source`` crop
    (uint8 ``SxSx3``), and the float mask in ``[0, 1]`` (``None`` for reals)."""

    plan: SamplePlan
    image: np.ndarray
    source: np.ndarray
    mask: np.ndarray | None


# ----------------------------------------------------------------------------------------------
# settings


def build_config(
    photos: str | os.PathLike,
    *,
    seed: int = 0,
    size: int = 256,
    families: Sequence[str] | None = None,
    cutouts: str | os.PathLike | None = None,
    qualities: Sequence[int] = DEFAULT_QUALITIES,
    faces: str | os.PathLike | None = None,
    face_boxes: str | os.PathLike | None = None,
    inpaint: str = "auto",
    split_fractions: Sequence[float] = DEFAULT_SPLIT_FRACTIONS,
) -> SyntheticConfig:
    """Check every setting and scan the image folders (arguments as in :func:`generate`)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or not 32 <= size <= 4096:
        raise ValueError(f"size must be an integer between 32 and 4096 pixels, got {size!r}")
    quals = tuple(int(q) for q in qualities)
    if not quals or any(not 1 <= q <= 100 for q in quals) or len(set(quals)) != len(quals):
        raise ValueError(f"qualities must be distinct JPEG qualities between 1 and 100, got {tuple(qualities)}")
    fractions = check_fractions(split_fractions)

    if families is None:
        fams = FAMILIES if faces is not None else PHOTO_FAMILIES
    else:
        if isinstance(families, str):
            families = [families]
        unknown = [f for f in families if f not in FAMILIES]
        if unknown:
            raise ValueError(
                f"unknown famil{'y' if len(unknown) == 1 else 'ies'} {', '.join(map(repr, unknown))} (choose from {', '.join(FAMILIES)})"
            )
        if not families:
            raise ValueError(f"families is empty (choose from {', '.join(FAMILIES)})")
        fams = tuple(f for f in FAMILIES if f in families)  # canonical order
    if "face" in fams and faces is None:
        raise ValueError("the 'face' family needs face images: pass faces (--faces DIR)")
    if faces is not None and "face" not in fams:
        raise ValueError("faces were given but 'face' is not among the families")
    if face_boxes is not None and faces is None:
        raise ValueError("face_boxes (--face-boxes) needs faces (--faces DIR)")

    photo_pool = _scan(photos, "photos", fractions)
    _require_splits(photo_pool, "photos", fractions)
    cutout_pool = _scan(cutouts, "cutouts", fractions) if cutouts is not None else None
    face_pool, boxes, boxes_digest = None, None, None
    if faces is not None:
        face_pool = _scan(faces, "faces", fractions)
        if face_boxes is not None:
            boxes, boxes_digest = load_face_boxes(face_boxes)
            kept = tuple(f for f in face_pool.files if f in boxes)
            if not kept:
                raise ValueError(
                    f"face boxes file {face_boxes} names none of the {len(face_pool.files)} images in {face_pool.root} "
                    f"(keys must be file names relative to that folder, e.g. {face_pool.files[0]!r})"
                )
            face_pool = _pool(face_pool.root, kept, fractions)
        _require_splits(face_pool, "faces", fractions)
    return SyntheticConfig(
        seed=int(seed),
        size=int(size),
        families=fams,
        qualities=quals,
        split_fractions=fractions,
        inpaint_backend=resolve_inpaint_backend(inpaint) if "inpaint" in fams else None,
        photos=photo_pool,
        cutouts=cutout_pool,
        faces=face_pool,
        face_boxes=boxes,
        face_boxes_digest=boxes_digest,
    )


def _scan(root: str | os.PathLike, what: str, fractions: tuple[float, float, float]) -> ImagePool:
    path = Path(root).expanduser()
    if not path.is_dir():
        raise FileNotFoundError(f"{what} folder not found (or not a folder): {path}")
    files = []
    for p in path.rglob("*"):
        rel = p.relative_to(path)
        if any(part.startswith(".") for part in rel.parts) or not is_image_file(p) or not p.is_file():
            continue
        files.append(rel.as_posix())
    if not files:
        raise ValueError(
            f"{what} folder {path} holds no images (looked for {' '.join(IMAGE_EXTENSIONS)}, sub-folders included)"
        )
    bad = []
    for f in files:  # headers only: a file that is not an image fails now, not in the middle of a run
        try:
            with Image.open(path / f) as im:
                im.size  # noqa: B018
        except Exception as e:
            bad.append(f"{f} ({type(e).__name__})")
    if bad:
        more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
        raise ValueError(
            f"{what} folder {path}: not readable as images: {', '.join(bad[:5])}{more}; remove or fix them"
        )
    return _pool(path.resolve(), tuple(sorted(files)), fractions)


def _pool(root: Path, files: tuple[str, ...], fractions: tuple[float, float, float]) -> ImagePool:
    by_split: dict[str, list[str]] = {s: [] for s in SPLITS}
    digest = hashlib.sha1()
    for f in files:
        by_split[split_of(f, fractions)].append(f)
        digest.update(f"{f}\t{(root / f).stat().st_size}\n".encode())
    return ImagePool(root, files, {s: tuple(v) for s, v in by_split.items()}, digest.hexdigest())


def _require_splits(pool: ImagePool, what: str, fractions: tuple[float, float, float]) -> None:
    for split, frac in zip(SPLITS, fractions):
        if frac > 0 and not pool.by_split[split]:
            counts = ", ".join(f"{s} {len(pool.by_split[s])}" for s in SPLITS)
            raise ValueError(
                f"{what} folder {pool.root}: no image falls in the {split!r} split ({len(pool.files)} images: {counts}; "
                f"images are split by a hash of their names, fractions {fractions}); add images or change split_fractions"
            )


def load_face_boxes(path: str | os.PathLike) -> tuple[dict[str, Box], str]:
    """Read face boxes: a CSV with columns ``file,x0,y0,x1,y1`` or a JSON ``{"file": [x0, y0, x1, y1]}``.

    ``file`` is the image's path relative to the faces folder; coordinates are pixels. Returns the
    boxes and the file's SHA-1.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"face boxes file not found: {path}")
    data = path.read_bytes()
    boxes: dict[str, Box] = {}
    if path.suffix.lower() == ".json":
        try:
            raw = json.loads(data)
        except json.JSONDecodeError as e:
            raise ValueError(f"{path}: not valid JSON ({e})") from None
        if not isinstance(raw, dict):
            raise ValueError(f'{path}: expected a JSON object {{"file": [x0, y0, x1, y1], ...}}')
        items = list(raw.items())
    else:
        reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
        need = ("file", "x0", "y0", "x1", "y1")
        if not reader.fieldnames or any(c not in reader.fieldnames for c in need):
            raise ValueError(f"{path}: a CSV face boxes file needs the header {','.join(need)}")
        items = [(r["file"], [r["x0"], r["y0"], r["x1"], r["y1"]]) for r in reader]
    for name, box in items:
        try:
            x0, y0, x1, y1 = (float(v) for v in box)
        except (TypeError, ValueError):
            raise ValueError(f"{path}: box for {name!r} must be four numbers x0, y0, x1, y1, got {box!r}") from None
        if not (x1 > x0 and y1 > y0):
            raise ValueError(f"{path}: box for {name!r} must have x1 > x0 and y1 > y0, got {box!r}")
        boxes[str(name).replace("\\", "/")] = (x0, y0, x1, y1)
    if not boxes:
        raise ValueError(f"{path}: no face boxes in the file")
    return boxes, hashlib.sha1(data).hexdigest()


# ----------------------------------------------------------------------------------------------
# planning and rendering


def _block_split(block: int, fractions: tuple[float, float, float]) -> str:
    u = (block * _GOLDEN) % 1.0  # low-discrepancy: split counts stay within a block of their fractions
    if u < fractions[2]:
        return "test"
    if u < fractions[2] + fractions[1]:
        return "val"
    return "train"


def plan_sample(config: SyntheticConfig, index: int) -> SamplePlan:
    """Where sample ``index`` goes, its label, family, source image and JPEG quality."""
    families = config.families
    block, pos = divmod(index, 2 * len(families))
    split = _block_split(block, config.split_fractions)
    label, family = pos % 2, families[pos // 2]
    pool_name = "faces" if family == "face" else "photos"
    files = _pool_of(config, pool_name).by_split[split]
    source = files[int(np.random.default_rng([config.seed, index // 2, 0]).integers(len(files)))]
    quality = config.qualities[int(np.random.default_rng([config.seed, index, 1]).integers(len(config.qualities)))]
    sid = f"{index:06d}"
    if label == 0:
        path, mask, method = f"{split}/real/{sid}.jpg", "", "real"
    else:
        path, mask, method = f"{split}/fake/{family}/{sid}.jpg", f"masks/{split}/{family}/{sid}.png", family
    return SamplePlan(index, sid, split, label, method, pool_name, source, quality, path, mask)


def _pool_of(config: SyntheticConfig, name: str) -> ImagePool:
    pool = config.faces if name == "faces" else config.photos
    assert pool is not None
    return pool


def render_sample(config: SyntheticConfig, index: int) -> RenderedSample:
    """Render sample ``index`` (before JPEG encoding); the pixels depend only on the settings and index."""
    plan = plan_sample(config, index)
    pool = _pool_of(config, plan.pool)
    pair_rng = np.random.default_rng([config.seed, index // 2, 0])
    pair_rng.integers(len(pool.by_split[plan.split]))  # the source draw, made again by plan_sample
    img = _load_photo(str(pool.root / plan.source))
    region = None
    if plan.pool == "faces":
        box = config.face_boxes.get(plan.source) if config.face_boxes else None
        src, region = _face_crop(img, pair_rng, config.size, box)
    else:
        src = _photo_crop(img, pair_rng, config.size)
    if plan.label == 0:
        return RenderedSample(plan, src, src, None)

    rng = np.random.default_rng([config.seed, index, 1])
    rng.integers(len(config.qualities))  # the quality draw, made again by plan_sample
    ctx = SampleContext(
        size=config.size,
        inpaint_backend=config.inpaint_backend or "numpy",
        donor=functools.partial(_donor_crop, config, plan),
        cutout=functools.partial(_cutout, config, plan.split) if config.cutouts else None,
        face=region,
    )
    manipulate = MANIPULATIONS[plan.method]
    best: tuple[float, np.ndarray, np.ndarray] | None = None
    for _ in range(MAX_ATTEMPTS):
        manipulated, mask = manipulate(src, rng, ctx)
        out = compose(src, manipulated, mask)
        change = float((np.abs(out.astype(np.float32) - src).mean(-1) * mask).sum() / max(float(mask.sum()), 1e-6))
        if best is None or change > best[0]:
            best = (change, out, mask)
        if change >= MIN_CHANGE:
            break
    assert best is not None
    return RenderedSample(plan, best[1], src, best[2])


def compose(src: np.ndarray, manipulated: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``src + mask * (manipulated - src)``, rounded to uint8: pixels where the mask is 0 stay exact."""
    s = src.astype(np.float32)
    out = s + mask[..., None] * (manipulated - s)
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def _photo_crop(img: Image.Image, rng: np.random.Generator, size: int) -> np.ndarray:
    """A random-scale square crop (40–100 % of the short side, never upsampled unless the photo is small)."""
    w, h = img.size
    short = min(w, h)
    lo = min(1.0, max(0.4, size / short))
    side = short * rng.uniform(lo, 1.0)
    x, y = rng.uniform(0.0, w - side), rng.uniform(0.0, h - side)
    return np.asarray(img.resize((size, size), Image.BICUBIC, box=(x, y, x + side, y + side)))


def _face_crop(img: Image.Image, rng: np.random.Generator, size: int, box: Box | None) -> tuple[np.ndarray, FaceRegion]:
    """A square crop around the face and the face's ellipse in crop pixels.

    With a box: 1.3–1.8x the box's longer side around its centre. Without: the image is a face
    crop; take 90–100 % of its short side and assume a centred face.
    """
    w, h = img.size
    short = min(w, h)
    if box is None:
        side = short * rng.uniform(0.9, 1.0)
        x0 = (w - side) / 2 + rng.uniform(-0.25, 0.25) * (w - side)
        y0 = (h - side) / 2 + rng.uniform(-0.25, 0.25) * (h - side)
        face_c, face_axes = (w / 2, h * 0.52), (0.3 * short, 0.4 * short)
    else:
        bx0, by0, bx1, by1 = box
        bw, bh = bx1 - bx0, by1 - by0
        longest = max(bw, bh)
        side = min(longest * rng.uniform(1.3, 1.8), short)
        cx = (bx0 + bx1) / 2 + rng.uniform(-0.05, 0.05) * longest
        cy = (by0 + by1) / 2 + rng.uniform(-0.05, 0.05) * longest
        x0, y0 = cx - side / 2, cy - side / 2
        face_c, face_axes = ((bx0 + bx1) / 2, (by0 + by1) / 2), (bw / 2, bh / 2)
    x0, y0 = min(max(x0, 0.0), w - side), min(max(y0, 0.0), h - side)
    s = size / side
    crop = np.asarray(img.resize((size, size), Image.BICUBIC, box=(x0, y0, x0 + side, y0 + side)))
    region = FaceRegion(((face_c[0] - x0) * s, (face_c[1] - y0) * s), (face_axes[0] * s, face_axes[1] * s))
    return crop, region


def _donor_crop(config: SyntheticConfig, plan: SamplePlan, rng: np.random.Generator) -> np.ndarray:
    """A crop of another photo of the sample's split (the same photo only if the split has one)."""
    files = config.photos.by_split[plan.split]
    if len(files) > 1 and plan.source in files:
        k = int(rng.integers(len(files) - 1))
        k += k >= files.index(plan.source)
        name = files[k]
    else:
        name = files[int(rng.integers(len(files)))]
    return _photo_crop(_load_photo(str(config.photos.root / name)), rng, config.size)


@functools.lru_cache(maxsize=4)
def _load_photo(path: str) -> Image.Image:
    """A decoded photo; the few last ones are kept, as a fake and its real twin share their source."""
    return load_image(path)


def _cutout(config: SyntheticConfig, split: str, rng: np.random.Generator) -> Image.Image | None:
    assert config.cutouts is not None
    files = config.cutouts.by_split[split]
    if not files:
        return None
    return _load_cutout(str(config.cutouts.root / files[int(rng.integers(len(files)))]), config.size)


@functools.lru_cache(maxsize=128)
def _load_cutout(path: str, size: int) -> Image.Image:
    """An RGBA cut-out, cropped to its visible pixels, longest side at most ``size`` (cached per process)."""
    try:
        with Image.open(path) as im:
            im.load()
            cut = im.convert("RGBA")
    except (OSError, ValueError, SyntaxError) as e:
        raise ImageLoadError(path, f"cannot read the cut-out ({e})") from None
    bbox = cut.getchannel("A").getbbox()
    if bbox is None:
        return cut.resize((1, 1))  # fully transparent: the splice falls back to a photo donor
    cut = cut.crop(bbox)
    if max(cut.size) > size:
        cut.thumbnail((size, size), Image.BICUBIC)
    return cut


# ----------------------------------------------------------------------------------------------
# writing


def encode_jpeg(image: np.ndarray, quality: int) -> bytes:
    """The JPEG bytes every sample, real or fake, is saved as (4:2:0, baseline, no optimisation)."""
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, "JPEG", quality=quality, subsampling=_JPEG_SUBSAMPLING)
    return buf.getvalue()


def _encode_mask(mask: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.clip(mask * 255.0 + 0.5, 0, 255).astype(np.uint8), "L").save(buf, "PNG")
    return buf.getvalue()


def _is_done(out: Path, plan: SamplePlan) -> bool:
    # the mask is written first and the image last, so an existing image means a finished sample
    return (out / plan.path).is_file() and (not plan.mask or (out / plan.mask).is_file())


def _produce(config: SyntheticConfig, out: Path, index: int) -> bool:
    plan = plan_sample(config, index)
    if _is_done(out, plan):
        return False
    sample = render_sample(config, index)
    if sample.mask is not None:
        atomic_write_bytes(out / plan.mask, _encode_mask(sample.mask))
    atomic_write_bytes(out / plan.path, encode_jpeg(sample.image, plan.quality))
    return True


_WORKER: tuple[SyntheticConfig, Path] | None = None


def _init_worker(config: SyntheticConfig, out: Path) -> None:
    global _WORKER
    _WORKER = (config, out)
    if config.inpaint_backend == "opencv":
        import cv2

        cv2.setNumThreads(1)  # one process per core already


def _work(index: int) -> bool:
    assert _WORKER is not None
    try:
        return _produce(*_WORKER, index)
    except Exception as e:  # re-raise as a plain ValueError: it pickles back to the parent intact
        raise ValueError(f"synthetic sample {index}: {e}") from None


def _prepare_out(out: Path, config: SyntheticConfig, n: int, plans: list[SamplePlan]) -> None:
    params_path = out / PARAMS_NAME
    if out.exists() and not out.is_dir():
        raise ValueError(f"output path {out} exists and is not a folder")
    if params_path.is_file():
        try:
            old = json.loads(params_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise ValueError(f"{params_path}: unreadable ({e}); delete it or choose another output folder") from None
        new = config.identity()
        diffs = [f"{k}: {old.get(k)!r} -> {v!r}" for k, v in new.items() if old.get(k) != v]
        if diffs:
            hint = (
                " (install OpenCV: pip install 'disgrl[synthetic]', or pass inpaint='numpy')"
                if any(d.startswith("inpaint_backend") for d in diffs)
                else ""
            )
            raise ValueError(
                f"{out} already holds a synthetic set made with other settings ({'; '.join(diffs)}){hint}; "
                f"choose a new output folder or delete this one"
            )
        if isinstance(old.get("n"), int) and old["n"] > n:
            raise ValueError(
                f"{out} already holds {old['n']} samples; n={n} would leave {old['n'] - n} of them outside the "
                f"manifest. Use n >= {old['n']} (to resume or extend), or a new output folder"
            )
    elif out.is_dir() and any(out.iterdir()):
        raise ValueError(f"output folder {out} is not empty and holds no {PARAMS_NAME}; refusing to write into it")
    out.mkdir(parents=True, exist_ok=True)
    for tmp in out.rglob(".*.tmp"):  # left by a run killed mid-write
        tmp.unlink(missing_ok=True)
    for d in {str(Path(p.path).parent) for p in plans} | {str(Path(p.mask).parent) for p in plans if p.mask}:
        (out / d).mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(out / PARAMS_NAME, (json.dumps(_params(config, n, plans), indent=2) + "\n").encode())


def _params(config: SyntheticConfig, n: int, plans: list[SamplePlan]) -> dict:
    from ... import __version__

    counts: dict[str, dict[str, int]] = {s: {} for s in SPLITS}
    for p in plans:
        counts[p.split][p.method] = counts[p.split].get(p.method, 0) + 1
    params = {"format": "disgrl-synthetic", "disgrl_version": __version__, **config.identity(), "n": n}
    params.update(
        jpeg={"qualities": list(config.qualities), "subsampling": "4:2:0", "applies_to": "real and fake"},
        photos=config.photos.describe(),
        cutouts=config.cutouts.describe() if config.cutouts else None,
        faces=config.faces.describe() if config.faces else None,
        counts=counts,
        manifest=MANIFEST_NAME,
    )
    return params


def _write_manifest(out: Path, plans: list[SamplePlan]) -> Path:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=MANIFEST_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for p in plans:
        writer.writerow(p.row())
    path = out / MANIFEST_NAME
    atomic_write_bytes(path, buf.getvalue().encode("utf-8"))
    return path


def _default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class _Progress:
    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.enabled = total, enabled
        self.done, self.start = 0, time.perf_counter()
        self.last = self.start
        self.tty = enabled and sys.stderr.isatty()

    def step(self) -> None:
        self.done += 1
        now = time.perf_counter()
        if self.enabled and (now - self.last >= (0.5 if self.tty else 10.0) or self.done == self.total):
            self.last = now
            rate = self.done / max(now - self.start, 1e-9)
            eta = (self.total - self.done) / max(rate, 1e-9)
            end = "\r" if self.tty and self.done < self.total else "\n"
            print(
                f"make-synthetic: {self.done}/{self.total} samples, {rate:.1f}/s, ETA {eta:.0f}s",
                end=end,
                file=sys.stderr,
                flush=True,
            )


def generate(
    photos: str | os.PathLike,
    out: str | os.PathLike,
    n: int,
    seed: int = 0,
    size: int = 256,
    families: Sequence[str] | None = None,
    cutouts: str | os.PathLike | None = None,
    qualities: Sequence[int] = DEFAULT_QUALITIES,
    workers: int | None = None,
    faces: str | os.PathLike | None = None,
    progress: bool = True,
    *,
    face_boxes: str | os.PathLike | None = None,
    inpaint: str = "auto",
    split_fractions: Sequence[float] = DEFAULT_SPLIT_FRACTIONS,
) -> Path:
    """Generate a synthetic forgery set of ``n`` samples (half real, half fake) under ``out``.

    Layout: ``out/<split>/real/*.jpg``, ``out/<split>/fake/<family>/*.jpg``,
    ``out/masks/<split>/<family>/*.png``, ``out/manifest.csv`` and ``out/synthetic.json``.
    Rerunning with the same settings skips finished samples (a larger ``n`` extends the set).
    With ``workers > 1`` call this under ``if __name__ == "__main__":`` on platforms that spawn.

    Args:
        photos: folder of real photographs (sub-folders included).
        out: output folder: new, empty, or a previous run's with the same settings.
        n: number of samples: real and fake alternate (each fake follows its real twin, the same
            crop), families take turns, so a multiple of ``2 * len(families)`` is exactly balanced.
        seed: sample ``i`` depends only on ``(seed, i)`` and the settings, not on ``workers``.
        size: side of the square images in pixels.
        families: manipulation families (default: all of :data:`FAMILIES`, ``face`` only with ``faces``).
        cutouts: folder of RGBA cut-out objects for ``splice`` (half its samples then paste one).
        qualities: JPEG qualities, one drawn per sample, real and fake alike.
        workers: processes (default: the number of CPUs; 0 or 1: in this process).
        faces: folder of face images for the ``face`` family (and as many real faces): face crops,
            or any images with ``face_boxes``.
        progress: print progress to stderr.
        face_boxes: CSV ``file,x0,y0,x1,y1`` or JSON ``{file: [x0, y0, x1, y1]}`` of face boxes in
            ``faces`` (images without a box are not used).
        inpaint: ``"auto"`` (OpenCV when importable, else numpy), ``"opencv"`` or ``"numpy"``.
        split_fractions: train / val / test fractions of the photos (by name hash) and of the samples.

    Returns:
        The path of ``manifest.csv``.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 0):
        raise ValueError(f"workers must be a non-negative integer, got {workers!r}")
    config = build_config(
        photos,
        seed=seed,
        size=size,
        families=families,
        cutouts=cutouts,
        qualities=qualities,
        faces=faces,
        face_boxes=face_boxes,
        inpaint=inpaint,
        split_fractions=split_fractions,
    )
    out = Path(out).expanduser()
    plans = [plan_sample(config, i) for i in range(int(n))]
    _prepare_out(out, config, int(n), plans)
    todo = [p.index for p in plans if not _is_done(out, p)]
    n_workers = min(_default_workers() if workers is None else int(workers), len(todo))
    bar = _Progress(len(todo), progress)
    if progress:
        backend = f", inpaint: {config.inpaint_backend}" if config.inpaint_backend else ""
        print(
            f"make-synthetic: {len(todo)} of {n} samples to make ({len(plans) - len(todo)} already there), "
            f"{max(n_workers, 1)} worker(s){backend}",
            file=sys.stderr,
        )
    if n_workers <= 1:
        for i in todo:
            try:
                _produce(config, out, i)
            except Exception as e:
                raise ValueError(f"synthetic sample {i}: {e}") from e
            bar.step()
    else:
        chunk = max(1, min(16, len(todo) // (n_workers * 8)))
        # "spawn", not the platform's default "fork": forking a process whose OpenMP / OpenCV
        # thread pools are already running (torch was used, cv2 was called) can deadlock the
        # child, which is what a long test session or a notebook does before calling us.
        pool = ProcessPoolExecutor(
            n_workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(config, out),
        )
        try:
            for _ in pool.map(_work, todo, chunksize=chunk):
                bar.step()
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown()
    manifest = _write_manifest(out, plans)
    if progress:
        print(
            f"make-synthetic: {n} samples in {out} ({time.perf_counter() - bar.start:.1f}s); manifest: {manifest}",
            file=sys.stderr,
        )
    return manifest
