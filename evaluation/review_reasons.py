"""Why cells are sent to review: per style, on the cells the text decides, each reason's cells and
the model's wrong cells among them.

A cell in review may carry several reasons; it counts once under each. Two columns count cells
by the whole of their reasons: ``checks only`` (a failed check and nothing else: arithmetic or
prose that does not add up, the cell itself unremarkable) and ``confidence only`` (the
calibrated confidence alone is under the threshold). A reason whose cells are many and never
wrong is where review is spent on cells the evidence says are right.
"""

from __future__ import annotations

from collections import defaultdict
from typing import get_args

from nianbao.contract import ReviewReason
from nianbao.evaluation.scorer import CellOutcome

REASONS: tuple[str, ...] = get_args(ReviewReason)
CHECKS = frozenset({"check_failed", "narrative_mismatch"})
COLUMNS = (*REASONS, "checks_only", "confidence_only")


def _columns(outcome: CellOutcome) -> list[str]:
    reasons = set(outcome.reasons)
    out = [reason for reason in REASONS if reason in reasons]
    if reasons and reasons <= CHECKS:
        out.append("checks_only")
    if reasons == {"low_confidence"}:
        out.append("confidence_only")
    return out


def _row(outcomes: list[CellOutcome]) -> dict[str, float]:
    row = {"cells": float(len(outcomes)), "reviewed": float(sum(o.in_review for o in outcomes))}
    for column in COLUMNS:
        row[column], row[f"{column}.wrong"] = 0.0, 0.0
    for outcome in outcomes:
        for column in _columns(outcome):
            row[column] += 1
            row[f"{column}.wrong"] += not outcome.correct
    return row


def reasons_table(outcomes: list[CellOutcome]) -> dict[str, dict[str, float]]:
    """``{"all": row, "<style>": row, …}`` on the decided cells: per reason, cells and wrong ones."""
    decided = [o for o in outcomes if not o.gold_ambiguous]
    styles: dict[str, list[CellOutcome]] = defaultdict(list)
    for outcome in decided:
        styles[outcome.style].append(outcome)
    return {"all": _row(decided)} | {style: _row(items) for style, items in sorted(styles.items())}


def flat(table: dict[str, dict[str, float]]) -> dict[str, float]:
    """``review_reason.<column>[.wrong]`` overall, as shares of the decided cells (wrong: counts)."""
    row = table["all"]
    out = {}
    for column in COLUMNS:
        out[f"review_reason.{column}"] = row[column] / row["cells"] if row["cells"] else float("nan")
        out[f"review_reason.{column}.wrong"] = row[f"{column}.wrong"]
    return out


def markdown(table: dict[str, dict[str, float]]) -> str:
    """One line per style: each reason's share of the decided cells and (wrong cells among them)."""
    used = [c for c in COLUMNS if table["all"][c]]
    lines = [
        "| style | decided cells | reviewed | " + " | ".join(c.replace("_", " ") for c in used) + " |",
        "|---|---|---|" + "---|" * len(used),
    ]
    for style, row in table.items():
        n = row["cells"] or 1.0
        shares = [f"{row[c] / n:.3f} ({row[f'{c}.wrong']:.0f})" for c in used]
        lines.append(f"| {style} | {row['cells']:.0f} | {row['reviewed'] / n:.3f} | " + " | ".join(shares) + " |")
    return "\n".join(lines) + "\n"
