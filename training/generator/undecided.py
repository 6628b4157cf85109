"""Which gold cells the printed text decides: the generator's ``ambiguous`` flag.

A row whose flattening drops its empty cells (``lines``, ``tab_indented`` and ``pipe`` with
blanks printed as nothing) prints its values without their positions; a crawled one-line body
(``crawl``, ``crawl_prose``) runs a row's digits together. Such a row has several *readings*:
the order-preserving placements of its printed values into its slots, or the splits of its
digit run (``placement.runs.splits``). A reading is allowed when it breaks none of the
template's identities (``placement.arithmetic``: row sums, the 三 column sums, the balance
一+二=三（七）+四, appeals totals) that the true table satisfies; an identity whose total is
not a number is not assessable and breaks nothing, as the checks read it. The column
identities tie the requests rows together: each row's readings are pruned to those the other
rows can still complete (support per column identity, to a fixed point), which never drops a
reading that is part of a full solution. A cell is decided iff every allowed reading of its
row gives it the same content. The flag is a property of the text and the template, never of
any extractor's output.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations, product
from math import comb

from nianbao.extraction.checks.table import run_checks
from nianbao.extraction.document.cells import Cell, CellKey
from nianbao.extraction.placement.arithmetic import (
    APPEAL_ROWS,
    BALANCE_LEFT,
    BALANCE_RIGHT,
    HANDLED_ROWS,
    REQUEST_COLS,
    RowSums,
    holds,
    placed_arithmetic,
    row_sums,
)
from nianbao.extraction.placement.runs import Run, piece_value, splits
from nianbao.extraction.templates import get_template
from nianbao.training.generator.tables_gen import GenCell, GenTables

Content = tuple[str, float | None]  # (printed text without spaces, "" = blank; number or None)
Reading = tuple[Content, ...]
BLANK: Content = ("", None)
DROPS_BLANKS = ("lines", "tab_indented", "pipe")  # an empty cell prints nothing, no separator
RUN_STYLES = ("crawl", "crawl_prose")  # tabs and newlines removed: digits run together
MAX_READINGS = 20_000  # more readings than this: the row is left undecided as a whole
MAX_SUMS = 50_000  # reachable column sums tracked; past this a column prunes nothing
_ATOM = re.compile(r"[/—－]|-(?!\d)")  # one printed "not applicable" cell inside a run


@dataclass
class PrintedRow:
    """One printed row: its cells' keys, the true reading and every reading its text allows."""

    keys: list[CellKey]
    truth: Reading
    readings: list[Reading]
    whole: bool = False  # True: the readings could not be enumerated; every cell undecided


def placements(printed: Sequence[Content], width: int) -> list[Reading]:
    """Every order-preserving placement of ``printed`` values into ``width`` slots."""
    if len(printed) >= width:
        return [tuple(printed[:width])]
    out = []
    for positions in combinations(range(width), len(printed)):
        grid = [BLANK] * width
        for content, col in zip(printed, positions, strict=True):
            grid[col] = content
        out.append(tuple(grid))
    return out


def run_readings(text: str, kinds: list[tuple[bool, bool]], sums: RowSums) -> list[Reading] | None:
    """Every split of a run-together row into ``len(kinds)`` cells its row sums allow.

    "/" and dashes are whole cells of their own; the digits between them are split by
    ``runs.splits``. None when the enumeration is too large to finish.
    """
    text = re.sub(r" (?=[万亿元])", "", text.strip())
    atoms = [(m.start(), m.end()) for m in _ATOM.finditer(text)]
    if not atoms:
        found = [_contents(split) for split in splits(Run(0, len(text), text), kinds, sums)]
        return found if len(found) < MAX_READINGS else None
    segments, cursor = [], 0
    for start, end in atoms:
        segments.append(text[cursor:start])
        cursor = end
    segments.append(text[cursor:])
    out: list[Reading] = []
    for counts in _compositions(len(kinds) - len(atoms), [s.strip() for s in segments]):
        out += _segment_readings(text, segments, atoms, counts, kinds)
        if len(out) >= MAX_READINGS:
            return None
    return [r for r in out if _row_ok(r, sums)]


def _compositions(cells: int, segments: list[str]) -> Iterable[tuple[int, ...]]:
    """Cell counts per segment: 0 exactly for an empty segment, at most one cell per character."""
    ranges = [range(0, 1) if not s else range(1, len(s.replace(" ", "")) + 1) for s in segments]
    return (c for c in product(*ranges) if sum(c) == cells)


def _segment_readings(
    text: str,
    segments: list[str],
    atoms: list[tuple[int, int]],
    counts: tuple[int, ...],
    kinds: list[tuple[bool, bool]],
) -> list[Reading]:
    parts: list[list[Reading]] = []
    slot = 0
    for index, (segment, count) in enumerate(zip(segments, counts, strict=True)):
        if count:
            found = [_contents(s) for s in splits(Run(0, len(segment), segment), kinds[slot : slot + count])]
            if not found:
                return []
            parts.append(found)
            slot += count
        if index < len(atoms):
            start, end = atoms[index]
            parts.append([((text[start:end], None),)])
            slot += 1
    return [tuple(c for part in combo for c in part) for combo in product(*parts)]


def _contents(split) -> Reading:
    return tuple((piece.raw.replace(" ", ""), piece_value(piece)) for piece in split)


def _numbers(reading: Reading) -> list[float | None]:
    return [value for _, value in reading]


def _row_ok(reading: Reading, sums: RowSums) -> bool:
    return not sums or placed_arithmetic(_numbers(reading), [tuple(range(len(reading)))], sums)[0][0] == 0


def allowed_placements(printed: Sequence[Content], width: int, sums: RowSums) -> list[Reading]:
    """The placements of ``printed`` into ``width`` slots that break none of the identities ``sums``."""
    if len(printed) >= width or not sums:
        return placements(printed, width)
    options = list(combinations(range(width), len(printed)))
    keys = placed_arithmetic([value for _, value in printed], options, sums)
    kept = [positions for positions, key in zip(options, keys, strict=True) if key[0] == 0]
    out = []
    for positions in kept:
        grid = [BLANK] * width
        for content, col in zip(printed, positions, strict=True):
            grid[col] = content
        out.append(tuple(grid))
    return out


# --- the requests table's column identities ----------------------------------------------------


def _column_values(rows: dict[str, PrintedRow], row: str, col: int) -> set[float | None]:
    printed = rows.get(row)
    if printed is None:
        return {None}
    return {reading[col][1] for reading in printed.readings}


def _zero(values: Iterable[float | None]) -> set[float]:
    return {0.0 if v is None else float(v) for v in values}


def _sumset(sets: list[set[float]]) -> int | None:
    """The reachable sums of one value from each set, as a bit mask (None: not whole counts)."""
    total = 1
    for values in sets:
        if any(v < 0 or not float(v).is_integer() for v in values):
            return None
        shifted = 0
        for value in values:
            shifted |= total << int(value)
        total = shifted
        if total.bit_length() > MAX_SUMS:
            return None
    return total


def _has(sums: int, target: float) -> bool:
    return float(target).is_integer() and 0 <= target < sums.bit_length() and bool(sums >> int(target) & 1)


def _col_sum_support(rows: dict[str, PrintedRow], col: int) -> dict[str, set[float | None]]:
    """Per row of the 三 column sum at ``col``: the values that the other rows can complete."""
    handled = [r for r in HANDLED_ROWS if r in rows]
    if any(rows[r].whole for r in (*handled, BALANCE_RIGHT[0]) if r in rows):
        return {}  # a row read as a whole could hold anything: the column prunes nothing
    totals = _column_values(rows, BALANCE_RIGHT[0], col)
    sets = {r: _zero(_column_values(rows, r, col)) for r in handled}
    fixed = sum(next(iter(s)) for s in sets.values() if len(s) == 1)
    free = {r: s for r, s in sets.items() if len(s) > 1}
    everything = _sumset(list(free.values()))
    if everything is None or not float(fixed).is_integer():
        return {}
    numbers = [t - fixed for t in totals if t is not None]
    support: dict[str, set[float | None]] = {
        BALANCE_RIGHT[0]: {t for t in totals if t is None or _has(everything, t - fixed)}
    }
    for row in handled:
        if row not in free:
            continue  # one value: already in ``fixed``
        others = _sumset([s for r, s in free.items() if r != row])
        if others is None:
            continue
        keep = set()
        for value in _column_values(rows, row, col):
            part = 0.0 if value is None else float(value)
            if None in totals or any(_has(others, t - part) for t in numbers):
                keep.add(value)
        support[row] = keep
    return support


def _balance_support(rows: dict[str, PrintedRow], col: int) -> dict[str, set[float | None]]:
    """Per row of the balance 一+二 = 三（七）+四 at ``col``: the values some completion fits."""
    names = (*BALANCE_LEFT, *BALANCE_RIGHT)
    if any(rows[name].whole for name in names if name in rows):
        return {}
    choices = [sorted(_column_values(rows, name, col), key=repr) for name in names]
    support: dict[str, set[float | None]] = {name: set() for name in names}
    for combo in product(*choices):
        new, carried, total, forward = (0.0 if v is None else float(v) for v in combo)
        if combo[2] is None or holds(new + carried, [total + forward]):
            for name, value in zip(names, combo, strict=True):
                support[name].add(value)
    return support


def propagate(rows: dict[str, PrintedRow], failed: set[str]) -> None:
    """Prune each requests row's readings to those the column identities can complete."""
    changed = True
    while changed:
        changed = False
        for index, col in enumerate(REQUEST_COLS):
            supports = []
            if f"requests.col_sum.{col}" not in failed:
                supports.append(_col_sum_support(rows, index))
            if f"requests.balance.{col}" not in failed:
                supports.append(_balance_support(rows, index))
            for support in supports:
                for name, keep in support.items():
                    printed = rows.get(name)
                    if printed is None or printed.whole:
                        continue
                    kept = [r for r in printed.readings if r[index][1] in keep]
                    if len(kept) < len(printed.readings):
                        printed.readings, changed = kept, True


def undecided(rows: Iterable[PrintedRow]) -> set[CellKey]:
    """The cells on which a row's allowed readings disagree."""
    out: set[CellKey] = set()
    for printed in rows:
        if printed.whole or not printed.readings:
            out.update(printed.keys if printed.whole else ())
            continue
        for index, key in enumerate(printed.keys):
            if len({reading[index][0] for reading in printed.readings}) > 1:
                out.add(key)
    return out


def failed_rules(cells: Iterable[Cell], request_rows: Iterable[str]) -> set[str]:
    """The identities the true table breaks (they constrain no reading)."""
    lookup = {c.key: c for c in cells}
    return {c.rule for c in run_checks(lookup.get, request_rows, APPEAL_ROWS) if c.ok is False}


def holding_sums(table: str, row: str, width: int, failed: set[str]) -> RowSums:
    """The row's identities (``arithmetic.row_sums``) less those the true table breaks."""
    sums = row_sums(table, width)
    if table == "appeals":
        return {t: p for t, p in sums.items() if f"appeals.row_sum.{APPEAL_ROWS[t // 5]}" not in failed}
    return {} if f"{table}.row_sum.{row}" in failed else sums


def _truth(cells: Sequence[GenCell]) -> Reading:
    return tuple((c.printed.replace(" ", ""), c.value if c.state == "number" else None) for c in cells)


def _table_rows(tables: GenTables) -> list[tuple[str, str, list[GenCell]]]:
    """The printed rows: active rows, requests rows, and the appeals table as one row of 15."""
    rows = [("active", r.key, r.cells) for _, _, active in tables.active for r in active]
    rows += [("requests", r.key, r.cells) for r in tables.requests]
    return [*rows, ("appeals", "", tables.appeals)]


def _row(
    table: str,
    row: str,
    gen: list[GenCell],
    style: str,
    text: str,
    placed: dict[CellKey, Cell],
    money: frozenset[str],
    failed: set[str],
) -> PrintedRow:
    keys = [(c.table, c.row, c.col) for c in gen]
    truth = _truth(gen)
    sums = holding_sums(table, row, len(gen), failed)
    if style in RUN_STYLES:
        spans = [placed[k] for k in keys if k in placed and placed[k].start is not None]
        if len(spans) < len(gen):
            return PrintedRow(keys, truth, [truth], whole=True)
        kinds = [(c.col in money, c.col == "items_change") for c in gen]
        readings = run_readings(text[min(s.start for s in spans) : max(s.end for s in spans)], kinds, sums)
    elif style in DROPS_BLANKS and any(not c.printed.strip() for c in gen):
        printed = [content for content, c in zip(truth, gen, strict=True) if c.printed.strip()]
        too_many = comb(len(gen), len(printed)) > MAX_READINGS
        readings = None if too_many else allowed_placements(printed, len(gen), sums)
    else:
        return PrintedRow(keys, truth, [truth])
    if readings is None or truth not in readings:
        return PrintedRow(keys, truth, [truth], whole=True)
    return PrintedRow(keys, truth, readings)


def undecided_cells(
    tables: GenTables, style: str, text: str, cells: list[Cell], request_rows: list[str]
) -> set[CellKey]:
    """The gold cells whose content the printed ``text`` (in ``style``) does not decide.

    ``cells`` are the gold cells with their offsets in ``text`` (used for run-together rows).
    """
    if style not in RUN_STYLES and style not in DROPS_BLANKS:
        return set()
    placed = {c.key: c for c in cells}
    failed = failed_rules(cells, request_rows)
    money = get_template(tables.template).active.money_cols
    rows = [_row(table, row, gen, style, text, placed, money, failed) for table, row, gen in _table_rows(tables)]
    propagate({r.keys[0][1]: r for r in rows if r.keys[0][0] == "requests"}, failed)
    return undecided(rows)
