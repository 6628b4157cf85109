"""Lines of a framed table padded into columns (``| 5.要求行政机关 | 1 |``): whether a line
carries on the wrapped text of the line above it, the cells that did not wrap printing nothing.
A Word reader or a console prints such tables with or without rule lines between the rows."""

from __future__ import annotations

import re
import unicodedata
from itertools import accumulate

_FULL_PADDING = 2  # spaces after a field's text that still fill it (a wide character did not fit)
ITEM_MARK = re.compile(r"\s*(?:\d+[.、]|[（(][一二三四五六七八九十]+[）)]|[一二三四五六七八九十]+、)")  # 4. （五） 二、
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
