"""The synthetic forgery generator and its protocols: determinism, splits, families, resumability, CLI."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import disgrl.data.synthetic.generator as gen
from disgrl.cli import main
from disgrl.data.synthetic import (
    FAMILIES,
    MANIFEST_COLUMNS,
    build_config,
    encode_jpeg,
    generate,
    inpaint_numpy,
    opencv_available,
    plan_sample,
    protocol_splits,
    read_manifest,
    render_sample,
    split_of,
)

SIZE = 64
N = 48  # 4 blocks of 2 x 6 families: every split gets at least one block


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def synthetic_set(tmp_path_factory, photos_dir, cutouts_dir) -> Path:
    out = tmp_path_factory.mktemp("syn") / "set"
    generate(photos_dir, out, N, seed=3, size=SIZE, cutouts=cutouts_dir, faces=photos_dir, workers=2, progress=False)
    return out


@pytest.fixture(scope="module")
def config(photos_dir, cutouts_dir):
    return build_config(photos_dir, seed=3, size=SIZE, cutouts=cutouts_dir, faces=photos_dir)


# ----------------------------------------------------------------------------------------------
# determinism


def test_same_seed_same_bytes_whatever_the_workers(tmp_path, photos_dir, cutouts_dir, synthetic_set):
    out = tmp_path / "again"
    generate(photos_dir, out, N, seed=3, size=SIZE, cutouts=cutouts_dir, faces=photos_dir, workers=1, progress=False)
    assert _files(out) == _files(synthetic_set)  # images, masks, manifest and synthetic.json


def test_other_seed_other_samples(tmp_path, photos_dir):
    a, b = tmp_path / "a", tmp_path / "b"
    generate(photos_dir, a, 10, seed=0, size=SIZE, workers=1, progress=False)
    generate(photos_dir, b, 10, seed=1, size=SIZE, workers=1, progress=False)
    assert (a / "manifest.csv").read_bytes() != (b / "manifest.csv").read_bytes()
    assert (a / "test/real/000000.jpg").read_bytes() != (b / "test/real/000000.jpg").read_bytes()


def test_sample_depends_only_on_seed_and_index(photos_dir, tmp_path):
    # a larger n extends the set: the first samples are the same
    small, large = tmp_path / "small", tmp_path / "large"
    generate(photos_dir, small, 10, seed=5, size=SIZE, workers=1, progress=False)
    generate(photos_dir, large, 30, seed=5, size=SIZE, workers=2, progress=False)
    small_rows = (small / "manifest.csv").read_text().splitlines()
    assert (large / "manifest.csv").read_text().splitlines()[: len(small_rows)] == small_rows
    for name, data in _files(small).items():
        if name.endswith((".jpg", ".png")):
            assert (large / name).read_bytes() == data, name


# ----------------------------------------------------------------------------------------------
# layout, balance, splits


def test_layout_and_manifest(synthetic_set):
    header = (synthetic_set / "manifest.csv").read_text().splitlines()[0]
    assert header == ",".join(MANIFEST_COLUMNS)
    rows = read_manifest(synthetic_set)
    assert len(rows) == N
    labels = Counter(r.label for r in rows)
    assert labels[0] == labels[1] == N // 2
    for r in rows:
        assert r.path.is_file() and r.path.suffix == ".jpg"
        rel = r.path.relative_to(synthetic_set).as_posix()
        if r.label == 0:
            assert rel == f"{r.split}/real/{r.video}.jpg" and r.method == "real" and r.mask is None
        else:
            assert rel == f"{r.split}/fake/{r.method}/{r.video}.jpg"
            assert r.mask.relative_to(synthetic_set).as_posix() == f"masks/{r.split}/{r.method}/{r.video}.png"
    params = json.loads((synthetic_set / "synthetic.json").read_text())
    assert params["seed"] == 3 and params["n"] == N and params["size"] == SIZE
    assert params["families"] == list(FAMILIES) and params["qualities"] == [95, 75]
    assert params["inpaint_backend"] in ("opencv", "numpy") and len(params["photos_sha1"]) == 40
    assert sum(sum(c.values()) for c in params["counts"].values()) == N
    with Image.open(rows[0].path) as im:
        assert im.size == (SIZE, SIZE) and im.format == "JPEG"


def test_splits_disjoint_by_source_photo(synthetic_set):
    rows = read_manifest(synthetic_set)
    assert {r.split for r in rows} == {"train", "val", "test"}
    sources = {s: {r.source for r in rows if r.split == s} for s in ("train", "val", "test")}
    assert not (
        sources["train"] & sources["val"] or sources["train"] & sources["test"] or sources["val"] & sources["test"]
    )
    for r in rows:
        assert split_of(r.source) == r.split


def test_split_of_is_stable_and_roughly_proportional():
    assert [split_of(n) for n in ("a.jpg", "b.jpg", "photo_001.png")] == [
        split_of("a.jpg"),
        split_of("b.jpg"),
        split_of("photo_001.png"),
    ]
    counts = Counter(split_of(f"img_{i}.jpg") for i in range(5000))
    assert abs(counts["train"] / 5000 - 0.7) < 0.03 and abs(counts["test"] / 5000 - 0.15) < 0.03
    assert split_of("x.jpg", (1.0, 0.0, 0.0)) == "train"
    with pytest.raises(ValueError, match="summing to 1"):
        split_of("x.jpg", (0.5, 0.2, 0.2))


def test_sample_splits_follow_the_fractions(photos_dir):
    cfg = build_config(photos_dir, size=SIZE, families=["splice"])
    counts = Counter(plan_sample(cfg, i).split for i in range(2000))
    assert counts == {"train": 1400, "val": 300, "test": 300}


def test_donors_and_cutouts_come_from_the_same_split(config, monkeypatch):
    loaded: list[str] = []
    real_load, real_cutout = gen._load_photo, gen._load_cutout
    monkeypatch.setattr(gen, "_load_photo", lambda p: loaded.append(Path(p).name) or real_load(p))
    monkeypatch.setattr(gen, "_load_cutout", lambda p, s: loaded.append(Path(p).name) or real_cutout(p, s))
    fam = config.families
    checked = 0
    for i in range(2 * len(fam) * 12):
        plan = plan_sample(config, i)
        if plan.method != "splice":
            continue
        loaded.clear()
        render_sample(config, i)
        assert len(loaded) >= 2  # the source and a donor photo or cut-out
        assert all(split_of(name) == plan.split for name in loaded), (plan, loaded)
        checked += 1
    assert checked == 12


# ----------------------------------------------------------------------------------------------
# families, masks, JPEG


def test_every_family_has_a_mask_and_changes_inside_it(synthetic_set, config):
    rows = read_manifest(synthetic_set)
    assert {r.method for r in rows if r.label == 1} == set(FAMILIES)
    for r in rows:
        if r.label == 0:
            continue
        mask = np.asarray(Image.open(r.mask), dtype=np.float32) / 255.0
        assert mask.shape == (SIZE, SIZE) and mask.max() > 0.9 and mask.mean() > 0.005, r
        sample = render_sample(config, int(r.video))
        np.testing.assert_array_equal(np.rint(sample.mask * 255), mask * 255)
        diff = np.abs(sample.image.astype(np.float32) - sample.source).mean(-1)
        assert diff[mask == 0].max() == 0  # untouched outside the mask, before JPEG
        assert diff[mask > 0.5].mean() > 2.0, r
        # the saved JPEG differs from the source crop, saved the same way, more inside the mask than outside
        saved = np.asarray(Image.open(r.path), dtype=np.float32)
        reference = np.asarray(Image.open(io.BytesIO(encode_jpeg(sample.source, r.quality))), dtype=np.float32)
        jdiff = np.abs(saved - reference).mean(-1)
        assert jdiff[mask > 0.5].mean() > jdiff[mask == 0].mean(), r


def test_real_twin_is_the_source_crop(synthetic_set, config):
    fake = next(r for r in read_manifest(synthetic_set) if r.label == 1)
    twin = render_sample(config, int(fake.video) - 1)
    np.testing.assert_array_equal(twin.image, render_sample(config, int(fake.video)).source)


def _quant_tables(data: bytes) -> dict:
    with Image.open(io.BytesIO(data)) as im:
        return im.quantization


def test_real_and_fake_share_the_jpeg_policy(synthetic_set):
    rows = read_manifest(synthetic_set)
    assert {r.quality for r in rows if r.label == 0} == {r.quality for r in rows if r.label == 1} == {95, 75}
    reference = {}
    for q in (95, 75):
        buf = io.BytesIO()
        Image.new("RGB", (8, 8)).save(buf, "JPEG", quality=q, subsampling=2)
        reference[q] = _quant_tables(buf.getvalue())
    for r in rows:  # each file really is encoded at its recorded quality
        assert _quant_tables(r.path.read_bytes()) == reference[r.quality], r


# ----------------------------------------------------------------------------------------------
# resumability and safety


def test_rerun_regenerates_only_missing_samples(tmp_path, photos_dir, cutouts_dir):
    out = tmp_path / "resume"
    kw = dict(seed=1, size=SIZE, cutouts=cutouts_dir, workers=2, progress=False)
    generate(photos_dir, out, 24, **kw)
    before = _files(out)
    rows = read_manifest(out)
    victims = [rows[0].path, rows[3].path, rows[7].mask]  # two images and a mask
    for v in victims:
        v.unlink()
    stale = rows[5].path.parent / f".{rows[5].path.name}.abc123.tmp"  # as left by a killed run
    stale.write_bytes(b"half")
    mtimes = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.suffix in (".jpg", ".png")}
    time.sleep(0.05)
    generate(photos_dir, out, 24, **kw)
    assert _files(out) == before  # the same bytes are back, the stale temp file is gone
    redone = {p for p, t in mtimes.items() if p.stat().st_mtime_ns != t}
    assert redone == {rows[7].path, rows[3].mask}  # besides the deleted files: the rest of those two samples


def test_refuses_other_settings_or_foreign_folder(tmp_path, photos_dir):
    out = tmp_path / "set"
    generate(photos_dir, out, 4, seed=0, size=SIZE, workers=1, progress=False)
    with pytest.raises(ValueError, match=r"other settings \(seed: 0 -> 1"):
        generate(photos_dir, out, 4, seed=1, size=SIZE, workers=1, progress=False)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="not empty"):
        generate(photos_dir, foreign, 4, size=SIZE, progress=False)


def test_clear_errors(tmp_path, photos_dir):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "readme.txt").write_text("no images here")
    with pytest.raises(ValueError, match=f"photos folder {empty} holds no images"):
        generate(empty, tmp_path / "o", 4)
    with pytest.raises(FileNotFoundError, match="photos folder not found"):
        generate(tmp_path / "nope", tmp_path / "o", 4)
    with pytest.raises(ValueError, match="unknown family 'deepfake'"):
        generate(photos_dir, tmp_path / "o", 4, families=["splice", "deepfake"])
    with pytest.raises(ValueError, match="'face' family needs face images"):
        generate(photos_dir, tmp_path / "o", 4, families=["face"])
    with pytest.raises(ValueError, match="qualities"):
        generate(photos_dir, tmp_path / "o", 4, qualities=(95, 101))
    with pytest.raises(ValueError, match="n must be a positive integer"):
        generate(photos_dir, tmp_path / "o", 0)
    few = tmp_path / "few"
    few.mkdir()
    Image.new("RGB", (64, 64)).save(few / "only.jpg")
    with pytest.raises(ValueError, match="no image falls in the"):
        generate(few, tmp_path / "o", 4)
    (few / "notes.jpg").write_text("not a JPEG")
    with pytest.raises(ValueError, match=r"not readable as images: notes.jpg \(UnidentifiedImageError\)"):
        generate(few, tmp_path / "o", 4)


def test_face_boxes(tmp_path, photos_dir):
    faces = tmp_path / "faces"
    faces.mkdir()
    rng = np.random.default_rng(0)
    rows = ["file,x0,y0,x1,y1"]
    for k in range(40):  # grey noise with a red "face" in its box
        img = rng.integers(90, 160, (300, 400, 3), dtype=np.uint8)
        x0, y0 = 30 + 5 * k, 20 + 3 * k
        img[y0 : y0 + 120, x0 : x0 + 100] = (220, 30, 30)
        Image.fromarray(img).save(faces / f"face_{k:02d}.png")
        rows.append(f"face_{k:02d}.png,{x0},{y0},{x0 + 100},{y0 + 120}")
    Image.new("RGB", (400, 300)).save(faces / "no_box.png")
    boxes = tmp_path / "boxes.csv"
    boxes.write_text("\n".join(rows) + "\n")
    cfg = build_config(photos_dir, size=SIZE, faces=faces, face_boxes=boxes, families=["face"])
    assert len(cfg.faces.files) == 40  # the image without a box is not used
    for i in range(1, 24, 2):
        sample = render_sample(cfg, i)
        assert sample.plan.method == "face" and sample.plan.source != "no_box.png"
        inside = sample.source[sample.mask > 0.5].astype(int)
        assert len(inside) > 0.05 * SIZE * SIZE
        red = (inside[:, 0] > 180) & (inside[:, 1] < 80)
        assert red.mean() > 0.9  # the blended region is the boxed face
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"face_00.png": [10, 10, 5, 50]}))
    with pytest.raises(ValueError, match="x1 > x0"):
        build_config(photos_dir, faces=faces, face_boxes=bad)


# ----------------------------------------------------------------------------------------------
# inpainting backends


def test_numpy_inpaint_fills_a_gradient_harmonically():
    yy, xx = np.mgrid[0:64, 0:64].astype(np.float32)
    img = np.stack([xx * 3, yy * 3, xx + yy], -1).clip(0, 255).astype(np.uint8)
    hole = (xx - 30) ** 2 + (yy - 34) ** 2 < 12**2
    filled = inpaint_numpy(img, hole, iterations=400)
    np.testing.assert_array_equal(filled[~hole], img[~hole])
    assert np.abs(filled[hole] - img[hole].astype(np.float32)).mean() < 3.0


def test_inpaint_falls_back_to_numpy_without_opencv(tmp_path, photos_dir, monkeypatch):
    monkeypatch.setitem(sys.modules, "cv2", None)  # `import cv2` now raises ImportError
    assert not opencv_available()
    with pytest.raises(ValueError, match=r"disgrl\[synthetic\]"):
        build_config(photos_dir, families=["inpaint"], inpaint="opencv")
    out = tmp_path / "numpy"
    generate(photos_dir, out, 8, size=SIZE, families=["inpaint"], workers=2, progress=False)
    assert json.loads((out / "synthetic.json").read_text())["inpaint_backend"] == "numpy"
    fakes = [r for r in read_manifest(out) if r.label == 1]
    assert len(fakes) == 4 and all(np.asarray(Image.open(r.mask)).max() > 200 for r in fakes)
    # a set started with one backend is not silently resumed with the other
    monkeypatch.delitem(sys.modules, "cv2")
    if opencv_available():
        with pytest.raises(ValueError, match="inpaint_backend: 'numpy' -> 'opencv'"):
            generate(photos_dir, out, 8, size=SIZE, families=["inpaint"], workers=1, progress=False)


@pytest.mark.skipif(not opencv_available(), reason="OpenCV not installed")
def test_inpaint_uses_opencv_when_available(photos_dir):
    assert build_config(photos_dir, families=["inpaint"]).inpaint_backend == "opencv"
    assert build_config(photos_dir, families=["inpaint"], inpaint="numpy").inpaint_backend == "numpy"
    assert build_config(photos_dir, families=["splice"]).inpaint_backend is None


# ----------------------------------------------------------------------------------------------
# protocols


def test_protocol_splits(synthetic_set):
    rows = read_manifest(synthetic_set)
    intra = protocol_splits(synthetic_set / "manifest.csv")
    assert sum(len(v) for v in intra.values()) == N
    assert {r.method for r in intra["test"]} == {"real", *FAMILIES}
    cross = protocol_splits(rows, "cross", held_out="inpaint")
    assert {r.method for r in cross["test"]} == {"real", "inpaint"}
    assert all(r.split == "test" for r in cross["test"])
    assert not any(r.method == "inpaint" for r in cross["train"] + cross["val"])
    assert {r.method for r in cross["train"]} == {"real", *(f for f in FAMILIES if f != "inpaint")}
    sources = {s: {r.source for r in v} for s, v in cross.items()}
    assert not (
        sources["train"] & sources["test"] or sources["train"] & sources["val"] or sources["val"] & sources["test"]
    )
    with pytest.raises(ValueError, match="needs held_out"):
        protocol_splits(rows, "cross")
    with pytest.raises(ValueError, match="unknown protocol"):
        protocol_splits(rows, "leave-one-out")
    with pytest.raises(ValueError, match="only used by the 'cross'"):
        protocol_splits(rows, "intra", held_out="splice")


def test_read_manifest_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_manifest(tmp_path)
    bad = tmp_path / "manifest.csv"
    bad.write_text("path,label\nx.jpg,0\n")
    with pytest.raises(ValueError, match="missing column"):
        read_manifest(bad)


# ----------------------------------------------------------------------------------------------
# command line


def test_cli_end_to_end(tmp_path, photos_dir, capsys):
    out = tmp_path / "cli"
    argv = ["make-synthetic", "--photos", str(photos_dir), "--out", str(out), "--n", "12", "--size", str(SIZE)]
    assert main([*argv, "--families", "resample", "splice", "--qualities", "90", "--workers", "1"]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == str(out / "manifest.csv")
    assert "12 samples" in captured.err
    rows = read_manifest(out)
    assert len(rows) == 12 and {r.method for r in rows} == {"real", "resample", "splice"}
    assert {r.quality for r in rows} == {90}
    # errors are one clear line, exit status 2
    assert main(["make-synthetic", "--photos", str(tmp_path / "missing"), "--out", str(out), "--n", "4"]) == 2
    assert "photos folder not found" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([*argv, "--families", "bogus"])


def test_cli_help_explains_layout():
    proc = subprocess.run(
        [sys.executable, "-m", "disgrl", "make-synthetic", "--help"], capture_output=True, text=True, check=True
    )
    for needle in ("OUT/<split>/real", "masks", "manifest.csv", "--cutouts", "protocol_splits"):
        assert needle in proc.stdout


# ----------------------------------------------------------------------------------------------
# speed


@pytest.mark.slow
def test_2000_samples_in_under_two_minutes(tmp_path, photos_dir, cutouts_dir):
    cmd = [sys.executable, "-m", "disgrl", "make-synthetic", "--photos", str(photos_dir)]
    cmd += ["--cutouts", str(cutouts_dir), "--out", str(tmp_path / "syn"), "--n", "2000", "--quiet"]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    assert proc.returncode == 0, proc.stderr
    assert len(read_manifest(tmp_path / "syn")) == 2000
    assert elapsed < 120, f"2,000 samples took {elapsed:.0f}s"


def test_photo_families_are_the_default_without_faces(photos_dir):
    from disgrl.data.synthetic import FAMILIES, PHOTO_FAMILIES, build_config

    assert tuple(f for f in FAMILIES if f != "face") == PHOTO_FAMILIES
    assert build_config(photos_dir).families == PHOTO_FAMILIES
