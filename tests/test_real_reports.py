"""Every real report in ../shared with a gold annotation comes out exactly as annotated."""

from __future__ import annotations

import pytest

from nianbao import extract
from nianbao.evaluation.gold import load_gold

from .conftest import GOLD_DIR

GOLDS = load_gold(GOLD_DIR)


def test_all_eight_reports_annotated() -> None:
    names = {g.data["source"] for g in GOLDS}
    assert len([n for n in names if n.startswith("seeds/")]) == 5
    assert len([n for n in names if n.endswith("pdftext.txt")]) == 3


@pytest.mark.parametrize("gold", GOLDS, ids=lambda g: g.name)
def test_report_matches_gold(gold, shared) -> None:
    doc = extract(gold.source_path(shared))
    from nianbao.evaluation.gold import compare

    problems = compare(gold.data, doc)
    assert problems == [], "\n".join(problems[:40])


@pytest.mark.parametrize("gold", GOLDS, ids=lambda g: g.name)
def test_offsets_point_at_printed_text(gold, shared) -> None:
    doc = extract(gold.source_path(shared))
    text = gold.source_path(shared).read_text("utf-8")
    for section in doc["sections"]:
        assert text[section["start"] : section["end"]] == section["title"]
    for cell in doc["cells"]:
        if cell["state"] in ("number", "na", "text"):
            assert text[cell["start"] : cell["end"]] == cell["raw"], cell
        else:
            assert cell["start"] is None and cell["value"] is None, cell
