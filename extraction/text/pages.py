"""Page numbers printed alone on a line (PDF text layers): ``3``, ``· 3 ·``, ``Page 3``.

A page footer the rules know by its shape (``- 3 -``, ``第 3 页``) is masked by
``patterns.mask_footers``; a bare number on a line of its own looks like a cell printed one per
line. What gives it away is the document: its page numbers count up one by one, far apart, and
they are most of the document's lone numbers. A text whose values sit one per line has far more
lone numbers than pages, and none of them is taken for a page number there.
"""

from __future__ import annotations

import re

_LONE_NUMBER = re.compile(
    r"(?m)^[ \t]*(?:(?P<left>[·•~\-—])[ \t]*)?(?P<word>[Pp]age[ \t]*)?(?P<n>\d{1,4})"
    r"(?:[ \t]*(?P<right>[·•~\-—]))?[ \t]*$"
)
MIN_PAGES = 3  # a run of page numbers this long or longer
MIN_LINES_APART = 8  # lines from one page number to the next (a page holds more)
MIN_CHARS_APART = 200  # characters from one page footer to the next inside a line (a page holds more)
# A page footer inside a line (a text whose line breaks were collapsed): `` - 3 - ``, `` 第 3 页 ``
_INLINE_FOOTER = re.compile(
    r"(?<=\s)(?:[-—]{1,2}[ \t]*(?P<n>\d{1,3})[ \t]*[-—]{1,2}"
    r"|第[ \t]*(?P<m>\d{1,3})[ \t]*页(?:[ \t]*[/，,]?[ \t]*共[ \t]*\d+[ \t]*页)?)(?=\s|$)"
)


def page_number_lines(norm: str) -> list[tuple[int, int]]:
    """The spans of the lines that print the document's page numbers, or none.

    Page numbers share one printed shape (``3``, ``· 3 ·``, ``- 3 -``) and count up from 1 or
    later. The longest chain of lone-number lines of one shape counting up by one, each at least
    ``MIN_LINES_APART`` lines after the one before, is the page numbers when it holds at least
    ``MIN_PAGES`` lines and more lone-number lines than are left outside it, and runs through at
    least half the document's lines.
    """
    matches = list(_LONE_NUMBER.finditer(norm))
    if len(matches) >= 2 * (norm.count("\n") // MIN_LINES_APART + 1):
        return []  # more lone numbers than twice the pages the lines could hold: values, one per line
    spans: list[tuple[int, int]] = []
    shapes: dict[tuple, list[tuple[int, int, int]]] = {}
    line, counted = 0, 0
    for match in matches:
        line += norm.count("\n", counted, match.start())  # newlines since the last match: one pass
        counted = match.start()
        spans.append(match.span())
        value = int(match["n"])
        if value > 0:
            shape = (match["left"], match["word"] is not None, match["right"])
            shapes.setdefault(shape, []).append((value, line, len(spans) - 1))
    chain: list[tuple[int, int]] = []  # (index among the lone numbers, line)
    for numbers in shapes.values():
        counted_up = _longest_count_up([(value, at) for value, at, _ in numbers])
        found = [(numbers[k][2], numbers[k][1]) for k in counted_up]
        chain = found if len(found) > len(chain) else chain
    if len(chain) < MIN_PAGES or len(chain) <= len(spans) - len(chain):
        return []
    if chain[-1][1] - chain[0][1] < norm.count("\n") / 2:
        return []  # page numbers run through the document; these sit together (a table's cells)
    return [spans[index] for index, _ in chain]


def inline_page_numbers(norm: str) -> list[tuple[int, int]]:
    """The spans of page footers printed inside lines (``… 31 0 0 - 3 - 1 0 …``: a PDF's text
    whose line breaks a scraper or a copy collapsed), or none: footers of one shape whose
    numbers count up by one through the text, ``MIN_PAGES`` of them or more, each
    ``MIN_CHARS_APART`` characters after the one before (``- 3 -`` as three cells does not count
    up through a report)."""
    shapes: dict[bool, list[tuple[int, int, tuple[int, int]]]] = {}
    for match in _INLINE_FOOTER.finditer(norm):
        value = int(match["n"] or match["m"])
        shapes.setdefault(match["n"] is None, []).append((value, match.start(), match.span()))
    chain: list[tuple[int, int]] = []
    for found in shapes.values():
        counted_up = [found[k][2] for k in _longest_count_up([(v, at) for v, at, _ in found], MIN_CHARS_APART)]
        chain = counted_up if len(counted_up) > len(chain) else chain
    return chain if len(chain) >= MIN_PAGES else []


def _longest_count_up(numbers: list[tuple[int, int]], apart: int = MIN_LINES_APART) -> list[int]:
    """Indices of the longest chain of ``(value, place)`` whose values go up by one and whose
    places are ``apart`` or more apart: per value, the longest chain ending there (the first
    found of equal ones), linked back through ``before``; one pass."""
    ending: dict[int, tuple[int, int]] = {}  # value -> (length, index of its last line)
    before: list[int] = []
    for index, (value, line) in enumerate(numbers):
        length, link = 1, -1
        previous = ending.get(value - 1)
        if previous is not None and line - numbers[previous[1]][1] >= apart:
            length, link = previous[0] + 1, previous[1]
        before.append(link)
        if length > ending.get(value, (0, -1))[0]:
            ending[value] = (length, index)
    if not ending:
        return []
    _, last = max(ending.values())
    chain = []
    while last >= 0:
        chain.append(last)
        last = before[last]
    return chain[::-1]
