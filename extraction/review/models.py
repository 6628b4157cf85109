"""The review store's tables (SQLAlchemy 2.x): reports, fields, revisions, reviewers.

Nothing is updated in place. A field's current value is its newest revision; each revision
names the revision it replaces (``parent_id``), and ``parent_id`` is unique, so two reviewers
who saw the same revision cannot both append to it: the database refuses the second insert.
The ORM refuses to flush an UPDATE or DELETE of any of these rows, and on SQLite triggers
refuse them at the database level too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

ACTIONS = ("extracted", "accept", "edit", "mark", "choose")
STATUSES = ("pending", "accepted", "corrected", "wrong")


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def aware(moment: datetime) -> datetime:
    """A stored time as timezone-aware UTC (SQLite hands back naive datetimes, stored in UTC)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """Declarative base of the review store."""


class Reviewer(Base):
    """A person who may change fields: a name and a salted scrypt hash of a token or password."""

    __tablename__ = "reviewers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # "token" or "password"
    salt: Mapped[str] = mapped_column(String(64))
    secret_hash: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Report(Base):
    """One loaded contract document (the source text, when known, is a :class:`SourceText`)."""

    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("sha256", "model_version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    agency: Mapped[str | None] = mapped_column(String(500), nullable=True)
    year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    template: Mapped[str | None] = mapped_column(String(16), nullable=True)
    model_version: Mapped[str] = mapped_column(String(200))
    contract: Mapped[dict[str, Any]] = mapped_column(JSON)
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SourceText(Base):
    """The text a report's offsets refer to; added at load time or by a later load, once."""

    __tablename__ = "source_texts"
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), primary_key=True)
    text: Mapped[str] = mapped_column(Text)


class Field(Base):
    """One canonical cell of a report as extracted: its key, confidence and review reasons."""

    __tablename__ = "fields"
    __table_args__ = (UniqueConstraint("report_id", "table_name", "row", "col"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # order in the contract's cells
    table_name: Mapped[str] = mapped_column(String(32))
    row: Mapped[str] = mapped_column(String(200))
    col: Mapped[str] = mapped_column(String(64))
    confidence: Mapped[float] = mapped_column(Float, index=True)
    in_review: Mapped[bool] = mapped_column(default=False)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    rules: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class Revision(Base):
    """One state of a field: the extracted one, or a reviewer's accept, edit or mark."""

    __tablename__ = "revisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    field_id: Mapped[int] = mapped_column(ForeignKey("fields.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("revisions.id"), unique=True, nullable=True)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("reviewers.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    action: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    model_version: Mapped[str] = mapped_column(String(200))
    old_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    old_raw: Mapped[str | None] = mapped_column(Text, nullable=True)
    old_state: Mapped[str | None] = mapped_column(String(16), nullable=True)
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    raw: Mapped[str] = mapped_column(Text, default="")
    unit: Mapped[str | None] = mapped_column(String(16), nullable=True)
    state: Mapped[str] = mapped_column(String(16))
    start: Mapped[int | None] = mapped_column(Integer, nullable=True)
    end: Mapped[int | None] = mapped_column(Integer, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")


class Decision(Base):
    """A row the extractor read in several ways (the document's ``alternatives``): the readings,
    the one it chose, and its first field. A reviewer's choice is a ``choose`` revision on each
    cell of the row, so the audit trail is the fields' own."""

    __tablename__ = "decisions"
    __table_args__ = (UniqueConstraint("report_id", "table_name", "row"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    table_name: Mapped[str] = mapped_column(String(32))
    row: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # "placement" or "split"
    chosen: Mapped[int] = mapped_column(Integer)
    readings: Mapped[list[dict[str, Any]]] = mapped_column(JSON)


class ReportEdit(Base):
    """A reviewer's change of a report's details (agency, year, template or headings).

    One chain per report: each edit names the one it follows (``parent_id``, unique; the first
    names none and ``report_id`` is then unique among first edits), so stale edits conflict."""

    __tablename__ = "report_edits"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("report_edits.id"), unique=True, nullable=True)
    first_of: Mapped[int | None] = mapped_column(Integer, unique=True, nullable=True)  # report id on a first edit
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("reviewers.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    key: Mapped[str] = mapped_column(String(32))
    old: Mapped[Any] = mapped_column(JSON, nullable=True)
    new: Mapped[Any] = mapped_column(JSON, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")


class Revocation(Base):
    """An ended credential: one session (``session`` = its cookie's SHA-256, at logout) or,
    with ``session`` NULL, everything of the reviewer (``nianbao review revoke NAME``)."""

    __tablename__ = "revocations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("reviewers.id"), index=True)
    session: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Secret(Base):
    """Process-independent secrets (the session signing key), written once."""

    __tablename__ = "secrets"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(256))


APPEND_ONLY = (Reviewer, Report, SourceText, Field, Revision, Revocation, Secret, Decision, ReportEdit)


class ReviewSession(Session):
    """The store's session class: flushes refuse UPDATE and DELETE of review rows."""


@event.listens_for(ReviewSession, "before_flush")
def _refuse_changes(session: Session, _context: object, _instances: object) -> None:
    """Refuse to flush an UPDATE or DELETE of a review row (the store is append-only)."""
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, APPEND_ONLY) and (obj in session.deleted or session.is_modified(obj)):
            raise PermissionError(f"{type(obj).__name__} rows are append-only")


def sqlite_triggers(connection: Any) -> None:
    """On SQLite, make UPDATE and DELETE of review rows fail in the database itself."""
    for table in (
        "reviewers",
        "reports",
        "source_texts",
        "fields",
        "revisions",
        "revocations",
        "secrets",
        "decisions",
        "report_edits",
    ):
        for verb in ("UPDATE", "DELETE"):
            connection.execute(
                text(
                    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )
            )
