"""The rule-based locator: section headings, table regions, row labels and value tokens.

Everything returned is positional: offsets into the original text. The locator reads the
normalised copy (``NormText.norm``, 1:1 with the original) and matches labels in the
squeezed view so that labels wrapped over lines or spaced out still match.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from nianbao.extraction.templates import Table, section_patterns, template_markers
from nianbao.extraction.text.normalize import NormText

NUMERALS = "一二三四五六"
_HEADING = re.compile(r"^[ \t|]*(?P<num>[一二三四五六])\s*[、.,，]\s*(?P<body>\S.*?)[ \t|]*$", re.M)
_FOOTER = re.compile(
    r"^[ \t]*(?:[-—–][ \t]*\d{1,3}[ \t]*[-—–]|第[ \t]*\d{1,3}[ \t]*页(?:[ \t]*[/，,]?[ \t]*共[ \t]*\d+[ "
    r"\t]*页)?|\d{1,3}[ \t]*/[ \t]*\d{1,3})[ \t]*$",
    re.M,
)
# A printed value: a number with sign, 增/减, decimals, thousands separators and a unit suffix,
# bounded so that numbering (1. 2、), years (2019年) and counts in prose (5件) are not values.
VALUE = re.compile(
    r"(?<![\w.,+\-/])(?:[增减][ ]?)?[+\-]?\d+(?:,\d{3})*(?:\.\d+)?(?:[ ]?(?:万元|亿元|元|万|亿))?(?![\w.、,]|/\d)"
    r"|(?<![\w/])(?:—+|-{1,2}|－|/|无)(?![\w/\-—])"
)
_MD_RULE = re.compile(r"^[ \t]*\|?(?:[ \t]*:?-{2,}:?[ \t]*\|)+[ \t]*(?::?-{2,}:?)?[ \t]*$", re.M)
# A cell that is printed but empty: a line holding only non-breaking or ideographic spaces.
_BLANK_LINE = re.compile(r"^[ \t]*[\u00a0\u3000\u2002]+[ \t\u00a0\u3000\u2002]*$", re.M)


@dataclass(frozen=True)
class Section:
    number: int
    title: str
    start: int
    end: int


@dataclass(frozen=True)
class Token:
    """A value (or an explicitly blank cell) printed in a table region."""

    start: int
    end: int
    raw: str
    line: int
    blank: bool = False


@dataclass(frozen=True)
class Label:
    """A row label located in the text."""

    row: str
    start: int
    end: int


def _heading_matches(number: int, body: str) -> bool:
    if len(body) > 40:
        return False
    return any(p in body for p in section_patterns()[number])


_TITLES = {
    1: ("总体情况", "概述"),
    2: ("主动公开政府信息情况",),
    3: ("收到和处理政府信息公开申请情况",),
    4: ("政府信息公开行政复议、行政诉讼情况", "政府信息公开行政复议和行政诉讼情况"),
    5: ("政府信息公开工作存在的主要问题及改进情况", "存在的主要问题及改进情况", "存在的主要问题和改进情况"),
    6: ("其他需要报告的事项",),
}
_LONG_LINE = 300


def _line_heading(nt: NormText, number: int, cursor: int) -> Section | None:
    for match in _HEADING.finditer(nt.norm, cursor):
        if NUMERALS.index(match["num"]) + 1 == number and _heading_matches(number, match["body"]):
            start, end = match.start("num"), match.end("body")
            return Section(number, nt.original[start:end], start, end)
    return None


def _inline_heading(nt: NormText, number: int, cursor: int) -> Section | None:
    """A heading inside a one-line body: the numeral and a standard title, ending with it."""
    titles = "|".join(re.escape(t) for t in sorted(_TITLES[number], key=len, reverse=True))
    pattern = re.compile(rf"{NUMERALS[number - 1]}\s*[、.]\s*(?:{titles})")
    for match in pattern.finditer(nt.norm, cursor):
        line_start = nt.norm.rfind("\n", 0, match.start()) + 1
        line_end = nt.norm.find("\n", match.end())
        if (line_end if line_end >= 0 else len(nt.norm)) - line_start > _LONG_LINE:
            return Section(number, nt.original[match.start() : match.end()], match.start(), match.end())
    return None


def find_sections(nt: NormText) -> list[Section]:
    """The six standard headings, each at most once, in document order.

    A heading is a line ``N、title``; in a crawled one-line body it is ``N、`` and a standard
    title inside the line.
    """
    found: list[Section] = []
    cursor = 0
    for number in range(1, 7):
        section = _line_heading(nt, number, cursor) or _inline_heading(nt, number, cursor)
        if section is not None:
            found.append(section)
            cursor = section.end
    return found


def detect_template(nt: NormText) -> str:
    """``"2019"``, ``"2021"`` or ``"unknown"``, from the table labels (never from the year)."""
    scores = {name: sum(1 for word in words if word in nt.squeezed) for name, words in template_markers().items()}
    if scores["2019"] == scores["2021"]:
        return "unknown"
    return max(scores, key=lambda name: scores[name])


def mask_footers(norm: str) -> str:
    """Blank out page footers (``- 3 -``, ``第 3 页``) and markdown rules, keeping every offset."""
    norm = _FOOTER.sub(lambda m: " " * len(m.group(0)), norm)
    return _MD_RULE.sub(lambda m: " " * len(m.group(0)), norm)


def masked(nt: NormText) -> str:
    """``mask_footers(nt.norm)``, computed once per report."""
    return nt.memo("masked", lambda: mask_footers(nt.norm))


def line_number(nt: NormText, offset: int) -> int:
    """The 0-based line of ``offset`` in the masked text (newlines before it), in O(log n)."""
    return bisect_left(_newlines(nt), offset)


def _newlines(nt: NormText) -> list[int]:
    """Where the masked text's newlines are (once per report)."""
    return nt.memo("newlines", lambda: [m.start() for m in re.finditer("\n", masked(nt))])


def find_tokens(nt: NormText, start: int, end: int) -> list[Token]:
    """Value tokens and explicitly blank cells between two offsets, in reading order (found
    once per report and region: the assembly asks for each table's twice)."""
    return list(nt.memo(("tokens", start, end), lambda: _find_tokens(nt, start, end)))


def _find_tokens(nt: NormText, start: int, end: int) -> tuple[Token, ...]:
    norm, original, newlines = masked(nt), nt.original, _newlines(nt)
    tokens: list[Token] = []
    for match in VALUE.finditer(norm, start, end):
        begin, stop = match.span()
        if match.group(0) == "无" and _in_vertical_label(norm, begin, stop):
            continue
        tokens.append(Token(begin, stop, original[begin:stop], bisect_left(newlines, begin)))
    for match in _BLANK_LINE.finditer(original, start, end):
        tokens.append(Token(match.start(), match.end(), "", bisect_left(newlines, match.start()), True))
    tokens.sort(key=lambda t: t.start)
    return tuple(tokens)


def _neighbour_line(norm: str, start: int, end: int, step: int) -> str:
    if step < 0:
        stop = norm.rfind("\n", 0, start)
        return norm[norm.rfind("\n", 0, stop) + 1 : stop].strip() if stop >= 0 else ""
    begin = norm.find("\n", end)
    if begin < 0:
        return ""
    stop = norm.find("\n", begin + 1)
    return norm[begin + 1 : stop if stop >= 0 else len(norm)].strip()


def _in_vertical_label(norm: str, start: int, end: int) -> bool:
    """A lone 无 inside a label printed one character per line (（四）无法提供 in PDF text)."""
    if (
        norm[norm.rfind("\n", 0, start) + 1 : start].strip()
        or norm[end : (norm.find("\n", end) + 1 or len(norm))].strip()
    ):
        return False
    neighbours = (_neighbour_line(norm, start, end, -1), _neighbour_line(norm, start, end, 1))
    return any(len(line) == 1 and line != "无" and not line.isdigit() for line in neighbours)


def find_labels(nt: NormText, table: Table, start: int, end: int) -> list[Label]:
    """Row labels of a table in template order, each searched after the previous one."""
    labels: list[Label] = []
    cursor = start
    for row in table.rows:
        best: tuple[int, int] | None = None
        for pattern in row.patterns:
            hit = nt.search(pattern, cursor, end)
            if hit and (best is None or hit[1][0] < best[0]):
                best = hit[1]
        if best is not None:
            labels.append(Label(row.key, *best))
            cursor = best[1]
    return labels
