"""Whole-row decisions: a row the extractor read in several ways, chosen with one action.

A document's ``alternatives`` (a list of ``{"table", "row", "kind": "placement"|"split",
"chosen", "readings": [{"score", "cells": [{"row", "col", "raw", "value", "start", "end"}]}]}``,
``row`` null when the readings span a whole table, as the appeals table's do) become
:class:`Decision` rows at load time (``row`` "" for a whole table). Choosing a reading appends a ``choose`` revision
to every field of the row, all or nothing, each naming the revision the reviewer saw; the
fields' histories are the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nianbao.extraction.review.models import Decision, Revision
from nianbao.extraction.review.views import FieldView
from nianbao.extraction.text.values import parse_cell

KINDS = ("placement", "split")


@dataclass(frozen=True)
class ReadingCell:
    """One cell of a reading: its row and column, the printed text, the value and its span."""

    row: str
    col: str
    raw: str
    value: Any
    start: int | None
    end: int | None


@dataclass(frozen=True)
class DecisionView:
    """A row's readings, the extractor's choice and the reading the fields hold now (or None)."""

    id: int
    report_id: int
    table: str
    row: str
    kind: str
    chosen: int
    readings: list[list[ReadingCell]]
    scores: list[float | None]
    current: int | None
    keys: list[tuple[str, str]]  # (row, col) of every cell the readings set

    def covers(self, row: str, col: str) -> bool:
        """Whether a field is one of the decision's cells."""
        return (row, col) in self.keys


def _cell(raw: dict[str, Any], row: str) -> dict[str, Any] | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("col"), str):
        return None
    row = raw["row"] if isinstance(raw.get("row"), str) else row
    if not row:
        return None
    start, end = raw.get("start"), raw.get("end")
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end):
        start = end = None
    value = raw.get("value")
    return {
        "row": row,
        "col": raw["col"],
        "raw": str(raw.get("raw") or ""),
        "start": start,
        "end": end,
        "value": value if isinstance(value, int | float) and not isinstance(value, bool) else None,
    }


def decisions_of(doc: dict[str, Any], report_id: int) -> list[Decision]:
    """The document's alternatives as Decision rows (malformed entries are left out)."""
    out: dict[tuple[str, str], Decision] = {}
    for entry in doc.get("alternatives") or []:
        if not isinstance(entry, dict) or entry.get("kind") not in KINDS:
            continue
        table, row, chosen = entry.get("table"), entry.get("row") or "", entry.get("chosen")
        readings = []
        for reading in entry.get("readings") or []:
            raw_cells = reading.get("cells") if isinstance(reading, dict) else None
            cells = [c for c in (_cell(c, row) for c in raw_cells or []) if c is not None]
            score = reading.get("score") if isinstance(reading, dict) else None
            readings.append({"score": score if isinstance(score, int | float) else None, "cells": cells})
        if not (isinstance(table, str) and isinstance(row, str) and type(chosen) is int) or len(readings) < 2:
            continue
        if 0 <= chosen < len(readings):
            out[(table, row)] = Decision(
                report_id=report_id, table_name=table, row=row, kind=entry["kind"], chosen=chosen, readings=readings
            )
    return list(out.values())


def _same(head: Any, cell: ReadingCell) -> bool:
    return head.value == cell.value and (head.raw or "") == cell.raw and head.start == cell.start


def decision_view(row: Decision, fields: list[FieldView]) -> DecisionView:
    """The view of a decision with the reading its fields hold now."""
    readings = [[ReadingCell(**c) for c in r["cells"]] for r in row.readings]
    heads = {(f.row, f.col): f.head for f in fields if f.table == row.table_name}
    current = next(
        (
            i
            for i, cells in enumerate(readings)
            if cells and all((c.row, c.col) in heads and _same(heads[(c.row, c.col)], c) for c in cells)
        ),
        None,
    )
    keys = list(dict.fromkeys((c.row, c.col) for cells in readings for c in cells))
    return DecisionView(
        row.id,
        row.report_id,
        row.table_name,
        row.row,
        row.kind,
        row.chosen,
        readings,
        [r.get("score") for r in row.readings],
        current,
        keys,
    )


def choice_revisions(
    decision: DecisionView,
    reading: int,
    fields: dict[tuple[str, str], FieldView],
    reviewer_id: int,
    money_cols: frozenset[str],
    note: str,
) -> list[Revision]:
    """A ``choose`` revision for every field of the decision, taking reading ``reading``."""
    cells = {(c.row, c.col): c for c in decision.readings[reading]}
    label = f"reading {reading + 1} of {len(decision.readings)} ({decision.kind})"
    out = []
    for (row, col), field in fields.items():
        head = field.head
        cell = cells.get((row, col), ReadingCell(row, col, "", None, None, None))
        parsed = parse_cell(cell.raw.strip(), money=col in money_cols, default_unit=head.unit)
        state = "missing" if not cell.raw and cell.start is None else parsed.state
        changed = not _same(head, cell)
        out.append(
            Revision(
                field_id=field.id,
                parent_id=head.id,
                reviewer_id=reviewer_id,
                action="choose",
                status="corrected" if changed else "accepted",
                model_version=head.model_version,
                old_value=head.value,
                old_raw=head.raw,
                old_state=head.state,
                value=cell.value,
                raw=cell.raw,
                unit=parsed.unit if state == "number" else None,
                state=state,
                start=cell.start,
                end=cell.end,
                note=f"{label}. {note.strip()}".strip(),
            )
        )
    return out
