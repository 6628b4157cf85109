"""The generator's ``ambiguous`` flag: a gold cell is undecided exactly when the text leaves a choice."""

from __future__ import annotations

import random
from itertools import combinations

import pytest

from nianbao.extraction.checks.table import run_checks
from nianbao.extraction.document.cells import Cell
from nianbao.extraction.placement.arithmetic import APPEAL_ROWS, REQUEST_COLS, REQUEST_ROW_SUMS
from nianbao.training.generator.generate import GenConfig, generate_report
from nianbao.training.generator.undecided import (
    BLANK,
    PrintedRow,
    allowed_placements,
    propagate,
    run_readings,
    undecided,
)

KINDS = [(False, False)] * 7


def _n(value: int) -> tuple[str, float]:
    return (str(value), float(value))


def _row(key: str, truth: tuple, readings: list) -> PrintedRow:
    return PrintedRow([("requests", key, col) for col in REQUEST_COLS], truth, readings)


def test_a_full_row_is_decided() -> None:
    values = [_n(v) for v in (1, 2, 0, 0, 0, 0, 3)]
    readings = allowed_placements(values, 7, REQUEST_ROW_SUMS)
    assert readings == [tuple(values)]
    assert not undecided([_row("granted", tuple(values), readings)])


def test_the_row_sum_decides_what_it_can_and_no_more() -> None:
    # 5, 3, 2 printed: 2 cannot be the total of 5 and 3, so the total is blank in every reading
    printed = [_n(5), _n(3), _n(2)]
    readings = allowed_placements(printed, 7, REQUEST_ROW_SUMS)
    assert readings and all(r[6] == BLANK for r in readings)
    cells = undecided([_row("granted", readings[0], readings)])
    assert ("requests", "granted", "total") not in cells
    assert ("requests", "granted", "natural_person") in cells  # which applicant columns: not decided
    # 2, 3, 5: 5 may be the total or an applicant with the total left blank (not assessable)
    both = allowed_placements([_n(2), _n(3), _n(5)], 7, REQUEST_ROW_SUMS)
    assert {r[6] for r in both} == {BLANK, _n(5)}


def test_the_column_sums_decide_a_row_its_own_sum_leaves_open() -> None:
    printed = [_n(2), _n(2)]
    truth = (_n(2), BLANK, BLANK, BLANK, BLANK, BLANK, _n(2))
    total = tuple(_n(v) for v in (2, 0, 0, 0, 0, 0, 2))
    rows = {
        "granted": _row("granted", truth, allowed_placements(printed, 7, REQUEST_ROW_SUMS)),
        "total_processed": _row("total_processed", total, [total]),
        "new_received": _row("new_received", total, [total]),
    }
    assert len(rows["granted"].readings) > 1
    propagate(rows, set())
    assert rows["granted"].readings == [truth]
    assert not undecided(rows.values())
    # without 三（七） printed the column sums assess nothing: the row stays open
    alone = {"granted": _row("granted", truth, allowed_placements(printed, 7, REQUEST_ROW_SUMS))}
    propagate(alone, set())
    assert ("requests", "granted", "commercial") in undecided(alone.values())
    # a column sum the true table breaks constrains nothing
    rows = {
        "granted": _row("granted", truth, allowed_placements(printed, 7, REQUEST_ROW_SUMS)),
        "total_processed": _row("total_processed", total, [total]),
    }
    propagate(rows, {f"requests.col_sum.{c}" for c in REQUEST_COLS} | {f"requests.balance.{c}" for c in REQUEST_COLS})
    assert len(rows["granted"].readings) > 1


def test_run_together_digits() -> None:
    assert len(run_readings("111", KINDS[:2], {})) == 2  # 1|11 or 11|1
    assert [r[0][0] for r in run_readings("1001", KINDS[:3], {})] == ["10"]  # no leading zeros: 10|0|1
    assert len(run_readings("120000012", KINDS, {})) > 1
    only = run_readings("120000012", KINDS, REQUEST_ROW_SUMS)  # the row sum keeps 12|0|0|0|0|0|12
    assert [[c[0] for c in r] for r in only] == [["12", "0", "0", "0", "0", "0", "12"]]
    assert run_readings("1/2", KINDS[:3], {}) == [(("1", 1.0), ("/", None), ("2", 2.0))]


STYLES_PRINTING_EVERY_CELL = (
    "tab",
    "markdown",
    "pdf",
    "ocr",
    "lines_nbsp",
    "html_text",
    "tab_empty",
    "markdown_empty",
    "pipe_blank",
    "lines_blank",
    "markdown_merged",
    "pdf_markdown",
)


@pytest.mark.parametrize("style", STYLES_PRINTING_EVERY_CELL)
def test_styles_that_print_every_cell_leave_nothing_undecided(style: str) -> None:
    rng = random.Random(5)
    for index in range(4):
        zero = ("", "0", "/", "")[index] if style not in ("tab", "markdown", "pdf", "ocr") else "0"
        report = generate_report(rng, GenConfig(style, ("2019", "2021")[index % 2], zero_style=zero))
        assert not any(c.get("ambiguous") for c in report["cells"])


def _grid(report: dict) -> dict:
    return {(c["table"], c["row"], c["col"]): c for c in report["cells"]}


def _failed(grid: dict) -> set[str]:
    cells = {k: Cell(*k, value=c["value"], state=c["state"]) for k, c in grid.items()}
    rows = sorted({k[1] for k in grid if k[0] == "requests"})
    return {c.rule for c in run_checks(cells.get, rows, APPEAL_ROWS) if c.ok is False}


def _rows(report: dict) -> list[list[dict]]:
    rows: dict = {}
    for cell in report["cells"]:
        rows.setdefault((cell["table"], "" if cell["table"] == "appeals" else cell["row"]), []).append(cell)
    return list(rows.values())


@pytest.mark.parametrize("style", ["lines", "tab_indented", "pipe"])
def test_a_decided_cell_has_one_content_under_every_placement_the_checks_allow(style: str) -> None:
    """Independently of the marking: move one row's printed values to any other placement; if
    that changes a cell marked decided, some check the gold passes must fail."""
    rng = random.Random(17)
    marked = 0
    for index in range(2):
        report = generate_report(rng, GenConfig(style, ("2019", "2021")[index % 2], zero_style=""))
        grid = _grid(report)
        base = _failed(grid)
        marked += sum(bool(c.get("ambiguous")) for c in report["cells"])
        for row in _rows(report):
            printed = [c for c in row if c["state"] != "blank"]
            if len(printed) == len(row):
                assert not any(c.get("ambiguous") for c in row)  # a full row is decided
                continue
            if len(row) > 7:
                continue  # the appeals row of 15: thousands of placements, left to the requests rows here
            for positions in combinations(range(len(row)), len(printed)):
                moved = dict.fromkeys(range(len(row)))
                moved.update(dict(zip(positions, printed, strict=True)))
                trial = dict(grid)
                changed_decided = False
                for slot, cell in enumerate(row):
                    got = moved[slot]
                    content = (
                        {"value": got["value"], "state": got["state"]} if got else {"value": None, "state": "blank"}
                    )
                    trial[(cell["table"], cell["row"], cell["col"])] = {**cell, **content}
                    changed_decided |= not cell.get("ambiguous") and (got or {}).get("raw", "") != cell["raw"]
                if changed_decided:
                    assert _failed(trial) - base, (row[0]["row"], positions)
    assert marked, "dropped blanks leave some cells undecided"


def test_crawled_reports_mark_only_rows_with_several_splits() -> None:
    rng = random.Random(23)
    for index in range(4):
        report = generate_report(rng, GenConfig("crawl", ("2019", "2021")[index % 2], zero_style="0"))
        for row in _rows(report):
            flags = {bool(c.get("ambiguous")) for c in row}
            if True in flags:  # a split that differs: the printed run admits another reading
                assert len("".join(c["raw"] for c in row)) > len(row)


@pytest.mark.parametrize("style", ["lines", "tab_indented"])
def test_every_undecided_cell_is_in_the_models_review(style: str) -> None:
    from nianbao.extraction.pipeline import DEFAULT_MODEL, extract_text
    from nianbao.extraction.text.locator import ModelLocator

    locator = ModelLocator(DEFAULT_MODEL)
    rng = random.Random(31)
    undecided_cells = 0
    for index in range(3):
        report = generate_report(rng, GenConfig(style, ("2019", "2021")[index % 2], zero_style=""))
        doc = extract_text(report["text"], locator=locator)
        review = {(r["table"], r["row"], r["col"]) for r in doc["review"]}
        undecided = {(c["table"], c["row"], c["col"]) for c in report["cells"] if c.get("ambiguous")}
        assert undecided <= review, sorted(undecided - review)[:5]
        undecided_cells += len(undecided)
    assert undecided_cells
