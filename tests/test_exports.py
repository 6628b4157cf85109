"""Long and wide tables from documents, in every format, read back with pandas."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from nianbao.evaluation.bench.batch import write_generated
from nianbao.extraction.batch.run import BatchTask, record_of
from nianbao.extraction.exports import writers as exports
from nianbao.extraction.exports.tables import CONTRACT_COLUMNS, LONG_COLUMNS
from nianbao.extraction.exports.writers import NAMES, export_tables, frame, summarise
from nianbao.extraction.pipeline import Extractor


@pytest.fixture(scope="module")
def items(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, dict]]:
    folder = tmp_path_factory.mktemp("exports")
    paths = write_generated(folder, 6, seed=31, styles=("pdf", "tab", "markdown"))
    (folder / "broken.txt").write_bytes(bytes(range(256)) * 4)
    extractor = Extractor("rules")
    return [(p.stem, extractor(p)) for p in [folder / "broken.txt", *paths]]


def _read(path: Path) -> pd.DataFrame:
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    if path.suffix == ".csv":
        return pd.read_csv(path, keep_default_na=False, na_values=[""])
    return pd.read_json(path, lines=True, dtype=False, precise_float=True)


def _same(a: object, b: object) -> bool:
    missing = lambda v: v is None or (isinstance(v, float) and math.isnan(v)) or v == ""  # noqa: E731
    if missing(a) or missing(b):
        return missing(a) and missing(b)
    return float(a) == float(b) if isinstance(a, int | float) or isinstance(b, int | float) else str(a) == str(b)


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_tables_round_trip_through_pandas(
    items: list[tuple[str, dict]], tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exports, "CHUNK", 2)  # several chunks, one of them the error document alone
    files, notes = export_tables(iter(items), tmp_path, fmt)
    assert notes == [] and {p.name for p in files} == {f"{n}.{fmt}" for n in NAMES}
    assert not list(tmp_path.glob(".tmp-*"))
    cells = _read(tmp_path / f"cells.{fmt}")
    assert tuple(cells.columns) == LONG_COLUMNS
    assert len(cells) == sum(len(doc["cells"]) for _, doc in items)
    for (_, row), cell in zip(cells.iterrows(), [c for _, doc in items for c in doc["cells"]], strict=True):
        assert all(_same(row[k], cell[k]) for k in CONTRACT_COLUMNS[1:]), (row.to_dict(), cell)
    reports = _read(tmp_path / f"reports.{fmt}")
    assert list(reports["report"]) == [name for name, _ in items] and reports["errors"].iloc[0]

    requests = _read(tmp_path / f"requests.{fmt}").set_index(["report", "row"])
    for name, doc in items:
        for cell in (c for c in doc["cells"] if c["table"] == "requests"):
            assert _same(requests.loc[(name, cell["row"]), cell["col"]], cell["value"])


def test_wide_active_table_keeps_money_units(items: list[tuple[str, dict]]) -> None:
    active = frame("active", items)
    money = [c for _, doc in items for c in doc["cells"] if c["table"] == "active" and c["unit"]]
    assert {"procurement_amount_unit", "fee_amount_unit"} <= set(active.columns)
    for cell in money:
        row = active[(active["row"] == cell["row"])]
        assert cell["unit"] in set(row[f"{cell['col']}_unit"].dropna())


def test_xlsx_workbook_and_excel_row_limit(
    items: list[tuple[str, dict]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files, notes = export_tables(items, tmp_path, "xlsx")
    sheets = pd.read_excel(files[0], sheet_name=None)
    assert set(sheets) == set(NAMES) and notes == []
    assert len(sheets["cells"]) == sum(len(doc["cells"]) for _, doc in items)
    monkeypatch.setattr(exports, "EXCEL_MAX_ROWS", 10)
    files, notes = export_tables(items, tmp_path / "small", "xlsx")
    assert "cells" not in pd.read_excel(files[0], sheet_name=None) and "parquet" in notes[0]


def test_summary_counts_errors_and_review(items: list[tuple[str, dict]]) -> None:
    records = [record_of(BatchTask(i, Path(f"{name}.txt"), name), doc) for i, (name, doc) in enumerate(items)]
    text = summarise(records, extracted=5, skipped=2)
    review = sum(len(doc["review"]) for _, doc in items)
    assert text.startswith("7 reports: 5 extracted now, 2 already done; 1 with errors (1 unreadable")
    assert f"review: {review} cells" in text and "error broken.txt:" in text


def test_unknown_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown format"):
        export_tables([], tmp_path, "sav")


def test_checks_table_shows_narrative_beside_arithmetic(shared, tmp_path) -> None:
    from nianbao import extract
    from nianbao.extraction.exports.writers import export_tables, frame

    doc = extract(shared / "seeds" / "004_136fd1d98cf7f7a0.txt")
    checks = frame("checks", [("004", doc)])
    assert set(checks["kind"]) == {"arithmetic", "narrative"}
    failed = checks[checks["ok"] == False]  # noqa: E712 - a nullable boolean column
    assert "narrative.denied" in set(failed["rule"]) and "requests.col_sum.total" in set(failed["rule"])
    paths, _ = export_tables([("004", doc)], tmp_path, "csv")
    assert (tmp_path / "checks.csv") in paths
