"""Secrets for the review app: scrypt hashes of reviewer tokens, signed session cookies, CSRF.

Tokens look like ``nbr_<reviewer id>_<random>`` so a bearer token finds its reviewer without a
name; passwords are checked against the named reviewer. Session cookies are
``<reviewer id>.<expiry>.<nonce>.<HMAC>`` signed with a key kept in the store, so every server process
on the same database accepts them; the store keeps only revocations (a logged-out cookie's
digest, or a revoked reviewer), checked on every request.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass

TOKEN_PREFIX = "nbr_"
SESSION_SECONDS = 12 * 3600
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


def new_salt() -> str:
    """A fresh random salt (hex)."""
    return secrets.token_hex(16)


def hash_secret(secret: str, salt: str) -> str:
    """The scrypt hash (hex) of a token or password with its salt."""
    return hashlib.scrypt(secret.encode("utf-8"), salt=bytes.fromhex(salt), maxmem=64 * 2**20, **_SCRYPT).hex()


def verify_secret(secret: str, salt: str, expected: str) -> bool:
    """Whether ``secret`` hashes to ``expected`` (constant-time comparison)."""
    return hmac.compare_digest(hash_secret(secret, salt), expected)


def new_token(reviewer_id: int) -> str:
    """A new bearer token for a reviewer."""
    return f"{TOKEN_PREFIX}{reviewer_id}_{secrets.token_urlsafe(24)}"


# Shapes checked before any parsing or lookup: ASCII digits of bounded length only, so a
# malformed token or cookie is anonymous (never an int() error or a database overflow).
_TOKEN = re.compile(r"nbr_([0-9]{1,9})_[A-Za-z0-9_-]{1,64}")
_COOKIE = re.compile(r"([0-9]{1,9})\.([0-9]{1,12})\.([A-Za-z0-9_-]{16})\.([0-9a-f]{64})")


def token_reviewer_id(token: str) -> int | None:
    """The reviewer id a token names, or None when it is not a well-formed token."""
    match = _TOKEN.fullmatch(token)
    return int(match.group(1)) if match else None


def cookie_digest(cookie: str) -> str:
    """What the store keeps of a session cookie to revoke it (its SHA-256, never the cookie)."""
    return hashlib.sha256(cookie.encode("utf-8", "replace")).hexdigest()


def _sign(key: str, message: str) -> str:
    return hmac.new(bytes.fromhex(key), message.encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class SessionSigner:
    """Signs and reads session cookies and derives the CSRF token of a session."""

    key: str

    def issue(self, reviewer_id: int, now: float | None = None) -> str:
        """A session cookie value for a reviewer."""
        expires = int((now if now is not None else time.time()) + SESSION_SECONDS)
        message = f"{reviewer_id}.{expires}.{secrets.token_urlsafe(12)}"  # the nonce tells sessions apart
        return f"{message}.{_sign(self.key, 'session:' + message)}"

    def read(self, cookie: str, now: float | None = None) -> int | None:
        """The reviewer id of a valid, unexpired session cookie, else None."""
        match = _COOKIE.fullmatch(cookie)
        if match is None:
            return None
        reviewer, expires, nonce, signature = match.groups()
        if not hmac.compare_digest(_sign(self.key, f"session:{reviewer}.{expires}.{nonce}"), signature):
            return None
        if int(expires) < (now if now is not None else time.time()):
            return None
        return int(reviewer)

    def csrf(self, cookie: str) -> str:
        """The CSRF token bound to one session cookie."""
        return _sign(self.key, "csrf:" + cookie)[:32]

    def check_csrf(self, cookie: str, token: str) -> bool:
        """Whether a form's CSRF token belongs to this session."""
        return hmac.compare_digest(self.csrf(cookie).encode("ascii"), token.encode("utf-8", "replace"))
