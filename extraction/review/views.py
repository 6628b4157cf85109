"""Immutable views of the review store's rows, handed to the app, the pages and the export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from nianbao.extraction.review.models import Field, Revision, aware


@dataclass(frozen=True)
class ReviewerView:
    """A reviewer: id and name (never the secret)."""

    id: int
    name: str


@dataclass(frozen=True)
class RevisionView:
    """One revision of a field: who, when, the action, the old and the new value."""

    id: int
    field_id: int
    parent_id: int | None
    reviewer: str | None
    created_at: datetime
    action: str
    status: str
    model_version: str
    old_value: Any
    old_raw: str | None
    old_state: str | None
    value: Any
    raw: str
    unit: str | None
    state: str
    start: int | None
    end: int | None
    note: str

    def cell_values(self) -> dict[str, Any]:
        """The contract cell's value fields this revision holds."""
        return {
            "value": self.value,
            "raw": self.raw,
            "unit": self.unit,
            "state": self.state,
            "start": self.start,
            "end": self.end,
        }


@dataclass(frozen=True)
class FieldView:
    """A field (one canonical cell of a report) with its newest revision."""

    id: int
    report_id: int
    position: int
    table: str
    row: str
    col: str
    confidence: float
    in_review: bool
    reasons: list[str]
    rules: list[dict[str, Any]]
    head: RevisionView

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.table, self.row, self.col)

    def cell(self) -> dict[str, Any]:
        """The contract cell its newest revision stands for."""
        return {"table": self.table, "row": self.row, "col": self.col, **self.head.cell_values()}


@dataclass(frozen=True)
class ReportView:
    """A loaded report: its contract document and source text (None when unknown)."""

    id: int
    name: str
    sha256: str
    agency: str | None
    year: int | None
    template: str | None
    model_version: str
    contract: dict[str, Any]
    source_text: str | None


def revision_view(rev: Revision, reviewer: str | None) -> RevisionView:
    """The immutable view of a revision row."""
    return RevisionView(
        rev.id,
        rev.field_id,
        rev.parent_id,
        reviewer,
        aware(rev.created_at),
        rev.action,
        rev.status,
        rev.model_version,
        rev.old_value,
        rev.old_raw,
        rev.old_state,
        rev.value,
        rev.raw,
        rev.unit,
        rev.state,
        rev.start,
        rev.end,
        rev.note,
    )


def field_view(field: Field, head: RevisionView) -> FieldView:
    """The immutable view of a field row with its newest revision."""
    return FieldView(
        field.id,
        field.report_id,
        field.position,
        field.table_name,
        field.row,
        field.col,
        field.confidence,
        field.in_review,
        list(field.reasons),
        list(field.rules),
        head,
    )
