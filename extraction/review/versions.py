"""Versions of a report in the review store: a newer extraction of a loaded source file.

Loading a document whose source (sha256) is loaded already:

- with the same cells (and report fields) as a loaded version: nothing new, it is that report;
- with different cells (another model, a newer extractor): a new report row, the next
  version. Its model version is the one the document names (or the batch manifest's
  ``extractor``); when that name is taken by another version of the file, ``+<digest>`` is
  added. Values reviewers gave the earlier versions are compared with the new extraction:
  a cell that reads the same is carried over as accepted by the same reviewer (the note
  names the report and revision it came from); a cell that reads differently is put in
  review with the reason ``disagrees_with_review`` and a rule ``review.disagrees`` whose
  detail says what the reviewer had. Nothing of an earlier version is changed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nianbao.extraction.review.models import Field, Report, Reviewer, Revision

DISAGREES = "disagrees_with_review"
CELL_KEYS = ("table", "row", "col", "value", "raw", "unit", "state", "start", "end")
Key = tuple[str, str, str]


@dataclass(frozen=True)
class Reviewed:
    """A value a reviewer gave a field of an earlier version."""

    report_id: int
    revision: int
    reviewer_id: int
    reviewer: str
    status: str
    value: Any
    raw: str
    unit: str | None
    state: str


def digest(doc: dict[str, Any]) -> str:
    """A SHA-256 over a document's cells and report fields (what a version is made of)."""
    cells = [[cell.get(k) for k in CELL_KEYS] for cell in doc.get("cells", [])]
    meta = doc.get("report", {})
    payload = json.dumps(
        [cells, [meta.get(k) for k in ("agency", "year", "template")]], ensure_ascii=False, default=str
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def same_extraction(session: Session, doc: dict[str, Any], sha256: str) -> Report | None:
    """The loaded report of this source with exactly these cells, if any."""
    mine = digest(doc)
    for report in session.scalars(select(Report).where(Report.sha256 == sha256).order_by(Report.id)):
        if digest(report.contract) == mine:
            return report
    return None


def free_version(session: Session, sha256: str, version: str, doc: dict[str, Any]) -> str:
    """``version``, or ``version+<digest>`` when another version of the file has that name."""
    taken = session.scalar(
        select(func.count()).select_from(Report).where(Report.sha256 == sha256, Report.model_version == version)
    )
    return f"{version}+{digest(doc)[:8]}" if taken else version


def prior_reviews(session: Session, sha256: str) -> dict[Key, Reviewed]:
    """The newest reviewed value of each cell over the earlier versions of a source."""
    heads = select(Revision.field_id, func.max(Revision.id).label("head")).group_by(Revision.field_id).subquery()
    query = (
        select(Field, Revision, Reviewer.name)
        .join(Report, Report.id == Field.report_id)
        .join(heads, heads.c.field_id == Field.id)
        .join(Revision, Revision.id == heads.c.head)
        .join(Reviewer, Reviewer.id == Revision.reviewer_id)
        .where(Report.sha256 == sha256, Revision.status.in_(("accepted", "corrected")))
        .order_by(Report.id)
    )
    out: dict[Key, Reviewed] = {}
    for field, rev, name in session.execute(query):
        out[(field.table_name, field.row, field.col)] = Reviewed(
            field.report_id,
            rev.id,
            int(rev.reviewer_id or 0),
            name,
            rev.status,
            rev.value,
            rev.raw,
            rev.unit,
            rev.state,
        )
    return out


def agrees(cell: dict[str, Any], prior: Reviewed) -> bool:
    """Whether the new extraction reads a cell as the reviewer did."""
    return cell.get("value") == prior.value and cell.get("state", "missing") == prior.state


def flag_disagreements(
    cells: list[dict[str, Any]],
    prior: dict[Key, Reviewed],
    review: dict[Key, dict[str, Any]],
    rules: dict[Key, list[dict[str, Any]]],
) -> None:
    """Put every cell that reads differently from a reviewed value in review (in place)."""
    for cell in cells:
        key = (cell["table"], cell["row"], cell["col"])
        seen = prior.get(key)
        if seen is None or agrees(cell, seen):
            continue
        entry = review.get(key) or {"table": key[0], "row": key[1], "col": key[2], "reasons": []}
        review[key] = {**entry, "reasons": [*entry.get("reasons", []), DISAGREES]}
        detail = (
            f"{seen.reviewer} {seen.status} {seen.raw or seen.state!r} in report {seen.report_id} "
            f"(revision {seen.revision}); this extraction reads {cell.get('raw') or cell.get('state')!r}"
        )
        rules.setdefault(key, []).append({"rule": "review.disagrees", "detail": detail})


def carry_over(session: Session, fields: list[Field], prior: dict[Key, Reviewed], version: str) -> int:
    """Accept, as the same reviewer, each new field that reads as it was reviewed; returns how many."""
    if not prior:
        return 0
    session.flush()
    ids = [f.id for f in fields]
    extracted = {rev.field_id: rev for rev in session.scalars(select(Revision).where(Revision.field_id.in_(ids)))}
    carried = []
    for field in fields:
        seen, rev = prior.get((field.table_name, field.row, field.col)), extracted.get(field.id)
        if seen is None or rev is None or not agrees({"value": rev.value, "state": rev.state}, seen):
            continue
        carried.append(
            Revision(
                field_id=field.id,
                parent_id=rev.id,
                reviewer_id=seen.reviewer_id,
                action="accept",
                status="accepted",
                model_version=version,
                old_value=rev.value,
                old_raw=rev.raw,
                old_state=rev.state,
                value=rev.value,
                raw=rev.raw,
                unit=rev.unit,
                state=rev.state,
                start=rev.start,
                end=rev.end,
                note=f"carried over from report {seen.report_id} revision {seen.revision} ({seen.status} "
                f"by {seen.reviewer})",
            )
        )
    session.add_all(carried)
    return len(carried)


def load_summary(store: Any, report_id: int) -> str:
    """One line on a loaded version: which version, what was carried over, what disagrees."""
    report = store.report(report_id)
    with Session(store.engine) as session:
        versions = list(session.scalars(select(Report.id).where(Report.sha256 == report.sha256).order_by(Report.id)))
    if versions == [report_id]:
        return ""
    fields = store.fields(report_id)
    carried = sum(1 for f in fields if f.head.note.startswith("carried over from report"))
    disagree = [f for f in fields if DISAGREES in f.reasons]
    earlier = versions[: versions.index(report_id)]
    line = (
        f"version {len(earlier) + 1} of {report.name} (earlier: report {', '.join(map(str, earlier))}); "
        f"{carried} reviewed value(s) carried over, {len(disagree)} disagree with a reviewed value"
    )
    details = [
        f"{f.table}.{f.row}.{f.col}: {r['detail']}"
        for f in disagree
        for r in f.rules
        if r.get("rule") == "review.disagrees"
    ]
    return "\n".join([line, *(f"  {d}" for d in details)])
