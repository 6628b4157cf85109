"""The rule-based locator: section headings, table regions, row labels and value tokens.

Everything returned is positional: offsets into the original text. The locator reads the
normalised copy (``NormText.norm``, 1:1 with the original) and matches labels in the
squeezed view so that labels wrapped over lines or spaced out still match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nianbao.extraction.normalize import NormText
from nianbao.extraction.templates import Table, section_patterns, template_markers

NUMERALS = "一二三四五六"
_HEADING = re.compile(r"^[ \t|]*(?P<num>[一二三四五六])\s*[、.,，]\s*(?P<body>\S.*?)[ \t|]*$", re.M)
_FOOTER = re.compile(r"^[ \t]*(?:[-—–][ \t]*\d{1,3}[ \t]*[-—–]|第[ \t]*\d{1,3}[ \t]*页(?:[ \t]*[/，,]?[ \t]*共[ \t]*\d+[ \t]*页)?|\d{1,3}[ \t]*/[ \t]*\d{1,3})[ \t]*$", re.M)
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


def find_sections(nt: NormText) -> list[Section]:
    """The six standard headings, each at most once, in document order."""
    found: list[Section] = []
    cursor = 0
    next_number = 1
    candidates = list(_HEADING.finditer(nt.norm))
    for number in range(1, 7):
        for match in candidates:
            if match.start() < cursor:
                continue
            if NUMERALS.index(match["num"]) + 1 != number:
                continue
            if not _heading_matches(number, match["body"]):
                continue
            start, end = match.start("num"), match.end("body")
            found.append(Section(number, nt.original[start:end], start, end))
            cursor = end
            next_number = number + 1
            break
    del next_number
    return found


def detect_template(nt: NormText) -> str:
    """``"2019"``, ``"2021"`` or ``"unknown"``, from the table labels (never from the year)."""
    scores = {
        name: sum(1 for word in words if word in nt.squeezed)
        for name, words in template_markers().items()
    }
    if scores["2019"] == scores["2021"]:
        return "unknown"
    return max(scores, key=lambda name: scores[name])


def mask_footers(norm: str) -> str:
    """Blank out page footers (``- 3 -``, ``第 3 页``) and markdown rules, keeping every offset."""
    norm = _FOOTER.sub(lambda m: " " * len(m.group(0)), norm)
    return _MD_RULE.sub(lambda m: " " * len(m.group(0)), norm)


def find_tokens(nt: NormText, start: int, end: int) -> list[Token]:
    """Value tokens and explicitly blank cells between two offsets, in reading order."""
    norm = mask_footers(nt.norm)
    tokens: list[Token] = []
    for match in VALUE.finditer(norm, start, end):
        tokens.append(
            Token(match.start(), match.end(), nt.original[match.start():match.end()], norm.count("\n", 0, match.start()))
        )
    for match in _BLANK_LINE.finditer(nt.original, start, end):
        tokens.append(Token(match.start(), match.end(), "", norm.count("\n", 0, match.start()), True))
    tokens.sort(key=lambda t: t.start)
    return tokens


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
