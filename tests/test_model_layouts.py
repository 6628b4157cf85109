"""The shipped model on every layout: it decides where values go, at least as well as the rules.

Generated reports of each of the generator's styles, and the real reports re-printed in each
layout that keeps empty cells (tab rows, markdown rows, pipe lines and one value per line with
blanks, merged cells repeated): the model reads every re-printed real report right, and on
generated reports it is never below the rules, and above them where the layout decides what
the arithmetic cannot and no markup counts the cells.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nianbao.extraction.pipeline import DEFAULT_MODEL, extract_text
from nianbao.extraction.text.locator import ModelLocator, RuleLocator
from nianbao.training.generator.generate import generate
from nianbao.training.generator.reflatten import load_real, reflatten
from nianbao.training.generator.render import STYLES

GOLD = Path(__file__).resolve().parent / "gold"
EMPTY_CELL_LAYOUTS = ("tab_empty", "markdown_empty", "pipe_blank", "lines_blank", "markdown_merged")
MARKDOWN_LAYOUTS = ("markdown_empty", "markdown_merged")
# the crawled reports' tables are one-line runs: re-printed with line breaks they read as text
REAL = [p for p in sorted(GOLD.glob("*.json")) if "crawl" not in p.name]


@pytest.fixture(scope="module")
def model() -> ModelLocator:
    return ModelLocator(DEFAULT_MODEL)


def _wrong(doc: dict, cells: list[dict]) -> list[tuple[str, str, str]]:
    got = {(c["table"], c["row"], c["col"]): (c["value"], c["state"]) for c in doc["cells"]}
    return [
        (c["table"], c["row"], c["col"])
        for c in cells
        if got.get((c["table"], c["row"], c["col"])) != (c["value"], c["state"])
    ]


def _wrong_cells(locator, samples: list[dict]) -> int:
    return sum(len(_wrong(extract_text(s["text"], locator=locator), s["cells"])) for s in samples)


@pytest.mark.parametrize("style", STYLES)
def test_model_is_never_below_the_rules(style: str, model: ModelLocator) -> None:
    samples = generate(3, seed=4242, styles=(style,))
    assert _wrong_cells(model, samples) <= _wrong_cells(RuleLocator(), samples)


@pytest.mark.parametrize("style", [s for s in EMPTY_CELL_LAYOUTS if s not in MARKDOWN_LAYOUTS])
def test_model_reads_what_the_layout_decides(style: str, model: ModelLocator) -> None:
    samples = generate(6, seed=4242, styles=(style,))
    assert _wrong_cells(model, samples) < _wrong_cells(RuleLocator(), samples)


@pytest.mark.parametrize("style", MARKDOWN_LAYOUTS)
def test_markdown_rows_are_read_cell_by_cell_with_either_locator(style: str, model: ModelLocator) -> None:
    """A framed markdown row prints one cell per column (``row_layout.markdown_slots``): counted
    for the rules as for the model, the appeals row of fifteen cells included (the rules had put
    its values by the arithmetic alone)."""
    samples = generate(6, seed=4242, styles=(style,))
    assert _wrong_cells(model, samples) == _wrong_cells(RuleLocator(), samples) == 0


@pytest.mark.parametrize("style", EMPTY_CELL_LAYOUTS)
def test_real_reports_reprinted_with_empty_cells_are_read_right(style: str, model: ModelLocator, shared: Path) -> None:
    for gold_path in REAL:
        text, gold = load_real(gold_path, shared)
        record = reflatten(text, gold, style, seed=1)
        assert not _wrong(extract_text(record["text"], locator=model), record["cells"]), gold_path.name


def _row_values(cells: list[dict], rows: set[tuple[str, str]]) -> dict[tuple[str, str], list]:
    values: dict[tuple[str, str], list] = {row: [] for row in rows}
    for cell in cells:
        if (cell["table"], cell["row"]) in rows and cell["state"] == "number":
            values[(cell["table"], cell["row"])].append(cell["value"])
    return {row: sorted(found) for row, found in values.items()}


def _detached_rows(text: str, cells: list[dict]) -> set[tuple[str, str]]:
    """Rows whose gold values sit on a line opening with an empty field (``|  | 84 |``)."""
    rows = set()
    for cell in cells:
        if cell.get("start") is not None:
            line = text[text.rfind("\n", 0, cell["start"]) + 1 : cell["start"]]
            if re.match(r"[ \t]*\|[ \t]*\|", line):
                rows.add((cell["table"], cell["row"]))
    return rows


@pytest.mark.parametrize("seed", [1, 2])
def test_detached_value_rows_reach_their_labels_in_real_reports_reprinted_as_pdf_markdown(
    seed: int, model: ModelLocator, shared: Path
) -> None:
    """A PDF-to-markdown block (label rows with empty fields, then the block's value rows with an
    empty label field) is aligned row by row: every detached row gets its own values."""
    detached = 0
    for gold_path in REAL:
        text, gold = load_real(gold_path, shared)
        record = reflatten(text, gold, "pdf_markdown", seed=seed)
        rows = _detached_rows(record["text"], record["cells"])
        detached += len(rows)
        doc = extract_text(record["text"], locator=model)
        assert _row_values(doc["cells"], rows) == _row_values(record["cells"], rows), gold_path.name
    assert detached >= 10  # the layout did detach value rows
