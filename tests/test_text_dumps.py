"""Documents turned into text by the tools users' pipelines run, on the real reports' tables
rebuilt from their gold cells (``tests/markup_reports``): web pages dumped by ``w3m -dump``
(tables drawn with box characters, a merged label's text at its rows' middle, rules that stop
at the columns a merged label spans: ``│    ├────┼────┤``) and Word files converted by pandoc
(simple and multiline tables under rules of dashes, one run per column)."""

from __future__ import annotations

import functools
import shutil
import subprocess

import pytest

from nianbao.extraction.pipeline import Extractor
from nianbao.extraction.templates import requests_search_table
from nianbao.extraction.text.normalize import NormText
from nianbao.extraction.text.patterns import find_labels, find_tokens, masked

from .markup_reports import load_report, page, word
from .test_reading_order import TEXT_STEMS


@functools.cache
def _extractor(model: str | None) -> Extractor:
    return Extractor(model)


def _run(command: list[str], data: bytes) -> str:
    if shutil.which(command[0]) is None:
        pytest.fail(f"{command[0]} is not installed: `make test` installs it (the Makefile's browser target)")
    return subprocess.run(command, input=data, capture_output=True, check=True).stdout.decode("utf-8")


def _w3m(html: bytes, width: int) -> str:
    return _run(["w3m", "-dump", "-T", "text/html", "-I", "UTF-8", "-O", "UTF-8", "-cols", str(width)], html)


def _report(stem: str, zeros: str):
    report = load_report(stem)
    if zeros == "empty":
        report.blank_zeros()
    return report


@functools.cache
def _pandoc(stem: str, form: str, zeros: str) -> str:
    return _run(["pandoc", "-f", "docx", "-t", form], word(_report(stem, zeros)))


def _wrong_and_silent(report, doc: dict) -> tuple[list, list]:
    got = {(c["table"], c["row"], c["col"]): (c["value"], c["state"]) for c in doc["cells"]}
    reviewed = {(r["table"], r["row"], r["col"]) for r in doc["review"]}
    wrong = [key for key, want in report.expected().items() if got[key] != want]
    return wrong, [key for key in wrong if key not in reviewed]


@pytest.mark.parametrize("width", [80, 200])
@pytest.mark.parametrize("zeros", ["printed", "empty"])
@pytest.mark.parametrize("model", [None, "rules"])
def test_w3m_dumps_of_the_real_reports(shared, width: int, zeros: str, model: str | None) -> None:
    """Before: the rules' pieces beside merged labels were read as "not applicable" marks
    (``——``) and （六）其他处理, printed at its sub-rows' middle, hid the sub-row above it: 87 wrong
    cells out of review over the eight reports (32 with zeros printed empty). Now the shipped
    model reads every cell right; the rules put what they miss in review."""
    wrong, silent = [], []
    for stem in TEXT_STEMS:
        report = _report(stem, zeros)
        text = _w3m(page(report), width)
        missed, unseen = _wrong_and_silent(report, _extractor(model)(text.encode("utf-8"), name=f"{stem}.txt"))
        wrong += [(stem, key) for key in missed]
        silent += [(stem, key) for key in unseen]
    assert silent == [], silent[:10]
    if model is None:
        assert wrong == [], wrong[:10]


def test_a_rule_beside_a_merged_label_is_masked_with_its_junctions() -> None:
    """``|    +————+————+`` (a rule that stops at a merged label's column) is blank in the masked
    text, walls kept; a pipe row's ``——`` marks and a signed ``+5`` are not rules."""
    text = "|  x  +————+————+\n| —— | —— |\n| +5 | 3 |\n"
    out = masked(NormText(text))
    assert out.split("\n")[0] == "|  x" + " " * 13
    assert out.split("\n")[1:] == text.split("\n")[1:]


def test_a_merged_heading_printed_below_its_first_sub_row() -> None:
    """（六）其他处理 printed beside its second sub-row (a merged cell's text at its rows' middle)
    does not hide the first: the label search goes on from before the heading."""
    text = "1.申请人无正当理由逾期不补正\n（六）其他处理 2.申请人逾期未按收费通知要求缴纳费用\n3.其他\n（七）总计\n"
    nt = NormText(text)
    rows = [label.row for label in find_labels(nt, requests_search_table("2021"), 0, len(text))]
    assert rows[-5:] == ["other", "other_no_correction", "other_unpaid_fee", "other_other", "total_processed"]


@pytest.mark.parametrize("form", ["plain", "markdown"])
@pytest.mark.parametrize("zeros", ["printed", "empty"])
@pytest.mark.parametrize("model", [None, "rules"])
def test_pandoc_text_of_word_files(shared, form: str, zeros: str, model: str | None) -> None:
    """``pandoc -f docx -t plain`` (or ``markdown``) prints the tables as multiline tables whose
    rules are runs of dashes, one per column: the rules had been read as "not applicable" marks
    (``--``), the appeals row's 15 cells wrong and out of review in every report (120 over the
    eight, 121 with zeros empty). Now every cell reads right, with zeros empty too: a row's
    values stand under their header words (``text/header_columns.py``; 58 and 42 wrong cells, in
    review, before that)."""
    wrong, silent = [], []
    for stem in TEXT_STEMS:
        report = _report(stem, zeros)
        text = _pandoc(stem, form, zeros)
        missed, unseen = _wrong_and_silent(report, _extractor(model)(text.encode("utf-8"), name=f"{stem}.txt"))
        wrong += [(stem, key) for key in missed]
        silent += [(stem, key) for key in unseen]
    assert silent == [], silent[:10]
    assert wrong == [], wrong[:10]


def test_column_rules_are_masked_and_percentages_are_no_cells() -> None:
    """A simple table's rule (``  ---- ------``, reStructuredText's ``==== ====``) is blank in the
    masked text; a pipe row's ``--`` mark stays. A number with a percent sign (asciidoc's
    ``[cols="16%,6%"]`` column widths) is no cell: the template's tables hold no percentages."""
    text = '  ------ ---- ------\n  ====  ====\n| 3 | -- |\n[cols="16%,6%"]\n|0 |1\n'
    nt = NormText(text)
    lines = masked(nt).split("\n")
    assert [line.strip() for line in lines[:2]] == ["", ""]
    assert lines[2] == "| 3 | -- |"
    start = text.index("[cols")
    assert [token.raw for token in find_tokens(nt, start, len(text))] == ["0", "1"]
