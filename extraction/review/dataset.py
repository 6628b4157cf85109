"""The review database as a dataset: every field of every loaded report, reviewed or not.

:func:`reviewed_items` turns each loaded report (each version of it) into a contract
document whose cells hold the field's current value (the reviewer's where there is one)
beside the review columns of :data:`nianbao.extraction.exports.tables.REVIEW_COLUMNS`:
``extracted_value``/``_raw``/``_state`` (what the extractor said), ``reviewed_value``/``_raw``/
``_state`` (what the newest reviewer's revision says; null when nobody reviewed the field),
``status`` (pending, accepted, corrected, wrong), ``reviewer``, ``reviewed_at`` (UTC),
``note``, ``revision`` (the newest revision's id: give it back to ``review import`` to
correct the field), ``report_id``, ``version`` (1 for the first extraction of a source file,
2 for the next …) and ``disagrees`` (this version's extraction differs from a value a
reviewer gave an earlier version). Its ``review`` list holds the fields still open (pending
or marked wrong among those the extractor sent to review, plus disagreements); its
arithmetic checks are run again on the current values.

``nianbao review export --format csv|parquet|xlsx|jsonl`` writes these documents through
the same tables as ``nianbao extract --format`` (:mod:`nianbao.extraction.exports.tables`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nianbao.extraction.review.models import Field, Revision
from nianbao.extraction.review.store import ReviewStore
from nianbao.extraction.review.training_data import cell_checks
from nianbao.extraction.review.views import FieldView, RevisionView, revision_view

Item = tuple[str, dict[str, Any]]
OPEN_STATUSES = ("pending", "wrong")  # a field still to decide


def versions(store: ReviewStore) -> dict[int, int]:
    """Report id → its version among the reports of the same source file (1, 2, …)."""
    seen: dict[str, int] = {}
    out: dict[int, int] = {}
    for report_id in store.report_ids():
        sha = store.report(report_id).sha256
        seen[sha] = seen.get(sha, 0) + 1
        out[report_id] = seen[sha]
    return out


def extracted_revisions(store: ReviewStore, report_id: int) -> dict[int, RevisionView]:
    """Field id → the revision the extractor wrote (the first of each field)."""
    query = (
        select(Revision)
        .join(Field, Field.id == Revision.field_id)
        .where(Field.report_id == report_id, Revision.action == "extracted")
    )
    with Session(store.engine) as session:
        return {rev.field_id: revision_view(rev, None) for rev in session.scalars(query)}


def reviewed_cell(field: FieldView, extracted: RevisionView | None) -> dict[str, Any]:
    """One field as a contract cell with the review columns."""
    head = field.head
    first = extracted or head
    reviewed = head.reviewer is not None
    cell: dict[str, Any] = {
        **field.cell(),
        "confidence": field.confidence,
        "extracted_value": first.value,
        "extracted_raw": first.raw,
        "extracted_state": first.state,
        "reviewed_value": head.value if reviewed else None,
        "reviewed_raw": head.raw if reviewed else None,
        "reviewed_state": head.state if reviewed else None,
        "status": head.status,
        "reviewer": head.reviewer,
        "reviewed_at": head.created_at.isoformat(timespec="seconds") if reviewed else None,
        "note": head.note,
        "revision": head.id,
        "disagrees": "disagrees_with_review" in field.reasons,
    }
    return cell


def arithmetic(cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The template's arithmetic run again on these cells (the extractor's rules)."""
    return [check.as_json() for check in cell_checks(cells)]


def reviewed_document(store: ReviewStore, report_id: int, version: int = 1) -> dict[str, Any]:
    """A loaded report as a contract document of its current (reviewed) values."""
    report = store.report(report_id)
    fields = store.fields(report_id)
    first = extracted_revisions(store, report_id)
    cells = []
    for f in fields:
        cell = reviewed_cell(f, first.get(f.id))
        cell.update(report_id=report_id, version=version)
        cells.append(cell)
    review = [
        {"table": f.table, "row": f.row, "col": f.col, "reasons": list(f.reasons)}
        for f in fields
        if f.in_review and f.head.status in OPEN_STATUSES
    ]
    contract = report.contract
    narrative = [c for c in contract.get("checks", []) if str(c.get("rule", "")).startswith("narrative.")]
    return {
        **contract,
        "cells": cells,
        "review": review,
        "checks": arithmetic(cells) + narrative,
        "source": {k: v for k, v in contract.get("source", {}).items() if k != "rendered_text"},
    }


def reviewed_items(store: ReviewStore) -> Iterator[Item]:
    """``(report id, document)`` of every loaded report: the file stem, ``#v2`` … for later versions."""
    for report_id, version in versions(store).items():
        doc = reviewed_document(store, report_id, version)
        stem = Path(str(doc.get("source", {}).get("name") or f"report-{report_id}")).stem
        yield (stem if version == 1 else f"{stem}#v{version}"), doc
