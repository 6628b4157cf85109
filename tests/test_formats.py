"""HTML, DOCX and PDF inputs: detection, the rendering rules, encodings, unreadable files.

Every DOCX and PDF here is built on the fly (python-docx; reportlab with its built-in CID
font STSong-Light for Chinese text) so that nothing binary is checked in.
"""

from __future__ import annotations

import io
import zipfile

import pytest

from nianbao import extract_bytes
from nianbao.errors import MESSAGES, ReadError
from nianbao.extraction.inputs.html import render_html
from nianbao.extraction.inputs.render import NBSP, render_input, sniff
from nianbao.extraction.text.locator import RuleLocator

RULES = RuleLocator()

TABLE_HTML = """<html><head><title>t</title><style>p{color:red}</style>
<script>var s = "<td>99</td>";</script></head><body>
<nav><a href="/">首页</a> 导航</nav>
<div class="breadcrumb">当前位置：首页</div>
<h2>标题　</h2>
<p>第一段
文字</p>
<table>
<tr><td rowspan="2">甲</td><td colspan="2"><p>乙</p><p>丙</p></td></tr>
<tr><td>1</td><td>&nbsp;</td></tr>
<tr><td>结果<br/>维持</td><td></td><td>3</td></tr>
</table>
<div style="display:none">隐藏</div>
<footer>版权所有</footer>
</body></html>"""


def test_sniff_by_content_and_name() -> None:
    assert sniff(b"%PDF-1.7\n...") == "pdf"
    assert sniff(b"\n\n%PDF-1.4") == "pdf"
    assert sniff(_docx_bytes([["a"]])) == "docx"
    assert sniff(_zip_bytes({"x.txt": b"x"})) == "zip"
    assert sniff(b"<!DOCTYPE html><p>x") == "html"
    assert sniff("<HTML><body>x".encode("utf-16")) == "html"
    assert sniff(b"text <table><tr><td>1</td></tr></table>") == "html"
    assert sniff(b"<p>fragment</p>", "page.htm") == "html"
    assert sniff(b"<p>fragment</p>", "page.txt") == "text"
    assert sniff("一、总体情况 a<b".encode()) == "text"


def test_html_rendering_rules() -> None:
    rendered = render_html(TABLE_HTML.encode("utf-8"))
    assert rendered.format == "html" and rendered.encoding == "utf-8"
    assert rendered.text == (
        "标题\n\n第一段 文字\n\n"
        "甲\n乙 丙\n\n"  # rowspan/colspan: each cell once; <p>s in a cell joined by a space
        f"1\n{NBSP}\n\n"  # &nbsp;-only cell: an NBSP line
        f"结果 维持\n{NBSP}\n3"  # <br> kept as a space; empty cell: an NBSP line
    )
    for chrome in ("首页", "导航", "99", "隐藏", "版权", "color", "当前位置"):
        assert chrome not in rendered.text
    assert render_html(TABLE_HTML.encode("utf-8")) == rendered  # deterministic


def test_html_grid_expands_spans_and_points_into_text() -> None:
    rendered = render_html(TABLE_HTML.encode("utf-8"))
    (table,) = rendered.tables
    assert table.grid == ((0, 1, 1), (0, 2, 3), (4, 5, 6))
    texts = [c.text for c in table.cells]
    assert texts == ["甲", "乙 丙", "1", "", "结果 维持", "", "3"]
    for cell in table.cells:
        assert rendered.text[cell.start : cell.end] == (cell.text or NBSP)
    assert (table.cells[1].row, table.cells[1].col, table.cells[1].colspan) == (0, 1, 2)


def test_layout_table_holding_a_data_table_is_read_as_blocks() -> None:
    html = "<table><tr><td><p>正文</p><table><tr><td>a</td><td></td></tr></table></td><td>旁</td></tr></table>"
    rendered = render_html(html.encode())
    assert rendered.text == f"正文\n\na\n{NBSP}\n\n旁"
    assert len(rendered.tables) == 1


@pytest.mark.parametrize(
    ("declared", "actual"),
    [("utf-8", "gb18030"), ("gbk", "utf-8"), ("big5", "gb18030"), ("gb2312", "big5"), ("nonsense-enc", "gb18030")],
)
def test_html_meta_charset_that_lies(declared: str, actual: str) -> None:
    body = "<p>平潭综合实验区交通与建设局2023年度政府信息公开工作年度报告</p><p>一、总体情况</p>"
    if actual == "big5":
        body = "<p>臺北市政府2023年度政府資訊公開工作年度報告</p><p>一、總體情況</p>"
    page = (
        f'<html><head><meta http-equiv="Content-Type" content="text/html; '
        f'charset={declared}"></head><body>{body}</body></html>'
    )
    rendered = render_html(page.encode(actual))
    assert rendered.encoding in (actual, {"gb18030": "gb18030", "big5": "big5"}.get(actual), "utf-8")
    assert ("一、总体情况" in rendered.text) or ("一、總體情況" in rendered.text)


def test_html_utf16_and_bom() -> None:
    page = "<html><body><p>一、总体情况</p></body></html>"
    assert render_html(page.encode("utf-16")).text == "一、总体情况"
    assert render_html(b"\xef\xbb\xbf" + page.encode()).text == "一、总体情况"


def test_html_without_visible_text_is_a_sentence() -> None:
    doc = extract_bytes(b"<html><head><script>x()</script></head><body>&nbsp;</body></html>", "a.html")
    assert doc["errors"] == [MESSAGES["no_visible_text"]]
    assert doc["cells"] == [] and doc["source"]["format"] == "html"


# --------------------------------------------------------------------------- DOCX


def _zip_bytes(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _docx_bytes(rows: list[list[str]], paragraphs: tuple[str, ...] = ("标题",)) -> bytes:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    table = document.add_table(rows=len(rows), cols=max(len(r) for r in rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    document.add_paragraph("尾段")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_paragraphs_and_tables_in_body_order() -> None:
    import docx

    document = docx.Document()
    document.add_heading("一、总体情况", level=1)
    document.add_paragraph("第一段\t文字")
    table = document.add_table(rows=3, cols=3)
    table.cell(0, 0).merge(table.cell(1, 0)).text = "甲"  # vertical merge: printed once
    table.cell(0, 1).merge(table.cell(0, 2)).text = "乙"  # horizontal merge: one cell
    table.cell(1, 1).text = "1"
    cell = table.cell(2, 0)
    cell.text = "结果"
    cell.add_paragraph("维持")  # two paragraphs in a cell: joined by a space
    table.cell(2, 2).text = "3"
    document.add_paragraph("二、主动公开政府信息情况")
    buffer = io.BytesIO()
    document.save(buffer)
    rendered = render_input(buffer.getvalue(), "r.docx")
    assert rendered is not None and rendered.format == "docx"
    assert rendered.text == (
        f"一、总体情况\n\n第一段 文字\n\n甲\n乙\n\n1\n{NBSP}\n\n结果 维持\n{NBSP}\n3\n\n二、主动公开政府信息情况"
    )
    assert rendered.tables[0].grid == ((0, 1, 1), (0, 2, 3), (4, 5, 6))


def test_zip_that_is_not_docx_and_broken_docx() -> None:
    doc = extract_bytes(_zip_bytes({"a.xlsx": b"x", "xl/workbook.xml": b"<x/>"}), "a.zip")
    assert doc["errors"] == [MESSAGES["not_docx"]]
    broken = _docx_bytes([["a"]])[:-200]
    doc = extract_bytes(broken, "b.docx")
    assert doc["errors"] and doc["errors"][0].startswith(MESSAGES["bad_docx"])
    fake = _zip_bytes({"word/document.xml": b"<not xml"})
    doc = extract_bytes(fake, "c.docx")
    assert doc["errors"][0].startswith(MESSAGES["bad_docx"])


# --------------------------------------------------------------------------- PDF


def pdf_from_lines(lines: list[str], per_page: int = 55) -> bytes:
    """A PDF whose text layer prints the given lines (reportlab, CID font STSong-Light)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    for start in range(0, max(len(lines), 1), per_page):
        y = 800
        for line in lines[start : start + per_page]:
            pdf.setFont("STSong-Light", 9)
            pdf.drawString(20, y, line)
            y -= 14
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def image_only_pdf() -> bytes:
    """A two-page PDF with an inline image and vector strokes but no text: a scan."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    for _ in range(2):
        pdf.rect(50, 50, 400, 600, fill=1)
        pdf.line(0, 0, 500, 700)
        try:
            from PIL import Image
            from reportlab.lib.utils import ImageReader

            pdf.drawImage(ImageReader(Image.new("L", (40, 40), 128)), 100, 100, 200, 200)
        except ImportError:
            pass
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def test_pdf_text_layer_pages_joined_by_newlines() -> None:
    lines = [f"第{i}行 一、总体情况 {i}" for i in range(70)]
    rendered = render_input(pdf_from_lines(lines, per_page=30), "r.pdf")
    assert rendered is not None and rendered.format == "pdf"
    assert rendered.text.split("\n") == lines


def test_scanned_pdf_has_a_clear_error_not_an_empty_success() -> None:
    with pytest.raises(ReadError) as caught:
        render_input(image_only_pdf(), "scan.pdf")
    assert caught.value.code == "no_text_layer"
    doc = extract_bytes(image_only_pdf(), "scan.pdf")
    assert doc["cells"] == [] and doc["source"]["format"] == "pdf"
    assert doc["errors"][0].startswith(MESSAGES["no_text_layer"])
    assert "OCR is not supported yet" in doc["errors"][0] and "(2 pages, none with text)" in doc["errors"][0]


def test_damaged_pdf_is_a_sentence() -> None:
    data = pdf_from_lines(["一、总体情况"])
    for broken in (b"%PDF-1.4\n" + b"\x00garbage" * 50, data[: len(data) // 3]):
        doc = extract_bytes(broken, "broken.pdf", locator=RULES)
        assert doc["errors"], doc
        assert doc["errors"][0].split(" (")[0] in {MESSAGES[c] for c in ("bad_pdf", "no_text_layer")}


def test_generated_report_as_pdf_extracts_like_its_text() -> None:
    from nianbao.training.generator.generate import generate

    (report,) = generate(1, seed=5, styles=("pdf",))
    data = pdf_from_lines(report["text"].split("\n"))
    rendered = render_input(data, "gen.pdf")
    assert rendered is not None
    assert rendered.text.rstrip("\n") == report["text"].rstrip("\n")
    from_pdf = extract_bytes(data, "gen.pdf", locator=RULES)
    from_text = extract_bytes(report["text"].encode(), "gen.txt", locator=RULES)
    assert from_pdf["source"]["format"] == "pdf" and not from_pdf["errors"]
    assert from_pdf["cells"] == from_text["cells"]
    assert from_pdf["sections"] == from_text["sections"]
