"""Per-cell confidence and the review list.

The confidence combines how the value was located (a direct placement, or one of several
placements that fit), the parse, and the checks the cell takes part in. Until a calibrator
fitted on held-out data is shipped with the model, the mapping below is a fixed prior whose
bins the evaluation harness measures (reliability table, ECE).
"""

from __future__ import annotations

from collections.abc import Iterable

from nianbao.extraction.cells import Cell, CellKey
from nianbao.extraction.checks import CheckResult

REVIEW_THRESHOLD = 0.6
_PRIOR = {"number": 0.97, "na": 0.95, "blank": 0.93, "missing": 0.9, "text": 0.55}


def score_cells(cells: Iterable[Cell], checks: list[CheckResult]) -> None:
    """Set ``confidence`` and review ``reasons`` on every cell, in place."""
    failed: dict[CellKey, list[str]] = {}
    for check in checks:
        if check.ok is False:
            for key in check.cells:
                failed.setdefault(key, []).append(check.rule)
    for cell in cells:
        confidence = _PRIOR.get(cell.state, 0.5)
        if cell.evidence.get("row_not_found"):
            confidence = 0.5
            cell.reasons.append("row_not_found")
        if cell.ambiguous:
            confidence = 0.35 if cell.evidence.get("differs") else min(confidence, 0.75)
            cell.reasons.append("ambiguous_split" if cell.evidence.get("split") else "ambiguous_placement")
        if cell.key in failed:
            confidence *= 0.5
            rules = failed[cell.key]
            if any(not rule.startswith("narrative.") for rule in rules):
                cell.reasons.append("check_failed")
            if any(rule.startswith("narrative.") for rule in rules):
                cell.reasons.append("narrative_mismatch")
        if cell.state == "text":
            cell.reasons.append("unparsed_value")
        cell.confidence = confidence
        if confidence < REVIEW_THRESHOLD and "low_confidence" not in cell.reasons:
            cell.reasons.insert(0, "low_confidence")


def review_entries(cells: Iterable[Cell], checks: list[CheckResult]) -> list[dict]:
    """Every cell a person should look at, with its reasons and the failed rules."""
    failed_rules: dict[CellKey, list[str]] = {}
    for check in checks:
        if check.ok is False:
            for key in check.cells:
                failed_rules.setdefault(key, []).append(check.rule)
    entries = []
    for cell in cells:
        if not cell.reasons:
            continue
        entry = {"table": cell.table, "row": cell.row, "col": cell.col, "reasons": list(dict.fromkeys(cell.reasons))}
        if cell.key in failed_rules:
            entry["rules"] = failed_rules[cell.key]
        entry["confidence"] = round(cell.confidence, 4)
        entries.append(entry)
    return entries
