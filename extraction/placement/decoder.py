"""The one selection rule: the best reading the arithmetic allows, its runner-up and margin.

Every decision about where values go (a row's placement over its columns, a digit run's
split, the joint choice over a table) ends here. A candidate carries an arithmetic key
(compared as a tuple: fewer failed identities, then more holding ones) and a model score
(the tagger's log-probability of the candidate's column slots, counted only for the values
whose slot the model is sure of; 0 for every candidate with the rules alone). The rule:

1. keep the candidates with the best arithmetic key, unless the model's best reading beats
   the best allowed one by more than ``BROKEN_MARGIN`` nats: then the report's own arithmetic
   is broken, the model's reading stands and the checks flag it (never hidden by moving values);
2. among those, readings within ``AMBIGUOUS_MARGIN`` of the highest model score are tied; the
   leftmost of them (the smallest positions tuple) wins: the single tie-break. So the model
   overrides the printing convention (values fill from the left) only when it is sure, and
   with the rules alone (all scores 0) the convention decides;
3. a decision with several tied readings is ambiguous (review) and they are its alternatives;
   otherwise its margin is the winner's lead over the runner-up.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

AMBIGUOUS_MARGIN = math.log(20.0)  # a runner-up at least 1/20 as likely as the winner
BROKEN_MARGIN = 8.0
# A value's slot scores count only where the model is sure of its slot. Unsure scores are
# priors learned from generated tables (which columns tend to be filled), not evidence read
# from the layout, and summed over a row they would outvote the convention.
SURE_SLOT = 0.9


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

    @property
    def ambiguous(self) -> bool:
        return len(self.alternatives) > 1


def _order(candidate: Scored) -> tuple:
    return (-candidate.model, candidate.key)


def choose(candidates: Sequence[Scored]) -> Choice:
    """Apply the rule (see the module docstring) to a non-empty list of candidates."""
    best_key = max(c.arithmetic for c in candidates)
    allowed = [c for c in candidates if c.arithmetic == best_key]
    top = max(c.model for c in candidates)
    if top - max(c.model for c in allowed) > BROKEN_MARGIN:
        allowed = [c for c in candidates if top - c.model <= BROKEN_MARGIN]
        best_key = max(c.arithmetic for c in allowed)
        allowed = [c for c in allowed if c.arithmetic == best_key]
    ranked = sorted(allowed, key=_order)
    top = ranked[0].model
    tied = sorted((c for c in ranked if top - c.model <= AMBIGUOUS_MARGIN), key=lambda c: c.key)
    if len(tied) > 1:
        return Choice(tied[0], tuple(tied), 0.0)
    margin = top - ranked[1].model if len(ranked) > 1 else math.inf
    return Choice(ranked[0], (ranked[0],), margin)


def evidence_only(slot_logp: Sequence[Sequence[float]] | None) -> list[list[float]] | None:
    """Slot log-probabilities with every value the model is unsure of made uninformative (0)."""
    if slot_logp is None:
        return None
    sure = math.log(SURE_SLOT)
    return [list(row) if max(row) >= sure else [0.0] * len(row) for row in slot_logp]


def slot_score(slot_logp: Sequence[Sequence[float]] | None, positions: Sequence[int]) -> float:
    """Model score of placing value ``i`` in column ``positions[i]`` (0 without a model)."""
    if slot_logp is None:
        return 0.0
    return float(sum(slot_logp[i][col] for i, col in enumerate(positions)))
