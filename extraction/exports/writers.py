"""Tables from extracted (or reviewed) documents, ready for pandas, and the end-of-run summary.

The tables are those of :mod:`nianbao.extraction.exports.tables` (its docstring says what each
column means): ``reports``, ``cells`` (long, with Chinese labels, ``review``, ``value_yuan``),
``checks`` (``ok`` boolean), the wide ``active``, ``requests``, ``appeals``, their state tables
``active_state``, ``requests_state``, ``appeals_state`` (blank, na and missing told apart)
and ``row_map`` (2019 template rows → 2021 ones).

Formats: ``jsonl``, ``csv`` (UTF-8 with BOM, so Excel reads the Chinese; booleans as
``true``/``false``), ``parquet`` (typed: ``ok`` and ``review`` are booleans; written in
chunks, so archives of any size stream through) and ``xlsx`` (one workbook, one sheet per
table; Excel's row limit applies, see ``export_tables``).
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

from nianbao.extraction.exports.tables import (
    CHECK_COLUMNS,
    LONG_COLUMNS,
    REPORT_COLUMNS,
    REVIEW_COLUMNS,
    ROW_MAP_COLUMNS,
    STATE_TABLES,
    TABLES,
    rows_of,
)
from nianbao.extraction.templates import TEMPLATES, get_template

FORMATS = ("jsonl", "csv", "parquet", "xlsx")
NAMES = ("reports", "cells", "checks", *TABLES, *STATE_TABLES, "row_map")
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


def _schema(table: str, review: bool = False) -> pa.Schema:
    import pyarrow as pa

    text, number, integer, flag = pa.string(), pa.float64(), pa.int64(), pa.bool_()
    if table == "cells":
        types = [text] * 4 + [number, text, text, text, number, integer, integer] + [text] * 3 + [flag, text, number]
        fields = list(zip(LONG_COLUMNS, types, strict=True))
        if review:
            kinds = [integer, integer, number, text, text, number, text, text, text, text, text, text, integer, flag]
            fields += list(zip(REVIEW_COLUMNS, kinds, strict=True))
        return pa.schema(fields)
    if table == "reports":
        kinds = [text] * 6 + [integer] + [text] * 2 + [integer] * 5 + [text] * 3
        return pa.schema(list(zip(REPORT_COLUMNS, kinds, strict=True)))
    if table == "checks":
        return pa.schema([(name, flag if name == "ok" else text) for name in CHECK_COLUMNS])
    if table == "row_map":
        return pa.schema([(name, text) for name in ROW_MAP_COLUMNS])
    state = table in STATE_TABLES
    cols, money = _canonical_cols(table.removesuffix("_state"))
    fields = [
        ("report", text),
        ("agency", text),
        ("year", integer),
        ("template", text),
        ("row", text),
        ("row_label", text),
    ]
    for col in cols:
        fields.append((col, text if state else number))
        if col in money and not state:
            fields.append((f"{col}_unit", text))
    return pa.schema(fields)


def frame(name: str, items: Iterable[Item], review: bool = False) -> pd.DataFrame:
    """One table (any of ``NAMES``) as a typed DataFrame (``review``: with the review columns)."""
    import pandas as pd
    import pyarrow as pa

    table = _arrow(name, rows_of(name, list(items)), review)
    return table.to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get)


def _arrow(name: str, rows: list[dict], review: bool = False) -> pa.Table:
    import pyarrow as pa

    schema = _schema(name, review)
    columns = {f.name: [_clean(r.get(f.name), f.type) for r in rows] for f in schema}
    return pa.Table.from_pydict(columns, schema=schema)


def _clean(value: object, kind: pa.DataType) -> object:
    """Values as the column type wants them (an extra row's text value → null number)."""
    import pyarrow as pa

    if value is None:
        return None
    if pa.types.is_boolean(kind):
        return bool(value)
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


def export_tables(items: Iterable[Item], out_dir: Path, fmt: str, review: bool = False) -> tuple[list[Path], list[str]]:
    """Write every table of ``NAMES`` in ``fmt``; return paths and notes (``review``: the
    documents are reviewed ones, the cells table gets the review columns).

    Files are written under temp names and renamed at the end. ``xlsx`` is one workbook;
    a sheet over Excel's 1,048,575 data rows is left out with a note (use parquet).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob(".tmp-*"):
        stale.unlink(missing_ok=True)  # left by a killed export
    if fmt == "xlsx":
        return _export_xlsx(items, out_dir / "nianbao.xlsx", NAMES, review)
    targets = {name: out_dir / f"{name}.{fmt}" for name in NAMES}
    writers = {
        name: _Writer(fmt, path.with_name(f".tmp-{path.name}"), _schema(name, review)) for name, path in targets.items()
    }
    try:
        writers["row_map"].write(_arrow("row_map", rows_of("row_map", [])))
        for chunk in _chunks(items, CHUNK):
            for name, writer in writers.items():
                if name != "row_map":
                    writer.write(_arrow(name, rows_of(name, chunk), review))
    finally:
        for writer in writers.values():
            writer.close()
    for name, path in targets.items():
        os.replace(writers[name].path, path)
    return list(targets.values()), []


def pa_bool(kind: pa.DataType) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_boolean(kind))


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
            data = table.to_pandas()
            for name in (f.name for f in table.schema if pa_bool(f.type)):
                data[name] = data[name].map({True: "true", False: "false"})
            data.to_csv(self.handle, header=False, index=False, lineterminator="\n", float_format="%.15g")
        else:
            for row in table.to_pylist():
                row = {k: int(v) if isinstance(v, float) and v.is_integer() else v for k, v in row.items()}
                self.handle.write(json.dumps(row, ensure_ascii=False) + "\n")

    def close(self) -> None:
        self.handle.close()


def _export_xlsx(
    items: Iterable[Item], path: Path, names: tuple[str, ...], review: bool = False
) -> tuple[list[Path], list[str]]:
    import pandas as pd

    materialised = list(items)
    notes: list[str] = []
    tmp = path.with_name(f".tmp-{path.name}")
    with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        for name in names:
            table = frame(name, materialised, review)
            if len(table) > EXCEL_MAX_ROWS:
                notes.append(
                    f"xlsx: sheet {name!r} left out: {len(table)} rows exceed Excel's limit (use --format parquet)"
                )
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
        f"failed checks: {sum(r['failed_checks'] for r in records)} "
        f"in {sum(1 for r in records if r['failed_checks'])} reports",
    ]
    for record in with_errors[:max_errors]:
        lines.append(f"  error {Path(record['input']).name}: {'; '.join(record['errors'])}")
    if len(with_errors) > max_errors:
        lines.append(f"  … and {len(with_errors) - max_errors} more (see manifest.jsonl)")
    return "\n".join(lines)
