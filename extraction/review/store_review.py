"""The review store's decisions beyond one cell: whole-row choices, corrections by a selected
span of the source text, and edits of a report's details (agency, year, template, headings).

Mixed into :class:`~nianbao.extraction.review.store.ReviewStore`; every change is appended and
names what the reviewer saw, so a stale one raises a conflict instead of overwriting.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from nianbao.errors import NianbaoError
from nianbao.extraction.review import meta, queries
from nianbao.extraction.review.decisions import (
    DecisionView,
    choice_revisions,
    decision_view,
    decisions_of,
)
from nianbao.extraction.review.models import Decision, Report, ReportEdit, Reviewer, Revision
from nianbao.extraction.review.queries import QueueFilter
from nianbao.extraction.review.views import FieldView, RevisionView
from nianbao.extraction.text.values import parse_cell

if TYPE_CHECKING:
    from nianbao.extraction.review.store import ReviewStore

MAX_SPAN = 64  # a selected number is short; a longer selection is a slip of the mouse


class DetailConflict(NianbaoError):
    """The report's details changed after the edit the reviewer saw."""

    def __init__(self, report_id: int, seen: int, current: meta.ReportEditView | None) -> None:
        super().__init__(f"the details of report {report_id} changed after edit {seen}")
        self.report_id, self.seen, self.current = report_id, seen, current


def selected_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The span trimmed of surrounding whitespace; ValueError when it is not a short span."""
    if not 0 <= start < end <= len(text):
        raise ValueError(f"The selection {start}:{end} is outside the report's text.")
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start == end or end - start > MAX_SPAN:
        raise ValueError("Select only the number (at most 64 characters).")
    return start, end


class ReviewActions:
    """Decisions, span corrections and report details (a mixin of ReviewStore)."""

    def _add_decisions(self: ReviewStore, session: Any, report_id: int, doc: dict[str, Any]) -> None:
        session.add_all(decisions_of(doc, report_id))

    def decisions(self: ReviewStore, report_id: int, fields: list[FieldView] | None = None) -> list[DecisionView]:
        """The report's whole-row decisions with the reading their fields hold now."""
        fields = fields if fields is not None else self.fields(report_id)
        with self._session() as session:
            rows = list(session.scalars(select(Decision).where(Decision.report_id == report_id).order_by(Decision.id)))
        return [decision_view(row, fields) for row in rows]

    def choose(
        self: ReviewStore,
        decision_id: int,
        reading: int,
        items: list[tuple[int, int]],
        reviewer_id: int,
        note: str = "",
    ) -> list[RevisionView]:
        """Set every field of a decision's row to one reading, all or nothing.

        ``items`` are (field id, revision seen) for every field of the row."""
        from nianbao.extraction.review.errors import Conflict, InvalidEdit, NotFound
        from nianbao.extraction.review.store import MONEY_COLS

        with self._session() as session:
            row = session.get(Decision, decision_id)
        if row is None:
            raise NotFound(f"decision {decision_id}")
        table_fields = [f for f in self.fields(row.report_id) if f.table == row.table_name]
        decision = decision_view(row, table_fields)
        fields = {(f.row, f.col): f for f in table_fields if decision.covers(f.row, f.col)}
        if not 0 <= reading < len(decision.readings):
            raise InvalidEdit(f"reading {reading + 1} does not exist (the row has {len(decision.readings)})")
        seen = dict(items)
        if set(seen) != {f.id for f in fields.values()}:
            raise InvalidEdit("the choice must name every field of the decision with the revision seen")
        for field in fields.values():
            if field.head.id != seen[field.id]:
                raise Conflict(field.id, seen[field.id], field.head)
        new = choice_revisions(decision, reading, fields, reviewer_id, MONEY_COLS, note)
        return self._commit_revisions(new, items, reviewer_id)

    def correct_span(
        self: ReviewStore, field_id: int, seen: int, reviewer_id: int, start: int, end: int, note: str = ""
    ) -> RevisionView:
        """Correct a field to the number printed at ``start:end`` of the source text (recorded)."""
        from nianbao.extraction.review.errors import Conflict, InvalidEdit
        from nianbao.extraction.review.store import MONEY_COLS

        field = self.field(field_id)
        if field.head.id != seen:
            raise Conflict(field_id, seen, field.head)
        text = self.report(field.report_id).source_text
        if text is None:
            raise InvalidEdit("this report was loaded without its source text, so nothing can be selected in it")
        try:
            start, end = selected_span(text, start, end)
        except ValueError as exc:
            raise InvalidEdit(str(exc)) from None
        raw = text[start:end]
        parsed = parse_cell(raw, money=field.col in MONEY_COLS, default_unit=field.head.unit)
        if parsed.state not in ("number", "na"):
            raise InvalidEdit(f"the selection {raw!r} is not a number or a not-applicable mark")
        head = field.head
        rev = Revision(
            field_id=field.id,
            parent_id=head.id,
            reviewer_id=reviewer_id,
            action="edit",
            status="corrected",
            model_version=head.model_version,
            old_value=head.value,
            old_raw=head.raw,
            old_state=head.state,
            value=parsed.value,
            raw=raw,
            unit=parsed.unit,
            state=parsed.state,
            start=start,
            end=end,
            note=note.strip(),
        )
        return self._commit_revisions([rev], [(field_id, seen)], reviewer_id)[0]

    # the queue's companions

    def report_names(self: ReviewStore) -> dict[int, str]:
        """Every report's short name: agency and year (as reviewed), else its file name."""
        query = select(Report.id, Report.name, Report.agency, Report.year).order_by(Report.id)
        with self._session() as session:
            rows = list(session.execute(query))
            edited = {(e.report_id, e.key): e.new for e in session.scalars(select(ReportEdit).order_by(ReportEdit.id))}
        out = {}
        for rid, name, agency, year in rows:
            agency, year = edited.get((rid, "agency"), agency), edited.get((rid, "year"), year)
            out[rid] = f"{agency or name} {year or ''}".strip()
        return out

    def decision_rows(self: ReviewStore, report_ids: list[int]) -> dict[tuple[int, str, str], tuple[str, int]]:
        """(report, table, row) of every decision of these reports ("" for a whole table):
        (kind, number of readings)."""
        query = select(Decision).where(Decision.report_id.in_(set(report_ids)))
        with self._session() as session:
            return {(d.report_id, d.table_name, d.row): (d.kind, len(d.readings)) for d in session.scalars(query)}

    def open_by_report(self: ReviewStore, filters: QueueFilter) -> list[tuple[int, int, int, int, int]]:
        """(report id, open fields, queue items, decisions, newest revision id) per report with
        open fields under ``filters`` (one pass over the open fields: the queue's totals too)."""
        with self._session() as session:
            counts = list(session.execute(queries.by_report_query(filters)))
            latest = dict(session.execute(queries.latest_revision_query([row[0] for row in counts])).all())
        return [
            (rid, int(n), int(items), int(decisions), int(latest.get(rid, 0))) for rid, n, items, decisions in counts
        ]

    # report details

    def report_edits(self: ReviewStore, report_id: int) -> list[meta.ReportEditView]:
        """Every change of a report's details, oldest first."""
        query = (
            select(ReportEdit, Reviewer.name)
            .outerjoin(Reviewer, Reviewer.id == ReportEdit.reviewer_id)
            .where(ReportEdit.report_id == report_id)
            .order_by(ReportEdit.id)
        )
        with self._session() as session:
            return [meta.edit_view(row, name) for row, name in session.execute(query)]

    def edit_report(
        self: ReviewStore, report_id: int, seen: int, reviewer_id: int, wanted: dict[str, Any], note: str = ""
    ) -> list[meta.ReportEditView]:
        """Change a report's details; ``seen`` is the newest edit id the reviewer saw (0: none)."""
        report = self.report(report_id)
        edits = self.report_edits(report_id)
        latest = edits[-1].id if edits else 0
        if latest != seen:
            raise DetailConflict(report_id, seen, edits[-1] if edits else None)
        doc = report.contract
        rows = []
        parent = latest or None
        with self._session() as session:
            for key, old, new in meta.changes(doc.get("report", {}), doc.get("sections", []), wanted):
                row = ReportEdit(
                    report_id=report_id,
                    parent_id=parent,
                    first_of=None if parent else report_id,
                    reviewer_id=reviewer_id,
                    key=key,
                    old=old,
                    new=new,
                    note=note.strip(),
                )
                session.add(row)
                session.flush()
                parent = row.id
                rows.append(row.id)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                edits = self.report_edits(report_id)
                raise DetailConflict(report_id, seen, edits[-1] if edits else None) from None
        return [e for e in self.report_edits(report_id) if e.id in rows]

    def _overlaid(self: ReviewStore, session: Any, row: Report) -> tuple[dict[str, Any], dict[str, Any]]:
        """(the report's details, its contract) with the reviewers' edits laid over them."""
        query = (
            select(ReportEdit, Reviewer.name)
            .outerjoin(Reviewer, Reviewer.id == ReportEdit.reviewer_id)
            .where(ReportEdit.report_id == row.id)
            .order_by(ReportEdit.id)
        )
        edits = [meta.edit_view(r, name) for r, name in session.execute(query)]
        doc = meta.overlay(row.contract, edits)
        details = {"agency": row.agency, "year": row.year, "template": row.template}
        details.update({e.key: e.new for e in edits if e.key in details})
        return details, doc

    def _commit_revisions(
        self: ReviewStore, new: list[Revision], items: list[tuple[int, int]], reviewer_id: int
    ) -> list[RevisionView]:
        """Append revisions, all or nothing; a race on the same revision raises Conflict."""
        from nianbao.extraction.review.errors import Conflict, NotFound
        from nianbao.extraction.review.views import revision_view

        reviewer = self.reviewer(reviewer_id)
        if reviewer is None:
            raise NotFound(f"reviewer {reviewer_id}")
        with self._session() as session:
            try:
                session.add_all(new)
                session.commit()
            except IntegrityError:  # someone appended to the same revision meanwhile
                session.rollback()
                for field_id, seen in items:
                    current = self.field(field_id).head
                    if current.id != seen:
                        raise Conflict(field_id, seen, current) from None
                raise
        return [revision_view(rev, reviewer.name) for rev in new]
