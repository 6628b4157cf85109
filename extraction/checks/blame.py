"""Which cells a failed check involves: the ones that could have broken it.

A cell breaks a sum by its value (misread, misprinted), by its column (the value belongs to
another column of its row) or by its row (it belongs to another row of its column). A row's
sum is blind to values moved between its columns, a column's sum to values moved between its
rows. So a cell is cleared of a failed check only when the rules that hold rule out every way
it could have broken it:

- of a failed column rule: a row rule that holds takes it in (its value, and no value left or
  joined its row), and its column is sure: its row's printed values fit its columns one way
  only (``placed_rows``), or every other cell of its row is in a column rule that holds (a
  value moved there would have broken it);
- of a failed row rule: a column rule that holds takes it in, and every other cell of its
  column is in a row rule that holds.

A prose check that holds (``narrative.*``: the prose states the cell's own count) counts as
either kind. An unsure cell (its row has several readings) is never cleared, nor is a cell
whose row or column has one. When every cell of a failed rule is cleared (errors that cancel
elsewhere), all its cells are involved. A failed prose check involves all its cells.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Set

from nianbao.extraction.checks.table import CheckResult
from nianbao.extraction.document.cells import CellKey


def _orientation(check: CheckResult) -> str:
    """``row`` (all its cells in one row), ``col`` (one column) or ``mixed``."""
    if len({(t, r) for t, r, _ in check.cells}) == 1:
        return "row"
    if len({(t, c) for t, _, c in check.cells}) == 1:
        return "col"
    return "mixed"


class Blame:
    """The rules of one report, indexed by cell."""

    def __init__(self, checks: list[CheckResult], unsure: Set[CellKey], placed_rows: Set[tuple[str, str]]) -> None:
        self.unsure = unsure
        self.placed_rows = placed_rows
        self.by_cell: dict[CellKey, list[CheckResult]] = defaultdict(list)
        self.rows: dict[tuple[str, str], set[CellKey]] = defaultdict(set)
        self.cols: dict[tuple[str, str], set[CellKey]] = defaultdict(set)
        for check in checks:
            for key in check.cells:
                self.by_cell[key].append(check)
                self.rows[key[0], key[1]].add(key)
                self.cols[key[0], key[2]].add(key)

    def _holds(self, key: CellKey, orientation: str | None = None) -> bool:
        """Some rule (of ``orientation``, if given) that takes ``key`` in holds."""
        return key not in self.unsure and any(
            check.ok is True
            and (orientation is None or check.rule.startswith("narrative.") or _orientation(check) == orientation)
            for check in self.by_cell[key]
        )

    def cleared(self, key: CellKey, failed: CheckResult) -> bool:
        """The rules that hold rule out every way ``key`` could have broken ``failed``."""
        orientation = _orientation(failed)
        if orientation == "col":
            return self._holds(key, "row") and (
                (key[0], key[1]) in self.placed_rows
                or all(self._holds(other, "col") for other in self.rows[key[0], key[1]] if other != key)
            )
        if orientation == "row":
            return self._holds(key, "col") and all(
                self._holds(other, "row") for other in self.cols[key[0], key[2]] if other != key
            )
        return False

    def involved(self, failed: CheckResult) -> list[CellKey]:
        """The cells of ``failed`` that could have broken it (all of them if none stands out)."""
        if failed.rule.startswith("narrative."):
            return list(failed.cells)
        return [key for key in failed.cells if not self.cleared(key, failed)] or list(failed.cells)


def involved_rules(
    checks: list[CheckResult], unsure: Set[CellKey] = frozenset(), placed_rows: Set[tuple[str, str]] = frozenset()
) -> dict[CellKey, list[str]]:
    """The failed rules each cell is involved in (see the module docstring); ``placed_rows``: the
    ``(table, row)`` whose printed values fit the columns one way only. Its caller
    (``confidence.failed_rules``) returns before any of this when nothing failed."""
    blame = Blame(checks, unsure, placed_rows)
    failed: dict[CellKey, list[str]] = {}
    for check in checks:
        if check.ok is False:
            for key in blame.involved(check):
                failed.setdefault(key, []).append(check.rule)
    return failed
