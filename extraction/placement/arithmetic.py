"""The template's arithmetic (勾稽关系), defined once for the decoder, the splitter and the checks.

Identities are stated over canonical keys (for the checks, which read cells) and over the
indices of a printed row (for the decoder and the splitter, which place a row's values):

- a requests row: 总计 = the six applicant columns (index 6 = 0..5);
- the appeals table read as one printed row of 15: each 总计 = its four results;
- the 三 column sums: 三（七）总计 = every handled row, per column;
- the balance: 一 + 二 = 三（七）+ 四, per column.

Row and column keys are read from the templates data (``templates.json``), never typed here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from nianbao.extraction.templates import template_data
from nianbao.extraction.text.values import parse_cell


def _keys(pairs: list) -> tuple[str, ...]:
    return tuple(key for key, _ in pairs)


_DATA = template_data()
BALANCE_LEFT = tuple(_DATA["balance"]["left"])  # 一、二
BALANCE_RIGHT = tuple(_DATA["balance"]["right"])  # 三（七）、四
REQUEST_COLS = _keys(_DATA["requests_cols"])
APPLICANTS = REQUEST_COLS[:-1]  # every column but 总计
APPEAL_PARTS = _keys(_DATA["appeals_cols"])[:-1]
APPEAL_ROWS = _keys(_DATA["appeals_rows"])
# 三's rows: every requests row of either template between 二 and 三（七）
HANDLED_ROWS = tuple(row["key"] for row in _DATA["requests_rows"] if row["key"] not in (*BALANCE_LEFT, *BALANCE_RIGHT))
TOLERANCE = 1e-6

# Printed-row identities: total index -> the indices it must equal the sum of.
RowSums = dict[int, range]
REQUEST_ROW_SUMS: RowSums = {6: range(6)}
APPEAL_ROW_SUMS: RowSums = {r * 5 + 4: range(r * 5, r * 5 + 4) for r in range(len(APPEAL_ROWS))}


def row_sums(table: str, width: int) -> RowSums:
    """The identities of one printed row of ``table`` with ``width`` cells (none for active)."""
    if table == "requests" and width == len(REQUEST_COLS):
        return REQUEST_ROW_SUMS
    if table == "appeals" and width == 15:
        return APPEAL_ROW_SUMS
    return {}


def holds(total: float, parts: Iterable[float]) -> bool:
    """``total == sum(parts)`` within the tolerance every rule uses."""
    return abs(float(total) - float(sum(parts))) <= TOLERANCE


def row_arithmetic(values: Sequence[float | None], sums: RowSums) -> tuple[int, int]:
    """``(-failed, holding)`` over a printed row's identities; ``values[i]`` None = no number.

    An identity whose total is not a number is not assessable (neither fails nor holds);
    a part that is not a number counts as 0, as the checks read it.
    """
    failed = holding = 0
    for total_index, parts in sums.items():
        total = values[total_index] if total_index < len(values) else None
        if total is None:
            continue
        if holds(total, (values[i] or 0.0 for i in parts if i < len(values))):
            holding += 1
        else:
            failed += 1
    return (-failed, holding)


def placed_arithmetic(
    numbers: Sequence[float | None], options: Sequence[Sequence[int]] | np.ndarray, sums: RowSums
) -> np.ndarray:
    """:func:`row_arithmetic` of many placements at once, plus the count of printed totals.

    ``numbers[i]`` is printed value ``i`` (None: not a number) and ``options[p][i]`` its column
    in placement ``p`` (rows of an array, or tuples); each placement's grid is ``numbers`` put
    at their columns. Returns a row ``(-failed, holding, totals)`` per placement, the same
    figures as ``row_arithmetic`` on each grid (parts added in the same order, the same
    tolerance).
    """
    if not len(options):
        return np.zeros((0, 3), dtype=np.int64)
    at = np.asarray(options, dtype=np.intp).reshape(len(options), -1)
    width = max(max(sums, default=0), int(at.max(initial=0))) + 1
    grid = np.full((len(at), width), np.nan)
    grid[np.arange(len(at))[:, None], at] = np.array([np.nan if v is None else float(v) for v in numbers])
    zeroed = np.where(np.isnan(grid), 0.0, grid).T.copy()  # a part that is not a number adds 0; a row per column
    failed = np.zeros(len(at), dtype=np.int64)
    holding = np.zeros(len(at), dtype=np.int64)
    for total_index, parts in sums.items():
        total = grid[:, total_index]
        added = np.zeros(len(at))
        for i in parts:
            added += zeroed[i]
        assessed = ~np.isnan(total)
        fits = np.abs(total - added) <= TOLERANCE
        holding += assessed & fits
        failed += assessed & ~fits
    return np.stack([-failed, holding, failed + holding], axis=1)


CELL_TRIM = " \t\r\n\u00a0\u3000\u2002\u2003|"  # what surrounds a printed cell's text


class SumScorer:
    """Arithmetic key of a placement: (-failed, holding) identities, then printed totals.

    ``many`` gives the same keys for many placements at once (see ``search.place``).
    """

    def __init__(self, values: Sequence[str], sums: RowSums) -> None:
        parsed = [parse_cell(v.strip(CELL_TRIM)) for v in values]
        self.numbers = [float(c.value) if c.state == "number" and c.value is not None else None for c in parsed]
        self.sums = sums

    def __call__(self, mapping: dict[int, int]) -> tuple[int, ...]:
        sums = self.sums
        width = max(max(sums, default=0), *mapping.values()) + 1 if mapping else 0
        grid: list[float | None] = [None] * width
        for i, col in mapping.items():
            grid[col] = self.numbers[i]
        totals = sum(1 for total in sums if grid[total] is not None)
        return (*row_arithmetic(grid, sums), totals)

    def many(self, at: np.ndarray) -> np.ndarray:
        return placed_arithmetic(self.numbers, at, self.sums)
