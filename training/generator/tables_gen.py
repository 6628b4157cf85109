"""Random but realistic table contents: values that satisfy the template's arithmetic (mostly).

A generated table is a list of :class:`GenRow`, each holding printed cell strings with their
canonical keys and true values. Renderers in ``render.py`` turn them into text in one
flattening style and record where every cell landed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from nianbao.extraction.checks.table import APPLICANTS
from nianbao.extraction.placement.arithmetic import APPEAL_ROWS, HANDLED_ROWS
from nianbao.extraction.templates import get_template, template_data

# How the template prints each requests row in its label column, and the group row above it
_ROWS = template_data()["requests_rows"]
PRINTED_LABELS = {row["key"]: row["printed"] for row in _ROWS}
GROUP_LABELS = {row["key"]: row["group"] for row in _ROWS if "group" in row}
# Row and column keys come from the templates data (templates.json), never typed here.
HANDLED_2019 = [row.key for row in get_template("2019").requests.rows if row.key in HANDLED_ROWS]
HANDLED_2021 = [row.key for row in get_template("2021").requests.rows if row.key in HANDLED_ROWS]
APPEALS_ROWS = APPEAL_ROWS
APPEALS_COLS = tuple(get_template("2021").appeals.cols)
_HANDLED_WEIGHTS = {"granted": 8, "partially_granted": 3, "unavailable_not_held": 5, "not_processed_petition": 2}


@dataclass
class GenCell:
    """A cell as the generator means it and as it will be printed."""

    table: str
    row: str
    col: str
    value: int | float | None
    printed: str  # "" = printed empty
    unit: str | None = None
    state: str = "number"
    slot: int = 0  # column index within its canonical printed row (appeals: row * 5 + col)


@dataclass
class GenRow:
    key: str
    label: str
    cells: list[GenCell] = field(default_factory=list)
    group_label: str | None = None


@dataclass
class GenTables:
    template: str
    active: list[tuple[str, list[str], list[GenRow]]]  # (caption, header, rows) per item
    requests: list[GenRow]
    appeals: list[GenCell]
    single_other: bool = False
    broken: list[str] = field(default_factory=list)


def cell_slot(template: str, table: str, row: str, col: str) -> int:
    """A cell's slot: its column index within its canonical printed row (appeals: row * 5 + col)."""
    if table == "appeals":
        return APPEALS_ROWS.index(row) * len(APPEALS_COLS) + APPEALS_COLS.index(col)
    if table == "requests":
        return [*APPLICANTS, "total"].index(col)
    return get_template(template).active.row(row).cols.index(col)


def _count(rng: random.Random, scale: float) -> int:
    if rng.random() < 0.35:
        return 0
    return int(rng.lognormvariate(0, 1.3) * scale)


def _print_number(rng: random.Random, value: int, zero_style: str) -> tuple[str, str]:
    """The printed form of a count, honouring how this report prints its zeros."""
    if value == 0 and zero_style != "0":
        return zero_style, "blank" if zero_style == "" else "na"
    return str(value), "number"


def _split(rng: random.Random, total: int, keys: list[str]) -> dict[str, int]:
    weights = [_HANDLED_WEIGHTS.get(k, 0.4) * rng.random() for k in keys]
    out = dict.fromkeys(keys, 0)
    for _ in range(total):
        out[rng.choices(keys, weights)[0]] += 1
    return out


def requests_rows(rng: random.Random, template: str, zero_style: str, single_other: bool) -> list[GenRow]:
    """The requests table: per applicant column, 一+二 = 三（七）+四 and 三（七）= sum of 三."""
    handled_keys = HANDLED_2019 if template == "2019" else HANDLED_2021
    scale = rng.choice([3, 10, 40, 300])
    grid: dict[str, dict[str, int]] = {}
    for col in APPLICANTS:
        weight = 1.0 if col == "natural_person" else 0.15
        new = _count(rng, scale * weight)
        carried = _count(rng, scale * weight * 0.1) if rng.random() < 0.3 else 0
        forward = rng.randint(0, (new + carried) // 4) if new + carried and rng.random() < 0.4 else 0
        split = _split(rng, new + carried - forward, handled_keys)
        grid[col] = {"new_received": new, "carried_over": carried, "carried_forward": forward, **split}
        grid[col]["total_processed"] = sum(split.values())
    keys = [r.key for r in get_template(template).requests.rows]
    rows = []
    for key in keys:
        values = [grid[col][key] for col in APPLICANTS]
        cells = [
            _cell(rng, "requests", key, col, v, zero_style, i)
            for i, (col, v) in enumerate(zip(APPLICANTS, values, strict=True))
        ]
        cells.append(_cell(rng, "requests", key, "total", sum(values), zero_style, len(APPLICANTS)))
        rows.append(GenRow(key, PRINTED_LABELS[key], cells, GROUP_LABELS.get(key)))
    if single_other and template == "2021":
        rows = _merge_other(rows)
    return rows


def _merge_other(rows: list[GenRow]) -> list[GenRow]:
    """Print （六） as one row: its values are the sums of the three sub-rows."""
    subs = [r for r in rows if r.key.startswith("other_")]
    merged = []
    for i, col in enumerate([*APPLICANTS, "total"]):
        value = sum(r.cells[i].value or 0 for r in subs)
        merged.append(GenCell("requests", "other", col, value, str(value), slot=i))
    first = rows.index(subs[0])
    kept = [r for r in rows if not r.key.startswith("other_")]
    kept.insert(first, GenRow("other", "（六）其他处理", merged))
    return kept


def _cell(rng: random.Random, table: str, row: str, col: str, value: int, zero_style: str, slot: int) -> GenCell:
    printed, state = _print_number(rng, value, zero_style)
    return GenCell(table, row, col, value if state == "number" else None, printed, None, state, slot)


def appeals_cells(rng: random.Random, zero_style: str) -> list[GenCell]:
    cells = []
    for r, row in enumerate(APPEALS_ROWS):
        parts = [_count(rng, 1.5) for _ in range(4)]
        for c, (col, value) in enumerate(zip(APPEALS_COLS, [*parts, sum(parts)], strict=True)):
            cells.append(_cell(rng, "appeals", row, col, value, zero_style, r * len(APPEALS_COLS) + c))
    return cells


def _change(rng: random.Random) -> tuple[str, int]:
    value = rng.randint(-20, 40)
    style = rng.random()
    if value == 0:
        return "0", 0
    if style < 0.6:
        return (f"+{value}" if value > 0 else str(value)), value
    word = "增" if value > 0 else "减"
    return f"{word}{abs(value)}", value


def _money(rng: random.Random, header_unit: str | None) -> tuple[str, float | int, str | None]:
    if header_unit:
        value = round(rng.uniform(0, 9000), rng.choice([0, 1, 2]))
        value = int(value) if float(value).is_integer() else value
        return str(value), value, header_unit
    style = rng.random()
    if style < 0.4:
        value = round(rng.uniform(1, 2000), 3)
        return f"{value:g}{rng.choice(['', ' '])}万元", float(f"{value:g}"), "万元"
    value = rng.randint(1000, 90_000_000)
    return (f"{value}元", value, "元") if style < 0.7 else (str(value), value, None)


ACTIVE_ITEMS = {
    "rules": "一",
    "normative_docs": "一",
    "licensing": "五",
    "other_services": "五",
    "penalty": "六",
    "coercion": "六",
    "fees": "八",
    "procurement": "九",
}


def active_caption(row: str) -> str:
    """The 第二十条 item an active-table row is printed under."""
    return f"第二十条第（{ACTIVE_ITEMS[row]}）项"


def active_label(template: str, row: str) -> str:
    return (
        "行政规范性文件"
        if row == "normative_docs" and template == "2021"
        else get_template(template).active.row(row).label
    )


def active_items(rng: random.Random, template: str) -> list[tuple[str, list[str], list[GenRow]]]:
    """The 第二十条 items of the active-disclosure table, one caption + header + rows each."""
    table = get_template(template).active
    items: dict[str, tuple[str, list[str], list[GenRow]]] = {}
    for row in table.rows:
        caption = active_caption(row.key)
        cells = []
        for slot, col in enumerate(row.cols):
            if col == "items_change":
                printed, value = _change(rng)
                cells.append(GenCell("active", row.key, col, value, printed, slot=slot))
            elif col in table.money_cols:
                printed, value, unit = _money(rng, "万元" if col == "fee_amount" else None)
                cells.append(GenCell("active", row.key, col, value, printed, unit, slot=slot))
            else:
                value = _count(rng, rng.choice([2, 30, 800]))
                cells.append(GenCell("active", row.key, col, value, str(value), slot=slot))
        header = ["信息内容", *[table.col_labels[c] for c in row.cols]]
        items.setdefault(caption, (caption, header, []))[2].append(
            GenRow(row.key, active_label(template, row.key), cells)
        )
    return list(items.values())


def break_arithmetic(rng: random.Random, tables: GenTables) -> None:
    """Make one printed total disagree, as some real reports do; the gold keeps the printed value."""
    candidates = [r for r in tables.requests if r.cells[-1].state == "number"]
    if not candidates:
        return
    row = rng.choice(candidates)
    total = row.cells[-1]
    total.value = int(total.value or 0) + rng.choice([1, 2, -1]) if (total.value or 0) > 1 else 1
    total.printed = str(total.value)
    tables.broken.append(f"requests.row_sum.{row.key}")


def generate_tables(rng: random.Random, template: str, zero_style: str = "0", single_other: bool = False) -> GenTables:
    tables = GenTables(
        template,
        active_items(rng, template),
        requests_rows(rng, template, zero_style, single_other),
        appeals_cells(rng, zero_style),
        single_other,
    )
    if rng.random() < 0.08:
        break_arithmetic(rng, tables)
    return tables
