"""Tables saved as CSV (``extraction/text/delimited.py``) or copied as tab-separated lines
(``row_layout.grid_slots``) inside a report's text: real reports' tables printed so from their
gold cells, and the lines that are not table rows."""

from __future__ import annotations

import functools

import pytest

from nianbao.extraction.pipeline import Extractor
from nianbao.extraction.text.delimited import commas_as_fields
from nianbao.extraction.text.normalize import NormText

from .markup_reports import delimited_text, load_report, tables_last

STEMS = (
    "000_c304030f2df1b677",
    "003_00d1a30b4b93398f",
    "004_136fd1d98cf7f7a0",
    "huaian-city-2024-pdftext",
    "hongze-district-2023-pdftext",
)


@functools.cache
def _extractor(model: str | None) -> Extractor:
    return Extractor(model)


@pytest.mark.parametrize("stem", STEMS)
@pytest.mark.parametrize("model", [None, "rules"])
@pytest.mark.parametrize("separator", [",", "\t"], ids=["csv", "tsv"])
@pytest.mark.parametrize("zeros", ["printed", "blank"])
def test_tables_saved_as_csv_or_copied_as_tsv_are_read_cell_by_cell(
    shared, stem: str, model: str | None, separator: str, zeros: str
) -> None:
    """Every cell as the gold says, its offsets on the printed value. CSV before: every cell
    blank, none in review. Both: a label merged over three columns (``一、本年新收…,,,52``) no
    longer pushes a row's values right (the tagger counted fields from the label: 52 under 商业企业).
    With zeros printed as empty fields, each value is in its field's column: a row with one
    label field (``行政许可\t24\t\t22``: the rules put 22 under 本年增/减), the appeals row with
    none, under CSV header lines of words only (the rules, in review), and a 2021 report's
    （六）其他处理 printed as one empty row is that row, blank (its cells had been left out,
    silently)."""
    report = load_report(stem)
    if zeros == "blank":
        report.blank_zeros()
    data = delimited_text(report, separator)
    doc = _extractor(model)(data, name=f"{stem}.txt")
    got = {(c["table"], c["row"], c["col"]): c for c in doc["cells"]}
    wrong = [
        f"{key}: want {value!r}/{state} got {got[key]['value']!r}/{got[key]['state']}"
        for key, (value, state) in report.expected().items()
        if (got[key]["value"], got[key]["state"]) != (value, state)
    ]
    assert wrong == [], "\n".join(wrong[:20])
    text = data.decode("utf-8")
    for cell in doc["cells"]:
        if cell["state"] in ("number", "na", "text"):
            assert text[cell["start"] : cell["end"]] == cell["raw"]


@pytest.mark.parametrize(
    "line",
    [
        "1,234,567",  # a number with thousands separators, alone on its line
        "收费金额 1,234,567.5",  # after a label
        "甲,乙,丙",  # words
        "共收到申请12件,办结10件,其余2件转入下年",  # prose with ASCII commas, counts in it
        "规章 0 0 0",  # no commas at all
        "正文" * 300 + ",合计,12,3",  # a crawled one-line body that happens to end in numbers
    ],
)
def test_lines_that_are_not_table_rows_are_left_as_they_are(line: str) -> None:
    text = f"前文\n{line}\n后文"
    assert NormText(text).norm == text
    assert commas_as_fields(text, text) == text


@pytest.mark.parametrize("stem", STEMS)
@pytest.mark.parametrize("model", [None, "rules"])
@pytest.mark.parametrize("separator", [",", "\t"], ids=["csv", "tsv"])
def test_cells_of_several_lines_quoted(shared, stem: str, model: str | None, separator: str) -> None:
    """A spreadsheet cell of several lines is saved or copied quoted, its line break kept
    (``"四、结转下年度继\n续办理"\t\t\t103``): the row is one line again in the normalised view,
    its label one text. Before: the row's values, on the label's second line, were no grid row
    (the tagger put 103 under 科研机构, out of review) and a CSV row's commas stayed commas."""
    report = load_report(stem)
    report.blank_zeros()
    data = delimited_text(report, separator, wrap=8)
    doc = _extractor(model)(data, name=f"{stem}.txt")
    got = {(c["table"], c["row"], c["col"]): (c["value"], c["state"]) for c in doc["cells"]}
    assert [key for key, want in report.expected().items() if got[key] != want] == []


@pytest.mark.parametrize("stem", STEMS)
@pytest.mark.parametrize("model", [None, "rules"])
def test_tables_printed_after_the_text(shared, stem: str, model: str | None) -> None:
    """Paragraphs first, tables after (python-docx's paragraphs, then its tables): the headings
    of 二, 三 and 四 stand empty and each table is found by its anchor after the last heading.
    Before: every cell missing or blank, none in review (1,551 cells over eight reports)."""
    report = load_report(stem)
    data = tables_last(report)
    doc = _extractor(model)(data, name=f"{stem}.txt")
    got = {(c["table"], c["row"], c["col"]): (c["value"], c["state"]) for c in doc["cells"]}
    reviewed = {(r["table"], r["row"], r["col"]) for r in doc["review"]}
    wrong = [key for key, want in report.expected().items() if got[key] != want]
    assert [key for key in wrong if key not in reviewed] == []
    if report.paragraphs[3]:  # sections 五 and 六 printed: the tables come after them
        assert wrong == []


def test_only_quoted_fields_join_their_lines() -> None:
    text = '表\n"一、本年新收\n申请数量"\t1\t2\n他说"好\n的"。\n"甲\n乙"丙\n'
    norm = NormText(text).norm
    assert norm.split("\n")[:2] == ["表", '"一、本年新收 申请数量"\t1\t2']
    assert '他说"好\n的"。' in norm and '"甲\n乙"丙' in norm  # prose quotes, a quote not closing a field


def test_header_lines_of_words_next_to_rows_become_tabs_too() -> None:
    """A header line has no values, but it sits right on a row with as many commas: same grid.
    Words alone (``甲,乙,丙``, tested above) and a line with another comma count stay."""
    text = "行政复议,,,行政诉讼\n结果维持,结果纠正,总计,直接起诉\n,1,1,\n注：甲,乙,丙,丁,戊\n"
    lines = commas_as_fields(text, text).split("\n")
    assert lines[:3] == ["行政复议\t\t\t行政诉讼", "结果维持\t结果纠正\t总计\t直接起诉", "\t1\t1\t"]
    assert lines[3] == "注：甲,乙,丙,丁,戊"


def test_row_fields_become_tabs() -> None:
    text = ',,,申请人情况,,\n一、本年新收,,,14,0,14\n"（二）部分公开,只计这一情形",,,"1,234",,1234\n'
    norm = commas_as_fields(text, text)
    assert len(norm) == len(text)  # one character for one: offsets stay offsets
    assert norm.split("\n")[:3] == [
        "\t\t\t申请人情况\t\t",
        "一、本年新收\t\t\t14\t0\t14",
        '"（二）部分公开,只计这一情形"\t\t\t"1,234"\t\t1234',  # quoted fields kept whole
    ]
