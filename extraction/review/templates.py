"""The review pages' Jinja templates and stylesheet (autoescaped; no inline script: the one
script is ``/static/review.js``, see ``script.py``)."""

from __future__ import annotations

from importlib import resources

# Jinja templates (``html/<name>.html``, package data) and the one stylesheet (``html/review.css``).
_DIR = resources.files("nianbao.extraction.review").joinpath("html")
NAMES = ("base", "login", "queue", "reports", "report", "message")
TEMPLATES = {name: _DIR.joinpath(f"{name}.html").read_text("utf-8") for name in NAMES}
CSS = _DIR.joinpath("review.css").read_text("utf-8")
