"""Reviewed reports as training records in the annotation format (``nianbao/annotations.py``).

A record holds the source text, a VALUE span at the offsets of every cell whose printed text
is known and a SECTION span per heading of the contract, the gold cells (the newest revision
of each field) and ``meta`` saying who reviewed it and which model's output was reviewed.
A field a reviewer marked wrong without giving the right value has no known gold: it is left
out of ``cells`` and listed in ``meta["unresolved"]``.

Corrections are constraints: the report is decoded again with its corrected cells fixed
(``extract_text(fixed=...)``), which grounds each corrected value at the span where it is
printed and re-places the unreviewed rest of its row or table consistently (correcting one
cell of an ambiguous split fixes the whole row). Every VALUE span carries its column
``slot``, the label the tagger learns. A corrected value printed nowhere the decoder can
place it keeps ``start``/``end`` null.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nianbao.annotations import validate, write_jsonl
from nianbao.extraction.checks.table import CheckResult, run_checks
from nianbao.extraction.document.cells import Cell, CellKey
from nianbao.extraction.placement.arithmetic import APPEAL_ROWS
from nianbao.extraction.review.store import FieldView, ReviewStore
from nianbao.extraction.templates import slot_of

EXPORT_FORMAT = "nianbao-review/1"


def gold_cell(field: FieldView) -> dict[str, Any]:
    """The contract cell a field's newest revision stands for (with its review status)."""
    head = field.head
    cell = field.cell()
    if head.reviewer is not None:
        cell["review"] = {"status": head.status, "reviewer": head.reviewer, "revision": head.id}
    return cell


def failed_checks(cells: list[dict[str, Any]]) -> list[str]:
    """The rules that fail on these cells (the same checks the extractor runs)."""
    return [check.rule for check in cell_checks(cells) if check.ok is False]


def cell_checks(cells: list[dict[str, Any]]) -> list[CheckResult]:
    """The template's arithmetic run again on these contract cells (the extractor's rules)."""
    objects = {
        (c["table"], c["row"], c["col"]): Cell(
            c["table"], c["row"], c["col"], c["value"], c["raw"], c["unit"], c["state"]
        )
        for c in cells
    }
    request_rows = list(dict.fromkeys(c["row"] for c in cells if c["table"] == "requests"))
    appeal_rows = [row for row in APPEAL_ROWS if any(c["table"] == "appeals" and c["row"] == row for c in cells)]
    return run_checks(objects.get, request_rows, appeal_rows)


def redecoded(text: str, name: str, fields: list[FieldView]) -> dict[CellKey, dict[str, Any]]:
    """The report decoded again with its corrected cells fixed: cells by key ({} if none)."""
    fixed = {(f.table, f.row, f.col): f.head.raw or "" for f in fields if f.head.status == "corrected"}
    if not fixed:
        return {}
    from nianbao.extraction.pipeline import extract_text

    doc = extract_text(text, name, fixed=fixed)
    return {(c["table"], c["row"], c["col"]): c for c in doc["cells"]}


def grounded_cells(text: str, name: str, fields: list[FieldView]) -> list[dict[str, Any]]:
    """Gold cells with the offsets the constrained decoding gives them.

    A corrected cell takes the span where the decoder placed its value; an unreviewed cell of
    a report with corrections takes the re-placed reading; accepted cells stay as reviewed.
    """
    decoded = redecoded(text, name, fields)
    cells = []
    for field in fields:
        if field.head.status == "wrong":
            continue
        cell = gold_cell(field)
        again = decoded.get((field.table, field.row, field.col))
        if again is not None and field.head.status == "corrected" and again["raw"] == cell["raw"]:
            cell["start"], cell["end"] = again["start"], again["end"]
        elif again is not None and field.head.reviewer is None:
            cell.update({k: again[k] for k in ("value", "raw", "unit", "state", "start", "end")})
        cells.append(cell)
    return cells


def value_spans(text: str, cells: list[dict[str, Any]], template: str) -> list[dict[str, Any]]:
    """A VALUE span with its column slot at every grounded cell."""
    spans = []
    for c in cells:
        if c["start"] is None or c["end"] <= c["start"]:
            continue
        span = {"start": c["start"], "end": c["end"], "label": "VALUE", "text": text[c["start"] : c["end"]]}
        slot = slot_of(template, c["table"], c["row"], c["col"])
        if slot is not None:
            span["slot"] = slot
        spans.append(span)
    return spans


def report_record(store: ReviewStore, report_id: int) -> dict[str, Any] | None:
    """The training record of one report, or None when its source text is unknown."""
    report = store.report(report_id)
    if report.source_text is None:
        return None
    text, fields = report.source_text, store.fields(report_id)
    unresolved = [f for f in fields if f.head.status == "wrong"]
    cells = grounded_cells(text, report.name, fields)
    template = str(report.contract.get("report", {}).get("template", ""))
    spans = value_spans(text, cells, template)
    taken = {(s["start"], s["end"]) for s in spans}
    spans += [
        {"start": s["start"], "end": s["end"], "label": "SECTION", "text": text[s["start"] : s["end"]]}
        for s in report.contract.get("sections", [])
        if s.get("start") is not None and s["end"] > s["start"] and (s["start"], s["end"]) not in taken
    ]
    spans.sort(key=lambda s: (s["start"], s["end"]))
    reviewed = [f for f in fields if f.head.reviewer is not None]
    statuses = [f.head.status for f in fields]
    record = {
        "text": text,
        "spans": spans,
        "cells": cells,
        "sections": report.contract.get("sections", []),
        "report": report.contract.get("report", {}),
        "failed_checks": failed_checks(cells),
        "meta": {
            "generator": EXPORT_FORMAT,
            "source": report.name,
            "sha256": report.sha256,
            "model_version": report.model_version,
            "reviewers": sorted({f.head.reviewer for f in reviewed if f.head.reviewer}),
            "reviewed_at": max((f.head.created_at for f in reviewed), default=None),
            "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "accepted": statuses.count("accepted"),
            "corrected": statuses.count("corrected"),
            "unreviewed": statuses.count("pending"),
            "unresolved": [{"table": f.table, "row": f.row, "col": f.col} for f in unresolved],
            "spans": "VALUE and SECTION only (other labels not annotated)",
        },
    }
    if record["meta"]["reviewed_at"] is not None:
        record["meta"]["reviewed_at"] = record["meta"]["reviewed_at"].isoformat(timespec="seconds")
    return validate(record)


def records(store: ReviewStore, everything: bool = False) -> Iterator[dict[str, Any]]:
    """Training records of the reports a reviewer touched (every report if ``everything``)."""
    for report_id in store.report_ids():
        if not everything and not any(f.head.reviewer for f in store.fields(report_id)):
            continue
        record = report_record(store, report_id)
        if record is not None:
            yield record


def export_jsonl(store: ReviewStore, path: Path, everything: bool = False) -> tuple[int, list[str]]:
    """Write the records to ``path``; return how many and the names skipped for lack of text."""
    skipped = [store.report(rid).name for rid in store.report_ids() if store.report(rid).source_text is None]
    out = list(records(store, everything))
    write_jsonl(out, path)
    return len(out), skipped
