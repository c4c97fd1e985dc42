"""disgrl.data: datasets, manifests, public-dataset adapters on tiny fixture trees, bad files."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from torch.utils.data import DataLoader

from disgrl.data import (
    DatasetLayoutError,
    ForgeryDataset,
    ImageFolderDataset,
    ManifestDataset,
    Sample,
    balance_classes,
    celebdf_samples,
    class_balanced_sampler,
    collate_skip_none,
    dfdc_samples,
    ffpp_samples,
    make_transforms,
    public_samples,
    read_manifest,
    wilddeepfake_samples,
    write_manifest,
)
from disgrl.io import ImageLoadError

DATA_CONFIG = {"input_size": (3, 24, 24), "mean": (0.5, 0.5, 0.5), "std": (0.5, 0.5, 0.5), "interpolation": "bilinear"}


def img(path: Path, value: int = 128, mode: str = "RGB", size: int = 16, fmt: str | None = None) -> Path:
    """Write a small image (any Pillow mode) and return its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if mode == "I;16":
        Image.fromarray(np.full((size, size), value * 257, np.uint16)).save(path)
    else:
        Image.new(mode, (size, size), value if mode in ("L", "I") else (value,) * len(mode)).save(path, format=fmt)
    return path


def frames(folder: Path, n: int = 2) -> None:
    for i in range(n):
        img(folder / f"{i}.png", value=10 * i)


# --- Sample and ForgeryDataset -------------------------------------------------------------


def test_sample_rejects_bad_labels():
    assert Sample("a.png", 1).label == 1
    for bad in (2, -1, True, "fake"):
        with pytest.raises(ValueError, match=r"label must be 0 \(real\) or 1 \(fake\)"):
            Sample("a.png", bad)


def test_forgery_dataset_items_and_stats(tmp_path):
    samples = [
        Sample(str(img(tmp_path / "r.png", size=20)), 0, "v0"),
        Sample(str(img(tmp_path / "f.jpg", size=12, fmt="JPEG")), 1, "v1"),
        Sample(str(img(tmp_path / "f2.png")), 1, None),
    ]
    ds = ForgeryDataset(samples)
    item = ds[0]
    assert set(item) == {"image", "label", "index"} and item["label"] == 0 and item["index"] == 0
    assert item["image"].shape == (3, 20, 20) and item["image"].dtype == torch.float32
    assert 0.0 <= float(item["image"].min()) <= float(item["image"].max()) <= 1.0
    assert ds.labels == [0, 1, 1] and ds.videos == ["v0", "v1", None]
    assert ds.class_counts() == {0: 1, 1: 2}
    model_input = ForgeryDataset(samples, transform=make_transforms(DATA_CONFIG, train=False))[1]["image"]
    assert model_input.shape == (3, 24, 24) and float(model_input.min()) >= -1.0
    with pytest.raises(ValueError, match=r"no samples"):
        ForgeryDataset([])
    with pytest.raises(ValueError, match=r"on_error"):
        ForgeryDataset(samples, on_error="ignore")


def test_make_transforms_train_flips_and_eval_is_deterministic(tmp_path):
    arr = np.zeros((24, 24, 3), np.uint8)
    arr[:, :12] = 255  # left half white
    pil = Image.fromarray(arr)
    always_flip = make_transforms(DATA_CONFIG, train=True, hflip=1.0)(pil)
    evaluated = make_transforms(DATA_CONFIG, train=False)(pil)
    assert torch.allclose(always_flip, evaluated.flip(-1))
    assert float(evaluated[:, :, 0].mean()) == pytest.approx(1.0)  # normalised white


@pytest.fixture
def bad_files(tmp_path) -> dict[str, Path]:
    """One file of each troublesome kind."""
    good = img(tmp_path / "good.jpg", fmt="JPEG")
    corrupt = tmp_path / "corrupt.jpg"
    corrupt.write_bytes(good.read_bytes()[:40])  # a truncated JPEG
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    return {
        "good": good,
        "corrupt": corrupt,
        "empty": empty,
        "gray": img(tmp_path / "gray.png", mode="L"),
        "gray16": img(tmp_path / "gray16.png", mode="I;16", value=200),
        "rgba": img(tmp_path / "rgba.png", mode="RGBA"),
        "palette": img(tmp_path / "palette.gif", mode="P"),
    }


@pytest.mark.parametrize("kind", ["good", "gray", "gray16", "rgba", "palette"])
def test_unusual_modes_become_rgb(bad_files, kind):
    ds = ForgeryDataset([Sample(str(bad_files[kind]), 1)])
    image = ds[0]["image"]
    assert image.shape == (3, 16, 16)
    if kind == "gray16":  # 16-bit scaled to 8 bits, not clipped
        assert float(image.mean()) == pytest.approx(200 / 255, abs=1 / 255)


@pytest.mark.parametrize("kind", ["corrupt", "empty"])
def test_unreadable_file_raises_naming_it(bad_files, kind):
    ds = ForgeryDataset([Sample(str(bad_files[kind]), 0)])
    with pytest.raises(ImageLoadError) as info:
        ds[0]
    assert str(bad_files[kind]) in str(info.value)
    assert info.value.source == str(bad_files[kind])


def test_verify_lists_bad_files(bad_files):
    ds = ForgeryDataset([Sample(str(p), i % 2) for i, p in enumerate(bad_files.values())])
    bad = ds.verify()
    assert [p for p, _ in bad] == [str(bad_files["corrupt"]), str(bad_files["empty"])]
    assert "empty file" in bad[1][1] and "corrupt" in bad[0][1]
    assert ds.verify(num_workers=2) == bad


def test_skip_mode_with_dataloader(bad_files, caplog):
    order = ["good", "corrupt", "gray", "empty", "rgba", "gray16"]
    ds = ForgeryDataset(
        [Sample(str(bad_files[k]), i % 2) for i, k in enumerate(order)],
        transform=make_transforms(DATA_CONFIG, train=False),
        on_error="skip",
    )
    assert ds[1] is None
    assert "corrupt.jpg" in caplog.text
    loader = DataLoader(ds, batch_size=4, shuffle=False, num_workers=0, collate_fn=collate_skip_none)
    batches = list(loader)
    assert [b["skipped"] for b in batches] == [2, 0]
    assert [b["image"].shape[0] for b in batches] == [2, 2]
    assert batches[0]["index"].tolist() == [0, 2] and batches[0]["label"].tolist() == [0, 0]
    assert batches[0]["image"].shape[1:] == (3, 24, 24)


def test_collate_all_skipped():
    batch = collate_skip_none([None, None])
    assert batch["skipped"] == 2 and batch["label"].numel() == 0 and batch["index"].dtype == torch.long


# --- ImageFolderDataset ----------------------------------------------------------------------


def test_image_folder_recursive_sorted_and_filtered(tmp_path):
    for rel in ["real/b/10.png", "real/b/2.png", "real/a.jpg", "fake/x/y/1.png", "fake/0.PNG"]:
        img(tmp_path / rel, fmt="JPEG" if rel.endswith("jpg") else "PNG")
    (tmp_path / "real" / "notes.txt").write_text("not an image")
    (tmp_path / "fake" / "._0.png").write_bytes(b"\x00\x05")  # macOS resource fork
    img(tmp_path / "fake" / ".ipynb_checkpoints" / "9.png")
    ds = ImageFolderDataset(tmp_path)
    rel = [Path(s.path).relative_to(tmp_path).as_posix() for s in ds.samples]
    assert rel == ["fake/0.PNG", "fake/x/y/1.png", "real/a.jpg", "real/b/2.png", "real/b/10.png"]
    assert ds.labels == [1, 1, 0, 0, 0]
    assert [s.method for s in ds.samples] == ["fake", "fake", "real", "real", "real"]
    assert ds.videos == [None] * 5
    assert ds[1]["image"].shape == (3, 16, 16)


def test_image_folder_custom_class_names_and_videos(tmp_path):
    frames(tmp_path / "original" / "v1")
    frames(tmp_path / "youtube" / "v1")
    frames(tmp_path / "deepfakes" / "v1", n=3)
    img(tmp_path / "faceswap" / "lone.png")
    ds = ImageFolderDataset(
        tmp_path, class_dirs={"original": 0, "youtube": 0, "deepfakes": 1, "faceswap": 1}, video_from="parent"
    )
    assert ds.class_counts() == {0: 4, 1: 4}
    assert sorted(set(ds.videos)) == ["deepfakes/v1", "faceswap/lone", "original/v1", "youtube/v1"]
    ds2 = ImageFolderDataset(tmp_path, class_dirs={"original": 0, "faceswap": 1}, video_from=lambda p: p.stem)
    assert ds2.videos == ["lone", "0", "1"]


def test_image_folder_missing_or_empty_class_folder(tmp_path):
    frames(tmp_path / "real")
    with pytest.raises(DatasetLayoutError, match=r"class folder .*fake.* not found"):
        ImageFolderDataset(tmp_path)
    (tmp_path / "Fake").mkdir()
    with pytest.raises(DatasetLayoutError, match=r"case-sensitive: found 'Fake'"):
        ImageFolderDataset(tmp_path)
    (tmp_path / "Fake").rmdir()
    (tmp_path / "fake" / "sub").mkdir(parents=True)
    with pytest.raises(DatasetLayoutError, match=r"fake.* has no images \(no files\)"):
        ImageFolderDataset(tmp_path)
    (tmp_path / "fake" / "sub" / "a.mp4").write_bytes(b"x")
    with pytest.raises(DatasetLayoutError, match=r"1 file\(s\), none with an image extension"):
        ImageFolderDataset(tmp_path)
    with pytest.raises(ValueError, match=r"must be 0 \(real\) or 1 \(fake\)"):
        ImageFolderDataset(tmp_path, class_dirs={"real": 0, "fake": 2})


# --- manifests -------------------------------------------------------------------------------


def test_manifest_csv(tmp_path):
    img(tmp_path / "imgs" / "a.png")
    img(tmp_path / "imgs" / "b.png")
    absolute = img(tmp_path / "elsewhere" / "c.png")
    (tmp_path / "m.csv").write_text(
        "path,label,video,split,method\n"
        "imgs/a.png,real,vid1,train,\n"
        "imgs/b.png,FAKE,vid2,test,Deepfakes\n"
        f"{absolute},1,,train,FaceSwap\n"
        "\n"
    )
    ds = ManifestDataset(tmp_path / "m.csv")
    assert ds.labels == [0, 1, 1]
    assert ds.samples[0] == Sample(str(tmp_path / "imgs" / "a.png"), 0, "vid1", "train", None)
    assert ds.samples[2].path == str(absolute) and ds.samples[2].video is None
    assert ds[1]["image"].shape == (3, 16, 16)
    train = ManifestDataset(tmp_path / "m.csv", split="train")
    assert [s.method for s in train.samples] == [None, "FaceSwap"]
    assert len(read_manifest(tmp_path / "m.csv", split=["train", "test"])) == 3
    # relative paths against root=
    (tmp_path / "m2.csv").write_text("label,path\n0,a.png\n1,b.png\n")
    rooted = read_manifest(tmp_path / "m2.csv", root=tmp_path / "imgs")
    assert [s.path for s in rooted] == [str(tmp_path / "imgs" / "a.png"), str(tmp_path / "imgs" / "b.png")]
    with pytest.raises(DatasetLayoutError, match=r"no rows with split \['val'\]; splits present: \['test', 'train'\]"):
        read_manifest(tmp_path / "m.csv", split="val")
    with pytest.raises(DatasetLayoutError, match=r"no 'split' values"):
        read_manifest(tmp_path / "m2.csv", split="train")


def test_manifest_jsonl_and_round_trip(tmp_path):
    rows = [{"path": "a.png", "label": 0, "video": "v"}, {"path": "b.png", "label": "Fake", "split": "test"}]
    (tmp_path / "m.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n\n")
    samples = read_manifest(tmp_path / "m.jsonl")
    assert [(s.label, s.video, s.split) for s in samples] == [(0, "v", None), (1, None, "test")]
    for name in ("out.csv", "out.jsonl", "out.tsv"):
        assert read_manifest(write_manifest(samples, tmp_path / name)) == samples


@pytest.mark.parametrize(
    ("name", "text", "match"),
    [
        ("m.csv", "path,label\na.png,0\nb.png,2\n", "m.csv, line 3: label must be 0/1 or 'real'/'fake', got '2'"),
        ("m.csv", "path,label\na.png,\n", "m.csv, line 2: label must be"),
        ("m.csv", "path,lable\na.png,0\n", "line 1: the header must name the columns 'path' and 'label'"),
        ("m.jsonl", '{"path": "a.png", "label": 1}\n\n{"path": "b.png", "label": "deepfake"}\n', "m.jsonl, line 3"),
        ("m.jsonl", '{"path": "a.png", "label": true}\n', "line 1: label .* boolean"),
        ("m.jsonl", '{"path": "a.png", "label": 0.5}\n', "line 1: label must be"),
        ("m.jsonl", '{"path": "a.png"}\n', "line 1: missing key\\(s\\) \\['label'\\]"),
        ("m.jsonl", "{not json}\n", "line 1: not valid JSON"),
        ("m.txt", "path,label\n", "cannot tell the manifest format"),
        ("m.csv", "path,label\n", "lists no samples"),
    ],
)
def test_manifest_errors_name_file_and_line(tmp_path, name, text, match):
    (tmp_path / name).write_text(text)
    with pytest.raises(DatasetLayoutError, match=match):
        read_manifest(tmp_path / name)


# --- class balance ---------------------------------------------------------------------------


def _labelled(n_real: int, n_fake: int) -> list[Sample]:
    return [Sample(f"r{i}.png", 0) for i in range(n_real)] + [Sample(f"f{i}.png", 1) for i in range(n_fake)]


def test_balance_classes():
    samples = _labelled(3, 10)
    under = balance_classes(samples, "undersample", seed=1)
    assert sum(s.label for s in under) == 3 and len(under) == 6
    assert under == balance_classes(samples, "undersample", seed=1)
    assert under == sorted(under, key=samples.index)  # original order kept
    over = balance_classes(samples, "oversample")
    assert len(over) == 20 and sum(s.label for s in over) == 10
    assert over[:13] == samples and {s.path for s in over[13:]} <= {f"r{i}.png" for i in range(3)}
    counts = {p: sum(s.path == p for s in over) for p in ("r0.png", "r1.png", "r2.png")}
    assert sorted(counts.values()) == [3, 3, 4]  # whole copies first, then a remainder without repeats
    with pytest.raises(ValueError, match=r"no real samples"):
        balance_classes(_labelled(0, 2))
    with pytest.raises(ValueError, match=r"mode"):
        balance_classes(samples, "smote")  # type: ignore[arg-type]


def test_class_balanced_sampler():
    labels = [0] * 10 + [1] * 90
    sampler = class_balanced_sampler(labels, num_samples=4000, generator=torch.Generator().manual_seed(0))
    drawn = np.array(labels)[list(sampler)]
    assert len(drawn) == 4000 and abs(drawn.mean() - 0.5) < 0.05
    assert float(sampler.weights[0]) == pytest.approx(0.1) and float(sampler.weights[-1]) == pytest.approx(1 / 90)
    with pytest.raises(ValueError, match=r"no fake samples"):
        class_balanced_sampler([0, 0])


# --- public datasets -------------------------------------------------------------------------


@pytest.fixture
def ffpp_root(tmp_path) -> Path:
    root = tmp_path / "ffpp"
    for comp in ("c23", "c40"):
        for vid in ("000", "001", "002", "003"):
            frames(root / "original_sequences/youtube" / comp / "faces" / vid, n=4 if vid == "000" else 2)
        for method in ("Deepfakes", "FaceSwap"):
            for vid in ("000_001", "001_000", "002_003", "003_002"):
                frames(root / "manipulated_sequences" / method / comp / "faces" / vid)
    (root / "original_sequences/youtube/c23/videos").mkdir()
    (root / "splits").mkdir()
    (root / "splits/train.json").write_text(json.dumps([["000", "001"]]))
    (root / "splits/test.json").write_text(json.dumps([["002", "003"]]))
    return root


def test_ffpp(ffpp_root):
    samples = ffpp_samples(ffpp_root, "train", methods=["DF", "faceswap"])
    videos = sorted({(s.video, s.label, s.method) for s in samples})
    assert videos == [
        ("Deepfakes/000_001", 1, "Deepfakes"),
        ("Deepfakes/001_000", 1, "Deepfakes"),
        ("FaceSwap/000_001", 1, "FaceSwap"),
        ("FaceSwap/001_000", 1, "FaceSwap"),
        ("original/000", 0, "original"),
        ("original/001", 0, "original"),
    ]
    assert all("/c23/faces/" in s.path for s in samples) and {s.split for s in samples} == {"train"}
    assert len(samples) == 4 + 2 + 8
    c40 = ffpp_samples(ffpp_root, "test", compression="c40", methods=["FaceSwap"], real=False)
    assert {s.video for s in c40} == {"FaceSwap/002_003", "FaceSwap/003_002"}
    assert all("/c40/" in s.path for s in c40) and all(s.label == 1 for s in c40)
    capped = ffpp_samples(ffpp_root, "train", methods=[], frames_per_video=2)
    assert [Path(s.path).name for s in capped if s.video == "original/000"] == ["1.png", "3.png"]
    every = ffpp_samples(ffpp_root, None, methods=["Deepfakes"])
    assert len({s.video for s in every}) == 8 and {s.split for s in every} == {None}
    assert public_samples("FF++", ffpp_root, "train", methods=["DF"]) == ffpp_samples(
        ffpp_root, "train", methods=["DF"]
    )


def test_ffpp_errors(ffpp_root, tmp_path):
    with pytest.raises(DatasetLayoutError, match=r"'Face2Face'.*not found"):
        ffpp_samples(ffpp_root, "train")  # the paper's four methods, two of them absent
    with pytest.raises(DatasetLayoutError, match=r"val.json not found.*ondyari/FaceForensics"):
        ffpp_samples(ffpp_root, "val", methods=["DF"])
    with pytest.raises(DatasetLayoutError, match=r"frames folder 'images'.*holds: \['faces', 'videos'\]"):
        ffpp_samples(ffpp_root, "train", methods=[], frames_dir="images")
    with pytest.raises(ValueError, match=r"frames_per_video must be a positive integer"):
        ffpp_samples(ffpp_root, "train", methods=["DF"], frames_per_video=0)
    with pytest.raises(ValueError, match=r"compression"):
        ffpp_samples(ffpp_root, "train", compression="c24")
    with pytest.raises(ValueError, match=r"unknown FF\+\+ method 'DeepFake'"):
        ffpp_samples(ffpp_root, "train", methods=["DeepFake"])
    (tmp_path / "splits").mkdir()
    (tmp_path / "splits" / "train.json").write_text('{"train": []}')
    with pytest.raises(DatasetLayoutError, match=r"train.json: expected a non-empty JSON list of video-id pairs"):
        ffpp_samples(ffpp_root, "train", split_dir=tmp_path / "splits", methods=["DF"])
    # every selected frame folder empty for one method: an error, not a silently smaller dataset
    for vid in ("000_001", "001_000"):
        for f in (ffpp_root / "manipulated_sequences/FaceSwap/c23/faces" / vid).iterdir():
            f.unlink()
    with pytest.raises(DatasetLayoutError, match=r"no frames found for any of the 2 videos of 'FaceSwap'"):
        ffpp_samples(ffpp_root, "train", methods=["DF", "FS"])
    # a single video without frames: left out with one warning
    for f in (ffpp_root / "original_sequences/youtube/c40/faces/003").iterdir():
        f.unlink()
    with pytest.warns(UserWarning, match=r"1 of 4 videos have no frames"):
        assert len(ffpp_samples(ffpp_root, None, methods=[], compression="c40", frames_per_video=1)) == 3
    with pytest.warns(UserWarning, match=r"1 of 2 videos have no frames.*c40/faces/003"):
        assert len(ffpp_samples(ffpp_root, "test", methods=[], compression="c40")) == 2


@pytest.fixture
def celebdf_root(tmp_path) -> Path:
    root = tmp_path / "Celeb-DF-v2"
    for rel in ("Celeb-real/id0_0000", "Celeb-real/id0_0001", "YouTube-real/00170", "YouTube-real/00171"):
        frames(root / rel)
    for rel in ("Celeb-synthesis/id0_id1_0000", "Celeb-synthesis/id0_id1_0001"):
        frames(root / rel, n=3)
    (root / "Celeb-real" / "id0_0000.mp4").write_bytes(b"")  # the source videos may sit alongside
    (root / "List_of_testing_videos.txt").write_text(
        "1 YouTube-real/00170.mp4\n0 Celeb-synthesis/id0_id1_0000.mp4\n1 Celeb-real/id0_0001.mp4\n"
    )
    return root


def test_celebdf(celebdf_root):
    test = celebdf_samples(celebdf_root, "test")
    assert sorted({(s.video, s.label) for s in test}) == [
        ("Celeb-real/id0_0001", 0),  # "1" in the list file means real
        ("Celeb-synthesis/id0_id1_0000", 1),
        ("YouTube-real/00170", 0),
    ]
    train = celebdf_samples(celebdf_root, "train")
    assert sorted({(s.video, s.label, s.method) for s in train}) == [
        ("Celeb-real/id0_0000", 0, "Celeb-real"),
        ("Celeb-synthesis/id0_id1_0001", 1, "Celeb-synthesis"),
        ("YouTube-real/00171", 0, "YouTube-real"),
    ]
    assert {s.split for s in test} == {"test"} and {s.split for s in train} == {"train"}
    everything = celebdf_samples(celebdf_root, None, subsets=["Celeb-real", "Celeb-synthesis"])
    assert len({s.video for s in everything}) == 4 and {s.split for s in everything} == {"train", "test"}


def test_celebdf_errors(celebdf_root):
    (celebdf_root / "List_of_testing_videos.txt").write_text(
        "1 YouTube-real/00170.mp4\n1 Celeb-synthesis/id0_id1_0000.mp4\n"
    )
    with pytest.raises(DatasetLayoutError, match=r"line 2: 'Celeb-synthesis/id0_id1_0000.mp4' is marked real"):
        celebdf_samples(celebdf_root, "test")
    (celebdf_root / "List_of_testing_videos.txt").write_text("YouTube-real/00170.mp4\n")
    with pytest.raises(DatasetLayoutError, match=r"line 1: expected"):
        celebdf_samples(celebdf_root, "test")
    (celebdf_root / "List_of_testing_videos.txt").unlink()
    with pytest.raises(DatasetLayoutError, match=r"test list not found"):
        celebdf_samples(celebdf_root, "train")
    with pytest.raises(ValueError, match=r"unknown Celeb-DF subset"):
        celebdf_samples(celebdf_root, None, subsets=["Celeb-fake"])


def test_celebdf_unextracted_videos(tmp_path):
    frames(tmp_path / "Celeb-real" / "id0_0000")
    frames(tmp_path / "YouTube-real" / "00000")
    (tmp_path / "Celeb-synthesis").mkdir()
    (tmp_path / "Celeb-synthesis" / "id0_id1_0000.mp4").write_bytes(b"")
    with pytest.raises(DatasetLayoutError, match=r"no video folders in .*Celeb-synthesis.*extract frames"):
        celebdf_samples(tmp_path, None)


@pytest.fixture
def wdf_root(tmp_path) -> Path:
    root = tmp_path / "wdf"
    frames(root / "real_train/1/real/1")  # one extra nesting level
    frames(root / "real_train/2")
    frames(root / "fake_train/3/fake/3", n=5)
    frames(root / "real_test/4")
    frames(root / "fake_test/5/fake/5")
    return root


def test_wilddeepfake(wdf_root):
    train = wilddeepfake_samples(wdf_root, "train", frames_per_video=3)
    assert sorted({(s.video, s.label) for s in train}) == [
        ("fake_train/3", 1),
        ("real_train/1", 0),
        ("real_train/2", 0),
    ]
    assert sum(s.video == "fake_train/3" for s in train) == 3 and {s.split for s in train} == {"train"}
    test = wilddeepfake_samples(wdf_root, "test")
    assert sorted({(s.video, s.label, s.split) for s in test}) == [
        ("fake_test/5", 1, "test"),
        ("real_test/4", 0, "test"),
    ]
    assert len(public_samples("wld", wdf_root, None)) == len(train) + 2 + len(test)


def test_wilddeepfake_unextracted(wdf_root):
    for f in sorted((wdf_root / "fake_test").rglob("*"), reverse=True):
        f.unlink() if f.is_file() else f.rmdir()
    (wdf_root / "fake_test" / "5.tar.gz").write_bytes(b"")
    with pytest.raises(DatasetLayoutError, match=r"no video folders in .*fake_test.*holds 5.tar.gz: extract"):
        wilddeepfake_samples(wdf_root, "test")
    for f in sorted((wdf_root / "real_test").rglob("*"), reverse=True):
        f.unlink() if f.is_file() else f.rmdir()
    (wdf_root / "real_test").rmdir()
    with pytest.raises(DatasetLayoutError, match=r"WildDeepfake folder 'real_test' not found.*holds: \['fake_test'"):
        wilddeepfake_samples(wdf_root, "test")


@pytest.fixture
def dfdc_root(tmp_path) -> Path:
    root = tmp_path / "dfdc"
    part = root / "dfdc_train_part_0"
    meta = {
        "aaa.mp4": {"label": "FAKE", "split": "train", "original": "ccc.mp4"},
        "bbb.mp4": {"label": "FAKE", "split": "train", "original": "ccc.mp4"},
        "ccc.mp4": {"label": "REAL", "split": "train", "original": None},
    }
    part.mkdir(parents=True)
    (part / "metadata.json").write_text(json.dumps(meta))
    for stem in ("aaa", "bbb", "ccc"):
        frames(part / "faces" / stem, n=3)
    return root


def test_dfdc(dfdc_root):
    samples = dfdc_samples(dfdc_root, "train", frames_per_video=2)
    assert sorted({(s.video, s.label, s.method) for s in samples}) == [
        ("dfdc_train_part_0/aaa", 1, "dfdc_train_part_0"),
        ("dfdc_train_part_0/bbb", 1, "dfdc_train_part_0"),
        ("dfdc_train_part_0/ccc", 0, "dfdc_train_part_0"),
    ]
    assert len(samples) == 6
    assert dfdc_samples(dfdc_root / "dfdc_train_part_0", None) == dfdc_samples(dfdc_root, None)  # root = a part
    with pytest.raises(DatasetLayoutError, match=r"no video with split 'test'.*splits present: \['train'\]"):
        dfdc_samples(dfdc_root, "test")


def test_dfdc_errors(dfdc_root, tmp_path):
    with pytest.raises(DatasetLayoutError, match=r"frames folder 'frames' not found"):
        dfdc_samples(dfdc_root, None, frames_dir="frames")
    with pytest.raises(DatasetLayoutError, match=r"no <part>/metadata.json"):
        dfdc_samples(tmp_path / "dfdc" / "dfdc_train_part_0" / "faces", None)
    part = dfdc_root / "dfdc_train_part_0"
    for f in (part / "faces" / "ccc").iterdir():
        f.unlink()
    with pytest.raises(DatasetLayoutError, match=r"no frames found for any of the 1 real videos"):
        dfdc_samples(dfdc_root, None)
    (part / "metadata.json").write_text(json.dumps({"aaa.mp4": {"label": "fake?"}}))
    with pytest.raises(DatasetLayoutError, match=r"metadata.json: entry 'aaa.mp4' needs \"label\""):
        dfdc_samples(dfdc_root, None)


def test_adapter_samples_load_as_a_dataset(celebdf_root):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ds = ForgeryDataset(celebdf_samples(celebdf_root, "test", frames_per_video=1))
    assert len(ds) == 3 and ds.class_counts() == {0: 2, 1: 1}
    assert ds[0]["image"].shape == (3, 16, 16)
    with pytest.raises(ValueError, match=r"unknown dataset 'ff'"):
        public_samples("ff", celebdf_root, None)
