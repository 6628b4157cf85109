"""Layouts seen in real archives that need more than a joiner: merged cells and PDF-to-markdown.

``markdown_merged`` repeats a merged cell's text across every column (and row) it spans, as
HTML-to-markdown converters do with ``colspan``/``rowspan``. ``pdf_markdown`` is a PDF table
turned into markdown: long labels wrapped into a second ``|`` row with empty value cells, group
labels on rows of their own, and runs of rows whose labels and values are detached (a block of
label rows, then a block of value rows). Blank cells print as nothing between the pipes.
"""

from __future__ import annotations

import random

from nianbao.training.generator.tables_gen import (
    APPEALS_COLS,
    GROUP_LABELS,
    GenCell,
    GenRow,
    GenTables,
)

RowSpec = tuple[str | None, str, list[GenCell]]
MERGED_LABEL_COLS = 3  # the requests table's label columns: 一、/三、 | （一）…（七） | 1.…8.
APPLICANT_HEADER = ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
APPEALS_RESULTS = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]


def md_row(w, fields: list[tuple[str, str | None]], cells: list[GenCell] | None = None) -> None:
    """``| f1 | f2 | … |`` from ``(text, label)`` fields, then the value cells (blank = empty)."""
    w.write("| ")
    items: list[tuple[str, str | None] | GenCell] = [*fields, *(cells or [])]
    for i, item in enumerate(items):
        if isinstance(item, GenCell):
            w.cell(item)
        else:
            w.write(item[0], item[1])
        w.write(" | " if i + 1 < len(items) else " |\n")


def md_rule(w, width: int) -> None:
    w.write("|" + "---|" * width + "\n")


def _empty(n: int) -> list[tuple[str, None]]:
    return [("", None)] * n


# --- markdown_merged -------------------------------------------------------------------------


def merged_active(w, tables: GenTables) -> None:
    for caption, header, rows in tables.active:
        width = len(header)
        md_row(w, [(caption, "CAPTION")] * width)
        md_rule(w, width)
        md_row(w, [(word, "HEADER") for word in header])
        for row in rows:
            md_row(w, [(row.label, "ROW")], row.cells)


def _label_path(row: GenRow) -> list[str]:
    """The row's labels from the outermost group in; merged cells repeat to fill three columns."""
    inner = {key.split("_")[0]: label for key, label in GROUP_LABELS.items() if key != "granted"}
    prefix = row.key.split("_")[0]
    if row.key in ("new_received", "carried_over", "carried_forward"):
        path = [row.label]
    elif prefix in inner and row.key != "other":
        path = [GROUP_LABELS["granted"], inner[prefix], row.label]
    else:
        path = [GROUP_LABELS["granted"], row.label]
    return path + [path[-1]] * (MERGED_LABEL_COLS - len(path))


def merged_requests(w, tables: GenTables) -> None:
    labels = _empty(MERGED_LABEL_COLS)
    md_row(w, labels + [("申请人情况", "HEADER")] * 7)
    md_rule(w, MERGED_LABEL_COLS + 7)
    md_row(w, labels + [("自然人", "HEADER")] + [("法人或其他组织", "HEADER")] * 5 + [("总计", "HEADER")])
    md_row(w, labels + [(word, "HEADER") for word in ["自然人", *APPLICANT_HEADER, "总计"]])
    for row in tables.requests:
        md_row(w, [(label, "ROW") for label in _label_path(row)], row.cells)


def merged_appeals(w, tables: GenTables) -> None:
    n = len(APPEALS_COLS)
    md_row(w, [("行政复议", "HEADER")] * n + [("行政诉讼", "HEADER")] * 2 * n)
    md_rule(w, 3 * n)
    second = [(word, "HEADER") for word in APPEALS_RESULTS]
    md_row(w, second + [("未经复议直接起诉", "HEADER")] * n + [("复议后起诉", "HEADER")] * n)
    md_row(w, second * 3)
    md_row(w, [], tables.appeals)


# --- pdf_markdown ----------------------------------------------------------------------------


def pdf_markdown_rows(w, rows: list[RowSpec], rng: random.Random) -> None:
    """Markdown rows as a PDF converter emits them: wrapped labels, detached blocks of values."""
    i = 0
    while i < len(rows):
        if len(rows) - i >= 2 and rng.random() < 0.2:
            block = rows[i : i + rng.randint(2, min(5, len(rows) - i))]
            for group, label, cells in block:
                _group_row(w, group, len(cells))
                md_row(w, [(label, "ROW")], [_blank_like(c) for c in cells])
            for _, _, cells in block:
                md_row(w, _empty(1), cells)
            i += len(block)
            continue
        group, label, cells = rows[i]
        _group_row(w, group, len(cells), rng.random() < 0.5)
        _fragments(w, label, cells, rng)
        i += 1


def _group_row(w, group: str | None, width: int, show: bool = True) -> None:
    if group and show:
        md_row(w, [(group, "ROW")] + _empty(width))


def _blank_like(cell: GenCell) -> GenCell:
    """An empty field in the cell's position (not a cell: it records no offsets)."""
    return GenCell(cell.table, cell.row, cell.col, None, "", slot=cell.slot)


def _fragments(w, label: str, cells: list[GenCell], rng: random.Random) -> None:
    """One row, its label wrapped over two or three markdown rows when it is long."""
    if len(label) < 10 or rng.random() < 0.4:
        md_row(w, [(label, "ROW")], cells)
        return
    cuts = sorted(rng.sample(range(3, len(label) - 2), 2 if len(label) > 24 and rng.random() < 0.5 else 1))
    parts = [label[a:b] for a, b in zip([0, *cuts], [*cuts, len(label)], strict=True)]
    with_values = rng.randrange(len(parts))
    for index, part in enumerate(parts):
        md_row(w, [(part, "ROW")], cells if index == with_values else [_blank_like(c) for c in cells])
