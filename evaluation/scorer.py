"""Scoring extracted documents against gold: one flat dict of metrics (spaCy-scorer style)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from nianbao.evaluation.calibration import brier_score, expected_calibration_error

Key = tuple[str, str, str]


@dataclass
class CellOutcome:
    """One gold cell against its prediction."""

    case: str
    style: str
    template: str
    key: Key
    gold_value: object
    pred_value: object
    gold_state: str
    pred_state: str
    confidence: float
    pred_start: int | None
    gold_start: int | None
    in_review: bool = False
    gold_ambiguous: bool = False
    reasons: tuple[str, ...] = ()  # the review entry's reasons (empty when not in review)

    @property
    def correct(self) -> bool:
        """Value equal; null equals null (blank, na and missing are scored by ``state_accuracy``)."""
        return self.gold_value == self.pred_value


@dataclass
class Scores:
    outcomes: list[CellOutcome] = field(default_factory=list)
    sections_tp: int = 0
    sections_fp: int = 0
    sections_fn: int = 0
    checks_agree: int = 0
    checks_total: int = 0
    reports: int = 0

    def add(self, case: str, style: str, gold: dict, doc: dict) -> None:
        self.reports += 1
        template = gold["report"]["template"]
        pred = {(c["table"], c["row"], c["col"]): c for c in doc["cells"]}
        review = {(r["table"], r["row"], r["col"]): tuple(r.get("reasons", ())) for r in doc.get("review", [])}
        for cell in gold["cells"]:
            key = (cell["table"], cell["row"], cell["col"])
            got = pred.get(key, {"value": None, "state": "missing", "confidence": 0.0, "start": None})
            self.outcomes.append(
                CellOutcome(
                    case,
                    style,
                    template,
                    key,
                    cell["value"],
                    got["value"],
                    cell["state"],
                    got["state"],
                    float(got.get("confidence", 0.0)),
                    got.get("start"),
                    cell.get("start"),
                    key in review,
                    bool(cell.get("ambiguous")),
                    review.get(key, ()),
                )
            )
        want = {(s["number"], s["start"], s["end"]) for s in gold["sections"]}
        have = {(s["number"], s["start"], s["end"]) for s in doc["sections"]}
        self.sections_tp += len(want & have)
        self.sections_fp += len(have - want)
        self.sections_fn += len(want - have)
        gold_failed = set(gold.get("failed_checks", []))
        for check in doc["checks"]:
            if check["rule"].startswith("narrative."):
                continue
            self.checks_total += 1
            self.checks_agree += (check["ok"] is False) == (check["rule"] in gold_failed)

    def as_dict(self) -> dict[str, float]:
        """The flat metrics dict."""
        out: dict[str, float] = {"reports": float(self.reports), "cells": float(len(self.outcomes))}
        if not self.outcomes:
            return out
        out["cell_accuracy"] = _mean(o.correct for o in self.outcomes)
        out["state_accuracy"] = _mean(o.gold_state == o.pred_state for o in self.outcomes)
        numbers = [o for o in self.outcomes if o.gold_state == "number"]
        out["number_cell_accuracy"] = _mean(o.correct for o in numbers) if numbers else float("nan")
        out["offset_accuracy"] = _mean(o.pred_start == o.gold_start for o in numbers) if numbers else float("nan")
        for attr in ("template", "style"):
            for name, items in _group(self.outcomes, lambda o, a=attr: getattr(o, a)).items():
                out[f"cell_accuracy.{attr}.{name}"] = _mean(o.correct for o in items)
        for name, items in _group(self.outcomes, lambda o: o.style).items():
            wrong = [o for o in items if not o.correct]
            out[f"review_share.style.{name}"] = _mean(o.in_review for o in items)
            out[f"wrong_caught_by_review.style.{name}"] = _mean(o.in_review for o in wrong) if wrong else 1.0
            out.update({f"{key}.style.{name}": value for key, value in _decided(items).items()})
        wrong = [o for o in self.outcomes if not o.correct]
        out["review_share"] = _mean(o.in_review for o in self.outcomes)
        out["wrong_caught_by_review"] = _mean(o.in_review for o in wrong) if wrong else 1.0
        out.update(_decided(self.outcomes))
        for name, items in _group(self.outcomes, lambda o: o.key[0]).items():
            out[f"cell_accuracy.table.{name}"] = _mean(o.correct for o in items)
        out.update({f"cell_accuracy.{k}": v for k, v in self.per_row_col().items()})
        tables = _group(self.outcomes, lambda o: (o.case, o.key[0]))
        out["tables_fully_right"] = _mean(all(o.correct for o in items) for items in tables.values())
        reports = _group(self.outcomes, lambda o: o.case)
        out["reports_fully_right"] = _mean(all(o.correct for o in items) for items in reports.values())
        precision = self.sections_tp / max(self.sections_tp + self.sections_fp, 1)
        recall = self.sections_tp / max(self.sections_tp + self.sections_fn, 1)
        out["sections_precision"], out["sections_recall"] = precision, recall
        out["sections_f1"] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out["checks_agreement"] = self.checks_agree / self.checks_total if self.checks_total else float("nan")
        confidence = [o.confidence for o in self.outcomes]
        correct = [o.correct for o in self.outcomes]
        out["ece"] = expected_calibration_error(confidence, correct)
        out["brier"] = brier_score(confidence, correct)
        return out

    def per_row_col(self) -> dict[str, float]:
        """Accuracy by table.row and by table.col (for the markdown report)."""
        out = {}
        for name, items in _group(self.outcomes, lambda o: f"row.{o.key[0]}.{o.key[1]}").items():
            out[name] = _mean(o.correct for o in items)
        for name, items in _group(self.outcomes, lambda o: f"col.{o.key[0]}.{o.key[2]}").items():
            out[name] = _mean(o.correct for o in items)
        return out


def _decided(outcomes: list[CellOutcome]) -> dict[str, float]:
    """Metrics on the cells the text decides, and on the undecided ones (gold ``ambiguous``) apart."""
    decided = [o for o in outcomes if not o.gold_ambiguous]
    wrong = [o for o in decided if not o.correct]
    ambiguous = [o for o in outcomes if o.gold_ambiguous]
    out = {
        "decided_cell_accuracy": _mean(o.correct for o in decided),
        "undecided_cells": float(len(ambiguous)),
        "decided_review_share": _mean(o.in_review for o in decided),
        "decided_wrong_caught_by_review": _mean(o.in_review for o in wrong) if wrong else 1.0,
    }
    if ambiguous:
        out["undecided_cell_accuracy"] = _mean(o.correct for o in ambiguous)
        out["gold_ambiguous_sent_to_review"] = _mean(o.in_review for o in ambiguous)
    return out


def _mean(values) -> float:
    values = list(values)
    return sum(map(float, values)) / len(values) if values else float("nan")


def _group(items, key) -> dict:
    groups: dict = defaultdict(list)
    for item in items:
        groups[key(item)].append(item)
    return groups
