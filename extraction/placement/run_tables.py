"""Assembling tables printed as run-together digits (crawled one-line bodies).

Each located label owns the digit run that follows it. The run is split by
:func:`runs.splits`; the row sum (requests, appeals) filters the splits, and the column
identities of the requests table choose among the survivors jointly (``joint.refine``). A
run with several surviving splits gives ambiguous cells (reason ``ambiguous_split``); a row
whose own arithmetic fails keeps the splits the run alone allows and its checks fail.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping

from nianbao.extraction.document.cells import Cell
from nianbao.extraction.placement.arithmetic import (
    APPEAL_PARTS,
    APPEAL_ROW_SUMS,
    APPEAL_ROWS,
    row_sums,
)
from nianbao.extraction.placement.blank_splits import blank_readings, spaced_values
from nianbao.extraction.placement.decoder import Scored, choose, sure_split_scores
from nianbao.extraction.placement.joint import PendingRow, refine
from nianbao.extraction.placement.runs import MAX_SPLITS, Piece, Run, find_run, splits
from nianbao.extraction.placement.search import Placement, margin_feature
from nianbao.extraction.templates import Row, Table
from nianbao.extraction.text.frames import rest_of_line
from nianbao.extraction.text.patterns import Label
from nianbao.extraction.text.values import parse_cell

# Model log-probability of a piece (start, end offsets) being the value of column slot k.
PieceScorer = Callable[[int, int, int], float]
# Whether a split (its cells) agrees with the corrected cells of a report.
SplitFilter = Callable[[list[Cell]], bool]

RUN_LINE = 300  # a table region with a line longer than this is a crawled run
HEADING_ONLY = 60  # at most this much of the region on its first line: a heading alone there

GLUED_DIGITS = 7  # digits a requests row's seven cells print at least: a count no report prints
# A line ending in digits glued to a label (not after a colon: a phone number), and a line ending in
# digits after something else (a space, a tab: separated values). A line of digits alone, or ending
# in a signed change (+14, 增6, 472-55), is neither.
_GLUED = re.compile(r"[^\d\s.,|:：+\-－增减]\d+[ \t]*$", re.M)
_VALUE_LINE = re.compile(r"[^\d\n+\-－增减]\d+[ \t]*$", re.M)

PIPE_FIELDS = 7  # numbers at least (a requests row's cells) for a region to be read as pipe fields
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_PIPE_FIELD = re.compile(r"(?<=\|)[ \t]*\d+(?:\.\d+)?[ \t]*(?=\|)")

SPLIT_SECONDS = [0.0]  # time spent splitting runs in this process (read by the benchmark)


def is_run_layout(norm: str, region: tuple[int, int]) -> bool:
    """True when the table region is (mostly) one long line: a crawled body. The line the region
    starts on counts whole only when the table goes on along it: a heading printed at the end of
    a paragraph's line (a converter's markdown, a page's inline heading) is not a run."""
    line_start = norm.rfind("\n", 0, region[0]) + 1
    first_end = norm.find("\n", region[0])
    if first_end < 0 or first_end - region[0] > HEADING_ONLY:
        start = line_start
    else:
        start = region[0]
    end = norm.find("\n", region[1])
    lines = norm[start : end if end >= 0 else len(norm)].split("\n")
    return max((len(line) for line in lines), default=0) > RUN_LINE and not _pipe_fields(norm, *region)


def _pipe_fields(norm: str, start: int, end: int) -> bool:
    """True when the region's numbers stand each in a field of its own between pipes (a pipe
    table whose line breaks a scraper collapsed: ``数量 | 0 | 0 | 0 | || 二、…``): its values are
    read as printed tokens, not split out of runs."""
    numbers = len(_NUMBER.findall(norm, start, end))
    return numbers >= PIPE_FIELDS and len(_PIPE_FIELD.findall(norm, start, end)) >= 0.9 * numbers


def glued_rows(norm: str, regions: Mapping[str, tuple[int, int] | None]) -> tuple[bool, bool]:
    """Whether the tables print each row on a line of its own with its values run together after
    the label (a scraper's text of a web page, no separator between cells): two or more of
    their lines, and two in three of those ending in a digit, end in digits glued to a label;
    and whether the runs can be split: every requests row's run has seven digits or more (two or
    more such rows: ``一、本年新收…210000021``, every cell printed). Where a run is shorter, cells
    print empty (``…申请数量5252``: 52 once or twice, in which columns?), in any table: the rows
    holding a run are set aside for review. A crawled
    one-line body's tables are runs already (:func:`is_run_layout`)."""
    spans = [region for region in regions.values() if region is not None and not is_run_layout(norm, region)]
    glued = [len(m.group()) - 1 for start, end in spans for m in _GLUED.finditer(norm, start, end)]
    lines = sum(len(_VALUE_LINE.findall(norm, start, end)) for start, end in spans)
    if len(glued) < 2 or 3 * len(glued) < 2 * lines:
        return False, False
    requests = regions.get("requests") if regions.get("requests") in spans else None
    runs = [len(m.group()) - 1 for m in _GLUED.finditer(norm, *requests)] if requests else []
    return True, len(runs) >= 2 and min(runs) >= GLUED_DIGITS


def digits_after(norm: str, start: int) -> bool:
    """A digit between ``start`` (a label's end) and the end of its line."""
    return any(ch.isdigit() for ch in rest_of_line(norm, start))


def piece_cell(
    table: str, row: str, col: str, piece: Piece, original: str, money: bool = False, unit: str | None = None
) -> Cell:
    """The cell one piece of a split reads; ``raw`` is the original text (the split ran on the
    normalised copy). An empty piece (a reading with cells printed empty) is a blank cell."""
    if not piece.raw:
        return Cell(table, row, col, state="blank")
    raw = original[piece.start : piece.end]
    parsed = parse_cell(raw, money=money, default_unit=unit if money else None)
    return Cell(table, row, col, parsed.value, raw, parsed.unit, parsed.state, piece.start, piece.end)


def _cells_for(
    table: str, row: str, cols: tuple[str, ...], split: list[Piece], money: frozenset, unit: str | None, original: str
) -> list[Cell]:
    """Cells of one split."""
    return [
        piece_cell(table, row, col, piece, original, col in money, unit) for col, piece in zip(cols, split, strict=True)
    ]


def _split_score(split: list[Piece], piece_score: PieceScorer | None) -> float:
    if piece_score is None:
        return 0.0
    return sum(piece_score(piece.start, piece.end, k) for k, piece in enumerate(split))


def _scored_splits(splits_by_key: list[tuple], piece_score: PieceScorer | None) -> list[Scored]:
    """Candidates for the decoder: each split's model score, kept only where the model is sure."""
    raw = [_split_score(split, piece_score) for _, split in splits_by_key]
    length = sum(len(p.raw) for p in splits_by_key[0][1]) if splits_by_key else 0
    scores = sure_split_scores(raw, length)
    return [Scored(key, (0,), score) for (key, _), score in zip(splits_by_key, scores, strict=True)]


def _pending(
    table: Table,
    row: Row,
    options: list[list[Piece]],
    unit: str | None,
    original: str,
    piece_score: PieceScorer | None = None,
    shifted: bool = False,
) -> PendingRow:
    """The row's readings for the decoder; ``shifted``: its run may be another row's (its
    cells unsure whatever the split)."""
    by_key = {tuple(p.start for p in split) + (len(split),): split for split in options}
    choice = choose(_scored_splits(list(by_key.items()), piece_score))
    keys = tuple(sorted(c.key for c in choice.alternatives))
    kept = (*choice.allowed, *choice.alternatives)
    scores = {c.key: c.model for c in kept}

    def build(placement: Placement) -> list[Cell]:
        chosen = by_key[placement.positions]
        cells = _cells_for(table.name, row.key, row.cols, chosen, table.money_cols, unit, original)
        alternatives = [by_key[k] for k in placement.alternatives] if placement.ambiguous else [chosen]
        for index, cell in enumerate(cells):
            cell.ambiguous = placement.ambiguous or shifted
            cell.evidence["split"] = 1.0
            cell.evidence["differs"] = float(len({alt[index].raw + str(alt[index].start) for alt in alternatives}) > 1)
            cell.evidence["candidates"] = float(len(by_key))
            cell.evidence["margin"] = margin_feature(placement.margin)
        return cells

    options = tuple(sorted({c.key for c in kept}))
    placement = Placement(choice.best.key, choice.ambiguous, len(by_key), keys, scores, choice.margin, options=options)
    return PendingRow(row.key, placement, build)


def _runs_by_label(
    norm: str, labels: list[Label], widths: Mapping[str, int], region: tuple[int, int]
) -> tuple[dict[str, Run], set[str] | None]:
    """Each label's run, and where values stand apart from their rows (a layout that printed
    labels away from their values, then collapsed): after a run of more spaced values than its
    row has cells, the next row's run may be another row's, and which row printed nothing is
    not known; so around a run of digits no row reads (a PDF's value line printed above its
    label: ``现行有效件数 0 0 0 规章 行政规范性文件 3 0 8``). Returns the rows beside such runs,
    or None when there is none."""
    runs: dict[str, Run] = {}
    shifted: set[str] | None = None
    for index, label in enumerate(labels):
        end = labels[index + 1].start if index + 1 < len(labels) else region[1]
        run = find_run(norm, label.end, end)
        if run is None:
            continue
        runs[label.row] = run
        if len(spaced_values(run)) > widths.get(label.row, MAX_SPLITS):
            shifted = shifted or set()
            if index + 1 < len(labels):
                shifted.add(labels[index + 1].row)
    for run in _unread_runs(norm, labels, runs, region[0]):
        shifted = shifted or set()
        shifted |= {label.row for label in _beside(labels, run.start)}
    return runs, shifted


def _unread_runs(norm: str, labels: list[Label], runs: dict[str, Run], start: int) -> list[Run]:
    """Runs holding a digit between the region's start and its last label that no row reads."""
    read, unread = {run.start for run in runs.values()}, []
    cursor, limit = start, labels[-1].start if labels else start
    while (run := find_run(norm, cursor, limit)) is not None:
        if run.start not in read and any(ch.isdigit() for ch in run.text):
            unread.append(run)
        cursor = max(run.end, cursor + 1)
    return unread


def _beside(labels: list[Label], at: int) -> list[Label]:
    """The labels just before and just after offset ``at``."""
    before = [label for label in labels if label.start < at]
    after = [label for label in labels if label.start > at]
    return before[-1:] + after[:1]


def assemble_run_rows(
    norm: str,
    original: str,
    table: Table,
    rows: list[Row],
    labels: list[Label],
    region: tuple[int, int],
    unit: str | None = None,
    piece_score: PieceScorer | None = None,
    agrees: SplitFilter | None = None,
) -> tuple[dict, list[PendingRow]]:
    """Cells for rows whose values are digit runs; returns cells and the pending rows.

    ``agrees`` keeps only the splits consistent with corrected cells (when any is).
    """
    runs, shifted = _runs_by_label(norm, labels, {row.key: len(row.cols) for row in rows}, region)
    read = {row.key: _readings(table, row, runs[row.key], unit, original, agrees) for row in rows if row.key in runs}
    unsure = _beside_empty(labels, runs, {key for key, (_, blanks) in read.items() if blanks})
    cells: dict = {}
    pending: list[PendingRow] = []
    for row in rows:
        if row.key not in runs:  # printed empty; unsure where values stand apart from their rows
            for col in row.cols:
                cell = cells[(table.name, row.key, col)] = Cell(table.name, row.key, col, state="blank")
                cell.ambiguous = shifted is not None or row.key in unsure
            continue
        options, blanks = read[row.key]
        if not options:
            for cell in unsplit_cells(table.name, [(row.key, col) for col in row.cols], runs[row.key], original):
                cells[cell.key] = cell
            continue
        scorer = None if blanks else piece_score
        doubt = row.key in (shifted or ()) or row.key in unsure
        pending_row = _pending(table, row, options, unit, original, scorer, doubt)
        pending.append(pending_row)
        for cell in pending_row.build(pending_row.placement):
            cells[cell.key] = cell
    return cells, pending


def _readings(
    table: Table, row: Row, run: Run, unit: str | None, original: str, agrees: SplitFilter | None
) -> tuple[list[list[Piece]], bool]:
    """The row's readings of its run, and whether they leave cells empty (fewer spaced values
    than cells, no split fitting)."""
    kinds = [(col in table.money_cols, col == "items_change") for col in row.cols]
    started = time.perf_counter()
    options: list[list[Piece]] = []
    sums = row_sums(table.name, len(row.cols))
    if sums:
        options = list(splits(run, kinds, sums))
    if not options:  # active rows have no identities; a broken row keeps what the run allows
        options = list(splits(run, kinds))
    if not options:  # ``2-3`` with no sign reading: the dash is the signed cell's own mark
        options = list(splits(run, kinds, dash_signs=False))
    blanks = not options
    if blanks:  # fewer spaced values than cells: the others printed empty
        options = blank_readings(run, kinds, sums)
    if agrees is not None:
        options = _agreeing(options, agrees, table, row, unit, original)
    SPLIT_SECONDS[0] += time.perf_counter() - started
    return options, blanks


def _beside_empty(labels: list[Label], runs: Mapping[str, Run], short: set[str]) -> set[str]:
    """Rows read with cells left empty beside a row printing nothing, and that row: in a text
    whose whitespace was collapsed, the values may be the empty row's, printed before its label
    (``结果 3 3 （一）予以公开 （二）…``: a PDF's value line above the label)."""
    unsure = set()
    for index, label in enumerate(labels):
        if label.row not in short:
            continue
        for other in labels[max(index - 1, 0) : index + 2]:
            if other.row not in runs:
                unsure |= {label.row, other.row}
    return unsure


def _agreeing(
    options: list[list[Piece]], agrees: SplitFilter, table: Table, row: Row, unit: str | None, original: str
) -> list[list[Piece]]:
    """The splits consistent with the corrected cells, or all of them when none is."""
    kept = [
        o for o in options if agrees(_cells_for(table.name, row.key, row.cols, o, table.money_cols, unit, original))
    ]
    return kept or options


def resolve(cells: dict, pending: list[PendingRow]) -> None:
    """Choose among surviving splits with the column identities (requests table)."""
    started = time.perf_counter()
    refine(cells, pending)
    SPLIT_SECONDS[0] += time.perf_counter() - started


def unsplit_cells(table: str, keys: list[tuple[str, str]], run: Run, original: str) -> list[Cell]:
    """The cells of a digit run that splits into none of their readings (fewer digits than cells:
    a crawled table whose empty cells left no trace, a page cut off): each unparsed, holding the
    whole run, for a person to read."""
    raw = original[run.start : run.end]
    return [Cell(table, row, col, state="text", raw=raw, start=run.start, end=run.end) for row, col in keys]


def appeals_from_run(
    norm: str, original: str, start: int, end: int, piece_score: PieceScorer | None = None
) -> PendingRow | list[Cell] | None:
    """The appeals table from the region's first digit run whose splits fit the three row
    sums (prose after the table may hold other numbers), else from its last run, unfiltered,
    else from the first run of several spaced values too few for the 15 cells (the rest printed
    empty: :func:`blank_splits.blank_readings`, not scored by the model); when no run reads so,
    the 15 cells unparsed (:func:`unsplit_cells`), or None when no run holds several values
    (a lone number is no table's values).

    Returns the decision as a pending row (key ``None``): its placement's positions are
    ``(index,)`` of the chosen split, and ``build`` gives the 15 cells of any split.
    """
    cols = (*APPEAL_PARTS, "total")
    runs, cursor = [], start
    while (found := find_run(norm, cursor, end)) is not None:
        runs.append(found)
        cursor = found.end
    if not runs:
        return None
    started = time.perf_counter()
    options = next((fit for run in runs if (fit := list(splits(run, [(False, False)] * 15, APPEAL_ROW_SUMS)))), None)
    options = options or list(splits(runs[-1], [(False, False)] * 15))
    blanks = not options
    if blanks:
        several = (run for run in runs if len(spaced_values(run)) > 1)
        readings = (blank_readings(run, [(False, False)] * 15, APPEAL_ROW_SUMS) for run in several)
        options = next((fit for fit in readings if fit), [])
    SPLIT_SECONDS[0] += time.perf_counter() - started
    if not options:
        if all(len(run.text.strip()) == 1 for run in runs):
            return None
        return unsplit_cells("appeals", [(row, col) for row in APPEAL_ROWS for col in cols], runs[0], original)
    choice = choose(_scored_splits(list(enumerate(options)), None if blanks else piece_score))
    kept = [options[c.key] for c in choice.alternatives]

    def build(placement: Placement) -> list[Cell]:
        cells = []
        for index, piece in enumerate(options[placement.positions[0]]):
            cell = piece_cell("appeals", APPEAL_ROWS[index // 5], cols[index % 5], piece, original)
            cell.ambiguous = choice.ambiguous
            cell.evidence["split"] = 1.0
            cell.evidence["differs"] = float(len({o[index].raw for o in kept}) > 1)
            cell.evidence["margin"] = margin_feature(choice.margin)
            cells.append(cell)
        return cells

    keys = tuple(sorted((c.key,) for c in choice.alternatives))
    scores = {(c.key,): c.model for c in choice.alternatives}
    placement = Placement((choice.best.key,), choice.ambiguous, len(options), keys, scores, choice.margin)
    return PendingRow("", placement, build)
