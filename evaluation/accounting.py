"""Honest accounting of the model against rules-only, from one evaluation that ran both.

Per style and overall: how many gold cells the model's value differs from the rules' value
(and how many of those it fixed or broke), the share of cells sent to review, and the share of
the model's wrong cells that are inside the review list. The target of the project (at least
99% of wrong cells in review while reviewing at most 5% of cells) is reported as met or not,
from the same figures.
"""

from __future__ import annotations

from collections import defaultdict

from nianbao.evaluation.scorer import CellOutcome

TARGET_CAUGHT = 0.99
TARGET_REVIEWED = 0.05
COLUMNS = ("cells", "changed", "fixed", "broke", "model_accuracy", "rules_accuracy", "review_share",
           "wrong_cells", "wrong_in_review")  # fmt: skip


def _row(pairs: list[tuple[CellOutcome, CellOutcome]]) -> dict[str, float]:
    changed = [(m, r) for m, r in pairs if m.pred_value != r.pred_value or m.pred_state != r.pred_state]
    wrong = [m for m, _ in pairs if not m.correct]
    n = len(pairs)
    return {
        "cells": float(n),
        "changed": float(len(changed)),
        "fixed": float(sum(m.correct and not r.correct for m, r in changed)),
        "broke": float(sum(r.correct and not m.correct for m, r in changed)),
        "model_accuracy": sum(m.correct for m, _ in pairs) / n if n else float("nan"),
        "rules_accuracy": sum(r.correct for _, r in pairs) / n if n else float("nan"),
        "review_share": sum(m.in_review for m, _ in pairs) / n if n else float("nan"),
        "wrong_cells": float(len(wrong)),
        "wrong_in_review": sum(m.in_review for m in wrong) / len(wrong) if wrong else 1.0,
    }


def account(model: list[CellOutcome], rules: list[CellOutcome]) -> dict[str, dict[str, float]]:
    """``{"all": row, "<style>": row, …}`` pairing the two systems' outcomes cell by cell."""
    by_key = {(o.case, o.key): o for o in rules}
    pairs = [(m, by_key[(m.case, m.key)]) for m in model if (m.case, m.key) in by_key]
    styles: dict[str, list] = defaultdict(list)
    for pair in pairs:
        styles[pair[0].style].append(pair)
    table = {"all": _row(pairs)} | {style: _row(items) for style, items in sorted(styles.items())}
    for row in table.values():
        row["target_met"] = float(row["wrong_in_review"] >= TARGET_CAUGHT and row["review_share"] <= TARGET_REVIEWED)
    return table


def flat(table: dict[str, dict[str, float]]) -> dict[str, float]:
    """Flat metric keys: ``accounting.<column>`` overall and ``accounting.<column>.style.<style>``."""
    out = {}
    for style, row in table.items():
        suffix = "" if style == "all" else f".style.{style}"
        out.update({f"accounting.{column}{suffix}": value for column, value in row.items()})
    return out


def markdown(table: dict[str, dict[str, float]]) -> str:
    """The per-style table, with the target stated and judged on the overall row."""
    lines = ["| style | cells | changed vs rules | fixed | broke | model acc. | rules acc. | sent to review | wrong cells | wrong in review |",
             "|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for style, row in table.items():
        lines.append(f"| {style} | {row['cells']:.0f} | {row['changed']:.0f} | {row['fixed']:.0f} | {row['broke']:.0f} | "
                     f"{row['model_accuracy']:.4f} | {row['rules_accuracy']:.4f} | {row['review_share']:.3f} | "
                     f"{row['wrong_cells']:.0f} | {row['wrong_in_review']:.3f} |")  # fmt: skip
    overall = table["all"]
    verdict = "met" if overall["target_met"] else "not met"
    lines += ["", f"Target (at least {TARGET_CAUGHT:.0%} of wrong cells in review while reviewing at most "
                  f"{TARGET_REVIEWED:.0%} of cells): {verdict} — {overall['wrong_in_review']:.3f} of wrong cells in "
                  f"review, {overall['review_share']:.3f} of cells reviewed."]  # fmt: skip
    return "\n".join(lines) + "\n"
