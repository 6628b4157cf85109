"""Generated layouts are internally consistent: offsets, slots, and no VALUE span off a cell."""

from __future__ import annotations

import random
import re

import pytest

from nianbao.training.generator.consistency import record_problems
from nianbao.training.generator.generate import GenConfig, generate, generate_report
from nianbao.training.generator.render import STYLES

NUMBER = re.compile(r"\d+")


@pytest.mark.parametrize("style", STYLES)
def test_every_value_span_has_its_cells_slot(style: str) -> None:
    for sample in generate(6, seed=21, styles=(style,)):
        assert record_problems(sample) == [], sample["meta"]


def test_slots_cover_each_table_shape() -> None:
    sample = generate_report(random.Random(2), GenConfig("tab", "2021"))
    slots: dict[str, set[int]] = {}
    for cell in sample["cells"]:
        span = next((s for s in sample["spans"] if s["start"] == cell["start"] and s["label"] == "VALUE"), None)
        if span:
            slots.setdefault(cell["table"], set()).add(span["slot"])
    assert slots["requests"] == set(range(7)) and slots["appeals"] == set(range(15))
    assert max(slots["active"]) >= 2


def test_prose_numbers_are_not_value_spans() -> None:
    """Years, dates and prose counts are printed but carry no VALUE span (class O for the tagger)."""
    for sample in generate(10, seed=5):
        covered = set()
        for span in sample["spans"]:
            covered.update(range(span["start"], span["end"]))
        stray = [m.group() for m in NUMBER.finditer(sample["text"]) if not covered & set(range(m.start(), m.end()))]
        assert str(sample["report"]["year"]) in stray, sample["meta"]


def _empty_fields(text: str, style: str) -> int:
    """How many explicitly empty cells the text shows, in the style's own way of showing them."""
    lines = text.split("\n")
    if style == "tab_empty":
        return sum(line.split("\t").count("") for line in lines if "\t" in line)
    if style == "markdown_empty":
        rows = [line.strip()[1:-1].split("|") for line in lines if line.startswith("|")]
        return sum(1 for row in rows for field in row if not field.strip())
    if style == "pipe_blank":
        return lines.count(" |")
    return lines[:-1].count("")  # lines_blank: an empty line is an empty cell, nothing else


@pytest.mark.parametrize("style", ["tab_empty", "markdown_empty", "pipe_blank", "lines_blank"])
def test_blank_cells_are_printed_as_countable_empty_fields(style: str) -> None:
    blanks = 0
    for seed in range(4):
        for zero in ("", "0", "/"):
            sample = generate_report(
                random.Random(seed), GenConfig(style, "2019" if seed % 2 else "2021", zero_style=zero)
            )
            assert record_problems(sample) == []
            blank = sum(c["state"] == "blank" for c in sample["cells"])
            assert _empty_fields(sample["text"], style) == blank, (seed, zero)
            blanks += blank
            states = {c["raw"]: c["state"] for c in sample["cells"] if c["table"] == "requests"}
            assert (
                states.get("") in (None, "blank")
                and states.get("/") in (None, "na")
                and states.get("0") in (None, "number")
            )
    assert blanks > 50  # zero_style "" really leaves cells empty


@pytest.mark.parametrize(
    "style", ["tab_empty", "markdown_empty", "pipe_blank", "lines_blank", "markdown_merged", "pdf_markdown"]
)
def test_blank_cells_are_common_in_the_blank_styles(style: str) -> None:
    samples = generate(12, seed=8, styles=(style,))
    assert sum(s["meta"]["zero_style"] == "" for s in samples) >= 4
    for sample in samples:
        assert record_problems(sample) == [], sample["meta"]


def test_markdown_merged_repeats_spanned_cells() -> None:
    sample = generate_report(random.Random(3), GenConfig("markdown_merged", "2021"))
    rows = [line.strip()[1:-1].split("|") for line in sample["text"].split("\n") if line.startswith("|")]
    rows = [[field.strip() for field in row] for row in rows]
    assert any(row.count("申请人情况") == 7 for row in rows) and any(row.count("行政诉讼") == 10 for row in rows)
    wide = [row for row in rows if len(row) == 10]
    spanning = [row for row in wide if row[0] == row[1] == row[2] and row[0].startswith("一、本年新收")]
    assert len(spanning) == 1  # a label spanning all three label columns, printed in each
    twice = [row for row in wide if row[0] == "三、本年度办理结果" and row[1] == row[2] == "（一）予以公开"]
    assert len(twice) == 1
    grouped = [row for row in wide if row[1].startswith("（三）不予公开")]
    assert len(grouped) == 8 and all(row[0] == "三、本年度办理结果" for row in grouped)
    caption = [row for row in rows if row[0].startswith("第二十条第（一）项")]
    assert caption and all(len(set(row)) == 1 for row in caption)


def test_pdf_markdown_splits_rows_and_detaches_values() -> None:
    split = detached = 0
    for sample in generate(6, seed=4, styles=("pdf_markdown",)):
        assert record_problems(sample) == []
        lines = sample["text"].split("\n")
        for i, line in enumerate(lines[:-1]):
            fields = [f.strip() for f in line.strip()[1:-1].split("|")] if line.startswith("|") else []
            following = (
                [f.strip() for f in lines[i + 1].strip()[1:-1].split("|")] if lines[i + 1].startswith("|") else []
            )
            if fields and following and fields[0] and following[0] and not any(following[1:]) and len(following) == 8:
                split += bool(re.match(r"^[\u4e00-\u9fff“”、]", following[0])) and not re.match(
                    r"^(\d|（|[一二三四]、)", following[0]
                )
            if fields and not fields[0] and any(fields[1:]) and len(fields) == 8:
                detached += 1  # a value row with no label of its own
    assert split >= 3 and detached >= 3, (split, detached)


def test_crawl_prose_runs_table_digits_into_a_year() -> None:
    runs = 0
    for sample in generate(6, seed=6, styles=("crawl_prose",)):
        assert record_problems(sample) == [], sample["meta"]
        text, year = sample["text"], str(sample["report"]["year"])
        assert "\n" not in text.split("正文 ====================\n", 1)[1]
        ends = {c["end"] for c in sample["cells"] if c["start"] is not None}
        glued = [e for e in ends if text[e - 1].isdigit() and text.startswith((year, str(int(year) + 1)), e)]
        assert glued, "the table's last digits should run into the prose's year"
        values = [(s["start"], s["end"]) for s in sample["spans"] if s["label"] == "VALUE"]
        assert not any(s < e + 4 and e < en for e in glued for s, en in values if s >= e)  # the year is no cell
        runs += len(glued)
    assert runs >= 6


def test_generate_command_writes_each_new_style(tmp_path) -> None:
    from typer.testing import CliRunner

    from nianbao.annotations import read_jsonl
    from nianbao.cli import app
    from nianbao.training.generator.render import LAYOUT_STYLES

    args = ["generate", "-n", "7", "-o", str(tmp_path), "--seed", "2"]
    for style in LAYOUT_STYLES:
        args += ["--style", style]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    records = list(read_jsonl(tmp_path / "annotations.jsonl"))
    assert len(records) == 7 and {r["meta"]["style"] for r in records} <= set(LAYOUT_STYLES)
    assert all(record_problems(r) == [] for r in records)
    bad = CliRunner().invoke(app, ["generate", "-n", "1", "-o", str(tmp_path), "--style", "markdown_mergd"])
    assert bad.exit_code != 0 and "unknown style markdown_mergd" in bad.output


def test_layout_eval_scores_what_compare_finds() -> None:
    from nianbao import extract_text
    from nianbao.evaluation.gold import compare
    from nianbao.training.layout_eval import score_records

    records = generate(3, seed=11, styles=("lines_blank",))
    score = score_records("lines_blank", records)
    assert score.cells == sum(len(r["cells"]) for r in records) and score.reports == 3
    wrong = sum(sum(".value:" in p or ".state:" in p for p in compare(r, extract_text(r["text"]))) for r in records)
    assert score.cells - score.right <= wrong  # a cell wrong in value and state counts once here
    assert (score.right == score.cells) == (wrong == 0)
