"""Real reports in any layout: re-render a real report's three tables from its gold cells.

The report's own prose, headings and chrome stay as printed; only each table's region (from
its section heading, or the prose before it, to the prose after it) is replaced by the table
printed in the chosen flattening style from the gold cells (printed text, blanks, "/" kept).
The result is an annotation record like a generated one: text, spans (VALUE spans with their
``slot``), gold cells at their new offsets, the six sections shifted, and ``meta.source``.
Real text is read at run time; nothing of it is stored in the repository.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from nianbao.annotations import validate
from nianbao.extraction.placement.arithmetic import REQUEST_COLS
from nianbao.extraction.templates import get_template
from nianbao.training.generator.generate import _moved, _one_line
from nianbao.training.generator.render import (
    STYLES,
    Writer,
    render_active,
    render_appeals,
    render_requests,
)
from nianbao.training.generator.tables_gen import (
    APPEALS_COLS,
    APPEALS_ROWS,
    GROUP_LABELS,
    PRINTED_LABELS,
    GenCell,
    GenRow,
    GenTables,
    active_caption,
    active_label,
    cell_slot,
)

TABLES = ("active", "requests", "appeals")
RENDER = {"active": render_active, "requests": render_requests, "appeals": render_appeals}
SECTION_OF = {"active": 2, "requests": 3, "appeals": 4}
SENTENCE_END = "。"
# printed_pdf is rendered from PDF blocks (training/generator/printed_pdf.py), not by the text renderers.
REFLATTEN_STYLES = tuple(s for s in STYLES if s != "printed_pdf")


def load_real(gold_path: Path, shared: Path) -> tuple[str, dict]:
    """A real report's text (read from ``shared``) and its gold annotation."""
    gold = json.loads(gold_path.read_text("utf-8"))
    return (shared / gold["source"]).read_text("utf-8"), gold


def _gen_cell(gold: dict, template: str) -> GenCell:
    printed = gold["raw"] if gold["state"] not in ("blank", "missing") else ""
    slot = cell_slot(template, gold["table"], gold["row"], gold["col"])
    return GenCell(gold["table"], gold["row"], gold["col"], gold["value"], printed, gold["unit"], gold["state"], slot)


def tables_from_gold(gold: dict) -> GenTables:
    """The gold cells as the generator's tables (rows the report does not print are left out)."""
    template = gold["report"]["template"]
    tmpl = get_template(template)
    by_row: dict[tuple[str, str], dict[str, GenCell]] = {}
    for cell in gold["cells"]:
        if cell["state"] != "missing" and _known(tmpl, cell):
            by_row.setdefault((cell["table"], cell["row"]), {})[cell["col"]] = _gen_cell(cell, template)
    active: dict[str, tuple[str, list[str], list[GenRow]]] = {}
    for row in tmpl.active.rows:
        if ("active", row.key) in by_row:
            caption = active_caption(row.key)
            header = ["信息内容", *[tmpl.active.col_labels[c] for c in row.cols]]
            cells = [by_row["active", row.key][c] for c in row.cols]
            active.setdefault(caption, (caption, header, []))[2].append(
                GenRow(row.key, active_label(template, row.key), cells)
            )
    keys = [r.key for r in tmpl.requests.rows]
    single = ("requests", "other") in by_row and template == "2021"
    if single:
        keys.insert(keys.index("other_no_correction"), "other")
    requests = [
        GenRow(k, PRINTED_LABELS[k], [by_row["requests", k][c] for c in REQUEST_COLS], GROUP_LABELS.get(k))
        for k in keys
        if ("requests", k) in by_row
    ]
    appeals = [by_row["appeals", r][c] for r in APPEALS_ROWS for c in APPEALS_COLS if ("appeals", r) in by_row]
    return GenTables(template, list(active.values()), requests, appeals, single)


def _known(tmpl, cell: dict) -> bool:
    """A cell of a canonical row and column (an unknown extra row cannot be printed in a layout)."""
    if cell["table"] == "appeals":
        return cell["row"] in APPEALS_ROWS and cell["col"] in APPEALS_COLS
    if cell["table"] == "requests":
        return cell["row"] in PRINTED_LABELS and cell["col"] in REQUEST_COLS
    return any(r.key == cell["row"] and cell["col"] in r.cols for r in tmpl.active.rows)


def table_regions(text: str, gold: dict) -> dict[str, tuple[int, int]]:
    """Per printed table, the stretch of text it occupies (between its prose neighbours)."""
    heads = {s["number"]: s for s in gold["sections"]}
    printed = {t: [c for c in gold["cells"] if c["table"] == t and c["start"] is not None] for t in TABLES}
    regions: dict[str, tuple[int, int]] = {}
    bounds = [s["start"] for s in gold["sections"]] + [len(text)]
    firsts = [min(c["start"] for c in cells) for cells in printed.values() if cells]
    for table in TABLES:
        cells = printed[table]
        if not cells:
            continue
        first, last = min(c["start"] for c in cells), max(c["end"] for c in cells)
        head = heads.get(SECTION_OF[table])
        floor = head["end"] if head and head["end"] <= first else text.rfind("\n", 0, first) + 1
        floor = max([floor, *(r[1] for r in regions.values())])
        start = max(floor, text.rfind(SENTENCE_END, floor, first) + 1)
        ceiling = min(b for b in bounds + firsts if b >= last)
        prose = text.find(SENTENCE_END, last, ceiling)
        end = ceiling if prose < 0 else max(last, text.rfind("\n", last, prose))
        regions[table] = (start, end)
    return regions


def reflatten(text: str, gold: dict, style: str, seed: int = 0) -> dict:
    """The real report with its tables printed in ``style``: an annotation record."""
    if style not in REFLATTEN_STYLES:
        raise ValueError(
            f"style {style!r} cannot re-render a real report; the styles that can are {', '.join(REFLATTEN_STYLES)}"
        )
    rng = random.Random(seed)
    tables = tables_from_gold(gold)
    regions = table_regions(text, gold)
    w, moved_sections, pos, glue = Writer(), [], 0, set()
    for table in TABLES:
        if table not in regions:
            continue
        start, end = regions[table]
        _copy(w, text, pos, start, gold["sections"], moved_sections)
        w.write("\n" if w.text and not w.text.endswith("\n") else "")
        RENDER[table](w, tables, style, rng)
        if style == "crawl_prose" and table == "requests":
            glue.add(w.length - 1)
            w.write(_year_line(text, gold) + "\n")
        pos = end
    _copy(w, text, pos, len(text), gold["sections"], moved_sections)
    return _record(w, tables, gold, style, moved_sections, glue, rng)


def _copy(w: Writer, text: str, start: int, end: int, sections: list[dict], moved: list[dict]) -> None:
    """Copy real text, carrying the headings that lie in it to their new offsets."""
    base = w.length
    w.write(text[start:end])
    for s in sections:
        if start <= s["start"] and s["end"] <= end:
            moved.append({**s, "start": s["start"] - start + base, "end": s["end"] - start + base})


def _year_line(text: str, gold: dict) -> str:
    """The report's own first sentence that opens with its year or the next (for ``crawl_prose``)."""
    year = gold["report"]["year"]
    match = re.search(rf"(?:^|[\n。）])\s*((?:{year}|{year + 1})年[^。\n]*。)", text)
    if not match:
        raise ValueError("this report has no sentence opening with its year to run a table into")
    return match.group(1)


def _record(
    w: Writer, tables: GenTables, gold: dict, style: str, sections: list[dict], glue: set[int], rng: random.Random
) -> dict:
    rendered = {(c.table, c.row, c.col) for _, _, rows in tables.active for r in rows for c in r.cells}
    rendered |= {(c.table, c.row, c.col) for r in tables.requests for c in r.cells} | {
        (c.table, c.row, c.col) for c in tables.appeals
    }
    cells = []
    for cell in gold["cells"]:
        key = (cell["table"], cell["row"], cell["col"])
        if key not in rendered and cell["state"] != "missing":
            continue  # an extra row the layout cannot print
        span = w.placed.get(key)
        out = {k: v for k, v in cell.items() if k != "ambiguous"} | {"start": None, "end": None}
        if span and cell["state"] not in ("blank", "missing"):
            out["start"], out["end"] = span
        cells.append(out)
    text, spans = w.text, w.spans
    if style in ("crawl", "crawl_prose"):
        text, remap = _one_line(text, rng, glue)
        spans, sections, _ = _moved(spans, sections, [], lambda s, e: (remap[s], remap[e - 1] + 1))
        for cell in cells:
            if cell["start"] is not None:
                cell["start"], cell["end"] = remap[cell["start"]], remap[cell["end"] - 1] + 1
    record = {
        "text": text,
        "spans": [{**s, "text": text[s["start"] : s["end"]]} for s in spans],
        "cells": cells,
        "sections": sections,
        "report": dict(gold["report"]),
        "failed_checks": list(gold.get("failed_checks", [])),
        "meta": {"style": style, "source": gold["source"], "reflattened": True},
    }
    return validate(record)
