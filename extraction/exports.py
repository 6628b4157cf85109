"""Tables from extracted documents, ready for pandas, and the end-of-run summary.

- ``cells``: the long table, one row per cell: report, table, row, col, value, raw, unit,
  state, confidence, start, end.
- ``active``, ``requests``, ``appeals``: one wide table per statistics table, one row per
  (report, printed row), one column per canonical column (values; a ``<col>_unit`` column
  beside each money column).
- ``reports``: one row per report (source, agency, year, template, errors, review counts).

Formats: ``jsonl``, ``csv`` (UTF-8 with BOM, so Excel reads the Chinese), ``parquet``
(written in chunks, so archives of any size stream through) and ``xlsx`` (one workbook,
one sheet per table; Excel's row limit applies, see ``export_tables``).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas and pyarrow are imported when a table is written, not with the CLI
    import pandas as pd
    import pyarrow as pa

from nianbao.extraction.templates import TEMPLATES, get_template

FORMATS = ("jsonl", "csv", "parquet", "xlsx")
TABLES = ("active", "requests", "appeals")
LONG_COLUMNS = ("report", "table", "row", "col", "value", "raw", "unit", "state", "confidence", "start", "end")
REPORT_COLUMNS = ("report", "source", "sha256", "encoding", "format", "agency", "year", "template", "script",
                  "sections", "cells", "numbers", "review", "failed_checks", "errors")  # fmt: skip
CHECK_COLUMNS = ("report", "rule", "kind", "ok", "detail", "cells")
EXCEL_MAX_ROWS = 1_048_575
CHUNK = 500
Item = tuple[str, dict]  # (report id, document)


def _canonical_cols(table: str) -> tuple[list[str], list[str]]:
    """A table's columns over both templates, in template order, and its money columns."""
    cols: dict[str, None] = {}
    money: dict[str, None] = {}
    for name in TEMPLATES:
        spec = getattr(get_template(name), table)
        cols.update(dict.fromkeys(spec.cols))
        money.update(dict.fromkeys(c for c in spec.cols if c in spec.money_cols))
    return list(cols), list(money)


def _schema(table: str) -> pa.Schema:
    import pyarrow as pa

    text, number, integer = pa.string(), pa.float64(), pa.int64()
    if table == "cells":
        types = [text, text, text, text, number, text, text, text, number, integer, integer]
        return pa.schema(list(zip(LONG_COLUMNS, types, strict=True)))
    if table == "reports":
        kinds = [text] * 6 + [integer] + [text] * 2 + [integer] * 5 + [text]
        return pa.schema(list(zip(REPORT_COLUMNS, kinds, strict=True)))
    if table == "checks":
        return pa.schema([(name, text) for name in CHECK_COLUMNS])
    cols, money = _canonical_cols(table)
    fields = [("report", text), ("agency", text), ("year", integer), ("template", text), ("row", text)]
    for col in cols:
        fields.append((col, number))
        if col in money:
            fields.append((f"{col}_unit", text))
    return pa.schema(fields)


def long_rows(report: str, doc: dict) -> list[dict]:
    """The long table's rows for one document."""
    return [{"report": report, **{k: cell.get(k) for k in LONG_COLUMNS[1:]}} for cell in doc["cells"]]


def wide_rows(report: str, doc: dict, table: str) -> list[dict]:
    """One row per printed row of ``table`` in one document, columns as in the template."""
    meta = doc["report"]
    rows: dict[str, dict] = {}
    for cell in doc["cells"]:
        if cell["table"] != table:
            continue
        row = rows.setdefault(cell["row"], {"report": report, "agency": meta["agency"], "year": meta["year"],
                                            "template": meta["template"], "row": cell["row"]})  # fmt: skip
        row[cell["col"]] = cell["value"]
        if cell.get("unit") is not None:
            row[f"{cell['col']}_unit"] = cell["unit"]
    return list(rows.values())


def check_rows(report: str, doc: dict) -> list[dict]:
    """One row per check: arithmetic (勾稽) and narrative (prose vs table) side by side."""
    rows = []
    for check in doc["checks"]:
        ok = {True: "true", False: "false", None: "null"}[check["ok"]]
        cells = ";".join(f"{c['table']}.{c['row']}.{c['col']}" for c in check.get("cells", []))
        kind = "narrative" if check["rule"].startswith("narrative.") else "arithmetic"
        rows.append({"report": report, "rule": check["rule"], "kind": kind, "ok": ok, "detail": check["detail"], "cells": cells})
    return rows


def report_row(report: str, doc: dict) -> dict:
    """The ``reports`` table's row for one document."""
    source, meta = doc["source"], doc["report"]
    return {
        "report": report, "source": source.get("name"), "sha256": source.get("sha256"),
        "encoding": source.get("encoding"), "format": source.get("format"), "agency": meta["agency"],
        "year": meta["year"], "template": meta["template"], "script": meta["script"],
        "sections": len(doc["sections"]), "cells": len(doc["cells"]),
        "numbers": sum(1 for c in doc["cells"] if c["state"] == "number"), "review": len(doc["review"]),
        "failed_checks": sum(1 for c in doc["checks"] if c["ok"] is False), "errors": "; ".join(doc["errors"]),
    }  # fmt: skip


def _rows(name: str, items: list[Item]) -> list[dict]:
    if name == "cells":
        return [row for report, doc in items for row in long_rows(report, doc)]
    if name == "reports":
        return [report_row(report, doc) for report, doc in items]
    if name == "checks":
        return [row for report, doc in items for row in check_rows(report, doc)]
    return [row for report, doc in items for row in wide_rows(report, doc, name)]


def frame(name: str, items: Iterable[Item]) -> pd.DataFrame:
    """One table (``cells``, ``reports`` or a statistics table) as a typed DataFrame."""
    return _arrow(name, _rows(name, list(items))).to_pandas()


def _arrow(name: str, rows: list[dict]) -> pa.Table:
    import pyarrow as pa

    schema = _schema(name)
    columns = {f.name: [_clean(r.get(f.name), f.type) for r in rows] for f in schema}
    return pa.Table.from_pydict(columns, schema=schema)


def _clean(value: object, kind: pa.DataType) -> object:
    """Values as the column type wants them (an extra row's text value → null number)."""
    import pyarrow as pa

    if value is None:
        return None
    if pa.types.is_string(kind):
        return str(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value) if pa.types.is_integer(kind) else float(value)


def iter_documents(out: Path, names: Iterable[str]) -> Iterator[Item]:
    """``(report id, document)`` for each ``<name>`` JSON in ``out`` (a report id is its file stem)."""
    for name in names:
        path = out / name
        yield path.stem, json.loads(path.read_text("utf-8"))


def _chunks(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    chunk: list[Item] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def export_tables(items: Iterable[Item], out_dir: Path, fmt: str) -> tuple[list[Path], list[str]]:
    """Write ``reports``, ``cells`` and the three wide tables in ``fmt``; return paths and notes.

    Files are written under temp names and renamed at the end. ``xlsx`` is one workbook;
    a sheet over Excel's 1,048,575 data rows is left out with a note (use parquet).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob(".tmp-*"):
        stale.unlink(missing_ok=True)  # left by a killed export
    names = ("reports", "cells", "checks", *TABLES)
    if fmt == "xlsx":
        return _export_xlsx(items, out_dir / "nianbao.xlsx", names)
    targets = {name: out_dir / f"{name}.{fmt}" for name in names}
    writers = {name: _Writer(fmt, path.with_name(f".tmp-{path.name}"), _schema(name)) for name, path in targets.items()}
    try:
        for chunk in _chunks(items, CHUNK):
            for name, writer in writers.items():
                writer.write(_arrow(name, _rows(name, chunk)))
    finally:
        for writer in writers.values():
            writer.close()
    for name, path in targets.items():
        os.replace(writers[name].path, path)
    return list(targets.values()), []


class _Writer:
    """Appends Arrow chunks to one jsonl, csv or parquet file."""

    def __init__(self, fmt: str, path: Path, schema: pa.Schema) -> None:
        self.fmt, self.path, self.schema = fmt, path, schema
        if fmt == "parquet":
            import pyarrow.parquet as pq

            self.handle = pq.ParquetWriter(path, schema)
        else:
            self.handle = open(path, "w", encoding="utf-8-sig" if fmt == "csv" else "utf-8", newline="")
            if fmt == "csv":
                self.handle.write(",".join(schema.names) + "\n")

    def write(self, table: pa.Table) -> None:
        if self.fmt == "parquet":
            self.handle.write_table(table)
        elif self.fmt == "csv":
            table.to_pandas().to_csv(self.handle, header=False, index=False, lineterminator="\n", float_format="%.15g")
        else:
            for row in table.to_pylist():
                row = {k: int(v) if isinstance(v, float) and v.is_integer() else v for k, v in row.items()}
                self.handle.write(json.dumps(row, ensure_ascii=False) + "\n")

    def close(self) -> None:
        self.handle.close()


def _export_xlsx(items: Iterable[Item], path: Path, names: tuple[str, ...]) -> tuple[list[Path], list[str]]:
    import pandas as pd

    materialised = list(items)
    notes: list[str] = []
    tmp = path.with_name(f".tmp-{path.name}")
    with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        for name in names:
            table = frame(name, materialised)
            if len(table) > EXCEL_MAX_ROWS:
                notes.append(f"xlsx: sheet {name!r} left out: {len(table)} rows exceed Excel's limit (use --format parquet)")
                continue
            table.to_excel(writer, sheet_name=name, index=False)
    os.replace(tmp, path)
    return [path], notes


def summarise(records: list[dict], extracted: int, skipped: int, max_errors: int = 10) -> str:
    """The end-of-run summary: counts, errors (first few named), review and failed checks."""
    total = len(records)
    with_errors = [r for r in records if r["errors"]]
    failed = sum(1 for r in records if r["failed"])
    reasons: Counter[str] = Counter()
    for record in records:
        reasons.update(record.get("reasons", {}))
    in_review = sum(1 for r in records if r["review"])
    lines = [
        f"{total} reports: {extracted} extracted now, {skipped} already done; "
        f"{len(with_errors)} with errors ({failed} unreadable, no cells)",
        f"review: {sum(r['review'] for r in records)} cells in {in_review} reports"
        + (" (" + ", ".join(f"{k} {v}" for k, v in reasons.most_common()) + ")" if reasons else ""),
        f"failed checks: {sum(r['failed_checks'] for r in records)} in {sum(1 for r in records if r['failed_checks'])} reports",
    ]
    for record in with_errors[:max_errors]:
        lines.append(f"  error {Path(record['input']).name}: {'; '.join(record['errors'])}")
    if len(with_errors) > max_errors:
        lines.append(f"  … and {len(with_errors) - max_errors} more (see manifest.jsonl)")
    return "\n".join(lines)
