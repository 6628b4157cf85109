"""Rows the text leaves undecided: their cells are read, and a person confirms them.

The assembler pairs labels with value groups (``align.py``); some texts allow another pairing
that the arithmetic cannot rule out, because values would only move between rows. Each check
here names one such layout; :func:`unsure_rows` gathers them for a table.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Mapping

from nianbao.extraction.placement.align import Group, fitted, holds_any
from nianbao.extraction.placement.run_tables import digits_after
from nianbao.extraction.templates import Table, get_template, single_other_subrows, template_text
from nianbao.extraction.text.normalize import NormText
from nianbao.extraction.text.patterns import Label, Token, masked, out_of_order
from nianbao.extraction.text.regions import starts_over
from nianbao.extraction.text.row_layout import line_spacing
from nianbao.extraction.text.values import parse_cell

HEADER_PIECE = 6  # characters a line of a column word split over lines holds at most (``结果`` / ``维持``)
WHOLE_TABLE = None  # in :func:`unsure_rows`' answer: every row of the table
_SUB_OTHER = single_other_subrows()


def unsure_rows(
    nt: NormText,
    table: Table,
    region: tuple[int, int],
    labels: list[Label],
    groups: list[Group],
    assignment: Mapping[str, Group],
    *,
    counted: set[str],
    dropped: list[Token],
    glued_blanks: bool,
) -> set[str | None]:
    """The rows of ``table`` whose reading the text leaves undecided (``WHOLE_TABLE``: all).

    ``assignment`` pairs rows with their value groups, ``counted`` names the rows given values
    by counting them over a block of labels, ``dropped`` the numbers set aside as no cells, and
    ``glued_blanks`` says the values run into their labels with some cells empty.
    """
    widths = {row.key: len(row.cols) for row in table.rows}
    unsure: set[str | None] = set()
    if glued_blanks:  # values run into their label and each other, some cells empty: undecidable
        unsure |= {label.row for label in labels if digits_after(nt.norm, label.end)}
    unsure |= {row for row, group in assignment.items() if holds_any(nt.norm, group.tokens, dropped)}
    unsure |= floating_rows(masked(nt), labels, assignment)
    unread = unread_rows(labels, groups, assignment, widths)
    unsure |= unread | (counted if unread else set())
    unsure |= shifted_rows(masked(nt), labels, groups, assignment)
    unsure |= behind_a_header(nt.norm, labels, assignment, tuple(table.col_labels.values()))
    unsure |= beside_short_rows(nt.norm, labels, assignment, widths)
    unsure |= unread_text(nt.norm, labels)
    heads = {"other"} if any(label.row in _SUB_OTHER for label in labels) else set()  # （六） heads its sub-rows
    if set(out_of_order(nt, table, labels, *region)) - heads:
        unsure.add(WHOLE_TABLE)  # the text lost the table's row order
    return unsure


def floating_rows(norm: str, labels: list[Label], assignment: Mapping[str, Group]) -> set[str]:
    """Rows the text does not give their values: in a layout-preserving PDF text each row's
    values print on a line of their own at the row's height, between label lines
    (``8.属于行政查询事项`` / ``        10        10`` / ``1.本机关不掌握…``). While every row has
    such a line they pair in order; once a row prints no value at all (zeros printed as empty
    cells), a value line next to that row's label may be its, not the row's it was paired with:
    where it sits as near to that label (in lines) as to its own, or nearer, both rows go to
    review (the arithmetic cannot tell: the values only move between rows)."""
    ordered = sorted(labels, key=lambda label: label.start)
    starts = [label.start for label in ordered]
    by_row = {label.row: label for label in ordered}
    undecided: set[str] = set()
    for own, group in assignment.items():
        if own not in by_row or not _floats(norm, group):
            continue
        below = bisect_left(starts, group.start)
        own_distance = _lines_between(norm, by_row[own].start, group.start)
        for index in (below - 1, below):
            other = ordered[index] if 0 <= index < len(ordered) else None
            if other is None or other.row == own or other.row in assignment:
                continue
            if _lines_between(norm, other.start, group.start) <= own_distance:
                undecided |= {own, other.row}
    return undecided


def unread_rows(
    labels: list[Label], groups: list[Group], assignment: Mapping[str, Group], widths: Mapping[str, int]
) -> set[str]:
    """Rows whose reading leaves values of their table over, when some are: the rows read as
    printed empty, the rows given more values than their columns and the rows beside those
    given fewer. A text whose reading order lost the table's rows (``pdftotext`` without
    ``-layout``, pdfminer without its box flow) prints some rows' values far from their labels,
    column after column, and a row with no values of its own, or one holding a whole block's,
    is not sure. With every value placed, a row without values is printed empty."""
    used = {row: fitted(list(group.tokens), widths[row]) for row, group in assignment.items()}
    placed = {token.start for row, tokens in used.items() for token in tokens[: widths[row]]}
    if all(token.blank or token.start in placed for group in groups for token in group.tokens):
        return set()
    over = {row for row, tokens in used.items() if len(tokens) > widths[row]}
    ordered = sorted(labels, key=lambda label: label.start)
    short = [label.row not in used or len(used[label.row]) < widths[label.row] for label in ordered]
    beside = {  # a row beside one holding too many, itself holding too few: the extra may be its
        ordered[j].row
        for i, label in enumerate(ordered)
        if label.row in over
        for j in (i - 1, i + 1)
        if 0 <= j < len(ordered) and short[j]
    }
    return over | beside | {label.row for label in labels if label.row not in assignment}


def shifted_rows(norm: str, labels: list[Label], groups: list[Group], assignment: Mapping[str, Group]) -> set[str]:
    """Rows whose values may be their neighbour's: a whole group of values no row took, and the
    rows around it that hold values printed on another line than their label (or none), up to
    a row printed on one line with its values. A converter that moved some labels out of their
    table (markitdown's PDF tables: ``|  | 1 0 | 0 0 |…`` then ``1.属于国家秘密`` on a line of its
    own) prints a row's values before its label, and reading them after the label shifts every
    such row by one, leaving one group over; the arithmetic cannot tell, the values only move
    between rows."""
    placed = {token.start for group in assignment.values() for token in group.tokens}
    stray = [g for g in groups if not any(t.start in placed for t in g.tokens) and not all(t.blank for t in g.tokens)]
    if not stray:
        return set()
    ordered = sorted(labels, key=lambda label: label.start)
    starts = [label.start for label in ordered]
    across = [  # values on another line than the label, or none
        label.row not in assignment or _lines_between(norm, label.start, assignment[label.row].start) > 0
        for label in ordered
    ]
    shifted: set[str] = set()
    for group in stray:
        at = bisect_left(starts, group.start)
        for step, first in ((-1, at - 1), (1, at)):
            index = first
            while 0 <= index < len(ordered) and across[index]:
                shifted.add(ordered[index].row)
                index += step
    return shifted


def behind_a_header(
    norm: str, labels: list[Label], assignment: Mapping[str, Group], words: tuple[str, ...]
) -> set[str]:
    """Rows paired with values printed before their label with a column word of the table
    between them: a header stands between a table's values and its rows, never between a row and
    its own values (pdftotext's ``第二十条`` / ``20`` / ``信息内容`` / ``本年处理决定数量`` /
    ``行政处罚``: the 20 was the row above's)."""
    starts = {label.row: label.start for label in labels}
    return {
        row
        for row, group in assignment.items()
        if row in starts and group.end <= starts[row] and any(word in norm[group.end : starts[row]] for word in words)
    }


def printed_beyond(nt: NormText, template: str, regions: Mapping[str, tuple[int, int] | None]) -> set[str]:
    """The tables whose column words print again after the table, before the next one: a text
    whose reading order lost the table (``pdftotext`` without ``-layout``) prints pieces of it
    elsewhere, its header's cells with values among them (``五、存在的主要问题…`` … ``总`` / ``计`` /
    ``结果`` / ``维持`` / ``5``: the 5 was the appeals table's), and the table read from its
    region alone is not sure. Two different column words on lines of their own, or split over
    short lines, say so; prose does not print them so."""
    tables = {table.name: table for table in get_template(template).tables}
    spans = sorted((region, name) for name, region in regions.items() if region)
    norm = masked(nt)
    beyond = set()
    for index, ((_, end), name) in enumerate(spans):
        until = spans[index + 1][0][0] if index + 1 < len(spans) else len(norm)
        until = min(until, starts_over(nt, name, end) or until)  # not the report printed again
        words = set(tables[name].col_labels.values())
        if len({word for piece in _short_line_runs(norm, end, until) for word in words if word in piece}) >= 2:
            beyond.add(name)
    return beyond


def _short_line_runs(norm: str, start: int, end: int) -> list[str]:
    """Runs of consecutive short lines without digits in ``norm[start:end]``, each joined (empty
    lines go on with a run, any other line ends it)."""
    runs, run = [], ""
    for line in norm[start:end].split("\n"):
        piece = line.strip()
        if not piece:
            continue
        if len(piece) <= HEADER_PIECE and not any(ch.isdigit() for ch in piece):
            run += piece
            continue
        runs.append(run)
        run = ""
    return [*runs, run]


def beside_short_rows(
    norm: str, labels: list[Label], assignment: Mapping[str, Group], widths: Mapping[str, int]
) -> set[str]:
    """Rows holding all their values beside a row holding fewer, in a text printing each cell
    as a paragraph of its own (``row_layout.line_spacing``: ``pdftotext`` without ``-layout``).
    There the paragraphs come in the order the PDF drew them, not the table's, and a value of
    the short row can print after the next row's (``行政处罚`` / ``292`` / ``+77`` / ``行政强制`` /
    ``37`` / ``+3`` / ``1812``: the 1812 was 行政处罚's); the arithmetic cannot tell, the value
    only moves between rows."""
    ordered = [label for label in sorted(labels, key=lambda label: label.start) if label.row in widths]
    held = [len(assignment[label.row].tokens) if label.row in assignment else 0 for label in ordered]
    full = [count >= widths[label.row] for label, count in zip(ordered, held, strict=True)]
    unsure: set[str] = set()
    for i, label in enumerate(ordered):
        if full[i] or not held[i]:
            continue
        for j in (i - 1, i + 1):
            if 0 <= j < len(ordered) and full[j] and _paragraphs(norm, ordered[j], assignment[ordered[j].row]):
                unsure |= {label.row, ordered[j].row}
    return unsure


def _paragraphs(norm: str, label: Label, group: Group) -> bool:
    """True when the row's values print below its label, each cell a paragraph of its own."""
    return _lines_between(norm, label.start, group.start) > 0 and line_spacing(norm, group.start, group.end) == 2


def unread_text(norm: str, labels: list[Label]) -> set[str]:
    """Rows whose line prints, after its label, a field of words that is no value, no mark and
    no text of the template (a scan's OCR of a ruled table: ``1.属于国家秘密   o   0   0   国国``,
    ``一、本年新收政府信息公开申请数量   世人   园田面回``, where digits and rules were read as
    other characters). The row's cells are not what its values were: a cell read empty may have
    printed a number. Text attached to the label (its own tail, no gap) is the label's."""
    unsure = set()
    for label in labels:
        line_end = norm.find("\n", label.end)
        rest = norm[label.end : len(norm) if line_end < 0 else line_end]
        if any(_unread(field) for field in _FIELD_GAP.split(rest)[1:]):
            unsure.add(label.row)
    return unsure


def unread_table(norm: str, region: tuple[int, int], words: tuple[str, ...]) -> bool:
    """True when the lines of a table region below its last header line (one holding a piece of
    a column word, ``words``) print a word that is no value, no mark and no text of the template:
    the appeals table, whose one row has no label, OCR'd from a scan prints its values as ``BE``
    or ``Ap fp pp`` under its header, and its cells would read as printed empty."""
    pieces = {word[i : i + 2] for word in words for i in range(0, len(word) - 1, 2)}
    lines = norm[region[0] : region[1]].split("\n")
    last_header = max((i for i, line in enumerate(lines) if any(p in line for p in pieces)), default=-1)
    below = "\n".join(lines[last_header + 1 :])
    return any(_unread(word) for word in _WORD_GAP.split(below) if _cell_sized(word))


def _cell_sized(word: str) -> bool:
    """A word as short as a cell's content and no sentence (a note under the table, 注：表中数据
    为本机关本级数据, is prose: OCR's words for values are a few characters)."""
    return len(word) <= _CELL_CHARS and _SENTENCE_MARK.search(word) is None


_CELL_CHARS = 6
_SENTENCE_MARK = re.compile(r"[：:，,。；;]")
_FIELD_GAP = re.compile(r"[ \u3000]{2,}|[|\t]")  # what separates a row's fields on its line
_WORD_GAP = re.compile(r"[\s|]+")
_OCR_DIGITS = re.compile(r"[\dOolI〇 ]+")


def _unread(field: str) -> bool:
    """True for a field holding words that are no value, no mark and no part of the template's
    own text (labels, headings, column words)."""
    piece = "".join(field.split())
    if not any(ch.isalpha() for ch in piece) or _OCR_DIGITS.fullmatch(piece):
        return False
    return parse_cell(piece).state == "text" and piece not in template_text()


def _lines_between(norm: str, a: int, b: int) -> int:
    return norm.count("\n", min(a, b), max(a, b))


def _floats(norm: str, group: Group) -> bool:
    """True when the group's values fill a line of their own (one line, nothing but whitespace
    before them on it: a PDF text prints it at its row's height, indented or at the margin)."""
    line_start = norm.rfind("\n", 0, group.start) + 1
    line_end = norm.find("\n", group.start)
    if 0 <= line_end < group.end:
        return False
    lead = norm[line_start : group.start]
    return not lead.strip()
