"""The analyst tables: what every export (``extract --format``, ``review export``) and
:func:`nianbao.frames` hold, one function per table, built from contract documents.

- ``cells`` (long): one row per cell. The contract's keys (report, table, row, col, value,
  raw, unit, state, confidence, start, end) and ``row_label``/``col_label`` (the template's
  Chinese labels; an extra row keeps its printed label), ``template``, ``review`` (a boolean:
  the cell is in the document's review list), ``reasons`` (its review reasons, ``;``-joined)
  and ``value_yuan`` (money cells: the amount in 元, from the cell's unit or, where the
  template's header fixes one, 本年收费金额（单位：万元）; null when the report gives no unit).
  Exports of reviewed data add the review columns (:data:`REVIEW_COLUMNS`).
- ``active``, ``requests``, ``appeals`` (wide): one row per (report, printed row), one
  numeric column per canonical column (``<col>_unit`` beside money columns). A number is a
  number; blank, na ("/", —, 无) and missing are all null there, and told apart by the
  state tables ``active_state``, ``requests_state``, ``appeals_state``: the same shape, each
  entry the cell's ``state`` (``number``, ``blank``, ``na``, ``text``, ``missing``).
- ``checks``: one row per check, ``ok`` a nullable boolean (null: not assessable).
- ``reports``: one row per report, with ``url`` and ``published`` where the source gives them.
- ``row_map``: how the 2019 template's rows and columns map to the 2021 template's
  (:data:`ROW_MAP`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from nianbao.extraction.templates import TEMPLATES, get_template, requests_with_single_other

TABLES = ("active", "requests", "appeals")
STATE_TABLES = tuple(f"{t}_state" for t in TABLES)
CONTRACT_COLUMNS = ("report", "table", "row", "col", "value", "raw", "unit", "state", "confidence", "start", "end")
LABEL_COLUMNS = ("row_label", "col_label", "template", "review", "reasons", "value_yuan")
LONG_COLUMNS = CONTRACT_COLUMNS + LABEL_COLUMNS
REVIEW_COLUMNS = (
    "report_id",
    "version",
    "extracted_value",
    "extracted_raw",
    "extracted_state",
    "reviewed_value",
    "reviewed_raw",
    "reviewed_state",
    "status",
    "reviewer",
    "reviewed_at",
    "note",
    "revision",
    "disagrees",
)
REPORT_COLUMNS = (
    "report",
    "source",
    "sha256",
    "encoding",
    "format",
    "agency",
    "year",
    "template",
    "script",
    "sections",
    "cells",
    "numbers",
    "review",
    "failed_checks",
    "errors",
    "url",
    "published",
)
CHECK_COLUMNS = ("report", "rule", "kind", "ok", "detail", "cells")
YUAN = {"元": 1, "万元": 10_000, "亿元": 100_000_000}
HEADER_UNITS = {"fee_amount": "万元"}  # 本年收费金额（单位：万元）
MONEY_COLS = frozenset().union(*(get_template(name).active.money_cols for name in TEMPLATES))

_REQUESTS_2019 = tuple(row.key for row in get_template("2019").requests.rows)
_REQUESTS_2021 = tuple(row.key for row in get_template("2021").requests.rows)
_APPEALS = tuple(row.key for row in get_template("2021").appeals.rows)

# 2019 cell → 2021 cell: "same" (one question, same meaning), "sum" (the 2021 cells add up to
# the 2019 one), "comparable" (close but not the same count), "none" (no counterpart).
ROW_MAP: tuple[tuple[str, str, str, str, str, str], ...] = (
    *(("requests", row, "*", row, "*", "same") for row in _REQUESTS_2019 if row in _REQUESTS_2021),
    *(("requests", "other", "*", row, "*", "sum") for row in _REQUESTS_2021 if row not in _REQUESTS_2019),
    *(("appeals", row, "*", row, "*", "same") for row in _APPEALS),
    ("active", "rules", "made", "rules", "issued", "comparable"),
    ("active", "rules", "published", "", "", "none"),
    ("active", "rules", "total_published", "rules", "in_force", "comparable"),
    ("active", "normative_docs", "made", "normative_docs", "issued", "comparable"),
    ("active", "normative_docs", "published", "", "", "none"),
    ("active", "normative_docs", "total_published", "normative_docs", "in_force", "comparable"),
    *(("active", row, "decisions", row, "decisions", "same") for row in ("licensing", "penalty", "coercion")),
    *(
        ("active", row, col, "", "", "none")
        for row in ("licensing", "penalty", "coercion")
        for col in ("items_prev", "items_change")
    ),
    *(("active", "other_services", col, "", "", "none") for col in ("items_prev", "items_change", "decisions")),
    *(("active", "fees", col, "", "", "none") for col in ("items_prev", "items_change")),
    ("active", "", "", "fees", "fee_amount", "none"),
    *(("active", "procurement", col, "", "", "none") for col in ("procurement_items", "procurement_amount")),
    ("active", "", "", "rules", "repealed", "none"),
    ("active", "", "", "normative_docs", "repealed", "none"),
)
ROW_MAP_COLUMNS = ("table", "row_2019", "col_2019", "row_2021", "col_2021", "relation", "label_2019", "label_2021")


@lru_cache(maxsize=1)
def _labels() -> dict[tuple[str, str, str], tuple[str, dict[str, str]]]:
    """(template, table, row) → (row label, column labels)."""
    out: dict[tuple[str, str, str], tuple[str, dict[str, str]]] = {}
    for name in TEMPLATES:
        tables = [*get_template(name).tables, *([requests_with_single_other()] if name == "2021" else [])]
        for table in tables:
            for row in table.rows:
                out.setdefault((name, table.name, row.key), (row.label, table.col_labels))
    return out


def labels(template: str | None, table: str, row: str, col: str) -> tuple[str, str | None]:
    """The template's Chinese labels of a cell: (row label, column label). A row the template
    does not have (an extra printed row) keeps its key, which is its printed label."""
    found = _labels().get((str(template), table, row))
    if found is None:  # unknown template, or an extra row: any template that knows it
        found = next((v for (t, tb, r), v in _labels().items() if tb == table and r == row), None)
    if found is None:
        cols = next((v[1] for (t, tb, _), v in _labels().items() if tb == table and col in v[1]), {})
        return row, cols.get(col)
    return found[0], found[1].get(col)


def value_yuan(cell: dict[str, Any]) -> float | None:
    """A money cell's amount in 元 (None: not money, not a number, or no unit known)."""
    col, value = str(cell.get("col")), cell.get("value")
    if cell.get("table") != "active" or col not in MONEY_COLS or cell.get("state") != "number":
        return None
    unit = cell.get("unit") or HEADER_UNITS.get(col)
    if unit not in YUAN or isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return round(float(value) * YUAN[unit], 6)


def long_rows(report: str, doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``cells`` table's rows for one document."""
    template = (doc.get("report") or {}).get("template")
    review = {(e.get("table"), e.get("row"), e.get("col")): e for e in doc.get("review", [])}
    rows = []
    for cell in doc["cells"]:
        row_label, col_label = labels(template, cell["table"], cell["row"], cell["col"])
        entry = review.get((cell["table"], cell["row"], cell["col"]))
        rows.append(
            {
                "report": report,
                **{k: cell.get(k) for k in CONTRACT_COLUMNS[1:]},
                "row_label": row_label,
                "col_label": col_label,
                "template": template,
                "review": entry is not None,
                "reasons": ";".join(entry.get("reasons", [])) if entry else "",
                "value_yuan": value_yuan(cell),
                **{k: cell[k] for k in REVIEW_COLUMNS if k in cell},
            }
        )
    return rows


def wide_rows(report: str, doc: dict[str, Any], table: str, field: str = "value") -> list[dict[str, Any]]:
    """One row per printed row of ``table``; ``field="state"`` gives the state table."""
    meta = doc["report"]
    rows: dict[str, dict[str, Any]] = {}
    for cell in doc["cells"]:
        if cell["table"] != table:
            continue
        row = rows.setdefault(
            cell["row"],
            {
                "report": report,
                "agency": meta["agency"],
                "year": meta["year"],
                "template": meta["template"],
                "row": cell["row"],
                "row_label": labels(meta["template"], table, cell["row"], "")[0],
            },
        )
        row[cell["col"]] = cell.get(field)
        if field == "value" and cell.get("unit") is not None:
            row[f"{cell['col']}_unit"] = cell["unit"]
    return list(rows.values())


def check_rows(report: str, doc: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per check: arithmetic (勾稽) and narrative (prose vs table) side by side."""
    rows = []
    for check in doc["checks"]:
        cells = ";".join(f"{c['table']}.{c['row']}.{c['col']}" for c in check.get("cells", []))
        kind = "narrative" if check["rule"].startswith("narrative.") else "arithmetic"
        rows.append(
            {
                "report": report,
                "rule": check["rule"],
                "kind": kind,
                "ok": check.get("ok"),
                "detail": check.get("detail", ""),
                "cells": cells,
            }
        )
    return rows


def report_row(report: str, doc: dict[str, Any]) -> dict[str, Any]:
    """The ``reports`` table's row for one document."""
    source, meta = doc["source"], doc["report"]
    return {
        "report": report,
        "source": source.get("name"),
        "sha256": source.get("sha256"),
        "encoding": source.get("encoding"),
        "format": source.get("format"),
        "agency": meta["agency"],
        "year": meta["year"],
        "template": meta["template"],
        "script": meta["script"],
        "sections": len(doc["sections"]),
        "cells": len(doc["cells"]),
        "numbers": sum(1 for c in doc["cells"] if c["state"] == "number"),
        "review": len(doc["review"]),
        "failed_checks": sum(1 for c in doc["checks"] if c["ok"] is False),
        "errors": "; ".join(doc["errors"]),
        "url": source.get("url"),
        "published": source.get("published"),
    }


def row_map_rows() -> list[dict[str, Any]]:
    """The ``row_map`` table: :data:`ROW_MAP` with both templates' labels."""
    rows = []
    for table, row19, col19, row21, col21, relation in ROW_MAP:
        label19 = _label_text("2019", table, row19, col19)
        label21 = _label_text("2021", table, row21, col21)
        rows.append(
            dict(zip(ROW_MAP_COLUMNS, (table, row19, col19, row21, col21, relation, label19, label21), strict=True))
        )
    return rows


def _label_text(template: str, table: str, row: str, col: str) -> str:
    if not row:
        return ""
    row_label, col_label = labels(template, table, row, "" if col == "*" else col)
    return row_label if col == "*" or not col_label else f"{row_label} / {col_label}"


def rows_of(name: str, items: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """The rows of table ``name`` for ``(report id, document)`` items."""
    if name == "cells":
        return [row for report, doc in items for row in long_rows(report, doc)]
    if name == "reports":
        return [report_row(report, doc) for report, doc in items]
    if name == "checks":
        return [row for report, doc in items for row in check_rows(report, doc)]
    if name == "row_map":
        return row_map_rows()
    if name in STATE_TABLES:
        return [row for report, doc in items for row in wide_rows(report, doc, name.removesuffix("_state"), "state")]
    return [row for report, doc in items for row in wide_rows(report, doc, name)]
