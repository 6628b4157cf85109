"""The decoder's undecided readings in the document: whole rows a reviewer chooses between."""

from __future__ import annotations

from pathlib import Path

import pytest

from nianbao.extraction.pipeline import extract_text
from nianbao.extraction.text.locator import RuleLocator

SHARED = Path(__file__).resolve().parents[2] / "shared"
REPORTS = ["seeds/000_c304030f2df1b677", "seeds/003_00d1a30b4b93398f", "dev/pingtan-haitan-2020-crawl"]


def _text(name: str) -> str:
    return (SHARED / f"{name}.txt").read_text(encoding="utf-8")


def _cells(doc: dict) -> dict:
    return {(c["table"], c["row"], c["col"]): c for c in doc["cells"]}


def _key(table: str, cell: dict) -> tuple:
    return (table, cell["row"], cell["col"])


@pytest.mark.parametrize("name", REPORTS)
def test_chosen_reading_is_what_the_cells_hold(name: str) -> None:
    text = _text(name)
    doc = extract_text(text, locator=RuleLocator())
    cells = _cells(doc)
    review = {(r["table"], r["row"], r["col"]) for r in doc["review"]}
    assert doc["alternatives"], "the rules leave these reports' rows ambiguous"
    for entry in doc["alternatives"]:
        readings = entry["readings"]
        assert 2 <= len(readings) <= entry["total"]
        chosen = readings[entry["chosen"]]["cells"]
        for cell in chosen:
            held = cells[_key(entry["table"], cell)]
            assert (held["raw"], held["start"], held["end"]) == (cell["raw"], cell["start"], cell["end"])
        shapes = {tuple((c["row"], c["col"]) for c in r["cells"]) for r in readings}
        assert len(shapes) == 1  # every reading lists the same cells: the whole row
        signatures = {tuple((c["raw"], c["start"]) for c in r["cells"]) for r in readings}
        assert len(signatures) == len(readings)  # readings differ
        for reading in readings:
            for cell in reading["cells"]:
                if cell["start"] is not None:
                    assert text[cell["start"] : cell["end"]] == cell["raw"]  # grounded
        differing = {
            _key(entry["table"], c)
            for r in readings
            for c in r["cells"]
            if c["raw"] != next(x for x in chosen if x["col"] == c["col"] and x["row"] == c["row"])["raw"]
        }
        assert differing <= review  # what the readings disagree on is under review


def test_picking_another_reading_is_a_set_of_corrections() -> None:
    text = _text("seeds/000_c304030f2df1b677")
    doc = extract_text(text, locator=RuleLocator())
    entry = next(e for e in doc["alternatives"] if e["row"] == "new_received")
    other = next(i for i in range(len(entry["readings"])) if i != entry["chosen"])
    picked = entry["readings"][other]["cells"]
    fixed = {("requests", c["row"], c["col"]): c["raw"] for c in picked}
    after = extract_text(text, locator=RuleLocator(), fixed=fixed)
    cells = _cells(after)
    for cell in picked:
        held = cells[("requests", cell["row"], cell["col"])]
        assert (held["raw"], held["start"]) == (cell["raw"], cell["start"])
    assert not any(e["row"] == "new_received" for e in after["alternatives"])  # decided now


def test_run_together_digits_offer_their_splits() -> None:
    doc = extract_text(_text("dev/pingtan-haitan-2020-crawl"), locator=RuleLocator())
    entry = next(e for e in doc["alternatives"] if e["row"] == "procurement")
    assert entry["kind"] == "split" and entry["table"] == "active"
    pairs = {tuple(c["raw"] for c in r["cells"]) for r in entry["readings"]}
    assert {("3", "922533.2元"), ("39", "22533.2元")} <= pairs  # 3922533.2元 printed fused


def test_a_decided_report_has_no_alternatives() -> None:
    doc = extract_text(_text("seeds/002_0894b26ac3a47999"), locator=RuleLocator())
    assert doc["alternatives"] == []
