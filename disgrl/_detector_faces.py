"""Face-level and video-level prediction for :class:`~disgrl.DisGRLDetector` (``disgrl[faces]``)."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image
from torch import Tensor

from .inputs import InputItem

if TYPE_CHECKING:
    from .detector import DisGRLDetector, FacePrediction, Prediction


@dataclass
class FramePrediction:
    """One sampled video frame: its ``index`` and ``timestamp`` (s), P(fake) of the frame (the
    max over its faces with ``faces=True``; ``None`` when no face was found) and its faces."""

    index: int
    timestamp: float
    score: float | None = None
    label: str | None = None
    faces: list[FacePrediction] | None = None
    no_face: bool = False

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "index": self.index,
            "timestamp": round(self.timestamp, 3),
            "score": self.score,
            "label": self.label,
        }
        if self.faces is not None:
            out["no_face"] = self.no_face
            out["faces"] = [f.to_dict() for f in self.faces]
        return out


@dataclass
class VideoPrediction:
    """The verdict for a video: ``score`` is the mean P(fake) over the frames that were scored
    (the usual video-level protocol); ``no_face`` when ``faces=True`` found a face in no frame."""

    source: str
    label: str | None = None
    score: float | None = None
    frames: list[FramePrediction] = field(default_factory=list)
    no_face: bool = False
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def frame_scores(self) -> list[float | None]:
        return [f.score for f in self.frames]

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source, "label": self.label, "score": self.score, "no_face": self.no_face,
            "error": self.error, "frames": [f.to_dict() for f in self.frames],
        }  # fmt: skip


def _as_pil(obj: Image.Image | Tensor) -> Image.Image:
    if isinstance(obj, Image.Image):
        return obj
    return Image.fromarray((obj.permute(1, 2, 0).numpy() * 255 + 0.5).astype(np.uint8))


def _crop_size(det: DisGRLDetector) -> tuple[int, int]:
    _, h, w = det.data_config.get("input_size", (3, 299, 299))
    return int(w), int(h)


def score_crops(
    det: DisGRLDetector, source: str, found: list[tuple[Any, Image.Image]], batch_size: int, threshold: float,
    return_maps: bool,
) -> list[FacePrediction]:  # fmt: skip
    """Score face crops (``(Face, crop)`` pairs) in batches."""
    from .detector import FacePrediction, Prediction

    out: list[FacePrediction] = []
    for start in range(0, len(found), batch_size):
        chunk = found[start : start + batch_size]
        items = [InputItem(f"{source}#face{start + k}") for k in range(len(chunk))]
        preds = det._score_batch(items, [crop for _, crop in chunk], threshold, return_maps, "raise")
        for (face, _), p in zip(chunk, preds):
            values = {f.name: getattr(p, f.name) for f in dataclasses.fields(Prediction)}
            out.append(FacePrediction(**values, box=tuple(face.box), detection_score=face.score))
    return out


def score_faces_of_batch(
    det: DisGRLDetector,
    batch: list[InputItem],
    loaded: list[Any],
    *,
    threshold: float,
    return_maps: bool,
    on_error: str,
    detector: Any,
    margin: float,
    max_faces: int | None,
    batch_size: int,
) -> list[Prediction]:
    """Detect the faces of each loaded image, score each face, and take the max per image."""
    from .detector import Prediction
    from .faces import faces_for_prediction

    preds: list[Prediction] = []
    for item, obj in zip(batch, loaded):
        pred = Prediction(item.source, faces=[])
        if isinstance(obj, Exception):
            if on_error == "raise":
                raise obj
            pred.error = str(obj)
            preds.append(pred)
            continue
        found = faces_for_prediction(_as_pil(obj), detector, margin, _crop_size(det), max_faces=max_faces)
        if not found:
            pred.no_face = True
        else:
            pred.faces = score_crops(det, item.source, found, batch_size, threshold, return_maps)
            best = max(pred.faces, key=lambda f: f.score or 0.0)
            pred.score, pred.label = best.score, best.label
        preds.append(pred)
    return preds


def predict_video(
    det: DisGRLDetector,
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
    """See :meth:`DisGRLDetector.predict_video`."""
    from .video import VideoLoadError, sample_frames

    result = VideoPrediction(str(path))
    try:
        if faces:
            from .faces import resolve_detector, video_faces_for_prediction

            sampled = video_faces_for_prediction(
                path, frames, resolve_detector(face_detector), face_margin, _crop_size(det), max_faces=1
            )
            found = [(ff, pair) for ff in sampled for pair in ff.faces]
            scored = score_crops(det, str(path), [pair for _, pair in found], batch_size, threshold, return_maps)
            by_frame: dict[int, list[FacePrediction]] = {}
            for (ff, _), fp in zip(found, scored):
                fp.source = f"{path}@frame{ff.index}"
                by_frame.setdefault(ff.index, []).append(fp)
            for ff in sampled:
                fps = by_frame.get(ff.index, [])
                fr = FramePrediction(ff.index, ff.timestamp, faces=fps, no_face=not fps)
                if fps:
                    fr.score = max(f.score for f in fps)
                result.frames.append(fr)
        else:
            sampled_frames = sample_frames(path, frames)
            preds = det.predict([f.image for f in sampled_frames], batch_size=batch_size, threshold=threshold,
                                return_maps=return_maps)  # fmt: skip
            for f, p in zip(sampled_frames, preds):
                result.frames.append(FramePrediction(f.index, f.timestamp, score=p.score))
    except (VideoLoadError, FileNotFoundError) as e:
        if on_error == "raise":
            raise
        result.error = str(e)
        return result
    scores = [f.score for f in result.frames if f.score is not None]
    for f in result.frames:
        if f.score is not None:
            f.label = det.label_names[1] if f.score >= threshold else det.label_names[0]
    if not scores:
        result.no_face = faces
        return result
    result.score = float(np.mean(scores))
    result.label = det.label_names[1] if result.score >= threshold else det.label_names[0]
    return result
