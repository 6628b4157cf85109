"""Hostile text that once stalled a worker: prose holding a digit run of 150,000 characters
made every narrative pattern backtrack at every position (over 120 s for a 190k report)."""

from __future__ import annotations

from nianbao import extract_bytes
from nianbao.extraction.text.locator import RuleLocator

from .conftest import SHARED

SEED = SHARED / "seeds" / "001_6d8c5d61ee13f09e.txt"


def _narrative(doc: dict) -> list[tuple[str, bool]]:
    return [(c["rule"], c["ok"]) for c in doc["checks"] if c["rule"].startswith("narrative.")]


def test_a_huge_digit_run_in_the_prose_is_read_like_the_report_without_it() -> None:
    text = SEED.read_text("utf-8")
    clean = extract_bytes(text.encode(), "r.txt", locator=RuleLocator())
    junk = "\n共" + "1" * 150_000 + "件，已全部办结。\n" + "7 " * 10_000 + "\n收到申请" + "2" * 13 + "件。\n"
    hostile = extract_bytes((text + junk).encode(), "r.txt", locator=RuleLocator())
    assert _narrative(clean) and _narrative(hostile) == _narrative(clean)
    assert [c["value"] for c in hostile["cells"]] == [c["value"] for c in clean["cells"]]
