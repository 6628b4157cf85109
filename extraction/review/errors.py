"""What the review store refuses: a stale revision (409), a missing row (404), an edit it cannot take (422)."""

from __future__ import annotations

from nianbao.errors import NianbaoError
from nianbao.extraction.review.views import (
    RevisionView,
)


class Conflict(NianbaoError):
    """The revision a reviewer saw is no longer the newest one of the field."""

    def __init__(self, field_id: int, seen: int, current: RevisionView) -> None:
        super().__init__(f"field {field_id} changed: you saw revision {seen}, it is now at {current.id}")
        self.field_id, self.seen, self.current = field_id, seen, current


class NotFound(NianbaoError, LookupError):
    """No such report, field or reviewer."""


class InvalidEdit(NianbaoError, ValueError):
    """An edit whose value cannot be read as a cell."""
