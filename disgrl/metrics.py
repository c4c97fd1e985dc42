"""Detection metrics in numpy: ACC, ROC AUC, EER, AP, and video-level aggregation.

Conventions: label 1 = fake = the positive class; a score is P(fake), higher = more likely fake.

- ``accuracy``: fraction of samples with ``(score >= threshold) == label``.
- ``roc_auc``: area under the ROC curve by the trapezoid rule over the distinct score thresholds,
  so tied scores count half (the Mann-Whitney statistic with average ranks); equal to
  ``sklearn.metrics.roc_auc_score``.
- ``eer``: the equal error rate, where the false positive rate (real called fake) equals the false
  negative rate (fake called real). The ROC curve is walked threshold by threshold; between the
  two operating points where ``FNR - FPR`` changes sign both rates are interpolated linearly (the
  straight ROC segment between them, which is also what the trapezoid AUC assumes), and the EER is
  the rate where the segment crosses ``FPR = FNR``. An operating point with ``FPR = FNR`` exactly
  gives that value.
- ``average_precision``: ``sum_n (R_n - R_{n-1}) P_n`` over the distinct thresholds (no
  interpolation), equal to ``sklearn.metrics.average_precision_score``.

Degenerate input: with no samples, or with only one class, AUC, EER and AP are undefined and are
returned as ``nan`` (no warning, no exception); ACC of an empty input is ``nan`` too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

ArrayLike = Sequence[float] | np.ndarray

_NAN = float("nan")


def _labels_scores(labels: ArrayLike, scores: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(labels)
    s = np.asarray(scores, dtype=np.float64)
    if y.ndim != 1 or s.ndim != 1:
        raise ValueError(f"labels and scores must be 1-D, got shapes {y.shape} and {s.shape}")
    if y.shape != s.shape:
        raise ValueError(f"labels and scores differ in length: {len(y)} vs {len(s)}")
    if y.size and not np.isin(y, (0, 1)).all():
        bad = y[~np.isin(y, (0, 1))][:3].tolist()
        raise ValueError(f"labels must be 0 (real) or 1 (fake), got values like {bad}")
    if not np.isfinite(s).all():
        raise ValueError(f"scores must be finite, got {int((~np.isfinite(s)).sum())} NaN / inf value(s)")
    return y.astype(np.int64), s


def _binary_curve(y: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """False / true positive counts at each distinct threshold, highest first (sklearn's scheme)."""
    order = np.argsort(s, kind="mergesort")[::-1]
    s, y = s[order], y[order]
    last_of_run = np.r_[np.flatnonzero(np.diff(s)), y.size - 1]
    tps = np.cumsum(y)[last_of_run]
    fps = 1 + last_of_run - tps
    return fps, tps, s[last_of_run]


def _both_classes(y: np.ndarray) -> bool:
    return bool(y.size) and 0 < int(y.sum()) < y.size


def accuracy(labels: ArrayLike, scores: ArrayLike, threshold: float = 0.5) -> float:
    """Fraction of samples where ``score >= threshold`` matches ``label == 1`` (``nan`` when empty)."""
    y, s = _labels_scores(labels, scores)
    if not y.size:
        return _NAN
    return float(np.mean((s >= threshold) == (y == 1)))


def roc_curve(
    labels: ArrayLike, scores: ArrayLike, drop_intermediate: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(fpr, tpr, thresholds)`` as ``sklearn.metrics.roc_curve`` returns them.

    The first point is ``(0, 0)`` at threshold ``inf``. ``drop_intermediate`` drops collinear points
    (the curve and its area are unchanged). A rate whose class is absent is ``nan``; empty input
    gives three empty arrays.
    """
    y, s = _labels_scores(labels, scores)
    if not y.size:
        return np.empty(0), np.empty(0), np.empty(0)
    fps, tps, thresholds = _binary_curve(y, s)
    if drop_intermediate and fps.size > 2:
        keep = np.r_[True, np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), True]
        fps, tps, thresholds = fps[keep], tps[keep], thresholds[keep]
    fps, tps = np.r_[0, fps], np.r_[0, tps]
    thresholds = np.r_[np.inf, thresholds]
    fpr = fps / fps[-1] if fps[-1] > 0 else np.full(fps.shape, _NAN)
    tpr = tps / tps[-1] if tps[-1] > 0 else np.full(tps.shape, _NAN)
    return fpr, tpr, thresholds


def roc_auc(labels: ArrayLike, scores: ArrayLike) -> float:
    """Area under the ROC curve (trapezoid rule, ties count half); ``nan`` with fewer than two classes."""
    y, s = _labels_scores(labels, scores)
    if not _both_classes(y):
        return _NAN
    fpr, tpr, _ = roc_curve(y, s, drop_intermediate=False)
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2.0))


def per_method_auc(
    labels: ArrayLike, scores: ArrayLike, methods: Sequence[str], real: str = "real"
) -> dict[str, float]:
    """AUC of each manipulation method's fakes against all reals (FF++'s per-method table).

    ``methods`` names each sample's method, ``real`` for the reals; methods in sorted order.
    """
    y, s = _labels_scores(labels, scores)
    m = np.asarray(methods)
    if m.shape != y.shape:
        raise ValueError(f"methods: expected {y.shape[0]} names (one per sample), got {m.shape[0]}")
    is_real = m == real
    return {k: roc_auc(y[is_real | (m == k)], s[is_real | (m == k)]) for k in sorted(set(m.tolist()) - {real})}


def eer(labels: ArrayLike, scores: ArrayLike) -> float:
    """Equal error rate: where FPR = FNR on the ROC curve, interpolated linearly between the two
    operating points around the crossing (see the module doc); ``nan`` with fewer than two classes."""
    y, s = _labels_scores(labels, scores)
    if not _both_classes(y):
        return _NAN
    fpr, tpr, _ = roc_curve(y, s, drop_intermediate=False)
    gap = (1.0 - tpr) - fpr  # FNR - FPR: 1 at the first point, -1 at the last, never increasing
    i = int(np.argmax(gap <= 0))
    if gap[i] == 0:
        return float(fpr[i])
    t = gap[i - 1] / (gap[i - 1] - gap[i])
    return float(fpr[i - 1] + t * (fpr[i] - fpr[i - 1]))


def average_precision(labels: ArrayLike, scores: ArrayLike) -> float:
    """Average precision ``sum_n (R_n - R_{n-1}) P_n`` (as ``sklearn.metrics.average_precision_score``);
    ``nan`` with fewer than two classes."""
    y, s = _labels_scores(labels, scores)
    if not _both_classes(y):
        return _NAN
    fps, tps, _ = _binary_curve(y, s)
    precision = tps / (tps + fps)
    recall = tps / tps[-1]
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


class VideoScores(NamedTuple):
    """Per-video results of :func:`video_level`, in sorted video-id order."""

    videos: list[str]
    scores: np.ndarray  # mean frame score per video
    labels: np.ndarray  # the label shared by the video's frames
    frames: np.ndarray  # frames per video


def video_level(scores: ArrayLike, labels: ArrayLike, videos: Sequence[str]) -> VideoScores:
    """Video scores as the mean of their frames' probabilities (the usual video-level protocol).

    Args:
        scores: P(fake) per frame.
        labels: label per frame; all frames of a video must share it.
        videos: video id per frame (no ``None``).

    Raises:
        ValueError: mismatched lengths, a frame without a video id, or a video with mixed labels.
    """
    y, s = _labels_scores(labels, scores)
    if len(videos) != y.size:
        raise ValueError(f"videos and scores differ in length: {len(videos)} vs {y.size}")
    missing = sum(v is None for v in videos)
    if missing:
        raise ValueError(f"{missing} frame(s) have no video id; video-level metrics need one for every frame")
    ids, inverse, counts = np.unique([str(v) for v in videos], return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    sums = np.bincount(inverse, weights=s, minlength=ids.size)
    fakes = np.bincount(inverse, weights=y, minlength=ids.size)
    mixed = np.flatnonzero((fakes > 0) & (fakes < counts))
    if mixed.size:
        raise ValueError(
            f"video {str(ids[mixed[0]])!r} has both real and fake frames ({mixed.size} such video(s)); "
            "a video's frames must share one label"
        )
    return VideoScores([str(v) for v in ids], sums / counts, (fakes > 0).astype(np.int64), counts)


def compute_metrics(
    labels: ArrayLike, scores: ArrayLike, videos: Sequence[str | None] | None = None, threshold: float = 0.5
) -> dict[str, Any]:
    """``acc``, ``auc``, ``eer``, ``ap``, ``n``, ``n_real``, ``n_fake`` of frame scores, and the same
    with a ``video_`` prefix from :func:`video_level` when ``videos`` are given.

    ``videos=None`` or all ``None`` (a dataset without video ids) gives frame metrics only. AUC, EER
    and AP are ``nan`` when a class is missing (see the module doc).
    """
    y, s = _labels_scores(labels, scores)
    out = _summary(y, s, threshold)
    if videos is not None and any(v is not None for v in videos):
        per_video = video_level(s, y, videos)  # type: ignore[arg-type]
        out.update({f"video_{k}": v for k, v in _summary(per_video.labels, per_video.scores, threshold).items()})
    return out


def _summary(y: np.ndarray, s: np.ndarray, threshold: float) -> dict[str, Any]:
    n_fake = int(y.sum())
    return {
        "acc": accuracy(y, s, threshold),
        "auc": roc_auc(y, s),
        "eer": eer(y, s),
        "ap": average_precision(y, s),
        "n": int(y.size),
        "n_real": int(y.size) - n_fake,
        "n_fake": n_fake,
    }
