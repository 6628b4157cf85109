"""What every review route needs: who is asking (and in which language), pages, refusals."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Form, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse

from nianbao.extraction.review.i18n import DEFAULT_LANG, LANG_COOKIE, pick_lang, translate
from nianbao.extraction.review.pages import render
from nianbao.extraction.review.security import SessionSigner
from nianbao.extraction.review.store import ReviewStore
from nianbao.extraction.review.views import ReviewerView

COOKIE = "nb_session"
# Row ids and revisions fit a 32-bit integer; anything past it is answered 422 before any query.
MAX_ID = 2**31 - 1
RowId = Annotated[int, PathParam(ge=1, le=MAX_ID)]
OptionalId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
RevisionForm = Annotated[int, Form(ge=1, le=MAX_ID)]
ITEM = re.compile(r"([0-9]{1,10}):([0-9]{1,10})")


@dataclass(frozen=True)
class Auth:
    """Who is asking: a reviewer (or None), the session cookie when signed in by cookie, the language."""

    reviewer: ReviewerView | None
    cookie: str | None = None
    lang: str = DEFAULT_LANG

    @property
    def bearer(self) -> bool:
        return self.reviewer is not None and self.cookie is None

    def t(self, key: str, **values: object) -> str:
        """Words in this visitor's language."""
        return translate(self.lang, key, **values)


def safe_next(target: str | None, default: str = "/queue") -> str:
    """A local path to go to next (anything else: ``default``)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def parse_items(items: list[str]) -> list[tuple[int, int]] | None:
    """``field:revision`` pairs from a form, or None when any is malformed or out of range."""
    matches = [ITEM.fullmatch(i) for i in items]
    pairs = [(int(m.group(1)), int(m.group(2))) for m in matches if m is not None]
    if len(pairs) != len(items) or any(max(pair) > MAX_ID for pair in pairs):
        return None
    return pairs


@dataclass(frozen=True)
class Web:
    """The store and the session signer, with the helpers routes share."""

    store: ReviewStore
    signer: SessionSigner

    def auth(self, request: Request) -> Auth:
        lang = pick_lang(request.cookies.get(LANG_COOKIE))
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            return Auth(self.store.authenticate(header[7:].strip()), lang=lang)
        cookie = request.cookies.get(COOKIE)
        reviewer_id = self.signer.read(cookie) if cookie else None
        reviewer = self.store.session_reviewer(reviewer_id, cookie) if reviewer_id is not None and cookie else None
        return Auth(reviewer, cookie if reviewer else None, lang)

    def page(
        self, name: str, who: Auth, status: int = 200, request: Request | None = None, **context: Any
    ) -> HTMLResponse:
        csrf = self.signer.csrf(who.cookie) if who.cookie else ""
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "") if request else "/queue"
        html = render(name, reviewer=who.reviewer, csrf=csrf, lang=who.lang, here=here, **context)
        return HTMLResponse(html, status_code=status)

    def message(self, who: Auth, status: int, title: str, text: str, **context: Any) -> HTMLResponse:
        return self.page("message", who, status, title=title, message=text, **context)

    @staticmethod
    def to_login(request: Request) -> RedirectResponse:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    def may_change(self, who: Auth, csrf: str) -> HTMLResponse | None:
        """None when this form post may change something, else the refusal."""
        if who.reviewer is None:
            return self.message(who, 401, who.t("sign_in_first"), who.t("anonymous"))
        if not who.bearer and not (who.cookie and self.signer.check_csrf(who.cookie, csrf)):
            return self.message(who, 403, who.t("refused"), who.t("stale_csrf"))
        return None
