"""disgrl.faces: detection on real face photos, FF++ crop geometry, plug-in backends, video faces."""

from __future__ import annotations

import importlib.util
import math
import pickle
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from disgrl import faces as F
from disgrl.faces import (
    Face,
    FaceDetectorBackend,
    crop_face,
    crop_faces,
    detect_and_crop,
    faces_for_prediction,
    get_face_detector,
)

HAVE = {name: importlib.util.find_spec(mod) is not None for name, mod in (("haar", "cv2"), ("dlib", "dlib"))}
INSTALLED = [name for name, ok in HAVE.items() if ok]

# Hand-set boxes (eyebrows to chin) of the frontal faces in the two test photos.
ASTRONAUT_FACE = (178, 78, 266, 166)
GRACE_FACE = (165, 130, 370, 335)


def _matches(face: Face, box: tuple[float, float, float, float], tol: float = 0.25) -> bool:
    side = max(box[2] - box[0], box[3] - box[1])
    gx, gy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    fx, fy = face.center
    return math.hypot(fx - gx, fy - gy) < tol * side and 0.7 < face.size / side < 1.45


@pytest.fixture(scope="module")
def astronaut() -> Image.Image:
    skimage_data = pytest.importorskip("skimage.data", reason="scikit-image (dev extra) provides the astronaut photo")
    return Image.fromarray(skimage_data.astronaut())


@pytest.fixture(scope="module")
def grace() -> Image.Image:
    cbook = pytest.importorskip("matplotlib.cbook", reason="matplotlib (dev extra) provides grace_hopper.jpg")
    with cbook.get_sample_data("grace_hopper.jpg") as f:
        return Image.open(f).convert("RGB")


@pytest.fixture(scope="module")
def default_detector() -> FaceDetectorBackend:
    try:
        return get_face_detector("default")
    except ImportError as e:
        pytest.skip(f"no face detection backend installed ({e})")


@pytest.fixture(scope="module")
def astronaut_face(astronaut: Image.Image, default_detector: FaceDetectorBackend) -> Face:
    faces = default_detector.detect(astronaut)
    assert len(faces) == 1
    return faces[0]


def _dot_centre(img: Image.Image, colour: tuple[int, int, int]) -> tuple[float, float]:
    """Centroid of the pixels close to ``colour``."""
    a = np.asarray(img).astype(int)
    mask = (np.abs(a - np.array(colour)).sum(axis=2) < 90).astype(float)
    assert mask.sum() > 0, f"no {colour} pixels"
    ys, xs = np.nonzero(mask)
    return float(xs.mean()) + 0.5, float(ys.mean()) + 0.5


def _dot_image(size=(400, 300), dots=(((200, 150), (255, 0, 0)),), r: int = 2) -> Image.Image:
    a = np.full((size[1], size[0], 3), 128, np.uint8)
    for (x, y), c in dots:
        a[y - r : y + r, x - r : x + r] = c
    return Image.fromarray(a)


# --------------------------------------------------------------------------------------------
# detection on real photos


def test_default_backend_finds_every_frontal_face(
    default_detector: FaceDetectorBackend, astronaut: Image.Image, grace: Image.Image, astronaut_face: Face
) -> None:
    assert _matches(astronaut_face, ASTRONAUT_FACE), astronaut_face
    faces = default_detector.detect(grace)
    assert len(faces) == 1 and _matches(faces[0], GRACE_FACE), faces


@pytest.mark.parametrize("name", INSTALLED)
def test_each_installed_backend_finds_the_faces(name: str, astronaut: Image.Image, grace: Image.Image) -> None:
    det = get_face_detector(name)
    assert det.name == name
    for img, box in ((astronaut, ASTRONAUT_FACE), (grace, GRACE_FACE)):
        faces = det.detect(img)
        assert len(faces) == 1 and _matches(faces[0], box), (name, faces)
        assert faces[0].score > 0


@pytest.mark.parametrize("name", INSTALLED)
def test_backends_pickle(name: str) -> None:
    det = get_face_detector(name)
    clone = pickle.loads(pickle.dumps(det))
    assert type(clone) is type(det) and repr(clone) == repr(det)


@pytest.mark.skipif(not HAVE["haar"], reason="OpenCV (disgrl[faces]) is not installed")
def test_haar_eyes_and_alignment(astronaut: Image.Image) -> None:
    det = get_face_detector("haar", eyes=True)
    (face,) = det.detect(astronaut)
    assert face.eyes is not None
    (lx, ly), (rx, ry) = face.eyes
    x0, y0, x1, _ = face.box
    assert x0 < lx < face.center[0] < rx < x1 and y0 < ly < face.center[1] and y0 < ry < face.center[1]
    # the same photo rotated: the eyes are still found, and align=True levels them
    rotated = astronaut.rotate(-20, resample=Image.BICUBIC, center=face.center)
    faces = F.add_eye_landmarks(rotated, [Face(face.box, face.score)])
    assert faces[0].eyes is not None
    assert F.eye_angle(faces[0]) == pytest.approx(20 + F.eye_angle(face), abs=6)


class _Point:
    def __init__(self, x: float, y: float) -> None:
        self.x, self.y = x, y


class _Shape:
    def __init__(self, pts: list[tuple[float, float]]) -> None:
        self.pts = [_Point(x, y) for x, y in pts]

    def parts(self) -> list[_Point]:
        return self.pts


def test_dlib_shape_predictor_eyes() -> None:
    """Eye centres from dlib's 68- and 5-point shapes (the model files are not shipped, so a stand-in)."""
    from disgrl.faces.backends import _with_shape

    face = Face((0, 0, 100, 100), 1.0)
    pts68 = [(0.0, 0.0)] * 68
    pts68[36:42] = [(20 + i, 40) for i in range(6)]  # image-left eye, centre (22.5, 40)
    pts68[42:48] = [(70 + i, 44) for i in range(6)]  # image-right eye, centre (72.5, 44)
    assert _with_shape(face, _Shape(pts68)).eyes == ((22.5, 40), (72.5, 44))
    pts5 = [(80, 40), (66, 40), (20, 42), (34, 42), (50, 70)]  # 0-1: image-right eye, 2-3: image-left
    assert _with_shape(face, _Shape(pts5)).eyes == ((27, 42), (73, 40))
    assert _with_shape(face, _Shape([(1, 1)] * 3)).eyes is None


@pytest.mark.skipif(not HAVE["dlib"], reason="dlib (dlib-bin, disgrl[faces]) is not installed")
def test_dlib_landmarks_model_must_exist(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="not shipped with dlib-bin"):
        get_face_detector("dlib", landmarks_model=str(tmp_path / "shape_predictor_5_face_landmarks.dat"))
    with pytest.raises(ValueError, match="upsample"):
        get_face_detector("dlib", upsample=-1)


def test_missing_backends_say_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "cv2", None)
    monkeypatch.setitem(sys.modules, "dlib", None)
    with pytest.raises(ImportError, match=r'pip install "disgrl\[faces\]"'):
        get_face_detector("haar")
    with pytest.raises(ImportError, match="pip install dlib-bin"):
        get_face_detector("dlib")
    with pytest.raises(ImportError, match=r'no face detection backend is installed.*pip install "disgrl\[faces\]"'):
        get_face_detector("default")
    with pytest.raises(ImportError, match="disgrl"):
        F.add_eye_landmarks(Image.new("RGB", (8, 8)), [])


@pytest.mark.skipif(not HAVE["haar"], reason="OpenCV (disgrl[faces]) is not installed")
def test_default_falls_back_to_haar_without_dlib(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "dlib", None)
    with pytest.warns(UserWarning, match=r"'dlib'\) is not installed, so the 'haar' backend is used"):
        det = get_face_detector("default")
    assert isinstance(det, F.HaarFaceDetector)


def test_import_needs_no_backend() -> None:
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('cv2', 'dlib', 'av', 'torch'):\n"
        "            raise ImportError('blocked ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import disgrl.faces, disgrl.video\n"
        "from disgrl.faces import Face, crop_face\n"
        "from PIL import Image\n"
        "print(crop_face(Image.new('RGB', (50, 50)), Face((10, 10, 30, 30)), size=16).size)\n"
        "try:\n"
        "    disgrl.faces.get_face_detector()\n"
        "except ImportError as e:\n"
        "    print('ImportError:', e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "(16, 16)" in out.stdout
    assert "ImportError: " in out.stdout and 'pip install "disgrl[faces]"' in out.stdout


# --------------------------------------------------------------------------------------------
# Face


def test_face_record() -> None:
    f = Face((10, 20, 50, 100), 0.5, {"left_eye": (20, 40), "right_eye": (40, 40)})
    assert (f.width, f.height, f.size, f.area, f.center) == (40, 80, 80, 3200, (30, 60))
    assert f.square_box(1.3) == pytest.approx((30 - 52, 60 - 52, 30 + 52, 60 + 52))
    assert f.expanded_box(2.0) == pytest.approx((-10, -20, 70, 140))
    g = f.scaled(2).translated(1, 1)
    assert g.box == (21, 41, 101, 201) and g.landmarks == {"left_eye": (41, 81), "right_eye": (81, 81)}
    assert f.to_dict()["box"] == [10, 20, 50, 100]
    for bad in ((10, 10, 5, 20), (0, 0, float("nan"), 1)):
        with pytest.raises(ValueError, match="box"):
            Face(bad)
    with pytest.raises(ValueError, match="margin"):
        f.square_box(0)
    assert F.as_face((1, 2, 3, 4)).box == (1, 2, 3, 4)
    assert F.as_face(((1, 2, 3, 4), 0.7)).score == 0.7
    assert F.as_face({"box": [1, 2, 3, 4]}).box == (1, 2, 3, 4)


def test_non_max_suppression() -> None:
    a, b, c = Face((0, 0, 100, 100), 5), Face((5, 5, 105, 105), 3), Face((200, 0, 260, 60), 1)
    assert F.non_max_suppression([b, c, a]) == [a, c]


# --------------------------------------------------------------------------------------------
# crop geometry


def test_crop_is_centred_and_sized() -> None:
    img = _dot_image()
    face = Face((170, 120, 230, 180))  # 60x60 around the dot at (200, 150)
    crop = crop_face(img, face, size=None)
    assert crop.size == (78, 78)  # 1.3 x 60
    assert _dot_centre(crop, (255, 0, 0)) == pytest.approx((39, 39), abs=1)
    crop = crop_face(img, face, margin=2.0, size=None)
    assert crop.size == (120, 120)
    assert _dot_centre(crop, (255, 0, 0)) == pytest.approx((60, 60), abs=1)
    crop = crop_face(img, Face((170, 105, 230, 195)), size=None)  # 60x90: side from the longer side
    assert crop.size == (117, 117)
    crop = crop_face(img, face)  # default: 299x299
    assert crop.size == (299, 299)
    assert _dot_centre(crop, (255, 0, 0)) == pytest.approx((149.5, 149.5), abs=3)
    assert crop_face(img, face, size=(64, 32)).size == (64, 32)
    crop = crop_face(img, Face((170, 105, 230, 195)), square=False, size=None)
    assert crop.size == (78, 117)
    assert [c.size for c in crop_faces(img, [face, face], size=50)] == [(50, 50), (50, 50)]


def test_crop_pads_at_borders_keeping_the_face_centred() -> None:
    img = _dot_image(dots=(((30, 30), (255, 0, 0)),))
    face = Face((0, 0, 60, 60))  # the crop (side 78) runs 9 px past the top and left borders
    crop = crop_face(img, face, size=None, fill=(0, 0, 255))
    assert crop.size == (78, 78)
    a = np.asarray(crop)
    assert (a[:9, :, 2] == 255).all() and (a[:, :9, 2] == 255).all()  # padding
    assert (a[10:, 10:] == 128).all(axis=2).mean() > 0.95  # image
    assert _dot_centre(crop, (255, 0, 0)) == pytest.approx((39, 39), abs=1)
    # clamp: the box is moved inside the image instead, so the face is off-centre
    crop = crop_face(img, face, size=None, border="clamp", fill=(0, 0, 255))
    assert crop.size == (78, 78) and not (np.asarray(crop)[:, :, 2] == 255).any()
    assert _dot_centre(crop, (255, 0, 0)) == pytest.approx((30, 30), abs=1)
    # a crop larger than the image: clamp shrinks it to the image's shorter side
    big = crop_face(img, Face((100, 50, 350, 300)), size=None, border="clamp")
    assert big.size == (300, 300)
    with pytest.raises(ValueError, match="border"):
        crop_face(img, face, border="wrap")
    with pytest.raises(TypeError, match="PIL"):
        crop_face(np.zeros((10, 10, 3), np.uint8), face)  # type: ignore[arg-type]


def test_align_levels_the_eyes() -> None:
    red, green = (255, 0, 0), (0, 255, 0)
    left, right = (180, 140), (220, 160)  # tilted by atan(20 / 40) = 26.6 degrees
    img = _dot_image(dots=((left, red), (right, green)), r=3)
    face = Face((170, 120, 230, 180), landmarks={"left_eye": left, "right_eye": right})
    assert F.eye_angle(face) == pytest.approx(math.degrees(math.atan2(20, 40)))
    crop = crop_face(img, face, margin=2.0, size=None, align=True)
    (lx, ly), (rx, ry) = _dot_centre(crop, red), _dot_centre(crop, green)
    assert abs(ly - ry) < 1.5 and lx < rx
    assert rx - lx == pytest.approx(math.hypot(40, 20), abs=2)
    with pytest.warns(UserWarning, match="no eye landmarks"):
        crop_face(img, Face((170, 120, 230, 180)), align=True)


# --------------------------------------------------------------------------------------------
# crops of detected faces


def test_detected_face_crop_is_centred(
    astronaut: Image.Image, astronaut_face: Face, default_detector: FaceDetectorBackend
) -> None:
    crop = crop_face(astronaut, astronaut_face, margin=1.3, size=None)
    side = round(1.3 * astronaut_face.size)
    assert abs(crop.size[0] - side) <= 1 and crop.size[0] == crop.size[1]
    # the detector finds the same face in the middle of the crop, filling 1/1.3 of it
    (again,) = default_detector.detect(crop_face(astronaut, astronaut_face, margin=1.3, size=299))
    assert again.center == pytest.approx((149.5, 149.5), abs=12)
    assert again.size / 299 == pytest.approx(1 / 1.3, rel=0.15)


def test_detect_and_crop(astronaut: Image.Image, grace: Image.Image, astronaut_face: Face, tmp_path: Path) -> None:
    pairs = detect_and_crop(astronaut, size=128)
    assert len(pairs) == 1
    face, crop = pairs[0]
    assert face == astronaut_face and crop.size == (128, 128)
    assert detect_and_crop(astronaut, min_face=200) == []
    path = tmp_path / "grace.jpg"
    grace.save(path)
    assert [c.size for _, c in faces_for_prediction(path, size=64)] == [(64, 64)]
    assert len(faces_for_prediction(np.asarray(astronaut), margin=1.0, size=None)) == 1
    noise = Image.fromarray(np.random.default_rng(0).integers(0, 256, (256, 256, 3), dtype=np.uint8))
    assert detect_and_crop(noise) == []


# --------------------------------------------------------------------------------------------
# plug-in backends


class FixedDetector(FaceDetectorBackend):
    """A stand-in for e.g. RetinaFace: returns fixed boxes, largest not first."""

    name = "fixed"

    def detect(self, image: Image.Image) -> list[Face]:
        return [Face((10, 10, 30, 30), 0.6), Face((50, 40, 150, 140), 0.9), Face((200, 200, 210, 210), 0.99)]


def test_custom_backend_plugs_in(monkeypatch: pytest.MonkeyPatch) -> None:
    img = Image.new("RGB", (300, 300), (90, 90, 90))
    pairs = detect_and_crop(img, FixedDetector(), size=64, min_face=15)
    assert [f.box for f, _ in pairs] == [(50, 40, 150, 140), (10, 10, 30, 30)]  # largest first, 10 px face dropped
    assert [c.size for _, c in pairs] == [(64, 64), (64, 64)]
    assert len(detect_and_crop(img, FixedDetector(), max_faces=1)) == 1
    # a plain function, and an object that merely has detect()
    fn = get_face_detector(lambda im: [(0, 0, 100, 100), ((100, 100, 150, 150), 0.3)])
    assert [f.box for f in fn.detect(img)] == [(0, 0, 100, 100), (100, 100, 150, 150)]

    class Duck:
        def detect(self, image: Image.Image) -> list[dict]:
            return [{"box": [5, 5, 105, 105], "score": 0.8}]

    assert faces_for_prediction(img, Duck(), size=32)[0][0].score == 0.8
    # the registry: a name for extract-faces --detector
    monkeypatch.setattr(F.backends, "_REGISTRY", dict(F.backends._REGISTRY))
    F.register_face_detector("fixed", FixedDetector)
    assert "fixed" in F.list_face_detectors()
    assert isinstance(get_face_detector("fixed"), FixedDetector)
    assert isinstance(get_face_detector(FixedDetector), FixedDetector)  # a class is built
    with pytest.raises(ValueError, match="already registered"):
        F.register_face_detector("fixed", FixedDetector)
    with pytest.raises(ValueError, match="unknown face detector 'nope'"):
        get_face_detector("nope")
    with pytest.raises(TypeError, match="detector must be"):
        get_face_detector(42)
    with pytest.raises(TypeError, match="keyword arguments"):
        get_face_detector(FixedDetector(), upsample=1)


# --------------------------------------------------------------------------------------------
# videos


@pytest.fixture(scope="module")
def face_video(tmp_path_factory: pytest.TempPathFactory, astronaut: Image.Image) -> Path:
    from disgrl import video

    if not video.available_backends():
        pytest.skip("neither PyAV nor OpenCV is installed (disgrl[video])")
    head = astronaut.crop((122, 22, 322, 222)).resize((120, 120), Image.BICUBIC)  # face ~ 53 px
    frames = []
    for i in range(20):  # the face drifts 2 px right per frame
        frame = Image.new("RGB", (320, 240), (40, 60, 80))
        frame.paste(head, (80 + 2 * i, 50))
        frames.append(frame)
    return video.write_video(tmp_path_factory.mktemp("faces") / "face.mp4", frames, fps=20)


def test_video_faces(face_video: Path, default_detector: FaceDetectorBackend) -> None:
    result = F.video_faces_for_prediction(face_video, frames=5, size=96)
    assert [r.index for r in result] == [0, 5, 10, 14, 19]
    assert [r.timestamp for r in result] == pytest.approx([0, 0.25, 0.5, 0.7, 0.95], abs=1e-6)
    xs = []
    for r in result:
        assert len(r.faces) == 1
        face, crop = r.faces[0]
        assert crop.size == (96, 96)
        xs.append(face.center[0] - 2 * r.index)  # the face's position in the pasted head
    assert max(xs) - min(xs) < 6  # the detections follow the motion
    assert len(list(F.iter_video_faces(face_video, frames=2))) == 2


def test_warnings_are_not_errors() -> None:
    # align=True on a face without eyes degrades to an unrotated crop with one warning
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        crop = crop_face(Image.new("RGB", (64, 64)), Face((16, 16, 48, 48)), size=32, align=True)
    assert crop.size == (32, 32) and len(caught) == 1
