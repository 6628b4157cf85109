"""Cell parsing per the output contract: signs, 增/减, 万/亿, money units, full width, na, blank."""

from __future__ import annotations

import pytest

from nianbao.extraction.text.patterns import VALUE
from nianbao.extraction.text.values import parse_cell


@pytest.mark.parametrize(
    ("raw", "money", "default_unit", "expected"),
    [
        ("10", False, None, (10, None, "number")),
        ("+5", False, None, (5, None, "number")),
        ("-1", False, None, (-1, None, "number")),
        ("增1万", False, None, (10000, None, "number")),
        ("减3", False, None, (-3, None, "number")),
        ("19万", False, None, (190000, None, "number")),
        ("2亿", False, None, (200000000, None, "number")),
        ("855.034 万元", True, None, (855.034, "万元", "number")),
        ("251000元", True, None, (251000, "元", "number")),
        ("69497117", True, None, (69497117, None, "number")),
        ("1903.17", True, "万元", (1903.17, "万元", "number")),
        ("１，２３４", False, None, (1234, None, "number")),
        ("0", False, None, (0, None, "number")),
        ("", False, None, (None, None, "blank")),
        ("/", False, None, (None, None, "na")),
        ("—", False, None, (None, None, "na")),
        ("-", False, None, (None, None, "na")),
        ("无", False, None, (None, None, "na")),
        ("见附件", False, None, (None, None, "text")),
    ],
)
def test_parse_cell(raw, money, default_unit, expected) -> None:
    parsed = parse_cell(raw, money=money, default_unit=default_unit)
    assert (parsed.value, parsed.unit, parsed.state) == expected
    assert type(parsed.value) is type(expected[0])


def test_zero_blank_and_slash_stay_distinct() -> None:
    states = {parse_cell(raw).state for raw in ("0", "", "/")}
    assert states == {"number", "blank", "na"}


def test_marks_printed_for_a_cell_are_value_tokens_and_prose_is_not() -> None:
    """ "/", "\\", "×", 无 and dashes in a field of their own are cells (read as ``na``); an
    ellipsis, a product or a mark inside a word is not."""
    found = [m.group(0) for m in VALUE.finditer("规章 | \\ | × | / | 无 | -- | —— |\n说明：……详见附件，3×4，A/B")]
    assert found == ["\\", "×", "/", "无", "--", "——", "3", "4"]
    assert all(parse_cell(mark).state == "na" for mark in found[:6])
