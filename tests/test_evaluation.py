"""The evaluation harness: metrics, calibration numbers, baselines, report, plots, mlflow."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from typer.testing import CliRunner

from nianbao.cli import app
from nianbao.evaluation.calibration import (
    brier_score,
    expected_calibration_error,
    reliability_table,
)
from nianbao.evaluation.scorer import Scores
from nianbao.models.calibrator import choose_threshold, review_budget_curve


def test_ece_bins_and_brier_on_known_numbers() -> None:
    confidence = [0.95] * 10 + [0.55] * 10
    correct = [True] * 9 + [False] + [True] * 5 + [False] * 5
    table = reliability_table(confidence, correct)
    assert [row["n"] for row in table] == [0, 0, 0, 0, 0, 10, 0, 0, 0, 10]
    assert table[9]["accuracy"] == pytest.approx(0.9)
    assert expected_calibration_error(confidence, correct) == pytest.approx(0.5 * 0.05 + 0.5 * 0.05)
    assert brier_score([1.0, 0.0], [True, False]) == 0.0
    curve = review_budget_curve(confidence, correct)
    assert curve[0]["reviewed"] == 0.0 and curve[-1]["caught"] == 1.0
    assert all(a["reviewed"] <= b["reviewed"] for a, b in zip(curve, curve[1:], strict=False))
    assert choose_threshold(curve, 0.8) == pytest.approx(0.55, abs=0.06)


def _doc(value: int) -> dict:
    cells = [
        {
            "table": "appeals",
            "row": "reconsideration",
            "col": "total",
            "value": value,
            "state": "number",
            "confidence": 0.9,
            "start": 5,
        }
    ]
    return {"cells": cells, "sections": [{"number": 1, "start": 0, "end": 4}], "checks": [], "review": []}


def test_scorer_flat_metrics() -> None:
    gold = {
        "report": {"template": "2021"},
        "sections": [{"number": 1, "start": 0, "end": 4}, {"number": 2, "start": 9, "end": 12}],
        "cells": [
            {"table": "appeals", "row": "reconsideration", "col": "total", "value": 3, "state": "number", "start": 5}
        ],
    }
    scores = Scores()
    scores.add("a", "pdf", gold, _doc(3))
    scores.add("b", "pdf", gold, _doc(4))
    metrics = scores.as_dict()
    assert metrics["cell_accuracy"] == 0.5 and metrics["reports_fully_right"] == 0.5
    assert metrics["sections_precision"] == 1.0 and metrics["sections_recall"] == 0.5
    assert all(isinstance(v, float) for v in metrics.values())


def test_evaluate_cli_real_reports_with_baselines_and_mlflow(tmp_path, shared, monkeypatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    out = tmp_path / "eval"
    result = CliRunner().invoke(
        app,
        ["evaluate", "--gold", "tests/gold", "--model", "rules", "-o", str(out), "--shared", str(shared), "--mlflow"],
    )
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text("utf-8"))
    assert metrics["rules.cell_accuracy"] == 1.0 and metrics["rules.sections_f1"] == 1.0
    assert metrics["positional.cell_accuracy"] < 0.95 and metrics["positional.sections_f1"] == 0.0
    assert metrics["rules.gold_ambiguous_sent_to_review"] == 1.0
    report = (out / "report.md").read_text("utf-8")
    assert "| cell_accuracy |" in report and "Reliability" in report
    assert (out / "reliability.png").read_bytes()[:4] == b"\x89PNG"
    assert (out / "placement.png").stat().st_size > 1000
    import mlflow

    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    runs = mlflow.search_runs(experiment_names=["nianbao"])
    assert len(runs) == 1 and runs["metrics.rules.cell_accuracy"].iloc[0] == 1.0


def test_accounting_counts_changes_review_and_wrong_cells_in_review() -> None:
    from nianbao.evaluation.accounting import account, markdown
    from nianbao.evaluation.scorer import CellOutcome

    def outcome(case: str, style: str, col: str, gold: int, pred: int, review: bool) -> CellOutcome:
        return CellOutcome(
            case, style, "2021", ("requests", "new_received", col), gold, pred, "number", "number", 0.9, 0, 0, review
        )

    model = [
        outcome("a", "pdf", "total", 3, 3, False),
        outcome("a", "pdf", "other", 1, 2, True),
        outcome("b", "crawl", "total", 5, 6, False),
        outcome("b", "crawl", "other", 0, 0, False),
    ]
    rules = [
        outcome("a", "pdf", "total", 3, 4, True),
        outcome("a", "pdf", "other", 1, 2, False),
        outcome("b", "crawl", "total", 5, 5, False),
        outcome("b", "crawl", "other", 0, 0, False),
    ]
    table = account(model, rules)
    assert table["all"]["changed"] == 2 and table["all"]["fixed"] == 1 and table["all"]["broke"] == 1
    assert table["pdf"]["review_share"] == 0.5 and table["pdf"]["wrong_in_review"] == 1.0
    assert table["crawl"]["wrong_cells"] == 1 and table["crawl"]["wrong_in_review"] == 0.0
    assert table["all"]["wrong_in_review"] == 0.5 and table["all"]["target_met"] == 0.0
    assert "not met" in markdown(table)


def test_accounting_judges_decided_cells_and_counts_undecided_apart() -> None:
    from nianbao.evaluation.accounting import account, markdown
    from nianbao.evaluation.scorer import CellOutcome, Scores

    def outcome(col: str, gold: int, pred: int, review: bool, ambiguous: bool = False) -> CellOutcome:
        return CellOutcome(
            "a",
            "lines",
            "2021",
            ("requests", "granted", col),
            gold,
            pred,
            "number",
            "number",
            0.9,
            0,
            0,
            review,
            ambiguous,
        )

    cols = ("natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org", "total")
    decided = [outcome(col, 1, 1, False) for col in cols] * 6  # 42 right, none in review
    model = [*decided, outcome("x", 2, 3, True), outcome("y", 2, 2, True, True), outcome("z", 2, 0, False, True)]
    rules = [*decided, outcome("x", 2, 3, False), outcome("y", 2, 0, False, True), outcome("z", 2, 0, False, True)]
    row = account(model, rules)["all"]
    assert row["cells"] == 43 and row["model_accuracy"] == 42 / 43 and row["rules_accuracy"] == 42 / 43
    assert row["wrong_cells"] == 1 and row["wrong_in_review"] == 1.0 and row["review_share"] == 1 / 43
    assert row["target_met"] == 1.0  # on decided cells: the one wrong cell is in review, 2.3% reviewed
    assert row["undecided_cells"] == 2 and row["undecided_in_review"] == 0.5 and row["changed"] == 0
    assert row["all_cells"] == 45 and row["all_wrong_cells"] == 2 and row["all_wrong_in_review"] == 0.5
    assert row["all_target_met"] == 0.0
    text = markdown(account(model, rules))
    assert "on the cells the text decides: met" in text and "not met" in text
    scores = Scores(outcomes=model)
    metrics = scores.as_dict()
    assert metrics["decided_cell_accuracy.style.lines"] == 42 / 43 and metrics["undecided_cells.style.lines"] == 2
    assert metrics["gold_ambiguous_sent_to_review.style.lines"] == 0.5


def _with_a_broken_row_sum(sample: dict) -> dict:
    """The sample with its first requests row's printed total one more than its columns' sum (a
    report's own broken arithmetic: read as printed, flagged by the row-sum check)."""
    total = next(c for c in sample["cells"] if c["table"] == "requests" and c["col"] == "total" and c["value"])
    printed = str(total["value"] + 1)
    text = sample["text"]
    sample["text"] = text[: total["start"]] + printed + text[total["end"] :]
    shift = len(printed) - len(total["raw"])
    for item in sample["cells"] + sample.get("spans", []):
        if item.get("start") is not None and item["start"] > total["start"]:
            item["start"], item["end"] = item["start"] + shift, item["end"] + shift
        elif item.get("start") == total["start"] and "text" in item:
            item.update(text=printed, end=total["start"] + len(printed))
    total.update(value=total["value"] + 1, raw=printed, end=total["start"] + len(printed))
    return sample


def test_evaluate_runs_model_and_rules_together_and_accounts_per_style(tmp_path, shared) -> None:
    from nianbao.annotations import write_jsonl
    from nianbao.extraction.pipeline import DEFAULT_MODEL, extract_text
    from nianbao.extraction.text.locator import ModelLocator, RuleLocator
    from nianbao.training.generator.generate import generate

    samples = generate(4, seed=606, styles=("ocr", "crawl")) + [_with_a_broken_row_sum(generate(1, 5, ("tab",))[0])]
    write_jsonl(samples, tmp_path / "gen.jsonl")
    out = tmp_path / "eval"
    result = CliRunner().invoke(app, ["evaluate", "--gold", str(tmp_path / "gen.jsonl"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "model against rules, and review, per style" in result.output
    metrics = json.loads((out / "metrics.json").read_text("utf-8"))
    model, rules = ModelLocator(DEFAULT_MODEL), RuleLocator()
    changed, cells, undecided = 0, 0, 0
    reasons: Counter = Counter()
    for sample in samples:
        doc = extract_text(sample["text"], locator=model)
        a = {(c["table"], c["row"], c["col"]): c for c in doc["cells"]}
        b = {(c["table"], c["row"], c["col"]): c for c in extract_text(sample["text"], locator=rules)["cells"]}
        review = {(r["table"], r["row"], r["col"]): r["reasons"] for r in doc["review"]}
        for cell in sample["cells"]:
            key = (cell["table"], cell["row"], cell["col"])
            cells += 1
            undecided += bool(cell.get("ambiguous"))
            if not cell.get("ambiguous"):  # changes are counted on the cells the text decides
                changed += (a[key]["value"], a[key]["state"]) != (b[key]["value"], b[key]["state"])
                wrong = a[key]["value"] != cell["value"]
                for reason in review.get(key, []):
                    reasons[reason] += 1
                    reasons[f"{reason}.wrong"] += wrong
    assert metrics["model.accounting.all_cells"] == cells and metrics["model.accounting.changed"] == changed
    assert metrics["model.accounting.cells"] == cells - undecided == cells - metrics["model.undecided_cells"]
    styles = {s["meta"]["style"] for s in samples}
    assert all(f"model.accounting.review_share.style.{s}" in metrics for s in styles)
    assert 0.0 <= metrics["model.accounting.wrong_in_review"] <= 1.0
    assert metrics["model.review_share"] == metrics["model.accounting.all_review_share"]
    assert metrics["model.decided_review_share"] == metrics["model.accounting.review_share"]
    assert "## Model against rules, and review (per style)" in (out / "report.md").read_text("utf-8")
    # why cells are in review: each reason's share of the decided cells and the wrong cells among them
    assert "why cells are in review" in result.output
    assert "## Why cells are reviewed" in (out / "report.md").read_text("utf-8")
    decided = metrics["model.accounting.cells"]
    assert reasons["check_failed"] and reasons["ambiguous_split"]  # the broken row sum, crawl splits: both happen
    for reason in ("low_confidence", "ambiguous_split", "check_failed", "row_not_found"):
        assert metrics[f"model.review_reason.{reason}"] == pytest.approx(reasons[reason] / decided)
        assert metrics[f"model.review_reason.{reason}.wrong"] == reasons[f"{reason}.wrong"]
