"""PDF tables as grids: cells found from a page's ruling lines, parts joined over page breaks.

A PDF has no table markup, only glyphs and strokes. The grid is rebuilt from the strokes that
draw table borders (lines, stroked rectangles and the thin filled rectangles that Word and
browsers print borders as); filled rectangles that are not thin are cell shading or text
backgrounds and are ignored, so a page of prose on white boxes is not a table. pdfplumber's
table finder turns those edges into cells; each cell's column and row span comes from the
column and row boundaries it covers, so a merged cell spreads over its span exactly as an
HTML ``colspan``/``rowspan`` does, and a position no cell covers is a blank cell.

A table that runs over a page break is one table: the part on the next page joins it when
the two share their column boundaries and only page chrome (page numbers, running headers)
lies between them; header rows repeated at the top of the new page are dropped, and a blank
label cell at the top of the new page continues the merged label above it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from nianbao.extraction.inputs.render import CellModel, TableModel

_TOL = 3.0  # points: boundaries closer than this are the same line (pdfplumber snaps at 3)
_THIN = 2.5  # a filled rectangle at most this thick is a drawn rule, not shading
_ITEM = re.compile(r"[（(]?\s*[一二三四五六七八九十\d]{1,3}\s*[)）、.．]")
_NUMBER = re.compile(r"[-+]?[\d,，.]+\s*(?:%|万元|元|件|条)?|[-—–/／无]")
# Rule positions a page may cross before its grid is not looked for (the page is then read as
# its text layer): finding cells costs about the product, and a page of 170 by 170 rules
# (9 KB of content) kept pdfplumber busy for 40 s. Report pages have a few dozen of each.
MAX_GRID_CROSSINGS = 6000
_SETTINGS = {"vertical_strategy": "explicit", "horizontal_strategy": "explicit", "intersection_tolerance": 4}


@dataclass
class PdfCell:
    """A cell as printed: its horizontal extent, the rows it covers [r0, r1) and its text lines."""

    x0: float
    x1: float
    r0: int
    r1: int
    lines: list[str]

    @property
    def text(self) -> str:
        return " ".join(line.strip() for line in self.lines if line.strip())


@dataclass
class PdfTable:
    """A table as found on one or more pages: cells, row count and the column boundaries."""

    cells: list[PdfCell]
    n_rows: int
    xs: list[float]  # left edges of the columns, then the right edge of the table
    top: float = 0.0
    bottom: float = 0.0
    page: int = 0
    bbox: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    pages: list[int] = field(default_factory=list)
    value_xs: list[float] = field(default_factory=list)  # a table found from word positions: its columns' left edges
    open_rows: set[int] = field(default_factory=set)  # row boundaries no rule is drawn at (a page break closed them)


def _is_rule(obj: dict[str, Any]) -> bool:
    if obj.get("object_type") == "line":
        return True
    if obj.get("stroke"):
        return True
    return min(obj.get("width", 0), obj.get("height", 0)) <= _THIN


def ruling_edges(page: Any) -> list[dict[str, Any]]:
    """The page's strokes that can be table borders, plus the borders a page break left open.

    Borders are lines, stroked rectangles, and thin filled rectangles or paths (Chromium
    paints a cell border as a filled path 0.75 pt wide).

    Word does not draw the bottom border of a table part that continues on the next page (nor
    the top border of the part there): where two or more vertical rules end at the same height
    and do not carry on below (above), a horizontal edge joining them is added.
    """
    from pdfplumber.utils import obj_to_edges

    thin_curves = [c for c in page.curves if min(c.get("width", 0), c.get("height", 0)) <= _THIN]
    edges = [e for obj in list(page.lines) + list(page.rects) + thin_curves if _is_rule(obj) for e in obj_to_edges(obj)]
    edges = [e for e in edges if e.get("orientation") in ("h", "v")]
    verticals = [e for e in edges if e["orientation"] == "v" and e["height"] > _TOL]
    for key in ("top", "bottom"):
        open_ends = [e for e in verticals if not _continued(e, key, verticals)]
        for y in _cluster([e[key] for e in open_ends]):
            ends = [e for e in open_ends if abs(e[key] - y) <= _TOL]
            if len(ends) >= 2:
                x0, x1 = min(e["x0"] for e in ends), max(e["x1"] for e in ends)
                edges.append(_edge(x0, x1, y))
    return edges


def _continued(edge: dict[str, Any], key: str, verticals: list[dict[str, Any]]) -> bool:
    """True when another vertical rule carries on from this one's top or bottom end.

    Browsers paint a column border one row at a time: such segments end at every row, and
    only the end of the whole run is an open border.
    """
    y = edge[key]
    for other in verticals:
        if other is edge or abs(other["x0"] - edge["x0"]) > _TOL:
            continue
        if key == "bottom" and other["top"] <= y + _TOL and other["bottom"] > y + _TOL:
            return True
        if key == "top" and other["bottom"] >= y - _TOL and other["top"] < y - _TOL:
            return True
    return False


def _edge(x0: float, x1: float, y: float) -> dict[str, Any]:
    return {
        "object_type": "line_edge",
        "orientation": "h",
        "x0": x0,
        "x1": x1,
        "top": y,
        "bottom": y,
        "doctop": y,
        "width": x1 - x0,
        "height": 0.0,
        "synthetic": True,
    }


def _cluster(values: list[float]) -> list[float]:
    out: list[float] = []
    for value in sorted(values):
        if not out or value - out[-1] > _TOL:
            out.append(value)
    return out


def _index(bounds: list[float], value: float) -> int:
    return min(range(len(bounds)), key=lambda i: abs(bounds[i] - value))


def find_tables(page: Any, page_number: int) -> list[PdfTable]:
    """Ruled tables on a page (at least two columns), top to bottom."""
    edges = ruling_edges(page)
    if len(edges) < 4:
        return []
    rows = _cluster([e["top"] for e in edges if e["orientation"] == "h"])
    cols = _cluster([e["x0"] for e in edges if e["orientation"] == "v"])
    if len(rows) * len(cols) > MAX_GRID_CROSSINGS:
        return []
    settings = dict(_SETTINGS, explicit_vertical_lines=edges, explicit_horizontal_lines=edges)
    tables = []
    drawn = [e for e in edges if e["orientation"] == "h" and not e.get("synthetic")]
    for found in page.find_tables(settings):
        table = _from_found(found, page_number)
        if table is not None:
            table.open_rows = _open_rows(table, drawn)
            tables.append(table)
    return sorted(tables, key=lambda t: t.top)


def _open_rows(table: PdfTable, drawn: list[dict[str, Any]]) -> set[int]:
    """The table's top (0) and bottom (n_rows) when drawn rules cover less than half its width."""
    width = table.xs[-1] - table.xs[0]
    out = set()
    for r, y in ((0, table.top), (table.n_rows, table.bottom)):
        covered = sum(
            min(e["x1"], table.xs[-1]) - max(e["x0"], table.xs[0]) for e in drawn if abs(e["top"] - y) <= _TOL
        )
        if covered < width / 2:
            out.add(r)
    return out


def _from_found(found: Any, page_number: int) -> PdfTable | None:
    boxes = list(found.cells)
    if not boxes:
        return None
    xs = _cluster([b[0] for b in boxes] + [b[2] for b in boxes])
    tops = _cluster([b[1] for b in boxes] + [b[3] for b in boxes])
    if len(xs) < 3 or len(tops) < 2:
        return None  # one column: a framed paragraph, read as text
    texts = _cell_texts(found)
    cells = []
    for box in boxes:
        c0, c1 = _index(xs, box[0]), _index(xs, box[2])
        r0, r1 = _index(tops, box[1]), _index(tops, box[3])
        if c1 <= c0 or r1 <= r0:
            continue
        cells.append(PdfCell(xs[c0], xs[c1], r0, r1, texts.get(tuple(box), "").split("\n")))
    bbox = tuple(found.bbox)
    return PdfTable(cells, len(tops) - 1, xs, bbox[1], bbox[3], page_number, bbox, [page_number])


def _cell_texts(found: Any) -> dict[tuple, str]:
    """Each cell's text (lines joined by newlines), keyed by its bounding box."""
    texts: dict[tuple, str] = {}
    for row, values in zip(found.rows, found.extract(), strict=False):
        for box, value in zip(row.cells, values, strict=False):
            if box is not None:
                texts[tuple(box)] = value or ""
    return texts


# --------------------------------------------------------------------------- grid


def _spans(table: PdfTable) -> list[tuple[PdfCell, int, int]]:
    """Each cell with its first and last+1 column index against the table's boundaries."""
    return [(cell, _index(table.xs, cell.x0), _index(table.xs, cell.x1)) for cell in table.cells]


def _neighbour(cells: list[PdfCell], blank: PdfCell, left: bool) -> PdfCell | None:
    for cell in cells:
        if cell is blank or (cell.r0, cell.r1) != (blank.r0, blank.r1) or not cell.text:
            continue
        if abs((cell.x1 if left else cell.x0) - (blank.x0 if left else blank.x1)) <= _TOL:
            return cell
    return None


def absorb_blank_labels(table: PdfTable) -> None:
    """Join blank cells of header rows and label columns to the label beside them.

    A blank cell among labels is a drawing artefact (a rule drawn through a merged header,
    a label column split by a stray line), not an empty value: it is joined to the label on
    its left (or, in a header row, on its right) in the same rows. A data row's blank cell
    counts as among labels when another row prints a label over its whole width; blank value
    cells (also a column that is blank in every row) stay.
    """
    header = _header_rows(table)
    labels = [c for c in table.cells if c.r0 >= header and c.text and not _is_number(c.text)]
    for blank in [c for c in table.cells if not c.text]:
        in_header = blank.r1 <= header
        under_label = any(c.x0 <= blank.x0 + _TOL and c.x1 >= blank.x1 - _TOL for c in labels)
        if not in_header and not under_label:
            continue
        target = _neighbour(table.cells, blank, left=True)
        if target is not None:
            target.x1 = blank.x1
        elif in_header and (target := _neighbour(table.cells, blank, left=False)) is not None:
            target.x0 = blank.x0
        if target is not None:
            table.cells.remove(blank)


def to_model(table: PdfTable) -> TableModel:
    """The table as rows of cells for the shared renderer; uncovered positions become blanks."""
    absorb_blank_labels(table)
    width = len(table.xs) - 1
    owner: dict[tuple[int, int], int] = {}
    placed = _spans(table)
    for index, (cell, c0, c1) in enumerate(placed):
        for r in range(cell.r0, cell.r1):
            for c in range(c0, c1):
                owner.setdefault((r, c), index)
    model = TableModel()
    for r in range(table.n_rows):
        row: list[CellModel] = []
        for c in range(width):
            index = owner.get((r, c))
            if index is None:
                row.append(CellModel(items=[""]))
                continue
            cell, c0, c1 = placed[index]
            if (cell.r0, c0) == (r, c):
                row.append(CellModel(items=[cell.text], rowspan=cell.r1 - cell.r0, colspan=c1 - c0))
        model.rows.append(row)
    return model


# --------------------------------------------------------------------------- page breaks


def same_columns(a: PdfTable, b: PdfTable) -> bool:
    """True when two parts share their outer edges and every inner boundary of one is in the other."""
    if abs(a.xs[0] - b.xs[0]) > _TOL or abs(a.xs[-1] - b.xs[-1]) > _TOL:
        return False
    small, large = (a.xs, b.xs) if len(a.xs) <= len(b.xs) else (b.xs, a.xs)
    return all(min(abs(x - y) for y in large) <= _TOL for x in small)


def _cols(cell: PdfCell, xs: list[float]) -> tuple[int, int]:
    return _index(xs, cell.x0), _index(xs, cell.x1)


def _row_signature(table: PdfTable, r: int, xs: list[float]) -> tuple:
    cells = sorted((c for c in table.cells if c.r0 == r), key=lambda c: c.x0)
    return tuple((*_cols(c, xs), c.r1 - c.r0, c.text) for c in cells)


def _is_number(text: str) -> bool:
    return bool(_NUMBER.fullmatch(text.strip()))


def _header_rows(table: PdfTable) -> int:
    """Leading rows with no number in them and, after the first, no blank cell: the header."""
    for r in range(table.n_rows):
        row = [c for c in table.cells if c.r0 == r]
        if any(_is_number(c.text) for c in row if c.text) or (r and any(not c.text for c in row)):
            return r
    return table.n_rows


def _repeated_header(first: PdfTable, part: PdfTable, xs: list[float]) -> int:
    """How many of the part's first rows repeat the first part's header rows."""
    k = 0
    limit = min(_header_rows(first), part.n_rows - 1)
    while k < limit and _row_signature(part, k, xs) and _row_signature(part, k, xs) == _row_signature(first, k, xs):
        k += 1
    if any(c.r0 < k < c.r1 for c in part.cells):
        return 0  # a header cell runs on into the data rows: not a plain repeat
    return k


def join(table: PdfTable, part: PdfTable) -> None:
    """Append the next page's part to a table (repeated header rows dropped, spans continued)."""
    xs = _cluster(table.xs + part.xs)
    skip = _repeated_header(table, part, xs)
    bottom = {_cols(c, xs): c for c in table.cells if c.r1 == table.n_rows}
    split = _split_row(table, part, skip, xs, bottom)
    offset = table.n_rows - skip - split
    for cell in part.cells:
        if cell.r0 < skip:
            continue
        above = bottom.get(_cols(cell, xs)) if cell.r0 == skip else None
        if split and above is not None:  # the rest of a row the page break cut
            above.lines += cell.lines if cell.text else []
            above.r1 = max(above.r1, cell.r1 + offset)
            continue
        if above is not None and not cell.text and above.text and not _is_number(above.text):
            above.r1 = cell.r1 + offset  # a merged label cell continued on the new page
            continue
        table.cells.append(PdfCell(cell.x0, cell.x1, cell.r0 + offset, cell.r1 + offset, cell.lines))
    table.n_rows += part.n_rows - skip - split
    table.open_rows = (table.open_rows & {0}) | ({table.n_rows} if part.n_rows in part.open_rows else set())
    table.xs = xs
    table.pages.append(part.page)


def _split_row(table: PdfTable, part: PdfTable, skip: int, xs: list[float], bottom: dict) -> int:
    """1 when the part's first row is the rest of the table's last row, cut by the page break:
    no rule drawn below the last row nor above the part (unless a repeated header is drawn
    there), every cell under a cell of the last row, the first text neither opening with an
    item mark nor a template row's label, and no column with a value in both halves."""
    from nianbao.extraction.inputs.pdf_labels import is_whole_label

    if table.n_rows not in table.open_rows or (skip not in part.open_rows and not skip):
        return 0
    first = sorted((c for c in part.cells if c.r0 == skip), key=lambda c: c.x0)
    if not first or any(_cols(c, xs) not in bottom for c in first):
        return 0
    texts = [c.text for c in first if c.text]
    if texts and (_ITEM.match(texts[0]) or is_whole_label(texts[0])):
        return 0
    both = [c for c in first if c.text and bottom[_cols(c, xs)].text]
    return 0 if any(_is_number(c.text) or _is_number(bottom[_cols(c, xs)].text) for c in both) else 1


# --------------------------------------------------------------------------- page breaks (tables found from word
# positions)


def continues(table: PdfTable, part: PdfTable) -> bool:
    """True when two tables found from word positions share their label edge and the value
    columns of one are among the other's (a column blank throughout a part is missing there)."""
    if not table.value_xs or not part.value_xs or abs(table.xs[0] - part.xs[0]) > _TOL:
        return False
    small, large = sorted((table.value_xs, part.value_xs), key=len)
    return all(min(abs(x - y) for y in large) <= _TOL for x in small)


def _snap(table: PdfTable, starts: list[float], right: float) -> None:
    """Value cells moved onto the given columns, label cells ended where the first begins."""
    for cell in table.cells:
        if cell.x0 >= table.value_xs[0] - _TOL:
            c = min(range(len(starts)), key=lambda i: abs(starts[i] - cell.x0))
            cell.x0, cell.x1 = starts[c], starts[c + 1] if c + 1 < len(starts) else right
        elif abs(cell.x1 - table.value_xs[0]) <= _TOL:
            cell.x1 = starts[0]
    table.value_xs = starts


def join_words(table: PdfTable, part: PdfTable) -> None:
    """Append the next page's part of a table found from word positions."""
    starts: list[float] = []
    for x in sorted(table.value_xs + part.value_xs):
        if not starts or x - starts[-1] > _TOL:
            starts.append(x)
    right = max(table.xs[-1], part.xs[-1])
    _snap(table, starts, right)
    _snap(part, starts, right)
    offset = table.n_rows
    table.cells += [PdfCell(c.x0, c.x1, c.r0 + offset, c.r1 + offset, c.lines) for c in part.cells]
    table.n_rows += part.n_rows
    table.xs = _cluster([x for c in table.cells for x in (c.x0, c.x1)] + starts + [right])
    table.pages.append(part.page)
