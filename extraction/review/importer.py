"""``nianbao review import FILE``: corrections from a spreadsheet, as one reviewer's edits.

The file (CSV, UTF-8 with or without BOM, or an ``.xlsx`` workbook's first sheet) has the
columns ``source`` (the report's file name, its stem, or its sha256; or ``report``, the
export's report id, ``<stem>#v2`` naming a later version), ``table``, ``row``,
``col`` (keys such as ``requests``/``granted``/``total``, or the template's Chinese labels),
``value`` (the cell as it should read: ``12``, ``855.034万元``, ``/`` for not applicable, empty
for blank) and optionally ``note`` and ``revision``. A ``review export`` table has them all.

Every row becomes a revision in the store with the same audit trail and conflict rules as
the review app: the revision names the one it replaces, the reviewer, the time and the note
(the file and line are added to it). With a ``revision`` column (from ``review export``) a
field changed since the export is a conflict and is skipped. Without one, a field another
reviewer already reviewed is skipped too (give the ``revision`` column to correct it anyway).
A value equal to the current one is no correction: it is counted as unchanged (so a whole
exported table with a few values edited imports cleanly), or recorded as accepted with
``accept_unchanged``. An empty value on a cell that holds no number is unchanged. Nothing is
dropped silently: every row is applied, accepted, counted unchanged or skipped with a reason.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nianbao.errors import NianbaoError
from nianbao.extraction.exports.tables import labels
from nianbao.extraction.review.errors import Conflict, InvalidEdit, NotFound
from nianbao.extraction.review.store import MONEY_COLS, ReviewStore
from nianbao.extraction.review.views import FieldView
from nianbao.extraction.text.values import parse_cell

REQUIRED = ("source", "table", "row", "col", "value")


class ImportFileError(NianbaoError, ValueError):
    """The file as a whole cannot be imported (unreadable, not a table, columns missing)."""


@dataclass
class ImportResult:
    """What an import did: rows applied (edits), accepted, unchanged (same value) and skipped."""

    applied: list[tuple[int, str]] = field(default_factory=list)
    accepted: list[tuple[int, str]] = field(default_factory=list)
    unchanged: list[tuple[int, str]] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return len(self.applied) + len(self.accepted) + len(self.unchanged) + len(self.skipped)

    def summary(self, name: str) -> str:
        return (
            f"{name}: {self.rows} row(s): {len(self.applied)} correction(s) applied, "
            f"{len(self.accepted)} accepted unchanged, {len(self.unchanged)} unchanged (the value it "
            f"already has), {len(self.skipped)} skipped"
        )


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """``(line number, row)`` of a CSV or XLSX file, column names lower-cased."""
    if not path.is_file():
        raise ImportFileError(f"{path} is not a file.")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        yield from _xlsx_rows(path)
        return
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(f"{path.name} is not UTF-8 text: save the spreadsheet as CSV UTF-8.") from None
    except OSError as exc:
        raise ImportFileError(f"{path.name} cannot be read ({exc.strerror}).") from None
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    yield from _rows(path.name, header, ((n, r) for n, r in enumerate(reader, start=2)))


def _xlsx_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
    except Exception as exc:  # noqa: BLE001 - a damaged or foreign file is one sentence
        raise ImportFileError(f"{path.name} is not a readable .xlsx workbook ({type(exc).__name__}).") from None
    values = ([_text(v) for v in row] for row in sheet.iter_rows(values_only=True))
    header = next(values, None)
    yield from _rows(path.name, header, ((n, r) for n, r in enumerate(values, start=2)))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _rows(
    name: str, header: list[str] | None, rows: Iterator[tuple[int, list[str]]]
) -> Iterator[tuple[int, dict[str, str]]]:
    columns = [str(h).strip().lower() for h in header or []]
    if "source" not in columns and "report" in columns:  # an exported cells table: its report id
        columns[columns.index("report")] = "source"
        columns.append("version_1")  # there, a bare stem is the first version
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise ImportFileError(
            f"{name} has no column {', '.join(missing)}: the first row must name the columns "
            f"{', '.join(REQUIRED)} (note and revision optional)."
        )
    for line, values in rows:
        if not any(str(v).strip() for v in values):
            continue  # an empty line is no row
        row = {c: str(values[i]).strip() if i < len(values) else "" for i, c in enumerate(columns)}
        yield line, row | ({"version_1": "yes"} if "version_1" in columns else {})


class _Reports:
    """The loaded reports by name, stem and sha256 (the newest version of each)."""

    def __init__(self, store: ReviewStore) -> None:
        self.store = store
        self.templates: dict[int, str | None] = {}
        self.by_sha: dict[str, int] = {}
        self.by_name: dict[str, set[str]] = {}
        self.versions: dict[str, int] = {}  # the export's "<stem>#v2" → that version's report
        counts: dict[str, int] = {}
        for report_id in store.report_ids():
            report = store.report(report_id)
            self.templates[report_id] = report.template
            self.by_sha[report.sha256] = report_id  # ids grow: the newest version wins
            counts[report.sha256] = counts.get(report.sha256, 0) + 1
            stem = Path(report.name).stem
            self.versions[stem if counts[report.sha256] == 1 else f"{stem}#v{counts[report.sha256]}"] = report_id
            for key in {report.name, Path(report.name).name, Path(report.name).stem}:
                self.by_name.setdefault(key, set()).add(report.sha256)
        self._fields: dict[int, dict[tuple[str, str, str], FieldView]] = {}

    def find(self, source: str, exact: bool = False) -> int:
        """The report ``source`` names: its newest version, or (``exact``, an export's report
        id) the version it names: a bare stem the first, ``<stem>#v2`` the second."""
        if (exact or "#v" in source) and source in self.versions:
            return self.versions[source]
        shas = self.by_name.get(source) or {s for s in self.by_sha if len(source) >= 8 and s.startswith(source.lower())}
        if not shas:
            raise LookupError(f"no loaded report is named {source!r} or has that sha256")
        if len(shas) > 1:
            raise LookupError(f"{source!r} names {len(shas)} different reports; give the sha256 instead")
        return self.by_sha[next(iter(shas))]

    def fields(self, report_id: int) -> dict[tuple[str, str, str], FieldView]:
        if report_id not in self._fields:
            self._fields[report_id] = {f.key: f for f in self.store.fields(report_id)}
        return self._fields[report_id]


def _field(fields: dict[tuple[str, str, str], FieldView], template: str | None, row: dict[str, str]) -> FieldView:
    key = (row["table"], row["row"], row["col"])
    if key in fields:
        return fields[key]
    for (table, row_key, col), found in fields.items():
        row_label, col_label = labels(template, table, row_key, col)
        if table == row["table"] and row["row"] in (row_key, row_label) and row["col"] in (col, col_label):
            return found
    raise LookupError(
        f"the report has no cell {'.'.join(key)} (table, row and col are keys such as "
        "requests, granted, total, or the template's labels)"
    )


def import_corrections(store: ReviewStore, path: Path, reviewer: str, accept_unchanged: bool = False) -> ImportResult:
    """Apply every row of ``path`` as ``reviewer``'s edit; see the module docstring."""
    who = next((r for r in (store.reviewer(i) for i in _reviewer_ids(store, reviewer)) if r), None)
    if who is None:
        raise ImportFileError(
            f"There is no reviewer named {reviewer!r} who may edit: add one with "
            "`nianbao review add-reviewer NAME` (a revoked reviewer cannot import)."
        )
    reports, result = _Reports(store), ImportResult()
    for line, row in read_rows(path):
        try:
            outcome, detail = _apply_row(
                store, reports, who.id, who.name, row, f"[import {path.name} line {line}]", accept_unchanged
            )
        except (LookupError, InvalidEdit, ValueError) as exc:
            result.skipped.append((line, str(exc.args[0]) if exc.args else str(exc)))
            continue
        getattr(result, outcome).append((line, detail))
    return result


def _reviewer_ids(store: ReviewStore, name: str) -> list[int]:
    from sqlalchemy import select

    from nianbao.extraction.review.models import Reviewer

    with store._session() as session:
        ids = list(session.scalars(select(Reviewer.id).where(Reviewer.name == name.strip())))
    return [i for i in ids if not store.revoked(i)]


def _apply_row(
    store: ReviewStore,
    reports: _Reports,
    reviewer_id: int,
    reviewer: str,
    row: dict[str, str],
    audit: str,
    accept_unchanged: bool,
) -> tuple[str, str]:
    report_id = reports.find(row["source"], exact=bool(row.get("version_1")))
    template = reports.templates.get(report_id)
    found = _field(reports.fields(report_id), template, row)
    key, head, text = ".".join(found.key), found.head, row["value"]
    seen = _seen_revision(row.get("revision", ""), found, reviewer)
    parsed = parse_cell(text, money=found.col in MONEY_COLS, default_unit=head.unit)
    if parsed.state == "text":
        raise InvalidEdit(f"{text!r} for {key} is not a number, a blank or a not-applicable mark (/, —, 无)")
    same = (parsed.value == head.value and parsed.state == head.state and parsed.unit == head.unit) or (
        text == "" and head.value is None
    )
    if same and not accept_unchanged:
        return "unchanged", f"{key} already reads {head.raw or head.state!r}"
    note = f"{row.get('note', '')} {audit}".strip()
    action = "accept" if same else "edit"
    try:
        revision = store.apply(found.id, seen, reviewer_id, action, raw=text, note=note)
    except Conflict as exc:
        current = exc.current
        raise ValueError(
            f"{key} changed since revision {exc.seen}: it is now revision {current.id} "
            f"({current.status} by {current.reviewer or 'the extractor'}, {current.raw or current.state!r})"
        ) from None
    except NotFound as exc:
        raise LookupError(str(exc)) from None
    reports.fields(report_id)[found.key] = store.field(found.id)
    return ("accepted" if same else "applied"), f"{key} = {revision.raw or revision.state!r} (revision {revision.id})"


def _seen_revision(given: str, found: FieldView, reviewer: str) -> int:
    """The revision the row was written against: its ``revision`` column, else the head
    when nobody else has reviewed the field yet."""
    head = found.head
    if given:
        try:
            return int(float(given))
        except ValueError:
            raise ValueError(f"revision {given!r} is not a revision number") from None
    if head.reviewer is not None and head.reviewer != reviewer:
        raise ValueError(
            f"{'.'.join(found.key)} was already reviewed by {head.reviewer} (revision {head.id}, "
            f"{head.status}); give the revision column (from review export) to correct it anyway"
        )
    return head.id
