"""The cell-level calibrator: P(cell value right | evidence), fitted on held-out reports.

Features are the evidence the pipeline keeps for each cell (state, ambiguity of its
placement or split, failed checks, a missing row, the tagger's value probability, the
model probability of the chosen column slots and the decoder's margin to the runner-up). A
logistic regression (scikit-learn) maps them to a calibrated probability; the review
threshold comes from the review-budget curve of the same held-out data. Saved as JSON
(coefficients, threshold), never pickled.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

STATES = ("number", "blank", "na", "missing", "text")
FEATURES = (
    *[f"state_{s}" for s in STATES],
    "ambiguous",
    "differs",
    "check_failed",
    "narrative_failed",
    "row_not_found",
    "split",
    "value_prob",
    "has_value_prob",
    "slot_prob",
    "has_slot_prob",
    "margin",
)


def cell_features(state: str, evidence: dict[str, float]) -> list[float]:
    """The feature vector of one cell (see FEATURES); the failed checks it is involved in are
    evidence too (``check_failed``, ``narrative_failed``, set by ``score_cells``)."""
    value_prob = evidence.get("value_prob")
    slot_prob = evidence.get("slot_prob")
    return [
        *[float(state == s) for s in STATES],
        evidence.get("ambiguous", 0.0),
        evidence.get("differs", 0.0),
        evidence.get("check_failed", 0.0),
        evidence.get("narrative_failed", 0.0),
        evidence.get("row_not_found", 0.0),
        evidence.get("split", 0.0),
        value_prob if value_prob is not None else 0.5,
        float(value_prob is not None),
        slot_prob if slot_prob is not None else 0.5,
        float(slot_prob is not None),
        evidence.get("margin", 1.0),
    ]


def review_budget_curve(confidence: Sequence[float] | np.ndarray, correct: Sequence[bool] | np.ndarray) -> list[dict]:
    """As the threshold moves: share of cells sent to review vs share of wrong cells caught."""
    conf = np.asarray(confidence, dtype=float)
    wrong = ~np.asarray(correct, dtype=bool)
    n, n_wrong = len(conf), int(wrong.sum())
    curve = []
    for threshold in sorted({0.0, *np.round(np.linspace(0.05, 1.0, 20), 2), *np.unique(np.round(conf, 3))}):
        sent = conf < threshold
        curve.append(
            {
                "threshold": float(threshold),
                "reviewed": float(sent.mean()) if n else 0.0,
                "caught": float((sent & wrong).sum() / n_wrong) if n_wrong else 1.0,
            }
        )
    return curve


MAX_REVIEWED = 0.2  # the review share a fitted threshold may ask for: past it a reviewer checks everything


def choose_threshold(curve: list[dict], target_caught: float = 0.9, max_reviewed: float = 1.0) -> float:
    """The smallest threshold that catches ``target_caught`` of the wrong cells while sending at
    most ``max_reviewed`` of all cells to review; when no threshold does both, the one catching
    the most within that budget (the wrong cells a model is sure of cannot be caught by
    reviewing everything it is sure of)."""
    within = [point for point in curve if point["reviewed"] <= max_reviewed]
    for point in within:
        if point["caught"] >= target_caught:
            return point["threshold"]
    if not within:
        return 0.5
    most = max(point["caught"] for point in within)
    return next(point["threshold"] for point in within if point["caught"] == most)


class CellCalibrator:
    """Logistic calibration of cell correctness (scikit-learn estimator contract)."""

    def __init__(self, C: float = 1.0, target_caught: float = 0.9, max_reviewed: float = MAX_REVIEWED) -> None:
        self.C = C
        self.target_caught = target_caught
        self.max_reviewed = max_reviewed

    def fit(self, X: np.ndarray, y: np.ndarray) -> CellCalibrator:
        from sklearn.linear_model import LogisticRegression

        X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=int)
        if len(set(y.tolist())) < 2:  # all right (or all wrong): a constant model
            self.coef_ = np.zeros(X.shape[1])
            rate = float(y.mean()) if len(y) else 1.0
            self.intercept_ = float(np.log(max(rate, 1e-6) / max(1 - rate, 1e-6)))
        else:
            model = LogisticRegression(C=self.C, max_iter=1000).fit(X, y)
            self.coef_, self.intercept_ = model.coef_[0], float(model.intercept_[0])
        curve = review_budget_curve(self.predict_proba(X), y.astype(bool))
        self.threshold_ = float(choose_threshold(curve, self.target_caught, self.max_reviewed))
        self.n_samples_ = int(len(y))
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        z = np.asarray(X, dtype=float) @ self.coef_ + self.intercept_
        return 1.0 / (1.0 + np.exp(-z))

    def save(self, path: Path) -> None:
        data = {
            "features": list(FEATURES),
            "coef": list(map(float, self.coef_)),
            "intercept": self.intercept_,
            "threshold": self.threshold_,
            "n_samples": self.n_samples_,
            "C": self.C,
            "target_caught": self.target_caught,
            "max_reviewed": self.max_reviewed,
        }
        path.write_text(json.dumps(data, indent=1), "utf-8")

    @classmethod
    def load(cls, path: Path) -> CellCalibrator:
        data = json.loads(path.read_text("utf-8"))
        if tuple(data["features"]) != FEATURES:
            raise ValueError(f"{path}: calibrator features do not match this version of nianbao")
        calibrator = cls(data["C"], data["target_caught"], data.get("max_reviewed", MAX_REVIEWED))
        calibrator.coef_ = np.asarray(data["coef"])
        calibrator.intercept_ = data["intercept"]
        calibrator.threshold_ = data["threshold"]
        calibrator.n_samples_ = data["n_samples"]
        return calibrator
