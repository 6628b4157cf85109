"""The queue: every open item counted, paged and filtered; bulk accepts (selected, per report)."""

from __future__ import annotations

import math
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import FastAPI, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from nianbao.errors import NianbaoError
from nianbao.extraction.review.errors import Conflict, NotFound
from nianbao.extraction.review.i18n import REASONS
from nianbao.extraction.review.queries import QueueFilter
from nianbao.extraction.review.web import (
    MAX_ID,
    Auth,
    OptionalId,
    RowId,
    Web,
    parse_items,
    safe_next,
)

__all__ = ["OptionalId", "QueueFilter", "register"]
TABLES = ("active", "requests", "appeals")
PER_PAGE = (25, 50, 100, 200)
Text = Annotated[str, Query(max_length=40)]
SeenForm = Annotated[int, Form(ge=0, le=MAX_ID)]


class BadFilter(NianbaoError, ValueError):
    """A filter value the queue cannot use (the page says which)."""


def _confidence(text: str, what: str) -> float | None:
    if not text.strip():
        return None
    try:
        value = float(text)
    except ValueError:
        raise BadFilter(f"The {what} must be a number from 0 to 1.") from None
    if not (math.isfinite(value) and 0 <= value <= 1):
        raise BadFilter(f"The {what} must be a number from 0 to 1.")
    return value


def parse_filters(all: int, report: str, table: str, reason: str, cmin: str, cmax: str) -> QueueFilter:
    """The queue's filters from its query string (empty means any)."""
    if report and not (report.isascii() and report.isdigit() and 1 <= int(report) <= MAX_ID):
        raise BadFilter("The report must be a report number.")
    if table and table not in TABLES:
        raise BadFilter(f"The table must be one of {', '.join(TABLES)}.")
    if reason and reason not in REASONS:
        raise BadFilter(f"The reason must be one of {', '.join(REASONS)}.")
    return QueueFilter(
        everything=bool(all),
        report_id=int(report) if report else None,
        table=table or None,
        reason=reason or None,
        min_confidence=_confidence(cmin, "lowest confidence"),
        max_confidence=_confidence(cmax, "highest confidence"),
    )


def query_string(filters: QueueFilter, per: int, page: int | None = None) -> str:
    """The queue's query string for these filters (and a page)."""
    params: dict[str, Any] = {
        "all": int(filters.everything),
        "report": filters.report_id or "",
        "table": filters.table or "",
        "reason": filters.reason or "",
        "cmin": "" if filters.min_confidence is None else filters.min_confidence,
        "cmax": "" if filters.max_confidence is None else filters.max_confidence,
        "per": per,
    }
    if page is not None:
        params["page"] = page
    return urlencode(params)


def register(app: FastAPI, web: Web) -> None:
    """Add the queue routes to the app."""
    store = web.store

    @app.get("/queue")
    def queue_page(
        request: Request,
        all: Annotated[int, Query(ge=0, le=1)] = 0,
        report: Text = "",
        table: Text = "",
        reason: Text = "",
        cmin: Text = "",
        cmax: Text = "",
        page: Annotated[int, Query(ge=1, le=MAX_ID)] = 1,
        per: Annotated[int, Query(ge=1, le=500)] = 50,
    ) -> Response:
        who = web.auth(request)
        if who.reviewer is None:
            return web.to_login(request)
        try:
            filters = parse_filters(all, report, table, reason, cmin, cmax)
        except BadFilter as exc:
            return web.message(who, 422, who.t("not_found"), str(exc), back="/queue")
        by_report = store.open_by_report(filters)
        fields, total, decisions = (sum(row[i] for row in by_report) for i in (1, 2, 3))
        pages = max(1, math.ceil(total / per))
        page = min(page, pages)
        items = store.queue(limit=per, offset=(page - 1) * per, filters=filters)
        names = store.report_names()
        return web.page(
            "queue",
            who,
            request=request,
            items=items,
            fields=fields,
            total=total,
            decisions=decisions,
            page=page,
            pages=pages,
            per=per,
            per_choices=PER_PAGE,
            filters=filters,
            reports=names,
            tables=TABLES,
            reasons=REASONS,
            decision_rows=store.decision_rows([f.report_id for f in items]),
            by_report=by_report,
            link=lambda p: "/queue?" + query_string(filters, per, p),
            everything_link="/queue?" + query_string(QueueFilter(everything=not filters.everything), per),
        )

    def bulk_refused(who: Auth, exc: NotFound | Conflict, next: str) -> Response:
        """The answer to a bulk accept the store refused: 404 for a missing field, 409 for a stale one."""
        if isinstance(exc, NotFound):
            return web.message(who, 404, who.t("not_found"), str(exc))
        return web.message(
            who,
            409,
            who.t("conflict_bulk"),
            who.t("conflict_bulk_text", field=exc.field_id, seen=exc.seen),
            current=exc.current,
            back=safe_next(next),
        )

    @app.post("/bulk-accept")
    def bulk_accept(
        request: Request,
        item: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI form default
        csrf: Annotated[str, Form()] = "",
        next: Annotated[str, Form()] = "/queue",
    ) -> Response:
        who = web.auth(request)
        refusal = web.may_change(who, csrf)
        if refusal is not None:
            return refusal
        assert who.reviewer is not None
        pairs = parse_items(item)
        if pairs is None:
            return web.message(who, 422, who.t("not_saved"), who.t("malformed"))
        try:
            store.apply_many(pairs, who.reviewer.id, "accept")
        except (NotFound, Conflict) as exc:
            return bulk_refused(who, exc, next)
        return RedirectResponse(safe_next(next), status_code=303)

    @app.post("/reports/{report_id}/accept-open")
    def accept_report(
        request: Request,
        report_id: RowId,
        seen: SeenForm,
        csrf: Annotated[str, Form()] = "",
        all: Annotated[int, Form(ge=0, le=1)] = 0,
        next: Annotated[str, Form()] = "/queue",
    ) -> Response:
        """Accept every open field of one report, unless any field changed after ``seen``."""
        who = web.auth(request)
        refusal = web.may_change(who, csrf)
        if refusal is not None:
            return refusal
        assert who.reviewer is not None
        try:
            store.report(report_id)  # NotFound for a report that does not exist
            fields = store.fields(report_id)
            latest = max((f.head.id for f in fields), default=0)
            if latest != seen:
                return web.message(
                    who,
                    409,
                    who.t("conflict_bulk"),
                    who.t("conflict_bulk_text", field="*", seen=seen),
                    back=safe_next(next),
                )
            items = [
                (f.id, f.head.id) for f in fields if f.head.status in ("pending", "wrong") and (all or f.in_review)
            ]
            store.apply_many(items, who.reviewer.id, "accept", note="bulk accept of the report")
        except (NotFound, Conflict) as exc:
            return bulk_refused(who, exc, next)
        return RedirectResponse(safe_next(next), status_code=303)
