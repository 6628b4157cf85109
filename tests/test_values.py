"""Cell parsing per the output contract: signs, 增/减, 万/亿, money units, full width, na, blank."""

from __future__ import annotations

import pytest

from nianbao.extraction.text.letter_digits import read_letter_digits
from nianbao.extraction.text.patterns import VALUE
from nianbao.extraction.text.values import parse_cell, reads_letters


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
        ("O", False, None, (0, None, "number")),  # OCR's letters for digits (letter_digits.py)
        ("l", False, None, (None, None, "text")),  # a lone l may be a table's rule: unparsed
        ("96l7l.6", True, "万元", (96171.6, "万元", "number")),
        ("1O", False, None, (10, None, "number")),
        ("2lO", False, None, (210, None, "number")),
        ("+l", False, None, (None, None, "text")),  # a sign before a lone letter: not read
        ("lO", False, None, (None, None, "text")),  # a rule and a zero, or 10: unparsed
        ("OOOOOOO", False, None, (None, None, "text")),  # seven letters: a word, not a number
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


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("行政处罚 96l7l.6 O\n", "行政处罚 96171.6 0\n"),  # inside a number; alone in its field
        ("| O | l | I | lo |", "| 0 | l | I | lo |"),  # a lone l or I may be a rule
        ("\tO\tO\t0\n2O2l年 0l", "\t0\t0\t0\n202l年 0l"),  # a one letter only between digits
        ("〇\n二〇二三年", "0\n二〇二三年"),  # 〇 alone is a zero, in a numeral a numeral
        ("o 加强培训\nl\t完善制度", "o 加强培训\nl\t完善制度"),  # bullets before words
        ("www.gov.cn ISO9001 No.1 col1O I类", "www.gov.cn ISO9001 No.1 col1O I类"),  # words keep letters
    ],
)
def test_ocr_letters_read_as_digits_only_where_a_number_stands(text: str, read: str) -> None:
    assert read_letter_digits(text) == read and len(read) == len(text)


def test_reads_letters_tells_a_number_read_through_letters() -> None:
    assert (
        reads_letters("3l2")
        and not reads_letters("l2")
        and reads_letters("Ｏ")
        and not reads_letters("12")
        and not reads_letters("见附件")
    )
