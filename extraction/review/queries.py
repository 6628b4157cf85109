"""The review queue's SQL: open fields under filters, a whole-row decision counted once.

A field is open while its newest revision is pending or marked wrong. The cells of a row (or a
whole table) the extractor read in several ways (a :class:`Decision`) are one queue item: the
least confident open field stands for it. Counting and paging happen in the database, so the count is the true one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, and_, case, cast, func, or_, select
from sqlalchemy.sql import Select

from nianbao.extraction.review.models import Decision, Field, Revision

OPEN_STATUSES = ("pending", "wrong")


@dataclass(frozen=True)
class QueueFilter:
    """Which open fields the queue lists: all or only the review list, and optional filters."""

    everything: bool = False
    report_id: int | None = None
    table: str | None = None
    reason: str | None = None
    min_confidence: float | None = None
    max_confidence: float | None = None

    def conditions(self) -> list[Any]:
        """The WHERE conditions on Field and the head Revision."""
        where: list[Any] = [Revision.status.in_(OPEN_STATUSES)]
        if not self.everything:
            where.append(Field.in_review.is_(True))
        if self.report_id is not None:
            where.append(Field.report_id == self.report_id)
        if self.table:
            where.append(Field.table_name == self.table)
        if self.reason:
            where.append(cast(Field.reasons, String).contains(f'"{self.reason}"', autoescape=True))
        if self.min_confidence is not None:
            where.append(Field.confidence >= self.min_confidence)
        if self.max_confidence is not None:
            where.append(Field.confidence <= self.max_confidence)
        return where


def head_ids() -> Any:
    """Each field's newest revision id (a subquery: field_id, head_id)."""
    return select(Revision.field_id, func.max(Revision.id).label("head_id")).group_by(Revision.field_id).subquery()


def open_items(filters: QueueFilter) -> Any:
    """Open fields under the filters with ``first``: 1 on the field that stands for its item."""
    heads = head_ids()
    group = case((Decision.id.is_(None), -Field.id), else_=Decision.id)  # a decision's fields: one item
    first = func.row_number().over(partition_by=group, order_by=(Field.confidence, Field.id))
    query = (
        select(
            Field.id,
            Field.confidence,
            Field.report_id,
            Field.position,
            Decision.id.label("decision_id"),
            first.label("first"),
        )
        .join(heads, heads.c.field_id == Field.id)
        .join(Revision, Revision.id == heads.c.head_id)
        .outerjoin(
            Decision,
            and_(
                Decision.report_id == Field.report_id,
                Decision.table_name == Field.table_name,
                or_(Decision.row == Field.row, Decision.row == ""),
            ),
        )  # "": the whole table
        .where(*filters.conditions())
    )
    return query.subquery()


def page_query(filters: QueueFilter, limit: int | None, offset: int) -> Select[Any]:
    """The ids of one page of queue items, lowest confidence first."""
    items = open_items(filters)
    query = (
        select(items.c.id)
        .where(items.c.first == 1)
        .order_by(items.c.confidence, items.c.report_id, items.c.position)
        .offset(offset)
    )
    return query.limit(limit) if limit is not None else query


def count_query(filters: QueueFilter) -> Select[Any]:
    """(open fields, queue items, decisions among the items) under the filters."""
    items = open_items(filters)
    first = items.c.first == 1
    return select(
        func.count(),
        func.count(case((first, 1))),
        func.count(case((and_(first, items.c.decision_id.is_not(None)), 1))),
    ).select_from(items)


def by_report_query(filters: QueueFilter) -> Select[Any]:
    """(report id, open fields, queue items, whole-row decisions) per report under the filters."""
    items = open_items(filters)
    first = items.c.first == 1
    return (
        select(
            items.c.report_id,
            func.count(),
            func.count(case((first, 1))),
            func.count(case((and_(first, items.c.decision_id.is_not(None)), 1))),
        )
        .group_by(items.c.report_id)
        .order_by(items.c.report_id)
    )


def latest_revision_query(report_ids: list[int]) -> Select[Any]:
    """(report id, newest revision id of any of its fields)."""
    return (
        select(Field.report_id, func.max(Revision.id))
        .join(Revision, Revision.field_id == Field.id)
        .where(Field.report_id.in_(report_ids))
        .group_by(Field.report_id)
    )
