"""The real reports' tables as a web page printed to PDF by Chromium (a browser's "save as PDF",
how many reports reach their site) and read back by poppler's ``pdftotext`` without
``-layout``, the most used PDF-to-text command. It prints every cell as a paragraph of its own
(the cell, then an empty line) in the order the PDF drew them, not the table's. Such a text is
not read right throughout (a value can print after the next row's); what matters is that no
wrong cell leaves review, and that an empty line there is not read as an empty cell."""

from __future__ import annotations

import functools
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from nianbao.extraction.pipeline import Extractor
from nianbao.extraction.placement.align import Group
from nianbao.extraction.placement.unsure import beside_short_rows, printed_beyond, unread_table, unread_text
from nianbao.extraction.text.normalize import NormText
from nianbao.extraction.text.patterns import Label, Token
from nianbao.extraction.text.row_layout import line_spacing, row_fields

from .markup_reports import load_report, page
from .test_offline_docs import CHROMIUM_ARGS
from .test_reading_order import TEXT_STEMS
from .test_text_dumps import _wrong_and_silent


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: `make test` installs it (the Makefile's browser target)")
    return found


@functools.cache
def _printed_pdf(stem: str, zeros: str) -> bytes:
    report = load_report(stem)
    if zeros == "empty":
        report.blank_zeros()
    with tempfile.TemporaryDirectory(prefix="nianbao-print-") as tmp:
        html, pdf = Path(tmp) / "page.html", Path(tmp) / "page.pdf"
        html.write_bytes(page(report))
        command = [_tool("chromium"), *CHROMIUM_ARGS, f"--user-data-dir={tmp}/profile", "--no-pdf-header-footer"]
        subprocess.run([*command, f"--print-to-pdf={pdf}", str(html)], capture_output=True, check=True, timeout=120)
        return pdf.read_bytes()


def _printed_text(stem: str, zeros: str) -> str:
    pdf = _printed_pdf(stem, zeros)
    text = subprocess.run([_tool("pdftotext"), "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True)
    return text.stdout.decode()


def _scanned_text(stem: str, zeros: str) -> str:
    """The printed page as a scan read back by OCR: each page at 200 dpi through tesseract's
    Simplified Chinese model, one uniform block of text a page (``--psm 6``)."""
    with tempfile.TemporaryDirectory(prefix="nianbao-scan-") as tmp:
        (Path(tmp) / "page.pdf").write_bytes(_printed_pdf(stem, zeros))
        subprocess.run([_tool("pdftoppm"), "-r", "200", "-png", "page.pdf", "page"], cwd=tmp, check=True)
        pages = sorted(Path(tmp).glob("page-*.png"), key=lambda path: int(path.stem.split("-")[1]))
        command = [_tool("tesseract"), "-l", "chi_sim", "--psm", "6"]
        return "".join(
            subprocess.run([*command, str(png), "-"], capture_output=True, check=True).stdout.decode() for png in pages
        )


@functools.cache
def _extractor(model: str | None) -> Extractor:
    return Extractor(model)


@pytest.mark.parametrize("zeros", ["empty", pytest.param("printed", marks=pytest.mark.slow)])
@pytest.mark.parametrize("model", [None, "rules"])
def test_printed_pages_through_pdftotext_keep_wrong_cells_in_review(shared, zeros: str, model: str | None) -> None:
    """Before, with zeros printed empty: 4 wrong cells out of review with the model (1 with the
    rules) over the eight reports: 规章's lone 5 read in the second column (the empty line before
    it taken for an empty cell), 行政处罚's 1812 printed after 行政强制's values and read as
    its, the appeals table's 5 printed after section 六 and the cell read as empty."""
    silent_cells, wrong_cells = {}, 0
    for stem in TEXT_STEMS:
        report = load_report(stem)
        if zeros == "empty":
            report.blank_zeros()
        doc = _extractor(model)(_printed_text(stem, zeros).encode("utf-8"), name=f"{stem}.txt")
        wrong, silent = _wrong_and_silent(report, doc)
        wrong_cells += len(wrong)
        if silent:
            silent_cells[stem] = silent
    assert wrong_cells, "these texts do not read right: the test checks that their errors are in review"
    assert silent_cells == {}


def test_a_lone_value_in_double_spaced_text_has_no_stated_column(shared) -> None:
    """规章's one value under a three-column header, every cell a paragraph: the empty line before
    the value is the text's spacing, so the value's column is not stated (it was read as the
    second column, 0.99 sure, and the value was in the third)."""
    text = _printed_text("003_00d1a30b4b93398f", "empty")
    norm = NormText(text).norm
    at = norm.index("规章\n\n5\n\n") + len("规章\n\n")
    unit, first_field, _, trailing = row_fields(norm, [Token(at, at + 1, "5", 0)], version=2)
    assert (unit, first_field, trailing) == (2, 2, 0)
    doc = _extractor(None)(text.encode("utf-8"), name="003.txt")
    reviewed = {(r["row"], r["col"]) for r in doc["review"] if r["table"] == "active"}
    assert {("rules", "issued"), ("rules", "repealed"), ("rules", "in_force")} <= reviewed


@pytest.mark.parametrize(
    ("text", "spacing"),
    [
        ("规章\n\n1\n\n2\n\n行政规范性文件\n\n3\n\n4\n\n5\n\n", 2),  # every cell a paragraph
        ("规章\n\n1\n\n2\n\n行政\n规范性文件\n3\n\n4\n\n5\n\n", 2),  # a wrapped label: one single break
        ("规章\n1\n2\n\n行政规范性文件\n3\n\n\n5\n", 1),  # one cell a line, empty lines for empty cells
        ("规章\n\n1\n\n2\n\n\n\n5\n\n", 1),  # three breaks: two empty cells, not spacing
        ("规章\n\n1\n\n", 1),  # too few breaks to say
    ],
)
def test_line_spacing(text: str, spacing: int) -> None:
    assert line_spacing(text, len(text), len(text)) == spacing


def test_column_words_printed_after_a_table_set_it_aside() -> None:
    """The appeals table's header cells and a value printed after section 六 (pdftotext's order):
    the table read from its region is not sure. Prose naming the words is no header."""
    head = "四、政府信息公开行政复议、行政诉讼情况\n结果\n维持\n10\n\n五、存在的主要问题\n问题。\n"
    head += "六、其他需要报告的事项\n无。\n"
    beyond = {"appeals": (0, head.index("五、"))}
    moved = head + "\n总\n计\n\n结果\n维持\n5\n\n结果\n纠正\n"
    prose = head + "行政复议结果维持1件，结果纠正0件，总计1件。\n"
    single = head + "\n总计\n\n"
    assert printed_beyond(NormText(moved), "2019", beyond) == {"appeals"}
    assert printed_beyond(NormText(prose), "2019", beyond) == set()
    assert printed_beyond(NormText(single), "2019", beyond) == set()


def _row(norm: str, printed: str, key: str, values: list[str]) -> tuple[Label, Group]:
    label_at = norm.index(printed)
    tokens, at = [], label_at
    for value in values:
        at = norm.index(f"\n{value}\n", at) + 1
        tokens.append(Token(at, at + len(value), value, norm.count("\n", 0, at)))
    return Label(key, label_at, label_at + len(printed)), Group(tuple(tokens))


def test_rows_beside_a_short_row_in_paragraph_text() -> None:
    """行政处罚 holds two of its three values and 行政强制 three, every cell a paragraph: the third
    may be 行政处罚's. The same rows one cell a line are read as printed."""
    widths = {"penalty": 3, "coercion": 3}
    for text, expected in (
        ("行政处罚\n\n292\n\n+77\n\n行政强制\n\n37\n\n+3\n\n1812\n\n第二十条\n\n", {"penalty", "coercion"}),
        ("行政处罚\n292\n+77\n\n行政强制\n37\n+3\n1812\n第二十条\n", set()),
    ):
        penalty = _row(text, "行政处罚", "penalty", ["292", "+77"])
        coercion = _row(text, "行政强制", "coercion", ["37", "+3", "1812"])
        labels = [penalty[0], coercion[0]]
        assignment = {"penalty": penalty[1], "coercion": coercion[1]}
        assert beside_short_rows(text, labels, assignment, widths) == expected


@pytest.mark.slow
@pytest.mark.parametrize("stem", ["000_c304030f2df1b677", "001_6d8c5d61ee13f09e", "004_136fd1d98cf7f7a0"])
def test_scanned_pages_through_ocr_keep_wrong_cells_in_review(shared, stem: str) -> None:
    """A scan's OCR of the ruled tables reads digits and rules as other characters (``1.属于国家秘密
    o 0 0 0 0 国国``, the appeals values as ``BE``): 45-159 wrong cells a report. Before, 5, 12 and
    18 of them were out of review in these three reports (cells read as printed empty beside the
    unread words); now none: a row whose line prints words that are no value, mark or template
    text, and an appeals table printing such words below its header, go to review."""
    report = load_report(stem)
    doc = _extractor(None)(_scanned_text(stem, "printed").encode("utf-8"), name=f"{stem}.txt")
    wrong, silent = _wrong_and_silent(report, doc)
    assert wrong, "OCR of these pages is not read right: the test checks that its errors are in review"
    assert silent == []


def test_rows_and_tables_printing_unread_words() -> None:
    """OCR's words where values stood send the row (or the appeals table) to review; a label's
    own wrapped tail, values, OCR's letters for digits and the template's words do not."""
    text = (
        "1.属于国家秘密   o   0   0   0   0   国国\n"
        "(二)部分公开(区分处理的，只计这   0   0   0\n"
        "6.属于四类过程性信息   lo   0   0   0\n"
        "一、本年新收政府信息公开申请数量   世人     园田面回\n"
    )
    labels = [
        Label(row, text.index(word), text.index(word) + len(word))
        for row, word in (
            ("denied_state_secret", "国家秘密"),
            ("partially_granted", "部分公开"),
            ("denied_process_info", "四类过程性信息"),
            ("new_received", "本年新收"),
        )
    ]
    assert unread_text(text, labels) == {"denied_state_secret", "new_received"}
    header = "行政复议   行政诉讼\n结果维持 结果纠正 其他结果 尚未审结 总计\n"
    words = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
    note = "注：表中数据为本机关本级数据\n"  # a note under the table is prose, no unread value
    for values, unread in (
        ("BE\n", True),
        ("Ap fp pp fp pp Po op\n", True),
        ("3 1 0 0 4\n", False),
        ("", False),
        ("3 1 0 0 4\n" + note, False),
        ("BE\n" + note, True),
    ):
        assert unread_table(header + values, (0, len(header + values)), words) == unread
