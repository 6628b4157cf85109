"""Lines of framed tables (``| 5.要求行政机关 | 1 |``): whether a line carries on the wrapped
text of the line above it, the cells that did not wrap printing nothing (a Word reader or a
console pads such tables into columns, with or without rule lines between the rows), and the
label cells whose text wraps over lines, read joined (grid rows, padded frames, and a
PDF-to-markdown converter's unpadded ``| 1.本机关不掌 |`` / ``| 握相关政府信息 |``)."""

from __future__ import annotations

import re
import unicodedata
from itertools import accumulate

_FULL_PADDING = 2  # spaces after a field's text that still fill it (a wide character did not fit)
ITEM_MARK = re.compile(r"\s*(?:\d+[.、]|[（(][一二三四五六七八九十]+[）)]|[一二三四五六七八九十]+、)")  # 4. （五） 二、
# A grid table's rule (pandoc, tabulate, a database console): ``+------+----+``, ``+======+====+``,
# or drawn with box characters (``├──┼──┤``, normalised to ``+——+——+``).
GRID_RULE = re.compile(r"^[ \t]*\+(?:[-=:—═━]{2,}\+)+[ \t]*$", re.M)
# a field that may carry on wrapped text: no digit, and no item mark opening it
CARRIES_ON = re.compile(rf"^(?!{ITEM_MARK.pattern})[^\d]*$")


def same_frame(line: str, other: str) -> bool:
    """True when ``line`` is a framed line (``| … |``) with as many pipes as ``other``."""
    return line.lstrip().startswith("|") and line.rstrip().endswith("|") and line.count("|") == other.count("|")


def goes_on(line: str, above: str) -> bool:
    """True for a framed line that carries on the wrapped text of the line above it: its fields
    print no digit and none an item mark, some print nothing, and each holding words stands under a
    field the line above fills to its end (text wraps where a cell is full: ``| 5.要求行政机关 |``
    then ``| 确认或重新出具已 |``; a row printed empty, ``| 行政事业性收费 |  |`` under
    ``|  | 位：万元） |``, does not). Only in a table padded into columns (the two lines' pipes
    stand at the same places): in an unpadded one (markdown) every field reads as full."""
    fields, over = line.split("|")[1:-1], above.split("|")[1:-1]
    return (
        len(fields) == len(over)
        and _aligned(line, above)
        and all(CARRIES_ON.match(field) for field in fields)
        and any(not field.strip() for field in fields)  # the cells that do not wrap print nothing
        and all(_fills(top) and _words(field) for field, top in zip(fields, over, strict=True) if field.strip())
    )


def _words(field: str) -> bool:
    """True when a field holds words, not a mark alone (``/``, ``—``: an empty or
    not-applicable cell)."""
    return any(ch.isalpha() for ch in field)


def _aligned(line: str, above: str) -> bool:
    """True when the pipes of two lines stand at the same columns, counted in characters or in
    display width (an ideograph two wide)."""
    return _bars(line) == _bars(above) or _bars(line, wide=True) == _bars(above, wide=True)


def _bars(line: str, wide: bool = False) -> list[int]:
    """Where the pipes of a line stand, in characters or display columns."""
    widths = [2 if wide and unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line]
    return [at for at, ch in zip(accumulate(widths, initial=0), line, strict=False) if ch == "|"]


def _fills(field: str) -> bool:
    """True when a field's text reaches its end: one space of padding or none (two where a wide
    character did not fit the last column)."""
    text = field.rstrip()
    return bool(text.strip()) and len(field) - len(text) <= _FULL_PADDING


def cell_span(line_start: int, line: str, field: int) -> tuple[int, int]:
    """Where the text of cell ``field`` (the one after the ``field``-th pipe) of a grid line
    stands, whitespace around it left out (an empty cell: where it starts)."""
    bars = [line_start + i for i, ch in enumerate(line) if ch == "|"]
    cell = line[bars[field - 1] + 1 - line_start : bars[field] - line_start]
    start = bars[field - 1] + 1 + len(cell) - len(cell.lstrip())
    return start, max(start, bars[field - 1] + 1 + len(cell.rstrip()))


def end_of_line(norm: str, offset: int) -> int:
    end = norm.find("\n", offset)
    return len(norm) if end < 0 else end


def rest_of_line(norm: str, offset: int) -> str:
    """The text from ``offset`` to the end of its line."""
    return norm[offset : end_of_line(norm, offset)]


def wrapped_cells(norm: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """The cells of a grid table's rows (the pipe lines between two rule lines) whose text goes
    on past the row's first line: (start, end) of the text on the first line, and the lines'
    text joined without whitespace. A framed table printed without rule lines (a Word reader's
    ``| 5.要求行政机关 | 1 |`` then ``| 确认或重新出具已 |   |``) has its rows read from its lines:
    a row goes on over the lines that carry on its wrapped text (:func:`goes_on`)."""
    cells: list[tuple[int, int, str]] = []
    row: list[tuple[int, str]] | None = None  # None: not after a rule line
    frame: list[tuple[int, str]] = []  # framed lines since the last rule line or unframed line
    at = start
    while at <= end:
        line_end = min(end_of_line(norm, at), end)
        line = norm[at:line_end]
        framed = line.lstrip().startswith("|") and line.rstrip().endswith("|")
        if GRID_RULE.fullmatch(line):
            if row and len(row) > 1 and len({text.count("|") for _, text in row}) == 1:
                cells += _cells_of(row)
            row, frame = [], []
        elif row is not None and line.lstrip().startswith("|"):
            row.append((at, line))
        else:
            row = None
        if row is None and framed:
            frame.append((at, line))
        elif row is None:
            cells += _rows_without_rules(frame)
            frame = []
        at = line_end + 1
    return cells + _rows_without_rules(frame) + _marked_wraps(norm, start, end)


def _marked_wraps(norm: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """Label cells of framed lines that a converter wrapped without padding (markdown: no
    column to align): a field opening with an item mark (``| 1.本机关不掌 |``) whose field on the
    next line holds words with no digit and no item mark (``| 握相关政府信息 |``), joined."""
    lines = [(at, rest_of_line(norm, at)) for at in _line_starts(norm, start, end)]
    cells = []
    for (first_start, first), (_, second) in zip(lines, lines[1:], strict=False):
        if not (first.lstrip().startswith("|") and second.lstrip().startswith("|")):
            continue
        if first.count("|") != second.count("|"):
            continue
        for k, (top, below) in enumerate(zip(first.split("|")[1:-1], second.split("|")[1:-1], strict=True), start=1):
            if ITEM_MARK.match(top) and below.strip() and CARRIES_ON.match(below):
                cells.append((*cell_span(first_start, first, k), "".join((top + below).split())))
    return cells


def _line_starts(norm: str, start: int, end: int) -> list[int]:
    starts, at = [], norm.rfind("\n", 0, start) + 1
    while at < end:
        starts.append(at)
        at = end_of_line(norm, at) + 1
    return starts


def _rows_without_rules(frame: list[tuple[int, str]]) -> list[tuple[int, int, str]]:
    """The wrapped cells of framed lines printed without rule lines: each line opening a row
    with the lines after it that go on with its cells (each field without digits, none opening
    with an item mark), where every line has as many pipes."""
    if len(frame) < 2 or len({line.count("|") for _, line in frame}) != 1:
        return []
    cells: list[tuple[int, int, str]] = []
    for i, (_, line) in enumerate(frame):
        if i and goes_on(line, frame[i - 1][1]):
            continue  # this line goes on with the row above
        j = i + 1
        while j < len(frame) and goes_on(frame[j][1], frame[j - 1][1]):
            j += 1
        if j - i > 1:
            cells += _cells_of(frame[i:j])
    return cells


def _cells_of(row: list[tuple[int, str]]) -> list[tuple[int, int, str]]:
    first_start, first = row[0]
    cells = []
    for k in range(1, first.count("|")):
        parts = [line.split("|")[k] for _, line in row]
        if not any(part.strip() for part in parts[1:]):
            continue  # the cell's text is on the first line alone: the patterns read it there
        cells.append((*cell_span(first_start, first, k), "".join("".join(parts).split())))
    return cells
