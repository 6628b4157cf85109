"""DOCX → the rendered visible text (rules in :mod:`nianbao.extraction.inputs.render`).

Only ``word/document.xml`` is read, decompressed as a stream and fed to an incremental XML
parser: the bytes it really inflates to are capped (``MAX_PART_BYTES``) and so are the
elements it holds (``MAX_ELEMENTS``), so a zip bomb, an entry that lies about its size or
millions of empty paragraphs are refused after a few MB of work; the sizes the archive
declares are never trusted. The ZIP's central directory is refused past ``MAX_ENTRIES``
before it is parsed. Entities are not expanded and libxml2 refuses nesting past 256.

The body is read in order with python-docx's element classes: paragraphs (``w:p``) and tables (``w:tbl``),
including content inside content controls (``w:sdt``) and custom XML (``w:customXml``), also
where they wrap table rows or cells. A table cell is rendered once at its
origin: horizontally merged cells (``gridSpan``) become a colspan and vertically merged
continuation cells (``vMerge``) extend the rowspan of the cell above instead of printing
again. A paragraph's text is every run's, also runs inside tracked insertions, inline content
controls, smart tags and fields (python-docx's ``Paragraph.text`` reads only direct runs, so a
value typed with track changes on came back blank); tracked deletions, also of whole rows,
are not visible. Headers, footers and comments are page chrome and are not read.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

from lxml import etree

from nianbao.errors import ReadError
from nianbao.extraction.inputs.render import (
    MAX_RENDERED_CHARS,
    Block,
    CellModel,
    RenderedInput,
    TableModel,
    check_rendered,
    clean_line,
    render_blocks,
)

# A report's document.xml is 0.1-5 MB with 10-200 thousand elements; beyond these it is refused.
MAX_PART_BYTES = 32 * 1024 * 1024
MAX_ELEMENTS = 1_000_000
MAX_ENTRIES = 10_000
_CHUNK = 64 * 1024
_MAX_TABLE_DEPTH = 16
_MAX_WRAPPERS = 64  # nested content controls / custom XML opened (deeper ones are not read)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _entry_count(data: bytes) -> int | None:
    """The entry count the end-of-central-directory record gives (None when it is not found)."""
    at = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if at < 0 or at + 22 > len(data):
        return None
    return int.from_bytes(data[at + 10 : at + 12], "little")


def _too_large(what: str) -> ReadError:
    return ReadError("too_large", detail=f"the DOCX {what}")


def _parse_part(archive: zipfile.ZipFile) -> Any:
    """word/document.xml as an element tree, read as a stream within the byte and element caps."""
    from docx.oxml.parser import element_class_lookup

    try:
        info = archive.getinfo("word/document.xml")
    except KeyError:
        raise ReadError("not_docx") from None
    parser = etree.XMLPullParser(events=("start",), resolve_entities=False, no_network=True, remove_blank_text=True)
    parser.set_element_class_lookup(element_class_lookup)
    inflated = elements = 0
    with archive.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            inflated += len(chunk)
            if inflated > MAX_PART_BYTES:
                raise _too_large(f"text part inflates past {MAX_PART_BYTES // 2**20} MB")
            parser.feed(chunk)
            elements += sum(1 for _ in parser.read_events())
            if elements > MAX_ELEMENTS:
                raise _too_large(f"text part holds more than {MAX_ELEMENTS:,} elements")
    return parser.close()


def read_body(data: bytes) -> Any:
    """The ``w:body`` element of a DOCX (ReadError with a sentence when it cannot be read)."""
    import docx  # noqa: F401 - registers python-docx's element classes (w:p → CT_P)

    entries = _entry_count(data)
    if entries is not None and entries > MAX_ENTRIES:
        raise _too_large(f"holds {entries:,} entries (more than {MAX_ENTRIES:,})")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if len(archive.infolist()) > MAX_ENTRIES:
                raise _too_large(f"holds more than {MAX_ENTRIES:,} entries")
            root = _parse_part(archive)
    except ReadError:
        raise
    except Exception as exc:  # noqa: BLE001 - zipfile, zlib and lxml raise many types on damaged files
        raise ReadError("bad_docx", detail=type(exc).__name__) from exc
    body = root.find(f"{_W}body")
    if body is None:
        raise ReadError("no_visible_text")
    return body


# A paragraph's visible characters: text, tabs and line breaks in its runs wherever the runs
# sit (tracked insertions ``w:ins``/``w:moveTo``, inline content controls ``w:sdt``, smart tags,
# ``w:customXml``, simple fields, hyperlinks), in document order. Tracked deletions and
# moved-away text are not visible; drawings (text boxes) are not read.
_TEXT = etree.XPath(
    "(.//w:t | .//w:tab | .//w:ptab | .//w:br | .//w:cr | .//w:noBreakHyphen)"
    "[not(ancestor::w:del or ancestor::w:moveFrom or ancestor::w:drawing or ancestor::w:pict"
    " or ancestor::w:object or ancestor::w:txbxContent)]",
    namespaces={"w": _W[1:-1]},
)
_CHARS = {"tab": "\t", "ptab": "\t", "cr": "\n", "noBreakHyphen": "-"}


def _paragraph_text(p: Any) -> str:
    parts: list[str] = []
    for node in _TEXT(p):
        name = etree.QName(node).localname
        if name == "t":
            parts.append(node.text or "")
        elif name == "br":
            parts.append("" if node.get(f"{_W}type") in ("page", "column") else "\n")
        else:
            parts.append(_CHARS[name])
    return "".join(parts)


class _Budget:
    """Characters rendered so far: past the cap the document is refused without reading on."""

    def __init__(self) -> None:
        self.chars = 0

    def take(self, text: str) -> str:
        self.chars += len(clean_line(text))  # the rendering holds at least these characters
        if self.chars > MAX_RENDERED_CHARS:
            check_rendered("", True)  # raises the rendered-text refusal
        return text


def _content(element: Any) -> Iterator[Any]:
    """An element's children, with those of content controls (``w:sdt``) and custom XML
    (``w:customXml``) wrappers in their place: paragraphs, tables, rows and cells sit in them."""
    pending = [iter(element.iterchildren())]
    while pending:
        child = next(pending[-1], None)
        if child is None:
            pending.pop()
        elif child.tag == f"{_W}sdt":
            content = child.find(f"{_W}sdtContent")
            if content is not None and len(pending) < _MAX_WRAPPERS:
                pending.append(iter(content.iterchildren()))
        elif child.tag == f"{_W}customXml":
            if len(pending) < _MAX_WRAPPERS:
                pending.append(iter(child.iterchildren()))
        else:
            yield child


def _body_blocks(element: Any, depth: int, budget: _Budget) -> list[Block]:
    """Paragraphs and tables among an element's children, in order (wrappers opened)."""
    blocks: list[Block] = []
    for child in _content(element):
        tag = child.tag
        if tag == f"{_W}p":
            blocks.append(budget.take(_paragraph_text(child)))
        elif tag == f"{_W}tbl":
            if depth < _MAX_TABLE_DEPTH:
                blocks.append(_table(child, depth + 1, budget))
            else:
                blocks.extend(budget.take(t) for t in child.itertext() if t.strip())
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
    """A row's w:tc elements, also those inside content controls and custom XML."""
    return [c for c in _content(tr) if c.tag == f"{_W}tc"]


def _deleted(tr: Any) -> bool:
    """True for a row deleted with track changes on (``w:trPr/w:del``): it is not in the document."""
    tr_pr = tr.find(f"{_W}trPr")
    return tr_pr is not None and tr_pr.find(f"{_W}del") is not None


def _table(tbl: Any, depth: int, budget: _Budget) -> TableModel:
    table = TableModel()
    above: dict[int, CellModel] = {}  # grid column → the cell that a vMerge continues
    for tr in (r for r in _content(tbl) if r.tag == f"{_W}tr" and not _deleted(r)):
        row: list[CellModel] = []
        col = 0
        for tc in _row_cells(tr):
            span = _span(tc)
            if _continues(tc) and col in above:
                above[col].rowspan += 1
            else:
                cell = CellModel(items=_body_blocks(tc, depth, budget), colspan=span)
                row.append(cell)
                above[col] = cell
            col += span
        table.rows.append(row)
    return table


def render_docx(data: bytes) -> RenderedInput:
    """Render a Word document's body text: paragraphs as lines, tables one cell per line."""
    body = read_body(data)
    try:
        blocks = _body_blocks(body, 0, _Budget())
    except ReadError:
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged element tree raises many types
        raise ReadError("bad_docx", detail=type(exc).__name__) from exc
    text, tables, full = render_blocks(blocks)
    check_rendered(text, full)
    if not text.strip():
        raise ReadError("no_visible_text")
    return RenderedInput(text, "docx", None, tables)
