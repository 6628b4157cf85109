"""Series checks on generated multi-year series with planted contradictions."""

from __future__ import annotations

import copy
import csv
import json
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nianbao import extract_text
from nianbao.extraction.checks.table import REQUEST_COLS
from nianbao.extraction.exports.series import (
    build_series,
    load_aliases,
    load_reports,
    normalize_agency,
    run_series,
)
from nianbao.training.generator.generate import GenConfig, generate_report

AGENCY = "湖南省公安厅"
# the same body as printed in different years: traditional, spaced, an alias
SPELLINGS = {2020: "湖南省公安廳", 2021: "湖南省 公安厅", 2022: AGENCY, 2023: "湖南公安厅", 2025: "湖南省公安厅"}
OTHER = "平潭综合实验区公安局"


@pytest.fixture(scope="module")
def base_docs() -> dict[str, dict]:
    """One extracted report per template; each series year starts from a copy."""
    out = {}
    for template, seed in (("2019", 11), ("2021", 12)):
        sample = generate_report(random.Random(seed), GenConfig("tab", template))
        out[template] = extract_text(sample["text"], name=f"gen-{template}.txt")
    return out


def _set(doc: dict, key: tuple[str, str, str], value: int) -> None:
    for cell in doc["cells"]:
        if (cell["table"], cell["row"], cell["col"]) == key:
            cell.update(value=value, raw=str(value), state="number")
            return
    raise KeyError(key)


def _get(doc: dict, key: tuple[str, str, str]) -> int:
    return next(c["value"] for c in doc["cells"] if (c["table"], c["row"], c["col"]) == key)


def _series(base_docs: dict[str, dict]) -> dict[str, dict]:
    """A consistent series: 结转 carried from year to year, 现行有效 = last year + 制发 − 废止."""
    docs: dict[str, dict] = {}
    prev = None
    for offset, (year, name) in enumerate(SPELLINGS.items()):
        doc = copy.deepcopy(base_docs["2019" if year == 2020 else "2021"])
        doc["report"].update(agency=name, year=year)
        doc["source"]["name"] = f"hunan-{year}.txt"
        for col in REQUEST_COLS:
            _set(doc, ("requests", "carried_forward", col), offset * 3 + len(col) % 4)
            if prev is not None and prev["report"]["year"] == year - 1:
                _set(doc, ("requests", "carried_over", col), _get(prev, ("requests", "carried_forward", col)))
        if year >= 2021:
            for kind, start in (("rules", 4), ("normative_docs", 40)):
                before = start if prev is None or year == 2021 else _get(prev, ("active", kind, "in_force"))
                _set(doc, ("active", kind, "issued"), offset + 2)
                _set(doc, ("active", kind, "repealed"), 1)
                _set(doc, ("active", kind, "in_force"), before + offset + 2 - 1)
        docs[f"hunan-{year}"] = doc
        prev = doc
    for year in (2022, 2023):  # a second agency, consistent, nothing to find
        doc = copy.deepcopy(base_docs["2021"])
        doc["report"].update(agency=OTHER, year=year)
        doc["source"]["name"] = f"pingtan-{year}.txt"
        for col in REQUEST_COLS:
            _set(doc, ("requests", "carried_over", col), 5 if year == 2023 else 0)
            _set(doc, ("requests", "carried_forward", col), 5 if year == 2022 else 0)
        for kind in ("rules", "normative_docs"):
            _set(doc, ("active", kind, "in_force"), 10 if year == 2022 else 12)
            _set(doc, ("active", kind, "issued"), 3 if year == 2023 else 0)
            _set(doc, ("active", kind, "repealed"), 1 if year == 2023 else 0)
        docs[f"pingtan-{year}"] = doc
    return docs


def _write(docs: dict[str, dict], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, doc in docs.items():
        (folder / f"{name}.json").write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    (folder / "notes.json").write_text("[1, 2]", "utf-8")  # not a report: ignored
    no_year = copy.deepcopy(next(iter(docs.values())))
    no_year["report"]["year"] = None
    (folder / "no-year.json").write_text(json.dumps(no_year, ensure_ascii=False), "utf-8")
    aliases = folder.parent / "aliases.toml"
    aliases.write_text(f'[aliases]\n"{AGENCY}" = ["湖南公安厅"]\n', "utf-8")
    return aliases


def _failed(series: list[dict]) -> set[tuple]:
    return {
        (e["agency"], c["rule"], c.get("from_year"), c.get("to_year"))
        for e in series
        for c in e["checks"]
        if c["ok"] is False
    }


def test_agency_names_normalise() -> None:
    assert normalize_agency("湖南省 公安廳") == AGENCY
    assert normalize_agency("（平潭）公安局") == "(平潭)公安局"


def test_consistent_series_flags_only_the_gap(base_docs, tmp_path: Path) -> None:
    aliases = _write(_series(base_docs), tmp_path / "in")
    reports, skipped = load_reports(tmp_path / "in", load_aliases(aliases))
    assert [s["reason"] for s in skipped] == ["the report's agency or year was not found"]
    series = build_series(reports)
    assert [e["agency"] for e in series] == [OTHER, AGENCY]
    hunan = series[1]
    assert [y["year"] for y in hunan["years"]] == [2020, 2021, 2022, 2023, 2025]
    assert hunan["missing_years"] == [2024]
    assert _failed(series) == {(AGENCY, "series.missing_years", None, None)}
    passed = {(c["rule"], c["from_year"]) for c in hunan["checks"] if c["ok"] is True}
    assert ("series.carry.total", 2020) in passed  # across the 2019 → 2021 template change
    assert ("series.in_force.normative_docs", 2022) in passed
    assert ("series.in_force.normative_docs", 2020) not in passed  # no 现行有效 in 2019 tables


def test_planted_contradictions_found_and_nothing_else(base_docs, tmp_path: Path) -> None:
    docs = _series(base_docs)
    _set(
        docs["hunan-2022"],
        ("requests", "carried_over", "natural_person"),
        _get(docs["hunan-2021"], ("requests", "carried_forward", "natural_person")) + 2,
    )
    _set(docs["hunan-2023"], ("requests", "carried_over", "total"), 999)
    _set(
        docs["hunan-2023"],
        ("active", "normative_docs", "in_force"),
        _get(docs["hunan-2023"], ("active", "normative_docs", "in_force")) - 1,
    )
    _set(docs["pingtan-2023"], ("requests", "carried_over", "research"), 4)
    aliases = _write(docs, tmp_path / "in")
    result = CliRunner().invoke(
        _app(), ["series", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--aliases", str(aliases)]
    )
    assert result.exit_code == 0, result.output
    out = json.loads((tmp_path / "out" / "series.json").read_text("utf-8"))
    assert _failed(out["agencies"]) == {
        (AGENCY, "series.carry.natural_person", 2021, 2022),
        (AGENCY, "series.carry.total", 2022, 2023),
        (AGENCY, "series.in_force.normative_docs", 2022, 2023),
        (AGENCY, "series.missing_years", None, None),
        (OTHER, "series.carry.research", 2022, 2023),
    }
    check = next(
        c for e in out["agencies"] for c in e["checks"] if c["rule"] == "series.carry.total" and c["ok"] is False
    )
    assert check["severity"] == "error"
    prev, cur = check["cells"]
    assert (prev["source"], prev["row"], cur["source"], cur["row"], cur["value"]) == (
        "hunan-2022.txt",
        "carried_forward",
        "hunan-2023.txt",
        "carried_over",
        999,
    )
    original = next(c for c in docs["hunan-2022"]["cells"] if (c["row"], c["col"]) == ("carried_forward", "total"))
    assert (prev["start"], prev["end"]) == (original["start"], original["end"]) and prev["start"] is not None
    soft = next(
        c
        for e in out["agencies"]
        for c in e["checks"]
        if c["rule"] == "series.in_force.normative_docs" and c["ok"] is False
    )
    assert soft["severity"] == "warning" and len(soft["cells"]) == 4
    with (tmp_path / "out" / "checks.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 5 and {r["rule"] for r in rows} >= {"series.carry.total", "series.missing_years"}
    with (tmp_path / "out" / "series.csv").open(encoding="utf-8") as fh:
        series_rows = list(csv.DictReader(fh))
    assert len(series_rows) == 7
    row_2023 = next(r for r in series_rows if r["agency"] == AGENCY and r["year"] == "2023")
    assert "series.carry.total" in row_2023["failed_checks"] and row_2023["requests.carried_over.total"] == "999"
    for entry in out["agencies"]:
        assert (tmp_path / "out" / entry["plot"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_run_series_without_plots(base_docs, tmp_path: Path) -> None:
    _write(_series(base_docs), tmp_path / "in")
    doc = run_series(tmp_path / "in", tmp_path / "out", None, plots=False)
    # without the alias file 湖南公安厅 (2023) is its own agency: 2022 → 2023 is not compared
    names = {e["agency"] for e in doc["agencies"]}
    assert names == {AGENCY, "湖南公安厅", OTHER}
    assert not (tmp_path / "out" / "plots").exists()


def _app():
    from nianbao.cli import app

    return app
