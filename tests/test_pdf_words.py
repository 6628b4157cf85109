"""PDF tables printed without ruling lines, read from word positions (blank cells kept).

The PDFs are printed in the tests from generated reports: by reportlab with no grid style
and by headless Chromium from HTML whose cells have ``border:none``. Each has blank cells
(the blank-cell style prints nothing for zero) and a requests table over a page break.
"""

from __future__ import annotations

import io
import random
import re

import pytest

from nianbao import extract_bytes, extract_text
from nianbao.extraction.inputs.render import render_input


def _sample(seed: int, template: str, zero: str) -> tuple[dict, list]:
    from nianbao.training.generator.generate import GenConfig
    from nianbao.training.generator.printed_pdf import printed_pdf_sample

    return printed_pdf_sample(random.Random(seed), GenConfig("printed_pdf", template, False, zero))


def _page_texts(data: bytes) -> list[str]:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        assert all(not page.lines and not page.rects for page in pdf.pages), "the PDF draws no rules"
        return [page.extract_text() or "" for page in pdf.pages]


def _wrong(sample: dict, doc: dict) -> list[tuple]:
    got = {(c["table"], c["row"], c["col"]): c for c in doc["cells"]}
    fields = ("value", "state", "raw", "unit")
    out = []
    for cell in sample["cells"]:
        found = got[(cell["table"], cell["row"], cell["col"])]
        if tuple(found[f] for f in fields) != tuple(cell[f] for f in fields):
            out.append((cell["table"], cell["row"], cell["col"], cell["value"], found["value"]))
    return out


def _check_unruled(sample: dict, data: bytes, zero: str) -> None:
    pages = [re.sub(r"\s", "", text) for text in _page_texts(data)]
    first = next(i for i, text in enumerate(pages) if "一、本年新收" in text)
    last = next(i for i, text in enumerate(pages) if "（七）总计" in text)
    assert first < last, "the requests table is printed over a page break"
    if zero == "":
        assert sum(c["state"] == "blank" for c in sample["cells"]) > 20
        # read from the text layer alone, the values after a blank slide left
        assert _wrong(sample, extract_text("\n".join(_page_texts(data)))) != []
    rendered = render_input(data, "unruled.pdf")
    assert rendered is not None
    requests = [t for t in rendered.tables if any(c.text.startswith("一、本年新收") for c in t.cells)]
    assert len(requests) == 1 and any(c.text == "（七）总计" for c in requests[0].cells)
    doc = extract_bytes(data, "unruled.pdf")
    assert doc["errors"] == []
    assert _wrong(sample, doc) == []
    text = doc["source"]["rendered_text"]
    for cell in doc["cells"]:
        if cell["state"] in ("number", "na", "text"):
            assert text[cell["start"] : cell["end"]] == cell["raw"]
    assert [s["title"] for s in doc["sections"]] == [s["title"] for s in sample["sections"]]


@pytest.mark.parametrize(
    ("seed", "template", "zero", "repeat_header", "valign"),
    [
        (11, "2021", "", 0, "BOTTOM"),
        (12, "2019", "", 3, "MIDDLE"),
        (16, "2019", "", 0, "TOP"),
        (1, "2021", "0", 3, "BOTTOM"),
        (2, "2019", "/", 0, "MIDDLE"),
    ],
)
def test_reportlab_pdf_without_rules_reads_fully_right(seed, template, zero, repeat_header, valign) -> None:
    from nianbao.training.generator.pdf_print import print_pdf

    sample, blocks = _sample(seed, template, zero)
    data = print_pdf(blocks, repeat_header=repeat_header, ruled=False, valign=valign)
    _check_unruled(sample, data, zero)


@pytest.mark.parametrize(
    ("seed", "template", "zero", "header_rows"),
    [(11, "2021", "", 3), (16, "2019", "", 0), (3, "2021", "", 3)],
)
def test_chromium_pdf_of_borderless_html_reads_fully_right(seed, template, zero, header_rows, tmp_path) -> None:
    from nianbao.training.generator.pdf_print import chromium_pdf, print_html

    sample, blocks = _sample(seed, template, zero)
    data = chromium_pdf(print_html(blocks, header_rows=header_rows, padding=6, borders=False), tmp_path)
    _check_unruled(sample, data, zero)


def _canvas_pdf(rows: list[tuple[float, list[tuple[float, str]]]], height: float = 842) -> bytes:
    """A one-page PDF (595 pt wide) with the given words drawn at (x, y) in 10 pt, no rules."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(595, height))
    pdf.setFont("STSong-Light", 10)
    for y, words in rows:
        for x, word in words:
            pdf.drawString(x, y, word)
    pdf.save()
    return buffer.getvalue()


def test_columns_of_numbers_that_are_not_a_statistics_table_stay_text() -> None:
    """Prose and an aligned list of numbers whose rows are not the templates' rows."""
    rows = [(760, [(72, "一、总体情况")]), (740, [(72, "本机关全年召开会议，情况如下。")])]
    for i, (name, a, b) in enumerate(
        [("会议", "12", "35"), ("培训", "4", "80"), ("调研", "7", "9"), ("座谈", "3", "1")]
    ):
        rows.append((720 - 16 * i, [(72, name), (200, a), (300, b)]))
    rows.append((640, [(72, "以上数据截至2023年12月31日。")]))
    data = _canvas_pdf(rows)
    rendered = render_input(data, "list.pdf")
    assert rendered is not None and rendered.tables == ()
    assert rendered.text == "\n".join(_page_texts(data))


def test_a_statistics_table_drawn_word_by_word_keeps_its_blank_cells() -> None:
    """The active-information table drawn as words at column positions: the blank stays blank."""
    header = [(72, "信息内容"), (200, "本年制发件数"), (300, "本年废止件数"), (400, "现行有效件数")]
    rows = [(760, [(72, "二、主动公开政府信息情况")]), (740, header)]
    rows.append((724, [(72, "规章"), (300, "2"), (400, "15")]))  # nothing printed under 本年制发件数
    rows.append((708, [(72, "行政规范性文件"), (200, "4"), (400, "31")]))
    data = _canvas_pdf(rows)
    rendered = render_input(data, "active.pdf")
    assert rendered is not None and len(rendered.tables) == 1
    (table,) = rendered.tables
    grid = [[table.cells[i].text for i in row] for row in table.grid]
    assert grid == [["规章", "", "2", "15"], ["行政规范性文件", "4", "", "31"]]
    for cell in table.cells:
        assert rendered.text[cell.start : cell.end] == (cell.text or "\u00a0")


def _grid_pdf(n_rows: int) -> bytes:
    """A tall page: the active table's header over n rows of 规章 and three values."""
    top = 16 * n_rows + 100
    header = [(72, "信息内容"), (200, "本年制发件数"), (300, "本年废止件数"), (400, "现行有效件数")]
    rows = [(top - 20, [(72, "二、主动公开政府信息情况")]), (top - 40, header)]
    for i in range(n_rows):
        rows.append((top - 60 - 16 * i, [(72, "规章"), (200, str(i)), (300, "2"), (400, str(i + 7))]))
    return _canvas_pdf(rows, top)


def test_a_page_of_more_words_than_a_report_page_has_is_read_as_text() -> None:
    """Looking for tables from word positions is bounded: past MAX_WORDS words, the text layer."""
    from nianbao.extraction.inputs.pdf_words import MAX_WORDS

    few = render_input(_grid_pdf(300), "few.pdf")  # 1,200 words in four columns
    assert few is not None and len(few.tables) == 1 and len(few.tables[0].grid) == 300
    data = _grid_pdf(MAX_WORDS // 4 + 1)
    many = render_input(data, "many.pdf")
    assert many is not None and many.tables == ()
    assert many.text == "\n".join(_page_texts(data))
