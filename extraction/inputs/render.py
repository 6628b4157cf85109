"""Input formats other than plain text: HTML, DOCX, PDF → the text that offsets refer to.

``render_input`` returns None for plain text (the caller decodes it), or a
:class:`RenderedInput` whose ``text`` is a deterministic rendering of the document's visible
text; the document reports it as ``source.rendered_text`` so offsets can be checked.

Rendering rules, shared by HTML, DOCX and PDF (a PDF's text outside its tables is printed
as its text layer gives it, line by line, as a :class:`LineGroup`):

- a paragraph or heading is one line (inner whitespace collapsed, ends trimmed), and blocks
  are separated by a blank line;
- a table is rendered row by row, **one cell per line**, each cell once (at the top-left of
  its span); a cell with no visible text is a line holding a single NBSP (U+00A0) and a blank
  line ends each row. Line breaks inside a cell (``<br>``, several ``<p>``) are kept as
  a space, so a cell never spans two lines and the one-cell-per-line layout holds;
- a table holding other tables is a layout table: its cells are rendered as blocks.

The expanded grid of every data table (rowspan/colspan spread over the positions they
cover) comes back in ``RenderedInput.tables``, each cell with its offsets in ``text``.

Every input is size-capped before any work so that a batch never stalls on one file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from nianbao.errors import ReadError

NBSP = "\u00a0"
# Work caps, checked before any parsing so that a batch never stalls on one file. A report is
# 5–50 thousand characters; with the default model, 199k characters of junk text took 18 s
# on this machine (2 cores) and 341k took 67 s, so text beyond MAX_CHARS is refused rather
# than read for minutes. Containers (PDF, DOCX) carry images and get more bytes; HTML parsing
# runs at about 1.5 s a MB of markup.
MAX_INPUT_BYTES = 64 * 1024 * 1024
MAX_CONTAINER_BYTES = MAX_INPUT_BYTES
MAX_HTML_BYTES = 5 * 1024 * 1024
MAX_TEXT_BYTES = 2 * 1024 * 1024
MAX_CHARS = 200_000
MAX_RENDERED_CHARS = MAX_CHARS
MAX_GRID_POSITIONS = 200_000
_SPAN_CAP = 1000
_WS = re.compile(r"\s+")
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")


@dataclass(frozen=True)
class GridCell:
    """A table cell as printed: its origin in the expanded grid and its span in the text."""

    row: int
    col: int
    rowspan: int
    colspan: int
    text: str  # the cell's rendered text ("" when empty; then start/end cover the NBSP)
    start: int
    end: int


@dataclass(frozen=True)
class TableGrid:
    """A data table: its cells and the expanded grid (cell index per position, -1 for none)."""

    cells: tuple[GridCell, ...]
    grid: tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class RenderedInput:
    text: str
    format: str  # "html", "docx", "pdf"
    encoding: str | None = None
    tables: tuple[TableGrid, ...] = ()
    notes: tuple[str, ...] = ()  # sentences for the document's errors (damaged bytes)


# --------------------------------------------------------------------------- layout model


@dataclass
class CellModel:
    """A parsed cell: lines of text and nested tables, in order, and its span."""

    items: list[str | TableModel] = field(default_factory=list)
    rowspan: int = 1
    colspan: int = 1


@dataclass
class TableModel:
    """A parsed table: rows of cells, plus text printed in it outside any cell."""

    rows: list[list[CellModel]] = field(default_factory=list)
    loose: list[str] = field(default_factory=list)

    def is_layout(self) -> bool:
        return any(isinstance(i, TableModel) for row in self.rows for c in row for i in c.items)


@dataclass(frozen=True)
class LineGroup:
    """Lines printed as they are, one per line (a PDF's text layer between its tables)."""

    lines: tuple[str, ...]


Block = str | TableModel | LineGroup


def clean_line(text: str) -> str:
    """One rendered line: whitespace runs collapsed to a space, ends trimmed (NBSP too).

    Characters that print nothing (zero-width space and joiners, word joiner, BOM, soft hyphen)
    are not rendered: web editors fill "empty" cells with U+200B, which must read as empty.
    """
    return _WS.sub(" ", _INVISIBLE.sub("", text)).strip()


def span_value(raw: str | None) -> int:
    """A rowspan/colspan attribute as a number in 1..1000 (junk and 0 read as 1)."""
    digits = re.match(r"\s*(\d{1,6})", raw or "")
    value = int(digits.group(1)) if digits else 1
    return min(max(value, 1), _SPAN_CAP)


class _Writer:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0
        self.tables: list[TableGrid] = []
        self.full = False

    def block_gap(self) -> None:
        if self.parts:
            self.write("\n\n")

    def write(self, text: str) -> None:
        if self.pos + len(text) > MAX_RENDERED_CHARS:
            self.full = True  # the caller refuses the input; stop growing the text
            return
        self.parts.append(text)
        self.pos += len(text)


def _cell_text(cell: CellModel) -> str:
    lines = [clean_line(i) for i in cell.items if isinstance(i, str)]
    return " ".join(line for line in lines if line)


def _expand(rows: list[list[tuple[int, int, int]]]) -> tuple[tuple[int, ...], ...] | None:
    """Spread (cell index, rowspan, colspan) rows over the grid they cover."""
    taken: dict[tuple[int, int], int] = {}
    n_rows = len(rows)
    width = 0
    for r, row in enumerate(rows):
        c = 0
        for index, rowspan, colspan in row:
            while (r, c) in taken:
                c += 1
            for dr in range(min(rowspan, n_rows - r)):
                for dc in range(colspan):
                    taken[(r + dr, c + dc)] = index
                    if len(taken) > MAX_GRID_POSITIONS:
                        return None
            c += colspan
            width = max(width, c)
    return tuple(tuple(taken.get((r, c), -1) for c in range(width)) for r in range(n_rows))


def _origins(grid: tuple[tuple[int, ...], ...]) -> dict[int, tuple[int, int]]:
    found: dict[int, tuple[int, int]] = {}
    for r, row in enumerate(grid):
        for c, index in enumerate(row):
            if index >= 0 and index not in found:
                found[index] = (r, c)
    return found


def _padded(rows: list[list[CellModel]]) -> list[list[CellModel]]:
    """Rows that stop short of the table's columns get empty cells for the positions they leave.

    Pages often omit a row's trailing empty ``<td>`` (and Word's ``gridAfter`` does the same):
    the browser shows those positions empty, so they are printed as empty cells, which keeps
    every value line under its column. The columns are those where some cell starts (a title
    cell's oversized colspan adds none).
    """
    shape: list[list[tuple[int, int, int]]] = []
    count = 0
    for row in rows:
        shape.append([(count + i, cell.rowspan, cell.colspan) for i, cell in enumerate(row)])
        count += len(row)
    grid = _expand(shape) if count else None
    if grid is None:
        return rows
    width = max(col for _, col in _origins(grid).values()) + 1
    padded = []
    for row, positions in zip(rows, grid, strict=True):
        trailing = 0
        while trailing < width and positions[width - 1 - trailing] < 0:
            trailing += 1
        padded.append(row + [CellModel() for _ in range(trailing)] if row and trailing else row)
    return padded


def _write_table(out: _Writer, table: TableModel) -> None:
    for line in table.loose:
        if clean_line(line):
            out.block_gap()
            out.write(clean_line(line))
    placed: list[tuple[str, int, int, int, int]] = []  # text, rowspan, colspan, start, end
    shape: list[list[tuple[int, int, int]]] = []
    for row in _padded(table.rows):
        shape.append([])
        if not row:
            continue
        out.block_gap()
        for i, cell in enumerate(row):
            if i:
                out.write("\n")
            text = _cell_text(cell)
            start = out.pos
            out.write(text or NBSP)
            shape[-1].append((len(placed), cell.rowspan, cell.colspan))
            placed.append((text, cell.rowspan, cell.colspan, start, out.pos))
    grid = _expand(shape) if placed else None
    if grid is None:
        return
    origin = _origins(grid)
    cells = tuple(
        GridCell(*origin.get(i, (-1, -1)), rs, cs, text, s, e) for i, (text, rs, cs, s, e) in enumerate(placed)
    )
    out.tables.append(TableGrid(cells, grid))


def render_blocks(blocks: list[Block]) -> tuple[str, tuple[TableGrid, ...], bool]:
    """Render paragraphs and tables; returns the text, the data tables' grids, and truncation."""
    out = _Writer()
    stack: list[list[Block]] = [list(reversed(blocks))]
    while stack and not out.full:
        pending = stack[-1]
        if not pending:
            stack.pop()
            continue
        block = pending.pop()
        if isinstance(block, str):
            line = clean_line(block)
            if line:
                out.block_gap()
                out.write(line)
        elif isinstance(block, LineGroup):
            if block.lines:
                out.block_gap()
                out.write("\n".join(line.replace("\n", " ") for line in block.lines))
        elif block.is_layout():
            inner: list[Block] = list(block.loose)
            for row in block.rows:
                for cell in row:
                    inner.extend(cell.items)
            stack.append(list(reversed(inner)))
        else:
            _write_table(out, block)
    return "".join(out.parts), tuple(out.tables), out.full


# --------------------------------------------------------------------------- detection

_HTML_MARKERS = re.compile(rb"<(?:html|!doctype\s+html|body)\b", re.I)
_TABLE = re.compile(rb"<table\b", re.I)
_CELL = re.compile(rb"<t[dh]\b", re.I)


def _looks_like_html(data: bytes, name: str) -> bool:
    head = data[:65536]
    if head[:1] == b"\x00" or head[1:2] == b"\x00" or head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.replace(b"\x00", b"")  # UTF-16: the markers are ASCII between NULs
    if _HTML_MARKERS.search(head):
        return True
    if _TABLE.search(head) and _CELL.search(data, 0, MAX_HTML_BYTES):
        return True
    return name.lower().endswith((".html", ".htm", ".xhtml")) and b"<" in head


def sniff(data: bytes, name: str = "") -> str:
    """The input's format from its content (and, for HTML fragments, its name).

    ``pdf`` (``%PDF-`` in the first KB), ``docx`` (a ZIP holding ``word/``), ``zip`` (another
    ZIP), ``html`` (``<html``, ``<!doctype html``, ``<body``, or ``<table`` with cells; or any
    markup in a file named ``.htm(l)``) or ``text``.
    """
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "docx" if b"word/" in data[:MAX_CONTAINER_BYTES] else "zip"
    if _looks_like_html(data, name):
        return "html"
    return "text"


def _refuse(what: str, size: str, limit: str) -> ReadError:
    return ReadError("too_large", detail=f"{what} is {size}; the limit is {limit}")


def _check_size(data: bytes, fmt: str) -> None:
    limits = {
        "pdf": MAX_CONTAINER_BYTES,
        "docx": MAX_CONTAINER_BYTES,
        "zip": MAX_CONTAINER_BYTES,
        "html": MAX_HTML_BYTES,
    }
    limit = limits.get(fmt, MAX_TEXT_BYTES)
    if len(data) > limit:
        raise _refuse(f"the {fmt} input", f"{len(data) / 2**20:.1f} MB", f"{limit / 2**20:.0f} MB")


def _check_text_length(data: bytes) -> None:
    """Plain text: refuse more than MAX_CHARS characters (a character takes at least one byte)."""
    if len(data) <= MAX_CHARS:
        return
    from nianbao.extraction.inputs.decode import decode

    try:
        length = len(decode(data).text)
    except ReadError:
        return  # the pipeline decodes again and reports why it cannot
    if length > MAX_CHARS:
        raise _refuse("the text", f"{length:,} characters", f"{MAX_CHARS:,}")


def check_rendered(text: str, full: bool) -> None:
    """Refuse a rendering that passed MAX_CHARS (the renderers stop writing there)."""
    if full or len(text) > MAX_CHARS:
        raise _refuse("the rendered text", f"over {MAX_CHARS:,} characters", f"{MAX_CHARS:,}")


def render_input(data: bytes, name: str) -> RenderedInput | None:
    """Render a non-text input; None means "plain text, decode it".

    Raises ReadError (with a sentence for the document's ``errors``) for input that cannot be
    read: too large, a ZIP that is not a Word document, a PDF with no text layer, a broken file.
    """
    if len(data) > MAX_INPUT_BYTES:
        raise _refuse("the input", f"{len(data) / 2**20:.1f} MB", f"{MAX_INPUT_BYTES / 2**20:.0f} MB")
    fmt = sniff(data, name)
    _check_size(data, fmt)
    if fmt == "text":
        _check_text_length(data)
        return None
    if fmt == "zip":
        raise ReadError("not_docx")
    if fmt == "html":
        from nianbao.extraction.inputs.html import render_html

        return render_html(data)
    if fmt == "docx":
        from nianbao.extraction.inputs.docx import render_docx

        return render_docx(data)
    from nianbao.extraction.inputs.pdf import render_pdf

    return render_pdf(data)
