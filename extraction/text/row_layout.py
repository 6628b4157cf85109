"""How a printed row lays out its fields: the unit of separators between two values, each
value's field, the empty fields it prints before, between and after its values.

The locator asks these before it lets the model's column-slot scores place a row: whether the
layout states where the row's empty cells are (:func:`printed_gaps`), or leaves it to the
convention (a tab dump's merged label cell, :func:`leading_empty_field`; values side by side,
fewer than the columns, :func:`side_by_side`; the tab a table ends every line with,
:func:`line_ending`), or says it outright (a markdown row of one cell per column after its label
cell, :func:`markdown_slots`). Counted as the model's layout feature counts (``models/labels.py``).
"""

from __future__ import annotations

import math
import re
from bisect import bisect
from collections.abc import Sequence

from nianbao.extraction.text.patterns import VALUE, Token
from nianbao.models.labels import SEPARATORS, boundaries, field_at, layout_marks

_SIDE_BY_SIDE = re.compile(r"[^\t\s]\t[^\t\s]")  # two filled fields, one tab between them
GRID_REACH = 6  # lines read above and below a row to see the grid it belongs to
LOOK_BACK = 256  # characters read back from a row's first value to find where its line's fields start
_VALUE_RUN = re.compile(r"(?<![^\t|\n ])[\d.,/]+(?![^\t|\n ])")  # a value standing in its own field
SPACING_REACH = 400  # characters read around a row to see how its text spaces its lines
_SPACING_SAMPLES = 3  # line breaks beside value lines needed to say the text double-spaces them
_SPACED_VALUE = re.compile(r"((?:[ \t]*\n)+)[ \t]*[\d.,+\-]+[ \t]*(?=((?:\n[ \t]*)+))")  # a value line and its breaks
RowFields = tuple[int, int, int, int]  # unit, first and last value's field, trailing empty fields


def leading_empty_field(
    norm: str, tokens: Sequence[Token], n_cols: int, fields: RowFields | None = None, version: int = 1
) -> bool:
    """True when the layout does not say where a row's values go: its first field is empty
    (more separators between the label and the first value than between two values:
    ``label\t\t0\t0``) and the row prints more fields than it has columns
    (``2.重复申请\t\t0\t0\t0\t0\t0\t0\t``: eight fields for seven columns).

    A tab dump's merged label cell prints such an extra empty field, so there an empty first
    column and a shifted row look alike and the convention decides; where the row's fields add
    up (``| label |  | 2 | 5 |``, ``label\n\n5\n3``, an appeals row of 15 fields with empty
    ones at both ends), the empty first field is the layout's own statement and the model reads it.
    """
    if len(tokens) < 2:  # a lone value: no separator unit to count its fields in
        return False
    unit, first_field, last_field, trailing = fields or row_fields(norm, tokens, version)
    if first_field <= unit:
        return False
    return last_field // unit + trailing > n_cols


def printed_gaps(norm: str, tokens: Sequence[Token], fields: RowFields | None = None, version: int = 1) -> bool:
    """True when the row prints an empty field before, between or after its values (more
    separators there than between two neighbouring values): the layout states where they sit."""
    if not tokens:
        return False
    unit, first_field, _, trailing = fields or row_fields(norm, tokens, version)
    between = [_separators(norm, a.end, b.start, version) for a, b in zip(tokens, tokens[1:], strict=False)]
    return first_field > unit or max(between, default=0) > unit or trailing > 0


def row_fields(norm: str, tokens: Sequence[Token], version: int = 1) -> RowFields:
    """A row's separator unit (fewest separators between two values; 1 for a lone value), the
    layout feature (uncapped) of its first and last value, and the empty fields printed after
    its last value on that line (a markdown row's closing ``|`` and frame not counted).

    With the version 2 feature a markdown value row printed without its label
    (``|  |  | 4 |…``: a PDF converter's row below its label) counts from its own first ``|``,
    so its first field is the empty label cell: not one of the row's columns.
    """
    first, last = tokens[0], tokens[-1]
    pairs = zip(tokens, tokens[1:], strict=False)
    unit = min((_separators(norm, a.end, b.start, version) for a, b in pairs), default=0) or _lone_unit(norm, first)
    offset = max(0, first.start - LOOK_BACK)
    line_end = norm.find("\n", last.start)
    marks = layout_marks(norm, offset, len(norm) if line_end < 0 else line_end, version)  # as the model reads it
    label_cell = 1 if version >= 2 and _unlabelled_markdown_row(norm, first.start) else 0  # one markdown field
    first_field = field_at(norm, first.start, offset, marks, version) - label_cell
    last_field = field_at(norm, last.start, offset, marks, version) - label_cell
    if first_field > 0:  # the first value's field counts in units too: ``| a | 1 |  |  | 2 |`` has unit 1, not 3
        unit = math.gcd(unit, first_field)
    trailing = max(0, _trailing(norm, last.end, version) - unit - _frame(norm, first.start)) // unit
    return unit, first_field, last_field, trailing


def field_slots(norm: str, tokens: Sequence[Token], n_cols: int, version: int = 1) -> list[int] | None:
    """Each value's column read from the fields the row prints (uncapped), or None when they do
    not say. The unit is the greatest common divisor of the steps between values and from the
    row's start: a labelled row's first column is one unit after its label, a row opening its
    own line counts from the line break (``总计\n12\t\t\t\t3``: 12 and 3 in columns 0 and 2,
    every field two tabs). For rows the model's layout feature cannot count to the end of."""
    offset = max(0, tokens[0].start - LOOK_BACK)
    marks = layout_marks(norm, offset, tokens[-1].end, version)
    fields = [field_at(norm, token.start, offset, marks, version) for token in tokens]
    line_start = norm.rfind("\n", 0, tokens[0].start) + 1
    opens_line = line_start > 0 and not norm[line_start : tokens[0].start].strip(" \t|\u3000")
    steps = [fields[0] - opens_line] + [b - a for a, b in zip(fields, fields[1:], strict=False)]
    unit = math.gcd(*steps)
    if unit <= 0 or min(steps[1:], default=1) <= 0:
        return None
    slots = [(field - opens_line) // unit - (0 if opens_line else 1) for field in fields]
    return slots if 0 <= slots[0] and slots[-1] < n_cols else None


def markdown_slots(norm: str, tokens: Sequence[Token], n_cols: int) -> list[int] | None:
    """Each value's column in a markdown row that prints one cell per column after its label
    cells (``| 一、本年新 |  | 5 |  | 3 |…``, or a PDF converter's value row printed below its label,
    ``|  |  | 4 |  | 3 |…``, whose first cell is the empty label cell): the last ``n_cols`` cells
    are the columns. A label merged over several columns and printed as its text and empty cells
    (``| 一、本年新收 |  |  | 10 |  |…``: the grid's label columns) fills the cells before them, and
    no value sits there. The appeals table printed as one row of 15 has no label cell: its cells
    are its columns, an empty first cell its first. None where the cells do not count so (fewer
    cells than columns, or a label's text where a column would be: the row lost a cell)."""
    line_start, line = _row_line(norm, tokens)
    if "\n" in line or not (line.lstrip().startswith("|") and line.rstrip().endswith("|")):
        return None
    bars = [i + line_start for i, ch in enumerate(line) if ch == "|"]
    label_cells = len(bars) - 1 - n_cols
    if label_cells < 0 or any(_label_text(cell) for cell in line.strip()[1:-1].split("|")[label_cells:]):
        return None  # fewer cells than columns, or a label's text where a column would be
    slots = [bisect(bars, token.start) - 1 - label_cells for token in tokens]
    return slots if slots[0] >= 0 and len(set(slots)) == len(slots) else None


def grid_slots(norm: str, tokens: Sequence[Token], n_cols: int, reach: int = GRID_REACH) -> list[int] | None:
    """Each value's column in a row of a delimited grid (a table copied out of a spreadsheet or a
    Word table as tab-separated lines, or converted to pipes without a frame, ``a | b | c``: one
    separator between two fields, every row as many fields) whose label is merged over several
    columns and prints empty fields after its text (``一、本年新收…\t\t\t52\t\t\t\t\t\t52``): the
    last ``n_cols`` fields are the columns. Counted from the label, 52 looks two columns right.
    A row with one label field or none (the appeals row, `` | 1 |  | 1 | …``) is read so too.
    Only where the lines around it make a grid (:func:`_grid_around`). None otherwise: the row's
    fields do not say (a framed markdown table is :func:`markdown_slots`'s)."""
    line_start, line = _row_line(norm, tokens)
    separator = "|" if "|" in line else "\t"
    if "\n" in line or separator not in line:
        return None
    width = line.count(separator) + 1
    label_fields = width - n_cols
    if label_fields < 0 or not _grid_around(norm, line_start, line, separator, label_fields, reach):
        return None
    slots = [norm.count(separator, line_start, token.start) - label_fields for token in tokens]
    return slots if slots[0] >= 0 and len(set(slots)) == len(slots) else None


def _label_text(cell: str) -> bool:
    return bool(cell.strip()) and not VALUE.fullmatch(cell.strip())


def _value_text(cell: str) -> bool:
    return bool(cell.strip()) and bool(VALUE.fullmatch(cell.strip()))


def _fields_fit(fields: list[str], label_fields: int) -> bool:
    """A header line (no values) fits any grid; a row of values has them after its label fields
    and no label text there."""
    if not any(map(_value_text, fields)):
        return True
    labels, columns = fields[:label_fields], fields[label_fields:]
    return not any(map(_value_text, labels)) and not any(map(_label_text, columns))


def _grid_around(norm: str, line_start: int, row: str, separator: str, label_fields: int, reach: int) -> bool:
    """True when the ``row``'s line and the lines within ``reach`` that hold the separator make a
    grid of one separator per field: three or more lines of as many fields, two filled fields
    side by side somewhere (one tab between them: not a layout that prints every boundary as two
    tabs), something in some line's last field (a separator every line ends with is not a
    column) and every line that holds values holding them in its last fields only, no label
    text among them. A Word table pasted with a cell lost from some rows is no rectangle, or is
    one by chance (a trailing empty field on the rows that kept their label in one field), with
    values where another row's labels are and labels where its values are."""
    above, below = _lines_near(norm, line_start, reach, separator)  # the table's own lines
    lines = [*above, row, *below]
    width = row.count(separator) + 1
    if len(lines) < 3 or any(line.count(separator) + 1 != width for line in lines):
        return False
    if separator == "\t" and not any(_SIDE_BY_SIDE.search(line) for line in lines):
        return False
    if separator == "|" and all(line.lstrip().startswith("|") for line in lines):
        return False  # every line framed: a markdown table, markdown_slots reads it
    if not all(_fields_fit([f.strip() for f in line.split(separator)], label_fields) for line in lines):
        return False
    return any(line.rsplit(separator, 1)[-1].strip() for line in lines)


def _row_line(norm: str, tokens: Sequence[Token]) -> tuple[int, str]:
    """Where the line of a row's first value starts, and the text from there to the end of the
    line of its last value."""
    line_start = norm.rfind("\n", 0, tokens[0].start) + 1
    line_end = norm.find("\n", tokens[-1].end)
    return line_start, norm[line_start : len(norm) if line_end < 0 else line_end]


def _lines_near(norm: str, line_start: int, reach: int, holding: str = "") -> tuple[list[str], list[str]]:
    """Up to ``reach`` lines above the line at ``line_start`` (nearest first) and below it, each
    side only as far as its lines hold ``holding`` (every line holds "")."""
    above: list[str] = []
    start = line_start
    for _ in range(reach):
        if start == 0:
            break
        previous = norm.rfind("\n", 0, start - 1) + 1
        if holding not in norm[previous : start - 1]:
            break
        above.append(norm[previous : start - 1])
        start = previous
    below: list[str] = []
    end = norm.find("\n", line_start)
    for _ in range(reach):
        if end < 0:
            break
        after = norm.find("\n", end + 1)
        line = norm[end + 1 : len(norm) if after < 0 else after]
        if holding not in line:
            break
        below.append(line)
        end = after
    return above, below


def side_by_side(fields: RowFields, n_values: int) -> bool:
    """True when a row's values sit in consecutive fields: ``\t0\t0\t0``, not ``\t1\t\t\t1``
    (whose even gaps make the fewest separators between two values 3: the field after the
    label, 1, is the narrower unit)."""
    unit, first_field, last_field, _ = fields
    unit = min(unit, max(first_field, 1))
    return last_field - first_field == unit * (n_values - 1)


def line_ending(norm: str, end: int, n_cols: int, reach: int = 3) -> bool:
    """True when what follows a row's last value on its line (``\t`` in ``…\t0\t0\t\n``) is how
    this table ends every line: a full row nearby (``n_cols`` values or more) ends the same way.
    Then it is not an empty field."""
    newline = norm.find("\n", end)
    tail = norm[end : len(norm) if newline < 0 else newline]
    if not tail.strip(" "):
        return False
    above, below = _lines_near(norm, norm.rfind("\n", 0, end) + 1, reach)
    for line in (*above, *below):
        body = line[: len(line) - len(tail)] if line.endswith(tail) else ""
        if body[-1:].isdigit() and len(_VALUE_RUN.findall(body)) >= n_cols:
            return True
    return False


def _unlabelled_markdown_row(norm: str, start: int) -> bool:
    """True when the line of ``start`` opens with ``|`` and prints nothing but separators before it."""
    line_start = norm.rfind("\n", 0, start) + 1
    opening = norm[line_start:start]
    return opening.lstrip().startswith("|") and not opening.strip(" \t|\u3000")


def _lone_unit(norm: str, token: Token) -> int:
    """The separator unit of a row printing one value: 1, or the text's line spacing where only
    line breaks stand between the value and what precedes it (:func:`line_spacing`)."""
    at = token.start
    while at > 0 and norm[at - 1] in " \n":
        at -= 1
    if "\n" not in norm[at : token.start] or norm[at - 1 : at] in ("\t", "|"):
        return 1
    return line_spacing(norm, token.start, token.end)


def line_spacing(norm: str, start: int, end: int, reach: int = SPACING_REACH) -> int:
    """2 where the text within ``reach`` characters around ``norm[start:end]`` prints each value
    line as a paragraph of its own, an empty line before and after it (poppler's ``pdftotext``
    without ``-layout`` prints every table cell so: ``规章`` / `` `` / ``5`` / `` `` /
    ``行政规范性文件``), so that one empty line is how lines are separated there, not an empty
    cell: two thirds of the line breaks beside value lines or more are one empty line, none more
    (a block's wrapped lines print a single break). 1 otherwise (one cell a line, an empty line
    for each empty cell: two empty cells in a row print two), or where fewer than
    ``_SPACING_SAMPLES`` such breaks say."""
    runs = [
        match.group(side).count("\n")
        for lo, hi in ((max(0, start - reach), start), (end, min(len(norm), end + reach)))
        for match in _SPACED_VALUE.finditer(norm, lo, hi)
        for side in (1, 2)
    ]
    doubled = runs.count(2)
    return 2 if len(runs) >= _SPACING_SAMPLES and max(runs) == 2 and 3 * doubled >= 2 * len(runs) else 1


def _separators(norm: str, start: int, end: int, version: int = 1) -> int:
    return boundaries(norm[start:end], version)


def _trailing(norm: str, end: int, version: int = 1) -> int:
    """Separators after a row's last value up to and including the end of its line."""
    newline = norm.find("\n", end)
    return _separators(norm, end, newline + 1 if newline >= 0 else len(norm), version)


def _frame(norm: str, start: int) -> int:
    """Separators opening the line of the row's label (markdown's leading ``|``)."""
    label_end = start
    while label_end > 0 and (norm[label_end - 1] in SEPARATORS or norm[label_end - 1].isspace()):
        label_end -= 1
    line_start = norm.rfind("\n", 0, label_end) + 1
    count = 0
    for ch in norm[line_start:label_end]:
        if ch in SEPARATORS:
            count += 1
        elif not ch.isspace():
            break
    return count
