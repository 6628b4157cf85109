"""The six standard section headings of a report, as printed and as converters print them.

A heading is a line ``一、总体情况``, also with a converter's markup around it (``## 一、…``,
``**一、…**``, ``【一、…】``), or a standard title in another numbering: ``第一部分 …``,
``（一）…``, ``1.…``, ``1、…``, ``１．…``, ``一 …`` (the 、 lost), or none (a Word heading
numbered by its list style: the title alone on its line). ``（一）`` and ``1.`` number
sub-items inside sections in many reports (三（六）其他处理 in the requests table, 1.属于国家秘密
in its rows, a numbered list in prose), so in those numberings (and a bare numeral) the line
must be the heading's standard title (a few characters of slack), not just mention its topic.
In a crawled one-line body a heading is a numbering and a standard title inside the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nianbao.extraction.templates import section_patterns
from nianbao.extraction.text.normalize import NormText

NUMERALS = "一二三四五六"
_OPEN = r"^[ \t|]*(?:#{1,6}[ \t]*)?(?:\*\*|__)?[ \t]*【?"  # a markdown heading, bold span or 【】 (converters)
_CLOSE = r"】?[ \t]*(?:\*\*|__)?[ \t|]*$"
_HEADING = re.compile(rf"{_OPEN}(?P<num>[一二三四五六])\s*[、.,，]\s*(?P<body>\S.*?){_CLOSE}", re.M)
# Other numberings (read in the normalised text: （一）→(一), １．→1.): (一), 1. 1、, 一 (a space) and 第一部分.
_NUMBERED = re.compile(
    rf"{_OPEN}(?P<num>\((?P<paren>[一二三四五六])\)|(?P<arabic>[1-6])[ \t]*[.、,]"
    rf"|(?P<bare>[一二三四五六])(?=[ \t])|第(?P<part>[一二三四五六])(?:部分|章))[ \t:、]*(?P<body>\S.*?){_CLOSE}",
    re.M,
)
_TITLES = {
    1: ("总体情况", "概述"),
    2: ("主动公开政府信息情况",),
    3: ("收到和处理政府信息公开申请情况",),
    4: ("政府信息公开行政复议、行政诉讼情况", "政府信息公开行政复议和行政诉讼情况"),
    5: ("政府信息公开工作存在的主要问题及改进情况", "存在的主要问题及改进情况", "存在的主要问题和改进情况"),
    6: ("其他需要报告的事项",),
}
_TITLE_OF = {title: number for number, titles in _TITLES.items() for title in titles}
# A standard title alone on its line: a Word heading whose number was list numbering (not text).
_TITLE_LINE = re.compile(
    rf"{_OPEN}(?P<body>{'|'.join(sorted(map(re.escape, _TITLE_OF), key=len, reverse=True))})[ \t]*:?{_CLOSE}", re.M
)
_TITLE_SLACK = 4  # characters a sub-item-like numbering may print around a standard title (本机关…、:)
_LONG_LINE = 300


@dataclass(frozen=True)
class Section:
    number: int
    title: str
    start: int
    end: int


@dataclass(frozen=True)
class _Line:
    """A heading-shaped line: its number, where the heading starts and ends, its body."""

    number: int
    start: int
    end: int
    body: str
    strict: bool  # a numbering that also numbers sub-items: the body must be a standard title


def _heading_matches(number: int, body: str) -> bool:
    body = "".join(body.split())  # a letter-spaced heading (总 体 情 况: justified in a PDF text layer)
    if len(body) > 40:
        return False
    return any(p in body for p in section_patterns()[number])


def _is_title(number: int, body: str) -> bool:
    """The body is one of the heading's standard titles, give or take a few characters."""
    squeezed = "".join(body.split())
    return any(t in squeezed and len(squeezed) <= len(t) + _TITLE_SLACK for t in _TITLES[number])


def _lines(nt: NormText) -> tuple[list[_Line], list[_Line]]:
    """Every ``一、…`` line, and every line in another numbering or of a bare standard title, in
    document order (found once per report)."""

    def find() -> tuple[list[_Line], list[_Line]]:
        plain = [
            _Line(NUMERALS.index(m["num"]) + 1, m.start("num"), m.end("body"), m["body"], False)
            for m in _HEADING.finditer(nt.norm)
        ]
        other = []
        for m in _NUMBERED.finditer(nt.norm):
            digit = m["arabic"]
            number = int(digit) if digit else NUMERALS.index(m["paren"] or m["bare"] or m["part"]) + 1
            other.append(_Line(number, m.start("num"), m.end("body"), m["body"], m["part"] is None))
        for m in _TITLE_LINE.finditer(nt.norm):
            other.append(_Line(_TITLE_OF[m["body"]], m.start("body"), m.end("body"), m["body"], True))
        return plain, sorted(other, key=lambda line: line.start)

    return nt.memo("heading_lines", find)


def _accept(line: _Line) -> bool:
    if line.strict:
        return _is_title(line.number, line.body)
    return _heading_matches(line.number, line.body)


def _first(lines: list[_Line], number: int, cursor: int, limit: int) -> _Line | None:
    return next((h for h in lines if cursor <= h.start < limit and h.number == number and _accept(h)), None)


def _inline_heading(nt: NormText, number: int, cursor: int, limit: int) -> tuple[int, int] | None:
    """A heading inside a one-line body: a numbering and a standard title, ending with it."""
    titles = "|".join(re.escape(t) for t in sorted(_TITLES[number], key=len, reverse=True))
    numeral = NUMERALS[number - 1]
    # no digit guard before 3.: a run-together dump prints a table's last value into it (收费03.收到…)
    numbering = rf"{numeral}\s*[、.]|\({numeral}\)|(?<!\.){number}\s*[、.]|第{numeral}(?:部分|章)"
    pattern = re.compile(rf"(?:{numbering})[\s:、]*(?:{titles})")
    for match in pattern.finditer(nt.norm, cursor, limit):
        line_start = nt.norm.rfind("\n", 0, match.start()) + 1
        line_end = nt.norm.find("\n", match.end())
        if (line_end if line_end >= 0 else len(nt.norm)) - line_start > _LONG_LINE:
            return match.start(), match.end()
    return None


def _heading(nt: NormText, number: int, cursor: int) -> tuple[int, int] | None:
    """Where heading ``number`` is after ``cursor``: a ``一、`` line first; else, before the next
    such line of a later heading, a one-line body's heading or another numbering's line."""
    plain, other = _lines(nt)
    line = _first(plain, number, cursor, len(nt.norm))
    if line is not None:
        return line.start, line.end
    limit = next((h.start for h in plain if h.start >= cursor and h.number > number and _accept(h)), len(nt.norm))
    found = _inline_heading(nt, number, cursor, limit)
    if found is not None:
        return found
    line = _first(other, number, cursor, limit)
    return (line.start, line.end) if line is not None else None


def printed_again(nt: NormText, start: int, number: int) -> int | None:
    """Where the report starts over after ``start``, or None: a heading line there numbered below
    ``number`` (a page printing the report twice, a crawl joining two copies: ``四、…`` and its
    table, then ``一、总体情况`` again), moved back over the text its first print has before that
    heading too (the title and the opening paragraph printed again)."""
    lines = nt.memo("accepted heading lines", lambda: _accepted_lines(nt))
    again = next((line for line in lines if line.start >= start and line.number < number), None)
    if again is None:
        return None
    first = next(line for line in lines if line.number == again.number)
    shared = 0
    while (
        first is not again
        and shared < min(first.start, again.start - start)
        and (nt.norm[first.start - shared - 1] == nt.norm[again.start - shared - 1])
    ):
        shared += 1
    return again.start - shared


def _accepted_lines(nt: NormText) -> list[_Line]:
    plain, other = _lines(nt)
    return sorted((line for line in (*plain, *other) if _accept(line)), key=lambda line: line.start)


def find_sections(nt: NormText) -> list[Section]:
    """The six standard headings, each at most once, in document order."""
    found: list[Section] = []
    cursor = 0
    for number in range(1, 7):
        span = _heading(nt, number, cursor)
        if span is not None:
            found.append(Section(number, nt.original[span[0] : span[1]], *span))
            cursor = span[1]
    return found
