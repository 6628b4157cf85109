"""Placing printed values into a row's columns when the flattening dropped the empty cells.

Seed 000 prints ``10`` and ``10`` for a 7-column row. Order is kept, so the candidates are the
order-preserving placements; each is scored by the arithmetic it satisfies and by the
tagger's column-slot probabilities of its values, and :func:`decoder.choose` decides. With
the rules alone every placement scores 0 and the convention (the printed total, then
leftmost) decides; the row is *ambiguous* when several placements stay within the margin.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations
from math import comb, exp, inf

import numpy as np

from nianbao.extraction.placement.decoder import Scored, choose, contenders, evidence_only, slot_score

# Arithmetic key of a placement: higher is better, compared as a tuple.
Scorer = Callable[[dict[int, int]], tuple[int, ...]]
Allowed = Callable[[tuple[int, ...]], bool]
MAX_CANDIDATES = 20_000
BATCH = 48  # placements from which a scorer's ``many`` is used (numpy pays off)


@dataclass(frozen=True)
class Placement:
    """``positions[i]`` is the column index of the i-th printed value."""

    positions: tuple[int, ...]
    ambiguous: bool
    candidates: int
    alternatives: tuple[tuple[int, ...], ...] = ()
    scores: dict = field(default_factory=dict, compare=False)  # positions -> model score
    margin: float = inf
    slot_prob: float | None = None  # mean model probability of the chosen slots
    options: tuple[tuple[int, ...], ...] = ()  # every reading the row's arithmetic allows (joint choice)


def place(
    n_values: int,
    n_cols: int,
    scorer: Scorer,
    slot_logp: Sequence[Sequence[float]] | None = None,
    allowed: Allowed | None = None,
) -> Placement:
    """The best order-preserving placement of ``n_values`` values into ``n_cols`` columns.

    ``slot_logp[i][c]`` is the model's log-probability that value ``i`` sits in column ``c``;
    ``allowed`` keeps only placements consistent with fixed (corrected) cells.
    """
    if n_values == 0:
        return Placement((), False, 1)
    if n_values >= n_cols:
        positions = tuple(range(n_cols))
        return Placement(positions, False, 1, (positions,), slot_prob=_mean_prob(slot_logp, positions))
    if comb(n_cols, n_values) > MAX_CANDIDATES:
        positions = tuple(range(n_values))
        return Placement(positions, True, 0, (positions,))
    evidence = evidence_only(slot_logp)
    options, at = _options(n_cols, n_values, allowed)
    many = getattr(scorer, "many", None)  # a scorer may key many placements at once (same keys)
    if many is not None and len(options) > BATCH:
        table = many(at)
        models = _slot_scores(evidence, at)
        indices = contenders(table, models)
        scored = [Scored(options[i], tuple(key), score) for i, key, score in _rows(indices, table, models)]
    else:
        keys = [scorer(dict(enumerate(p))) for p in options]
        slots = [slot_score(evidence, p) for p in options]
        scored = [Scored(options[i], keys[i], slots[i]) for i in contenders(keys, slots)]
    choice = choose(scored)
    kept = (*choice.allowed, *choice.alternatives)
    return Placement(
        choice.best.key,
        choice.ambiguous,
        len(options),
        tuple(sorted(c.key for c in choice.alternatives)),
        {c.key: c.model for c in kept},
        choice.margin,
        _mean_prob(slot_logp, choice.best.key),
        tuple(sorted({c.key for c in kept})),
    )


def _options(n_cols: int, n_values: int, allowed: Allowed | None) -> tuple[Sequence[tuple[int, ...]], np.ndarray]:
    """The order-preserving placements ``allowed`` keeps (all when it keeps none), as tuples and
    as an array of positions (a row per placement)."""
    options, at = _all_options(n_cols, n_values)
    if allowed is not None:
        kept = [i for i, p in enumerate(options) if allowed(p)]
        if kept:
            return [options[i] for i in kept], at[kept]
    return options, at


def _rows(indices: list[int], table: np.ndarray, models: np.ndarray) -> zip:
    """``(index, key row, model score)`` of the chosen candidates, as Python ints and floats."""
    return zip(indices, table[indices].tolist(), models[indices].tolist(), strict=True)


@lru_cache(maxsize=256)
def _all_options(n_cols: int, n_values: int) -> tuple[tuple[tuple[int, ...], ...], np.ndarray]:
    """Every placement of ``n_values`` values in ``n_cols`` columns, in ``combinations`` order
    (made once per shape: a row of 15 with 7 values has 6,435); both read-only."""
    options = tuple(combinations(range(n_cols), n_values))
    at = np.array(options, dtype=np.intp).reshape(len(options), n_values)
    at.flags.writeable = False
    return options, at


def _slot_scores(slot_logp: Sequence[Sequence[float]] | None, at: np.ndarray) -> np.ndarray:
    """:func:`slot_score` of every placement (a row of ``at``) at once: value by value, left to
    right, so each sum is the same additions in the same order (the same bits)."""
    if slot_logp is None:
        return np.zeros(len(at))
    logp = np.asarray(slot_logp, dtype=np.float64)
    total = np.zeros(len(at)) + logp[0, at[:, 0]]
    for value in range(1, at.shape[1]):
        total = total + logp[value, at[:, value]]
    return total


MARGIN_SCALE = 10.0  # nats: a margin this large (or no runner-up) reads as 1


def margin_feature(margin: float) -> float:
    """The decoder's margin to the runner-up as a feature in [0, 1]."""
    return min(margin, MARGIN_SCALE) / MARGIN_SCALE


def _mean_prob(slot_logp: Sequence[Sequence[float]] | None, positions: Sequence[int]) -> float | None:
    if slot_logp is None or not positions:
        return None
    return sum(exp(slot_logp[i][col]) for i, col in enumerate(positions)) / len(positions)


def differing_columns(placement: Placement, values: Sequence[object], n_cols: int) -> set[int]:
    """Columns whose content differs between the placement's alternatives."""
    if not placement.ambiguous:
        return set()
    grids = []
    for positions in placement.alternatives or (placement.positions,):
        grid = [None] * n_cols
        for value, col in zip(values, positions, strict=False):
            grid[col] = value
        grids.append(grid)
    return {c for c in range(n_cols) if len({repr(g[c]) for g in grids}) > 1}
