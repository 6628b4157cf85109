"""Readings of a run whose spaced values are fewer than its cells: the rest printed empty.

A page's text with its whitespace collapsed (a scraper's ``get_text(" ")``, a copy out of a
browser) keeps a row's values apart but leaves no trace of its empty cells:
``一、本年新收政府信息公开申请数量 10 10`` is 10 in one applicant column and 10 in 总计. Such
a run splits into none of the row's full readings; its readings are the values, in their
printed order, in every choice of cells, the others blank. The row's own sums keep the
readings they allow best (a printed total equal to its parts before one left blank, which
says nothing), and the decoder and the table's column identities choose among the rest
(``joint.refine``); readings still tied go to review, the leftmost first. A run of one field
of several digits is not read so (glued digits: ``5252`` may be 52 and 52).
"""

from __future__ import annotations

from itertools import combinations, islice

from nianbao.extraction.placement.arithmetic import RowSums, row_arithmetic
from nianbao.extraction.placement.runs import Piece, Run, piece_value, valid_piece

MAX_ARRANGEMENTS = 5_000  # choices of cells read for one run (15 cells, 7 values: 6,435)


def spaced_values(run: Run) -> list[Piece]:
    """The run's fields between spaces, each a piece."""
    pieces, cursor = [], 0
    for field in run.text.split(" "):
        if field:
            start = run.start + run.text.index(field, cursor)
            pieces.append(Piece(start, start + len(field), field))
        cursor += len(field) + 1
    return pieces


def blank_readings(run: Run, kinds: list[tuple[bool, bool]], sums: RowSums | None = None) -> list[list[Piece]]:
    """Every reading of ``run`` with its spaced values in fewer cells than ``kinds`` (``(money,
    signed)`` per cell), an empty piece at the run's end in each other cell, leftmost first;
    with ``sums``, only those whose identities fail least and hold most."""
    values = spaced_values(run)
    width = len(kinds)
    if not values or len(values) >= width or (len(values) == 1 and len(values[0].raw) > 1):
        return []
    empty = Piece(run.end, run.end, "")
    readings = []
    for cells in islice(combinations(range(width), len(values)), MAX_ARRANGEMENTS):
        if all(valid_piece(v.raw, *kinds[c]) for v, c in zip(values, cells, strict=True)):
            reading = [empty] * width
            for value, cell in zip(values, cells, strict=True):
                reading[cell] = value
            readings.append(reading)
    if not sums or not readings:
        return readings
    keys = [row_arithmetic([_value(p) for p in reading], sums) for reading in readings]
    best = max(keys)
    return [reading for reading, key in zip(readings, keys, strict=True) if key == best]


def _value(piece: Piece) -> float | None:
    if not piece.raw:
        return None
    try:
        return piece_value(piece)
    except ValueError:
        return None
