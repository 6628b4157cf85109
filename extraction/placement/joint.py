"""Joint placement over the requests table: the column identities decide what rows cannot.

A row whose values fit several placements (``10`` and ``10`` in a 7-column row) is first
placed by its own row sum and the model's slot scores. The 三 column sums and the balance
一+二 = 三（七）+四 then tie the rows together: coordinate ascent over each undecided row's
readings (every reading its own arithmetic allows, not only those the model left tied) takes,
row by row, :func:`decoder.choose` with every identity the row takes part in (the column
identities and its own sum) as the arithmetic key. Where identities still fail, the rows the
model decided alone join in, and every combination of the rows' readings is scored at once
(rows that only move together, such as a run split the same way in 一 and 三（七）, are out of
reach of one row at a time): the highest model score among the combinations the arithmetic
allows wins. A row stays ambiguous only if several placements still fit within the margin,
alone, together with other rows, or with the same column move in the other undecided rows (a
table whose rows all print ``n`` and ``n`` fits any applicant column).
"""

from __future__ import annotations

from collections.abc import Callable, Container
from dataclasses import dataclass, replace
from math import prod
from typing import cast

import numpy as np

from nianbao.extraction.document.cells import Cell, CellKey
from nianbao.extraction.placement.arithmetic import (
    BALANCE_LEFT,
    BALANCE_RIGHT,
    HANDLED_ROWS,
    REQUEST_COLS,
    REQUEST_ROW_SUMS,
    TOLERANCE,
    row_arithmetic,
)
from nianbao.extraction.placement.decoder import AMBIGUOUS_MARGIN, Scored, choose, contenders
from nianbao.extraction.placement.search import Placement

MAX_PASSES = 3
MAX_JOINT = 20_000  # combinations of free rows' readings searched at once
Vector = tuple[np.ndarray, np.ndarray]  # values, printed-as-number mask
_ZERO: Vector = (np.zeros(len(REQUEST_COLS)), np.zeros(len(REQUEST_COLS), dtype=bool))


@dataclass
class PendingRow:
    """A placed row and how to rebuild its cells for another placement."""

    key: str
    placement: Placement
    build: Callable[[Placement], list[Cell]]

    def __post_init__(self) -> None:
        self.options = self.placement.options or self.placement.alternatives
        self._vectors: dict[tuple[int, ...], Vector] = {}
        self.arrays: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None  # _option_arrays

    def vector_at(self, positions: tuple[int, ...]) -> Vector:
        """The row's numbers per requests column for one placement (cached)."""
        if positions not in self._vectors:
            cells = self.build(Placement(positions, False, self.placement.candidates, (positions,)))
            self._vectors[positions] = _vector(cells)
        return self._vectors[positions]

    def model(self, positions: tuple[int, ...]) -> float:
        """The model score of one of the row's alternatives (0 with the rules alone)."""
        return self.placement.scores.get(positions, 0.0)


def _vector(cells: list[Cell]) -> Vector:
    by_col = {cell.col: cell for cell in cells}
    values = np.zeros(len(REQUEST_COLS))
    mask = np.zeros(len(REQUEST_COLS), dtype=bool)
    for index, col in enumerate(REQUEST_COLS):
        cell = by_col.get(col)
        if cell is not None and cell.state == "number" and cell.value is not None:
            values[index], mask[index] = float(cell.value), True
    return values, mask


def _table_vectors(cells: dict[CellKey, Cell]) -> dict[str, Vector]:
    rows: dict[str, list[Cell]] = {}
    for (table, row, _), cell in cells.items():
        if table == "requests":
            rows.setdefault(row, []).append(cell)
    return {row: _vector(row_cells) for row, row_cells in rows.items()}


def _identity_counts(get: Callable[[str], Vector], present: Container[str]) -> tuple[np.ndarray, np.ndarray]:
    """Failed and passed counts of the 三 column sums and the balance (the rules of ``checks``),
    per line of the vectors ``get`` gives: one table, or one line per combination of readings.
    Handled rows count where ``present``; an absent balance row reads as zeros."""
    total, assessable = get(BALANCE_RIGHT[0])
    parts = sum((get(row)[0] for row in HANDLED_ROWS if row in present), np.zeros_like(total))
    left = sum(get(row)[0] for row in BALANCE_LEFT)
    right = sum(get(row)[0] for row in BALANCE_RIGHT)
    checks = (np.abs(parts - total) <= TOLERANCE, np.abs(left - right) <= TOLERANCE)
    failed = sum((~ok & assessable).sum(axis=-1) for ok in checks)
    passed = sum((ok & assessable).sum(axis=-1) for ok in checks)
    return failed, passed


def _column_score(vectors: dict[str, Vector]) -> tuple[int, int]:
    """(−failed, passed) over the 三 column sums and the balance."""
    failed, passed = _identity_counts(lambda name: vectors.get(name, _ZERO), vectors)
    return (-int(failed), int(passed))


def _score_with(vectors: dict[str, Vector], changes: list[tuple[PendingRow, tuple[int, ...]]]) -> tuple[int, int]:
    trial = dict(vectors)
    for row, positions in changes:
        trial[row.key] = row.vector_at(positions)
    return _column_score(trial)


def _ascend(vectors: dict[str, Vector], rows: list[PendingRow]) -> None:
    """Coordinate ascent: each row in turn takes its best placement given the others."""
    for _ in range(MAX_PASSES):
        changed = False
        for row in rows:
            choice = _choice(vectors, row).best.key
            if choice != row.placement.positions:
                row.placement = replace(row.placement, positions=choice)
                vectors[row.key] = row.vector_at(choice)
                changed = True
        if not changed:
            return


def _row_fit(row: PendingRow, positions: tuple[int, ...]) -> tuple[int, int]:
    """``(-failed, holding)`` of the row's own sum under one of its alternatives."""
    values, printed = row.vector_at(positions)
    return row_arithmetic([float(v) if ok else None for v, ok in zip(values, printed, strict=True)], REQUEST_ROW_SUMS)


def _choice(vectors: dict[str, Vector], row: PendingRow):
    """The row's decision given the other rows: every identity it takes part in, then the model
    (every reading of the row keyed at once, as one row's combinations)."""
    minus_failed, passed, model = _combination_keys(vectors, [row], np.arange(len(row.options))[:, None])
    keys = zip(minus_failed.astype(int).tolist(), passed.astype(int).tolist(), strict=True)
    return choose([Scored(p, key, score) for p, key, score in zip(row.options, keys, model.tolist(), strict=True)])


def _shifted(positions: tuple[int, ...], a: int, b: int) -> tuple[int, ...]:
    """Move a value from column a to column b (or back), keeping the others."""
    if (a in positions) == (b in positions):
        return positions
    src, dst = (a, b) if a in positions else (b, a)
    return tuple(sorted(dst if p == src else p for p in positions))


def _symmetric_ties(vectors: dict[str, Vector], rows: list[PendingRow], best: tuple[int, int]) -> dict[int, set]:
    """Placements reached by moving one applicant column into another in every free row at once."""
    ties: dict[int, set] = {}
    for a in range(6):
        for b in range(a + 1, 6):
            changes = []
            for index, row in enumerate(rows):
                moved = _shifted(row.placement.positions, a, b)
                if moved != row.placement.positions and moved in row.options:
                    changes.append((index, row, moved))
            if changes and _score_with(vectors, [(r, m) for _, r, m in changes]) == best:
                for index, _, moved in changes:
                    ties.setdefault(index, set()).add(moved)
    return ties


def _option_arrays(row: PendingRow) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per reading of the row: its column values, printed mask, own-sum key and model score
    (made once per row: its readings and their scores do not change)."""
    if row.arrays is None:
        vectors = [row.vector_at(p) for p in row.options]
        own = np.array([_row_fit(row, p) for p in row.options])
        model = np.array([row.model(p) for p in row.options])
        row.arrays = np.array([v for v, _ in vectors]), np.array([m for _, m in vectors]), own, model
    return row.arrays


def _combination_keys(vectors: dict[str, Vector], rows: list[PendingRow], combos: np.ndarray) -> tuple:
    """``(-failed, passed)`` of every combination (one per line of ``combos``) and its model score."""
    varying, own, model = {}, np.zeros((len(combos), 2)), np.zeros(len(combos))
    for index, row in enumerate(rows):
        values, masks, fits, scores = _option_arrays(row)
        pick = combos[:, index]
        varying[row.key] = (values[pick], masks[pick])
        own, model = own + fits[pick], model + scores[pick]

    def get(name: str) -> Vector:  # a row that does not vary stays one line (numpy broadcasts it)
        return varying[name] if name in varying else vectors.get(name, _ZERO)

    failed, passed = _identity_counts(get, vectors)
    return -failed + own[:, 0], passed + own[:, 1], model


def _jointly(vectors: dict[str, Vector], rows: list[PendingRow]) -> dict[int, set] | None:
    """Every combination of the rows' readings at once (when not too many): rows that only move
    together (a run split the same way in 一 and 三（七）, tied by the balance) are out of reach
    of the row-by-row ascent. Takes the best combination by :func:`decoder.choose` (identities,
    then the summed model scores) when its arithmetic beats the current one; returns each row's
    tied readings, or None when not searched or not better."""
    if prod(len(row.options) for row in rows) > MAX_JOINT:
        return None
    index = {row.key: {p: i for i, p in enumerate(row.options)} for row in rows}
    combos = np.indices([len(row.options) for row in rows]).reshape(len(rows), -1).T
    minus_failed, passed, model = _combination_keys(vectors, rows, combos)
    current = np.flatnonzero((combos == [index[r.key][r.placement.positions] for r in rows]).all(axis=1))[0]
    keys = list(zip(minus_failed.astype(int).tolist(), passed.astype(int).tolist(), strict=True))
    models = model.tolist()
    scored = [Scored(tuple(combos[k].tolist()), keys[k], models[k]) for k in contenders(keys, models)]
    choice = choose(scored)
    if choice.best.arithmetic <= keys[current]:
        return None
    combo: tuple[int, ...] = cast(tuple[int, ...], choice.best.key)  # Scored keys here: option indices
    for row, option in zip(rows, combo, strict=True):
        row.placement = replace(row.placement, positions=row.options[option])
        vectors[row.key] = row.vector_at(row.options[option])
    tied = [cast(tuple[int, ...], c.key) for c in choice.alternatives]
    return {i: {row.options[t[i]] for t in tied} for i, row in enumerate(rows)}


def refine(cells: dict[CellKey, Cell], rows: list[PendingRow]) -> None:
    """Re-place ambiguous rows to satisfy the column identities; updates ``cells`` in place."""
    free = [row for row in rows if row.placement.ambiguous and len(row.options) > 1]
    vectors = _table_vectors(cells)
    for row in free:
        vectors[row.key] = row.vector_at(row.placement.positions)
    _ascend(vectors, free)
    if _column_score(vectors)[0] < 0:  # identities still fail: a row the model decided alone may be misread
        widened = [row for row in rows if len(row.options) > 1]
        if len(widened) > len(free):
            free = widened
            _ascend(vectors, free)
    together = _jointly(vectors, free) if free and _column_score(vectors)[0] < 0 else None
    if not free:
        return
    best = _column_score(vectors)
    symmetric = _symmetric_ties(vectors, free, best)
    for index, row in enumerate(free):
        chosen = row.model(row.placement.positions)
        tied = {c.key for c in _choice(vectors, row).alternatives} | (together or {}).get(index, set())
        tied |= {p for p in symmetric.get(index, set()) if chosen - row.model(p) <= AMBIGUOUS_MARGIN}
        tied.add(row.placement.positions)
        alternatives = tuple(sorted(tied))
        row.placement = replace(row.placement, ambiguous=len(alternatives) > 1, alternatives=alternatives)
        for cell in row.build(row.placement):
            cells[cell.key] = cell
