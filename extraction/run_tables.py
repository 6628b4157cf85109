"""Assembling tables printed as run-together digits (crawled one-line bodies).

Each located label owns the digit run that follows it. The run is split by
:func:`runs.splits`; the row sum (requests, appeals) filters the splits, and the column
identities of the requests table choose among the survivors jointly (``joint.refine``). A
run with several surviving splits gives ambiguous cells (reason ``ambiguous_split``); a row
whose own arithmetic fails keeps the splits the run alone allows and its checks fail.
"""

from __future__ import annotations

import time
from dataclasses import replace

from nianbao.extraction.cells import Cell
from nianbao.extraction.joint import PendingRow, refine
from nianbao.extraction.locate import Label
from nianbao.extraction.placement import Placement
from nianbao.extraction.runs import Piece, Run, find_run, splits
from nianbao.extraction.templates import Row, Table
from nianbao.extraction.values import parse_cell

SPLIT_SECONDS = [0.0]  # time spent splitting runs in this process (read by the benchmark)


def is_run_layout(norm: str, region: tuple[int, int]) -> bool:
    """True when the table region is (mostly) one long line: a crawled body."""
    start = norm.rfind("\n", 0, region[0]) + 1
    end = norm.find("\n", region[1])
    lines = norm[start : end if end >= 0 else len(norm)].split("\n")
    return max((len(line) for line in lines), default=0) > 300


def _cells_for(table: str, row: str, cols: tuple[str, ...], split: list[Piece], money: frozenset, unit: str | None,
               original: str) -> list[Cell]:  # fmt: skip
    """Cells of one split; ``raw`` is the original text (the split ran on the normalised copy)."""
    cells = []
    for col, piece in zip(cols, split, strict=True):
        raw = original[piece.start : piece.end]
        parsed = parse_cell(raw, money=col in money, default_unit=unit if col in money else None)
        cells.append(Cell(table, row, col, parsed.value, raw, parsed.unit, parsed.state, piece.start, piece.end))
    return cells


def _pending(table: Table, row: Row, options: list[list[Piece]], unit: str | None, original: str) -> PendingRow:
    by_key = {tuple(p.start for p in split) + (len(split),): split for split in options}
    keys = tuple(sorted(by_key))

    def build(placement: Placement) -> list[Cell]:
        chosen = by_key[placement.positions]
        cells = _cells_for(table.name, row.key, row.cols, chosen, table.money_cols, unit, original)
        alternatives = [by_key[k] for k in placement.alternatives] if placement.ambiguous else [chosen]
        for index, cell in enumerate(cells):
            cell.ambiguous = placement.ambiguous
            cell.evidence["split"] = 1.0
            cell.evidence["differs"] = float(len({alt[index].raw + str(alt[index].start) for alt in alternatives}) > 1)
            cell.evidence["candidates"] = float(len(keys))
        return cells

    return PendingRow(row.key, Placement(keys[0], len(keys) > 1, len(keys), keys), build)


def _runs_by_label(norm: str, labels: list[Label], region_end: int) -> dict[str, Run]:
    runs = {}
    for index, label in enumerate(labels):
        end = labels[index + 1].start if index + 1 < len(labels) else region_end
        run = find_run(norm, label.end, end)
        if run is not None:
            runs[label.row] = run
    return runs


def assemble_run_rows(norm: str, original: str, table: Table, rows: list[Row], labels: list[Label], region_end: int,
                      unit: str | None = None) -> tuple[dict, list[PendingRow]]:  # fmt: skip
    """Cells for rows whose values are digit runs; returns cells and the pending rows."""
    runs = _runs_by_label(norm, labels, region_end)
    cells: dict = {}
    pending: list[PendingRow] = []
    for row in rows:
        run = runs.get(row.key)
        if run is None:
            for col in row.cols:
                cells[(table.name, row.key, col)] = Cell(table.name, row.key, col, state="blank")
            continue
        kinds = [(col in table.money_cols, col == "items_change") for col in row.cols]
        started = time.perf_counter()
        options: list[list[Piece]] = []
        if table.name == "requests":
            options = list(splits(run, kinds, {6: range(6)}))
        if not options:  # active rows have no identities; a broken row keeps what the run allows
            options = list(splits(run, kinds))
        SPLIT_SECONDS[0] += time.perf_counter() - started
        if not options:
            for col in row.cols:
                raw = original[run.start : run.end]
                cells[(table.name, row.key, col)] = Cell(table.name, row.key, col, state="text", raw=raw, start=run.start, end=run.end)
            continue
        pending_row = _pending(table, row, options, unit, original)
        pending.append(pending_row)
        for cell in pending_row.build(pending_row.placement):
            cells[cell.key] = cell
    return cells, pending


def resolve(cells: dict, pending: list[PendingRow]) -> None:
    """Choose among surviving splits with the column identities (requests table)."""
    started = time.perf_counter()
    refine(cells, pending)
    SPLIT_SECONDS[0] += time.perf_counter() - started
    for row in pending:
        if not row.placement.ambiguous:
            continue
        row.placement = replace(row.placement, positions=min(row.placement.alternatives))
        for cell in row.build(row.placement):
            cells[cell.key] = cell


def appeals_from_run(norm: str, original: str, start: int, end: int) -> list[Cell] | None:
    """The 15 appeals cells from the last digit run of the region (three row sums filter)."""
    run = None
    cursor = start
    while True:
        found = find_run(norm, cursor, end)
        if found is None:
            break
        run, cursor = found, found.end
    if run is None:
        return None
    started = time.perf_counter()
    totals = {r * 5 + 4: range(r * 5, r * 5 + 4) for r in range(3)}
    options = list(splits(run, [(False, False)] * 15, totals)) or list(splits(run, [(False, False)] * 15))
    SPLIT_SECONDS[0] += time.perf_counter() - started
    if not options:
        return None
    rows = ("reconsideration", "litigation_direct", "litigation_after_review")
    cols = ("upheld", "corrected", "other", "pending", "total")
    split = options[0]
    cells = []
    for index, piece in enumerate(split):
        raw = original[piece.start : piece.end]
        parsed = parse_cell(raw)
        cell = Cell("appeals", rows[index // 5], cols[index % 5], parsed.value, raw, None, parsed.state, piece.start, piece.end)
        cell.ambiguous = len(options) > 1
        cell.evidence["split"] = 1.0
        cell.evidence["differs"] = float(len({o[index].raw for o in options}) > 1)
        cells.append(cell)
    return cells
