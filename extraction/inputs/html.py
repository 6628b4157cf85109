"""HTML → the rendered visible text (rules in :mod:`nianbao.extraction.inputs.render`).

libxml2's HTML parser (through lxml) streams start/end/data events to a target object, so no
tree is built: deeply nested markup (10^5 levels) costs no recursion, and broken markup is
repaired the way libxml2 repairs it (implied ``</td>``, ``</p>``, ``<body>``). The stdlib
``html.parser`` is not used because it is quadratic on unclosed ``<!--`` or attribute quotes
(80 KB of ``<!--`` took 15 s). The target keeps only a stack of open tables (capped) and a
counter for skipped chrome. Encodings: a BOM wins; otherwise the bytes are tried as UTF-8,
as the page's declared charset and as GB18030/Big5, and among the strict decodes the one that
reads most like a report wins, so a page whose ``<meta charset>`` lies is still read.
"""

from __future__ import annotations

import codecs
import re

from lxml import etree

from nianbao.errors import ReadError
from nianbao.extraction.inputs.decode import MAX_DAMAGED, Decoded, damaged_utf8, decode_lenient
from nianbao.extraction.inputs.render import (
    Block,
    CellModel,
    RenderedInput,
    TableModel,
    check_rendered,
    render_blocks,
    span_value,
)

# Elements whose content is never visible text, or is page chrome.
_SKIP = frozenset(
    "script style noscript template head title nav aside footer iframe svg math canvas object "
    "embed select button textarea map audio video".split()
)
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
_BLOCK = frozenset(
    "address article blockquote center dd details dialog dir div dl dt fieldset figcaption figure "
    "form h1 h2 h3 h4 h5 h6 header hgroup hr legend li main menu ol p pre section summary ul "
    "caption thead tbody tfoot".split()
)
_CHROME = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|menu|breadcrumbs?|crumbs?|footer|sidebar|share|copyright)(?:$|[\s_-])", re.I
)
_CHROME_TAGS = frozenset("div ul ol section header footer nav aside table p span".split())
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
# Deleted and struck-out text (a revision shown as ``<del>9</del><ins>14</ins>``, an editor's
# strike-through) is not the report's value: it is not rendered, and the line it sits in goes on.
_STRUCK = frozenset(("del", "s", "strike"))
_TABLE_TAGS = frozenset(("table", "tr", "td", "th"))
_STRUCK_STYLE = re.compile(r"text-decoration(?:-line)?\s*:[^;]*line-through", re.I)
_MAX_TABLE_DEPTH = 16
_PARAGRAPH_TAG = re.compile(r"<(?:p|div)\b", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.I)
# Characters that any report prints often, in both scripts: a decode that yields them wins.
_COMMON = frozenset("政府信息公开開申请請年度报報告情况況处處理本数數量行的一二三四五六总總计計局区區市")


class _Target:
    """lxml parser target: collects paragraphs and tables as blocks for :func:`render_blocks`."""

    def __init__(self, lines_kept: bool = False) -> None:
        self.lines_kept = lines_kept  # text with tables in it (a converter's markdown): its newlines are lines
        self.blocks: list[Block] = []
        self.tables: list[TableModel] = []
        self.cells: list[CellModel | None] = []  # the open cell of each open table
        self.line: list[str] = []
        self.skip_tag: str | None = None
        self.skip_depth = 0
        self.pre = 0
        self.extra_depth = 0  # tables nested past the cap, read as plain blocks

    # -- text and lines
    def flush(self) -> None:
        if not self.line:
            return
        text = "".join(self.line)
        self.line = []
        if not text.strip():
            return
        if self.tables:
            cell = self.cells[-1]
            if cell is not None:
                cell.items.append(text)
            else:
                self.tables[-1].loose.append(text)
        else:
            self.blocks.append(text)

    def data(self, data: str) -> None:
        if self.skip_tag is not None:
            return
        if self.pre or (self.lines_kept and not self.tables):
            pieces = data.split("\n")
            for i, piece in enumerate(pieces):
                if i:
                    self.flush()
                self.line.append(piece)
            return
        self.line.append(data)

    # -- tags
    def _hidden(self, tag: str, values: dict[str, str]) -> bool:
        if tag in _SKIP:
            return True
        if "hidden" in values or _HIDDEN_STYLE.search(values.get("style") or ""):
            return True
        if tag in _CHROME_TAGS:
            names = f"{values.get('class') or ''} {values.get('id') or ''}"
            return bool(_CHROME.search(names))
        return False

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if self.skip_tag is not None:
            if tag == self.skip_tag:
                self.skip_depth += 1
            elif tag == "body" and self.skip_tag in ("head", "title"):
                self.skip_tag = None  # an unclosed <head> ends where the body starts
            return
        struck = tag in _STRUCK or (tag not in _TABLE_TAGS and _STRUCK_STYLE.search(attrs.get("style") or ""))
        if struck:
            self.skip_tag, self.skip_depth = tag, 1  # struck-out text, inline: the line goes on
            return
        if tag not in _VOID and self._hidden(tag, attrs):
            self.flush()
            self.skip_tag, self.skip_depth = tag, 1
            return
        if tag in ("table", "tr", "td", "th"):
            self._table_start(tag, attrs)
        elif tag == "br" or tag in _BLOCK:
            self.flush()
            if tag == "pre":
                self.pre += 1

    def end(self, tag: str) -> None:
        if self.skip_tag is not None:
            if tag == self.skip_tag:
                self.skip_depth -= 1
                if self.skip_depth <= 0:
                    self.skip_tag = None
            return
        if tag in ("table", "tr", "td", "th"):
            self._table_end(tag)
        elif tag in _BLOCK or tag in ("br", "body", "html"):
            self.flush()
            if tag == "pre" and self.pre:
                self.pre -= 1

    def comment(self, text: str) -> None:
        pass

    # -- tables
    def _table_start(self, tag: str, values: dict[str, str]) -> None:
        self.flush()
        if tag == "table":
            if len(self.tables) >= _MAX_TABLE_DEPTH:
                self.extra_depth += 1
                return
            self.tables.append(TableModel())
            self.cells.append(None)
            return
        if not self.tables or self.extra_depth:
            return
        table = self.tables[-1]
        if tag == "tr":
            table.rows.append([])
            self.cells[-1] = None
            return
        if not table.rows:
            table.rows.append([])
        cell = CellModel(rowspan=span_value(values.get("rowspan")), colspan=span_value(values.get("colspan")))
        table.rows[-1].append(cell)
        self.cells[-1] = cell

    def _table_end(self, tag: str) -> None:
        self.flush()
        if self.extra_depth:
            if tag == "table":
                self.extra_depth -= 1
            return
        if not self.tables:
            return
        if tag in ("td", "th", "tr"):
            self.cells[-1] = None
            return
        self._close_table()

    def _close_table(self) -> None:
        table = self.tables.pop()
        self.cells.pop()
        if not self.tables:
            self.blocks.append(table)
        elif self.cells[-1] is not None:
            self.cells[-1].items.append(table)
        else:
            self.tables[-1].rows.append([CellModel(items=[table])])

    def close(self) -> list[Block]:
        self.flush()
        while self.tables:
            self._close_table()
        return self.blocks


def _declared_charset(data: bytes) -> str | None:
    head = data[:4096]
    match = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    if not match:
        return None
    try:
        return codecs.lookup(match.group(1).decode("ascii")).name
    except (LookupError, UnicodeDecodeError):
        return None


def _score(text: str) -> int:
    sample = text[:200_000]
    return sum(1 for ch in sample if ch in _COMMON) - sample.count("\ufffd") * 4


def _replaced(data: bytes, encoding: str) -> Decoded:
    """Decode with replacement, counting the damage (up to MAX_DAMAGED, then "more")."""
    decoded = decode_lenient(data, encoding)
    if decoded is not None:
        return decoded
    text = data.decode(encoding, errors="replace")
    return Decoded(text, encoding, MAX_DAMAGED + 1, next((i for i, c in enumerate(text) if c == "\ufffd"), 0))


def decode_html(data: bytes) -> Decoded:
    """Decode HTML bytes: BOM, then UTF-8, the declared charset, GB18030 and Big5 compared."""
    if not data.strip():
        raise ReadError("empty")
    for bom, codec, label in (
        (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16"),
    ):
        if data.startswith(bom):
            decoded = _replaced(data[len(bom) :], codec)
            return Decoded(decoded.text, label, decoded.damaged, decoded.first_damage + len(bom))
    if data[:1] == b"<" and data[1:2] == b"\x00":
        return _replaced(data, "utf-16-le")
    if data[:1] == b"\x00" and data[1:2] == b"<":
        return _replaced(data, "utf-16-be")
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    damaged = damaged_utf8(data)
    if damaged is not None:
        return damaged
    declared = _declared_charset(data)
    candidates = [c for c in (declared, "gb18030", "big5") if c and c not in ("utf-8", "utf_8")]
    best: tuple[int, int, str, str] | None = None
    for order, encoding in enumerate(dict.fromkeys(candidates)):
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        key = (_score(text), -order, text, encoding)
        if best is None or key[:2] > best[:2]:
            best = key
    if best is not None:
        return Decoded(best[2], best[3])
    # Nothing decodes strictly (a truncated or damaged page): keep what UTF-8 or GB18030 can read.
    utf8, gb = _replaced(data, "utf-8"), _replaced(data, "gb18030")
    return utf8 if _score(utf8.text) >= _score(gb.text) else gb


def _text_with_tables(text: str) -> bool:
    """True for text that is not a page but holds HTML tables: a PDF converter's markdown
    (MinerU, marker) writes paragraphs as lines and tables as ``<table>`` markup, so it starts
    with text, not with markup, and has no paragraphs of markup (a page saved after a crawler's
    header lines has)."""
    return text.lstrip("\ufeff \t\r\n")[:1] not in ("<", "") and not _PARAGRAPH_TAG.search(text)


def render_html(data: bytes) -> RenderedInput:
    """Render an HTML page's visible text, one table cell per line."""
    decoded = decode_html(data)
    target = _Target(lines_kept=_text_with_tables(decoded.text))
    parser = etree.HTMLParser(target=target, recover=True, no_network=True, huge_tree=True, remove_comments=True)
    try:
        parser.feed(decoded.text)
        blocks = parser.close()
    except (etree.LxmlError, ValueError) as exc:  # libxml2 gave up on the input
        raise ReadError("bad_html", detail=type(exc).__name__) from exc
    rendered, tables, full = render_blocks(blocks)
    check_rendered(rendered, full)
    if not rendered.strip():
        raise ReadError("no_visible_text")
    note = decoded.note
    return RenderedInput(rendered, "html", decoded.encoding, tables, (note,) if note else ())
