"""The report generator: realistic reports written by the project, with gold spans and cells.

Every sample is an annotation record (see ``nianbao/annotations.py``): the text, labelled
character spans for the tagger and the gold cells for the assembler and the evaluation.
Prose is assembled from phrases written for this project; agencies are invented names.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

from opencc import OpenCC

from nianbao.extraction.checks.table import run_checks
from nianbao.extraction.document.cells import Cell
from nianbao.extraction.placement.arithmetic import APPEAL_ROWS, REQUEST_COLS
from nianbao.extraction.templates import single_other_subrows
from nianbao.training.generator.printed_pdf import printed_pdf_report
from nianbao.training.generator.render import (
    STYLES,
    Writer,
    render_active,
    render_appeals,
    render_requests,
)
from nianbao.training.generator.tables_gen import GenCell, GenTables, generate_tables
from nianbao.training.generator.undecided import undecided_cells

PLACES = [
    "青川市",
    "临江县",
    "东湖区",
    "白石镇",
    "云岭市",
    "南溪县",
    "北塘区",
    "清河市",
    "汇丰县",
    "雁山区",
    "金沙市",
    "长宁县",
]
BODIES = [
    "公安局",
    "人民政府",
    "财政局",
    "教育局",
    "交通运输局",
    "自然资源局",
    "卫生健康委员会",
    "市场监督管理局",
    "司法局",
    "生态环境局",
]
HEADINGS = {
    1: ["总体情况"],
    2: ["主动公开政府信息情况"],
    3: ["收到和处理政府信息公开申请情况"],
    4: ["政府信息公开行政复议、行政诉讼情况"],
    5: ["存在的主要问题及改进情况", "政府信息公开工作存在的主要问题及改进情况"],
    6: ["其他需要报告的事项"],
}
NUMERALS = "一二三四五六"
PROSE = [
    "{year}年，{agency}认真贯彻落实《中华人民共和国政府信息公开条例》，坚持以公开为常态、不公开为例外，持续推进政务公开标准化规范化建设。",
    "（一）主动公开情况。全年通过门户网站主动公开各类政府信息{n1}条，发布政策解读{n2}篇，及时回应社会关切。",
    "（二）依申请公开情况。全年共收到政府信息公开申请{req}件，均在法定期限内予以答复。",
    "（三）政府信息管理情况。严格落实信息发布审核制度，定期开展信息清理，确保公开内容准确规范。",
    "（四）平台建设情况。优化政府信息公开专栏设置，加强政务新媒体运维管理，提升平台服务水平。",
    "（五）监督保障情况。将政务公开工作纳入年度绩效考核，开展业务培训{n3}次。",
]
PROBLEMS = [
    "{year}年，{agency}政府信息公开工作取得一定成效，但仍存在公开内容不够丰富、解读形式较为单一等问题。",
    "下一步，将进一步加强业务培训，健全工作机制，不断提升政府信息公开工作质量。",
]
OTHER = [
    "本年度未收取信息处理费。",
    "无其他需要报告的事项。",
    "本机关{year}年未发生因政府信息公开收取信息处理费的情况。",
]
# Prose that follows a table directly and opens with a year or a date (``crawl_prose``).
AFTER_TABLE = [
    "{year}年{month}月，{agency}对依申请公开办理流程进行了梳理，平均答复时间缩短至{n4}个工作日。",
    "{year}年度共组织政府信息公开专题培训{n3}次，参训人员{n1}人次。",
    "{date}前，上年度结转的政府信息公开申请已全部办结。",
]
BLANK_STYLES = ("tab_empty", "markdown_empty", "pipe_blank", "lines_blank", "markdown_merged", "pdf_markdown")
CHROME_TOP = ["发布时间：{date}", "字号：大 中 小", "来源：{agency}"]
CHROME_BOTTOM = ["附件下载：", "扫一扫在手机打开当前页", "【打印本页】【关闭窗口】"]


@dataclass(frozen=True)
class GenConfig:
    """What to generate: a style, a template, the script, and how zeros are printed."""

    style: str = "lines"
    template: str = "2021"
    traditional: bool = False
    zero_style: str = "0"
    chrome: bool = False
    single_other: bool = False


def random_config(rng: random.Random, styles: tuple[str, ...] = STYLES) -> GenConfig:
    style = rng.choice(styles)
    if style in BLANK_STYLES:
        zero = rng.choices(["0", "", "/"], [0.3, 0.6, 0.1])[0]  # explicit empty cells: the point of these
    else:
        zero = rng.choices(["0", "", "/"], [0.75, 0.15, 0.1])[0]
    if style in ("tab", "pdf", "markdown", "ocr", "crawl", "crawl_prose") and zero == "":
        zero = "0"  # these flattenings keep cell separators, so a blank must be printed
    if style == "crawl_prose":
        zero = "0"  # the table's last digits must run into the prose's year
    if style == "lines":
        zero = rng.choice(["0", ""])
    template = rng.choice(["2019", "2021"])
    return GenConfig(
        style,
        template,
        rng.random() < 0.15,
        zero,
        rng.random() < 0.4,
        template == "2021" and rng.random() < 0.15,
    )


_S2T = OpenCC("s2t")


@lru_cache(maxsize=8192)
def _to_traditional(ch: str) -> str:
    out = _S2T.convert(ch)
    return out if len(out) == 1 else ch


def _heading(w: Writer, number: int, rng: random.Random, sections: list[dict], indent: str = "") -> None:
    title = NUMERALS[number - 1] + "、" + rng.choice(HEADINGS[number])
    w.write(indent)
    start, end = w.write(title, "SECTION")
    sections.append({"number": number, "title": title, "start": start, "end": end})
    w.write("\n")


def _paragraphs(w: Writer, lines: list[str], values: dict, style: str) -> None:
    for line in lines:
        text = line.format(**values)
        if style == "pdf":
            for i in range(0, len(text), 28):
                w.write(text[i : i + 28] + "\n")
        else:
            w.write(text + ("\n\n" if style in ("lines", "tab_indented") else "\n"))


def _gold_cells(tables: GenTables, placed: dict) -> list[Cell]:
    cells = []
    gen: list[GenCell] = [c for _, _, rows in tables.active for r in rows for c in r.cells]
    gen += [c for r in tables.requests for c in r.cells] + tables.appeals
    for g in gen:
        span = placed.get((g.table, g.row, g.col))
        state = g.state if g.printed else "blank"
        cell = Cell(g.table, g.row, g.col, g.value if state == "number" else None, g.printed.strip(), g.unit, state)
        if span and state != "blank":
            cell.start, cell.end = span
        cells.append(cell)
    if tables.single_other:
        cells += [Cell("requests", key, col, state="missing") for key in single_other_subrows() for col in REQUEST_COLS]
    return cells


def _footers(text: str, rng: random.Random) -> tuple[str, list[tuple[int, int]]]:
    """Insert page footers ``- N -`` between lines every ~40 lines; return the insertions."""
    lines = text.split("\n")
    out, inserts, old_pos, page = [], [], 0, 1
    for i, line in enumerate(lines):
        out.append(line)
        old_pos += len(line) + 1
        if i and i % rng.randint(35, 45) == 0 and i + 1 < len(lines):
            footer = f"- {page} -"
            out.append(footer)
            inserts.append((old_pos, len(footer) + 1))
            page += 1
    return "\n".join(out), inserts


CRAWL_HEADER = (
    "标题: {title}\n发布时间: {date} 09:30\n文号: \n发布机构: \n栏目: "
    "政府信息公开年报\n==================== 正文 ====================\n"
)


def _one_line(
    text: str, rng: random.Random, glue: set[int] | frozenset[int] = frozenset()
) -> tuple[str, dict[int, int]]:
    """A crawler's one-line body: newlines and tabs removed, now and then a space left (never at ``glue``)."""
    out: list[str] = []
    remap: dict[int, int] = {}
    for index, ch in enumerate(text):
        if ch in "\n\t":
            if index not in glue and rng.random() < 0.12 and out and out[-1] != " ":
                out.append(" ")
            continue
        remap[index] = len(out)
        out.append(ch)
    return "".join(out), remap


def _shift(offset: int, inserts: list[tuple[int, int]]) -> int:
    return offset + sum(size for at, size in inserts if at <= offset)


Offsets = tuple[list[dict], list[dict], list[Cell]]


def _moved(spans: list[dict], sections: list[dict], cells: list[Cell], move) -> Offsets:
    """Apply ``move(start, end) -> (start, end)`` to every span, section and printed cell (slots kept)."""

    def one(item: dict) -> dict:
        start, end = move(item["start"], item["end"])
        return {**item, "start": start, "end": end}

    for cell in cells:
        if cell.start is not None:
            cell.start, cell.end = move(cell.start, cell.end)
    return [one(s) for s in spans], [one(s) for s in sections], cells


def _write_body(
    w: Writer, tables: GenTables, config: GenConfig, values: dict, rng: random.Random
) -> tuple[list[dict], set[int]]:
    """Title, six sections and three tables; returns the sections and the newlines prose is glued to."""
    sections: list[dict] = []
    glue: set[int] = set()
    if config.chrome:
        _paragraphs(w, CHROME_TOP, values, "plain")
    w.write(f"{values['agency']}{values['year']}年政府信息公开工作年度报告", "TITLE")
    w.write("\n")
    indent = (
        rng.choice(["", "\u00a0\u00a0", "\u3000\u3000"]) if config.style in ("lines", "lines_nbsp", "html_text") else ""
    )
    _heading(w, 1, rng, sections, indent)
    _paragraphs(w, PROSE, values, config.style)
    for number, render in ((2, render_active), (3, render_requests), (4, render_appeals)):
        _heading(w, number, rng, sections, indent)
        render(w, tables, config.style, rng)
        if config.style == "crawl_prose" and (number == 3 or (number == 4 and rng.random() < 0.5)):
            glue.add(w.length - 1)  # the table's last newline: dropped without a space
            _paragraphs(w, [rng.choice(AFTER_TABLE)], values, "plain")
    _heading(w, 5, rng, sections, indent)
    _paragraphs(w, PROBLEMS, values, config.style)
    _heading(w, 6, rng, sections, indent)
    _paragraphs(w, [rng.choice(OTHER)], values, config.style)
    if config.chrome:
        _paragraphs(w, CHROME_BOTTOM, values, "plain")
    return sections, glue


def _active_zeros(tables: GenTables, zero_style: str) -> None:
    """Print the active table's zero counts as this report prints zeros (blank, "/" or 0)."""
    if zero_style == "0":
        return
    for _, _, rows in tables.active:
        for cell in (c for r in rows for c in r.cells):
            if cell.value == 0 and cell.unit is None and cell.col != "items_change" and cell.printed == "0":
                cell.printed, cell.state, cell.value = zero_style, "blank" if zero_style == "" else "na", None


def _report_values(rng: random.Random, config: GenConfig, tables: GenTables) -> dict:
    agency = rng.choice(PLACES) + rng.choice(BODIES)
    year = rng.randint(2019, 2020) if config.template == "2019" else rng.randint(2021, 2025)
    received = next(r.cells[-1].value for r in tables.requests if r.key == "new_received") or 0
    values = {
        "agency": agency,
        "year": year,
        "n1": rng.randint(50, 3000),
        "n2": rng.randint(1, 80),
        "req": received,
        "n3": rng.randint(1, 12),
        "date": f"{year + 1}-01-{rng.randint(10, 31)}",
    }
    if config.style == "crawl_prose":
        values |= {"month": rng.randint(1, 12), "n4": rng.randint(2, 15)}
    return values


def generate_report(rng: random.Random, config: GenConfig) -> dict:
    """One annotated report: ``{"text", "spans", "cells", "sections", "report", "meta"}``."""
    if config.style == "printed_pdf":
        return printed_pdf_report(rng, config)
    tables = generate_tables(rng, config.template, config.zero_style, config.single_other)
    if config.style in BLANK_STYLES:
        _active_zeros(tables, config.zero_style)
    values = _report_values(rng, config, tables)
    agency, year = values["agency"], values["year"]
    w = Writer()
    sections, glue = _write_body(w, tables, config, values, rng)
    text, cells, spans = w.text, _gold_cells(tables, w.placed), w.spans
    if config.style == "pdf":
        text, inserts = _footers(text, rng)
        spans, sections, cells = _moved(
            spans, sections, cells, lambda s, e: (_shift(s, inserts), _shift(e - 1, inserts) + 1)
        )
    if config.style in ("crawl", "crawl_prose"):
        text, remap = _one_line(text, rng, glue)
        spans, sections, cells = _moved(spans, sections, cells, lambda s, e: (remap[s], remap[e - 1] + 1))
        header = CRAWL_HEADER.format(title=f"{agency}{year}年政府信息公开工作年度报告", **values)
        text = header + text
        spans, sections, cells = _moved(spans, sections, cells, lambda s, e: (s + len(header), e + len(header)))
    undecided = undecided_cells(tables, config.style, text, cells, _request_rows(tables))
    if config.traditional:
        text = "".join(_to_traditional(ch) for ch in text)
        for section in sections:
            section["title"] = text[section["start"] : section["end"]]
        agency = "".join(_to_traditional(ch) for ch in agency)
    lookup = {c.key: c for c in cells}
    failed = [c.rule for c in run_checks(lookup.get, _request_rows(tables), APPEAL_ROWS) if c.ok is False]
    return {
        "text": text,
        "spans": [{**s, "text": text[s["start"] : s["end"]]} for s in spans],
        "cells": [_gold_json(c, text, c.key in undecided) for c in cells],
        "sections": sections,
        "report": {
            "agency": agency,
            "year": year,
            "template": config.template,
            "script": "traditional" if config.traditional else "simplified",
        },
        "failed_checks": failed,
        "meta": {
            "style": config.style,
            "zero_style": config.zero_style,
            "generator": "nianbao-gen/1",
            "single_other": config.single_other,
            "chrome": config.chrome,
        },
    }


def _gold_json(cell: Cell, text: str, ambiguous: bool) -> dict:
    """A gold cell; ``ambiguous`` when the printed text does not decide it (``undecided.py``)."""
    out = cell.as_json() | {"raw": text[cell.start : cell.end] if cell.start is not None else ""}
    return out | {"ambiguous": True} if ambiguous else out


def _request_rows(tables: GenTables) -> list[str]:
    rows = [r.key for r in tables.requests]
    if tables.single_other:
        rows += single_other_subrows()
    return rows


def generate(n: int, seed: int = 0, styles: tuple[str, ...] = STYLES) -> list[dict]:
    """``n`` annotated reports, reproducible from ``seed``."""
    rng = random.Random(seed)
    return [generate_report(rng, random_config(rng, styles)) for _ in range(n)]
