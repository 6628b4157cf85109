"""Per-cell confidence and the review list.

The confidence combines how the value was located (a direct placement, or one of several
placements or splits that fit), the parse, the tagger's value probability and the checks the
cell takes part in. With the shipped model it is the calibrator's probability (fitted on
held-out reports, ``models/calibrator.py``); with the rules alone, a fixed prior whose bins
the evaluation harness measures (reliability table, ECE).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from nianbao.contract import ReviewEntry
from nianbao.extraction.checks.blame import involved_rules
from nianbao.extraction.checks.table import CheckResult
from nianbao.extraction.document.cells import Cell, CellKey
from nianbao.extraction.text.values import reads_letters

REVIEW_THRESHOLD = 0.6
_PRIOR = {"number": 0.97, "na": 0.95, "blank": 0.93, "missing": 0.9, "text": 0.55}


def score_cells(cells: Iterable[Cell], checks: list[CheckResult], calibrator=None) -> float:
    """Set ``confidence`` and review ``reasons`` on every cell, in place; return the threshold.

    With a calibrator (fitted on held-out reports, shipped with the model) the confidence is
    its calibrated probability and the review threshold its own; otherwise a fixed prior.
    """
    from nianbao.models.calibrator import cell_features

    threshold = calibrator.threshold_ if calibrator is not None else REVIEW_THRESHOLD
    cells = list(cells)
    failed = failed_rules(checks, cells)
    for cell in cells:
        rules = failed.get(cell.key, [])
        cell.confidence = _prior(cell, rules)
        cell.evidence["ambiguous"] = float(cell.ambiguous)
        cell.evidence["check_failed"] = float(any(not rule.startswith("narrative.") for rule in rules))
        cell.evidence["narrative_failed"] = float(any(rule.startswith("narrative.") for rule in rules))
    if calibrator is not None and cells:
        features = [cell_features(c.state, c.evidence) for c in cells]
        for cell, probability in zip(cells, calibrator.predict_proba(features), strict=True):
            cell.confidence = float(probability)
    for cell in cells:
        if cell.confidence < threshold and "low_confidence" not in cell.reasons:
            cell.reasons.insert(0, "low_confidence")
    return threshold


def failed_rules(checks: list[CheckResult], cells: Iterable[Cell] = ()) -> dict[CellKey, list[str]]:
    """The failed rules each cell is involved in: the cells that could have broken each rule
    (``checks/blame.py``); ``cells`` that are ambiguous or settled by the table are unsure."""
    if all(check.ok is not False for check in checks):
        return {}  # nothing failed (most reports): no cell is involved
    cells = list(cells)
    unsure = {cell.key for cell in cells if cell.ambiguous or settled_by_table(cell)}
    rows: dict[tuple[str, str], bool] = {}
    for cell in cells:
        rows[cell.table, cell.row] = rows.get((cell.table, cell.row), True) and _one_placement(cell)
    return involved_rules(checks, unsure, {row for row, one in rows.items() if one})


def _one_placement(cell: Cell) -> bool:
    """The row's printed values fit its columns one way only (the decoder had a single
    candidate; a row without that evidence: when every cell is printed)."""
    if "candidates" in cell.evidence:
        return cell.evidence["candidates"] <= 1
    return cell.state in ("number", "na")


def _prior(cell: Cell, rules: list[str]) -> float:
    """The fixed prior and the review reasons of one cell."""
    confidence = _PRIOR.get(cell.state, 0.5)
    if cell.evidence.get("row_not_found"):
        confidence = 0.5
        cell.reasons.append("row_not_found")
    if cell.ambiguous:
        confidence = 0.35 if cell.evidence.get("differs") else min(confidence, 0.75)
        cell.reasons.append("ambiguous_split" if cell.evidence.get("split") else "ambiguous_placement")
    elif settled_by_table(cell):
        confidence = min(confidence, 0.75)
        cell.reasons.append("ambiguous_split" if cell.evidence.get("split") else "ambiguous_placement")
    if rules:
        confidence *= 0.5
        if any(not rule.startswith("narrative.") for rule in rules):
            cell.reasons.append("check_failed")
        if any(rule.startswith("narrative.") for rule in rules):
            cell.reasons.append("narrative_mismatch")
    if cell.state == "text":
        cell.reasons.append("unparsed_value")
    elif cell.state == "number" and reads_letters(cell.raw):
        cell.reasons.append("letters_as_digits")
    return confidence


def settled_by_table(cell: Cell) -> bool:
    """The row alone fitted several readings equally (margin 0) and the table's column sums then
    chose one. That joint choice tries the rows' moves together only in part, so the text may
    still allow another full table (the generator's gold marks such cells undecided): a person
    confirms it."""
    return cell.evidence.get("candidates", 1.0) > 1 and cell.evidence.get("margin", 1.0) == 0.0


def review_entries(cells: Iterable[Cell], checks: list[CheckResult]) -> list[ReviewEntry]:
    """Every cell a person should look at, with its reasons and the failed rules it is involved in."""
    cells = list(cells)
    failed = failed_rules(checks, cells)
    entries = []
    for cell in cells:
        if not cell.reasons:
            continue
        entry: dict[str, object] = {"table": cell.table, "row": cell.row, "col": cell.col}
        entry["reasons"] = reasons = list(dict.fromkeys(cell.reasons))
        if cell.key in failed:
            entry["rules"] = failed[cell.key]
        if cell.note:
            reasons.append("prose_evidence")
            entry["evidence"] = cell.note
        entry["confidence"] = round(cell.confidence, 4)
        entries.append(cast(ReviewEntry, entry))  # the keys in the order the README shows
    return entries
