"""Print blocks (text lines and tables with merged cells) as a real PDF with ruled tables.

reportlab platypus lays the blocks out on A4 pages with its built-in CID font STSong-Light:
each text line a paragraph, each table a ruled grid (``GRID``) with ``SPAN`` for merged
cells, split over pages where it does not fit (optionally repeating its header rows), and a
page number ``- N -`` at the foot of every page. Used by the tests and the PDF benchmark
(reportlab is a development dependency); nothing binary is checked in.
"""

from __future__ import annotations

import io
import re

from nianbao.extraction.inputs.render import LineGroup, TableModel, _expand

FONT = "STSong-Light"


def _grid_data(table: TableModel) -> tuple[list[list[str]], list[tuple]]:
    """The table as a full grid of strings (covered positions empty) and its SPAN commands."""
    shape = [[(0, c.rowspan, c.colspan) for c in row] for row in table.rows]
    index = 0
    for row in shape:
        for i, (_, rs, cs) in enumerate(row):
            row[i] = (index, rs, cs)
            index += 1
    grid = _expand(shape)
    cells = [c for row in table.rows for c in row]
    data = [["" for _ in grid[0]] for _ in grid]
    spans = []
    seen = set()
    for r, row in enumerate(grid):
        for c, i in enumerate(row):
            if i < 0 or i in seen:
                continue
            seen.add(i)
            cell = cells[i]
            data[r][c] = " ".join(str(x) for x in cell.items)
            r1 = min(r + cell.rowspan, len(grid)) - 1
            if cell.rowspan > 1 or cell.colspan > 1:
                spans.append(("SPAN", (c, r), (c + cell.colspan - 1, r1)))
    return data, spans


def print_pdf(blocks: list, repeat_header: int = 0, ruled: bool = True, valign: str = "BOTTOM") -> bytes:
    """A PDF of LineGroups and TableModels (tables ruled unless ``ruled`` is False, split over
    pages as needed; cell text aligned vertically by ``valign``: TOP, MIDDLE or BOTTOM)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    line_style = ParagraphStyle("line", fontName=FONT, fontSize=10, leading=14)
    cell_style = ParagraphStyle("cell", fontName=FONT, fontSize=7, leading=8.5, wordWrap="CJK")
    story = []
    for block in blocks:
        if isinstance(block, LineGroup):
            lines = [line for line in block.lines if not re.fullmatch(r"- \d+ -", line)]  # real footers below
            story.extend(Paragraph(line, line_style) for line in lines)
            continue
        data, spans = _grid_data(block)
        width = len(data[0])
        col = (A4[0] - 80) / width
        cells = [[Paragraph(text, cell_style) if text else "" for text in row] for row in data]
        table = Table(cells, colWidths=[col] * width, repeatRows=repeat_header)
        grid = [("GRID", (0, 0), (-1, -1), 0.6, (0, 0, 0))] if ruled else []
        table.setStyle(
            TableStyle([*grid, ("FONT", (0, 0), (-1, -1), FONT, 7), ("VALIGN", (0, 0), (-1, -1), valign), *spans])
        )
        story.append(table)

    def footer(canvas, doc) -> None:  # noqa: ANN001 - reportlab callback
        canvas.setFont(FONT, 9)
        canvas.drawCentredString(A4[0] / 2, 20, f"- {doc.page} -")

    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, leftMargin=40, rightMargin=40, topMargin=40, bottomMargin=40).build(
        story, onFirstPage=footer, onLaterPages=footer
    )
    return buffer.getvalue()


def print_html(
    blocks: list, header_rows: int = 0, collapse: bool = True, padding: float = 2, borders: bool = True, tall: str = ""
) -> str:
    """The blocks as an HTML page with bordered tables (``border:none`` on every cell unless
    ``borders``; the first rows of each in a ``<thead>``, which Chromium repeats on every page
    a table runs over). The row whose label starts with ``tall`` prints its label one character
    per line: a tall row, which a page break can cut in two."""
    from html import escape

    parts = [
        '<html><head><meta charset="utf-8"><style>body{font-size:11pt}table{margin:6pt 0}'
        f"td{{font-size:9pt;padding:{padding}pt{'' if borders else ';border:none'}}}"
        f"{'table{border-collapse:collapse}' if collapse else ''}{'' if borders else 'table{border:none}'}"
        "</style></head><body>"
    ]
    for block in blocks:
        if isinstance(block, LineGroup):
            parts.extend(f"<p>{escape(line)}</p>" for line in block.lines if not re.fullmatch(r"- \d+ -", line))
            continue
        parts.append('<table border="1">')
        for index, row in enumerate(block.rows):
            if index == 0 and header_rows:
                parts.append("<thead>")
            texts = [escape(" ".join(map(str, c.items))) for c in row]
            texts = ["<br>".join(t) if tall and t.startswith(tall) else t for t in texts]
            cells = "".join(
                f'<td rowspan="{c.rowspan}" colspan="{c.colspan}">{t}</td>' for c, t in zip(row, texts, strict=True)
            )
            parts.append(f"<tr>{cells}</tr>")
            if header_rows and index == header_rows - 1:
                parts.append("</thead><tbody>")
        parts.append("</tbody></table>" if header_rows else "</table>")
    parts.append("</body></html>")
    return "".join(parts)


def chromium_pdf(html: str | bytes, workdir) -> bytes:  # noqa: ANN001 - a pathlib.Path
    """Print an HTML page to PDF with headless Chromium (Debian's ``chromium``)."""
    import shutil
    import subprocess

    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        raise RuntimeError("chromium is not installed (make browser installs it)")
    page, out = workdir / "page.html", workdir / "page.pdf"
    page.write_bytes(html if isinstance(html, bytes) else html.encode("utf-8"))
    command = [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-pdf-header-footer",
        f"--user-data-dir={workdir / 'profile'}",
        f"--print-to-pdf={out}",
        page.as_uri(),
    ]
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    return out.read_bytes()
