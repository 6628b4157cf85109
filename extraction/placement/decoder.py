"""The one selection rule: the best reading the arithmetic allows, its runner-up and margin.

Every decision about where values go (a row's placement over its columns, a digit run's
split, the joint choice over a table) ends here. A candidate carries an arithmetic key
(compared as a tuple: fewer failed identities, then more holding ones) and a model score
(the tagger's log-probability of the candidate's column slots; 0 for every candidate with the
rules alone). The rule:

1. keep the candidates with the best arithmetic key, unless the model's best reading beats
   the best allowed one by more than ``BROKEN_MARGIN`` nats: then the report's own arithmetic
   is broken, the model's reading stands and the checks flag it (never hidden by moving values);
2. among those, readings within ``AMBIGUOUS_MARGIN`` of the highest model score are tied; the
   one with the highest model score wins, and among equal scores the leftmost (the smallest
   positions tuple): the single tie-break. With the rules alone (all scores 0) the printing
   convention (values fill from the left) decides; the model's scores count only where it is
   sure (below), so its pick among tied readings is a reading of the layout, not a prior;
3. a decision with several tied readings is ambiguous (review) and they are its alternatives;
   so is one where the arithmetic overrules the model by more than the margin (the model's
   favourite joins the alternatives: when the layout and the arithmetic disagree, a person
   decides); otherwise its margin is the winner's lead over the runner-up.

The model's scores count where the row prints its empty fields (``12\t\t3``, ``|  |``, a blank
line: the layout states where its values sit and the model reads it, however unsure: long rows
such as the appeals table read as one row of 15 rarely reach 0.9 on a far slot, and where it is
unsure the readings tie and go to review), and elsewhere only where it is sure (``SURE_SLOT``)
of every value's slot in a row, or of a digit run's best split. Otherwise every reading scores
0 and the arithmetic and the convention decide, as with the rules alone.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

AMBIGUOUS_MARGIN = math.log(20.0)  # a runner-up at least 1/20 as likely as the winner
BROKEN_MARGIN = 8.0
SURE_SLOT = 0.9  # the model's scores count where it is this sure (see evidence_only)


class SlotScores(list):
    """A row's slot log-probabilities; ``stated`` when the text prints the row's empty fields
    (``12\t\t3``, ``|  |``, a blank line), so the values' places are read, not guessed."""

    def __init__(self, rows: Sequence[Sequence[float]], stated: bool = False) -> None:
        super().__init__(rows)
        self.stated = stated


@dataclass(frozen=True)
class Scored:
    """One candidate reading: its key (positions or a split's key), arithmetic and model score."""

    key: Hashable
    arithmetic: tuple[int, ...]
    model: float = 0.0


@dataclass(frozen=True)
class Choice:
    """The decision: winner, the alternatives within the margin, runner-up margin."""

    best: Scored
    alternatives: tuple[Scored, ...]
    margin: float  # the winner's lead over the runner-up (0 when tied, inf without one)
    allowed: tuple[Scored, ...] = ()  # every candidate the arithmetic allows (a later joint choice's options)

    @property
    def ambiguous(self) -> bool:
        return len(self.alternatives) > 1


def _order(candidate: Scored) -> tuple:
    return (-candidate.model, candidate.key)


def choose(candidates: Sequence[Scored]) -> Choice:
    """Apply the rule (see the module docstring) to a non-empty list of candidates."""
    best_key = max(c.arithmetic for c in candidates)
    allowed = [c for c in candidates if c.arithmetic == best_key]
    arithmetic_pick = min(allowed, key=_order)
    top = max(c.model for c in candidates)
    overruled = top - arithmetic_pick.model  # how far the arithmetic moves away from the model
    if overruled > BROKEN_MARGIN:
        allowed = [c for c in candidates if top - c.model <= BROKEN_MARGIN]
        best_key = max(c.arithmetic for c in allowed)
        allowed = [c for c in allowed if c.arithmetic == best_key]
    ranked = sorted(allowed, key=_order)
    lead = ranked[0].model
    tied = sorted((c for c in ranked if lead - c.model <= AMBIGUOUS_MARGIN), key=lambda c: c.key)
    if overruled > AMBIGUOUS_MARGIN:  # the model and the arithmetic disagree: a person decides
        favourite = min((c for c in candidates if c.model == top), key=lambda c: c.key)
        both = {c.key: c for c in (*tied, favourite, arithmetic_pick)}
        return Choice(min(tied, key=_order), tuple(sorted(both.values(), key=lambda c: c.key)), 0.0, tuple(allowed))
    if len(tied) > 1:
        return Choice(min(tied, key=_order), tuple(tied), 0.0, tuple(allowed))
    margin = lead - ranked[1].model if len(ranked) > 1 else math.inf
    return Choice(ranked[0], (ranked[0],), margin, tuple(allowed))


def contenders(keys: Sequence[tuple[int, ...]] | np.ndarray, models: Sequence[float] | np.ndarray) -> list[int]:
    """Indices of the candidates :func:`choose` can pick or tie with: the ones with the best
    arithmetic key, the model's favourites and, where the model overrules the arithmetic, those
    within ``BROKEN_MARGIN`` of it. ``choose`` over them decides as over all (fewer to build).

    ``keys`` is one key per candidate (tuples of ints, or their rows in an array), compared as
    ``choose`` compares them (lexicographically); the work is numpy's, for thousands at once."""
    table, scores = np.asarray(keys), np.asarray(models, dtype=np.float64)
    best = np.ones(len(scores), dtype=bool)
    for column in table.reshape(len(scores), -1).T:  # the lexicographic maximum, column by column
        best &= column == column[best].max()
    top = scores.max()
    best_model = scores[best].max()
    floor = top - BROKEN_MARGIN if top - best_model > BROKEN_MARGIN else math.inf
    return np.flatnonzero(best | (scores == top) | (scores >= floor)).tolist()


def evidence_only(slot_logp: Sequence[Sequence[float]] | None) -> list[list[float]] | None:
    """A row's slot log-probabilities where they are evidence, else None: when the model is
    sure of every value's slot, or the row prints its empty fields (``stated``).

    Elsewhere unsure scores are priors learned from generated tables, not evidence read from
    the layout; a row decided partly by them would look decided when the text does not decide it.
    """
    if slot_logp is None:
        return None
    if all(max(row) >= math.log(SURE_SLOT) for row in slot_logp):
        return [list(row) for row in slot_logp]
    if getattr(slot_logp, "stated", False):
        return [list(row) for row in slot_logp]
    return None


def sure_split_scores(scores: Sequence[float], length: int) -> list[float]:
    """A run's split scores when the model is sure of its best split, else all 0.

    Sure: the best split's mean per-character log-probability reaches ``log(SURE_SLOT)``. The
    model sees 1-9 as one character, so most runs are undecidable to it, and its priors must
    not outvote the convention there.
    """
    if not scores or length <= 0 or max(scores) / length < math.log(SURE_SLOT):
        return [0.0] * len(scores)
    return list(scores)


def slot_score(slot_logp: Sequence[Sequence[float]] | None, positions: Sequence[int]) -> float:
    """Model score of placing value ``i`` in column ``positions[i]`` (0 without a model)."""
    if slot_logp is None:
        return 0.0
    return float(sum([row[col] for row, col in zip(slot_logp, positions, strict=False)]))  # a list sums faster
