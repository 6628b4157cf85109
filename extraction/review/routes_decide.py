"""Report pages and the decisions made on them: a whole row's reading, a correction by a
selected span of the source text, and the report's details (agency, year, template, headings)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, Form, Request
from fastapi.responses import RedirectResponse, Response

from nianbao.extraction.review import meta
from nianbao.extraction.review.errors import Conflict, InvalidEdit, NotFound
from nianbao.extraction.review.pages import highlight, rebuild_tables
from nianbao.extraction.review.queries import OPEN_STATUSES, QueueFilter
from nianbao.extraction.review.store import ReviewStore
from nianbao.extraction.review.store_review import DetailConflict
from nianbao.extraction.review.training_data import failed_checks, gold_cell
from nianbao.extraction.review.web import (
    MAX_ID,
    Auth,
    OptionalId,
    RevisionForm,
    RowId,
    Web,
    parse_items,
)

Offset = Annotated[int, Form(ge=0, le=10_000_000)]
Short = Annotated[str, Form(max_length=400)]
Maybe = Annotated[str | None, Form(max_length=400)]


def next_field(store: ReviewStore, report_id: int, after: int) -> int:
    """The report's first open item other than ``after`` (``after`` when there is none)."""
    candidates = [f for f in store.queue(report_id=report_id, limit=2) if f.id != after]
    return candidates[0].id if candidates else after


def neighbours(store: ReviewStore, report_id: int, focus: int | None) -> tuple[str | None, str]:
    """Links to the previous and the next open item of the report; after its last one, the
    queue's first item of another report (the queue itself when nothing else is open)."""
    ids = [f.id for f in store.queue(limit=None, filters=QueueFilter(report_id=report_id))]
    if focus in ids:
        i = ids.index(focus)
        prev = ids[i - 1] if i > 0 else None
        nxt = ids[i + 1] if i + 1 < len(ids) else None
    else:
        prev, nxt = None, ids[0] if ids else None
    link = f"/reports/{report_id}?field={{}}#focus"
    if nxt is not None:
        return (link.format(prev) if prev else None), link.format(nxt)
    elsewhere = next((f for f in store.queue(limit=len(ids) + 1) if f.report_id != report_id), None)
    after = f"/reports/{elsewhere.report_id}?field={elsewhere.id}#focus" if elsewhere else "/queue"
    return (link.format(prev) if prev else None), after


def report_context(store: ReviewStore, report_id: int, field: int | None) -> dict[str, Any]:
    """Everything the report page shows."""
    report = store.report(report_id)
    fields = store.fields(report_id)
    focus = next((f for f in fields if f.id == field), None)
    source = (
        highlight(report.source_text, fields, report.contract.get("cells", []), focus.id if focus else None)
        if report.source_text is not None
        else None
    )
    decisions = store.decisions(report_id, fields)
    focus_decision = next(
        (d for d in decisions if focus and focus.table == d.table and d.covers(focus.row, focus.col)), None
    )
    decision_items = [
        f for f in fields if focus_decision and f.table == focus_decision.table and focus_decision.covers(f.row, f.col)
    ]
    edits = store.report_edits(report_id)
    prev_link, next_link = neighbours(store, report_id, focus.id if focus else None)
    return {
        "report": report,
        "field": focus,
        "source": source,
        "tables": rebuild_tables(fields),
        "history": store.history(focus.id) if focus else [],
        "checks": failed_checks([gold_cell(f) for f in fields]),
        "open_items": [f for f in fields if f.in_review and f.head.status in OPEN_STATUSES],
        "decision": focus_decision,
        "decision_items": decision_items,
        "edits": edits,
        "seen_edit": edits[-1].id if edits else 0,
        "sections": {s.get("number"): s.get("title", "") for s in report.contract.get("sections", [])},
        "template_choices": meta.TEMPLATE_CHOICES,
        "prev_link": prev_link,
        "next_link": next_link,
        "report_latest": max((f.head.id for f in fields), default=0),
    }


def register(app: FastAPI, web: Web) -> None:
    """Add the report pages and their decisions to the app."""
    store = web.store

    @app.get("/reports")
    def reports_page(request: Request) -> Response:
        who = web.auth(request)
        if who.reviewer is None:
            return web.to_login(request)
        return web.page("reports", who, request=request, reports=[store.report(rid) for rid in store.report_ids()])

    @app.get("/reports/{report_id}")
    def report_page(request: Request, report_id: RowId, field: OptionalId = None) -> Response:
        who = web.auth(request)
        if who.reviewer is None:
            return web.to_login(request)
        try:
            context = report_context(store, report_id, field)
        except NotFound:
            return web.message(who, 404, who.t("not_found"), who.t("no_report", id=report_id))
        return web.page("report", who, request=request, **context)

    def refused(who: Auth, exc: Exception, back: str) -> Response:
        if isinstance(exc, Conflict):
            return web.message(
                who, 409, who.t("conflict"), who.t("conflict_seen", seen=exc.seen), current=exc.current, back=back
            )
        if isinstance(exc, DetailConflict):
            return web.message(who, 409, who.t("conflict_meta"), who.t("conflict_seen", seen=exc.seen), back=back)
        if isinstance(exc, NotFound):
            return web.message(who, 404, who.t("not_found"), str(exc))
        return web.message(who, 422, who.t("not_saved"), str(exc), back=back)

    @app.post("/decisions/{decision_id}/choose")
    def choose(
        request: Request,
        decision_id: RowId,
        reading: Annotated[int, Form(ge=1, le=1000)],
        item: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI form default
        csrf: Annotated[str, Form()] = "",
        note: Short = "",
    ) -> Response:
        who = web.auth(request)
        refusal = web.may_change(who, csrf)
        if refusal is not None:
            return refusal
        assert who.reviewer is not None
        pairs = parse_items(item)
        if not pairs:
            return web.message(who, 422, who.t("not_saved"), who.t("malformed"))
        try:
            field = store.field(pairs[0][0])
            store.choose(decision_id, reading - 1, pairs, who.reviewer.id, note)
        except (Conflict, NotFound, InvalidEdit) as exc:
            return refused(who, exc, "/queue")
        target = next_field(store, field.report_id, field.id)
        return RedirectResponse(f"/reports/{field.report_id}?field={target}#focus", status_code=303)

    @app.post("/fields/{field_id}/span")
    def correct_span(
        request: Request,
        field_id: RowId,
        revision: RevisionForm,
        start: Offset,
        end: Offset,
        csrf: Annotated[str, Form()] = "",
        note: Short = "",
    ) -> Response:
        who = web.auth(request)
        refusal = web.may_change(who, csrf)
        if refusal is not None:
            return refusal
        assert who.reviewer is not None
        try:
            field = store.field(field_id)
            back = f"/reports/{field.report_id}?field={field_id}#focus"
            store.correct_span(field_id, revision, who.reviewer.id, start, end, note)
        except NotFound as exc:
            return refused(who, exc, "/queue")
        except (Conflict, InvalidEdit) as exc:
            return refused(who, exc, back)
        return RedirectResponse(back, status_code=303)

    @app.post("/reports/{report_id}/details")
    def edit_details(
        request: Request,
        report_id: RowId,
        seen: Annotated[int, Form(ge=0, le=MAX_ID)],
        csrf: Annotated[str, Form()] = "",
        agency: Maybe = None,
        year: Maybe = None,
        template: Maybe = None,
        title_1: Maybe = None,
        title_2: Maybe = None,
        title_3: Maybe = None,
        title_4: Maybe = None,
        title_5: Maybe = None,
        title_6: Maybe = None,
        note: Short = "",
    ) -> Response:
        who = web.auth(request)
        refusal = web.may_change(who, csrf)
        if refusal is not None:
            return refusal
        assert who.reviewer is not None
        back = f"/reports/{report_id}#details"
        titles = (title_1, title_2, title_3, title_4, title_5, title_6)
        try:
            text = store.report(report_id).source_text
            wanted = meta.wanted(agency, year, template, titles, text)  # what the form names (absent: unchanged)
            store.edit_report(report_id, seen, who.reviewer.id, wanted, note)
        except (DetailConflict, NotFound, ValueError) as exc:
            return refused(who, exc, back)
        return RedirectResponse(back, status_code=303)
