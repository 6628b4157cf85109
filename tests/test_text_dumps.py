"""Web pages dumped to text by a text browser: the real reports' tables rebuilt as pages from
their gold cells (``tests/markup_reports.page``) and dumped by ``w3m -dump``, which draws each
table with box characters, a merged label's text at its rows' middle, and rules that stop at
the columns a merged label spans (``│    ├────┼────┤``)."""

from __future__ import annotations

import functools
import shutil
import subprocess

import pytest

from nianbao.extraction.pipeline import Extractor
from nianbao.extraction.templates import requests_search_table
from nianbao.extraction.text.normalize import NormText
from nianbao.extraction.text.patterns import find_labels, masked

from .markup_reports import load_report, page
from .test_reading_order import TEXT_STEMS


@functools.cache
def _extractor(model: str | None) -> Extractor:
    return Extractor(model)


def _w3m(html: bytes, width: int) -> str:
    if shutil.which("w3m") is None:
        pytest.fail("w3m is not installed: `make test` installs it (the Makefile's browser target)")
    command = ["w3m", "-dump", "-T", "text/html", "-I", "UTF-8", "-O", "UTF-8", "-cols", str(width)]
    return subprocess.run(command, input=html, capture_output=True, check=True).stdout.decode("utf-8")


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
        report = load_report(stem)
        if zeros == "empty":
            report.blank_zeros()
        text = _w3m(page(report), width)
        doc = _extractor(model)(text.encode("utf-8"), name=f"{stem}.txt")
        got = {(c["table"], c["row"], c["col"]): (c["value"], c["state"]) for c in doc["cells"]}
        reviewed = {(r["table"], r["row"], r["col"]) for r in doc["review"]}
        missed = [(stem, key) for key, want in report.expected().items() if got[key] != want]
        wrong += missed
        silent += [(stem, key) for stem, key in missed if key not in reviewed]
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
