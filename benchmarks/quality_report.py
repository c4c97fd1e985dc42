"""Aggregation and Markdown tables for ``benchmarks/quality.py`` (no torch import).

A metric measured over several seeds is reported as ``mean ± std`` (sample standard deviation,
``ddof=1``) with its min–max range kept in the JSON; one seed gives the value alone.
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


def differs(a: dict[str, Any], b: dict[str, Any]) -> bool | None:
    """Whether two aggregates' means differ by more than the larger of their spreads (std, or
    half the min–max range when larger). ``None`` when either has a single value (no spread)."""

    def spread(x: dict[str, Any]) -> float | None:
        if x.get("std") is None:
            return None
        return max(x["std"], (x["max"] - x["min"]) / 2)

    sa, sb = spread(a), spread(b)
    if sa is None or sb is None:
        return None
    return abs(a["mean"] - b["mean"]) > max(sa, sb)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def summarize(runs: Sequence[dict[str, Any]], families: Sequence[str]) -> dict[str, Any]:
    """Per-row aggregates over seeds.

    ``intra[row]``: ``acc``/``auc``/``eer`` and ``per_family_auc[family]``.
    ``cross[row]``: ``auc[held_out]``, ``acc[held_out]`` and ``average`` (the mean over held-out
    families, computed per seed and then aggregated over the seeds that have every family).
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
        cross[row] = entry
    return {"intra": intra, "cross": cross}


def intra_table(summary: dict[str, Any], labels: dict[str, str]) -> str:
    """ACC / AUC / EER per row (Table 5's layout)."""
    rows = []
    for row, s in summary["intra"].items():
        rows.append([labels.get(row, row), fmt(s["acc"]), fmt(s["auc"]), fmt(s["eer"]), str(len(s["seeds"]))])
    return _table(["model", "ACC ↑", "AUC ↑", "EER ↓", "seeds"], rows)


def family_table(summary: dict[str, Any], labels: dict[str, str], families: Sequence[str]) -> str:
    """Intra-protocol AUC of each family's fakes against all test reals."""
    rows = [
        [labels.get(row, row)] + [fmt(s["per_family_auc"][f]) for f in families] for row, s in summary["intra"].items()
    ]
    return _table(["model", *families], rows)


def cross_table(summary: dict[str, Any], labels: dict[str, str], families: Sequence[str]) -> str:
    """Leave-one-family-out AUC: one column per held-out family, plus the average; for each model
    also its intra-protocol AUC on the same family (seen in training) as a reference row."""
    rows = []
    for row, s in summary["cross"].items():
        rows.append([labels.get(row, row) + " — unseen"] + [fmt(s["auc"][f]) for f in families] + [fmt(s["average"])])
        if row in summary["intra"]:
            seen = summary["intra"][row]["per_family_auc"]
            avg = aggregate(
                statistics.fmean(v) for v in zip(*(seen[f]["values"] for f in families)) if len(v) == len(families)
            )
            rows.append([labels.get(row, row) + " — seen (intra)"] + [fmt(seen[f]) for f in families] + [fmt(avg)])
    return _table(["model (held-out family)", *families, "average"], rows)
