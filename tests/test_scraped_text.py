"""Web pages turned to text by a scraper that puts nothing between cells (BeautifulSoup's
``get_text()``): each table row on a line, its values run together after its label. Real reports'
tables reprinted so from their gold cells (``markup_reports.scraped_text``)."""

from __future__ import annotations

import functools

import pytest

from nianbao.extraction.pipeline import Extractor

from .markup_reports import load_report, scraped_text

STEMS = (
    "000_c304030f2df1b677",
    "001_6d8c5d61ee13f09e",
    "003_00d1a30b4b93398f",
    "004_136fd1d98cf7f7a0",
    "hongze-district-2023-pdftext",
    "huaian-city-2024-pdftext",
)


@functools.cache
def _extractor(model: str | None) -> Extractor:
    return Extractor(model)


def _wrong_and_silent(report, doc: dict) -> tuple[list, list]:
    got = {(c["table"], c["row"], c["col"]): c for c in doc["cells"]}
    reviewed = {(r["table"], r["row"], r["col"]) for r in doc["review"]}
    wrong = [key for key, want in report.expected().items() if (got[key]["value"], got[key]["state"]) != want]
    return wrong, [key for key in wrong if key not in reviewed]


@pytest.mark.parametrize("stem", STEMS)
@pytest.mark.parametrize("model", [None, "rules"])
@pytest.mark.parametrize("zeros", ["printed", "blank"])
def test_values_run_together_are_split_or_reviewed_never_silently_wrong(
    shared, stem: str, model: str | None, zeros: str
) -> None:
    """Before: a run glued to its label is no value token, so the tables came out blank, out of
    review (1,093 wrong and silent cells over eight reports; 218 with zeros printed empty).
    Where every requests row's run has seven digits or more (``210000021``: every cell printed)
    the runs are split as a crawled body's are, by the arithmetic; where one is shorter, cells
    print empty (``5252``: 52 once or twice, in which columns?) and the rows with a run go to
    review, the active table's too (``规章111``: 1, empty, 11 is no split of three digits)."""
    report = load_report(stem)
    if zeros == "blank":
        report.blank_zeros()
    doc = _extractor(model)(scraped_text(report), name=f"{stem}.txt")
    wrong, silent = _wrong_and_silent(report, doc)
    assert silent == [], silent[:10]
    if stem.startswith("hongze") and zeros == "printed":  # every cell printed: split by the arithmetic
        assert [key for key in wrong if key[0] == "requests"] == []


@pytest.mark.parametrize("stem", STEMS)
def test_cells_separated_by_a_space_are_read(shared, stem: str) -> None:
    report = load_report(stem)
    doc = _extractor(None)(scraped_text(report, " "), name=f"{stem}.txt")
    assert _wrong_and_silent(report, doc)[0] == []
