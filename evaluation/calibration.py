"""Calibration metrics for per-cell confidence: ECE (own code), Brier, reliability.

The review-budget curve and the threshold chosen on it live with the calibrator that uses them
(``nianbao.models.calibrator``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

N_BINS = 10


def reliability_table(confidence: Sequence[float], correct: Sequence[bool], n_bins: int = N_BINS) -> list[dict]:
    """Equal-width bins over [0, 1]: count, mean confidence and accuracy per bin (empty bins kept)."""
    conf = np.asarray(confidence, dtype=float)
    hit = np.asarray(correct, dtype=float)
    bins = np.minimum((conf * n_bins).astype(int), n_bins - 1)
    counts = np.bincount(bins, minlength=n_bins)
    conf_sum = np.bincount(bins, weights=conf, minlength=n_bins)
    hit_sum = np.bincount(bins, weights=hit, minlength=n_bins)
    table = []
    for b in range(n_bins):
        n = int(counts[b])
        table.append(
            {
                "bin": f"{b / n_bins:.1f}-{(b + 1) / n_bins:.1f}",
                "n": n,
                "confidence": float(conf_sum[b] / n) if n else None,
                "accuracy": float(hit_sum[b] / n) if n else None,
            }
        )
    return table


def expected_calibration_error(confidence: Sequence[float], correct: Sequence[bool], n_bins: int = N_BINS) -> float:
    """ECE = Σ_b (n_b / N) · |accuracy_b − confidence_b| over equal-width bins."""
    table = reliability_table(confidence, correct, n_bins)
    total = sum(row["n"] for row in table)
    if not total:
        return float("nan")
    return float(sum(row["n"] / total * abs(row["accuracy"] - row["confidence"]) for row in table if row["n"]))


def brier_score(confidence: Sequence[float], correct: Sequence[bool]) -> float:
    conf = np.asarray(confidence, dtype=float)
    hit = np.asarray(correct, dtype=float)
    return float(np.mean((conf - hit) ** 2)) if len(conf) else float("nan")
