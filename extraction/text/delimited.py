"""Comma-separated table rows read as tab-separated ones, one character for one.

A table kept as a spreadsheet and saved as CSV (an attachment pasted into a report, an
archive's export) prints ``规章,0,0,0`` and ``一、本年新收政府信息公开申请数量,,,14,0,0,0,0,0,14``:
a value run into a comma is no value token (prose counts are printed that way), so every cell
read blank, and no review said so. In the normalised view such a row's delimiting commas become
tabs: the tab grid the rules and the tagger read (an empty field is a blank cell; a label merged
over three columns fills three fields, ``row_layout.grid_slots``). A row is a line with two
or more commas in the original text (a full-width ``，`` of prose or of a label is never a
delimiter) whose fields end in values: numbers, "not applicable" marks or empty fields, after
its label fields; 400 characters at most (a crawled one-line body is not a row). A quoted field
(``"1,234"``) is one field. A number printed with thousands separators (``1,234,567``,
``收费 1,234,567``) is not a row: where the values start right after digits, the commas are the
number's.
"""

from __future__ import annotations

import re

_CANDIDATE = re.compile(r"^[^\n,|\t]*,[^\n|\t]*,[^\n|\t]*$", re.M)  # two commas, no other delimiter
_VALUE_FIELD = re.compile(
    r"(?:[增减] ?)?[+-]?\d+(?:,\d{3})*(?:\.\d+)?(?: ?(?:万元|亿元|元|万|亿|件|个|项|条))?|/|\\|×|无|-{1,2}|—{1,2}|"
)
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_QUOTES = "\"'"
MAX_ROW = 400  # characters: a longer line is prose or a crawled one-line body, not a table row


# A quoted field holding line breaks (a spreadsheet cell of several lines, copied or saved:
# ``"四、结转下年度继\n续办理"\t\t\t103``): it opens a line or follows a delimiter and closes before
# one or at the line's end; three line breaks and 200 characters at most.
MAX_QUOTED = 200
_QUOTED_LINES = re.compile(r'(?:^|(?<=[\t,]))"[^"\t\n]{0,200}(?:\n[^"\t\n]{0,200}){1,3}"(?=[\t,]|[ \t\r]*$)', re.M)


def delimited_view(original: str, norm: str) -> str:
    """``norm`` with the line breaks inside quoted fields as spaces (the row is one line again,
    its label one text) and comma-separated rows' delimiters as tabs (:func:`commas_as_fields`)."""
    breaks = quoted_line_breaks(original)
    if breaks:
        original, norm = _spaced(original, breaks), _spaced(norm, breaks)
    return commas_as_fields(original, norm)


def quoted_line_breaks(original: str) -> list[int]:
    """Offsets of the line breaks inside quoted fields of delimited rows."""
    if '"' not in original:
        return []
    return [
        match.start() + i
        for match in _QUOTED_LINES.finditer(original)
        if len(match.group()) <= MAX_QUOTED
        for i, ch in enumerate(match.group())
        if ch == "\n"
    ]


def _spaced(text: str, offsets: list[int]) -> str:
    chars = list(text)
    for at in offsets:
        chars[at] = " "
    return "".join(chars)


def commas_as_fields(original: str, norm: str) -> str:
    """``norm`` with the delimiting commas of comma-separated table rows turned into tabs."""
    if original.count(",") < 2:
        return norm
    lines = [(m.start(), m.end(), _field_commas(original, m.start(), m.end())) for m in _CANDIDATE.finditer(original)]
    rows = [bool(_row_commas(norm, start, commas)) for start, _, commas in lines]
    if not any(rows):
        return norm
    _with_header_lines(lines, rows)
    chars = list(norm)
    for (_, _, commas), row in zip(lines, rows, strict=True):
        for at in commas if row else ():
            chars[at] = "\t"
    return "".join(chars)


def _with_header_lines(lines: list[tuple[int, int, list[int]]], rows: list[bool]) -> None:
    """Mark as rows the lines right below or above a row with as many delimiting commas, and so on
    outwards (one sweep down, one up): a table's header lines (``结果维持,结果纠正,…,总计``), words
    only, are fields of the same grid."""
    for i in range(1, len(lines)):
        rows[i] = rows[i] or (rows[i - 1] and _same_grid(lines[i - 1], lines[i]))
    for i in range(len(lines) - 2, -1, -1):
        rows[i] = rows[i] or (rows[i + 1] and _same_grid(lines[i], lines[i + 1]))


def _same_grid(upper: tuple[int, int, list[int]], lower: tuple[int, int, list[int]]) -> bool:
    """One line break between the two lines, as many commas, neither longer than a row."""
    longest = max(upper[1] - upper[0], lower[1] - lower[0])
    return lower[0] == upper[1] + 1 and len(upper[2]) == len(lower[2]) and longest <= MAX_ROW


def _field_commas(original: str, start: int, end: int) -> list[int]:
    """Offsets of the commas outside double quotes between ``start`` and ``end``."""
    commas, quoted = [], False
    for at in range(start, end):
        ch = original[at]
        if ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            commas.append(at)
    return commas


def _row_commas(norm: str, start: int, commas: list[int]) -> list[int]:
    """``commas`` when the line they split is a table row whose fields end in values, else none."""
    line_end = norm.find("\n", commas[-1]) if commas else -1
    if len(commas) < 2 or (line_end if line_end >= 0 else len(norm)) - start > MAX_ROW:
        return []
    bounds = [start - 1, *commas, len(norm) if line_end < 0 else line_end]
    fields = [norm[a + 1 : b].strip().strip(_QUOTES).strip() for a, b in zip(bounds, bounds[1:], strict=False)]
    first_value = len(fields)
    while first_value > 0 and _VALUE_FIELD.fullmatch(fields[first_value - 1]):
        first_value -= 1
    if not any(fields[first_value:]) and (len(fields) - first_value < 2 or first_value == 0):
        return []  # an empty row prints its label and two or more empty fields
    if first_value > 0 and fields[first_value - 1][-1:].isdigit():
        return []  # 收费 1,234,567: the digits before the commas are the number's
    if first_value == 0 and _THOUSANDS.fullmatch(",".join(fields)):
        return []  # 1,234,567 alone on its line
    return commas
