"""Placing printed values into a row's columns when the flattening dropped the empty cells.

Seed 000 prints ``10`` and ``10`` for a 7-column row. Order is kept, so the candidates are the
order-preserving placements; each is scored by the arithmetic it satisfies and by what real
reports do (the total is printed before any applicant column, values fill from the left).
When several placements score the same on the arithmetic and the total rule, the placement
is *ambiguous*: the convention picks one and the cells go to review.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import combinations
from math import comb

# Score of a placement: higher is better, compared as a tuple.
Scorer = Callable[[dict[int, int]], tuple[int, ...]]
MAX_CANDIDATES = 20_000


@dataclass(frozen=True)
class Placement:
    """``positions[i]`` is the column index of the i-th printed value."""

    positions: tuple[int, ...]
    ambiguous: bool
    candidates: int
    alternatives: tuple[tuple[int, ...], ...] = ()


def place(n_values: int, n_cols: int, scorer: Scorer) -> Placement:
    """The best order-preserving placement of ``n_values`` values into ``n_cols`` columns."""
    if n_values >= n_cols:
        return Placement(tuple(range(n_cols)), False, 1)
    if n_values == 0:
        return Placement((), False, 1)
    if comb(n_cols, n_values) > MAX_CANDIDATES:
        return Placement(tuple(range(n_values)), True, 0)
    scored: list[tuple[tuple[int, ...], tuple[int, ...]]] = []
    for positions in combinations(range(n_cols), n_values):
        scored.append((scorer(dict(enumerate(positions))), positions))
    best_score = max(score for score, _ in scored)
    tied = [positions for score, positions in scored if score == best_score]
    chosen = min(tied)  # leftmost: the convention
    return Placement(chosen, len(tied) > 1, len(scored), tuple(tied))


def differing_columns(placement: Placement, values: Sequence[object], n_cols: int) -> set[int]:
    """Columns whose content differs between the tied placements."""
    if not placement.ambiguous:
        return set()
    grids = []
    for positions in placement.alternatives or (placement.positions,):
        grid = [None] * n_cols
        for value, col in zip(values, positions, strict=False):
            grid[col] = value
        grids.append(grid)
    return {c for c in range(n_cols) if len({repr(g[c]) for g in grids}) > 1}
