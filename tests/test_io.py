"""Image reading: every mode becomes RGB, every failure names the file."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from disgrl.io import ImageLoadError, array_to_image, load_image, to_rgb
from disgrl.transforms import denormalize, eval_transform, normalize


def _save(img: Image.Image, path, **kw):
    img.save(path, **kw)
    return path


@pytest.mark.parametrize(
    "mode",
    ["RGB", "L", "LA", "P", "RGBA", "CMYK", "I;16", "I", "F", "1"],
)
def test_every_mode_becomes_rgb(mode, tmp_path):
    arr = (np.arange(24 * 16) % 256).reshape(16, 24).astype(np.uint8)
    if mode in ("I;16", "I"):
        img = Image.fromarray(arr.astype(np.uint16) * 257)  # mode I;16
        if mode == "I":
            img = img.convert("I")
    elif mode == "F":
        img = Image.fromarray(arr.astype(np.float32) / 255.0, "F")
    else:
        img = Image.fromarray(arr, "L").convert(mode)
    out = to_rgb(img)
    assert out.mode == "RGB" and out.size == (24, 16)
    if mode in ("L", "I;16", "I", "F"):  # grey levels survive the conversion
        got = np.asarray(out)[:, :, 0].astype(int)
        assert np.abs(got - arr.astype(int)).max() <= 1


def test_16bit_png_is_scaled_not_clipped(tmp_path):
    arr = np.full((8, 8), 65535, np.uint16)
    path = _save(Image.fromarray(arr), tmp_path / "deep.png")
    assert np.asarray(load_image(path)).min() == 255


def test_rgba_is_composited_over_white(tmp_path):
    arr = np.zeros((4, 4, 4), np.uint8)
    arr[..., 0] = 255  # red
    arr[:2, :, 3] = 255  # top half opaque, bottom transparent
    img = load_image(_save(Image.fromarray(arr, "RGBA"), tmp_path / "a.png"))
    px = np.asarray(img)
    assert tuple(px[0, 0]) == (255, 0, 0) and tuple(px[3, 3]) == (255, 255, 255)


def test_exif_orientation_is_respected(tmp_path):
    img = Image.new("RGB", (40, 20), (10, 20, 30))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise on display
    path = tmp_path / "rot.jpg"
    img.save(path, exif=exif)
    assert load_image(path).size == (20, 40)


@pytest.mark.parametrize(
    "content,reason",
    [(b"", "empty file"), (b"hello, not an image", "not an image"), (None, "corrupt or truncated")],
)
def test_bad_files_raise_naming_the_file(tmp_path, content, reason):
    path = tmp_path / "bad.jpg"
    if content is None:
        buf = tmp_path / "good.jpg"
        Image.new("RGB", (64, 64), (200, 10, 10)).save(buf, quality=95)
        content = buf.read_bytes()[:200]  # truncated
    path.write_bytes(content)
    with pytest.raises(ImageLoadError, match=reason) as info:
        load_image(path)
    assert str(path) in str(info.value) and info.value.source == str(path)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ImageLoadError, match="not found"):
        load_image(tmp_path / "nope.png")
    with pytest.raises(ImageLoadError, match="directory"):
        load_image(tmp_path)


def test_pixel_limit_is_checked_before_decoding(tmp_path):
    path = _save(Image.new("RGB", (300, 200)), tmp_path / "big.png")
    with pytest.raises(ImageLoadError, match="over the limit"):
        load_image(path, max_pixels=50_000)
    assert load_image(path, max_pixels=None).size == (300, 200)


def test_array_to_image_contract():
    assert array_to_image(np.zeros((5, 6, 3), np.uint8)).size == (6, 5)
    assert array_to_image(np.zeros((5, 6), np.uint8)).mode == "RGB"
    with pytest.raises(ValueError, match="uint8"):
        array_to_image(np.zeros((5, 6, 3), np.float32))
    with pytest.raises(ValueError, match="HxWx3"):
        array_to_image(np.zeros((5, 6, 2), np.uint8))


def test_eval_transform_size_and_range():
    cfg = {"input_size": (3, 32, 48), "mean": (0.5,) * 3, "std": (0.5,) * 3, "interpolation": "bilinear"}
    x = eval_transform(cfg)(Image.new("RGB", (100, 80), (255, 0, 128)))
    assert x.shape == (3, 32, 48)
    assert x[0].min() == 1.0 and x[1].max() == -1.0
    assert torch_close(denormalize(normalize(x, cfg), cfg), x)


def torch_close(a, b) -> bool:
    return bool((a - b).abs().max() < 1e-6)
