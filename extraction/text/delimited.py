"""Comma-separated table rows read as tab-separated ones, one character for one.

A table kept as a spreadsheet and saved as CSV (an attachment pasted into a report, an
archive's export) prints ``规章,0,0,0`` and ``一、本年新收政府信息公开申请数量,,,14,0,0,0,0,0,14``:
a value run into a comma is no value token (prose counts are printed that way), so every cell
read blank, and no review said so. In the normalised view such a row's delimiting commas become
tabs (the tab layout the rules and the tagger read: an empty field is a blank cell), and the
commas between the cells a merged label fills (the fields before the first column that holds a
value in any row of the table: ``一、本年新收…,,,14``) become spaces, so the row's first value is
one field after its label, as in a tab dump. A row is a line with two or more commas in the
original text (a full-width ``，`` of prose or of a label is never a delimiter) whose fields end
in values: numbers, "not applicable" marks or empty fields, after its label fields. A quoted
field (``"1,234"``) is one field. A number printed with thousands separators (``1,234,567``,
``收费 1,234,567``) is not a row: where the values start right after digits, the commas are the
number's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CANDIDATE = re.compile(r"^[^\n,|\t]*,[^\n|\t]*,[^\n|\t]*$", re.M)  # two commas, no other delimiter
_VALUE_FIELD = re.compile(
    r"(?:[增减] ?)?[+-]?\d+(?:,\d{3})*(?:\.\d+)?(?: ?(?:万元|亿元|元|万|亿|件|个|项|条))?|/|\\|×|无|-{1,2}|—{1,2}|"
)
_QUOTES = "\"'"


def commas_as_fields(original: str, norm: str) -> str:
    """``norm`` with the delimiting commas of comma-separated table rows turned into tabs, and
    those inside a row's label cells (a label merged over several columns) into spaces."""
    if original.count(",") < 2:
        return norm
    rows: list[_Row] = []
    for match in _CANDIDATE.finditer(original):
        row = _row(norm, match.start(), _field_commas(original, match.start(), match.end()))
        if row is not None:
            rows.append(row)
    if not rows:
        return norm
    chars = list(norm)
    for block in _blocks(norm, rows):
        label_fields = _label_fields(block)
        for row in block:
            for index, at in enumerate(row.commas):
                chars[at] = " " if index + 1 < label_fields else "\t"
    return "".join(chars)


@dataclass(frozen=True)
class _Row:
    """One comma-separated table row: its delimiting commas and which of its fields hold values."""

    start: int
    commas: tuple[int, ...]
    valued: tuple[bool, ...]  # per field: a number or a mark printed there


def _blocks(norm: str, rows: list[_Row]) -> list[list[_Row]]:
    """Rows on consecutive lines (blank lines between allowed), one block per printed table."""
    blocks: list[list[_Row]] = []
    for row in rows:
        previous = blocks[-1][-1] if blocks else None
        if previous is not None and not norm[norm.find("\n", previous.commas[-1]) : row.start].strip():
            blocks[-1].append(row)
        else:
            blocks.append([row])
    return blocks


def _label_fields(block: list[_Row]) -> int:
    """The fields a block's label cells fill: those before the first field that holds a value
    in any of its rows (a label merged over three columns prints two empty fields after it)."""
    width = max(len(row.valued) for row in block)
    return next((j for j in range(width) if any(j < len(r.valued) and r.valued[j] for r in block)), 0)


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


def _row(norm: str, start: int, commas: list[int]) -> _Row | None:
    """The line ``commas`` split, when it is a table row whose fields end in values, else None."""
    if len(commas) < 2:
        return None
    line_end = norm.find("\n", commas[-1])
    bounds = [start - 1, *commas, len(norm) if line_end < 0 else line_end]
    fields = [norm[a + 1 : b].strip().strip(_QUOTES).strip() for a, b in zip(bounds, bounds[1:], strict=False)]
    first_value = len(fields)
    while first_value > 0 and _VALUE_FIELD.fullmatch(fields[first_value - 1]):
        first_value -= 1
    values = fields[first_value:]
    if not any(values) and (len(values) < 2 or first_value == 0):
        return None  # an empty row prints its label and two or more empty fields
    if first_value > 0 and fields[first_value - 1][-1:].isdigit():
        return None  # 收费 1,234,567: the digits before the commas are the number's
    if first_value == 0 and re.fullmatch(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?", ",".join(fields)):
        return None  # 1,234,567 alone on its line
    valued = tuple(j >= first_value and bool(f) for j, f in enumerate(fields))
    return _Row(start, tuple(commas), valued)
