"""Real reports in other formats: the HTML page, the same tables as DOCX, a PDF text layer.

``tests/gold/html/*.json`` annotate HTML reports with offsets into the *rendered* text
(``"text": "rendered"``): the document's ``source.rendered_text``.
"""

from __future__ import annotations

import io
import json

import pytest

from nianbao import extract_bytes
from nianbao.evaluation.gold import compare
from nianbao.extraction.inputs.render import NBSP, RenderedInput, render_input

from .conftest import GOLD_DIR
from .test_formats import pdf_from_lines

HTML_GOLDS = sorted((GOLD_DIR / "html").glob("*.json"))


def _gold(path) -> dict:
    return json.loads(path.read_text("utf-8"))


@pytest.mark.parametrize("path", HTML_GOLDS, ids=lambda p: p.stem)
def test_html_report_matches_gold(path, shared) -> None:
    gold = _gold(path)
    assert gold["text"] == "rendered"
    data = (shared / gold["source"]).read_bytes()
    doc = extract_bytes(data, name=path.stem + ".html")
    assert doc["source"]["format"] == "html"
    problems = compare(gold, doc)
    assert problems == [], "\n".join(problems[:40])
    text = doc["source"]["rendered_text"]
    assert text == render_input(data, "again.html").text  # deterministic, recoverable
    for cell in doc["cells"]:
        if cell["state"] in ("number", "na", "text"):
            assert text[cell["start"] : cell["end"]] == cell["raw"]
    for section in doc["sections"]:
        assert text[section["start"] : section["end"]] == section["title"]


def _docx_like(rendered: RenderedInput) -> bytes:
    """A Word document with the rendering's paragraphs and tables (merged cells kept)."""
    import docx

    document = docx.Document()
    cursor = 0
    for grid in rendered.tables:
        start = min(c.start for c in grid.cells)
        for paragraph in rendered.text[cursor:start].split("\n\n"):
            if paragraph.strip():
                document.add_paragraph(paragraph)
        width = len(grid.grid[0])
        table = document.add_table(rows=len(grid.grid), cols=width)
        for cell in grid.cells:
            target = table.cell(cell.row, cell.col)
            if cell.rowspan > 1 or cell.colspan > 1:
                target = target.merge(table.cell(cell.row + cell.rowspan - 1, cell.col + cell.colspan - 1))
            target.text = cell.text
        cursor = max(c.end for c in grid.cells)
    for paragraph in rendered.text[cursor:].split("\n\n"):
        if paragraph.strip():
            document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("path", HTML_GOLDS, ids=lambda p: p.stem)
def test_same_report_as_docx_renders_and_extracts_the_same(path, shared) -> None:
    gold = _gold(path)
    html = render_input((shared / gold["source"]).read_bytes(), "r.html")
    assert html is not None and html.tables
    data = _docx_like(html)
    rendered = render_input(data, "r.docx")
    assert rendered is not None and rendered.format == "docx"
    assert rendered.text == html.text
    assert [t.grid for t in rendered.tables] == [t.grid for t in html.tables]
    doc = extract_bytes(data, name="r.docx")
    problems = compare(gold, doc)
    assert problems == [], "\n".join(problems[:40])


def test_pdf_text_layer_of_a_real_report_extracts_as_its_gold(shared) -> None:
    gold = _gold(GOLD_DIR / "huaian-city-2024-pdftext.json")
    text = (shared / gold["source"]).read_text("utf-8")
    doc = extract_bytes(pdf_from_lines(text.split("\n")), name="huaian.pdf")
    assert doc["source"]["format"] == "pdf"
    assert doc["source"]["rendered_text"] == text.rstrip("\n")
    problems = compare(gold, doc)
    assert problems == [], "\n".join(problems[:40])


def test_rendering_keeps_empty_cells_as_nbsp_lines(shared) -> None:
    rendered = render_input((shared / "dev" / "pingtan-transport-2023.html").read_bytes(), "p.html")
    assert rendered is not None
    assert all(line.strip() or line in ("", NBSP) for line in rendered.text.split("\n"))
    assert "\n\n\n" not in rendered.text
