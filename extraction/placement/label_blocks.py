"""A block of row labels printed before a block of their values, row by row or column by column.

pdfminer's text (``pdf2txt.py``, ``pdfminer.high_level.extract_text``) prints a ruled table as
text boxes: every label of a page first, then the values, one per line, and where a column's
numbers sit close enough to make one box, a column after another (``21 0 0 4 1 …`` is 自然人
down the page), the boxes not always left to right (a column whose box starts lower comes
later). The aligner gave the whole run to the block's last label, so every other row came out
blank, none in review.

A run of values after ``k >= 2`` labels with none of their own, exactly as many values as the
labels' rows have columns, is split over those rows. The readings: row by row; column by column
(rows of equal width), as printed and with one column moved to the end (a box printed early).
The template's row identities (总计 the sum of the applicants) choose, then the printed order (a
column moved least: where only natural persons applied, 自然人 equals 总计, and moving 自然人 to
the end holds as well); a tie left between readings that give different cells (the active
table has no identity; a row of zeros holds either way) sets the block's rows aside for review.
"""

from __future__ import annotations

from collections.abc import Mapping

from nianbao.extraction.placement.align import Group
from nianbao.extraction.placement.arithmetic import RowSums, SumScorer
from nianbao.extraction.text.frames import rest_of_line
from nianbao.extraction.text.patterns import Label, Token

Rows = tuple[tuple[Token, ...], ...]


def split_label_blocks(
    norm: str, labels: list[Label], assignment: dict[str, Group], widths: Mapping[str, int], sums: RowSums
) -> tuple[dict[str, Group], set[str]]:
    """``assignment`` with each label block's run split over its labels (``widths``: each row's
    columns), and the rows whose reading the arithmetic could not choose."""
    ordered = sorted(labels, key=lambda label: label.start)
    result, undecided = dict(assignment), set()
    for row, group in assignment.items():
        block = _block(ordered, assignment, row, group, widths)
        if not block or any(_cells_after(norm, label) for label in block[:-1]):
            continue  # no block; or a row printed with its empty cells (``行政处罚\t\t\t``) waits for no values
        rows, sure = _reading(group.tokens, [widths[label.row] for label in block], sums)
        result.update({label.row: Group(tokens) for label, tokens in zip(block, rows, strict=True)})
        if not sure:
            undecided |= {label.row for label in block}
    return result, undecided


def _block(
    ordered: list[Label], assignment: dict[str, Group], row: str, group: Group, widths: Mapping[str, int]
) -> list[Label]:
    """The labels whose values ``group`` holds: the labels up to ``row``'s whose widths add up
    to the run, printed before it, none with values of its own, the label before them (if any)
    closed by a run before the block. Empty when the run is one row's or fits no block."""
    at = next((i for i, label in enumerate(ordered) if label.row == row), None)
    if at is None or group.start < ordered[at].end or len(group.tokens) <= widths.get(row, 0):
        return []
    first, filled = at, 0
    while first >= 0 and filled < len(group.tokens):
        filled += widths.get(ordered[first].row, 0)
        first -= 1
    first += 1
    if filled != len(group.tokens) or at - first < 1:
        return []
    block = ordered[first : at + 1]
    if any(label.row in assignment for label in block[:-1]):
        return []  # a label with values of its own waits for none
    ends = [g.end for r, g in assignment.items() if r != row]
    if any(block[0].start < end <= group.start for end in ends):
        return []  # a run of values between the block's labels: not a block
    if first > 0 and not any(ordered[first - 1].end < end <= block[0].start for end in ends):
        return []  # the label before the block has no values either: a label may be missing
    return block


def _cells_after(norm: str, label: Label) -> bool:
    """A cell separator (``|`` or a tab) after the label on its line."""
    return any(ch in "|\t" for ch in rest_of_line(norm, label.end))


def _reading(tokens: tuple[Token, ...], widths: list[int], sums: RowSums) -> tuple[Rows, bool]:
    """The best reading of a block's values and whether the arithmetic chose it."""
    readings = _readings(tokens, widths)
    keys = [(_score(rows, sums), -moved) for rows, moved in readings]
    best = max(range(len(readings)), key=lambda i: keys[i])  # the first of the best: row by row first
    rows = readings[best][0]
    rivals = [other for (other, _), key in zip(readings, keys, strict=True) if key == keys[best]]
    return rows, all(_cells(other) == _cells(rows) for other in rivals)


def _readings(tokens: tuple[Token, ...], widths: list[int]) -> list[tuple[Rows, int]]:
    """(rows, how far a column was moved from where it was printed), row by row first."""
    bounds = [sum(widths[:i]) for i in range(len(widths) + 1)]
    readings = [(tuple(tokens[a:b] for a, b in zip(bounds, bounds[1:], strict=False)), 0)]
    k, n_cols = len(widths), widths[0]
    if n_cols < 2 or any(width != n_cols for width in widths):
        return readings
    columns = [tokens[j * k : (j + 1) * k] for j in range(n_cols)]
    for moved in range(n_cols):  # the column printed at ``n_cols - 1 - moved`` is the last one
        order = [*columns[: n_cols - 1 - moved], *columns[n_cols - moved :], columns[n_cols - 1 - moved]]
        readings.append((tuple(tuple(column[i] for column in order) for i in range(k)), moved))
    return readings


def _score(rows: Rows, sums: RowSums) -> tuple[int, int]:
    """(-failed, holding) identities over the rows."""
    failed = holding = 0
    for tokens in rows:
        key = SumScorer([t.raw for t in tokens], sums)({i: i for i in range(len(tokens))})
        failed, holding = failed + key[0], holding + key[1]
    return failed, holding


def _cells(rows: Rows) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(token.raw for token in row) for row in rows)
