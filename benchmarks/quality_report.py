"""Aggregation and Markdown tables for ``benchmarks/quality.py`` (no torch import).

A metric measured over several seeds is reported as ``mean ± std`` (sample standard deviation,
``ddof=1``) with its min–max range kept in the JSON; one seed gives the value alone. The seeds
share one test set, so their spread leaves out the test set's own sampling error; the tables
give that too, as the standard error of one AUC (Hanley & McNeil, 1982).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from typing import Any

METRICS = ("acc", "auc", "eer")


def aggregate(values: Iterable[float]) -> dict[str, Any]:
    """``{"mean", "std", "min", "max", "n", "values"}`` of the finite values (NaN / None dropped).

    ``std`` is the sample standard deviation (``ddof=1``), ``None`` with fewer than two values;
    every statistic is ``None`` when no value is finite.
    """
    kept = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    if not kept:
        return {"mean": None, "std": None, "min": None, "max": None, "n": 0, "values": []}
    return {
        "mean": statistics.fmean(kept),
        "std": statistics.stdev(kept) if len(kept) > 1 else None,
        "min": min(kept),
        "max": max(kept),
        "n": len(kept),
        "values": kept,
    }


def fmt(agg: dict[str, Any] | None, digits: int = 3) -> str:
    """``0.912 ± 0.013`` (several seeds), ``0.912`` (one seed) or ``–`` (none)."""
    if not agg or agg.get("mean") is None:
        return "–"
    text = f"{agg['mean']:.{digits}f}"
    if agg.get("std") is not None:
        text += f" ± {agg['std']:.{digits}f}"
    return text


def auc_standard_error(auc: float, n_fake: int, n_real: int) -> float:
    """Standard error of an ROC AUC measured on ``n_fake`` positives and ``n_real`` negatives
    (Hanley & McNeil, 1982); ``nan`` when either count is zero or the AUC is not finite."""
    if not n_fake or not n_real or auc is None or not math.isfinite(auc):
        return float("nan")
    q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
    var = (auc * (1 - auc) + (n_fake - 1) * (q1 - auc * auc) + (n_real - 1) * (q2 - auc * auc)) / (n_fake * n_real)
    return math.sqrt(max(var, 0.0))


def differs(a: dict[str, Any], b: dict[str, Any], floor: float = 0.0) -> bool | None:
    """Whether two aggregates' means differ by more than the larger of their spreads (std, or
    half the min–max range when larger) and ``floor`` (e.g. the test set's standard error).
    ``None`` when either has a single value (no spread)."""

    def spread(x: dict[str, Any]) -> float | None:
        if x.get("std") is None:
            return None
        return max(x["std"], (x["max"] - x["min"]) / 2)

    sa, sb = spread(a), spread(b)
    if sa is None or sb is None:
        return None
    return abs(a["mean"] - b["mean"]) > max(sa, sb, floor)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def summarize(runs: Sequence[dict[str, Any]], families: Sequence[str]) -> dict[str, Any]:
    """Per-row aggregates over seeds.

    ``intra[row]``: ``acc``/``auc``/``eer``, ``per_family_auc[family]``, and ``auc_se`` /
    ``family_auc_se``: the mean test-set standard error of one AUC (all fakes; one family's).
    ``cross[row]``: ``auc[held_out]``, ``acc[held_out]``, ``average`` (the mean over held-out
    families, computed per seed and then aggregated over the seeds that have every family) and
    ``auc_se``.
    """
    intra: dict[str, Any] = {}
    cross: dict[str, Any] = {}
    by_row: dict[str, list[dict[str, Any]]] = {}
    for r in runs:
        if r["protocol"] == "intra":
            by_row.setdefault(r["row"], []).append(r)
    for row, rs in by_row.items():
        intra[row] = {m: aggregate(r["metrics"][m] for r in rs) for m in METRICS}
        intra[row]["per_family_auc"] = {f: aggregate(r["per_family_auc"].get(f) for r in rs) for f in families}
        intra[row]["seeds"] = sorted(r["seed"] for r in rs)
        intra[row]["auc_se"] = _mean_se(_se(r["metrics"], r["metrics"]["n_fake"]) for r in rs)
        intra[row]["family_auc_se"] = _mean_se(
            auc_standard_error(a, _family_n(r, f, len(families)), r["metrics"]["n_real"])
            for r in rs
            for f, a in r["per_family_auc"].items()
        )
    cross_rows: dict[str, list[dict[str, Any]]] = {}
    for r in runs:
        if r["protocol"] == "cross":
            cross_rows.setdefault(r["row"], []).append(r)
    for row, rs in cross_rows.items():
        entry: dict[str, Any] = {"auc": {}, "acc": {}}
        for f in families:
            held = [r for r in rs if r["held_out"] == f]
            entry["auc"][f] = aggregate(r["metrics"]["auc"] for r in held)
            entry["acc"][f] = aggregate(r["metrics"]["acc"] for r in held)
        per_seed: dict[int, dict[str, float]] = {}
        for r in rs:
            per_seed.setdefault(r["seed"], {})[r["held_out"]] = r["metrics"]["auc"]
        complete = [v for v in per_seed.values() if all(f in v for f in families)]
        entry["average"] = aggregate(statistics.fmean(v[f] for f in families) for v in complete)
        entry["seeds"] = sorted(per_seed)
        entry["auc_se"] = _mean_se(_se(r["metrics"], r["metrics"]["n_fake"]) for r in rs)
        cross[row] = entry
    return {"intra": intra, "cross": cross}


def _se(metrics: dict[str, Any], n_fake: int) -> float:
    return auc_standard_error(metrics.get("auc"), n_fake, metrics.get("n_real", 0))


def _family_n(run: dict[str, Any], family: str, n_families: int) -> int:
    """Test fakes of one family: recorded per run, else an even share (exact for the synthetic
    set when ``n`` is a multiple of its block of ``2 × families`` samples)."""
    counts = run.get("per_family_n") or {}
    return int(counts.get(family, run["metrics"]["n_fake"] // max(1, n_families)))


def _mean_se(values: Iterable[float]) -> float | None:
    return aggregate(values)["mean"]


def _se_text(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def intra_table(summary: dict[str, Any], labels: dict[str, str]) -> str:
    """ACC / AUC / EER per row (Table 5's layout), and the test-set standard error of one AUC."""
    rows = []
    for row, s in summary["intra"].items():
        rows.append([labels.get(row, row), fmt(s["acc"]), fmt(s["auc"]), fmt(s["eer"]), _se_text(s.get("auc_se")),
                     str(len(s["seeds"]))])  # fmt: skip
    return _table(["model", "ACC ↑", "AUC ↑", "EER ↓", "AUC s.e. (test set)", "seeds"], rows)


def family_table(summary: dict[str, Any], labels: dict[str, str], families: Sequence[str]) -> str:
    """Intra-protocol AUC of each family's fakes against all test reals."""
    rows = [
        [labels.get(row, row)] + [fmt(s["per_family_auc"][f]) for f in families] + [_se_text(s.get("family_auc_se"))]
        for row, s in summary["intra"].items()
    ]
    return _table(["model", *families, "AUC s.e. (test set)"], rows)


def cross_table(summary: dict[str, Any], labels: dict[str, str], families: Sequence[str]) -> str:
    """Leave-one-family-out AUC: one column per held-out family, plus the average; for each model
    also its intra-protocol AUC on the same family (seen in training) as a reference row."""
    rows = []
    for row, s in summary["cross"].items():
        rows.append(
            [labels.get(row, row) + " — unseen"] + [fmt(s["auc"][f]) for f in families]
            + [fmt(s["average"]), _se_text(s.get("auc_se"))]
        )  # fmt: skip
        if row in summary["intra"]:
            seen = summary["intra"][row]["per_family_auc"]
            avg = aggregate(
                statistics.fmean(v) for v in zip(*(seen[f]["values"] for f in families)) if len(v) == len(families)
            )
            se = summary["intra"][row].get("family_auc_se")
            rows.append(
                [labels.get(row, row) + " — seen (intra)"] + [fmt(seen[f]) for f in families] + [fmt(avg), _se_text(se)]
            )
    return _table(["model (held-out family)", *families, "average", "AUC s.e. (test set)"], rows)
