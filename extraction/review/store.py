"""The review store: loaded reports, their fields, append-only revisions and reviewers.

Any SQLAlchemy URL works; a bare path means a SQLite file. Every change a reviewer makes is
a new revision that names the revision the reviewer saw; if that is no longer the newest one
the change is refused with :class:`Conflict` (the app answers 409), never written over.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

import nianbao
from nianbao.extraction.review import queries, versions
from nianbao.extraction.review.accounts import ReviewerAccounts
from nianbao.extraction.review.errors import Conflict, InvalidEdit, NotFound
from nianbao.extraction.review.models import (
    Base,
    Field,
    Report,
    Reviewer,
    ReviewSession,
    Revision,
    Secret,
    SourceText,
    sqlite_triggers,
)
from nianbao.extraction.review.queries import QueueFilter
from nianbao.extraction.review.store_review import ReviewActions
from nianbao.extraction.review.views import (
    FieldView,
    ReportView,
    RevisionView,
    field_view,
    revision_view,
)
from nianbao.extraction.templates import TEMPLATES, get_template
from nianbao.extraction.text.values import parse_cell

STATUS_OF_ACTION = {"accept": "accepted", "edit": "corrected", "mark": "wrong"}
MONEY_COLS = frozenset().union(*(get_template(name).active.money_cols for name in TEMPLATES))


def database_url(url: str) -> str:
    """A SQLAlchemy URL; a bare file path becomes a SQLite URL."""
    return url if "://" in url else f"sqlite:///{url}"


def model_version_of(doc: dict[str, Any]) -> str:
    """The model version a contract document names, or the package version that made it."""
    model = doc.get("model")
    if isinstance(model, dict) and (model.get("version") or model.get("name")):
        return str(model.get("version") or model.get("name"))
    if isinstance(model, str) and model:
        return model
    return str(doc.get("source", {}).get("model_version") or f"nianbao-{nianbao.__version__}")


def _failed_rules(doc: dict[str, Any]) -> dict[tuple[str, str, str], list[dict[str, Any]]]:
    out: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for check in doc.get("checks", []):
        if check.get("ok") is False:
            for cell in check.get("cells", []):
                key = (cell["table"], cell["row"], cell["col"])
                out.setdefault(key, []).append({"rule": check["rule"], "detail": check.get("detail", "")})
    for entry in doc.get("review", []):
        key = (entry.get("table"), entry.get("row"), entry.get("col"))
        known = {r["rule"] for r in out.get(key, [])}
        out.setdefault(key, []).extend({"rule": r, "detail": ""} for r in entry.get("rules", []) if r not in known)
    return out


def check_text(doc: dict[str, Any], text: str) -> None:
    """Raise ValueError unless every cell's ``raw`` is at its offsets in ``text``."""
    for cell in doc.get("cells", []):
        start, end = cell.get("start"), cell.get("end")
        if start is not None and text[start:end] != cell.get("raw", ""):
            raise ValueError(f"source text does not match the contract at {start}:{end} ({cell['raw']!r})")


class ReviewStore(ReviewActions, ReviewerAccounts):
    """The review database. ``url``: any SQLAlchemy URL, or a path to a SQLite file."""

    def __init__(self, url: str) -> None:
        self.url = database_url(url)
        self.engine: Engine = create_engine(self.url)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        Base.metadata.create_all(self.engine)
        if self.engine.dialect.name == "sqlite":
            with self.engine.begin() as connection:
                sqlite_triggers(connection)
        self._session = sessionmaker(self.engine, class_=ReviewSession, expire_on_commit=False)
        self.session_key = self._secret("session_key")

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def _secret(self, name: str) -> str:
        with self._session() as session:
            row = session.get(Secret, name)
            if row is None:
                try:
                    session.add(Secret(name=name, value=secrets.token_hex(32)))
                    session.commit()
                except IntegrityError:  # another process wrote it first
                    session.rollback()
                row = session.get(Secret, name)
            assert row is not None
            return row.value

    def load_report(self, doc: dict[str, Any], source_text: str | None = None) -> tuple[int, bool]:
        """Store a contract document and its fields; return (report id, newly loaded).

        Loading a report again adds its source text if the first load had none; a newer
        extraction of a loaded source (other cells) is a new version (``review/versions.py``).
        """
        source = doc.get("source", {})
        text = source_text if source_text is not None else source.get("rendered_text")
        if text is not None:
            check_text(doc, text)
        version = model_version_of(doc)
        report_meta = doc.get("report", {})
        with self._session() as session:
            existing = versions.same_extraction(session, doc, source.get("sha256", ""))
            if existing is not None:
                if text is not None and session.get(SourceText, existing.id) is None:
                    session.add(SourceText(report_id=existing.id, text=text))
                    session.commit()
                return existing.id, False
            version = versions.free_version(session, source.get("sha256", ""), version, doc)  # a newer extraction
            prior = versions.prior_reviews(session, source.get("sha256", ""))
            report = Report(
                name=source.get("name", "?"),
                sha256=source.get("sha256", ""),
                agency=report_meta.get("agency"),
                year=report_meta.get("year"),
                template=report_meta.get("template"),
                model_version=version,
                contract=doc,
            )
            session.add(report)
            session.flush()
            if text is not None:
                session.add(SourceText(report_id=report.id, text=text))
            review = {(e["table"], e["row"], e["col"]): e for e in doc.get("review", []) if "col" in e}
            rules = _failed_rules(doc)
            cells = doc.get("cells", [])
            versions.flag_disagreements(cells, prior, review, rules)
            fields = []
            for position, cell in enumerate(cells):
                key = (cell["table"], cell["row"], cell["col"])
                entry = review.get(key)
                fields.append(
                    Field(
                        report_id=report.id,
                        position=position,
                        table_name=key[0],
                        row=key[1],
                        col=key[2],
                        confidence=float(cell.get("confidence") if cell.get("confidence") is not None else 0.0),
                        in_review=entry is not None,
                        reasons=list(entry["reasons"]) if entry else [],
                        rules=rules.get(key, []),
                    )
                )
            session.add_all(fields)
            self._add_decisions(session, report.id, doc)
            session.flush()
            session.add_all(
                Revision(
                    field_id=field.id,
                    action="extracted",
                    status="pending",
                    model_version=version,
                    value=cell.get("value"),
                    raw=cell.get("raw") or "",
                    unit=cell.get("unit"),
                    state=cell.get("state", "missing"),
                    start=cell.get("start"),
                    end=cell.get("end"),
                )
                for field, cell in zip(fields, cells, strict=True)
            )
            versions.carry_over(session, fields, prior, version)
            session.commit()
            return report.id, True

    def report_ids(self) -> list[int]:
        with self._session() as session:
            return list(session.scalars(select(Report.id).order_by(Report.id)))

    def report(self, report_id: int) -> ReportView:
        with self._session() as session:
            row = session.get(Report, report_id)
            if row is None:
                raise NotFound(f"report {report_id}")
            text = session.get(SourceText, report_id)
            details, contract = self._overlaid(session, row)  # reviewers' edits of agency, year, ...
            return ReportView(
                row.id,
                row.name,
                row.sha256,
                details["agency"],
                details["year"],
                details["template"],
                row.model_version,
                contract,
                text.text if text else None,
            )

    # fields and revisions

    def _heads(
        self, where: Any = None, order: Any = None, limit: int | None = None, offset: int = 0
    ) -> list[FieldView]:
        """Fields with their newest revision; ``where``: conditions on Field only (they narrow the
        search for the newest revisions too, so one report or a page costs what it holds)."""
        head_ids = select(Revision.field_id, func.max(Revision.id).label("head_id"))
        if where is not None:
            head_ids = head_ids.join(Field, Field.id == Revision.field_id).where(*where)
        head_ids = head_ids.group_by(Revision.field_id).subquery()
        query = (
            select(Field, Revision, Reviewer.name)
            .join(head_ids, head_ids.c.field_id == Field.id)
            .join(Revision, Revision.id == head_ids.c.head_id)
            .outerjoin(Reviewer, Reviewer.id == Revision.reviewer_id)
            .join(Report, Report.id == Field.report_id)
        )
        if where is not None:
            query = query.where(*where)
        query = query.order_by(*(order or (Field.report_id, Field.position))).offset(offset)
        if limit is not None:
            query = query.limit(limit)
        with self._session() as session:
            return [field_view(f, revision_view(r, name)) for f, r, name in session.execute(query)]

    def fields(self, report_id: int) -> list[FieldView]:
        """Every field of a report with its newest revision, in contract order."""
        return self._heads(where=(Field.report_id == report_id,))

    def field(self, field_id: int) -> FieldView:
        found = self._heads(where=(Field.id == field_id,))
        if not found:
            raise NotFound(f"field {field_id}")
        return found[0]

    def queue(
        self,
        everything: bool = False,
        report_id: int | None = None,
        limit: int | None = 200,
        offset: int = 0,
        filters: QueueFilter | None = None,
    ) -> list[FieldView]:
        """Open items (pending or marked wrong), lowest confidence first: one field per item,
        the first open field of a whole-row decision standing for the row.

        Only the contract's review list unless ``everything``; ``filters`` overrides both.
        """
        filters = filters or QueueFilter(everything=everything, report_id=report_id)
        with self._session() as session:
            ids = list(session.scalars(queries.page_query(filters, limit, offset)))
        by_id = {f.id: f for f in self._heads(where=(Field.id.in_(ids),))} if ids else {}
        return [by_id[i] for i in ids]

    def queue_count(self, filters: QueueFilter | None = None) -> tuple[int, int, int]:
        """(open fields, queue items, whole-row decisions among the items) under ``filters``."""
        with self._session() as session:
            fields, items, decisions = session.execute(queries.count_query(filters or QueueFilter())).one()
        return int(fields), int(items), int(decisions)

    def history(self, field_id: int) -> list[RevisionView]:
        """Every revision of a field, oldest first."""
        query = (
            select(Revision, Reviewer.name)
            .outerjoin(Reviewer, Reviewer.id == Revision.reviewer_id)
            .where(Revision.field_id == field_id)
            .order_by(Revision.id)
        )
        with self._session() as session:
            return [revision_view(r, name) for r, name in session.execute(query)]

    def apply(
        self,
        field_id: int,
        seen_revision: int,
        reviewer_id: int,
        action: str,
        raw: str | None = None,
        state: str | None = None,
        note: str = "",
    ) -> RevisionView:
        """Append an accept, edit or mark revision on top of the one the reviewer saw."""
        return self.apply_many([(field_id, seen_revision)], reviewer_id, action, raw, state, note)[0]

    def apply_many(
        self,
        items: list[tuple[int, int]],
        reviewer_id: int,
        action: str,
        raw: str | None = None,
        state: str | None = None,
        note: str = "",
    ) -> list[RevisionView]:
        """Apply one action to several fields, all or nothing (a stale one raises Conflict)."""
        if action not in STATUS_OF_ACTION:
            raise InvalidEdit(f"unknown action {action!r}")
        heads = {f.id: f for f in self._heads(where=(Field.id.in_([fid for fid, _ in items]),))}
        if self.reviewer(reviewer_id) is None:
            raise NotFound(f"reviewer {reviewer_id}")
        new: list[Revision] = []
        for field_id, seen in items:
            field = heads.get(field_id)
            if field is None:
                raise NotFound(f"field {field_id}")
            if field.head.id != seen:
                raise Conflict(field_id, seen, field.head)
            new.append(self._next_revision(field, reviewer_id, action, raw, state, note))
        return self._commit_revisions(new, items, reviewer_id)

    def _next_revision(
        self, field: FieldView, reviewer_id: int, action: str, raw: str | None, state: str | None, note: str
    ) -> Revision:
        head = field.head
        cell = head.cell_values()
        if action == "edit":
            cell = self._edited(field, raw if raw is not None else "", state)
        return Revision(
            field_id=field.id,
            parent_id=head.id,
            reviewer_id=reviewer_id,
            action=action,
            status=STATUS_OF_ACTION[action],
            model_version=head.model_version,
            old_value=head.value,
            old_raw=head.raw,
            old_state=head.state,
            note=note.strip(),
            **cell,
        )

    def _edited(self, field: FieldView, raw: str, state: str | None) -> dict[str, Any]:
        head, raw = field.head, raw.strip()
        if state == "missing":
            return {"value": None, "raw": "", "unit": None, "state": "missing", "start": None, "end": None}
        if state not in (None, "", "auto"):
            raise InvalidEdit(f"unknown state {state!r}")
        parsed = parse_cell(raw, money=field.col in MONEY_COLS, default_unit=head.unit)
        if parsed.state == "text":
            raise InvalidEdit(f"{raw!r} is not a number, a blank or a not-applicable mark (/, —, 无)")
        report = self.report(field.report_id)
        text = report.source_text
        same_place = text is not None and head.start is not None and text[head.start : head.end].strip() == raw
        start, end = (head.start, head.end) if same_place else (None, None)
        if same_place and text is not None:
            raw = text[head.start : head.end]
        return {
            "value": parsed.value,
            "raw": raw,
            "unit": parsed.unit,
            "state": parsed.state,
            "start": start,
            "end": end,
        }


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
