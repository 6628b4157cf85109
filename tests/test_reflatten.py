"""Real reports in every layout: a real report's tables re-rendered from its gold, prose kept."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nianbao.training.generator.consistency import record_problems
from nianbao.training.generator.reflatten import load_real, reflatten, table_regions

GOLD = sorted((Path(__file__).parent / "gold").glob("*.json"))
STYLES_UNDER_TEST = (
    "tab_empty",
    "markdown_empty",
    "pipe_blank",
    "lines_blank",
    "markdown_merged",
    "crawl_prose",
    "pdf_markdown",
    "tab",
    "lines",
    "pdf",
)


@pytest.mark.parametrize("gold_path", GOLD, ids=lambda p: p.stem)
def test_real_report_in_every_layout(gold_path: Path, shared: Path) -> None:
    text, gold = load_real(gold_path, shared)
    regions = table_regions(text, gold)
    assert set(regions) == {"active", "requests", "appeals"}
    first, last = min(r[0] for r in regions.values()), max(r[1] for r in regions.values())
    want = {(c["table"], c["row"], c["col"]): (c["value"], c["state"], c["raw"]) for c in gold["cells"]}
    for style in STYLES_UNDER_TEST:
        try:
            record = reflatten(text, gold, style, seed=3)
        except ValueError as exc:
            assert style == "crawl_prose" and "opening with its year" in str(exc)
            continue
        assert record_problems(record) == [], style
        got = {(c["table"], c["row"], c["col"]): (c["value"], c["state"], c["raw"]) for c in record["cells"]}
        assert got.items() <= want.items() and len(got) >= len(want) - 7, style  # at most an extra row dropped
        assert sum(c["start"] is not None for c in record["cells"]) == sum(
            c["start"] is not None for c in gold["cells"] if (c["table"], c["row"], c["col"]) in got
        )
        assert [s["title"] for s in record["sections"]] == [s["title"] for s in gold["sections"]], style
        assert all(record["text"][s["start"] : s["end"]] == s["title"] for s in record["sections"])
        if not style.startswith("crawl"):
            assert record["text"].startswith(text[:first]) and record["text"].endswith(text[last:]), style


@pytest.mark.parametrize(
    "gold_path", [p for p in GOLD if p.stem.startswith(("001", "002", "pingtan-police"))], ids=lambda p: p.stem
)
def test_real_report_tables_run_into_its_own_prose(gold_path: Path, shared: Path) -> None:
    """Reports whose 四、结转下年度继续办理 total is printed: its digits run into the report's own year sentence."""
    text, gold = load_real(gold_path, shared)
    record = reflatten(text, gold, "crawl_prose", seed=1)
    assert record_problems(record) == []
    body, year = record["text"], gold["report"]["year"]
    ends = [c["end"] for c in record["cells"] if c["table"] == "requests" and c["end"] is not None]
    last = max(ends)
    assert body[last - 1].isdigit() and re.match(rf"(?:{year}|{year + 1})年", body[last:])
    assert "\n" not in body


def test_styles_that_cannot_re_render_are_refused(shared: Path) -> None:
    text, gold = load_real(Path(__file__).parent / "gold" / "002_0894b26ac3a47999.json", shared)
    for style in ("printed_pdf", "no_such_style"):
        with pytest.raises(ValueError, match="cannot re-render"):
            reflatten(text, gold, style)


def test_reflattened_blank_cells_are_explicit(shared: Path) -> None:
    """Seed 000 drops its blank cells; printed as tab_empty they come back as countable empty fields."""
    text, gold = load_real(Path(__file__).parent / "gold" / "000_c304030f2df1b677.json", shared)
    record = reflatten(text, gold, "tab_empty")
    blanks = sum(c["state"] == "blank" for c in record["cells"] if c["table"] in ("requests", "appeals"))
    rows = [line.split("\t") for line in record["text"].split("\n") if "\t" in line]
    assert blanks > 50 and sum(row.count("") for row in rows) == blanks
