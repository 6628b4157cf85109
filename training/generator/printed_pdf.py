"""The "printed PDF" style: a report as nianbao renders a PDF printed from Word or a browser.

Such a PDF has ruled tables, and the PDF reader (``extraction/inputs/pdf.py``) renders them
as grids, one cell per line, blank cells as an NBSP line, a merged cell printed once, rows
ended by a blank line; the rest of the page is its text layer, prose wrapped at the page
width with page numbers (``- N -``) between lines, and a page number that falls inside a
table printed after it. This module builds the same blocks (title, headings and prose as
:class:`LineGroup`, the three tables as :class:`TableModel` with the spans a real report's
tables have: the 三、本年度办理结果 group label over its rows, （三）…（六） sub-groups,
multi-row headers) and renders them with :func:`render_blocks`, the renderer the PDF reader
uses, so the text is exactly what reading such a PDF gives. Wrapped cells come out as the
PDF reader joins them (``商业 企业``; a narrow group label one character per line, joined
by spaces). ``blocks_for`` gives the blocks with each cell's label, so a test can print the
report as a real PDF and read it back.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from nianbao.extraction.checks.table import run_checks
from nianbao.extraction.document.cells import Cell
from nianbao.extraction.inputs.render import Block, CellModel, LineGroup, TableModel, render_blocks
from nianbao.extraction.placement.arithmetic import APPEAL_ROWS, BALANCE_LEFT, BALANCE_RIGHT, REQUEST_COLS
from nianbao.extraction.templates import single_other_subrows
from nianbao.training.generator.tables_gen import GenCell, GenRow, GenTables, generate_tables

STYLE = "printed_pdf"
REQUEST_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
APPLICANT_HEADER = ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
APPEALS_SUB = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
SUBGROUP_PREFIX = {
    "denied_": "（三）不予公开",
    "unavailable_": "（四）无法提供",
    "not_processed_": "（五）不予处理",
    "other_": "（六）其他处理",
}
WRAP = 28  # characters of prose per printed line


@dataclass
class LabelledTable:
    """A table for the renderer, with each cell's label (and its generated cell for values)."""

    model: TableModel = field(default_factory=TableModel)
    labels: list[tuple[str | None, GenCell | None]] = field(default_factory=list)

    def row(self) -> None:
        self.model.rows.append([])

    def add(self, text: str, label: str | None, gen: GenCell | None = None, rowspan: int = 1, colspan: int = 1) -> None:
        self.model.rows[-1].append(CellModel(items=[text], rowspan=rowspan, colspan=colspan))
        self.labels.append((label, gen))


def _wrapped(text: str, rng: random.Random, width: int) -> str:
    """A cell's text as the PDF reader gives it when the cell is narrower than the text."""
    if len(text) <= width or rng.random() < 0.3:
        return text
    cut = rng.randint(max(2, len(text) // 3), len(text) - 2)
    return text[:cut] + " " + text[cut:]


def _vertical(text: str, rng: random.Random) -> str:
    return " ".join(text) if rng.random() < 0.5 else text


@dataclass
class LabelledLines:
    """Text-layer lines for the renderer, with each line's label (None for prose)."""

    group: LineGroup
    labels: list[str | None]


def _value(table: LabelledTable, cell: GenCell) -> None:
    table.add(cell.printed, "VALUE" if cell.printed else None, cell)


def active_tables(tables: GenTables, rng: random.Random) -> list[tuple[str | None, LabelledTable]]:
    """Each 第二十条 item as a table; its caption as a spanning first row or as a line above."""
    out = []
    for caption, header, rows in tables.active:
        table = LabelledTable()
        inside = rng.random() < 0.6
        if inside:
            table.row()
            table.add(caption, "CAPTION", colspan=len(header))
        table.row()
        for word in header:
            table.add(_wrapped(word, rng, 8), "HEADER")
        for row in rows:
            table.row()
            table.add(row.label, "ROW")
            for cell in row.cells:
                _value(table, cell)
        out.append((None if inside else caption, table))
    return out


def _subgroup(row: GenRow, single_other: bool) -> str | None:
    if row.key == "other" or (row.key.startswith("other_") and single_other):
        return None
    return next((label for prefix, label in SUBGROUP_PREFIX.items() if row.key.startswith(prefix)), None)


def requests_table(tables: GenTables, rng: random.Random) -> LabelledTable:
    """The requests table with its three header rows and its grouped label columns."""
    table = LabelledTable()
    table.row()
    table.add(_wrapped(REQUEST_NOTE, rng, 24), "NOTE", rowspan=3, colspan=3)
    table.add("申请人情况", "HEADER", colspan=7)
    table.row()
    table.add("自然人", "HEADER", rowspan=2)
    table.add("法人或其他组织", "HEADER", colspan=5)
    table.add("总计", "HEADER", rowspan=2)
    table.row()
    for word in APPLICANT_HEADER:
        table.add(_wrapped(word, rng, 2), "HEADER")
    rows = tables.requests
    handled = [r for r in rows if r.key not in (*BALANCE_LEFT, BALANCE_RIGHT[1])]  # 三's rows and 三（七）
    for row in rows:
        table.row()
        sub = _subgroup(row, tables.single_other)
        if row is (handled[0] if handled else None):
            table.add(_vertical("三、本年度办理结果", rng), "ROW", rowspan=len(handled))
        if sub and row is next(r for r in rows if _subgroup(r, tables.single_other) == sub):
            table.add(sub, "ROW", rowspan=sum(1 for r in rows if _subgroup(r, tables.single_other) == sub))
        span = 1 if sub else (2 if row in handled else 3)
        table.add(_wrapped(row.label, rng, 14), "ROW", colspan=span)
        for cell in row.cells:
            _value(table, cell)
    return table


def appeals_table(tables: GenTables, rng: random.Random) -> LabelledTable:
    table = LabelledTable()
    table.row()
    table.add("行政复议", "HEADER", colspan=5)
    table.add("行政诉讼", "HEADER", colspan=10)
    table.row()
    for word in APPEALS_SUB:
        table.add(_wrapped(word, rng, 2), "HEADER", rowspan=2)
    table.add("未经复议直接起诉", "HEADER", colspan=5)
    table.add("复议后起诉", "HEADER", colspan=5)
    table.row()
    for word in APPEALS_SUB * 2:
        table.add(_wrapped(word, rng, 2), "HEADER")
    table.row()
    for cell in tables.appeals:
        _value(table, cell)
    return table


# --------------------------------------------------------------------------- the report


@dataclass
class _Doc:
    """Blocks being built: lines accumulate into one LineGroup until a table comes."""

    rng: random.Random
    blocks: list[LabelledLines | LabelledTable] = field(default_factory=list)
    lines: list[tuple[str, str | None]] = field(default_factory=list)
    since_footer: int = 0
    page: int = 1

    def line(self, text: str, label: str | None = None) -> None:
        self.lines.append((text, label))
        self.since_footer += 1
        if self.since_footer >= self.rng.randint(24, 34):
            self.footer()

    def footer(self) -> None:
        self.lines.append((f"- {self.page} -", None))
        self.page += 1
        self.since_footer = 0

    def table(self, table: LabelledTable) -> None:
        self.flush()
        self.blocks.append(table)
        self.since_footer += len(table.model.rows)
        if self.since_footer >= 30:
            self.footer()  # a page ended inside the table: its number follows the table

    def flush(self) -> None:
        if self.lines:
            group = LineGroup(tuple(text for text, _ in self.lines))
            self.blocks.append(LabelledLines(group, [label for _, label in self.lines]))
            self.lines = []


def _prose(doc: _Doc, paragraphs: list[str], values: dict) -> None:
    for paragraph in paragraphs:
        text = paragraph.format(**values)
        for start in range(0, len(text), WRAP):
            doc.line(text[start : start + WRAP])


def blocks_for(tables: GenTables, rng: random.Random, title: str, values: dict) -> list[LabelledLines | LabelledTable]:
    """The report's blocks, each with the labels of its lines or cells."""
    from nianbao.training.generator import generate as gen

    doc = _Doc(rng)
    doc.line(title, "TITLE")

    def heading(number: int) -> None:
        doc.line(gen.NUMERALS[number - 1] + "、" + rng.choice(gen.HEADINGS[number]), "SECTION")

    heading(1)
    _prose(doc, gen.PROSE, values)
    heading(2)
    for caption, table in active_tables(tables, rng):
        if caption:
            doc.line(caption, "CAPTION")
        doc.table(table)
    heading(3)
    doc.table(requests_table(tables, rng))
    heading(4)
    doc.table(appeals_table(tables, rng))
    heading(5)
    _prose(doc, gen.PROBLEMS, values)
    heading(6)
    _prose(doc, [rng.choice(gen.OTHER)], values)
    doc.footer()
    doc.flush()
    return doc.blocks


def plain_blocks(blocks: list[LabelledLines | LabelledTable]) -> list[Block]:
    """The blocks as the renderer takes them."""
    return [b.model if isinstance(b, LabelledTable) else b.group for b in blocks]


def _render(blocks: list[LabelledLines | LabelledTable]) -> tuple[str, list[dict], dict]:
    """Render the blocks; the labelled spans and where each generated cell was printed."""
    text, grids, _ = render_blocks(plain_blocks(blocks))
    spans: list[dict] = []
    placed: dict[tuple[str, str, str], tuple[int, int]] = {}
    cursor = 0
    tables = iter(grids)
    for block in blocks:
        if isinstance(block, LabelledLines):
            for line, label in zip(block.group.lines, block.labels, strict=True):
                cursor = text.index(line, cursor)
                if label:
                    spans.append({"start": cursor, "end": cursor + len(line), "label": label})
                cursor += len(line)
            continue
        grid = next(tables)
        for cell, (label, gen) in zip(grid.cells, block.labels, strict=True):
            if label and cell.text:
                span = {"start": cell.start, "end": cell.end, "label": label}
                if gen is not None:
                    span["slot"] = gen.slot
                    placed[(gen.table, gen.row, gen.col)] = (cell.start, cell.end)
                spans.append(span)
        cursor = max(c.end for c in grid.cells)
    return text, spans, placed


def _gold_cells(tables: GenTables, placed: dict) -> list[Cell]:
    gen: list[GenCell] = [c for _, _, rows in tables.active for r in rows for c in r.cells]
    gen += [c for r in tables.requests for c in r.cells] + tables.appeals
    cells = []
    for g in gen:
        state = g.state if g.printed else "blank"
        cell = Cell(g.table, g.row, g.col, g.value if state == "number" else None, g.printed.strip(), g.unit, state)
        if state != "blank" and (g.table, g.row, g.col) in placed:
            cell.start, cell.end = placed[(g.table, g.row, g.col)]
        cells.append(cell)
    if tables.single_other:
        cells += [Cell("requests", key, col, state="missing") for key in single_other_subrows() for col in REQUEST_COLS]
    return cells


def printed_pdf_report(rng: random.Random, config) -> dict:  # noqa: ANN001 - generate.GenConfig (imported late)
    """One annotated report in the printed-PDF style (the record ``generate_report`` returns)."""
    return printed_pdf_sample(rng, config)[0]


def printed_pdf_sample(rng: random.Random, config) -> tuple[dict, list[Block]]:  # noqa: ANN001
    """The annotated report and the blocks it was rendered from (simplified script)."""
    from nianbao.training.generator import generate as gen

    tables = generate_tables(rng, config.template, config.zero_style, config.single_other)
    agency = rng.choice(gen.PLACES) + rng.choice(gen.BODIES)
    year = rng.randint(2019, 2020) if config.template == "2019" else rng.randint(2021, 2025)
    received = next(r.cells[-1].value for r in tables.requests if r.key == "new_received") or 0
    values = {
        "agency": agency,
        "year": year,
        "n1": rng.randint(50, 3000),
        "n2": rng.randint(1, 80),
        "req": received,
        "n3": rng.randint(1, 12),
    }
    blocks = blocks_for(tables, rng, f"{agency}{year}年政府信息公开工作年度报告", values)
    text, spans, placed = _render(blocks)
    cells = _gold_cells(tables, placed)
    if config.traditional:
        text = "".join(gen._to_traditional(ch) for ch in text)
        agency = "".join(gen._to_traditional(ch) for ch in agency)
    sections = [
        {
            "number": gen.NUMERALS.index(text[s["start"]]) + 1,
            "title": text[s["start"] : s["end"]],
            "start": s["start"],
            "end": s["end"],
        }
        for s in spans
        if s["label"] == "SECTION"
    ]
    lookup = {c.key: c for c in cells}
    rows = [r.key for r in tables.requests] + (list(single_other_subrows()) if tables.single_other else [])
    failed = [c.rule for c in run_checks(lookup.get, rows, APPEAL_ROWS) if c.ok is False]
    record = {
        "text": text,
        "spans": [{**s, "text": text[s["start"] : s["end"]]} for s in spans],
        "cells": [c.as_json() | {"raw": text[c.start : c.end] if c.start is not None else ""} for c in cells],
        "sections": sections,
        "report": {
            "agency": agency,
            "year": year,
            "template": config.template,
            "script": "traditional" if config.traditional else "simplified",
        },
        "failed_checks": failed,
        "meta": {
            "style": STYLE,
            "zero_style": config.zero_style,
            "generator": "nianbao-gen/1",
            "single_other": config.single_other,
            "chrome": False,
        },
    }
    return record, plain_blocks(blocks)
