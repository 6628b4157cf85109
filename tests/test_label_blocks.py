"""A block of row labels printed before a block of their values (``placement/label_blocks.py``):
the real PDFs' text as pdfminer writes it, and the readings the arithmetic chooses between."""

from __future__ import annotations

import functools
import json

import pytest

from nianbao.extraction.pipeline import Extractor
from nianbao.extraction.placement.align import Group
from nianbao.extraction.placement.arithmetic import REQUEST_ROW_SUMS
from nianbao.extraction.placement.label_blocks import split_label_blocks
from nianbao.extraction.text.patterns import Label, Token

from .conftest import GOLD_DIR

STEMS = ("hongze-district-2023", "hongze-district-2024")


@functools.cache
def _pdfminer_text(path: str) -> str:
    from pdfminer.high_level import extract_text

    return extract_text(path)


@pytest.mark.parametrize("stem", STEMS)
@pytest.mark.parametrize("model", [None, "rules"])
def test_pdfminer_text_of_the_real_pdfs(shared, stem: str, model: str | None) -> None:
    """pdfminer prints each page's labels, then the values one per line, column after column,
    the 总计 column before the last applicant column (its box starts higher). Before: the whole
    run went to the page's last label, every other row blank and out of review (154 of ~200
    cells wrong and silent). Now the requests and appeals tables read as the gold; the active
    table's two three-column rows, whose order no identity decides, are in review."""
    text = _pdfminer_text(str(shared / "dev" / f"{stem}.pdf"))
    doc = Extractor(model)(text.encode("utf-8"), name=f"{stem}.txt")
    gold = json.loads((GOLD_DIR / f"{stem}-pdftext.json").read_text("utf-8"))
    got = {(c["table"], c["row"], c["col"]): c for c in doc["cells"]}
    reviewed = {(r["table"], r["row"], r["col"]) for r in doc["review"]}
    wrong = [
        (c["table"], c["row"], c["col"])
        for c in gold["cells"]
        if (got[c["table"], c["row"], c["col"]]["value"], got[c["table"], c["row"], c["col"]]["state"])
        != (c["value"], c["state"])
    ]
    assert [key for key in wrong if key[0] != "active"] == []
    assert [key for key in wrong if key not in reviewed] == []
    for cell in doc["cells"]:
        if cell["state"] == "number":
            assert text[cell["start"] : cell["end"]] == cell["raw"]


def _block(values: list[str], n_labels: int, width: int = 7) -> tuple[list[Label], dict[str, Group]]:
    """``n_labels`` labels on their own lines, then ``values`` one per line after the last."""
    labels = [Label(f"row{i}", i * 10, i * 10 + 5) for i in range(n_labels)]
    start = n_labels * 10
    tokens = tuple(Token(start + 3 * i, start + 3 * i + len(v), v, n_labels + i) for i, v in enumerate(values))
    return labels, {labels[-1].row: Group(tokens)}


def _rows(assignment: dict[str, Group]) -> dict[str, list[str]]:
    return {row: [t.raw for t in group.tokens] for row, group in sorted(assignment.items())}


WIDTHS = {f"row{i}": 7 for i in range(4)}
TEXT = "\n" * 200  # labels and values on lines of their own


def test_a_block_printed_row_by_row() -> None:
    labels, assignment = _block(["1", "2", "0", "0", "0", "0", "3", "4", "0", "0", "0", "0", "1", "5"], 2)
    split, undecided = split_label_blocks(TEXT, labels, assignment, WIDTHS, REQUEST_ROW_SUMS)
    assert _rows(split) == {"row0": ["1", "2", "0", "0", "0", "0", "3"], "row1": ["4", "0", "0", "0", "0", "1", "5"]}
    assert undecided == set()


def test_a_block_printed_column_by_column_with_the_total_column_early() -> None:
    """Columns 自然人 (5, 2), 商业企业 (1, 0), …, 总计 printed before 其他 (6, 2): the identities hold
    only with 总计 last; moving 自然人 to the end holds nowhere here (it differs from 总计)."""
    columns = [["5", "2"], ["1", "0"], ["0", "0"], ["0", "0"], ["0", "0"], ["6", "2"], ["0", "0"]]
    labels, assignment = _block([v for column in columns for v in column], 2)
    split, undecided = split_label_blocks(TEXT, labels, assignment, WIDTHS, REQUEST_ROW_SUMS)
    assert _rows(split) == {"row0": ["5", "1", "0", "0", "0", "0", "6"], "row1": ["2", "0", "0", "0", "0", "0", "2"]}
    assert undecided == set()


def test_readings_the_arithmetic_cannot_choose_go_to_review() -> None:
    """Three-column rows (no identity): by rows and by columns differ, so both rows are set aside."""
    labels, assignment = _block(["0", "0", "0", "5", "0", "5"], 2)
    split, undecided = split_label_blocks(TEXT, labels, assignment, {"row0": 3, "row1": 3}, {})
    assert _rows(split) == {"row0": ["0", "0", "0"], "row1": ["5", "0", "5"]}  # as printed, row by row
    assert undecided == {"row0", "row1"}
    zeros, zero_assignment = _block(["0"] * 6, 2)
    assert split_label_blocks(TEXT, zeros, zero_assignment, {"row0": 3, "row1": 3}, {})[1] == set()  # alike either way


def test_runs_that_are_no_block_are_left_alone() -> None:
    """A run one row long, a run that fits no number of labels, a block whose label before it
    has no values either (a label may be missing: the counts would be off by a row), and labels
    whose rows print their empty cells (``行政处罚\t\t\t``: a docling table repeating a merged
    fee over three cells had given it to the two empty rows above as well)."""
    for values, n_labels in ((["1"] * 7, 2), (["1"] * 10, 2), (["1"] * 14, 3)):
        labels, assignment = _block(values, n_labels)
        assert split_label_blocks(TEXT, labels, assignment, WIDTHS, REQUEST_ROW_SUMS) == (assignment, set())
    labels, assignment = _block(["1"] * 14, 2)
    empty_cells = "x" * 5 + "\t\t\t\n" + "\n" * 200  # row0's label, then its empty cells
    assert split_label_blocks(empty_cells, labels, assignment, WIDTHS, REQUEST_ROW_SUMS) == (assignment, set())


def test_a_label_with_values_of_its_own_is_no_part_of_a_block() -> None:
    """``row1`` prints its values before its label (pdfminer without box flow: ``9 0 … 9`` then
    ``（二）部分公开``), ``row2`` a run of two rows after its label: the run is not row1's and
    row2's (it had been split over them, row1's own values dropped, every row after shifted)."""
    labels = [Label("row0", 0, 5), Label("row1", 10, 15), Label("row2", 20, 25)]
    own = Group((Token(6, 7, "1", 1),))
    run = Group(tuple(Token(30 + 3 * i, 31 + 3 * i, "0", 3 + i) for i in range(14)))
    assignment = {"row1": own, "row2": run}
    assert split_label_blocks(TEXT, labels, assignment, WIDTHS, REQUEST_ROW_SUMS) == (assignment, set())
