"""Honest accounting of the model against rules-only, from one evaluation that ran both.

Per style and overall, on the cells the text decides (the gold marks the others
``ambiguous``: no reader of the text can place them, so neither system is right or wrong
there by skill): model and rules accuracy, how many cells the model's value differs from
the rules' (and how many of those it fixed or broke), the share of cells sent to review and
the share of the model's wrong cells inside the review list. The undecided cells are counted
apart with the share of them in review (every one should be). The target of the project (at
least 99% of wrong cells in review while reviewing at most 5% of cells) is judged on the
decided cells and stated on all cells too (``all_*`` columns).
"""

from __future__ import annotations

from collections import defaultdict

from nianbao.evaluation.scorer import CellOutcome

TARGET_CAUGHT = 0.99
TARGET_REVIEWED = 0.05
COLUMNS = (
    "cells",
    "changed",
    "fixed",
    "broke",
    "model_accuracy",
    "rules_accuracy",
    "review_share",
    "wrong_cells",
    "wrong_in_review",
    "undecided_cells",
    "undecided_in_review",
    "all_cells",
    "all_model_accuracy",
    "all_review_share",
    "all_wrong_cells",
    "all_wrong_in_review",
)
Pair = tuple[CellOutcome, CellOutcome]


def _share(flags: list[bool], empty: float = float("nan")) -> float:
    return sum(flags) / len(flags) if flags else empty


def _core(pairs: list[Pair]) -> dict[str, float]:
    changed = [(m, r) for m, r in pairs if m.pred_value != r.pred_value or m.pred_state != r.pred_state]
    wrong = [m for m, _ in pairs if not m.correct]
    return {
        "cells": float(len(pairs)),
        "changed": float(len(changed)),
        "fixed": float(sum(m.correct and not r.correct for m, r in changed)),
        "broke": float(sum(r.correct and not m.correct for m, r in changed)),
        "model_accuracy": _share([m.correct for m, _ in pairs]),
        "rules_accuracy": _share([r.correct for _, r in pairs]),
        "review_share": _share([m.in_review for m, _ in pairs]),
        "wrong_cells": float(len(wrong)),
        "wrong_in_review": _share([m.in_review for m in wrong], 1.0),
    }


def _row(pairs: list[Pair]) -> dict[str, float]:
    decided = [p for p in pairs if not p[0].gold_ambiguous]
    undecided = [m for m, _ in pairs if m.gold_ambiguous]
    every = _core(pairs)
    row = _core(decided) | {
        "undecided_cells": float(len(undecided)),
        "undecided_in_review": _share([m.in_review for m in undecided], 1.0),
    }
    row |= {f"all_{k}": every[k] for k in ("cells", "model_accuracy", "review_share", "wrong_cells", "wrong_in_review")}
    row["target_met"] = float(_met(row["wrong_in_review"], row["review_share"]))
    row["all_target_met"] = float(_met(row["all_wrong_in_review"], row["all_review_share"]))
    return row


def _met(caught: float, reviewed: float) -> bool:
    return caught >= TARGET_CAUGHT and reviewed <= TARGET_REVIEWED


def account(model: list[CellOutcome], rules: list[CellOutcome]) -> dict[str, dict[str, float]]:
    """``{"all": row, "<style>": row, …}`` pairing the two systems' outcomes cell by cell."""
    by_key = {(o.case, o.key): o for o in rules}
    pairs = [(m, by_key[(m.case, m.key)]) for m in model if (m.case, m.key) in by_key]
    styles: dict[str, list] = defaultdict(list)
    for pair in pairs:
        styles[pair[0].style].append(pair)
    return {"all": _row(pairs)} | {style: _row(items) for style, items in sorted(styles.items())}


def flat(table: dict[str, dict[str, float]]) -> dict[str, float]:
    """Flat metric keys: ``accounting.<column>`` overall and ``accounting.<column>.style.<style>``."""
    out = {}
    for style, row in table.items():
        suffix = "" if style == "all" else f".style.{style}"
        out.update({f"accounting.{column}{suffix}": value for column, value in row.items()})
    return out


def _fmt(value: float, digits: int) -> str:
    return "–" if value != value else f"{value:.{digits}f}"  # nan: no cells of that kind


def markdown(table: dict[str, dict[str, float]]) -> str:
    """The per-style table on the cells the text decides, the undecided cells apart, the target twice."""
    lines = [
        "| style | decided cells | changed vs rules | fixed | broke | model acc. | rules acc. | sent to review | "
        "wrong cells | wrong in review | undecided cells | undecided in review |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for style, row in table.items():
        lines.append(
            f"| {style} | {row['cells']:.0f} | {row['changed']:.0f} | {row['fixed']:.0f} | {row['broke']:.0f} | "
            f"{_fmt(row['model_accuracy'], 4)} | {_fmt(row['rules_accuracy'], 4)} | {_fmt(row['review_share'], 3)} | "
            f"{row['wrong_cells']:.0f} | {row['wrong_in_review']:.3f} | {row['undecided_cells']:.0f} | "
            f"{row['undecided_in_review']:.3f} |"
        )
    overall = table["all"]
    target = (
        f"Target (at least {TARGET_CAUGHT:.0%} of wrong cells in review while reviewing at most "
        f"{TARGET_REVIEWED:.0%} of cells)"
    )
    lines += [
        "",
        f"{target}, on the cells the text decides: {'met' if overall['target_met'] else 'not met'} — "
        f"{overall['wrong_in_review']:.3f} of {overall['wrong_cells']:.0f} wrong cells in review, "
        f"{overall['review_share']:.3f} of {overall['cells']:.0f} cells reviewed.",
        "",
        f"The same on all cells (the {overall['undecided_cells']:.0f} undecided ones included, "
        f"{overall['undecided_in_review']:.3f} of them in review): "
        f"{'met' if overall['all_target_met'] else 'not met'} — model accuracy {overall['all_model_accuracy']:.4f}, "
        f"{overall['all_wrong_in_review']:.3f} of {overall['all_wrong_cells']:.0f} wrong cells in review, "
        f"{overall['all_review_share']:.3f} of {overall['all_cells']:.0f} cells reviewed.",
    ]
    return "\n".join(lines) + "\n"
