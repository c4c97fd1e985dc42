"""``DisGRLDetector``: score images as real or fake and show where, from any kind of input."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import Tensor, nn

from ._detector_faces import VideoPrediction, predict_video, score_faces_of_batch
from .inputs import InputItem, expand_inputs, iter_batches
from .io import DEFAULT_MAX_PIXELS, ImageLoadError
from .maps import render_panel, save_panel
from .transforms import denormalize, eval_transform, normalize


@dataclass
class Prediction:
    """The verdict for one input.

    Attributes:
        source: the file path, or ``<image i>`` / ``<array i>`` / ``<tensor i[b]>`` for in-memory inputs.
        label: ``"real"`` or ``"fake"`` (``None`` when the input could not be scored).
        score: P(fake) in [0, 1] (``None`` when not scored).
        error: why the input could not be scored (``on_error="skip"``), else ``None``.
        image: with ``return_maps``: the input as ``HxWx3`` uint8 at its own resolution.
        rec1, rec2: with ``return_maps``: reconstructions X̂1, X̂2 as ``HxWx3`` float in [0, 1],
            resized to the input's resolution (``None`` for a model without that head).
        diff1, diff2: with ``return_maps``: ``|X - X̂k|`` (``HxWx3`` float, Eq. 9 / Fig. 5).
    """

    source: str
    label: str | None = None
    score: float | None = None
    error: str | None = None
    image: np.ndarray | None = field(default=None, repr=False)
    rec1: np.ndarray | None = field(default=None, repr=False)
    rec2: np.ndarray | None = field(default=None, repr=False)
    diff1: np.ndarray | None = field(default=None, repr=False)
    diff2: np.ndarray | None = field(default=None, repr=False)
    faces: list[FacePrediction] | None = None
    no_face: bool = False

    @property
    def ok(self) -> bool:
        """Whether the input was read (a ``no_face`` image is ok but has no score)."""
        return self.error is None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (no maps)."""
        out: dict[str, Any] = {"source": self.source, "label": self.label, "score": self.score, "error": self.error}
        if self.faces is not None:
            out["no_face"] = self.no_face
            out["faces"] = [f.to_dict() for f in self.faces]
        return out


@dataclass
class FacePrediction(Prediction):
    """The verdict for one detected face: ``box`` (x0, y0, x1, y1) in the image, the face
    detector's ``detection_score``, and (with ``return_maps``) maps of the face crop."""

    box: tuple[float, float, float, float] | None = None
    detection_score: float | None = None

    def to_dict(self) -> dict[str, Any]:
        box = None if self.box is None else [round(float(v), 1) for v in self.box]
        return {"box": box, "label": self.label, "score": self.score, "detection_score": self.detection_score}


_AUTOCAST = {"bf16": torch.bfloat16, "bfloat16": torch.bfloat16, "fp16": torch.float16, "float16": torch.float16}


class DisGRLDetector:
    """A model plus its data config, ready to score images.

    Args:
        model: a DisGRL model (any ``nn.Module`` returning a ``DisGRLOutput``).
        data_config: input size, mean/std, interpolation; defaults to ``model.data_config``.
        device: defaults to CUDA when available, else CPU.
        autocast: ``None`` (full precision), ``"bf16"`` or ``"fp16"`` mixed precision.
        channels_last: run convolutions in NHWC memory format (faster on recent GPUs).
        label_names: class names, index 0 first; defaults to the model's (``("real", "fake")``).
        max_pixels: refuse larger image files (checked before decoding).
        num_workers: threads that decode images while the model runs (0 = in the main thread).
        compile: run the model through ``torch.compile`` (the first batch of each new shape
            compiles, which takes tens of seconds; see docs/export.md). ``self.model`` stays
            the eager module.
    """

    def __init__(
        self,
        model: nn.Module,
        data_config: dict[str, Any] | None = None,
        *,
        device: str | torch.device | None = None,
        autocast: str | torch.dtype | None = None,
        channels_last: bool = False,
        label_names: tuple[str, ...] | list[str] | None = None,
        max_pixels: int | None = DEFAULT_MAX_PIXELS,
        num_workers: int = 0,
        compile: bool = False,
    ) -> None:
        self.device = torch.device(device) if device is not None else _default_device()
        if isinstance(autocast, str):
            if autocast.lower() not in _AUTOCAST:
                raise ValueError(f"autocast must be None, 'bf16' or 'fp16', got {autocast!r}")
            autocast = _AUTOCAST[autocast.lower()]
        self.autocast_dtype: torch.dtype | None = autocast
        self.channels_last = channels_last
        self.model = model.eval().to(self.device)
        if channels_last:
            self.model = self.model.to(memory_format=torch.channels_last)
        self.compiled = compile
        self._run: Any = torch.compile(self.model) if compile else self.model
        pcfg = dict(getattr(model, "pretrained_cfg", {}) or {})
        self.data_config = dict(data_config or getattr(model, "data_config", None) or {})
        self.label_names = tuple(label_names or pcfg.get("label_names") or ("real", "fake"))
        self.max_pixels = max_pixels
        self.num_workers = num_workers
        self._transform = eval_transform(self.data_config)

    @classmethod
    def from_pretrained(cls, ref: str | os.PathLike, **kwargs: Any) -> DisGRLDetector:
        """Same as :func:`disgrl.load_pretrained`."""
        from ._hub import load_pretrained

        return load_pretrained(ref, **kwargs)

    def __repr__(self) -> str:
        arch = (getattr(self.model, "pretrained_cfg", {}) or {}).get("architecture", type(self.model).__name__)
        return f"DisGRLDetector({arch}, device={self.device}, autocast={self.autocast_dtype}, input={self.data_config.get('input_size')})"

    # ------------------------------------------------------------------------ preprocessing
    def preprocess(self, image: Image.Image | Tensor) -> Tensor:
        """One RGB image (PIL, or float CHW tensor in [0, 1]) -> the normalised model input."""
        if isinstance(image, Image.Image):
            return self._transform(image)
        _, h, w = self.data_config.get("input_size", (3, 299, 299))
        if tuple(image.shape[-2:]) != (h, w):
            image = F.interpolate(image[None], size=(h, w), mode="bilinear", align_corners=False, antialias=True)[0]
        return normalize(image, self.data_config)

    # ---------------------------------------------------------------------------- predict
    def predict(
        self,
        inputs: Any,
        *,
        batch_size: int = 32,
        threshold: float = 0.5,
        return_maps: bool = False,
        on_error: str = "raise",
        faces: bool = False,
        face_detector: Any = None,
        face_margin: float = 1.3,
        max_faces: int | None = None,
    ) -> list[Prediction]:
        """Score ``inputs``; one :class:`Prediction` per image, in input order.

        Args:
            inputs: a path, a directory, a glob, a list of those, PIL images, ``HxWx3`` uint8
                arrays, ``CHW``/``BCHW`` tensors (float in [0, 1] or uint8).
            batch_size: images per forward pass (memory holds one batch at a time).
            threshold: score at or above which the label is ``"fake"``.
            return_maps: also return the reconstructions and difference maps.
            on_error: ``"raise"``: the first unusable input raises (naming it); ``"skip"``: it
                gets a Prediction with ``error`` set and the rest are still scored.
            faces: detect faces (``disgrl[faces]``) and score each face crop (FaceForensics++
                style: ``face_margin`` x the face box, square, resized to the input size).
                Each Prediction then lists its ``faces`` (box, score, label); the image's score
                is the **max over its faces** (one fake face makes a fake image). An image with
                no face gets ``no_face=True`` and no label or score — it is not called "real".
            face_detector: a backend name (``"dlib"``, ``"haar"``), a
                :class:`~disgrl.faces.FaceDetectorBackend`, or ``None`` for the default.
            face_margin: crop side as a multiple of the face box's longer side.
            max_faces: score at most this many faces per image (largest first).
        """
        if on_error not in ("raise", "skip"):
            raise ValueError(f"on_error must be 'raise' or 'skip', got {on_error!r}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        items = expand_inputs(inputs, self.max_pixels)
        results: list[Prediction] = []
        detector = None
        if faces:
            from .faces import resolve_detector

            detector = resolve_detector(face_detector)
        for batch, loaded in self._load_batches(items, batch_size):
            if faces:
                results.extend(
                    score_faces_of_batch(
                        self, batch, loaded, threshold=threshold, return_maps=return_maps, on_error=on_error,
                        detector=detector, margin=face_margin, max_faces=max_faces, batch_size=batch_size,
                    )
                )  # fmt: skip
            else:
                results.extend(self._score_batch(batch, loaded, threshold, return_maps, on_error))
        return results

    def predict_video(
        self,
        path: str | os.PathLike,
        *,
        frames: int | None = 32,
        faces: bool = True,
        batch_size: int = 32,
        threshold: float = 0.5,
        return_maps: bool = False,
        on_error: str = "raise",
        face_detector: Any = None,
        face_margin: float = 1.3,
    ) -> VideoPrediction:
        """Score a video: ``frames`` frames sampled evenly (``disgrl[video]``), scored in batches.

        With ``faces=True`` (the default: DisGRL is trained on face crops) the largest face of
        each frame is cropped and scored, frames without a face are left out, and a video with
        no face at all is reported with ``no_face=True`` (no label, no score). With
        ``faces=False`` whole frames are scored. The video's score is the **mean P(fake) over
        the scored frames**, the usual video-level protocol; ``frames`` of the result holds
        the per-frame scores (and faces).
        """
        return predict_video(
            self, path, frames=frames, faces=faces, batch_size=batch_size, threshold=threshold,
            return_maps=return_maps, on_error=on_error, face_detector=face_detector, face_margin=face_margin,
        )  # fmt: skip

    __call__ = predict

    def _load_batches(
        self, items: list[InputItem], batch_size: int
    ) -> Iterator[tuple[list[InputItem], list[Image.Image | Tensor | Exception]]]:
        def load(item: InputItem) -> Image.Image | Tensor | Exception:
            if item.error is not None:
                return ValueError(f"{item.source}: {item.error}")
            try:
                return item.load()  # type: ignore[misc]
            except (ImageLoadError, ValueError, OSError) as e:
                return e

        batches = list(iter_batches(items, batch_size))
        if self.num_workers <= 0:
            for batch in batches:
                yield batch, [load(it) for it in batch]
            return
        with ThreadPoolExecutor(self.num_workers) as pool:
            # Decode at most one batch ahead of the model: memory stays bounded.
            def submit(b: list[InputItem]) -> list[Future]:
                return [pool.submit(load, it) for it in b]

            ahead = submit(batches[0]) if batches else []
            for k, batch in enumerate(batches):
                current = ahead
                ahead = submit(batches[k + 1]) if k + 1 < len(batches) else []
                yield batch, [f.result() for f in current]

    def _score_batch(
        self,
        batch: list[InputItem],
        loaded: list[Image.Image | Tensor | Exception],
        threshold: float,
        return_maps: bool,
        on_error: str,
    ) -> list[Prediction]:
        preds: list[Prediction] = [Prediction(item.source) for item in batch]
        tensors, keep, originals = [], [], []
        for i, (item, obj) in enumerate(zip(batch, loaded)):
            if not isinstance(obj, Exception):
                try:
                    tensors.append(self.preprocess(obj))
                    keep.append(i)
                    originals.append(obj)
                    continue
                except (ValueError, RuntimeError) as e:
                    obj = e
            if on_error == "raise":
                if isinstance(obj, ImageLoadError) or item.source in str(obj):
                    raise obj
                raise ValueError(f"{item.source}: {obj}") from obj
            preds[i].error = str(obj)
        if not tensors:
            return preds
        x = torch.stack(tensors).to(self.device)
        out = self._forward(x)
        scores = self._scores(out.logits)
        for j, i in enumerate(keep):
            s = float(scores[j])
            preds[i].score = s
            preds[i].label = self.label_names[1] if s >= threshold else self.label_names[0]
        if return_maps:
            self._attach_maps(preds, keep, originals, x, out)
        return preds

    def _forward(self, x: Tensor) -> Any:
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        ctx = (
            torch.autocast(self.device.type, dtype=self.autocast_dtype)
            if self.autocast_dtype is not None
            else contextlib.nullcontext()
        )
        with torch.inference_mode(), ctx:
            return self._run(x)

    @staticmethod
    def _scores(logits: Tensor) -> Tensor:
        logits = logits.float()
        if logits.shape[1] == 1:
            return torch.sigmoid(logits[:, 0]).cpu()
        return torch.softmax(logits, dim=1)[:, 1].cpu()

    def _attach_maps(self, preds: list[Prediction], keep: list[int], originals: list[Any], x: Tensor, out: Any) -> None:
        x01 = denormalize(x.float(), self.data_config).clamp(0, 1)
        recs = {}
        for name in ("rec1", "rec2"):
            rec = getattr(out, name, None)
            recs[name] = None if rec is None else denormalize(rec.float(), self.data_config).clamp(0, 1)
        for j, i in enumerate(keep):
            orig = originals[j]
            if isinstance(orig, Image.Image):
                image = np.asarray(orig.convert("RGB"))
            else:
                image = (orig.permute(1, 2, 0).numpy() * 255 + 0.5).astype(np.uint8)
            size = image.shape[:2]
            preds[i].image = image
            for k, name in ((1, "rec1"), (2, "rec2")):
                rec = recs[name]
                if rec is None:
                    continue
                diff = (x01[j] - rec[j]).abs()
                setattr(preds[i], name, _to_hwc(rec[j], size))
                setattr(preds[i], f"diff{k}", _to_hwc(diff, size))

    # ------------------------------------------------------------------------------- maps
    def save_maps(self, prediction: Prediction, path: str | os.PathLike, tile_height: int = 299) -> Path:
        """Write a PNG panel — input, Rec-1, Rec-2, Diff-1, Diff-2 (heat map over the image).

        ``prediction`` must come from ``predict(..., return_maps=True)``. Written atomically.
        """
        if prediction.image is None:
            raise ValueError(
                f"{prediction.source}: no maps in this prediction; call predict(..., return_maps=True)"
                + (f" (it failed: {prediction.error})" if prediction.error else "")
            )
        title = f"{prediction.source}: {prediction.label} (P(fake) = {prediction.score:.3f})"
        panel = render_panel(
            prediction.image, prediction.rec1, prediction.rec2, prediction.diff1, prediction.diff2, title, tile_height
        )
        return save_panel(panel, path)


def _to_hwc(t: Tensor, size: tuple[int, int]) -> np.ndarray:
    """A CHW float tensor resized (bilinear) to ``size`` as an HxWx3 float32 array."""
    if tuple(t.shape[-2:]) != tuple(size):
        t = F.interpolate(t[None], size=size, mode="bilinear", align_corners=False)[0]
    return t.permute(1, 2, 0).cpu().numpy().astype(np.float32)


def _default_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
