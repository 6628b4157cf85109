"""PDF → the rendered text: ruled tables as grids, the rest of each page from its text layer.

Each page is read with pdfplumber. Its ruled tables (:mod:`nianbao.extraction.inputs.pdf_tables`)
are rendered like HTML tables (one cell per line, blank cells as an NBSP line, merged cells
printed once at the top-left of their span, rows ended by a blank line), and a table that
runs over a page break is one table. The page's other text comes from its text layer
(``extract_text()``) in reading order, the bands above, between and below the tables, so no
table word is printed twice; the page number and running header of a page a table crosses
follow the table. A PDF with no ruled table reads exactly as its text layer: pages' text
joined by newlines, the kind of text the development reports (``-pdftext.txt``) hold.

A PDF whose pages hold no text (a scan) is refused with a sentence naming its page count,
never returned as an empty success; damaged or encrypted files, files over the page cap and
files whose streams inflate past the caps of :mod:`nianbao.extraction.inputs.pdf_limits` are
refused too, within the reading time budget.
"""

from __future__ import annotations

import io
import logging
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from nianbao.errors import ReadError, message
from nianbao.extraction.inputs.pdf_limits import PdfBudget, budget, check_page_content
from nianbao.extraction.inputs.pdf_tables import (
    PdfTable,
    continues,
    find_tables,
    join,
    join_words,
    same_columns,
    to_model,
)
from nianbao.extraction.inputs.pdf_words import find_word_tables
from nianbao.extraction.inputs.render import (
    Block,
    LineGroup,
    RenderedInput,
    check_rendered,
    render_blocks,
)

MAX_PAGES = 100
_PAGE_NUMBER = re.compile(r"[-—–\s]*(?:第\s*)?\d{1,4}\s*(?:页|/\s*\d{1,4}|of\s*\d{1,4})?(?:\s*共\s*\d+\s*页)?[-—–\s]*")


@dataclass
class _Page:
    """A page read: its items in reading order (text lines and tables)."""

    items: list[list[str] | PdfTable]
    chars: int


def _inside(obj: dict[str, Any], boxes: list[tuple[float, float, float, float]]) -> bool:
    x = (obj["x0"] + obj["x1"]) / 2
    y = (obj["top"] + obj["bottom"]) / 2
    return any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)


def _band(page: Any, boxes: list, low: float, high: float) -> list[str]:
    """The text-layer lines of the page between two heights, outside every table."""

    def keep(obj: dict[str, Any]) -> bool:
        if obj.get("object_type") != "char":
            return False
        middle = (obj["top"] + obj["bottom"]) / 2
        return low <= middle < high and not _inside(obj, boxes)

    text = page.filter(keep).extract_text() or ""
    return text.split("\n") if text else []


def _read_page(page: Any, number: int) -> _Page:
    chars = len(page.chars)
    if not chars:
        return _Page([], 0)
    tables = find_tables(page, number)
    tables = sorted(tables + find_word_tables(page, number, [t.bbox for t in tables]), key=lambda t: t.top)
    if not tables:
        text = page.extract_text() or ""
        return _Page([text.split("\n")] if text else [], chars)
    boxes = [t.bbox for t in tables]
    items: list[list[str] | PdfTable] = []
    low = float("-inf")
    for table in tables:
        lines = _band(page, boxes, low, table.top)
        if lines:
            items.append(lines)
        items.append(table)
        low = table.top
    lines = _band(page, boxes, low, float("inf"))
    if lines:
        items.append(lines)
    return _Page(items, chars)


def _read_pages(data: bytes, limits: PdfBudget) -> list[_Page]:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        pages = pdf.pages
        if len(pages) > MAX_PAGES:
            raise ReadError("too_large", detail=f"{len(pages)} pages; the limit is {MAX_PAGES}")
        out: list[_Page] = []
        for number, page in enumerate(pages, 1):
            limits.check_time(number, len(pages))
            limits.start_page(number)
            check_page_content(page, number)
            out.append(_read_page(page, number))
            page.close()
            limits.check_time(number, len(pages))
    return out


# --------------------------------------------------------------------------- joining pages


def _chrome_lines(pages: list[_Page]) -> set[str]:
    """Lines that repeat on several pages (digits masked): running headers and footers."""
    counts: Counter[str] = Counter()
    for page in pages:
        seen = {_mask(line) for item in page.items if isinstance(item, list) for line in item}
        counts.update(seen)
    return {line for line, n in counts.items() if n >= 3 and line}


def _mask(line: str) -> str:
    return re.sub(r"\d+", "#", line.strip())


def _is_chrome(lines: list[str], repeated: set[str]) -> bool:
    return all(_PAGE_NUMBER.fullmatch(line) or _mask(line) in repeated for line in lines)


def _blocks(pages: list[_Page]) -> list[Block]:
    """Items of all pages as blocks; a table continued on the next page joins its first part."""
    repeated = _chrome_lines(pages)
    out: list[list[str] | PdfTable] = []
    held: list[list[str]] = []  # chrome after a table, kept until what follows it is known
    for number, page in enumerate(pages, 1):
        for item in page.items:
            last = out[-1] if out and isinstance(out[-1], PdfTable) else None
            if isinstance(item, list) and last is not None and _is_chrome(item, repeated):
                held.append(item)
                continue
            if isinstance(item, PdfTable) and last is not None and last.pages[-1] == number - 1:
                if not last.value_xs and not item.value_xs and same_columns(last, item):
                    join(last, item)
                    continue
                if continues(last, item):
                    join_words(last, item)
                    held = [lines for lines in held if not _repeats_header(lines, out, repeated)]
                    continue
            if isinstance(item, list) and last is not None and last.value_xs and _repeats_header(item, out, repeated):
                held.append(item)
                continue
            out.extend(held)
            held = []
            out.append(item)
    out.extend(held)
    return _as_blocks(out)


def _repeats_header(lines: list[str], out: list, repeated: set[str]) -> bool:
    """True when the lines (page chrome aside) repeat the last lines printed before the table
    that ends ``out``: a header printed again at the top of the page a table continues on."""
    before = [line for item in out[:-1] if isinstance(item, list) for line in item]
    own = [line for line in lines if not _is_chrome([line], repeated)]
    return bool(own) and before[-len(own) :] == own


def _as_blocks(items: list[list[str] | PdfTable]) -> list[Block]:
    blocks: list[Block] = []
    lines: list[str] = []
    for item in items:
        if isinstance(item, list):
            lines.extend(item)
            continue
        if lines:
            blocks.append(LineGroup(tuple(lines)))
            lines = []
        blocks.append(to_model(item))
    if lines:
        blocks.append(LineGroup(tuple(lines)))
    return blocks


def _none_with_text(pages: int) -> str:
    return f"{pages} page{'s' if pages != 1 else ''}, none with text"


def render_pdf(data: bytes) -> RenderedInput:
    """The PDF's tables as grids and its other text as lines; ReadError when there is no text."""
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    with budget() as limits:
        try:
            pages = _read_pages(data, limits)
        except ReadError:
            raise
        except Exception as exc:  # noqa: BLE001 - pdfminer raises many types on damaged or encrypted files
            limits.raise_if_exceeded()
            raise ReadError("bad_pdf", detail=type(exc).__name__) from exc
        limits.raise_if_exceeded()
    if not any(page.chars for page in pages):
        raise ReadError("no_text_layer", detail=_none_with_text(len(pages)))
    text, tables, full = render_blocks(_blocks(pages))
    check_rendered(text, full)
    if not text.strip():
        raise ReadError("no_text_layer", detail=_none_with_text(len(pages)))
    return RenderedInput(text, "pdf", None, tables, _scanned_note(pages))


def _scanned_note(pages: list[_Page]) -> tuple[str, ...]:
    """A sentence naming the pages without text, when some pages have text and some do not."""
    blank = [number for number, page in enumerate(pages, 1) if not page.chars]
    if not blank:
        return ()
    shown = ", ".join(map(str, blank[:10])) + (f" and {len(blank) - 10} more" if len(blank) > 10 else "")
    return (message("pdf_scanned_pages", f"page{'s' if len(blank) > 1 else ''} {shown} of {len(pages)}"),)
