"""The review web app (FastAPI): sign-in, the queue, report pages, accept / edit / mark.

Every page and every API route needs a signed-in reviewer: a session cookie from ``/login``
(forms then carry a CSRF token bound to the session) or ``Authorization: Bearer <token>``.
Anonymous requests get the sign-in page (HTML) or 401 (API) and change nothing. A change
names the revision the reviewer saw; a stale one is answered with 409 and not saved.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import FastAPI, Form, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)

from nianbao.extraction.review.export import failed_checks, gold_cell
from nianbao.extraction.review.pages import highlight, rebuild_tables, render
from nianbao.extraction.review.security import SESSION_SECONDS, SessionSigner
from nianbao.extraction.review.store import (
    Conflict,
    FieldView,
    InvalidEdit,
    NotFound,
    ReviewerView,
    ReviewStore,
    RevisionView,
)
from nianbao.extraction.review.templates import CSS

COOKIE = "nb_session"
# Row ids and revisions fit a 32-bit integer; anything past it is answered 422 before any query.
MAX_ID = 2**31 - 1
RowId = Annotated[int, PathParam(ge=1, le=MAX_ID)]
OptionalId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
Limit = Annotated[int, Query(ge=1, le=1000, description="At most this many fields (1..1000).")]
RevisionForm = Annotated[int, Form(ge=1, le=MAX_ID)]
_ITEM = re.compile(r"([0-9]{1,10}):([0-9]{1,10})")
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True)
class Auth:
    """Who is asking: a reviewer (or None), and the session cookie when signed in by cookie."""

    reviewer: ReviewerView | None
    cookie: str | None = None

    @property
    def bearer(self) -> bool:
        return self.reviewer is not None and self.cookie is None


def _revision_json(rev: RevisionView) -> dict[str, Any]:
    out = asdict(rev)
    out["created_at"] = rev.created_at.isoformat()
    return out


def _field_json(field: FieldView) -> dict[str, Any]:
    out = asdict(field)
    out["head"] = _revision_json(field.head)
    return out


def api_body(body: bytes) -> dict[str, Any]:
    """An API change: ``revision`` (an id) and ``action``, ``value``, ``state``, ``note`` (strings
    or absent); HTTPException 400/422 with a sentence for anything else."""
    from nianbao.extraction.service import http_error, parse_json, utf8_text

    payload = parse_json(body)
    if not isinstance(payload, dict):
        raise http_error(422, "The body must be a JSON object with a \"revision\" and an \"action\".")
    revision = payload.get("revision")
    if type(revision) is not int or not 1 <= revision <= MAX_ID:
        raise http_error(422, f'"revision" must be a revision id (an integer from 1 to {MAX_ID}).')
    out: dict[str, Any] = {"revision": revision}
    for key in ("action", "value", "state", "note"):
        value = payload.get(key)
        if value is not None and not isinstance(value, str):
            raise http_error(422, f'"{key}" must be a string.')
        if value is not None:
            utf8_text(value, key)
        out[key] = value
    return out


def _safe_next(target: str | None, default: str = "/queue") -> str:
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def create_app(store: ReviewStore | str, secure_cookies: bool = False) -> FastAPI:
    """The review app over a store (or a database URL)."""
    store = store if isinstance(store, ReviewStore) else ReviewStore(store)
    signer = SessionSigner(store.session_key)
    app = FastAPI(title="nianbao review", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.store = store

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    def auth(request: Request) -> Auth:
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            return Auth(store.authenticate(header[7:].strip()))
        cookie = request.cookies.get(COOKIE)
        reviewer_id = signer.read(cookie) if cookie else None
        reviewer = store.session_reviewer(reviewer_id, cookie) if reviewer_id is not None and cookie else None
        return Auth(reviewer, cookie if reviewer else None)

    def page(name: str, who: Auth, status: int = 200, **context: Any) -> HTMLResponse:
        csrf = signer.csrf(who.cookie) if who.cookie else ""
        return HTMLResponse(render(name, reviewer=who.reviewer, csrf=csrf, **context), status_code=status)

    def message(who: Auth, status: int, title: str, text: str, **context: Any) -> HTMLResponse:
        return page("message", who, status, title=title, message=text, **context)

    def to_login(request: Request) -> RedirectResponse:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    def may_change(who: Auth, csrf: str) -> HTMLResponse | None:
        """None when this form post may change something, else the refusal."""
        if who.reviewer is None:
            return message(who, 401, "Sign in first", "Anonymous users cannot change anything.")
        if not who.bearer and not (who.cookie and signer.check_csrf(who.cookie, csrf)):
            return message(who, 403, "Refused", "The form's security token is missing or stale; reload the page.")
        return None

    @app.get("/static/review.css")
    def stylesheet() -> Response:
        return Response(CSS, media_type="text/css")

    @app.get("/healthz")
    def healthz() -> PlainTextResponse:
        return PlainTextResponse("ok")

    @app.get("/")
    def index() -> RedirectResponse:
        return RedirectResponse("/queue", status_code=303)

    @app.get("/login", response_class=HTMLResponse)
    def login_page(request: Request, next: str = "/queue") -> HTMLResponse:
        return page("login", Auth(None), next=_safe_next(next))

    @app.post("/login")
    def login(name: Annotated[str, Form()] = "", secret: Annotated[str, Form()] = "",
              next: Annotated[str, Form()] = "/queue") -> Response:  # fmt: skip
        reviewer = store.authenticate(secret, name or None) if secret else None
        if reviewer is None:
            return page("login", Auth(None), 401, error="Unknown name or wrong token/password.", next=_safe_next(next))
        response = RedirectResponse(_safe_next(next), status_code=303)
        response.set_cookie(COOKIE, signer.issue(reviewer.id), max_age=SESSION_SECONDS, httponly=True,
                            samesite="lax", secure=secure_cookies)  # fmt: skip
        return response

    @app.post("/logout")
    def logout(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
        who = auth(request)
        refusal = may_change(who, csrf)
        if refusal is not None:
            return refusal
        if who.reviewer is not None and who.cookie:
            store.end_session(who.reviewer.id, who.cookie)  # the cookie is dead even if kept
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE)
        return response

    def report_names() -> dict[int, str]:
        out = {}
        for report_id in store.report_ids():
            report = store.report(report_id)
            out[report_id] = f"{report.agency or report.name} {report.year or ''}".strip()
        return out

    @app.get("/queue", response_class=HTMLResponse)
    def queue_page(request: Request, all: int = 0, report: OptionalId = None) -> Response:
        who = auth(request)
        if who.reviewer is None:
            return to_login(request)
        items = store.queue(everything=bool(all), report_id=report)
        return page("queue", who, items=items, everything=bool(all), reports=report_names(),
                    request_path=request.url.path + (f"?{request.url.query}" if request.url.query else ""))  # fmt: skip

    @app.get("/reports", response_class=HTMLResponse)
    def reports_page(request: Request) -> Response:
        who = auth(request)
        if who.reviewer is None:
            return to_login(request)
        return page("reports", who, reports=[store.report(rid) for rid in store.report_ids()])

    @app.get("/reports/{report_id}", response_class=HTMLResponse)
    def report_page(request: Request, report_id: RowId, field: OptionalId = None) -> Response:
        who = auth(request)
        if who.reviewer is None:
            return to_login(request)
        try:
            report = store.report(report_id)
        except NotFound:
            return message(who, 404, "Not found", f"There is no report {report_id}.")
        fields = store.fields(report_id)
        focus = next((f for f in fields if f.id == field), None)
        source = highlight(report.source_text, fields, report.contract.get("cells", []), focus.id if focus else None) \
            if report.source_text is not None else None  # fmt: skip
        open_items = [f for f in fields if f.in_review and f.head.status in ("pending", "wrong")]
        return page("report", who, report=report, field=focus, source=source, tables=rebuild_tables(fields),
                    history=store.history(focus.id) if focus else [], open_items=open_items,
                    checks=failed_checks([gold_cell(f) for f in fields]))  # fmt: skip

    def next_field(report_id: int, after: int) -> int:
        candidates = [f for f in store.queue(report_id=report_id, limit=2) if f.id != after]
        return candidates[0].id if candidates else after

    @app.post("/fields/{field_id}/{action}")
    def change_field(request: Request, field_id: RowId, action: str, revision: RevisionForm,
                     csrf: Annotated[str, Form()] = "", value: Annotated[str | None, Form()] = None,
                     state: Annotated[str, Form()] = "auto", note: Annotated[str, Form()] = "") -> Response:  # fmt: skip
        who = auth(request)
        refusal = may_change(who, csrf)
        if refusal is not None:
            return refusal
        assert who.reviewer is not None
        if action not in ("accept", "edit", "mark"):
            return message(who, 404, "Not found", f"Unknown action {action!r}.")
        try:
            field = store.field(field_id)
            store.apply(field_id, revision, who.reviewer.id, action, raw=value, state=state, note=note)
        except NotFound as exc:
            return message(who, 404, "Not found", str(exc))
        except InvalidEdit as exc:
            return message(who, 422, "Not saved", str(exc), back=f"/reports/{field.report_id}?field={field_id}#focus")
        except Conflict as exc:
            return message(who, 409, "Conflict: someone changed this field first",
                           f"You saw revision {exc.seen}; another change was saved after it.",
                           current=exc.current, back=f"/reports/{field.report_id}?field={field_id}#focus")  # fmt: skip
        target = next_field(field.report_id, field_id) if action != "mark" else field_id
        return RedirectResponse(f"/reports/{field.report_id}?field={target}#focus", status_code=303)

    @app.post("/bulk-accept")
    def bulk_accept(request: Request, item: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI form default
                    csrf: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/queue") -> Response:  # fmt: skip
        who = auth(request)
        refusal = may_change(who, csrf)
        if refusal is not None:
            return refusal
        assert who.reviewer is not None
        matches = [_ITEM.fullmatch(i) for i in item]
        pairs = [(int(m.group(1)), int(m.group(2))) for m in matches if m is not None]
        if len(pairs) != len(item) or any(max(pair) > MAX_ID for pair in pairs):
            return message(who, 422, "Not saved", "Malformed selection.")
        try:
            store.apply_many(pairs, who.reviewer.id, "accept")
        except NotFound as exc:
            return message(who, 404, "Not found", str(exc))
        except Conflict as exc:
            return message(who, 409, "Conflict: nothing was accepted",
                           f"Field {exc.field_id} changed after you saw revision {exc.seen}.",
                           current=exc.current, back=_safe_next(next))  # fmt: skip
        return RedirectResponse(_safe_next(next), status_code=303)

    def api_auth(request: Request) -> Auth | JSONResponse:
        who = auth(request)
        if who.reviewer is None:
            return JSONResponse({"detail": "sign in first"}, status_code=401, headers={"WWW-Authenticate": "Bearer"})
        return who

    @app.get("/api/queue")
    def api_queue(request: Request, all: int = 0, report: OptionalId = None, limit: Limit = 200) -> Any:
        who = api_auth(request)
        if isinstance(who, JSONResponse):
            return who
        return [_field_json(f) for f in store.queue(everything=bool(all), report_id=report, limit=limit)]

    @app.get("/api/fields/{field_id}")
    def api_field(request: Request, field_id: RowId) -> Any:
        who = api_auth(request)
        if isinstance(who, JSONResponse):
            return who
        try:
            field = store.field(field_id)
        except NotFound as exc:
            return JSONResponse({"detail": str(exc)}, status_code=404)
        return {**_field_json(field), "history": [_revision_json(r) for r in store.history(field_id)]}

    @app.post("/api/fields/{field_id}")
    async def api_change(request: Request, field_id: RowId) -> Any:
        who = api_auth(request)
        if isinstance(who, JSONResponse):
            return who
        if not who.bearer:  # cookie sessions change things through the CSRF-protected forms
            return JSONResponse({"detail": "use a bearer token for the API"}, status_code=403)
        try:
            body = api_body(await request.body())
        except HTTPException as exc:
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        try:
            rev = store.apply(field_id, body["revision"], who.reviewer.id, body["action"] or "",
                              raw=body["value"], state=body["state"], note=body["note"] or "")  # fmt: skip
        except NotFound as exc:
            return JSONResponse({"detail": str(exc)}, status_code=404)
        except Conflict as exc:
            return JSONResponse({"detail": str(exc), "current": _revision_json(exc.current)}, status_code=409)
        except ValueError as exc:  # InvalidEdit
            return JSONResponse({"detail": f"bad request: {exc}"}, status_code=422)
        return _revision_json(rev)

    return app
