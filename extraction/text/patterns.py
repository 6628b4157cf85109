"""The rule-based locator: section headings (``headings``), row labels and value tokens.

Everything returned is positional: offsets into the original text. The locator reads the
normalised copy (``NormText.norm``, 1:1 with the original) and matches labels in the
squeezed view so that labels wrapped over lines or spaced out still match.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from nianbao.extraction.templates import Table, template_markers
from nianbao.extraction.text.frames import (
    GRID_RULE,
    ITEM_MARK,
    cell_span,
    end_of_line,
    goes_on,
    rest_of_line,
    same_frame,
    wrapped_cells,
)
from nianbao.extraction.text.headings import NUMERALS as NUMERALS
from nianbao.extraction.text.headings import Section as Section
from nianbao.extraction.text.headings import find_sections as find_sections
from nianbao.extraction.text.normalize import NormText, normalize_line_ends
from nianbao.extraction.text.pages import inline_page_numbers, page_number_lines

_FOOTER = re.compile(
    r"^[ \t]*(?:[-—]{1,2}[ \t]*\d{1,3}[ \t]*[-—]{1,2}|第[ \t]*\d{1,3}[ \t]*页(?:[ \t]*[/，,]?[ \t]*共[ \t]*\d+[ "
    r"\t]*页)?|\d{1,3}[ \t]*/[ \t]*\d{1,3})[ \t]*$",
    re.M,
)
# A printed value: a number with sign, 增/减, decimals, thousands separators and a unit suffix,
# bounded so that numbering (1. 2、), years (2019年) and counts in prose (5件) are not values.
VALUE = re.compile(
    r"(?<![\w.,+\-/])(?:[增减][ ]?)?[+\-]?\d+(?:,\d{3})*(?:\.\d+)?"
    r"(?:[ ]?(?:万元|亿元|元|万|亿)|[ ]?[件个项条](?=[\s|]|$))?(?![\w.、,%]|/\d)"  # no cell is a percentage
    r"|(?<![\w/\\])(?:—+|-{1,2}|－|/|\\|×|无)(?![\w/\\\-—])"
    # OCR's O, l, I, 〇 for 0 and 1 in a field of their own that letter_digits.py leaves as letters
    # (``lo``: a rule and a zero, or 10; ``l903.17``: a rule, or 1): a cell, unparsed and reviewed
    r"|(?<![^\s|])(?=[\d.,]*[OolI〇])[\dOolI〇](?:[\dOolI〇.,]{0,14}[\dOolI〇])?(?![^\s|])"
)
# A count word after a number (spaces between): ``3 件`` in ``发生行政复议案件 3 件，`` (a number the
# word follows directly is no value at all, see VALUE).
_COUNT_WORD = re.compile(r"[ \t\u3000\u00a0]*[件条篇项个次场人家起份]")
_SENTENCE = re.compile(r"[，。；]")
COUNT_UNITS = "件个项条"  # a cell may print its count with one of these (``3件``), as parse_cell reads it
_MD_RULE = re.compile(r"^[ \t]*\|?(?:[ \t]*:?-{2,}:?[ \t]*\|)+[ \t]*(?::?-{2,}:?)?[ \t]*$", re.M)
# The same rule inside a line (a markdown table whose line breaks a scraper collapsed): two fields or more
_MD_RULE_INLINE = re.compile(r"\|(?:[ \t]*:?-{3,}:?[ \t]*\|){2,}")
# A simple or multiline table's rule (pandoc's plain text and markdown, reStructuredText):
# ``  ------ ---- ------`` or ``====== ====``, runs of three or more, one per column.
_COLUMN_RULE = re.compile(r"^[ \t]*(?:-{3,}|={3,})(?:[ \t]+(?:-{3,}|={3,}))*[ \t]*$", re.M)
# A piece of rule between two junctions on a line that also crosses cells spanning rows (w3m
# draws ``│    ├────┼────┤`` beside a merged label, normalised to ``|    +————+————+``).
_RULE_PIECE = re.compile(r"\+(?:[-=:—═━]{2,}\+)+")
# A cell that is printed but empty: a line holding only non-breaking or ideographic spaces.
_BLANK_LINE = re.compile(r"^[ \t]*[\u00a0\u3000\u2002]+[ \t\u00a0\u3000\u2002]*$", re.M)


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


def detect_template(nt: NormText) -> str:
    """``"2019"``, ``"2021"`` or ``"unknown"``, from the table labels (never from the year)."""
    scores = {name: sum(1 for word in words if word in nt.squeezed) for name, words in template_markers().items()}
    if scores["2019"] == scores["2021"]:
        return "unknown"
    return max(scores, key=lambda name: scores[name])


def mask_footers(norm: str) -> str:
    """Blank out page footers (``- 3 -``, ``第 3 页``, and lone page numbers counting up through the
    document: ``pages.page_number_lines``), markdown rules and grid tables' rules, keeping every
    offset."""
    pages = page_number_lines(norm) + inline_page_numbers(norm)
    if pages:
        chars = list(norm)
        for start, end in pages:
            chars[start:end] = " " * (end - start)
        norm = "".join(chars)
    norm = _FOOTER.sub(lambda m: " " * len(m.group(0)), norm)
    norm = GRID_RULE.sub(lambda m: " " * len(m.group(0)), norm)
    norm = _RULE_PIECE.sub(lambda m: " " * len(m.group(0)), norm)
    norm = _COLUMN_RULE.sub(lambda m: " " * len(m.group(0)), norm)
    norm = _MD_RULE.sub(lambda m: " " * len(m.group(0)), norm)  # whole rule lines first: then the rest
    return _MD_RULE_INLINE.sub(lambda m: " " * len(m.group(0)), norm)


def masked(nt: NormText) -> str:
    """``mask_footers(nt.norm)``, computed once per report."""
    return nt.memo("masked", lambda: mask_footers(nt.norm))


def line_number(nt: NormText, offset: int) -> int:
    """The 0-based line of ``offset`` in the masked text (newlines before it), in O(log n)."""
    return bisect_left(_newlines(nt), offset)


def _newlines(nt: NormText) -> list[int]:
    """Where the masked text's newlines are (once per report)."""
    return nt.memo("newlines", lambda: [m.start() for m in re.finditer("\n", masked(nt))])


def own_field(norm: str, token: Token) -> bool:
    """True when the token fills its field: whitespace, ``|`` or the text's edge right before and
    after it (``\t无\t``, ``| 无 |``, ``规章 无 5``; not the 无 of a label wrapped as ``4.无 |``)."""
    before = norm[token.start - 1 : token.start] if token.start else ""
    after = norm[token.end : token.end + 1]
    return all(ch in ("", "|") or ch.isspace() for ch in (before, after))


def separators_only(text: str) -> bool:
    """True when ``text`` holds nothing but whitespace and ``|`` (cell separators)."""
    return all(ch == "|" or ch.isspace() for ch in text)


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
        if (_COUNT_WORD.match(norm, stop) or norm[stop - 1] in COUNT_UNITS) and _in_sentence(norm, begin, stop):
            continue  # a count in a sentence (发生行政复议案件 3 件，): prose, not a cell
        tokens.append(Token(begin, stop, original[begin:stop], bisect_left(newlines, begin)))
    lined = nt.memo("lined", lambda: normalize_line_ends(original))  # the exotic spaces kept, \r\n read as \n
    for match in _BLANK_LINE.finditer(lined, start, end):
        tokens.append(Token(match.start(), match.end(), "", bisect_left(newlines, match.start()), True))
    tokens.sort(key=lambda t: t.start)
    return tuple(tokens)


def _in_sentence(norm: str, start: int, end: int) -> bool:
    """True when the line holding ``norm[start:end]`` has sentence punctuation (，。；): prose."""
    line_start = norm.rfind("\n", 0, start) + 1
    line_end = norm.find("\n", end)
    return _SENTENCE.search(norm, line_start, len(norm) if line_end < 0 else line_end) is not None


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


def anchored_in_grid(norm: str, labels: list[Label]) -> list[Label]:
    """Labels found on a continuation line of a grid table's row (a cell's text wrapped over
    lines, ``| 5.要求行政机关 | 0 |`` then ``| 确认或重新出具 |   |``) moved to the same cell on the
    row's first line, where the row's values are."""
    taken = {norm.rfind("\n", 0, label.start) + 1 for label in labels}
    return [_grid_anchor(norm, label, taken) or label for label in labels]


def _grid_anchor(norm: str, label: Label, taken: set[int]) -> Label | None:
    line_start = norm.rfind("\n", 0, label.start) + 1
    line = norm[line_start : end_of_line(norm, line_start)]
    if not line.lstrip().startswith("|"):
        return None
    first = line_start
    while first > 0:  # up through the row's lines to the rule above it
        above = norm.rfind("\n", 0, first - 1) + 1
        previous = norm[above : first - 1]
        if GRID_RULE.fullmatch(previous):
            break
        if not previous.lstrip().startswith("|") or previous.count("|") != line.count("|"):
            return _frame_anchor(norm, label, line_start, line, taken)  # no rule above the row
        first = above
    if first == 0 or first == line_start:
        return None  # the label is on the row's first line
    field = norm.count("|", line_start, label.start)
    return Label(label.row, *cell_span(first, rest_of_line(norm, first), field))


def _frame_anchor(norm: str, label: Label, line_start: int, line: str, taken: set[int]) -> Label | None:
    """A label on a line that goes on with a row of a framed table printed without rule lines
    (:func:`_rows_without_rules`) moved to the same cell on the row's first line, unless another
    row's label stands on that line (``| 行政处罚 | 5 |`` then ``| 行政强制 |   |``, each as wide
    as its column: two rows). ``taken``: where the lines holding labels start."""
    field = norm.count("|", line_start, label.start)
    first = line_start
    while first > 0:
        above = norm.rfind("\n", 0, first - 1) + 1
        previous = norm[above : first - 1]
        if not same_frame(previous, line) or not goes_on(line, previous):
            break
        first, line = above, previous
    if first == line_start or first in taken:
        return None
    return Label(label.row, *cell_span(first, line, field))


_LABEL_CORE = re.compile(r"\d+[.、]|[）)]|、")  # what comes before a template label's own words


def opened_above(norm: str, table: Table, labels: list[Label]) -> list[Label]:
    """``labels`` with those found on the second line of a label cell wrapped by a converter
    (``| 1.信 |  | 3 | 4 |`` then ``| 访举报投诉类申请 |  |  |``: markdown, unpadded, the row's
    values on the first line) moved to the cell's first line: its text there is an item mark and
    the first words of the row's template label, the two lines' texts joined begin that label,
    and no other label stands on that line."""
    taken = {norm.rfind("\n", 0, label.start) + 1 for label in labels}
    return [_opened_above(norm, table.row(label.row).label, label, taken) or label for label in labels]


def _opened_above(norm: str, label_text: str, label: Label, taken: set[int]) -> Label | None:
    line_start = norm.rfind("\n", 0, label.start) + 1
    above_start = norm.rfind("\n", 0, max(line_start - 1, 0)) + 1
    if line_start == 0 or above_start in taken:
        return None
    line, above = rest_of_line(norm, line_start), norm[above_start : line_start - 1]
    field = norm.count("|", line_start, label.start)
    if not (field and line.lstrip().startswith("|") and above.lstrip().startswith("|") and above.count("|") > field):
        return None
    here, first = line.split("|")[field], above.split("|")[field]
    mark = ITEM_MARK.match(first)
    if mark is None or ITEM_MARK.match(here):
        return None
    head, core = "".join(first[mark.end() :].split()), _LABEL_CORE.split(label_text)[-1]
    joined = head + "".join(here.split())
    if not head or not (core.startswith(joined) or joined.startswith(core)):
        return None
    return Label(label.row, *cell_span(above_start, above, field))


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
            cursor = cursor if row.heads else best[1]  # a merged heading prints anywhere beside its rows
    if len(labels) < len(table.rows):
        labels = _with_wrapped_cells(nt, table, labels, start, end)
    return labels


def out_of_order(nt: NormText, table: Table, labels: list[Label], start: int, end: int) -> list[str]:
    """Rows :func:`find_labels` missed whose label the region prints all the same, out of the
    template's order: an extractor that lost the table's reading order (``pdftotext`` without
    ``-layout`` prints some rows' labels in a block after values of other rows)."""
    found = {label.row for label in labels}
    return [
        row.key
        for row in table.rows
        if row.key not in found and any(nt.search(pattern, start, end) for pattern in row.patterns)
    ]


def _with_wrapped_cells(nt: NormText, table: Table, labels: list[Label], start: int, end: int) -> list[Label]:
    """``labels`` and the rows found only in a grid table's cell whose text wraps over lines
    (``| 5.属于三类内部 | 0 |`` then ``| 事务信息 |   |``: the pattern is cut by the other cells),
    each searched in its cell's lines joined, between the labels found around it, and placed on
    the cell's first line."""
    cells = nt.memo(("wrapped cells", start, end), lambda: wrapped_cells(nt.norm, start, end))
    if not cells:
        return labels
    found = {label.row: label for label in labels}
    out, lower = [], start
    for i, row in enumerate(table.rows):
        if row.key in found:
            out.append(found[row.key])
            lower = found[row.key].end
            continue
        upper = next((found[r.key].start for r in table.rows[i + 1 :] if r.key in found), end)
        hit = next((c for c in cells if lower <= c[0] < upper and any(p.search(c[2]) for p in row.patterns)), None)
        if hit is not None:
            out.append(Label(row.key, hit[0], hit[1]))
            lower = hit[1]
    return out
