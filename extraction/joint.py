"""Joint placement over the requests table: the column identities decide what rows cannot.

A row whose values fit several placements (``10`` and ``10`` in a 7-column row) is first
placed by its own row sum. The 三 column sums and the balance 一+二 = 三（七）+四 then tie the
rows together: coordinate ascent over each ambiguous row's tied placements keeps the choice
that satisfies the most column identities, and a row stays ambiguous only if several
placements still fit equally well.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from nianbao.extraction.cells import Cell, CellKey
from nianbao.extraction.checks import REQUEST_COLS, balance_requests, col_sum_requests
from nianbao.extraction.placement import Placement

MAX_PASSES = 3


@dataclass
class PendingRow:
    """A placed row and how to rebuild its cells for another placement."""

    key: str
    placement: Placement
    build: Callable[[Placement], list[Cell]]

    def __post_init__(self) -> None:
        self.options = self.placement.alternatives


def _column_score(cells: dict[CellKey, Cell]) -> tuple[int, int]:
    results = [col_sum_requests(cells.get, col) for col in REQUEST_COLS]
    results += [balance_requests(cells.get, col) for col in REQUEST_COLS]
    return (-sum(r.ok is False for r in results), sum(r.ok is True for r in results))


def _install(cells: dict[CellKey, Cell], built: list[Cell]) -> None:
    for cell in built:
        cells[cell.key] = cell


def _score_with(cells: dict[CellKey, Cell], changes: list[tuple[PendingRow, tuple[int, ...]]]) -> tuple[int, int]:
    """The column score with some rows re-placed; the rows are put back afterwards."""
    for row, positions in changes:
        _install(cells, row.build(replace(row.placement, positions=positions)))
    score = _column_score(cells)
    for row, _ in changes:
        _install(cells, row.build(row.placement))
    return score


def _ascend(cells: dict[CellKey, Cell], rows: list[PendingRow]) -> None:
    """Coordinate ascent: each row in turn takes its best placement given the others."""
    for _ in range(MAX_PASSES):
        changed = False
        for row in rows:
            scored = [(_score_with(cells, [(row, p)]), p) for p in row.options]
            best = max(score for score, _ in scored)
            choice = min(p for s, p in scored if s == best)
            if choice != row.placement.positions:
                row.placement = replace(row.placement, positions=choice)
                _install(cells, row.build(row.placement))
                changed = True
        if not changed:
            return


def _shifted(positions: tuple[int, ...], a: int, b: int) -> tuple[int, ...]:
    """Move a value from column a to column b (or back), keeping the others."""
    if (a in positions) == (b in positions):
        return positions
    src, dst = (a, b) if a in positions else (b, a)
    return tuple(sorted(dst if p == src else p for p in positions))


def _symmetric_ties(cells: dict[CellKey, Cell], rows: list[PendingRow], best: tuple[int, int]) -> dict[int, set]:
    """Placements reached by moving one applicant column into another in every free row at once."""
    ties: dict[int, set] = {}
    for a in range(6):
        for b in range(a + 1, 6):
            changes = []
            for index, row in enumerate(rows):
                moved = _shifted(row.placement.positions, a, b)
                if moved != row.placement.positions and moved in row.options:
                    changes.append((index, row, moved))
            if changes and _score_with(cells, [(r, m) for _, r, m in changes]) == best:
                for index, _, moved in changes:
                    ties.setdefault(index, set()).add(moved)
    return ties


def refine(cells: dict[CellKey, Cell], rows: list[PendingRow]) -> None:
    """Re-place ambiguous rows to satisfy the column identities; updates ``cells`` in place.

    A row stays ambiguous when another of its placements scores as well, alone or together
    with the same column move in the other undecided rows (a table whose rows all print
    ``n`` and ``n`` fits any single applicant column equally well).
    """
    free = [row for row in rows if row.placement.ambiguous and len(row.options) > 1]
    if not free:
        return
    _ascend(cells, free)
    best = _column_score(cells)
    symmetric = _symmetric_ties(cells, free, best)
    for index, row in enumerate(free):
        tied = {p for p in row.options if _score_with(cells, [(row, p)]) == best}
        tied |= symmetric.get(index, set())
        tied.add(row.placement.positions)
        alternatives = tuple(sorted(tied))
        row.placement = replace(row.placement, ambiguous=len(alternatives) > 1, alternatives=alternatives)
        _install(cells, row.build(row.placement))
