"""Rendering of the review pages: labels, the highlighted source text, the rebuilt tables.

Every piece of report text goes through Jinja's autoescape or :func:`markupsafe.escape`;
the only markup built here is the highlight around already escaped text.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any

from jinja2 import DictLoader, Environment
from markupsafe import Markup, escape

from nianbao.extraction.review.i18n import translate
from nianbao.extraction.review.store import FieldView, RevisionView
from nianbao.extraction.review.templates import TEMPLATES
from nianbao.extraction.templates import TEMPLATES as TEMPLATE_NAMES
from nianbao.extraction.templates import get_template, requests_with_single_other

TABLE_TITLES = {
    "active": "二、主动公开政府信息情况",
    "requests": "三、收到和处理政府信息公开申请情况",
    "appeals": "四、政府信息公开行政复议、行政诉讼情况",
}


@lru_cache(maxsize=1)
def _labels() -> tuple[dict[tuple[str, str], str], dict[tuple[str, str], str]]:
    rows: dict[tuple[str, str], str] = {}
    cols: dict[tuple[str, str], str] = {}
    tables = [t for name in TEMPLATE_NAMES for t in get_template(name).tables] + [requests_with_single_other()]
    for table in tables:
        for row in table.rows:
            rows.setdefault((table.name, row.key), row.label)
        for key, label in table.col_labels.items():
            cols.setdefault((table.name, key), label)
    return rows, cols


def row_label(table: str, row: str) -> str:
    """The printed label of a canonical row (the key itself for an unknown row)."""
    return _labels()[0].get((table, row), row)


def col_label(table: str, col: str) -> str:
    """The printed label of a canonical column."""
    return _labels()[1].get((table, col), col)


def label(field: FieldView) -> str:
    """A field's human name: table, row label and column label."""
    return f"{field.table} · {row_label(field.table, field.row)} · {col_label(field.table, field.col)}"


def shown(rev: RevisionView, lang: str = "zh") -> str:
    """How a value is shown in a table cell."""
    if rev.state == "missing":
        return translate(lang, "not_printed_value")
    if rev.state == "number":
        return rev.raw or str(rev.value)
    return rev.raw


def _pieces(text: str, start: int) -> list[Markup]:
    """Unmarked source text (escaped) as segments that carry their offset (``data-o``), so the
    page's script turns a selection into offsets; a carriage return stays outside every
    segment (HTML reads it as a line feed, which would shift the count inside one)."""
    out, pos = [], start
    for i, piece in enumerate(text.split("\r")):
        if i:
            out.append(Markup("\r"))
        if piece:
            out.append(Markup('<span data-o="{}">{}</span>').format(pos, piece))
        pos += len(piece) + 1
    return out


def highlight(text: str, fields: list[FieldView], contract_cells: list[dict[str, Any]], focus: int | None) -> Markup:
    """The source text, escaped, with every field's printed span linked and the focus marked.

    A field is shown at its newest revision's span; one that was never changed and has no
    span of its own falls back to the offsets it was extracted from. A value a reviewer typed
    (no span) is not marked in the text: the old span is no longer its source.
    """
    spans = []
    for field in fields:
        start, end = field.head.start, field.head.end
        if start is None and field.head.action == "extracted" and field.position < len(contract_cells):
            start, end = contract_cells[field.position].get("start"), contract_cells[field.position].get("end")
        if start is not None and end is not None and end > start:
            spans.append((start, end, field))
    spans.sort(key=lambda s: (s[0], s[2].id != focus))
    parts: list[str] = []
    pos = 0
    for start, end, field in spans:
        if start < pos:
            continue  # overlapping spans: the first one wins
        parts.extend(_pieces(text[pos:start], pos))
        piece = escape(text[start:end])
        if field.id == focus:
            parts.append(
                Markup('<mark id="focus" class="focus" data-field="{}" data-o="{}">{}</mark>').format(
                    field.id, start, piece
                )
            )
        else:
            parts.append(
                Markup(
                    '<span class="v st-{}" data-field="{}" data-o="{}" title="{}"><a '
                    'href="?field={}#focus">{}</a></span>'
                ).format(field.head.status, field.id, start, label(field), field.id, piece)
            )
        pos = end
    parts.extend(_pieces(text[pos:], pos))
    return Markup("").join(parts)


@dataclass(frozen=True)
class Column:
    key: str
    label: str


@dataclass(frozen=True)
class TableRow:
    key: str
    label: str
    cells: list[FieldView | None]


@dataclass(frozen=True)
class RebuiltTable:
    name: str
    cols: list[Column]
    rows: list[TableRow]


def rebuild_tables(fields: list[FieldView]) -> list[RebuiltTable]:
    """The three statistics tables as the fields' newest revisions fill them."""
    out = []
    for name in ("active", "requests", "appeals"):
        of_table = [f for f in fields if f.table == name]
        if not of_table:
            continue
        cols = list(dict.fromkeys(f.col for f in of_table))
        by_key = {(f.row, f.col): f for f in of_table}
        rows = [
            TableRow(row, row_label(name, row), [by_key.get((row, col)) for col in cols])
            for row in dict.fromkeys(f.row for f in of_table)
        ]
        out.append(RebuiltTable(TABLE_TITLES.get(name, name), [Column(c, col_label(name, c)) for c in cols], rows))
    return out


def dict_of(cells: list[Any]) -> dict[tuple[str, str], Any]:
    """A reading's cells by (row, column)."""
    return {(cell.row, cell.col): cell for cell in cells}


def differs(decision: Any, key: tuple[str, str], cell: Any) -> bool:
    """Whether the readings of a decision put different things in this cell."""
    seen = {next(((c.raw, c.start) for c in cells if (c.row, c.col) == key), ("", None)) for cells in decision.readings}
    return cell is not None and len(seen) > 1


def decision_cols(decision: Any, most: int = 8) -> tuple[list[tuple[str, str]], int]:
    """The cells a decision's table shows: all of them, or only those where the readings
    differ when there are more than ``most``; and how many are left out (the same in all)."""
    if len(decision.keys) <= most:
        return list(decision.keys), 0
    keys = [key for key in decision.keys if differs(decision, key, True)]
    return keys, len(decision.keys) - len(keys)


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The Jinja environment of the review pages (autoescape on for every template)."""
    env = Environment(loader=DictLoader(TEMPLATES), autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(
        label=label,
        shown=shown,
        dict_of=dict_of,
        differs=differs,
        decision_cols=decision_cols,
        row_label=row_label,
        col_label=col_label,
        table_titles=TABLE_TITLES,
    )
    return env


def render(name: str, **context: Any) -> str:
    """Render one page template."""
    context.setdefault("reviewer", None)
    context.setdefault("csrf", "")
    lang = context.setdefault("lang", "zh")
    return environment().get_template(name).render(t=partial(translate, lang), **context)
