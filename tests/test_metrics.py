"""disgrl.metrics against scikit-learn, an independent EER, and degenerate inputs."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from disgrl import metrics

sk = pytest.importorskip("sklearn.metrics", reason="scikit-learn (a dev dependency) is the reference")


def _cases(seed: int, n_cases: int = 40):
    """(labels, scores) pairs with both classes: continuous scores, heavy ties, all-equal scores."""
    rng = np.random.default_rng(seed)
    for i in range(n_cases):
        n = int(rng.integers(2, 80))
        y = rng.integers(0, 2, n)
        y[0], y[1] = 0, 1
        s = np.clip(rng.random(n) * 0.6 + 0.4 * y, 0, 1)  # informative but overlapping
        if i % 3 == 1:
            s = np.round(s, 1)  # heavy ties
        if i % 10 == 9:
            s = np.full(n, 0.7)  # all equal
        yield y, s


def _brute_force_eer(y, s) -> float:
    """EER by densely sampling the piecewise-linear ROC curve of sklearn (no crossing search)."""
    fpr, tpr, _ = sk.roc_curve(y, s, drop_intermediate=False)
    knots = np.arange(fpr.size)
    grid = np.linspace(0, fpr.size - 1, 200_001)
    f = np.interp(grid, knots, fpr)
    m = np.interp(grid, knots, 1 - tpr)
    k = int(np.argmin(np.abs(m - f)))
    return float((f[k] + m[k]) / 2)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_sklearn(seed):
    for y, s in _cases(seed):
        assert metrics.roc_auc(y, s) == pytest.approx(sk.roc_auc_score(y, s), abs=1e-12)
        assert metrics.average_precision(y, s) == pytest.approx(sk.average_precision_score(y, s), abs=1e-12)
        assert metrics.accuracy(y, s) == pytest.approx(sk.accuracy_score(y, s >= 0.5))
        for drop in (True, False):
            ours = metrics.roc_curve(y, s, drop_intermediate=drop)
            ref = sk.roc_curve(y, s, drop_intermediate=drop)
            for a, b in zip(ours, ref):
                np.testing.assert_allclose(a, b)


@pytest.mark.parametrize("seed", [0, 1])
def test_eer_matches_brute_force(seed):
    for y, s in _cases(seed, n_cases=20):
        assert metrics.eer(y, s) == pytest.approx(_brute_force_eer(y, s), abs=1e-3)


def test_eer_known_values():
    assert metrics.eer([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == 0.0  # separable
    assert metrics.eer([0, 0, 1, 1], [0.9, 0.8, 0.2, 0.1]) == 1.0  # inverted
    assert metrics.eer([0, 1, 0, 1], [0.5] * 4) == 0.5  # all equal: the diagonal
    # an operating point with FPR = FNR = 0.5 exactly
    assert metrics.eer([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9]) == 0.5
    # crossing inside the segment (FPR, FNR) = (0, 2/3) -> (1, 2/3): interpolated to 2/3
    assert metrics.eer([1, 0, 1, 1], [0.9, 0.8, 0.3, 0.2]) == pytest.approx(2 / 3)


def test_ties_count_half():
    # one real and one fake with the same score: AUC 0.5; ranks averaged like Mann-Whitney
    assert metrics.roc_auc([0, 1], [0.3, 0.3]) == 0.5
    y = np.array([0, 0, 1, 1, 1])
    s = np.array([0.2, 0.5, 0.5, 0.5, 0.9])
    pos, neg = s[y == 1], s[y == 0]
    mann_whitney = np.mean([(p > n) + 0.5 * (p == n) for p in pos for n in neg])
    assert metrics.roc_auc(y, s) == pytest.approx(mann_whitney)


@pytest.mark.parametrize(
    ("labels", "scores"),
    [([], []), ([0, 0, 0], [0.1, 0.6, 0.3]), ([1, 1], [0.2, 0.9]), ([1], [0.4])],
    ids=["empty", "only-real", "only-fake", "single"],
)
def test_degenerate_inputs_are_nan_without_warnings(labels, scores):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = metrics.compute_metrics(labels, scores, videos=[f"v{i}" for i in range(len(labels))])
        for fn in (metrics.roc_auc, metrics.eer, metrics.average_precision):
            assert math.isnan(fn(labels, scores))
        metrics.roc_curve(labels, scores)
    assert math.isnan(out["auc"]) and math.isnan(out["eer"]) and math.isnan(out["ap"])
    assert out["n"] == len(labels) and out["n_real"] + out["n_fake"] == len(labels)
    assert math.isnan(out["acc"]) == (len(labels) == 0)


def test_accuracy_threshold_is_inclusive():
    assert metrics.accuracy([1, 0], [0.5, 0.49]) == 1.0
    assert metrics.accuracy([1, 0], [0.5, 0.49], threshold=0.6) == 0.5


def test_video_level_means_frame_probabilities():
    scores = [0.2, 0.4, 0.9, 0.7, 0.1]
    labels = [0, 0, 1, 1, 0]
    videos = ["real/a", "real/a", "fake/b", "fake/b", "real/c"]
    out = metrics.video_level(scores, labels, videos)
    assert out.videos == ["fake/b", "real/a", "real/c"]
    np.testing.assert_allclose(out.scores, [0.8, 0.3, 0.1])
    assert out.labels.tolist() == [1, 0, 0] and out.frames.tolist() == [2, 2, 1]


def test_video_level_errors():
    with pytest.raises(ValueError, match="'v1' has both real and fake"):
        metrics.video_level([0.1, 0.9], [0, 1], ["v1", "v1"])
    with pytest.raises(ValueError, match="no video id"):
        metrics.video_level([0.1, 0.9], [0, 1], ["v1", None])
    with pytest.raises(ValueError, match="differ in length"):
        metrics.video_level([0.1, 0.9], [0, 1], ["v1"])


def test_compute_metrics_keys_and_video_prefix():
    labels = [0, 0, 1, 1, 0, 1]
    scores = [0.1, 0.6, 0.8, 0.4, 0.3, 0.7]
    videos = ["a", "a", "b", "b", "c", "d"]
    out = metrics.compute_metrics(labels, scores, videos=videos)
    frame_keys = {"acc", "auc", "eer", "ap", "n", "n_real", "n_fake"}
    assert set(out) == frame_keys | {f"video_{k}" for k in frame_keys}
    assert out["n"] == 6 and out["n_real"] == 3 and out["n_fake"] == 3
    assert out["video_n"] == 4 and out["video_n_real"] == 2 and out["video_n_fake"] == 2
    assert out["auc"] == pytest.approx(sk.roc_auc_score(labels, scores))
    assert out["video_auc"] == pytest.approx(sk.roc_auc_score([0, 1, 0, 1], [0.35, 0.6, 0.3, 0.7]))
    assert isinstance(out["acc"], float) and isinstance(out["n"], int)
    # no video ids (a folder dataset without video_from): frame metrics only
    assert set(metrics.compute_metrics(labels, scores, videos=[None] * 6)) == frame_keys


def test_input_validation():
    with pytest.raises(ValueError, match="0 \\(real\\) or 1 \\(fake\\)"):
        metrics.roc_auc([0, 2], [0.1, 0.2])
    with pytest.raises(ValueError, match="differ in length"):
        metrics.accuracy([0, 1], [0.1])
    with pytest.raises(ValueError, match="finite"):
        metrics.eer([0, 1], [0.1, float("nan")])
    # swapped arguments of video_level (labels where scores go) are caught by the label check
    with pytest.raises(ValueError, match="labels must be"):
        metrics.video_level([0, 1], [0.2, 0.9], ["a", "b"])


def test_per_method_auc_scores_each_method_against_all_reals():
    labels = [0, 0, 0, 1, 1, 1, 1]
    scores = [0.1, 0.2, 0.9, 0.95, 0.3, 0.5, 0.05]
    methods = ["real", "real", "real", "splice", "splice", "inpaint", "inpaint"]
    got = metrics.per_method_auc(labels, scores, methods)
    assert list(got) == ["inpaint", "splice"]
    assert got["splice"] == pytest.approx(metrics.roc_auc([0, 0, 0, 1, 1], [0.1, 0.2, 0.9, 0.95, 0.3]))
    assert got["inpaint"] == pytest.approx(metrics.roc_auc([0, 0, 0, 1, 1], [0.1, 0.2, 0.9, 0.5, 0.05]))
    with pytest.raises(ValueError, match="one per sample"):
        metrics.per_method_auc(labels, scores, methods[:-1])
