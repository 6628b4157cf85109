"""The review web app (FastAPI): sign-in, the queue, report pages, accept / edit / mark.

Every page and every API route needs a signed-in reviewer: a session cookie from ``/login``
(forms then carry a CSRF token bound to the session) or ``Authorization: Bearer <token>``.
Anonymous requests get the sign-in page (HTML) or 401 (API) and change nothing. A change
names the revision the reviewer saw; a stale one is answered with 409 and not saved. Pages
are in Chinese unless the ``nb_lang`` cookie says ``en`` (``/lang?to=en``); the one script
(keyboard shortcuts, correcting by a selection) is served from ``/static/review.js``.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import FastAPI, Form, HTTPException, Query, Request
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)

from nianbao.extraction.review import routes_decide, routes_queue
from nianbao.extraction.review.errors import Conflict, InvalidEdit, NotFound
from nianbao.extraction.review.i18n import LANG_COOKIE, pick_lang
from nianbao.extraction.review.script import SCRIPT
from nianbao.extraction.review.security import SESSION_SECONDS, SessionSigner
from nianbao.extraction.review.store import FieldView, ReviewStore, RevisionView
from nianbao.extraction.review.templates import CSS
from nianbao.extraction.review.web import COOKIE, MAX_ID, Auth, RevisionForm, RowId, Web, safe_next

__all__ = ["COOKIE", "MAX_ID", "api_body", "create_app"]
Limit = Annotated[int, Query(ge=1, le=1000, description="At most this many fields (1..1000).")]
Offset = Annotated[int, Query(ge=0, le=MAX_ID, description="Skip this many queue items.")]
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; "
    "connect-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


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
    from nianbao.extraction.service.app import http_error, parse_json, utf8_text

    payload = parse_json(body)
    if not isinstance(payload, dict):
        raise http_error(422, 'The body must be a JSON object with a "revision" and an "action".')
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


def create_app(store: ReviewStore | str, secure_cookies: bool = False) -> FastAPI:
    """The review app over a store (or a database URL)."""
    store = store if isinstance(store, ReviewStore) else ReviewStore(store)
    web = Web(store, SessionSigner(store.session_key))
    app = FastAPI(title="nianbao review", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.store = store

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.get("/static/review.css")
    def stylesheet() -> Response:
        return Response(CSS, media_type="text/css")

    @app.get("/static/review.js")
    def script() -> Response:
        return Response(SCRIPT, media_type="text/javascript")

    @app.get("/healthz")
    def healthz() -> PlainTextResponse:
        return PlainTextResponse("ok")

    @app.get("/")
    def index() -> RedirectResponse:
        return RedirectResponse("/queue", status_code=303)

    @app.get("/lang")
    def language(to: str = "zh", next: str = "/queue") -> RedirectResponse:
        response = RedirectResponse(safe_next(next), status_code=303)
        response.set_cookie(LANG_COOKIE, pick_lang(to), max_age=365 * 86400, samesite="lax", secure=secure_cookies)
        return response

    @app.get("/login", response_class=HTMLResponse)
    def login_page(request: Request, next: str = "/queue") -> HTMLResponse:
        return web.page("login", Auth(None, lang=web.auth(request).lang), request=request, next=safe_next(next))

    @app.post("/login")
    def login(
        request: Request,
        name: Annotated[str, Form()] = "",
        secret: Annotated[str, Form()] = "",
        next: Annotated[str, Form()] = "/queue",
    ) -> Response:
        reviewer = store.authenticate(secret, name or None) if secret else None
        if reviewer is None:
            who = Auth(None, lang=web.auth(request).lang)
            return web.page("login", who, 401, error=who.t("bad_login"), next=safe_next(next))
        response = RedirectResponse(safe_next(next), status_code=303)
        response.set_cookie(
            COOKIE,
            web.signer.issue(reviewer.id),
            max_age=SESSION_SECONDS,
            httponly=True,
            samesite="lax",
            secure=secure_cookies,
        )
        return response

    @app.post("/logout")
    def logout(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
        who = web.auth(request)
        refusal = web.may_change(who, csrf)
        if refusal is not None:
            return refusal
        if who.reviewer is not None and who.cookie:
            store.end_session(who.reviewer.id, who.cookie)  # the cookie is dead even if kept
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE)
        return response

    routes_queue.register(app, web)
    routes_decide.register(app, web)

    @app.post("/fields/{field_id}/{action}")
    def change_field(
        request: Request,
        field_id: RowId,
        action: str,
        revision: RevisionForm,
        csrf: Annotated[str, Form()] = "",
        value: Annotated[str | None, Form()] = None,
        state: Annotated[str, Form()] = "auto",
        note: Annotated[str, Form()] = "",
    ) -> Response:
        who = web.auth(request)
        refusal = web.may_change(who, csrf)
        if refusal is not None:
            return refusal
        assert who.reviewer is not None
        if action not in ("accept", "edit", "mark"):
            return web.message(who, 404, who.t("not_found"), who.t("unknown_action", action=repr(action)))
        try:
            field = store.field(field_id)
            store.apply(field_id, revision, who.reviewer.id, action, raw=value, state=state, note=note)
        except NotFound as exc:
            return web.message(who, 404, who.t("not_found"), str(exc))
        except InvalidEdit as exc:
            return web.message(
                who, 422, who.t("not_saved"), str(exc), back=f"/reports/{field.report_id}?field={field_id}#focus"
            )
        except Conflict as exc:
            return web.message(
                who,
                409,
                who.t("conflict"),
                who.t("conflict_seen", seen=exc.seen),
                current=exc.current,
                back=f"/reports/{field.report_id}?field={field_id}#focus",
            )
        target = routes_decide.next_field(store, field.report_id, field_id) if action != "mark" else field_id
        return RedirectResponse(f"/reports/{field.report_id}?field={target}#focus", status_code=303)

    def api_auth(request: Request) -> Auth | JSONResponse:
        who = web.auth(request)
        if who.reviewer is None:
            return JSONResponse({"detail": "sign in first"}, status_code=401, headers={"WWW-Authenticate": "Bearer"})
        return who

    @app.get("/api/queue")
    def api_queue(
        request: Request,
        all: int = 0,
        report: routes_queue.OptionalId = None,
        limit: Limit = 200,
        offset: Offset = 0,
        table: routes_queue.Text = "",
        reason: routes_queue.Text = "",
        cmin: routes_queue.Text = "",
        cmax: routes_queue.Text = "",
    ) -> Any:
        """One page of queue items (a whole-row decision is its least confident field); the
        ``X-Total-Count`` header counts the items, ``X-Open-Fields`` the open fields."""
        who = api_auth(request)
        if isinstance(who, JSONResponse):
            return who
        try:
            filters = routes_queue.parse_filters(all, str(report or ""), table, reason, cmin, cmax)
        except routes_queue.BadFilter as exc:
            return JSONResponse({"detail": str(exc)}, status_code=422)
        fields, items, _ = store.queue_count(filters)
        listed = [_field_json(f) for f in store.queue(limit=limit, offset=offset, filters=filters)]
        return JSONResponse(listed, headers={"X-Total-Count": str(items), "X-Open-Fields": str(fields)})

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
            rev = store.apply(
                field_id,
                body["revision"],
                who.reviewer.id,
                body["action"] or "",
                raw=body["value"],
                state=body["state"],
                note=body["note"] or "",
            )
        except NotFound as exc:
            return JSONResponse({"detail": str(exc)}, status_code=404)
        except Conflict as exc:
            return JSONResponse({"detail": str(exc), "current": _revision_json(exc.current)}, status_code=409)
        except ValueError as exc:  # InvalidEdit
            return JSONResponse({"detail": f"bad request: {exc}"}, status_code=422)
        return _revision_json(rev)

    return app
