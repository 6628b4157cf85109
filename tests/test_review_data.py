"""Reviewed data as the product, on the real reports: load through the batch manifest, import
corrections from a spreadsheet, export every format and read it back with pandas, versions of
a report, and ``nianbao.frames``."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import nianbao
from nianbao.cli import app as cli_app
from nianbao.extraction.batch.run import run_batch
from nianbao.extraction.review.store import ReviewStore

REAL = ["seeds/*.txt", "dev/*.txt", "dev/*.pdf", "dev/*.html"]
HONGZE_PDF = "hongze-district-2023.pdf"
SEED = "000_c304030f2df1b677.txt"


@pytest.fixture(scope="module")
def batch(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every real report extracted by the shipped model, as `nianbao extract -o OUT` does."""
    out = tmp_path_factory.mktemp("batch") / "out"
    paths = sorted(p for pattern in REAL for p in shared.glob(pattern))
    result = run_batch(paths, out, workers=1, quiet=True)
    assert result.failed == 0 and len(result.records) == len(paths) >= 11
    return out


@pytest.fixture(scope="module")
def loaded(batch: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A review database with every real report, loaded by the CLI without --text-dir."""
    db = f"sqlite:///{tmp_path_factory.mktemp('db') / 'review.db'}"
    result = CliRunner().invoke(cli_app, ["review", "load", *map(str, sorted(batch.glob("*.json"))), "--db", db])
    assert result.exit_code == 0, result.output
    assert "source text not found" not in result.output
    store = ReviewStore(db)
    token = store.add_reviewer("alice")
    store.add_reviewer("bob", "bob-password")
    store.close()
    return db, token


def _db(loaded: tuple[str, str], tmp_path: Path) -> str:
    source = Path(loaded[0].removeprefix("sqlite:///"))
    shutil.copy(source, tmp_path / "review.db")
    return f"sqlite:///{tmp_path / 'review.db'}"


def _write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    columns = list(dict.fromkeys(k for row in rows for k in row))
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_load_finds_every_source_text_through_the_manifest(loaded: tuple[str, str], batch: Path) -> None:
    store = ReviewStore(loaded[0])
    reports = [store.report(rid) for rid in store.report_ids()]
    assert len(reports) == len(list(batch.glob("*.json")))
    for report in reports:
        assert report.source_text, report.name
        for cell in report.contract["cells"]:
            if cell["start"] is not None:
                assert report.source_text[cell["start"] : cell["end"]] == cell["raw"]


def test_import_applies_corrections_with_audit_and_reasons(loaded: tuple[str, str], tmp_path: Path) -> None:
    db = _db(loaded, tmp_path)
    store = ReviewStore(db)
    pdf = next(store.report(r) for r in store.report_ids() if store.report(r).name == HONGZE_PDF)
    by_key = {f.key: f for f in store.fields(pdf.id)}
    granted = by_key[("requests", "granted", "total")]
    rows = [
        {
            "source": HONGZE_PDF,
            "table": "requests",
            "row": "granted",
            "col": "total",
            "value": str(granted.head.value + 1),
            "note": "checked",
        },
        {"source": pdf.sha256, "table": "requests", "row": "三（一）予以公开", "col": "自然人", "value": "/"},
        {"source": Path(SEED).stem, "table": "requests", "row": "new_received", "col": "commercial", "value": "3"},
        {"source": "nosuch.txt", "table": "requests", "row": "granted", "col": "total", "value": "1"},
        {"source": HONGZE_PDF, "table": "requests", "row": "granted", "col": "nosuch", "value": "1"},
        {"source": HONGZE_PDF, "table": "requests", "row": "carried_over", "col": "total", "value": "十二个"},
        {
            "source": HONGZE_PDF,
            "table": "requests",
            "row": "granted",
            "col": "research",
            "value": str(by_key[("requests", "granted", "research")].head.raw),
        },
    ]
    result = CliRunner().invoke(
        cli_app, ["review", "import", str(_write_csv(tmp_path / "fix.csv", rows)), "--reviewer", "alice", "--db", db]
    )
    assert result.exit_code == 1, result.output
    assert (
        "7 row(s): 3 correction(s) applied, 0 accepted unchanged, 1 unchanged (the value it already has), 3 skipped"
        in result.output
    )
    assert "line 5: skipped: no loaded report is named 'nosuch.txt'" in result.output
    assert "line 6: skipped: the report has no cell requests.granted.nosuch" in result.output
    assert "line 7: skipped: '十二个' for requests.carried_over.total is not a number" in result.output
    assert "line 8" not in result.output  # the unchanged row is counted, not an error
    assert "Traceback" not in result.output
    history = store.history(granted.id)
    assert [h.action for h in history] == ["extracted", "edit"] and history[1].parent_id == history[0].id
    assert history[1].reviewer == "alice" and history[1].value == granted.head.value + 1
    assert history[1].note == "checked [import fix.csv line 2]" and history[1].old_value == granted.head.value
    na = store.field(by_key[("requests", "granted", "natural_person")].id).head
    assert (na.state, na.value, na.reviewer) == ("na", None, "alice")

    # bob's import over alice's corrections: refused without the revision he saw, a conflict with a stale one
    rows = [
        {"source": HONGZE_PDF, "table": "requests", "row": "granted", "col": "total", "value": "5"},
        {
            "source": HONGZE_PDF,
            "table": "requests",
            "row": "granted",
            "col": "total",
            "value": "5",
            "revision": str(granted.head.id),
        },
    ]
    result = CliRunner().invoke(
        cli_app, ["review", "import", str(_write_csv(tmp_path / "bob.csv", rows)), "--reviewer", "bob", "--db", db]
    )
    assert result.exit_code == 1 and "0 correction(s) applied" in result.output
    assert "already reviewed by alice" in result.output and f"changed since revision {granted.head.id}" in result.output
    assert len(store.history(granted.id)) == 2


@pytest.mark.parametrize("bad", ["missing-columns", "not-utf8", "no-reviewer"])
def test_import_of_an_unusable_file_is_one_sentence(loaded: tuple[str, str], tmp_path: Path, bad: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(
        {
            "missing-columns": b"source,table,value\nx,requests,1\n",
            "not-utf8": "source,table,row,col,value\n洪泽,requests,granted,total,1\n".encode("gb18030"),
            "no-reviewer": b"source,table,row,col,value\n",
        }[bad]
    )
    reviewer = "nobody" if bad == "no-reviewer" else "alice"
    result = CliRunner().invoke(
        cli_app, ["review", "import", str(path), "--reviewer", reviewer, "--db", _db(loaded, tmp_path)]
    )
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1 and result.output.strip().endswith(".")


def _read(folder: Path, fmt: str, name: str) -> pd.DataFrame:
    if fmt == "xlsx":
        return pd.read_excel(folder / "nianbao.xlsx", sheet_name=name)
    path = folder / f"{name}.{fmt}"
    if fmt == "parquet":
        return pd.read_parquet(path)
    if fmt == "csv":
        return pd.read_csv(path)
    return pd.read_json(path, lines=True, dtype=False)


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx", "jsonl"])
def test_export_every_field_with_review_columns(loaded: tuple[str, str], tmp_path: Path, fmt: str) -> None:
    db = _db(loaded, tmp_path)
    fix = [
        {
            "source": HONGZE_PDF,
            "table": "requests",
            "row": "granted",
            "col": "natural_person",
            "value": "/",
            "note": "不适用",
        },
        {"source": SEED, "table": "requests", "row": "new_received", "col": "commercial", "value": "3"},
    ]
    runner = CliRunner()
    assert (
        runner.invoke(
            cli_app, ["review", "import", str(_write_csv(tmp_path / "f.csv", fix)), "-r", "alice", "--db", db]
        ).exit_code
        == 0
    )
    result = runner.invoke(cli_app, ["review", "export", "--format", fmt, "-o", str(tmp_path / "x"), "--db", db])
    assert result.exit_code == 0, result.output
    store = ReviewStore(db)
    cells = _read(tmp_path / "x", fmt, "cells")
    assert len(cells) == sum(len(store.fields(r)) for r in store.report_ids())
    row = cells[
        (cells["report"] == "hongze-district-2023") & (cells["row"] == "granted") & (cells["col"] == "natural_person")
    ].iloc[0]
    assert (row["state"], row["status"], row["reviewer"], row["reviewed_state"]) == ("na", "corrected", "alice", "na")
    assert row["extracted_state"] == "number" and pd.isna(row["value"]) and row["note"].startswith("不适用")
    assert row["row_label"] == "三（一）予以公开" and row["col_label"] == "自然人"
    seed = cells[
        (cells["report"] == Path(SEED).stem) & (cells["row"] == "new_received") & (cells["col"] == "commercial")
    ].iloc[0]
    assert (seed["reviewed_value"], seed["value"], seed["extracted_state"]) == (3, 3, "blank")
    assert pd.Timestamp(seed["reviewed_at"]).tzinfo is not None
    untouched = cells[cells["reviewer"].isna()]
    assert (untouched["status"] == "pending").all() and untouched["reviewed_value"].isna().all()
    assert set(cells["review"].map(str).str.lower()) == {"true", "false"}
    states = _read(tmp_path / "x", fmt, "requests_state")
    assert {"number", "blank", "na", "missing"} <= set(
        states.drop(columns=["report", "agency", "year", "template", "row", "row_label"]).stack()
    )
    if fmt == "parquet":
        schema = pq.read_schema(tmp_path / "x" / "checks.parquet")
        assert (
            str(schema.field("ok").type) == "bool"
            and str(pq.read_schema(tmp_path / "x" / "cells.parquet").field("review").type) == "bool"
        )


def test_training_export_is_unchanged(loaded: tuple[str, str], tmp_path: Path) -> None:
    db = _db(loaded, tmp_path)
    store = ReviewStore(db)
    field = store.queue()[0]
    store.apply(field.id, field.head.id, 1, "accept")
    result = CliRunner().invoke(
        cli_app, ["review", "export", "--format", "training", "-o", str(tmp_path / "t.jsonl"), "--db", db]
    )
    assert result.exit_code == 0 and "wrote 1 record" in result.output
    record = json.loads((tmp_path / "t.jsonl").read_text("utf-8"))
    assert record["meta"]["accepted"] == 1 and record["text"]


def test_a_newer_extraction_is_a_version_that_shows_disagreements(
    loaded: tuple[str, str], batch: Path, tmp_path: Path
) -> None:
    db = _db(loaded, tmp_path)
    store = ReviewStore(db)
    pdf = next(store.report(r) for r in store.report_ids() if store.report(r).name == HONGZE_PDF)
    fields = {f.key: f for f in store.fields(pdf.id)}
    kept, changed = fields[("requests", "new_received", "total")], fields[("requests", "granted", "total")]
    store.apply(kept.id, kept.head.id, 1, "accept")
    store.apply(changed.id, changed.head.id, 1, "edit", raw=str(changed.head.value + 2))
    newer = json.loads((batch / "hongze-district-2023.json").read_text("utf-8"))  # as a newer model would read it
    cell = next(c for c in newer["cells"] if (c["table"], c["row"], c["col"]) == changed.key)
    cell.update(value=changed.head.value + 5, raw=str(changed.head.value + 5), start=None, end=None)
    folder = tmp_path / "newer"
    folder.mkdir()
    (folder / "hongze-district-2023.json").write_text(json.dumps(newer, ensure_ascii=False), "utf-8")
    shutil.copy(batch / "manifest.jsonl", folder / "manifest.jsonl")
    result = CliRunner().invoke(cli_app, ["review", "load", str(folder / "hongze-district-2023.json"), "--db", db])
    assert result.exit_code == 0 and "loaded 1 new report" in result.output, result.output
    assert f"version 2 of {HONGZE_PDF}" in result.output and "1 disagree with a reviewed value" in result.output
    assert f"requests.granted.total: alice corrected '{changed.head.value + 2}'" in result.output
    new_id = max(store.report_ids())
    assert store.report(new_id).source_text == store.report(pdf.id).source_text  # found through the manifest
    new = {f.key: f for f in store.fields(new_id)}
    assert "disagrees_with_review" in new[changed.key].reasons and new[changed.key].head.status == "pending"
    carried = new[kept.key].head
    assert (carried.status, carried.reviewer) == ("accepted", "alice") and f"report {pdf.id}" in carried.note
    assert store.field(changed.id).head.value == changed.head.value + 2  # the earlier version is untouched
    again = CliRunner().invoke(cli_app, ["review", "load", str(folder / "hongze-district-2023.json"), "--db", db])
    assert "already loaded" in again.output and "loaded 0 new" in again.output
    rows = [
        {"report": "hongze-district-2023#v2", "table": "requests", "row": "granted", "col": "total", "value": "42"},
        {"report": "hongze-district-2023", "table": "requests", "row": "granted", "col": "total", "value": "41"},
    ]
    result = CliRunner().invoke(
        cli_app, ["review", "import", str(_write_csv(tmp_path / "v.csv", rows)), "-r", "alice", "--db", db]
    )
    assert result.exit_code == 0 and "2 correction(s) applied" in result.output, result.output
    assert store.field(new[changed.key].id).head.value == 42 and store.field(changed.id).head.value == 41
    cells = nianbao.frames(review_db=db)["cells"]
    v2 = cells[
        (cells["report"] == "hongze-district-2023#v2") & (cells["row"] == "granted") & (cells["col"] == "total")
    ].iloc[0]
    assert (v2["version"], bool(v2["disagrees"]), bool(v2["review"]), v2["value"]) == (2, True, False, 42)


def test_frames_and_extract_exports_are_analyst_ready(batch: Path, tmp_path: Path) -> None:
    tables = nianbao.frames(batch)
    cells, reports, checks = tables["cells"], tables["reports"], tables["checks"]
    assert len(cells) == sum(len(json.loads(p.read_text("utf-8"))["cells"]) for p in batch.glob("*.json"))
    assert str(checks["ok"].dtype) == "boolean" and str(cells["review"].dtype) == "boolean"
    fee = cells[(cells["col"] == "fee_amount") & (cells["report"] == "huaian-city-2024-pdftext")].iloc[0]
    assert fee["col_label"].startswith("本年收费金额") and fee["value_yuan"] == pytest.approx(fee["value"] * 10_000)
    crawl = reports.set_index("report").loc["pingtan-police-2021-crawl"]
    assert crawl["url"].startswith("https://") and crawl["published"].startswith("2022-01-14")
    page = reports.set_index("report").loc["pingtan-transport-2023"]  # the HTML page's byline
    assert (
        page["url"].startswith("https://") and page["url"].endswith(".htm") and page["published"] == "2024-01-30 11:44"
    )
    assert reports.set_index("report").loc["hongze-district-2023-pdftext", ["url", "published"]].isna().all()
    assert set(tables["row_map"]["relation"]) == {"same", "sum", "comparable", "none"}
    other = tables["row_map"][tables["row_map"]["row_2019"] == "other"]
    assert set(other["row_2021"]) == {"other_no_correction", "other_unpaid_fee", "other_other"}
    wide = tables["requests"].set_index(["report", "row"])
    state = tables["requests_state"].set_index(["report", "row"])
    assert (wide.isna() == (state != "number")).loc[:, "natural_person":"total"].all().all()
    from nianbao.extraction.exports.frames import _items
    from nianbao.extraction.exports.writers import export_tables

    export_tables(_items(batch), tmp_path / "t", "parquet")
    assert str(pq.read_schema(tmp_path / "t" / "checks.parquet").field("ok").type) == "bool"
    assert pd.read_parquet(tmp_path / "t" / "cells.parquet")["row_label"].str.contains("[\u4e00-\u9fff]").all()


def test_series_pairs_hongze_without_aliases(batch: Path, tmp_path: Path) -> None:
    from nianbao.extraction.exports.series import run_series, without_parents

    names = {json.loads(p.read_text("utf-8"))["report"]["agency"] for p in batch.glob("hongze-district-*.json")}
    assert names == {"洪泽区人民政府", "淮安市洪泽区人民政府"}  # as the two reports print it
    doc = run_series(batch, tmp_path / "series", plots=False)
    hongze = [a for a in doc["agencies"] if "洪泽区人民政府" in a["spellings"]]
    assert len(hongze) == 1 and [y["year"] for y in hongze[0]["years"]] == [2023, 2024]
    assert any(c["rule"] == "series.carry.total" and c["ok"] is not None for c in hongze[0]["checks"])
    assert without_parents("江苏省淮安市洪泽区人民政府") == ["淮安市洪泽区人民政府", "洪泽区人民政府"]
    assert without_parents("宁德市公安局") == [] and without_parents("淮安市人民政府") == []
    help_text = CliRunner().invoke(cli_app, ["series", "--help"], terminal_width=200).output
    flat = " ".join(help_text.replace("│", " ").split())  # rich draws a box; the text must survive its markup
    assert (
        "aliases table maps each canonical agency name to a variant or a list of variants, e.g. '洪泽区人民政府' "
        "= ['洪泽区政府']" in flat
    )


def test_a_statistics_period_is_not_a_publication_date() -> None:
    from nianbao.extraction.text.metadata import header_fields
    from nianbao.extraction.text.normalize import NormText

    text = "某某县人民政府2023年政府信息公开工作年度报告\n统计时间：2023年1月1日至2023年12月31日\n一、总体情况\n"
    assert header_fields(NormText(text)) == {}
    byline = "来源：某某县人民政府　时间：2024年1月30日　原文：https://example.org/a.htm\n" + text
    assert header_fields(NormText(byline)) == {"url": "https://example.org/a.htm", "published": "2024年1月30日"}


@pytest.mark.slow
def test_an_edited_export_imports_back(loaded: tuple[str, str], tmp_path: Path) -> None:
    """The exported cells table is an import file: edit two values, import it whole."""
    db = _db(loaded, tmp_path)
    runner = CliRunner()
    assert (
        runner.invoke(cli_app, ["review", "export", "-f", "xlsx", "-o", str(tmp_path / "x"), "--db", db]).exit_code == 0
    )
    cells = pd.read_excel(tmp_path / "x" / "nianbao.xlsx", sheet_name="cells")
    pick = (
        (cells["report"] == "huaian-city-2024-pdftext")
        & (cells["row"].isin(["granted", "carried_forward"]))
        & (cells["col"] == "total")
    )
    assert pick.sum() == 2
    cells.loc[pick, "value"] = cells.loc[pick, "value"] + 1
    cells["note"] = cells["note"].astype(object)  # empty in every row: read as a float column
    cells.loc[pick, "note"] = "recounted"
    cells.to_excel(tmp_path / "edited.xlsx", index=False)
    result = runner.invoke(cli_app, ["review", "import", str(tmp_path / "edited.xlsx"), "-r", "alice", "--db", db])
    assert result.exit_code == 0, result.output
    assert (
        f"{len(cells)} row(s): 2 correction(s) applied, 0 accepted unchanged, {len(cells) - 2} unchanged"
        in result.output
    )
    after = nianbao.frames(review_db=db)["cells"]
    changed = after[after["reviewer"].notna()]
    assert len(changed) == 2 and set(changed["status"]) == {"corrected"}
    assert (changed["value"].to_numpy() == changed["extracted_value"].to_numpy() + 1).all()
    assert changed["note"].str.startswith("recounted [import edited.xlsx line").all()
