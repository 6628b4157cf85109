"""DOCX → the rendered visible text (rules in :mod:`nianbao.extraction.formats`).

The body is read in order with python-docx: paragraphs (``w:p``) and tables (``w:tbl``),
including content inside content controls (``w:sdt``). A table cell is rendered once at its
origin: horizontally merged cells (``gridSpan``) become a colspan and vertically merged
continuation cells (``vMerge``) extend the rowspan of the cell above instead of printing
again. Headers, footers and comments are page chrome and are not read.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from nianbao.errors import ReadError
from nianbao.extraction.formats import (
    Block,
    CellModel,
    RenderedInput,
    TableModel,
    check_rendered,
    render_blocks,
)

# A DOCX is a ZIP: refuse archives that would inflate past this before python-docx reads them.
MAX_UNZIPPED_BYTES = 256 * 1024 * 1024
_MAX_TABLE_DEPTH = 16
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _check_archive(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ReadError("bad_docx", detail=type(exc).__name__) from exc
    names = {info.filename for info in infos}
    if "word/document.xml" not in names:
        raise ReadError("not_docx")
    if sum(info.file_size for info in infos) > MAX_UNZIPPED_BYTES:
        raise ReadError("too_large", detail="the DOCX inflates past 256 MB")


def _paragraph_text(p: Any) -> str:
    from docx.text.paragraph import Paragraph

    return Paragraph(p, None).text


def _body_blocks(element: Any, depth: int) -> list[Block]:
    """Paragraphs and tables among an element's children, in order (content controls opened)."""
    blocks: list[Block] = []
    for child in element.iterchildren():
        tag = child.tag
        if tag == f"{_W}p":
            blocks.append(_paragraph_text(child))
        elif tag == f"{_W}tbl":
            if depth < _MAX_TABLE_DEPTH:
                blocks.append(_table(child, depth + 1))
            else:
                blocks.extend(t for t in child.itertext() if t.strip())
        elif tag == f"{_W}sdt":
            content = child.find(f"{_W}sdtContent")
            if content is not None:
                blocks.extend(_body_blocks(content, depth))
    return blocks


def _span(tc: Any) -> int:
    tc_pr = tc.find(f"{_W}tcPr")
    grid_span = tc_pr.find(f"{_W}gridSpan") if tc_pr is not None else None
    try:
        return max(1, min(int(grid_span.get(f"{_W}val")), 1000)) if grid_span is not None else 1
    except (TypeError, ValueError):
        return 1


def _continues(tc: Any) -> bool:
    """True for a vertically merged continuation cell (``<w:vMerge/>`` without val=restart)."""
    tc_pr = tc.find(f"{_W}tcPr")
    merge = tc_pr.find(f"{_W}vMerge") if tc_pr is not None else None
    return merge is not None and merge.get(f"{_W}val") in (None, "continue")


def _row_cells(tr: Any) -> list:
    """A row's w:tc elements, also those inside content controls."""
    cells = []
    for child in tr.iterchildren():
        if child.tag == f"{_W}tc":
            cells.append(child)
        elif child.tag == f"{_W}sdt":
            content = child.find(f"{_W}sdtContent")
            if content is not None:
                cells.extend(c for c in content.iterchildren() if c.tag == f"{_W}tc")
    return cells


def _table(tbl: Any, depth: int) -> TableModel:
    table = TableModel()
    above: dict[int, CellModel] = {}  # grid column → the cell that a vMerge continues
    for tr in tbl.iterchildren(f"{_W}tr"):
        row: list[CellModel] = []
        col = 0
        for tc in _row_cells(tr):
            span = _span(tc)
            if _continues(tc) and col in above:
                above[col].rowspan += 1
            else:
                cell = CellModel(items=_body_blocks(tc, depth), colspan=span)
                row.append(cell)
                above[col] = cell
            col += span
        table.rows.append(row)
    return table


def render_docx(data: bytes) -> RenderedInput:
    """Render a Word document's body text: paragraphs as lines, tables one cell per line."""
    _check_archive(data)
    try:
        import docx

        document = docx.Document(io.BytesIO(data))
        blocks = _body_blocks(document.element.body, 0)
    except ReadError:
        raise
    except Exception as exc:  # noqa: BLE001 - python-docx/lxml raise many types on damaged files
        raise ReadError("bad_docx", detail=type(exc).__name__) from exc
    text, tables, full = render_blocks(blocks)
    check_rendered(text, full)
    if not text.strip():
        raise ReadError("no_visible_text")
    return RenderedInput(text, "docx", None, tables)
