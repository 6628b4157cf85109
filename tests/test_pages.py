"""Lone page numbers are told from cells printed one per line by the document: they count up."""

from __future__ import annotations

import random

from nianbao.extraction.text.pages import MIN_LINES_APART, inline_page_numbers, page_number_lines
from nianbao.training.generator.generate import GenConfig, generate_report


def _page_of(rows: list[str], every: int, shape: str = "{n}", first: int = 1) -> tuple[str, list[str]]:
    """``rows`` with a page number line after every ``every`` rows; the text and its page lines."""
    out, pages, page = [], [], first
    for i, row in enumerate(rows, 1):
        out.append(row)
        if i % every == 0:
            out.append(shape.format(n=page))
            pages.append(out[-1])
            page += 1
    return "\n".join(out), pages


def _found(text: str) -> list[str]:
    return [text[start:end] for start, end in page_number_lines(text)]


def test_bare_page_numbers_between_inline_rows_are_found() -> None:
    rows = [f"{k}.第{k}行的标签 {k % 3} 0 {k % 5} 0 0 0 {k % 3 + k % 5}" for k in range(1, 61)]
    for shape in ("{n}", "· {n} ·", "Page {n}", "- {n} -"):
        text, pages = _page_of(rows, 12, shape, first=2)
        assert _found(text) == pages, shape


def test_values_printed_one_per_line_are_not_page_numbers() -> None:
    """A one-value-per-line table counts up by one now and then (``1``, ``2``, ``3`` far apart)
    but holds far more lone numbers than pages: none is taken for a page number."""
    rng = random.Random(3)
    values = [str(rng.choice([0, 0, 0, 1, 2, 3, rng.randint(0, 40)])) for _ in range(400)]
    assert _found("\n".join(values)) == []
    for style in ("lines", "lines_nbsp", "lines_blank", "tab_indented", "html_text", "printed_pdf"):
        for seed in range(3):
            sample = generate_report(random.Random(seed), GenConfig(style, "2021"))
            assert _found(sample["text"]) == [], (style, seed)


def test_a_lone_cell_is_not_taken_into_the_page_numbers() -> None:
    """A cell printed alone on its line (``0``, a shape of its own: bare) next to ``- N -``
    footers, or before a bare first page number: pages start at 1 and share one shape."""
    rows = [f"第{k}行 {k} 0 0 0 0 0 {k}" for k in range(1, 50)]
    text, pages = _page_of(rows, 12, "- {n} -")
    lines = text.split("\n")
    lines.insert(3, "0")
    assert _found("\n".join(lines)) == pages
    text, pages = _page_of(rows, 12, "{n}")
    assert _found(text.replace("第1行", "第1行\n0", 1)) == pages


def test_two_page_numbers_or_numbers_close_together_are_not_enough() -> None:
    rows = [f"第{k}行 1 0 0 0 0 0 1" for k in range(1, 30)]
    text, pages = _page_of(rows, 12)
    assert len(pages) == 2 and _found(text) == []
    close = "\n".join(["标签 1", "1", "标签 2", "2", "标签 3", "3", "标签 4", "4"])
    assert MIN_LINES_APART > 2 and _found(close) == []


def test_lone_values_counting_up_inside_one_table_are_not_page_numbers() -> None:
    """Three one-value rows of a table that happen to print 1, 2, 3 (far enough apart), in a
    document whose other values share their lines: they sit together, page numbers run through
    the whole document."""
    rows = [f"第{k}段正文" for k in range(30)] + ["规章", "1"] + ["x 0 0"] * 8 + ["规范性文件", "2"]
    rows += ["x 0 0"] * 8 + ["行政许可", "3"] + [f"第{k}段正文" for k in range(40)]
    assert _found("\n".join(rows)) == []


def test_page_footers_inside_a_collapsed_line_are_found(shared) -> None:
    """A PDF's text collapsed to one line (a scraper's ``get_text(" ")``) keeps its footers among
    the values (``… 31 0 0 0 0 0 31 - 3 - 1 0 …``): footers of one shape counting up through the
    text are found; a dash, a count and a dash in a table's run once (``- 3 -``: three cells) or
    numbers that do not count up are not."""
    for name, pages in (("hongze-district-2024-pdftext.txt", 4), ("huaian-city-2024-pdftext.txt", 6)):
        text = " ".join((shared / "dev" / name).read_text("utf-8").split())
        found = [text[start:end] for start, end in inline_page_numbers(text)]
        assert found == [f"- {n} -" for n in range(1, pages + 1)], name
    row = "一、本年新收政府信息公开申请数量 - 3 - 0 0 0 3 "
    assert inline_page_numbers(row * 3) == []  # close together and not counting up: cells
    prose = "正文" * 150
    assert inline_page_numbers(f"{prose} 第 2 页 {prose} 第 3 页 {prose} 第 4 页 {prose}") != []
    assert inline_page_numbers(f"{prose} - 5 - {prose} - 2 - {prose} - 9 - {prose}") == []
