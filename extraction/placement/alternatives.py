"""The decoder's undecided readings, as whole rows a reviewer can choose between.

Every placement the assembler makes is recorded as a :class:`Decision` (a row, or the appeals
table read as one row of 15). When the decoder left a decision ambiguous (several readings
within its margin), the document's ``alternatives`` lists each reading with every cell of the
row, the model's score and which reading the cells hold::

    {"table": "requests", "row": "new_received", "kind": "placement", "chosen": 0, "total": 2,
     "readings": [{"score": -0.4, "cells": [{"row": "new_received", "col": "natural_person",
                   "raw": "10", "value": 10, "start": 2345, "end": 2347}, ...]}, ...]}

``row`` is null for the appeals table (its readings span both of its rows: each cell names its
own row). ``readings[chosen]`` is what ``cells`` holds. Choosing another reading in review is a
set of corrections, one per differing cell, which re-decoding then keeps fixed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nianbao.extraction.document.cells import Cell
from nianbao.extraction.placement.search import Placement

MAX_READINGS = 12  # a reviewer chooses among a few rows, not hundreds of splits


@dataclass
class Decision:
    """One placement the decoder made: its table, row (None: a whole table) and how to rebuild it.

    ``source`` is any object with a current ``placement`` and a ``build(placement)`` returning
    the cells of that placement (a :class:`joint.PendingRow`): later steps (the joint choice,
    prose evidence) may still move its placement, so it is read when the document is written.
    """

    table: str
    row: str | None
    kind: str  # "placement" (values over columns) or "split" (run-together digits)
    source: Any


@dataclass
class Fixed:
    """A decision source that is not revisited later: a placement and its cell builder."""

    placement: Placement
    build: Callable[[Placement], list[Cell]]


def _cell_json(cell: Cell) -> dict:
    return {
        "row": cell.row,
        "col": cell.col,
        "raw": cell.raw,
        "value": cell.value,
        "start": cell.start,
        "end": cell.end,
    }


def _kept_keys(placement: Placement) -> list[tuple]:
    """The readings shown: the chosen one and the best-scored others, in the decoder's order."""
    keys = list(placement.alternatives)
    if len(keys) <= MAX_READINGS:
        return keys
    others = sorted((k for k in keys if k != placement.positions), key=lambda k: -placement.scores.get(k, 0.0))
    kept = {placement.positions, *others[: MAX_READINGS - 1]}
    return [k for k in keys if k in kept]


def _signature(cells: list[Cell]) -> tuple:
    return tuple((c.raw, c.start) for c in cells)


def decision_json(decision: Decision) -> dict | None:
    """The ``alternatives`` entry of one decision, or None when the decoder was decided.

    Readings that put the same text at the same cells (blank tokens placed differently) are
    one reading; a decision left with a single distinct reading is decided.
    """
    placement: Placement = decision.source.placement
    if not placement.ambiguous or placement.positions not in placement.alternatives:
        return None
    readings: dict[tuple, dict] = {}
    chosen = None
    for key in _kept_keys(placement):
        cells = decision.source.build(Placement(key, False, placement.candidates, (key,)))
        signature = _signature(cells)
        if key == placement.positions:
            chosen = signature
        if signature not in readings:
            score = placement.scores.get(key)
            score = None if score is None else round(float(score), 4)
            readings[signature] = {"score": score, "cells": [_cell_json(c) for c in cells]}
    if len(readings) < 2:
        return None
    return {
        "table": decision.table,
        "row": decision.row,
        "kind": decision.kind,
        "chosen": list(readings).index(chosen),
        "total": len(placement.alternatives),
        "readings": list(readings.values()),
    }


def alternatives_json(decisions: list[Decision]) -> list[dict]:
    """Every undecided decision of a report with its readings (``alternatives`` of the document)."""
    return [entry for entry in map(decision_json, decisions) if entry is not None]
