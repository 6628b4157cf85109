"""A failed check puts the cells it involves under review: the ones that could be at fault.

A cell that adds up in another rule which holds is vouched for by it; an unsure cell (an
ambiguous placement or split) never is. When every cell of a failed rule is vouched for (errors
that cancel elsewhere, like two values swapped within a row), all its cells are involved.
"""

from __future__ import annotations

import random

import pytest

from nianbao import extract_text
from nianbao.extraction.placement import joint
from nianbao.training.generator.generate import GenConfig, generate, generate_report

Key = tuple[str, str, str]


def _key(entry: dict) -> Key:
    return (entry["table"], entry["row"], entry["col"])


def _check_reviewed(doc: dict) -> set[Key]:
    return {_key(r) for r in doc["review"] if "check_failed" in r["reasons"]}


def _failed_cells(doc: dict) -> set[Key]:
    return {_key(c) for check in doc["checks"] if check["ok"] is False for c in check["cells"]}


@pytest.mark.parametrize("style", ["tab", "markdown", "pdf"])
@pytest.mark.parametrize("seed", [0, 6, 27])
def test_a_misprinted_total_is_reviewed_not_the_columns_that_add_up(style: str, seed: int) -> None:
    """The generator misprints one requests row total (the gold keeps the printed value): its row
    sum and the 总计 column sum fail; every other cell of them adds up in its own column."""
    sample = generate_report(random.Random(seed), GenConfig(style, "2019"))
    broken = [rule for rule in sample["failed_checks"] if rule.startswith("requests.row_sum.")]
    assert len(broken) == 1, sample["failed_checks"]
    doc = extract_text(sample["text"])
    assert sorted(c["rule"] for c in doc["checks"] if c["ok"] is False) == sorted(sample["failed_checks"])
    total = ("requests", broken[0].rsplit(".", 1)[1], "total")
    assert _check_reviewed(doc) == {total}
    entry = next(r for r in doc["review"] if _key(r) == total)
    assert sorted(entry["rules"]) == sorted(sample["failed_checks"])
    assert len(_failed_cells(doc)) > 20  # the checks still list every cell of the failed rules


def _swap_two_values(sample: dict) -> tuple[str, Key, Key]:
    """Swap two different printed numbers of one requests row (its own sum still holds)."""
    by_row: dict[str, list[dict]] = {}
    for cell in sample["cells"]:
        if cell["table"] == "requests" and cell["col"] != "total" and cell["state"] == "number":
            by_row.setdefault(cell["row"], []).append(cell)
    for row in ("granted", "partially_granted", "new_received"):
        cells = sorted(by_row.get(row, []), key=lambda c: c["start"])
        for a, b in zip(cells, cells[1:], strict=False):
            if a["value"] != b["value"]:
                text = sample["text"]
                ra, rb = text[a["start"] : a["end"]], text[b["start"] : b["end"]]
                text = text[: a["start"]] + rb + text[a["end"] : b["start"]] + ra + text[b["end"] :]
                return text, _key(a), _key(b)
    raise AssertionError("no row with two different numbers")


@pytest.mark.parametrize("style", ["tab", "markdown"])
def test_values_swapped_within_a_row_keep_both_failed_columns_in_review(style: str) -> None:
    """The row sum holds and vouches for every cell of the two failed column sums: all are involved."""
    sample = generate_report(random.Random(1), GenConfig(style, "2019"))
    assert sample["failed_checks"] == []
    text, a, b = _swap_two_values(sample)
    doc = extract_text(text)
    failed = {c["rule"] for c in doc["checks"] if c["ok"] is False}
    assert failed == {f"requests.col_sum.{a[2]}", f"requests.col_sum.{b[2]}"}
    assert {a, b} <= _check_reviewed(doc)
    assert _check_reviewed(doc) == _failed_cells(doc)


@pytest.mark.parametrize(("template", "seed"), [("2019", 7), ("2019", 14), ("2021", 0), ("2021", 3)])
def test_crawled_rows_whose_split_is_unsure_take_the_blame_of_the_column_sums(
    template: str, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crawled report whose own arithmetic holds. The joint decoder finds the splits that fit
    the column sums; past its bound on combinations (a table too large to search at once) it keeps
    the row-by-row reading, and there the column sums fail only because a digit run was split
    wrongly. The unsure rows are reviewed; the rows that add up are not reviewed for it, and no
    wrong cell the text decides is left out."""
    sample = generate_report(random.Random(seed), GenConfig("crawl", template))
    assert sample["failed_checks"] == []
    searched = extract_text(sample["text"])
    assert all(c["ok"] is not False for c in searched["checks"])
    got = {_key(c): c["value"] for c in searched["cells"]}
    assert all(got[_key(c)] == c["value"] for c in sample["cells"] if not c.get("ambiguous"))
    monkeypatch.setattr(joint, "MAX_JOINT", 1)
    doc = extract_text(sample["text"])
    assert any(c["ok"] is False for c in doc["checks"])
    review = {_key(r): r["reasons"] for r in doc["review"]}
    assert _check_reviewed(doc) and all(
        {"ambiguous_split", "check_failed"} <= set(review[key]) for key in _check_reviewed(doc)
    )
    assert not [key for key, reasons in review.items() if reasons == ["check_failed"]]
    got = {_key(c): c["value"] for c in doc["cells"]}
    wrong = {_key(c) for c in sample["cells"] if not c.get("ambiguous") and got[_key(c)] != c["value"]}
    assert wrong and wrong <= set(review)


def test_a_row_whose_values_could_sit_in_other_columns_is_not_cleared_by_its_own_sum() -> None:
    """Blanks dropped (``lines``): a row printing fewer values than columns fits them several ways,
    and its own sum holds whichever way. Its cells in a failed column rule stay involved: every
    cell the text leaves undecided that sits in a failed column rule is under review."""
    checked = 0
    for sample in generate(8, seed=77, styles=("lines",)):
        doc = extract_text(sample["text"])
        review = {_key(r) for r in doc["review"]}
        in_failed_columns = {
            _key(c)
            for check in doc["checks"]
            if check["ok"] is False and ".col_sum." in check["rule"]
            for c in check["cells"]
        }
        undecided = {_key(c) for c in sample["cells"] if c.get("ambiguous")} & in_failed_columns
        assert undecided <= review, sorted(undecided - review)
        checked += len(undecided)
    assert checked > 50
