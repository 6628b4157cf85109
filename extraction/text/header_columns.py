"""Where a fixed-width row's values stand under its table's header.

Text browsers (lynx), pandoc's plain text and consoles print a table's rows as text padded
with spaces, an empty cell as spaces only: ``3001 53      61  4 3119`` under
``自然人 商业企业 科研机构 社会公益组织 法律服务机构 其他 总计``. Order alone cannot say which
columns the five values fill (the arithmetic often cannot either); their positions under the
header words can. Positions are counted in characters (lynx) or in display columns, an
ideograph two wide (pandoc, a console); the count under which the header words and the values
line up is the one read. ``pdftotext -layout`` places each cell by its glyphs' position: its
values line up with neither count and are left to the arithmetic.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence

from nianbao.extraction.text.patterns import VALUE, Token

HEADER_REACH = 40  # lines read above a row to find its header words
HEADER_WIDTH = 400  # characters a header line holds at most (longer lines are prose)
Span = tuple[int, int]
Measure = Callable[[str, int], int]


def _chars(line: str, at: int) -> int:
    return at


def _display(line: str, at: int) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line[:at])


def header_slots(norm: str, original: str, tokens: Sequence[Token], words: Sequence[str]) -> list[int] | None:
    """The column of each of a row's values, from the header words printed above it (``words``:
    the column words in column order, a word may repeat), or None where the row is no
    fixed-width row (fields split by tabs or pipes, values on several lines) or its values do not
    stand under the header words one to a column. Words are found in the normalised text,
    widths measured in the ``original`` (offset for offset: ``（`` is two columns wide, ``(`` one)."""
    if not tokens or len({t.line for t in tokens}) > 1:
        return None
    line_start = norm.rfind("\n", 0, tokens[0].start) + 1
    line_end = _line_end(norm, tokens[-1].end)
    if "|" in norm[line_start:line_end] or "\t" in norm[line_start:line_end]:
        return None
    line, above = original[line_start:line_end], _lines_above(norm, original, line_start)
    readings = []
    for measure in (_chars, _display):
        header = _header(above, words, measure)
        # one value under a header printed at the margin is no fixed-width row (pdftotext's ``5``
        # on a line of its own under ``本年制发件数 本年废止件数…``)
        if header is not None and (header[0][0] > 0 or len(tokens) > 1):
            spans = [(measure(line, t.start - line_start), measure(line, t.end - line_start)) for t in tokens]
            readings.append(_under(spans, header))
    fits = {tuple(read) for read in readings if read is not None}
    return list(fits.pop()) if len(fits) == 1 else None  # none lines them up, or both do, differently


def _header(lines: list[tuple[str, str]], words: Sequence[str], measure: Measure) -> list[Span] | None:
    """The span of each column's word on ``lines`` (normalised and as printed), in column order,
    each the leftmost right of the previous one (a header of several levels prints a group's
    column words on a line of their own: 行政复议's 结果维持 … 总计, then 行政诉讼's below); None
    when a word is not found so."""
    spans: list[Span] = []
    for word in words:
        after = spans[-1][1] if spans else -1
        found = [span for line, printed in lines if (span := _first_after(line, printed, word, after, measure))]
        if not found:
            return None
        spans.append(min(found))
    return spans


def _first_after(line: str, printed: str, word: str, after: int, measure: Measure) -> Span | None:
    """The span of ``word``'s first occurrence in ``line`` (its ``printed`` form measured) from
    column ``after`` on."""
    at = line.find(word)
    while at >= 0 and measure(printed, at) < after:
        at = line.find(word, at + 1)
    return (measure(printed, at), measure(printed, at + len(word))) if at >= 0 else None


def _lines_above(norm: str, original: str, row_start: int) -> list[tuple[str, str]]:
    """Up to :data:`HEADER_REACH` lines above a row, nearest first, less the rows with values:
    each normalised and as printed."""
    lines, end = [], row_start - 1
    while end > 0 and len(lines) < HEADER_REACH:
        start = norm.rfind("\n", 0, end) + 1
        if end - start <= HEADER_WIDTH and not VALUE.search(norm[start:end].replace("/", "")):
            lines.append((norm[start:end], original[start:end]))
        end = start - 1
    return lines


def _under(spans: list[Span], header: list[Span]) -> list[int] | None:
    """The column of each value: the header word it stands under, aligned with it at the left
    or the right edge (text padders align a column's cells so: lynx, pandoc, a console), columns
    strictly left to right; None when a value is aligned with no header word (a PDF's text
    places cells by their glyphs' positions, neither count lines them up)."""
    columns: list[int] = []
    for x0, x1 in spans:
        aligned = [c for c, (h0, h1) in enumerate(header) if x0 == h0 or x1 == h1]
        if len(aligned) != 1 or (columns and aligned[0] <= columns[-1]):
            return None
        columns.append(aligned[0])
    return columns


def _line_end(norm: str, at: int) -> int:
    end = norm.find("\n", at)
    return len(norm) if end < 0 else end
