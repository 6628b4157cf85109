"""Real reports' tables as web pages and Word documents print them (built at test time from
the gold cells, see :mod:`tests.markup_reports`): every cell must come back as the gold says."""

from __future__ import annotations

import copy
import functools
import html

import pytest
from lxml import etree

from nianbao.extraction.pipeline import Extractor
from nianbao.extraction.templates import get_template
from nianbao.extraction.text.frames import goes_on
from nianbao.extraction.text.normalize import NormText
from nianbao.extraction.text.patterns import anchored_in_grid, find_labels

from .markup_reports import (
    Report,
    box_table_text,
    cell_lines,
    grid_table_text,
    load_report,
    markdown,
    page,
    pipe_markdown,
    word,
)
from .test_reading_order import TEXT_STEMS

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
STEMS = ("002_0894b26ac3a47999", "004_136fd1d98cf7f7a0", "hongze-district-2023-pdftext")


@functools.cache
def _extractor(model: str | None) -> Extractor:
    return Extractor(model)


def _wrong(report: Report, doc: dict, text: str | None = None) -> list[str]:
    got = {(c["table"], c["row"], c["col"]): c for c in doc["cells"]}
    wrong = []
    for key, (value, state) in report.expected().items():
        cell = got.get(key)
        if cell is None or cell["state"] != state or cell["value"] != value:
            wrong.append(f"{key}: want {value!r}/{state} got {cell and (cell['value'], cell['state'])}")
    text = doc["source"]["rendered_text"] if text is None else text
    for cell in doc["cells"]:
        if cell["state"] in ("number", "na", "text"):
            assert text[cell["start"] : cell["end"]] == cell["raw"]
    return wrong


def _element(tag: str, **attrs: str) -> etree._Element:
    element = etree.Element(f"{{{W}}}{tag}", nsmap={"w": W})
    for name, value in attrs.items():
        element.set(f"{{{W}}}{name}", value)
    return element


def _revised(run: etree._Element) -> None:
    """The run becomes a tracked insertion, after a tracked deletion of another number."""
    deleted = _element("del", id="1", author="a", date="2024-01-02T00:00:00Z")
    old = etree.SubElement(etree.SubElement(deleted, f"{{{W}}}r"), f"{{{W}}}delText")
    old.text = "99"
    _wrap(run, _element("ins", id="2", author="a", date="2024-01-02T00:00:00Z"), before=deleted)


def _wrap(run: etree._Element, wrapper: etree._Element, before: etree._Element | None = None) -> None:
    parent = run.getparent()
    at = parent.index(run)
    parent.remove(run)
    inner = wrapper
    if etree.QName(wrapper).localname == "sdt":
        etree.SubElement(wrapper, f"{{{W}}}sdtPr")
        inner = etree.SubElement(wrapper, f"{{{W}}}sdtContent")
    inner.append(run)
    parent.insert(at, wrapper)
    if before is not None:
        parent.insert(at, before)


WRAPPERS = {
    "plain": None,
    "tracked_insertion": _revised,
    "content_control": lambda run: _wrap(run, _element("sdt")),
    "smart_tag": lambda run: _wrap(run, _element("smartTag", uri="urn:schemas-microsoft-com:office:smarttags")),
}


@pytest.mark.parametrize("stem", STEMS)
@pytest.mark.parametrize("wrapper", WRAPPERS)
def test_word_values_inside_revisions_controls_and_smart_tags_are_read(shared, stem: str, wrapper: str) -> None:
    report = load_report(stem)
    doc = _extractor(None)(word(report, WRAPPERS[wrapper]), name=f"{stem}.docx")
    assert doc["source"]["format"] == "docx"
    wrong = _wrong(report, doc)
    assert wrong == [], "\n".join(wrong[:20])


def _wrap_each(elements: list, make) -> None:
    for element in elements:
        _wrap(element, make())


def _deleted_copies(tbl: etree._Element) -> None:
    """Before each row below the header, the row as it was before a revision: a tracked-deleted
    row whose numbers were other ones (deleted text, ``w:trPr/w:del``)."""
    for tr in tbl.xpath("./w:tr")[3:]:
        old = copy.deepcopy(tr)
        properties = old.find(f"{{{W}}}trPr")
        if properties is None:
            properties = etree.Element(f"{{{W}}}trPr")
            old.insert(0, properties)
        properties.append(_element("del", id="7", author="a", date="2024-01-02T00:00:00Z"))
        for text in old.iter(f"{{{W}}}t"):
            text.tag = f"{{{W}}}delText"
            text.text = "9" if text.text and text.text.isdigit() else text.text
        for run in old.iter(f"{{{W}}}r"):
            _wrap(run, _element("del", id="8", author="a", date="2024-01-02T00:00:00Z"))
        tr.addprevious(old)


TABLE_EDITS = {
    "deleted_rows": _deleted_copies,
    "rows_in_content_controls": lambda tbl: _wrap_each(tbl.xpath("./w:tr")[3:], lambda: _element("sdt")),
    "rows_in_custom_xml": lambda tbl: _wrap_each(tbl.xpath("./w:tr")[3:], lambda: _element("customXml", element="r")),
    "cells_in_custom_xml": lambda tbl: _wrap_each(
        tbl.xpath("./w:tr/w:tc")[::3], lambda: _element("customXml", element="c")
    ),
}


@pytest.mark.parametrize("stem", STEMS[:2])
@pytest.mark.parametrize("edit", TABLE_EDITS)
def test_word_rows_and_cells_inside_content_controls_and_custom_xml_are_read(shared, stem: str, edit: str) -> None:
    report = load_report(stem)
    doc = _extractor(None)(word(report, edit_table=TABLE_EDITS[edit]), name=f"{stem}.docx")
    wrong = _wrong(report, doc)
    assert wrong == [], "\n".join(wrong[:20])


@pytest.mark.parametrize("stem", STEMS)
@pytest.mark.parametrize("model", [None, "rules"])
def test_page_rows_that_leave_out_their_trailing_empty_cells(shared, stem: str, model: str | None) -> None:
    report = load_report(stem)
    report.blank_zeros()
    doc = _extractor(model)(page(report, omit_trailing_empty=True), name=f"{stem}.html")
    assert doc["source"]["format"] == "html"
    wrong = _wrong(report, doc)
    assert wrong == [], "\n".join(wrong[:20])
    whole = _extractor(model)(page(report), name=f"{stem}.html")
    assert _wrong(report, whole) == []


@pytest.mark.parametrize("stem", STEMS)
@pytest.mark.parametrize("model", [None, "rules"])
@pytest.mark.parametrize("zeros", ["printed", "blank"])
def test_merged_cells_printed_as_separate_empty_cells(shared, stem: str, model: str | None, zeros: str) -> None:
    """A converter that prints a label spanning columns as the label and empty cells (no
    colspan): the row has more cells than columns and opens with empty ones; its values are its
    last cells, and the appeals table's empty corner is not its first value. With its zeros
    printed as empty cells too, the appeals header's empty cells (行政复议 | | | | 行政诉讼) are
    not the row's: its first value stays in its column."""
    report = load_report(stem)
    report.unmerge()
    if zeros == "blank":
        report.blank_zeros()
    wrong = _wrong(report, _extractor(model)(page(report), name=f"{stem}.html"))
    assert wrong == [], "\n".join(wrong[:20])


@pytest.mark.parametrize("stem", STEMS)
@pytest.mark.parametrize("empty", ["&#8203;", "<p>\u200b</p>", "<p>\ufeff&nbsp;</p>"])
def test_page_cells_holding_only_zero_width_characters_are_empty(shared, stem: str, empty: str) -> None:
    report = load_report(stem)
    report.blank_zeros()
    doc = _extractor(None)(page(report, empty=empty), name=f"{stem}.html")
    wrong = _wrong(report, doc)
    assert wrong == [], "\n".join(wrong[:20])


def test_short_rows_are_padded_to_the_columns_cells_start_in() -> None:
    from nianbao.extraction.inputs.render import NBSP, render_input

    page_bytes = (
        "<html><body><table><tr><td colspan=100>第二十条第（一）项</td></tr>"
        "<tr><td>规章</td><td>1</td><td>2</td></tr><tr><td>行政规范性文件</td><td>3</td></tr></table></body></html>"
    ).encode()
    rendered = render_input(page_bytes, "t.html")
    assert rendered is not None
    assert rendered.text.split("\n\n") == ["第二十条第（一）项", "规章\n1\n2", f"行政规范性文件\n3\n{NBSP}"]


REVISED = {
    "del_ins": lambda v: f"<del datetime='2024-01-02T00:00'>9</del><ins datetime='2024-01-02T00:00'>{v}</ins>",
    "strike": lambda v: f"<s>9</s>{v}",
    "line_through": lambda v: f'<span style="text-decoration: line-through;">9</span><span>{v}</span>',
}


@pytest.mark.parametrize("stem", STEMS)
@pytest.mark.parametrize("revised", REVISED)
def test_page_values_after_deleted_or_struck_out_ones_are_read(shared, stem: str, revised: str) -> None:
    report = load_report(stem)

    def cell_html(text: str) -> str:
        escaped = html.escape(text)
        return REVISED[revised](escaped) if text[:1].isdigit() else escaped

    doc = _extractor(None)(page(report, cell_html=cell_html), name=f"{stem}.html")
    wrong = _wrong(report, doc)
    assert wrong == [], "\n".join(wrong[:20])


@pytest.mark.parametrize("stem", STEMS)
@pytest.mark.parametrize("model", [None, "rules"])
@pytest.mark.parametrize("wrapper", ["<html><body>{}</body></html>", "{}"], ids=["mineru", "bare_table"])
def test_converter_markdown_with_html_tables(shared, stem: str, model: str | None, wrapper: str) -> None:
    """A PDF converter's markdown (MinerU writes each table as ``<html><body><table>…`` on one
    line between ``#`` headings and paragraphs): the tables are read as grids and the text
    around them keeps its lines, so the title gives the agency (read as one page, its lines
    ran together and the agency came from the prose)."""
    report = load_report(stem)
    doc = _extractor(model)(markdown(report, wrapper), name=f"{stem}.md")
    assert doc["source"]["format"] == "html"
    assert _wrong(report, doc) == []
    assert doc["report"]["agency"] == report.gold["report"]["agency"]
    assert [s["number"] for s in doc["sections"]] == [s["number"] for s in report.gold["sections"]]


@pytest.mark.parametrize("stem", STEMS)
def test_heading_at_the_end_of_a_long_paragraph_line(shared, stem: str) -> None:
    """A page that prints section 二's heading at the end of section 一's paragraph (one
    ``<p>``, no break): the active table below it is read as the grid it is, not as a crawled
    run of digits (the region's line counted from its start was the whole paragraph)."""
    report = load_report(stem)
    first = report.paragraphs[0]
    heading = next(i for i, line in enumerate(first) if line.startswith("二、"))
    body = "".join(first[1:heading])
    assert len(body) > 300
    report.paragraphs = ([first[0], body + first[heading]], *report.paragraphs[1:])  # type: ignore[assignment]
    doc = _extractor(None)(page(report), name=f"{stem}.html")
    assert _wrong(report, doc) == []


def test_page_after_a_crawlers_header_lines_is_still_a_page() -> None:
    """Text before the markup does not make a page a converter's markdown: its ``<p>`` still
    joins the lines of its source, a markdown's text keeps them."""
    from nianbao.extraction.inputs.render import render_input

    table = "<table><tr><td>规章</td><td>1</td></tr></table>"
    crawled = f"标题：某局年报\n\n<!doctype html><html><body><p>第一行\n接着</p>{table}</body></html>".encode()
    converted = f"第一行\n接着\n\n{table}".encode()
    page_text = render_input(crawled, "r.txt")
    markdown_text = render_input(converted, "r.md")
    assert page_text is not None and markdown_text is not None
    assert "第一行 接着" in page_text.text
    assert markdown_text.text.split("\n\n")[:2] == ["第一行", "接着"]


@pytest.mark.parametrize("stem", ("000_c304030f2df1b677", "003_00d1a30b4b93398f", *STEMS))
@pytest.mark.parametrize("model", [None, "rules"])
@pytest.mark.parametrize("layout", ["framed", "unframed", "repeated"])
@pytest.mark.parametrize("zeros", ["printed", "blank"])
def test_pipe_table_whose_merged_labels_print_empty_cells(
    shared, stem: str, model: str | None, layout: str, zeros: str
) -> None:
    """``| 一、本年新收… |  |  | 10 |  |  |  |  |  | 10 |``: the label merged over three columns
    prints two empty cells; the row's last seven cells are its columns, so 10 is 自然人's (the
    tagger, counting cells from the label, put it two columns right, under review). Unframed
    (``一、本年新收… |  |  | 10 | …``, html2text) too, where a row whose first cell is empty
    (`` |  | 3.其他 | 8 | …``) is its own label's row, not a value row printed below another; and
    with the merged label's text in each of its cells (docling). With zeros printed empty: the
    appeals row of fifteen cells is read by its cells with the rules too (they had put 1 under
    结果维持 where 其他结果 printed it, in review), and a (六)其他处理 printed as one row of empty
    cells is that row, blank, its label repeated or not (it had been left out, out of review)."""
    report = load_report(stem)  # 000 and 003 print some of their cells empty
    if zeros == "blank":
        report.blank_zeros()
    data = pipe_markdown(report, framed=layout != "unframed", repeat=layout == "repeated")
    doc = _extractor(model)(data, name=f"{stem}.md")
    assert _wrong(report, doc, data.decode("utf-8")) == []


@pytest.mark.parametrize("stem", ("000_c304030f2df1b677", "003_00d1a30b4b93398f", *STEMS))
@pytest.mark.parametrize("model", [None, "rules"])
@pytest.mark.parametrize("zeros", ["printed", "blank"])
@pytest.mark.parametrize("drawn", ["ascii", "box"])
def test_grid_tables(shared, stem: str, model: str | None, zeros: str, drawn: str) -> None:
    """``+------+----+`` rule lines between the rows are no cells: their dashes had been read as
    "not applicable" marks (``--``), the appeals row and whole requests rows out of review. Drawn
    with box characters (``├──┼──┤``, ``│ 21 │``): the same grid (its rules had been read as "—"
    marks and its walls were no separators: 690 wrong cells out of review over eight reports)."""
    report = load_report(stem)
    if zeros == "blank":
        report.blank_zeros()
    data = grid_table_text(report) if drawn == "ascii" else box_table_text(report)
    doc = _extractor(model)(data, name=f"{stem}.txt")
    assert _wrong(report, doc, data.decode("utf-8")) == []


@pytest.mark.parametrize("stem", ("000_c304030f2df1b677", "003_00d1a30b4b93398f", *STEMS))
@pytest.mark.parametrize("model", [None, "rules"])
@pytest.mark.parametrize("zeros", ["printed", "blank"])
def test_grid_table_cells_wrapped_over_lines(shared, stem: str, model: str | None, zeros: str) -> None:
    """Labels wrapped over the lines of their cell (seven characters a line): a label read on a
    continuation line (``确认或重新出具``) belongs to its row's first line, where the values are
    (they had gone to the row above, and the row came out blank, out of review); a label the
    wrapping cuts (``5.属于三类内部`` / ``事务信息``, the other cells between in the text) is found
    in its cell's lines joined (the rules had missed five rows a report, 19 cells out of review
    over eight reports with zeros blank). Every cell as the gold, both models."""
    report = load_report(stem)
    if zeros == "blank":
        report.blank_zeros()
    data = grid_table_text(report, wrap=7)
    assert _wrong(report, _extractor(model)(data, name=f"{stem}.txt"), data.decode("utf-8")) == []


@pytest.mark.parametrize("stem", TEXT_STEMS)
@pytest.mark.parametrize("model", [None, "rules"])
@pytest.mark.parametrize("zeros", ["printed", "blank"])
@pytest.mark.parametrize("wrap", [6, 8])
def test_framed_tables_wrapped_without_rule_lines(shared, stem: str, model: str | None, zeros: str, wrap: int) -> None:
    """The grid tables above without their rule lines (a Word reader's or a console's framed
    table): a row's wrapped label goes on over the lines whose fields print no digit and no item
    mark under fields filled to their end. Before, over the eight reports at eight characters a
    line: 4 wrong cells out of review with the model (5.要求行政机关 / 确认或重新出具已 read on its
    second line, its values given to the row above) and 292 wrong with the rules, zeros blank;
    42 and 324 wrong (in review) with zeros printed; at six characters 64 out of review."""
    report = load_report(stem)
    if zeros == "blank":
        report.blank_zeros()
    data = grid_table_text(report, wrap=wrap, rules=False)
    assert _wrong(report, _extractor(model)(data, name=f"{stem}.txt"), data.decode("utf-8")) == []


def test_a_framed_line_goes_on_only_with_a_full_cell_above_it() -> None:
    """Wrapped text stands under a field filled to its end, in a table padded into columns,
    with some of its fields empty and none a mark or a number."""
    assert goes_on("|      | 确认或重新出具已 |    |", "|      | 5.要求行政机关 | 1  |")
    assert not goes_on("|      | 行政事业性收费  |    |", "|      | 位：万元）    |    |")  # nothing to go on
    assert not goes_on("| 行政强制 |  |", "| 行政处罚 | 4360 |")  # markdown: pipes not aligned
    assert not goes_on("| 行政强制 | / |", "| 行政处罚 | / |")  # a mark is a cell
    assert not goes_on("|      | 4.无正当理由大 |    |", "|      | 3.要求提供公开 |    |")  # an item mark


def test_a_row_of_its_own_under_a_label_as_wide_as_its_column() -> None:
    """Two rows each as wide as the column (a sub-table printed on its own): the empty second
    row is no continuation of the first, its label stays on its line."""
    text = "二、主动公开政府信息情况\n| 信息内容 | 本年处理决定数量 |\n"
    text += "| 行政处罚 | 4360         |\n| 行政强制 |              |\n"
    labels = find_labels(NormText(text), get_template("2019").active, 0, len(text))
    assert {label.row: text.count("\n", 0, label.start) for label in anchored_in_grid(text, labels)} == {
        "penalty": 2,
        "coercion": 3,
    }


@pytest.mark.parametrize("zeros", ["printed", "blank"])
@pytest.mark.parametrize("model", [None, "rules"])
def test_one_cell_a_line_with_merged_labels_repeated(shared, zeros: str, model: str | None) -> None:
    """Every cell on its own line, a merged label's text in each cell it spans: a (六)其他处理
    printed empty, followed by 三、本年度办理结果 (the next row's group heading), is that row,
    blank (it had been read as the 2021 sub-rows' heading and its cells left out: 14 wrong cells
    out of review over the eight reports with zeros blank, both models). Wrong cells stay in
    review."""
    silent = {}
    for stem in TEXT_STEMS:
        report = load_report(stem)
        if zeros == "blank":
            report.blank_zeros()
        data = cell_lines(report)
        doc = _extractor(model)(data, name=f"{stem}.txt")
        _wrong(report, doc, data.decode("utf-8"))  # every read cell stands where it says
        got = {(c["table"], c["row"], c["col"]): (c["value"], c["state"]) for c in doc["cells"]}
        reviewed = {(r["table"], r["row"], r["col"]) for r in doc["review"]}
        wrong = [key for key, want in report.expected().items() if got.get(key) != want and key not in reviewed]
        if wrong:
            silent[stem] = wrong
    assert silent == {}
