"""Flattening styles: how a table reaches users as text, with every span recorded.

Each renderer writes one table into a :class:`Writer`, which keeps the labelled spans the
model learns from (``SECTION``, ``CAPTION``, ``HEADER``, ``ROW``, ``VALUE``, ``NOTE``) and the
offsets of every printed cell.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from nianbao.training.generator import render_layouts as layouts
from nianbao.training.generator.tables_gen import GenCell, GenRow, GenTables

LEGACY_STYLES = ("lines", "lines_nbsp", "pipe", "tab", "tab_indented", "pdf", "markdown", "ocr", "html_text", "crawl")
# Layouts with explicit empty cells, merged cells repeated, tables running into prose, PDF-to-markdown.
LAYOUT_STYLES = (
    "tab_empty",
    "markdown_empty",
    "pipe_blank",
    "lines_blank",
    "markdown_merged",
    "crawl_prose",
    "pdf_markdown",
    "printed_pdf",
)
STYLES = LEGACY_STYLES + LAYOUT_STYLES
PIPE_STYLES = ("pipe", "pipe_blank")
# OCR-like confusions applied to printed labels (a scanned report run through OCR).
OCR_CONFUSIONS = {
    "公": "会",
    "申": "甲",
    "请": "清",
    "数": "教",
    "政": "攻",
    "开": "升",
    "处": "外",
    "理": "埋",
    "密": "蜜",
    "信": "倍",
    "息": "患",
    "事": "李",
    "务": "各",
    "年": "午",
    "结": "给",
    "转": "传",
}
REQUEST_HEADER = [
    "申请人情况",
    "自然人",
    "法人或其他组织",
    "总计",
    "商业企业",
    "科研机构",
    "社会公益组织",
    "法律服务机构",
    "其他",
]
REQUEST_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
APPEALS_HEADER = [
    "行政复议",
    "行政诉讼",
    "结果维持",
    "结果纠正",
    "其他结果",
    "尚未审结",
    "总计",
    "未经复议直接起诉",
    "复议后起诉",
]
APPEALS_SUBHEADER = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2


@dataclass
class Writer:
    """Accumulates text; remembers labelled spans and where each cell was printed."""

    parts: list[str] = field(default_factory=list)
    length: int = 0
    spans: list[dict] = field(default_factory=list)
    placed: dict[tuple[str, str, str], tuple[int, int]] = field(default_factory=dict)

    def write(self, text: str, label: str | None = None, slot: int | None = None) -> tuple[int, int]:
        start = self.length
        self.parts.append(text)
        self.length += len(text)
        if label and text.strip():
            lead = len(text) - len(text.lstrip())
            core = text.strip()
            span = {"start": start + lead, "end": start + lead + len(core), "label": label}
            if slot is not None:
                span["slot"] = slot
            self.spans.append(span)
        return start, self.length

    def cell(self, cell: GenCell) -> None:
        start, end = self.write(cell.printed, "VALUE", cell.slot)
        if cell.printed.strip():
            self.placed[(cell.table, cell.row, cell.col)] = (start, end)

    @property
    def text(self) -> str:
        return "".join(self.parts)


def _one_per_line(w: Writer, rows: list[tuple[str | None, str, list[GenCell]]], style: str, blank_line: bool) -> None:
    sep = "\n\n" if blank_line else "\n"
    pipe = style in PIPE_STYLES
    indent = "\t" if style == "tab_indented" else ""
    for group, label, cells in rows:
        if group:
            w.write(indent)
            w.write(group, "ROW")
            w.write(" |" if pipe else "")
            w.write(sep)
        w.write(indent)
        w.write(label, "ROW")
        w.write(" |\n" if pipe else sep)
        _cell_lines(w, cells, style, sep)
        if pipe:
            w.write("||\n")


def _cell_lines(w: Writer, cells: list[GenCell], style: str, sep: str) -> None:
    """One cell per line; an empty cell is an NBSP line, an empty ``|`` line, an empty line, or nothing."""
    pipe = style in PIPE_STYLES
    empty = {"lines_nbsp": "\u00a0" + sep, "pipe_blank": " |\n", "lines_blank": "\n"}.get(style)
    for cell in cells:
        if not cell.printed:
            w.write(empty or "")
            continue
        w.write("\t" if style == "tab_indented" else "")
        w.cell(cell)
        w.write(" |\n" if pipe else sep)


def _header_lines(w: Writer, header: list[str], style: str, rng: random.Random) -> None:
    if style == "ocr":
        header = [ocr(word, rng) for word in header]
    style = BASE_STYLE.get(style, style)
    if style in ("tab", "markdown"):
        joiner = "\t" if style == "tab" else " | "
        w.write("| " if style == "markdown" else "")
        for i, word in enumerate(header):
            w.write(word, "HEADER")
            w.write(joiner if i + 1 < len(header) else "")
        w.write(" |\n|" + "---|" * len(header) + "\n" if style == "markdown" else "\n")
        return
    if style == "pdf":
        for i, word in enumerate(header):
            w.write(word, "HEADER")
            w.write(" " if i + 1 < len(header) else "\n")
        return
    for word in header:
        if style not in PIPE_STYLES and len(word) >= 4 and rng.random() < 0.3:
            half = len(word) // 2
            w.write(word[:half], "HEADER")
            w.write("\n")
            w.write(word[half:], "HEADER")
        else:
            w.write(word, "HEADER")
        w.write(" |\n" if style in PIPE_STYLES else ("\n\n" if style in ("lines", "tab_indented") else "\n"))


def _inline_rows(w: Writer, rows: list[tuple[str | None, str, list[GenCell]]], style: str, rng: random.Random) -> None:
    """Tab rows, markdown rows and PDF text (labels wrapped, value lines before labels)."""
    for group, label, cells in rows:
        if group and style == "pdf" and rng.random() < 0.4:
            w.write("\n".join(group), "ROW")  # a vertical group label, one character per line
            w.write("\n")
        elif group and style != "markdown":
            w.write(group, "ROW")
            w.write("\t" if style == "tab" else "\n")
        if style == "pdf" and len(label) > 14 and rng.random() < 0.6:
            cut = rng.randint(8, len(label) - 3)
            w.write(label[:cut], "ROW")
            w.write("\n")
            _value_run(w, cells, " ")
            w.write("\n")
            w.write(label[cut:], "ROW")
            w.write("\n")
            continue
        if style == "pdf" and rng.random() < 0.15:
            _value_run(w, cells, " ")
            w.write("\n")
            w.write(label, "ROW")
            w.write("\n")
            continue
        joiner = {"tab": "\t", "markdown": " | ", "pdf": " "}[style]
        w.write("| " if style == "markdown" else "")
        w.write(label, "ROW")
        w.write(joiner)
        _value_run(w, cells, joiner)
        w.write(" |\n" if style == "markdown" else "\n")


def _value_run(w: Writer, cells: list[GenCell], joiner: str) -> None:
    for i, cell in enumerate(cells):
        w.cell(cell)
        if i + 1 < len(cells):
            w.write(joiner)


BASE_STYLE = {
    "ocr": "tab",
    "html_text": "lines_nbsp",
    "crawl": "tab",
    "tab_empty": "tab",
    "crawl_prose": "tab",
    "markdown_empty": "markdown",
    "pdf_markdown": "markdown",
    "markdown_merged": "markdown",
}
BLANK_LINE_STYLES = ("lines", "tab_indented", "lines_nbsp")


def ocr(text: str, rng: random.Random, rate: float = 0.35) -> str:
    """Replace confusable characters, as OCR of a scanned report does."""
    return "".join(OCR_CONFUSIONS[ch] if ch in OCR_CONFUSIONS and rng.random() < rate else ch for ch in text)


def render_rows(w: Writer, rows: list[tuple[str | None, str, list[GenCell]]], style: str, rng: random.Random) -> None:
    if style == "ocr":
        rows = [(ocr(group, rng) if group else None, ocr(label, rng), cells) for group, label, cells in rows]
    if style == "html_text":
        _html_rows(w, rows)
        return
    if style == "pdf_markdown":
        layouts.pdf_markdown_rows(w, rows, rng)
        return
    style = BASE_STYLE.get(style, style)
    if style in ("tab", "markdown", "pdf"):
        _inline_rows(w, rows, style, rng)
    else:
        _one_per_line(w, rows, style, blank_line=style in BLANK_LINE_STYLES)


def _html_rows(w: Writer, rows: list[tuple[str | None, str, list[GenCell]]]) -> None:
    """An HTML table saved as text: each cell on its own padded line, empty cells as NBSP."""
    for group, label, cells in rows:
        if group:
            w.write("  ")
            w.write(group, "ROW")
            w.write(" \n")
        w.write("  ")
        w.write(label, "ROW")
        w.write(" \n")
        for cell in cells:
            w.write("  ")
            if cell.printed:
                w.cell(cell)
            else:
                w.write("\u00a0")
            w.write(" \n")
        w.write("\n")


def render_active(w: Writer, tables: GenTables, style: str, rng: random.Random) -> None:
    if style == "markdown_merged":
        layouts.merged_active(w, tables)
        return
    for caption, header, rows in tables.active:
        w.write(caption, "CAPTION")
        w.write(" |\n|||\n" if style in PIPE_STYLES else "\n")
        _header_lines(w, header, style, rng)
        render_rows(w, [(None, r.label, r.cells) for r in rows], style, rng)


def render_requests(w: Writer, tables: GenTables, style: str, rng: random.Random) -> None:
    w.write(REQUEST_NOTE, "NOTE")
    w.write("\n")
    if style == "markdown_merged":
        layouts.merged_requests(w, tables)
        return
    _header_lines(w, REQUEST_HEADER, style, rng)
    rows: list[tuple[str | None, str, list[GenCell]]] = []
    for row in tables.requests:
        rows.append((_group(row, tables), row.label, row.cells))
    render_rows(w, rows, style, rng)


def _group(row: GenRow, tables: GenTables) -> str | None:
    if row.key == "other_no_correction" and not tables.single_other:
        return row.group_label
    return row.group_label if row.key != "other_no_correction" else None


def render_appeals(w: Writer, tables: GenTables, style: str, rng: random.Random) -> None:
    if style == "markdown_merged":
        layouts.merged_appeals(w, tables)
        return
    _header_lines(w, APPEALS_HEADER[:2], style, rng)
    _header_lines(w, APPEALS_HEADER[2:], style, rng)
    _header_lines(w, APPEALS_SUBHEADER, style, rng)
    base = BASE_STYLE.get(style, style)
    if base in ("tab", "markdown", "pdf"):
        joiner = {"tab": "\t", "markdown": " | ", "pdf": " "}[base]
        w.write("| " if base == "markdown" else "")
        _value_run(w, tables.appeals, joiner)
        w.write(" |\n" if base == "markdown" else "\n")
    else:
        _cell_lines(w, tables.appeals, base, "\n\n" if base in BLANK_LINE_STYLES else "\n")
