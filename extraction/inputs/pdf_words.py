"""PDF tables without ruling lines, found from the positions of the page's words.

A statistics table printed without borders still has its geometry: every value sits in its
column, whatever cells around it are blank. The page's words are read with their boxes
(words of one line closer than half a character are one segment); numbers are the anchors.

* Lines holding numbers follow each other down the page; a line of text that reaches over the
  numbers (prose, a heading, the next table's header) ends the table.
* Columns are the numbers' horizontal extents merged where they overlap, plus the header
  cells above the table that overlap no other column (a column blank in every row keeps its
  place from its header); a header over several columns is not a column.
* Row labels are the text left of the columns. A label line to the left of another label
  line is a group label (三、本年度办理结果, （三）不予公开): it becomes a merged cell over the
  rows indented past it. The other label lines make rows: a line opening with an item mark
  (一、 （一） 1.) starts a row, a line without one continues the row above (a wrapped label),
  and each line of numbers belongs to the label it sits beside.
* A value goes to the column it lies in; a column with no value in a row is a blank cell, so
  the values after a blank never slide left.

A candidate is a table only when it looks like the report's statistics tables: at least two
columns, a row with two numbers, and row labels that are mostly the templates' rows (or no
labels at all and at least five columns, as the appeals table prints). Anything else stays
in the text layer. Headers stay in the text layer too, printed above the table.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from typing import Any

from nianbao.extraction.inputs.pdf_labels import MARK, is_row_label, is_value, is_whole_label
from nianbao.extraction.inputs.pdf_tables import PdfCell, PdfTable

_TOL = 3.0
# Bounds on the work one page may cost (a report's page has a few hundred words, its tables
# some 60 label lines and under 10 group labels): a page with more words is read as text, a
# candidate with more label lines or group labels is not a statistics table.
MAX_WORDS = 3000
MAX_LABELS = 400
MAX_GROUPS = 60
_APPEALS_HEADER = re.compile(r"复议|诉讼|维持|纠正|审结|结果")
_HEADING = re.compile(r"[一二三四五六七八九十]+、")


@dataclass
class Seg:
    """A run of words on one line: its box and text; ``numeric`` when it is a value."""

    x0: float
    x1: float
    top: float
    bottom: float
    text: str
    numeric: bool = False

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass
class _Row:
    """A table row being built: its label lines, its numbers and its vertical extent."""

    labels: list[Seg] = field(default_factory=list)
    numbers: list[Seg] = field(default_factory=list)

    @property
    def top(self) -> float:
        return min(s.top for s in self.labels + self.numbers)

    @property
    def bottom(self) -> float:
        return max(s.bottom for s in self.labels + self.numbers)

    @property
    def x0(self) -> float:
        return min(s.x0 for s in self.labels) if self.labels else float("inf")

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.labels).replace(" ", "")


@dataclass
class _Blob:
    """A group label: its lines, the rows it covers and its left and right edges."""

    segs: list[Seg]
    rows: list[int] = field(default_factory=list)
    x1: float = 0.0

    @property
    def x0(self) -> float:
        return min(s.x0 for s in self.segs)


def _overlaps(a: Seg, b: Seg) -> bool:
    return a.top < b.bottom and b.top < a.bottom


# --------------------------------------------------------------------------- segments


def segments(page: Any, boxes: list[tuple[float, float, float, float]]) -> list[Seg]:
    """The page's words outside the given boxes, joined into segments along each line."""
    words = page.extract_words(keep_blank_chars=True, x_tolerance=1, y_tolerance=2)
    out: list[Seg] = []
    for word in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        x, y = (word["x0"] + word["x1"]) / 2, (word["top"] + word["bottom"]) / 2
        text = word["text"].strip()
        if not text or any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes):
            continue
        seg = Seg(word["x0"], word["x1"], word["top"], word["bottom"], text, is_value(text))
        last = out[-1] if out else None
        height = seg.bottom - seg.top
        if (
            last
            and not (last.numeric or seg.numeric)
            and abs(last.top - seg.top) < 1
            and 0 <= seg.x0 - last.x1 < height / 2
        ):
            last.x1, last.text = seg.x1, last.text + " " + seg.text
            continue
        out.append(seg)
    return out


def _lines(segs: list[Seg]) -> list[list[Seg]]:
    """Segments grouped into lines by their vertical middle, top to bottom."""
    lines: list[list[Seg]] = []
    for seg in sorted(segs, key=lambda s: s.middle):
        if lines and abs(lines[-1][0].middle - seg.middle) <= _TOL:
            lines[-1].append(seg)
        else:
            lines.append([seg])
    return lines


def _numeric_groups(segs: list[Seg]) -> list[list[list[Seg]]]:
    """Lines of numbers, grouped where no text reaching over the numbers lies between them."""
    lines = _lines([s for s in segs if s.numeric])
    words = [s for s in segs if not s.numeric]
    groups: list[list[list[Seg]]] = []
    for line in lines:
        if groups:
            last = groups[-1][-1]
            span = min(s.x0 for s in last + line) - _TOL
            between = [w for w in words if last[0].middle < w.middle < line[0].middle]
            if not any(w.x1 > span for w in between):
                groups[-1].append(line)
                continue
        groups.append([line])
    return groups


# --------------------------------------------------------------------------- columns


def _columns(numbers: list[Seg], headers: list[Seg]) -> list[tuple[float, float]]:
    """Column extents: numbers merged where they overlap, then header cells that overlap none."""
    cols: list[list[float]] = []
    for seg in sorted(numbers, key=lambda s: s.x0):
        if cols and seg.x0 < cols[-1][1] + 0.5:
            cols[-1][1] = max(cols[-1][1], seg.x1)
        else:
            cols.append([seg.x0, seg.x1])
    for seg in sorted(headers, key=lambda s: s.x1 - s.x0):
        hits = [c for c in cols if seg.x0 < c[1] - 0.5 and c[0] < seg.x1 - 0.5]
        if not hits:
            cols.append([seg.x0, seg.x1])
        elif len(hits) == 1 and seg.x1 - seg.x0 <= hits[0][1] - hits[0][0]:
            hits[0][0], hits[0][1] = min(hits[0][0], seg.x0), max(hits[0][1], seg.x1)
    return sorted((c[0], c[1]) for c in cols)


def _header(segs: list[Seg], top: float, numbers: list[Seg], label_left: float, label_right: float) -> list[Seg]:
    """The header cells above a table: lines without numbers up to a line crossing a column."""
    starts = sorted({round(s.x0) for s in numbers})
    left = min(starts[0], label_left)
    out: list[Seg] = []
    above = [line for line in _lines([s for s in segs if s.middle < top]) if line]
    cursor = top
    for line in reversed(above):
        height = max(s.bottom - s.top for s in line)
        # prose or a heading: a line from the table's left edge across a column of values
        prose = any(s.x0 <= left + _TOL and s.x0 < x - _TOL and s.x1 > x + _TOL for s in line for x in starts)
        heading = any(_HEADING.match(s.text) for s in line)
        if any(s.numeric for s in line) or prose or heading or cursor - max(s.bottom for s in line) > 2.5 * height:
            break
        out.extend(s for s in line if s.x0 > label_right + _TOL)
        cursor = min(s.top for s in line)
    return out


# --------------------------------------------------------------------------- rows


def _is_group(seg: Seg, labels: list[Seg]) -> bool:
    return any(other is not seg and other.x0 >= seg.x1 - _TOL and _overlaps(seg, other) for other in labels)


def _rows(labels: list[Seg], lines: list[list[Seg]]) -> list[_Row]:
    """Rows from label lines (an item mark starts a row) and the lines of numbers beside them."""
    rows: list[_Row] = []
    for seg in sorted(labels, key=lambda s: (s.top, s.x0)):
        beside = next((line for line in lines if _overlaps(seg, line[0])), None)
        row = rows[-1] if rows else None
        starts = row is None or bool(MARK.match(seg.text))
        if row is not None and beside is not None and row.numbers and not _overlaps(row.numbers[0], beside[0]):
            starts = True
        if row is not None and (
            is_whole_label(seg.text) or seg.top - row.labels[-1].bottom > 0.6 * (seg.bottom - seg.top)
        ):
            starts = True  # a template row's whole label, or a line too far below to be a wrapped one
        if starts:
            rows.append(_Row([seg]))
        else:
            row.labels.append(seg)
        if beside is not None and not rows[-1].numbers:
            rows[-1].numbers = list(beside)
    used = {id(s) for row in rows for s in row.numbers}
    for line in lines:
        if id(line[0]) not in used:
            rows.append(_Row([], list(line)))
    return sorted(rows, key=lambda r: r.top)


def _trim(rows: list[_Row]) -> tuple[list[_Row], list[_Row]]:
    """Rows kept (between the first and last row with a value, plus template rows next to
    them) and label-only rows inside the table that are not rows (group labels)."""
    valued = [i for i, row in enumerate(rows) if row.numbers]
    first, last = valued[0], valued[-1]
    while first > 0 and is_row_label(rows[first - 1].text):
        first -= 1
    while last + 1 < len(rows) and is_row_label(rows[last + 1].text):
        last += 1
    kept, groups = [], []
    for row in rows[first : last + 1]:
        (kept if row.numbers or is_row_label(row.text) else groups).append(row)
    return kept, groups


def _blobs(groups: list[Seg], rows: list[_Row], height: float) -> list[_Blob]:
    """Group labels joined down their column, each over the rows indented past it."""
    blobs: list[_Blob] = []
    for seg in sorted(groups, key=lambda s: (s.top, s.x0)):
        near = [b for b in blobs if abs(b.x0 - seg.x0) <= _TOL and seg.top - b.segs[-1].bottom < 1.5 * height]
        if near:
            near[-1].segs.append(seg)
        else:
            blobs.append(_Blob([seg]))
    hits = {id(blob): _beside(blob, rows) for blob in blobs}
    inner = max((b.x0 for b in blobs), default=0.0)
    for blob in sorted(blobs, key=lambda b: -b.x0):
        rivals = [b for b in blobs if b is not blob and abs(b.x0 - blob.x0) <= _TOL]
        stop = {i for b in rivals for i in hits[id(b)] + b.rows}
        lo, hi = min(hits[id(blob)]), max(hits[id(blob)])
        restart = abs(blob.x0 - inner) <= _TOL  # the innermost groups: items numbered 1., 2. under each
        indented = [r.x0 > blob.x0 + _TOL for r in rows]
        while lo > 0 and indented[lo - 1] and lo - 1 not in stop and not (restart and _first_item(rows[lo])):
            lo -= 1
        while (
            hi + 1 < len(rows)
            and indented[hi + 1]
            and hi + 1 not in stop
            and not (restart and _first_item(rows[hi + 1]))
        ):
            hi += 1
        blob.rows = list(range(lo, hi + 1))
    for blob in blobs:
        rights = [r.x0 for i, r in enumerate(rows) if i in blob.rows and r.x0 < float("inf")]
        rights += [b.x0 for b in blobs if b.x0 > blob.x0 + _TOL and set(b.rows) & set(blob.rows)]
        blob.x1 = min(rights) if rights else max(s.x1 for s in blob.segs)
    return [b for b in blobs if b.rows]


def _beside(blob: _Blob, rows: list[_Row]) -> list[int]:
    """The rows a group label's lines lie beside (the nearest row when none)."""
    top, bottom = min(s.top for s in blob.segs), max(s.bottom for s in blob.segs)
    hit = [i for i, r in enumerate(rows) if r.top < bottom and top < r.bottom]
    if not hit:
        middle = (top + bottom) / 2
        hit = [min(range(len(rows)), key=lambda i: abs((rows[i].top + rows[i].bottom) / 2 - middle))]
    return hit


def _first_item(row: _Row) -> bool:
    return bool(re.match(r"1\s*[.．、]", row.text))


# --------------------------------------------------------------------------- tables


def find_word_tables(page: Any, page_number: int, boxes: list[tuple[float, float, float, float]]) -> list[PdfTable]:
    """Tables without ruling lines on a page (outside the given boxes), top to bottom."""
    segs = segments(page, boxes)
    if len(segs) > MAX_WORDS:
        return []
    tables = []
    for lines in _numeric_groups(segs):
        table = _table(segs, lines, page_number)
        if table is not None:
            tables.append(table)
    return tables


def _table(segs: list[Seg], lines: list[list[Seg]], page_number: int) -> PdfTable | None:
    numbers = [s for line in lines for s in line]
    left = min(s.x0 for s in numbers) - 0.5
    height = statistics.median(s.bottom - s.top for s in numbers)
    top, bottom = _limits(segs, lines, left)
    labels = [s for s in segs if not s.numeric and s.x1 <= left and top < s.middle < bottom]
    if len(labels) > MAX_LABELS:
        return None
    groups = [s for s in labels if _is_group(s, labels)]
    rows, loose = _trim(_rows([s for s in labels if s not in groups], lines))
    groups += [s for row in loose for s in row.labels]
    groups = [s for s in groups if rows[0].top <= s.middle <= rows[-1].bottom]
    if len(groups) > MAX_GROUPS:
        return None
    label_right = max((s.x1 for s in groups + [s for r in rows for s in r.labels]), default=float("-inf"))
    label_left = min((s.x0 for s in groups + [s for r in rows for s in r.labels]), default=float("inf"))
    header = _header(segs, min(r.top for r in rows), numbers, label_left, label_right)
    cols = _columns(numbers, header)
    if not _plausible(rows, cols, "".join(s.text for s in header).replace(" ", "")):
        return None
    table = _assemble(rows, cols, _blobs(groups, rows, height), page_number)
    used = {id(s) for r in rows for s in r.labels + r.numbers} | {id(s) for s in groups}
    x0, y0, x1, y1 = table.bbox
    if any(id(s) not in used and x0 <= (s.x0 + s.x1) / 2 <= x1 and y0 <= s.middle <= y1 for s in segs):
        return None  # words inside the table that are in none of its cells: left to the text layer
    return table


def _limits(segs: list[Seg], lines: list[list[Seg]], left: float) -> tuple[float, float]:
    """The heights between which the table's labels lie: the text reaching over its numbers
    nearest above and below it."""
    first, last = lines[0][0].middle, lines[-1][0].middle
    over = [s for s in segs if not s.numeric and s.x1 > left]
    top = max((s.bottom for s in over if s.middle < first), default=float("-inf"))
    bottom = min((s.top for s in over if s.middle > last), default=float("inf"))
    return top, bottom


def _column_of(seg: Seg, cols: list[tuple[float, float]]) -> int | None:
    hits = [i for i, (x0, x1) in enumerate(cols) if seg.x0 < x1 + 0.5 and x0 < seg.x1 + 0.5]
    return hits[0] if len(hits) == 1 else None


def _plausible(rows: list[_Row], cols: list[tuple[float, float]], header: str) -> bool:
    """A statistics table: two columns, a row with two values, every value in one column once,
    and template row labels (or, without labels, at least five columns)."""
    if len(cols) < 2 or not any(len(r.numbers) >= 2 for r in rows):
        return False
    for row in rows:
        placed = [_column_of(s, cols) for s in row.numbers]
        if None in placed or len(set(placed)) != len(placed):
            return False
    labelled = [r for r in rows if r.labels]
    if not labelled:  # the appeals table: a row of many columns under its own header
        return len(cols) >= 5 and bool(_APPEALS_HEADER.search(header))
    return sum(is_row_label(r.text) for r in labelled) * 2 >= len(labelled)


def _assemble(rows: list[_Row], cols: list[tuple[float, float]], blobs: list[_Blob], page_number: int) -> PdfTable:
    starts = [c[0] for c in cols]
    right = max(c[1] for c in cols) + _TOL
    edges = [*starts[1:], right]
    left = min([r.x0 for r in rows] + [b.x0 for b in blobs] + [starts[0]])
    cells: list[PdfCell] = []
    for blob in blobs:
        r0 = blob.rows[0]
        x0 = max((b.x1 for b in blobs if b.x0 < blob.x0 - _TOL and r0 in b.rows), default=left)
        cells.append(PdfCell(x0, blob.x1, r0, blob.rows[-1] + 1, [s.text for s in blob.segs]))
    for r, row in enumerate(rows):
        if row.labels or starts[0] > left + _TOL:
            x0 = max((b.x1 for b in blobs if r in b.rows), default=left)
            cells.append(PdfCell(x0, starts[0], r, r + 1, [" ".join(s.text for s in row.labels)]))
        for seg in row.numbers:
            c = _column_of(seg, cols)
            cells.append(PdfCell(starts[c], edges[c], r, r + 1, [seg.text]))
    xs = sorted({round(x, 2) for c in cells for x in (c.x0, c.x1)} | {round(x, 2) for x in starts + [right]})
    segs = [s for r in rows for s in r.labels + r.numbers] + [s for b in blobs for s in b.segs]
    bbox = (left, min(s.top for s in segs), right, max(s.bottom for s in segs))
    return PdfTable(cells, len(rows), xs, bbox[1], bbox[3], page_number, bbox, [page_number], starts)
