"""Real reports printed another way read as the originals: headings in converters' markup or other
numberings, a missing heading, CRLF or old Mac line ends; a table that is not there is an error.

Every variant is made at test time from the real text reports in ../shared (their gold cells in
tests/gold): the same cells must come out, at offsets that point at the same printed text.
"""

from __future__ import annotations

import functools
from bisect import bisect_right
from collections.abc import Callable

import pytest

from nianbao import extract
from nianbao.errors import MESSAGES
from nianbao.evaluation.gold import load_gold
from nianbao.extraction.text.locator import RuleLocator
from nianbao.extraction.text.normalize import NormText
from nianbao.extraction.text.patterns import find_sections
from nianbao.training.generator.generate import generate

from .conftest import GOLD_DIR, SHARED

TEXT_GOLDS = [g for g in load_gold(GOLD_DIR) if g.data["source"].endswith(".txt")]
NUMS = "一二三四五六"
RULES = RuleLocator()
Edit = tuple[int, int, str]


def _text(gold) -> str:
    return gold.source_path(SHARED).read_text("utf-8")


def _rewrite(text: str, edits: list[Edit]) -> tuple[str, Callable[[int], int]]:
    """The text with ``edits`` (start, end, replacement) made, and where an old offset moved to
    (offsets inside an edited span are not asked for)."""
    edits = sorted(edits)
    out, last, shifts, moved = [], 0, [], 0
    for start, end, new in edits:
        out += [text[last:start], new]
        moved += len(new) - (end - start)
        shifts.append((end, moved))
        last = end
    out.append(text[last:])
    ends = [end for end, _ in shifts]

    def shift(offset: int) -> int:
        i = bisect_right(ends, offset)
        return offset + (shifts[i - 1][1] if i else 0)

    return "".join(out), shift


def _cells(doc: dict) -> dict[tuple[str, str, str], dict]:
    return {(c["table"], c["row"], c["col"]): c for c in doc["cells"]}


def _assert_same_cells(gold: dict, doc: dict, text: str, shift: Callable[[int], int]) -> None:
    got = _cells(doc)
    wrong = []
    for cell in gold["cells"]:
        c = got[(cell["table"], cell["row"], cell["col"])]
        if (c["value"], c["state"], c["raw"]) != (cell["value"], cell["state"], cell["raw"]):
            wrong.append((cell["table"], cell["row"], cell["col"], cell["raw"], c["raw"], c["state"]))
        elif cell["start"] is not None and (c["start"], c["end"]) != (shift(cell["start"]), shift(cell["end"])):
            wrong.append((cell["table"], cell["row"], cell["col"], "offset", cell["start"], c["start"]))
        elif c["start"] is not None:
            assert text[c["start"] : c["end"]] == c["raw"]
    assert wrong == [], wrong[:10]


# --------------------------------------------------------------------------- headings

HEADING_FORMS: dict[str, Callable[[int, str], str]] = {
    "markdown_h2": lambda n, body: f"## {NUMS[n - 1]}、{body}",
    "markdown_bold": lambda n, body: f"**{NUMS[n - 1]}、{body}**",
    "arabic_dot": lambda n, body: f"{n}.{body}",
    "arabic_comma": lambda n, body: f"{n}、{body}",
    "fullwidth_dot": lambda n, body: f"{chr(0xFF10 + n)}．{body}",
    "parenthesised": lambda n, body: f"（{NUMS[n - 1]}）{body}",
    "part": lambda n, body: f"第{NUMS[n - 1]}部分 {body}",
    "bracketed": lambda n, body: f"【{NUMS[n - 1]}、{body}】",
    "title_alone": lambda n, body: f"{body}：",
}


def _heading_edits(gold: dict, form: Callable[[int, str], str]) -> list[Edit]:
    """Each gold heading ``一、title`` printed in another form (its title kept)."""
    return [(s["start"], s["end"], form(s["number"], s["title"][2:])) for s in gold["sections"]]


@pytest.mark.parametrize("form", sorted(HEADING_FORMS))
@pytest.mark.parametrize("gold", TEXT_GOLDS, ids=lambda g: g.name)
def test_headings_in_other_forms_read_as_printed_ones(gold, form: str) -> None:
    original = _text(gold)
    text, shift = _rewrite(original, _heading_edits(gold.data, HEADING_FORMS[form]))
    doc = extract(text.encode("utf-8"))
    assert doc["errors"] == []
    _assert_same_cells(gold.data, doc, text, shift)
    if form == "title_alone" and "crawl" in gold.name:
        return  # a title with no number inside a crawled one-line body is prose: the anchors find the tables
    assert [s["number"] for s in doc["sections"]] == [s["number"] for s in gold.data["sections"]]
    for got, want in zip(doc["sections"], gold.data["sections"], strict=True):
        assert text[got["start"] : got["end"]] == got["title"]
        assert got["title"].rstrip("*").endswith(want["title"][2:]), (got["title"], want["title"])
        assert shift(want["start"]) <= got["start"] < shift(want["end"])


def test_numbered_items_that_are_not_standard_titles_stay_items() -> None:
    """（一）, 1. and 1、 number sub-items in real reports (三（六）其他处理, 1.属于国家秘密, a list in
    prose): only a line that is a standard title is a heading; 第一部分 and markdown take the
    topic words, as 一、 does."""
    lines = [
        "（一）总体情况",  # heading 1
        "（一）主动公开",  # sub-items of 总体情况 in many 2021 reports
        "（二）依申请公开",
        "2.主动公开方面，本机关全年通过门户网站主动公开政府信息1200条。",
        "（二）主动公开政府信息情况",  # heading 2
        "1.属于国家秘密",
        "（六）其他处理",
        "**三、收到和处理政府信息公开申请情况**",  # heading 3
        "4.行政复议",
        "## 四、政府信息公开行政复议、行政诉讼情况",  # heading 4
        "5.存在的主要问题是人员不足、培训不够，下一步将加强队伍建设并完善制度。",
        "第五部分 存在问题",  # heading 5
        "6.其他需要报告的事项",  # heading 6
    ]
    sections = find_sections(NormText("\n".join(lines) + "\n"))
    assert [(s.number, s.title) for s in sections] == [
        (1, "（一）总体情况"),
        (2, "（二）主动公开政府信息情况"),
        (3, "三、收到和处理政府信息公开申请情况"),
        (4, "四、政府信息公开行政复议、行政诉讼情况"),
        (5, "第五部分 存在问题"),
        (6, "6.其他需要报告的事项"),
    ]
    lines = ["一 总体情况", "二 主动公开工作扎实推进", "【二、主动公开政府信息情况】"]
    lines.append("三 收到和处理政府信息公开申请情况")
    sections = find_sections(NormText("\n".join(lines)))
    assert [(s.number, s.title) for s in sections] == [
        (1, "一 总体情况"),
        (2, "二、主动公开政府信息情况"),
        (3, "三 收到和处理政府信息公开申请情况"),
    ]


# --------------------------------------------------------------------------- region bounds


def _blanked(text: str, gold: dict, numbers: tuple[int, ...]) -> str:
    """The report with headings ``numbers`` printed as spaces (offsets kept)."""
    for s in gold["sections"]:
        if s["number"] in numbers:
            text = text[: s["start"]] + " " * (s["end"] - s["start"]) + text[s["end"] :]
    return text


@pytest.mark.parametrize("missing", [(3,), (3, 4), (4,)], ids=lambda m: "no" + "".join(map(str, m)))
@pytest.mark.parametrize("gold", TEXT_GOLDS, ids=lambda g: g.name)
def test_a_missing_heading_keeps_the_tables_apart(gold, missing: tuple[int, ...]) -> None:
    """Heading 三 (or 三 and 四, or 四) not found: the active region still ends before the
    requests table and the requests region before the appeals table, so every cell comes out as
    with the heading (default model and rules)."""
    text = _blanked(_text(gold), gold.data, missing)
    for locator in (None, RULES):
        doc = extract(text.encode("utf-8"), locator=locator)
        _assert_same_cells(gold.data, doc, text, lambda offset: offset)
        assert [s["number"] for s in doc["sections"]] == [
            s["number"] for s in gold.data["sections"] if s["number"] not in missing
        ]


def _without_table(text: str, gold: dict, number: int, sentence: str) -> str:
    start = next(s["end"] for s in gold["sections"] if s["number"] == number)
    end = next(s["start"] for s in gold["sections"] if s["number"] == number + 1)
    return text[:start] + "\n" + sentence + "\n" + text[end:]


@pytest.mark.parametrize("gold", [g for g in TEXT_GOLDS if len(g.data["sections"]) == 6], ids=lambda g: g.name)
def test_a_table_that_is_not_there_is_an_error_not_blank_cells(gold) -> None:
    """四 says there were no appeals, or 三 points at an attachment: that table's cells are
    ``missing`` (not blank) and ``errors`` says which table was not found."""
    cases = {
        "appeals": _without_table(_text(gold), gold.data, 4, "本年度未发生政府信息公开行政复议、行政诉讼情况。"),
        "requests": _without_table(_text(gold), gold.data, 3, "本年度收到和处理政府信息公开申请情况详见附表。"),
    }
    for table, text in cases.items():
        doc = extract(text.encode("utf-8"))
        states = {c["state"] for c in doc["cells"] if c["table"] == table}
        assert states == {"missing"}, (table, states)
        assert [e for e in doc["errors"] if e.startswith(MESSAGES["table_not_found"])] != []
        assert any(table in e for e in doc["errors"]), doc["errors"]
        others = [c for c in doc["cells"] if c["table"] != table and c["state"] == "number"]
        assert others, "the other tables are still read"


# --------------------------------------------------------------------------- line ends


@pytest.mark.parametrize("ending", ["\r\n", "\r"], ids=["crlf", "cr"])
@pytest.mark.parametrize("gold", TEXT_GOLDS, ids=lambda g: g.name)
def test_windows_and_old_mac_line_ends_read_as_newlines(gold, ending: str) -> None:
    """A CRLF copy (and an old Mac copy, lone \\r) gives the LF original's cells, at offsets that
    point at the same printed text of the copy."""
    original = _text(gold)
    text = original.replace("\n", ending)
    newlines = [i for i, ch in enumerate(original) if ch == "\n"]
    extra = len(ending) - 1

    def shift(offset: int) -> int:
        return offset + extra * bisect_right(newlines, offset - 1)

    doc = extract(text.encode("utf-8"))
    _assert_same_cells(gold.data, doc, text, shift)
    assert [(s["number"], s["title"]) for s in doc["sections"]] == [
        (s["number"], s["title"]) for s in gold.data["sections"]
    ]


@functools.lru_cache(maxsize=1)
def _generated() -> tuple[str, ...]:
    return tuple(r["text"] for r in generate(6, seed=11))


@pytest.mark.parametrize("index", range(6))
def test_generated_reports_with_crlf_give_the_lf_cells(index: int) -> None:
    text = _generated()[index]
    for locator in (None, RULES):
        lf = _cells(extract(text.encode("utf-8"), locator=locator))
        crlf = _cells(extract(text.replace("\n", "\r\n").encode("utf-8"), locator=locator))
        assert {k: (c["value"], c["state"], c["raw"]) for k, c in crlf.items()} == {
            k: (c["value"], c["state"], c["raw"]) for k, c in lf.items()
        }


def test_word_headings_numbered_by_their_list_style_are_headings(shared) -> None:
    """A Word report whose headings are numbered by a list style (List Number) holds only the
    titles as text (总体情况, not 一、总体情况): the real HTML report as such a DOCX gives its six
    sections and the HTML gold's cells."""
    import io
    import json

    import docx

    from nianbao.extraction.inputs.render import render_input

    from .test_formats_real import _docx_like

    gold = json.loads((GOLD_DIR / "html" / "pingtan-transport-2023.json").read_text("utf-8"))
    rendered = render_input((shared / gold["source"]).read_bytes(), "r.html")
    assert rendered is not None
    document = docx.Document(io.BytesIO(_docx_like(rendered)))
    titles = {s["title"]: s["title"][2:] for s in gold["sections"]}
    numbered = 0
    for paragraph in document.paragraphs:
        if paragraph.text.strip() in titles:
            paragraph.text, paragraph.style = titles[paragraph.text.strip()], "List Number"
            numbered += 1
    assert numbered == 6
    buffer = io.BytesIO()
    document.save(buffer)
    doc = extract(buffer.getvalue())
    assert doc["source"]["format"] == "docx" and doc["errors"] == []
    assert [(s["number"], s["title"]) for s in doc["sections"]] == [(n, t) for n, t in enumerate(titles.values(), 1)]
    got = {key: (c["value"], c["state"]) for key, c in _cells(doc).items()}
    assert [c for c in gold["cells"] if got[(c["table"], c["row"], c["col"])] != (c["value"], c["state"])] == []
