"""Reviewer accounts of the review store: tokens, passwords, sessions and revocation."""

from __future__ import annotations

from sqlalchemy import func, select

from nianbao.extraction.review import security
from nianbao.extraction.review.errors import NotFound
from nianbao.extraction.review.models import (
    Reviewer,
    Revocation,
)
from nianbao.extraction.review.views import (
    ReviewerView,
)


class ReviewerAccounts:
    """The reviewer methods of :class:`ReviewStore` (a mixin over its ``_session``)."""

    def add_reviewer(self, name: str, password: str | None = None) -> str:
        """Create a reviewer; return the new token (or the password, when one is given)."""
        name = name.strip()
        if not name:
            raise ValueError("a reviewer needs a name")
        with self._session() as session:
            if session.scalar(select(Reviewer).where(Reviewer.name == name)) is not None:
                raise ValueError(f"reviewer {name!r} exists already")
            next_id = (session.scalar(select(func.max(Reviewer.id))) or 0) + 1
            secret = password if password else security.new_token(next_id)
            salt = security.new_salt()
            kind = "password" if password else "token"
            session.add(
                Reviewer(id=next_id, name=name, kind=kind, salt=salt, secret_hash=security.hash_secret(secret, salt))
            )
            session.commit()
        return secret

    def reviewer(self, reviewer_id: int) -> ReviewerView | None:
        with self._session() as session:
            row = session.get(Reviewer, reviewer_id)
            return ReviewerView(row.id, row.name) if row else None

    def authenticate(self, secret: str, name: str | None = None) -> ReviewerView | None:
        """The reviewer a token (or a name and password/token) belongs to, else None."""
        with self._session() as session:
            if name:
                row = session.scalar(select(Reviewer).where(Reviewer.name == name.strip()))
            else:
                reviewer_id = security.token_reviewer_id(secret)
                row = session.get(Reviewer, reviewer_id) if reviewer_id is not None else None
        if row is None or not security.verify_secret(secret, row.salt, row.secret_hash) or self.revoked(row.id):
            return None
        return ReviewerView(row.id, row.name)

    def session_reviewer(self, reviewer_id: int, cookie: str) -> ReviewerView | None:
        """The reviewer of a signed session cookie, unless it was logged out or they were revoked."""
        if self.revoked(reviewer_id, security.cookie_digest(cookie)):
            return None
        return self.reviewer(reviewer_id)

    def revoked(self, reviewer_id: int, session: str | None = None) -> bool:
        """Whether the reviewer was revoked (or, given a cookie digest, that session ended)."""
        which = (
            Revocation.session.is_(None)
            if session is None
            else (Revocation.session.is_(None) | (Revocation.session == session))
        )
        with self._session() as db:
            return (
                db.scalar(select(Revocation.id).where(Revocation.reviewer_id == reviewer_id, which).limit(1))
                is not None
            )

    def end_session(self, reviewer_id: int, cookie: str) -> None:
        """Log a session out on the server: its cookie no longer signs anyone in."""
        with self._session() as db:
            db.add(Revocation(reviewer_id=reviewer_id, session=security.cookie_digest(cookie)))
            db.commit()

    def revoke(self, name: str) -> int:
        """End a reviewer's token or password and every session; returns their id."""
        with self._session() as db:
            row = db.scalar(select(Reviewer).where(Reviewer.name == name.strip()))
            if row is None:
                raise NotFound(f"no reviewer named {name!r}")
            db.add(Revocation(reviewer_id=row.id, session=None))
            db.commit()
            return row.id

    # reports
