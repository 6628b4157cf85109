"""PDF tables read as grids from the page (real Hongze PDFs, generated PDFs) and bounded PDF reading.

``tests/gold/pdf/*.json`` hold the hand-annotated values of the ``-pdftext`` gold with offsets
into the PDF's rendered text (``"text": "rendered"``, like the HTML gold).
"""

from __future__ import annotations

import io
import json
import re
import zlib

import pytest

from nianbao import extract_bytes
from nianbao.errors import MESSAGES, message
from nianbao.evaluation.bench.pdf import deflated_zeros, pdf_of_objects
from nianbao.evaluation.gold import compare
from nianbao.extraction.inputs.render import NBSP, render_input

from .conftest import GOLD_DIR

PDF_GOLDS = sorted((GOLD_DIR / "pdf").glob("*.json"))


@pytest.mark.parametrize("path", PDF_GOLDS, ids=lambda p: p.stem)
def test_real_pdf_read_from_the_page_matches_gold(path, shared) -> None:
    gold = json.loads(path.read_text("utf-8"))
    assert gold["text"] == "rendered"
    data = (shared / gold["source"]).read_bytes()
    doc = extract_bytes(data, name=path.stem + ".pdf")
    assert doc["source"]["format"] == "pdf" and doc["errors"] == []
    problems = compare(gold, doc)
    assert problems == [], "\n".join(problems[:40])
    text = doc["source"]["rendered_text"]
    for cell in doc["cells"]:
        if cell["state"] in ("number", "na", "text"):
            assert text[cell["start"] : cell["end"]] == cell["raw"]
    for section in doc["sections"]:
        assert text[section["start"] : section["end"]] == section["title"]
    # the values are the hand-annotated ones of the report's text-layer copy
    text_gold = json.loads((GOLD_DIR / f"{path.stem}-pdftext.json").read_text("utf-8"))
    fields = ("table", "row", "col", "value", "state", "raw", "unit")
    assert [[c[f] for f in fields] for c in gold["cells"]] == [[c[f] for f in fields] for c in text_gold["cells"]]


def test_real_pdf_tables_are_grids_and_a_page_split_table_is_one(shared) -> None:
    data = (shared / "dev" / "hongze-district-2024.pdf").read_bytes()
    rendered = render_input(data, "h.pdf")
    assert rendered is not None and rendered == render_input(data, "again.pdf")
    requests = [t for t in rendered.tables if any(c.text.startswith("一、本年新收") for c in t.cells)]
    assert len(requests) == 1  # page 3 and page 4 parts joined
    (table,) = requests
    labels = [c.text for c in table.cells]
    assert "（七）总计" in labels and "四、结转下年度继续办理" in labels
    assert len({len(row) for row in table.grid}) == 1  # a rectangular grid
    for cell in table.cells:
        assert rendered.text[cell.start : cell.end] == (cell.text or NBSP)
    # the table's words are not printed again by the text layer
    assert rendered.text.count("一、本年新收政府信息公开申请数量") == 1
    assert rendered.text.count("2.没有现成信息需要另行制作") == 1


# --------------------------------------------------------------------------- bounded reading


def pdf_with_content(stream: bytes, filters: str = "/FlateDecode", extra: bytes = b"") -> bytes:
    """A one-page PDF whose page content is the given (already encoded) stream."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << >> >>",
        b"<< /Length %d /Filter %s %s>>\nstream\n" % (len(stream), filters.encode(), extra) + stream + b"\nendstream",
    ]
    return pdf_of_objects(objects)


def test_flate_bomb_is_refused_with_a_sentence() -> None:
    bomb = deflated_zeros(120)  # 120 MB of zeros in about 120 KB; the stream cap is 32 MB
    for declared in (b"", b"/DL 100 "):  # a declared decoded length is never what decides
        doc = extract_bytes(pdf_with_content(bomb, extra=declared), "bomb.pdf")
        assert doc["cells"] == [] and doc["source"]["format"] == "pdf"
        assert doc["errors"][0].startswith(MESSAGES["too_large"]), doc["errors"]
        assert "inflates past 32 MB" in doc["errors"][0]


def test_lzw_and_run_length_bombs_are_capped() -> None:
    from nianbao.extraction.inputs.pdf_limits import StreamTooLarge, bounded_runlength, budget

    run = bytes([129, 0]) * 300_000  # 128 bytes per 2: 38 MB
    with budget(), pytest.raises(StreamTooLarge):
        bounded_runlength(run)
    assert bounded_runlength(bytes([2]) + b"abc" + bytes([254, 120]) + bytes([128])) == b"abcxxx"
    doc = extract_bytes(pdf_with_content(run, "/RunLengthDecode"), "rl.pdf")
    assert doc["errors"][0].startswith(MESSAGES["too_large"])


def test_page_content_over_the_cap_is_refused_before_parsing() -> None:
    content = b"BT /F1 12 Tf 10 10 Td (x) Tj ET\n" * 200_000  # 6.4 MB of operators, no filter
    doc = extract_bytes(pdf_with_content(content, "[]"), "big.pdf")
    assert doc["errors"][0].startswith(MESSAGES["too_large"])
    assert "page 1's content" in doc["errors"][0]


def test_small_flate_content_reads() -> None:
    content = zlib.compress(b"BT /F1 12 Tf 72 720 Td (Hello) Tj ET")
    data = pdf_with_content(content)
    data = data.replace(
        b"/Resources << >>", b"/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>"
    )
    rendered = render_input(data, "ok.pdf")
    assert rendered is not None and rendered.text == "Hello"


# --------------------------------------------------------------------------- generated PDFs


def _printed(seed: int, template: str, zero: str, repeat_header: int) -> tuple[dict, bytes, object]:
    """A generated report in the printed-PDF style and the real PDF printed from its blocks."""
    import random

    from nianbao.training.generator.generate import GenConfig
    from nianbao.training.generator.pdf_print import print_pdf
    from nianbao.training.generator.printed_pdf import printed_pdf_sample

    sample, blocks = printed_pdf_sample(random.Random(seed), GenConfig("printed_pdf", template, False, zero))
    return sample, print_pdf(blocks, repeat_header=repeat_header), blocks


def _pages_of(data: bytes, needle: str) -> list[int]:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [i for i, page in enumerate(pdf.pages) if needle in (page.extract_text() or "").replace(" ", "")]


@pytest.mark.parametrize(
    ("seed", "template", "zero", "repeat_header"),
    [(11, "2021", "", 0), (12, "2021", "", 3), (13, "2019", "", 3), (1, "2019", "0", 0), (2, "2021", "/", 3)],
)
def test_generated_pdf_with_blank_merged_and_page_split_cells_reads_fully_right(
    seed, template, zero, repeat_header
) -> None:
    sample, data, _ = _printed(seed, template, zero, repeat_header)
    first, last = _pages_of(data, "一、本年新收"), _pages_of(data, "（七）总计")
    assert first and last and first[0] < last[0], "the requests table is printed over a page break"
    if repeat_header:
        assert len(_pages_of(data, "申请人情况")) >= 2  # its header rows are printed again
    if zero == "":
        assert sum(c["state"] == "blank" for c in sample["cells"]) > 20
    rendered = render_input(data, "gen.pdf")
    assert rendered is not None
    requests = [t for t in rendered.tables if any(c.text.replace(" ", "").startswith("一、本年新收") for c in t.cells)]
    assert len(requests) == 1 and any(c.text == "（七）总计" for c in requests[0].cells)
    assert sum("申请人情况" in c.text for c in requests[0].cells) == 1  # the repeated header is not a row
    # the PDF reads back as the printed-PDF style renders it (up to where the PDF wraps and numbers pages)
    squeeze = re.compile(r"\s|- \d+ -")
    assert squeeze.sub("", rendered.text) == squeeze.sub("", sample["text"])
    doc = extract_bytes(data, "gen.pdf")
    assert doc["errors"] == []
    got = {(c["table"], c["row"], c["col"]): c for c in doc["cells"]}
    for cell in sample["cells"]:
        found = got[(cell["table"], cell["row"], cell["col"])]
        assert (found["value"], found["state"], found["raw"], found["unit"]) == (
            cell["value"],
            cell["state"],
            cell["raw"],
            cell["unit"],
        ), cell
        if found["state"] in ("number", "na", "text"):
            assert doc["source"]["rendered_text"][found["start"] : found["end"]] == found["raw"]
    assert [s["title"] for s in doc["sections"]] == [s["title"] for s in sample["sections"]]


def test_printed_pdf_style_text_extracts_exactly() -> None:
    import random

    from nianbao import extract_text
    from nianbao.training.generator.generate import GenConfig, generate_report

    for seed, template, traditional, zero in ((3, "2019", True, "/"), (4, "2021", False, ""), (5, "2021", False, "0")):
        sample = generate_report(random.Random(seed), GenConfig("printed_pdf", template, traditional, zero))
        assert sample["meta"]["style"] == "printed_pdf"
        assert NBSP in sample["text"] or zero != ""
        assert compare(sample, extract_text(sample["text"])) == []


# --------------------------------------------------------------------------- printed by Chromium


def test_real_html_report_printed_by_chromium_reads_as_its_gold(shared, tmp_path) -> None:
    """The issue's case: a real page with blank cells printed to PDF by headless Chromium."""
    from nianbao.training.generator.pdf_print import chromium_pdf

    gold = json.loads((GOLD_DIR / "html" / "pingtan-transport-2023.json").read_text("utf-8"))
    data = chromium_pdf((shared / gold["source"]).read_bytes(), tmp_path)
    doc = extract_bytes(data, "printed.pdf")
    assert doc["source"]["format"] == "pdf" and doc["errors"] == []
    offsets = re.compile(r"\.(start|end):|^sections")
    problems = [p for p in compare(gold, doc) if not offsets.search(p)]
    assert problems == [], "\n".join(problems[:40])
    assert [s["title"] for s in doc["sections"]] == [s["title"] for s in gold["sections"]]
    text = doc["source"]["rendered_text"]
    for cell in doc["cells"]:
        if cell["state"] in ("number", "na", "text"):
            assert text[cell["start"] : cell["end"]] == cell["raw"]


@pytest.mark.parametrize(
    ("seed", "template", "zero", "header_rows", "collapse"),
    [(1, "2021", "", 3, True), (2, "2019", "0", 3, False), (4, "2019", "", 0, True)],
)
def test_generated_html_printed_by_chromium_reads_fully_right(
    seed, template, zero, header_rows, collapse, tmp_path
) -> None:
    import random

    from nianbao.training.generator.generate import GenConfig
    from nianbao.training.generator.pdf_print import chromium_pdf, print_html
    from nianbao.training.generator.printed_pdf import printed_pdf_sample

    sample, blocks = printed_pdf_sample(random.Random(seed), GenConfig("printed_pdf", template, False, zero))
    data = chromium_pdf(print_html(blocks, header_rows=header_rows, collapse=collapse, padding=8), tmp_path)
    first, last = _pages_of(data, "一、本年新收"), _pages_of(data, "（七）总计")
    assert first and last and first[0] < last[0], "the requests table is printed over a page break"
    rendered = render_input(data, "chromium.pdf")
    assert rendered is not None
    squeeze = re.compile(r"\s|- \d+ -")
    assert squeeze.sub("", rendered.text) == squeeze.sub("", sample["text"])
    doc = extract_bytes(data, "chromium.pdf")
    got = {(c["table"], c["row"], c["col"]): c for c in doc["cells"]}
    wrong = [
        c
        for c in sample["cells"]
        if (got[(c["table"], c["row"], c["col"])]["value"], got[(c["table"], c["row"], c["col"])]["state"])
        != (c["value"], c["state"])
    ]
    assert wrong == [] and doc["errors"] == []


def _with_font(data: bytes) -> bytes:
    font = b"/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>"
    return data.replace(b"/Resources << >>", font)


def test_page_drawing_too_many_characters_is_stopped_while_parsed() -> None:
    content = b"BT /F1 1 Tf 72 720 Td (" + b"x" * 200_000 + b") Tj ET"  # 200 KB, 200k glyphs
    doc = extract_bytes(_with_font(pdf_with_content(content, "[]")), "glyphs.pdf")
    assert doc["errors"][0].startswith(MESSAGES["too_large"])
    assert "page 1 draws more than 60,000 characters" in doc["errors"][0]


def test_page_of_dense_rules_is_read_as_its_text_layer() -> None:
    rules = []
    for i in range(170):  # 170 by 170 rules 4.2 pt apart: 28,900 cells if taken as a table
        rules.append(
            b"50 %.1f m 770 %.1f l S %.1f 50 m %.1f 770 l S" % (50 + i * 4.2, 50 + i * 4.2, 20 + i * 4.2, 20 + i * 4.2)
        )
    content = b"\n".join(rules) + b"\nBT /F1 12 Tf 72 790 Td (Hello) Tj ET"
    rendered = render_input(_with_font(pdf_with_content(content, "[]")), "grid.pdf")
    assert rendered is not None and rendered.tables == () and rendered.text == "Hello"


def test_pages_without_text_among_pages_with_text_are_named() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    for number in range(1, 4):
        if number == 2:
            pdf.rect(50, 50, 400, 600, fill=1)  # a scanned page: no text on it
        else:
            pdf.setFont("STSong-Light", 12)
            pdf.drawString(72, 720, f"一、总体情况 第{number}页")
        pdf.showPage()
    pdf.save()
    doc = extract_bytes(buffer.getvalue(), "mixed.pdf")
    assert doc["errors"][0] == message("pdf_scanned_pages", "page 2 of 3")
    assert "OCR is not supported yet" in doc["errors"][0]
    assert "第3页" in doc["source"]["rendered_text"]


def test_ragged_table_keeps_the_narrow_rows_last_cell() -> None:
    """A row narrower than the others (its right border further left) keeps every cell."""
    rules = [b"100 %d m 300 %d l S" % (y, y) for y in (700, 680, 660)]
    rules += [b"100 640 m 250 640 l S"] + [b"%d 660 m %d 700 l S" % (x, x) for x in (100, 200, 300)]
    rules += [b"%d 640 m %d 660 l S" % (x, x) for x in (100, 200, 250)]
    words = [
        (105, 685, "label"),
        (205, 685, "12"),
        (105, 665, "row"),
        (205, 665, "7"),
        (105, 645, "last"),
        (205, 645, "3"),
    ]
    text = b" ".join(b"BT /F1 9 Tf %d %d Td (%s) Tj ET" % (x, y, w.encode()) for x, y, w in words)
    rendered = render_input(_with_font(pdf_with_content(b"\n".join(rules) + b"\n" + text, "[]")), "ragged.pdf")
    assert rendered is not None and len(rendered.tables) == 1
    assert [c.text for c in rendered.tables[0].cells if c.text] == ["label", "12", "row", "7", "last", "3"]


@pytest.mark.parametrize("header_rows", [0, 3])
def test_a_row_a_page_break_cuts_in_two_is_read_as_one_row(header_rows, tmp_path) -> None:
    """Chromium breaks a tall row over two pages (no border drawn at the break): one row."""
    import random

    from nianbao.extraction.inputs.render import TableModel
    from nianbao.training.generator.generate import GenConfig
    from nianbao.training.generator.pdf_print import chromium_pdf, print_html
    from nianbao.training.generator.printed_pdf import printed_pdf_sample

    label = "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"
    sample, blocks = printed_pdf_sample(random.Random(11), GenConfig("printed_pdf", "2021", False, ""))
    data = chromium_pdf(print_html(blocks, header_rows=header_rows, padding=8, tall=label[:7]), tmp_path)
    pages = [re.sub(r"\s", "", text) for text in _page_texts(data)]
    start = next(i for i, text in enumerate(pages) if label[:7] in text)
    assert label not in pages[start] and label[-2:] in pages[start + 1], "the row straddles a page break"
    rendered = render_input(data, "tall.pdf")
    assert rendered is not None
    (table,) = [t for t in rendered.tables if any(c.text.startswith("一、本年新收") for c in t.cells)]
    (model,) = [
        b for b in blocks if isinstance(b, TableModel) and any("本年新收" in str(c.items) for r in b.rows for c in r)
    ]
    assert len(table.grid) == len(model.rows)  # no extra row from the cut
    assert [c.text.replace(" ", "") for c in table.cells if c.text.replace(" ", "").startswith(label[:7])] == [label]
    doc = extract_bytes(data, "tall.pdf")
    got = {(c["table"], c["row"], c["col"]): (c["value"], c["state"]) for c in doc["cells"]}
    assert [c for c in sample["cells"] if got[(c["table"], c["row"], c["col"])] != (c["value"], c["state"])] == []


def _page_texts(data: bytes) -> list[str]:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]
