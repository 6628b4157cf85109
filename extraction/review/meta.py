"""A report's details as reviewers correct them: agency, year, template and headings.

Edits are :class:`ReportEdit` rows in one chain per report (append-only, each naming the edit
it follows), so a stale form conflicts like a stale cell edit. The report as the app and the
exports see it is the loaded document with the newest edit of each key laid over it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from nianbao.errors import NianbaoError
from nianbao.extraction.review.models import ReportEdit, aware

KEYS = ("agency", "year", "template", "headings")
TEMPLATE_CHOICES = ("2019", "2021", "unknown")
SECTION_NUMBERS = range(1, 7)
MAX_TEXT = 200


class InvalidDetail(NianbaoError, ValueError):
    """A report detail that cannot be stored (with a sentence saying why)."""


@dataclass(frozen=True)
class ReportEditView:
    """One change of a report's details: who, when, which key, old and new value."""

    id: int
    reviewer: str | None
    created_at: datetime
    key: str
    old: Any
    new: Any
    note: str


def edit_view(row: ReportEdit, reviewer: str | None) -> ReportEditView:
    """The immutable view of an edit row."""
    return ReportEditView(row.id, reviewer, aware(row.created_at), row.key, row.old, row.new, row.note)


def parse_year(text: str) -> int | None:
    """A statistics year from a form (empty: unknown)."""
    text = text.strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit() and 1990 <= int(text) <= 2100):
        raise InvalidDetail(f"The year {text!r} is not a year from 1990 to 2100.")
    return int(text)


def parse_text(text: str, what: str) -> str | None:
    """A short text from a form (empty: unknown)."""
    text = " ".join(text.split())
    if len(text) > MAX_TEXT:
        raise InvalidDetail(f"The {what} is longer than {MAX_TEXT} characters.")
    return text or None


def parse_template(text: str) -> str:
    """A template name from a form."""
    if text not in TEMPLATE_CHOICES:
        raise InvalidDetail(f"The template must be one of {', '.join(TEMPLATE_CHOICES)}.")
    return text


def headings(titles: dict[int, str], source_text: str | None) -> list[dict[str, Any]]:
    """Sections from typed titles, each at the first place it is printed after the one before."""
    out: list[dict[str, Any]] = []
    pos = 0
    for number in SECTION_NUMBERS:
        title = parse_text(titles.get(number, ""), f"heading {number}")
        if title is None:
            continue
        start = source_text.find(title, pos) if source_text is not None else -1
        span = (start, start + len(title)) if start >= 0 else (None, None)
        if start >= 0:
            pos = start + len(title)
        out.append({"number": number, "title": title, "start": span[0], "end": span[1]})
    return out


def wanted(
    agency: str | None, year: str | None, template: str | None, titles: tuple[str | None, ...], source_text: str | None
) -> dict[str, Any]:
    """The details a form names, parsed (a detail the form leaves out stays as it is)."""
    out: dict[str, Any] = {}
    if agency is not None:
        out["agency"] = parse_text(agency, "agency")
    if year is not None:
        out["year"] = parse_year(year)
    if template is not None:
        out["template"] = parse_template(template)
    if any(title is not None for title in titles):
        out["headings"] = headings({n: t or "" for n, t in enumerate(titles, start=1)}, source_text)
    return out


def overlay(contract: dict[str, Any], edits: list[ReportEditView]) -> dict[str, Any]:
    """The contract document with the newest edit of each key laid over it."""
    if not edits:
        return contract
    doc = copy.deepcopy(contract)
    report = doc.setdefault("report", {})
    for edit in edits:
        if edit.key == "headings":
            doc["sections"] = edit.new
        else:
            report[edit.key] = edit.new
    return doc


def changes(
    current: dict[str, Any], sections: list[dict[str, Any]], wanted: dict[str, Any]
) -> list[tuple[str, Any, Any]]:
    """(key, old, new) for every detail the form changes."""
    out = []
    for key in ("agency", "year", "template"):
        if key in wanted and wanted[key] != current.get(key):
            out.append((key, current.get(key), wanted[key]))
    if "headings" in wanted:
        old = [(s.get("number"), s.get("title")) for s in sections]
        if [(s["number"], s["title"]) for s in wanted["headings"]] != old:
            out.append(("headings", sections, wanted["headings"]))
    return out
