"""The rule-based assembler: located labels and value tokens → the canonical cells of a template."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial

from nianbao.extraction.document.cells import Cell, CellKey
from nianbao.extraction.placement.align import (
    Group,
    align,
    below_header,
    detached_blocks,
    fitted,
    group_tokens,
    holds_any,
    inline_layout,
    kept_tokens,
    merge_labels,
    printed_empty,
)
from nianbao.extraction.placement.alternatives import Decision, Fixed
from nianbao.extraction.placement.arithmetic import (
    APPEAL_PARTS,
    APPEAL_ROW_SUMS,
    APPEAL_ROWS,
    APPLICANTS,
    CELL_TRIM,
    REQUEST_ROW_SUMS,
    SumScorer,
    row_sums,
)
from nianbao.extraction.placement.joint import PendingRow, refine
from nianbao.extraction.placement.label_blocks import split_label_blocks
from nianbao.extraction.placement.run_tables import (
    appeals_from_run,
    assemble_run_rows,
    glued_rows,
    is_run_layout,
    resolve,
)
from nianbao.extraction.placement.search import Placement, differing_columns, margin_feature, place
from nianbao.extraction.placement.unsure import printed_beyond, unread_table, unsure_rows
from nianbao.extraction.templates import Row, Table, get_template, requests_search_table, single_other_subrows
from nianbao.extraction.text.locator import RuleLocator
from nianbao.extraction.text.normalize import NormText
from nianbao.extraction.text.patterns import (
    Label,
    Token,
    anchored_in_grid,
    find_labels,
    find_tokens,
    masked,
    opened_above,
)
from nianbao.extraction.text.values import parse_cell

_SUB_OTHER = single_other_subrows()


@dataclass
class Assembly:
    """Cells of one report in contract order, with what the assembler learned on the way."""

    cells: dict[CellKey, Cell] = field(default_factory=dict)
    request_rows: list[str] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    single_other: bool = False
    inline: bool = False
    glued_runs: bool = False  # rows print their values run into the label, every cell: split as runs
    glued_blanks: bool = False  # … some cells empty: the runs cannot be split (run_tables.glued_rows)
    locator: RuleLocator = field(default_factory=lambda: RuleLocator())
    active_splits: dict[str, PendingRow] = field(default_factory=dict)  # undecided active runs
    fixed: dict[CellKey, str] = field(default_factory=dict)  # corrected cells: value as printed
    decisions: list[Decision] = field(default_factory=list)  # every placement made, for alternatives
    set_aside: set[tuple[str, str | None]] = field(default_factory=set)  # rows the text leaves undecided
    kept: dict[tuple[int, int], tuple[list[Token], list[Token]]] = field(default_factory=dict)  # by region

    def get(self, key: CellKey) -> Cell | None:
        return self.cells.get(key)

    def tokens_in(self, nt: NormText, region: tuple[int, int]) -> tuple[list[Token], list[Token]]:
        """A region's cells and the numbers set aside (:func:`kept_tokens`): the one list the
        layout is judged on and the rows are built from."""
        if region not in self.kept:
            self.kept[region] = kept_tokens(nt.norm, find_tokens(nt, *region), self.locator.keep_token)
        return self.kept[region]

    def allowed(self, table: str, keys: Sequence[tuple[str, str]], tokens: Sequence[Token]):
        """A filter keeping the placements that agree with this table's corrected cells.

        ``keys[i]`` is the (row, col) of printed column ``i``; None when nothing is fixed here.
        """
        fixed = {i: self.fixed[(table, *key)] for i, key in enumerate(keys) if (table, *key) in self.fixed}
        if not fixed:
            return None
        raws = [t.raw.strip(CELL_TRIM) for t in tokens]

        def agrees(positions: tuple[int, ...]) -> bool:
            at = dict(zip(positions, raws, strict=False))
            return all(_same(at.get(i, ""), value) for i, value in fixed.items())

        return agrees

    def agrees(self, cells: Sequence[Cell]) -> bool:
        """True when ``cells`` (one split of a row) match every corrected cell among them."""
        return all(_same(c.raw, self.fixed[c.key]) for c in cells if c.key in self.fixed)


def _same(raw: str, fixed: str) -> bool:
    return "".join(raw.split()) == "".join(fixed.split())


def _token_cell(table: str, row: str, col: str, token: Token, money: bool, unit: str | None) -> Cell:
    raw = token.raw
    lead = len(raw) - len(raw.lstrip(CELL_TRIM))
    stripped = raw.strip(CELL_TRIM)
    if not stripped:
        return Cell(table, row, col, state="blank")
    parsed = parse_cell(stripped, money=money, default_unit=unit)
    start = token.start + lead
    return Cell(table, row, col, parsed.value, stripped, parsed.unit, parsed.state, start, start + len(stripped))


def _row_cells(
    table: Table, row: Row, tokens: Sequence[Token], placement: Placement, unit: str | None = None
) -> list[Cell]:
    by_col: dict[int, Token] = dict(zip(placement.positions, tokens, strict=False))
    unsure = differing_columns(placement, [t.raw for t in tokens], len(row.cols))
    cells = []
    for index, col in enumerate(row.cols):
        token = by_col.get(index)
        money = col in table.money_cols
        if token is None:
            cell = Cell(table.name, row.key, col, state="blank")
        else:
            cell = _token_cell(table.name, row.key, col, token, money, unit if money else None)
        _placement_evidence(cell, placement, index in unsure)
        cells.append(cell)
    return cells


def _placement_evidence(cell: Cell, placement: Placement, differs: bool) -> None:
    """What the decoder knew about the cell's placement (features of the calibrator)."""
    cell.ambiguous = placement.ambiguous
    cell.evidence["differs"] = float(differs)
    cell.evidence["candidates"] = float(placement.candidates)
    cell.evidence["margin"] = margin_feature(placement.margin)
    if placement.slot_prob is not None:
        cell.evidence["slot_prob"] = placement.slot_prob


def _missing_row(table: str, row: Row, unexpected: bool = False) -> list[Cell]:
    """Cells of a row not printed; ``unexpected`` when its table was found (worth a look)."""
    cells = [Cell(table, row.key, col, state="missing") for col in row.cols]
    for cell in cells:
        cell.evidence["row_not_found"] = float(unexpected)
    return cells


def _fee_unit(nt: NormText, start: int, end: int) -> str | None:
    header = nt.squeezed[nt.squeezed_pos(start) : nt.squeezed_pos(end)]
    match = re.search(r"收费金额[(（]?(?:单位[:：])?(万元|亿元|元)", header)
    return match.group(1) if match else None


def _outside_labels(tokens: list[Token], labels: list[Label]) -> list[Token]:
    """``tokens`` but those inside a label's span (a wrapped label's 无, ``| 4.无 |``: no value)."""
    inside = {at for label in labels for at in range(label.start, label.end)}
    return [token for token in tokens if token.start not in inside]


def _locate_rows(nt: NormText, table: Table, region: tuple[int, int], ncols: int, out: Assembly):
    labels = find_labels(nt, table, *region)
    extra = out.locator.extra_labels(nt, table, region, labels)
    if extra:
        labels = merge_labels(labels, extra, [row.key for row in table.rows])
    if any(label.row in _SUB_OTHER for label in labels):
        labels = [label for label in labels if label.row != "other"]  # a group label then
    labels = opened_above(nt.norm, table, anchored_in_grid(nt.norm, labels))
    tokens, dropped = out.tokens_in(nt, region)
    tokens = _outside_labels(tokens, labels)
    norm = masked(nt)
    groups = group_tokens(norm, tokens, ncols, [label.start for label in labels], out.inline)
    detached = detached_blocks(norm, labels, groups, region[1]) if out.inline else {}
    taken = {id(group) for group in detached.values() if group is not None}
    rest = align(labels, [g for g in groups if id(g) not in taken], region[1], frozenset(detached))
    assignment = rest | {row: group for row, group in detached.items() if group is not None}
    widths = {row.key: len(row.cols) for row in table.rows}
    split, undecided = split_label_blocks(norm, labels, assignment, widths, row_sums(table.name, ncols))
    counted = {row for row, group in split.items() if group is not assignment.get(row)}  # read by counting
    assignment = split
    unsure = unsure_rows(
        nt, table, region, labels, groups, assignment, counted=counted, dropped=dropped, glued_blanks=out.glued_blanks
    )
    out.set_aside |= {(table.name, row) for row in undecided | unsure}
    return labels, assignment


def _assemble_active(nt: NormText, template: str, region: tuple[int, int], out: Assembly) -> None:
    table = get_template(template).active
    labels, assignment = _locate_rows(nt, table, region, 3, out)
    out.labels += labels
    found = {label.row for label in labels}
    unit = _fee_unit(nt, *region) if template == "2021" else None
    if out.glued_runs or is_run_layout(nt.norm, region):
        rows = [row for row in table.rows if row.key in found]
        cells, pending = assemble_run_rows(
            masked(nt),
            nt.original,
            table,
            rows,
            labels,
            region,
            unit,
            out.locator.piece_scorer(),
            out.agrees if out.fixed else None,
        )
        out.cells.update(cells)
        out.active_splits = {row.key: row for row in pending if row.placement.ambiguous}
        out.decisions += [Decision("active", row.key, "split", row) for row in pending]
        found_rows = {row.key for row in rows}
        for row in table.rows:
            if row.key not in found_rows:
                for cell in _missing_row("active", row, unexpected=True):
                    out.cells[cell.key] = cell
        out.cells = {key: out.cells[key] for key in _ordered_keys(out.cells, table)}
        return
    for row in table.rows:
        if row.key not in found:
            cells = _missing_row("active", row, unexpected=True)
        else:
            tokens = fitted(list(assignment[row.key].tokens) if row.key in assignment else [], len(row.cols))
            allowed = out.allowed("active", [(row.key, col) for col in row.cols], tokens)
            slots = out.locator.slot_logp(tokens, len(row.cols), [table.col_labels[col] for col in row.cols])
            placement = place(len(tokens), len(row.cols), lambda mapping: (0,), slots, allowed)
            build = partial(_row_cells, table, row, tokens, unit=unit)
            out.decisions.append(Decision("active", row.key, "placement", Fixed(placement, build)))
            cells = build(placement)
        for cell in cells:
            out.cells[cell.key] = cell


def _assemble_requests(nt: NormText, template: str, region: tuple[int, int], out: Assembly) -> None:
    search = requests_search_table(template)
    labels, assignment = _locate_rows(nt, search, region, 7, out)
    out.labels += labels
    found = {label.row for label in labels}
    canonical = get_template(template).requests
    runs = out.glued_runs or is_run_layout(nt.norm, region)  # a run's values are assigned later: its label is enough
    unsure = bool({("requests", "other"), ("requests", None)} & out.set_aside)  # its values may be elsewhere
    printed = (
        "other" in assignment or ((runs or unsure) and "other" in found) or printed_empty(masked(nt), labels, "other")
    )
    out.single_other = template == "2021" and printed and not found & set(_SUB_OTHER)
    rows = list(canonical.rows)
    if out.single_other:
        index = next(i for i, r in enumerate(rows) if r.key == _SUB_OTHER[0])
        rows.insert(index, search.row("other"))
    if runs:
        _requests_from_runs(nt, canonical, rows, labels, found, region, out)
        return
    pending: list[PendingRow] = []
    for row in rows:
        out.request_rows.append(row.key)
        if row.key not in found or (row.key in _SUB_OTHER and out.single_other):
            cells = _missing_row("requests", row, unexpected=not (row.key in _SUB_OTHER and out.single_other))
        else:
            tokens = fitted(list(assignment[row.key].tokens) if row.key in assignment else [], 7)
            allowed = out.allowed("requests", [(row.key, col) for col in row.cols], tokens)
            slots = out.locator.slot_logp(tokens, 7, _REQUEST_WORDS)
            placement = place(len(tokens), 7, SumScorer([t.raw for t in tokens], REQUEST_ROW_SUMS), slots, allowed)
            build = partial(_row_cells, canonical, row, tokens, unit=None)
            pending.append(PendingRow(row.key, placement, build))
            out.decisions.append(Decision("requests", row.key, "placement", pending[-1]))
            cells = build(placement)
        for cell in cells:
            out.cells[cell.key] = cell
    refine(out.cells, pending)


def _requests_from_runs(
    nt: NormText,
    canonical: Table,
    rows: list[Row],
    labels: list[Label],
    found: set[str],
    region: tuple[int, int],
    out: Assembly,
) -> None:
    present = [row for row in rows if row.key in found and not (row.key in _SUB_OTHER and out.single_other)]
    used = [label for label in labels if label.row in {row.key for row in present}]
    table = canonical if not out.single_other else requests_search_table("2021")
    cells, pending = assemble_run_rows(
        masked(nt),
        nt.original,
        table,
        present,
        used,
        region,
        None,
        out.locator.piece_scorer(),
        out.agrees if out.fixed else None,
    )
    out.decisions += [Decision("requests", row.key, "split", row) for row in pending]
    for row in rows:
        out.request_rows.append(row.key)
        if row in present:
            for col in row.cols:
                out.cells[("requests", row.key, col)] = cells[("requests", row.key, col)]
        else:
            expected = not (row.key in _SUB_OTHER and out.single_other)
            for cell in _missing_row("requests", row, unexpected=expected):
                out.cells[cell.key] = cell
    resolve(out.cells, pending)


def _ordered_keys(cells: dict[CellKey, Cell], table: Table) -> list[CellKey]:
    """Cell keys with this table's cells in template order, other tables' cells first."""
    others = [key for key in cells if key[0] != table.name]
    mine = [(table.name, row.key, col) for row in table.rows for col in row.cols if (table.name, row.key, col) in cells]
    return others + mine


_APPEAL_WORDS = tuple(get_template("2019").appeals.col_labels.values())  # 结果维持 … 总计
_REQUEST_WORDS = tuple(get_template("2019").requests.col_labels.values())  # 自然人 … 总计


def _assemble_appeals(nt: NormText, region: tuple[int, int] | None, out: Assembly) -> None:
    cols = (*APPEAL_PARTS, "total")
    keys = [(row, col) for row in APPEAL_ROWS for col in cols]
    if region is None:
        for row, col in keys:
            out.cells[("appeals", row, col)] = Cell("appeals", row, col, state="missing")
        return
    tokens, dropped = out.tokens_in(nt, region)
    if out.glued_blanks or holds_any(nt.norm, tokens, dropped) or unread_table(masked(nt), region, _APPEAL_WORDS):
        out.set_aside.add(("appeals", None))
    run = (
        appeals_from_run(masked(nt), nt.original, *region, out.locator.piece_scorer())
        if out.glued_runs or is_run_layout(nt.norm, region)
        else None
    )
    if isinstance(run, list):  # runs that split into no 15 cells
        out.cells.update((cell.key, cell) for cell in run)
        return
    if run is not None:
        out.decisions.append(Decision("appeals", None, "split", run))
        for cell in run.build(run.placement):
            out.cells[cell.key] = cell
        return
    tokens = fitted(below_header(nt.norm, region[0], tokens, _APPEAL_WORDS), 15)[:15]
    allowed = out.allowed("appeals", keys, tokens)
    slots = out.locator.slot_logp(tokens, 15, _APPEAL_WORDS * 3)
    placement = place(len(tokens), 15, SumScorer([t.raw for t in tokens], APPEAL_ROW_SUMS), slots, allowed)
    build = partial(_appeal_cells, keys, tokens)
    out.decisions.append(Decision("appeals", None, "placement", Fixed(placement, build)))
    for cell in build(placement):
        out.cells[cell.key] = cell


def _appeal_cells(keys: list[tuple[str, str]], tokens: Sequence[Token], placement: Placement) -> list[Cell]:
    """The 15 appeals cells of one placement of the printed values."""
    by_pos: dict[int, Token] = dict(zip(placement.positions, tokens, strict=False))
    unsure = differing_columns(placement, [t.raw for t in tokens], 15)
    cells = []
    for index, (row, col) in enumerate(keys):
        token = by_pos.get(index)
        cell = (
            _token_cell("appeals", row, col, token, False, None) if token else Cell("appeals", row, col, state="blank")
        )
        _placement_evidence(cell, placement, index in unsure)
        cells.append(cell)
    return cells


def assemble(
    nt: NormText,
    template: str,
    regions: dict[str, tuple[int, int] | None],
    locator: RuleLocator | None = None,
    fixed: dict[CellKey, str] | None = None,
) -> Assembly:
    """Build every canonical cell of ``template`` from the text regions of the three tables.

    ``fixed`` holds corrected cells (value as printed): only readings that agree with them are
    decoded, so the rest of their row or table re-places consistently.
    """
    out = Assembly(locator=locator or RuleLocator(), fixed=dict(fixed or {}))
    glued, out.glued_runs = glued_rows(nt.norm, regions)
    out.glued_blanks = glued and not out.glued_runs
    out.inline = inline_layout([t for region in regions.values() if region for t in out.tokens_in(nt, region)[0]])
    if regions.get("active"):
        _assemble_active(nt, template, regions["active"], out)
    else:
        for row in get_template(template).active.rows:
            for cell in _missing_row("active", row):
                out.cells[cell.key] = cell
    if regions.get("requests"):
        _assemble_requests(nt, template, regions["requests"], out)
    else:
        for row in get_template(template).requests.rows:
            out.request_rows.append(row.key)
            for cell in _missing_row("requests", row):
                out.cells[cell.key] = cell
    _assemble_appeals(nt, regions.get("appeals"), out)
    out.set_aside |= {(name, None) for name in printed_beyond(nt, template, regions)}
    for cell in out.cells.values():
        if (cell.table, cell.row) in out.set_aside or (cell.table, None) in out.set_aside:
            cell.ambiguous = True  # a number inside the row was read as not a cell: a person looks
    return out


__all__ = ["APPLICANTS", "Assembly", "Group", "assemble"]
