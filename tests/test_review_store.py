"""The review store: append-only revisions, conflicts, reviewers, export, the CLI."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
import typer
from sqlalchemy.exc import IntegrityError
from typer.testing import CliRunner

from nianbao.annotations import read_jsonl, validate
from nianbao.extraction.batch.outputs import write_document
from nianbao.extraction.inputs.decode import decode
from nianbao.extraction.pipeline import extract
from nianbao.extraction.review import cli as review_cli
from nianbao.extraction.review.errors import Conflict, InvalidEdit
from nianbao.extraction.review.models import Revision
from nianbao.extraction.review.store import ReviewStore
from nianbao.extraction.review.training_data import export_jsonl, report_record

SEED = "seeds/000_c304030f2df1b677.txt"


def review_app() -> typer.Typer:
    """A CLI with only the review group (the main CLI registers it the same way)."""
    app = typer.Typer()
    app.command("noop")(lambda: None)  # a second command keeps `review` a named group
    review_cli.register(app)
    return app


@pytest.fixture(scope="module")
def seed(shared: Path) -> tuple[dict, str]:
    path = shared / SEED
    return extract(path), decode(path.read_bytes()).text


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory, seed: tuple[dict, str]) -> Path:
    """A store with the seed report and two reviewers, built once and copied per test."""
    path = tmp_path_factory.mktemp("review") / "template.db"
    store = ReviewStore(str(path))
    store.load_report(*seed)
    store.add_reviewer("alice", "alice-password")
    store.add_reviewer("bob", "bob-password")
    store.close()
    return path


@pytest.fixture()
def store(tmp_path: Path, template_db: Path) -> ReviewStore:
    shutil.copy(template_db, tmp_path / "review.db")
    store = ReviewStore(str(tmp_path / "review.db"))
    yield store
    store.close()


def test_load_keeps_every_cell_and_is_idempotent(store: ReviewStore, seed: tuple[dict, str]) -> None:
    doc, text = seed
    [report_id] = store.report_ids()
    fields = store.fields(report_id)
    assert [(f.table, f.row, f.col) for f in fields] == [(c["table"], c["row"], c["col"]) for c in doc["cells"]]
    assert all(f.head.action == "extracted" and f.head.reviewer is None for f in fields)
    assert store.report(report_id).source_text == text
    assert store.load_report(doc, text) == (report_id, False)
    assert len(store.fields(report_id)) == len(doc["cells"])


def test_text_that_does_not_match_the_offsets_is_refused(tmp_path: Path, seed: tuple[dict, str]) -> None:
    doc, text = seed
    with pytest.raises(ValueError, match="does not match"):
        ReviewStore(str(tmp_path / "x.db")).load_report(doc, "x" + text)


def test_queue_is_lowest_confidence_first(store: ReviewStore) -> None:
    queue = store.queue(everything=True)
    confidences = [f.confidence for f in queue]
    assert confidences == sorted(confidences)
    assert {f.id for f in store.queue()} <= {f.id for f in queue}
    assert all(f.in_review for f in store.queue())


def test_reviewers_sign_in_with_their_secret_only(store: ReviewStore) -> None:
    token = store.add_reviewer("carol")
    assert store.authenticate(token).name == "carol"
    assert store.authenticate(token, "carol").name == "carol"
    assert store.authenticate("alice-password", "alice").name == "alice"
    assert store.authenticate("alice-password", "bob") is None
    assert store.authenticate(token[:-1] + ("x" if token[-1] != "x" else "y")) is None
    assert store.authenticate("nbr_1_guess") is None
    with pytest.raises(ValueError):
        store.add_reviewer("carol")
    with sqlite3.connect(store.engine.url.database) as db:
        hashes = [row[0] for row in db.execute("select secret_hash from reviewers")]
    assert token not in hashes and "alice-password" not in hashes


def test_revisions_are_appended_never_overwritten(store: ReviewStore) -> None:
    field = store.queue()[0]
    first = field.head
    edit = store.apply(field.id, first.id, 1, "edit", raw="7", note="misplaced")
    accept = store.apply(field.id, edit.id, 2, "accept")
    history = store.history(field.id)
    assert [r.id for r in history] == [first.id, edit.id, accept.id]
    assert history[0].value == first.value and history[0].raw == first.raw  # the original is still there
    assert (edit.old_value, edit.value, edit.status, edit.reviewer, edit.parent_id) == (
        first.value,
        7,
        "corrected",
        "alice",
        first.id,
    )
    assert (accept.value, accept.status, accept.reviewer) == (7, "accepted", "bob")
    assert edit.model_version == first.model_version
    assert field.id not in {f.id for f in store.queue()}


def test_a_stale_revision_is_a_conflict(store: ReviewStore) -> None:
    field = store.queue()[0]
    seen = field.head.id
    store.apply(field.id, seen, 1, "edit", raw="5")
    with pytest.raises(Conflict) as caught:
        store.apply(field.id, seen, 2, "edit", raw="6")
    assert caught.value.current.value == 5 and caught.value.current.reviewer == "alice"
    assert store.field(field.id).head.value == 5
    assert len(store.history(field.id)) == 2


def test_bulk_accept_is_all_or_nothing(store: ReviewStore) -> None:
    a, b, c = store.queue()[:3]
    store.apply(b.id, b.head.id, 2, "mark")
    with pytest.raises(Conflict):
        store.apply_many([(a.id, a.head.id), (b.id, b.head.id), (c.id, c.head.id)], 1, "accept")
    assert len(store.history(a.id)) == 1 and len(store.history(c.id)) == 1
    done = store.apply_many([(a.id, a.head.id), (c.id, c.head.id)], 1, "accept")
    assert [r.status for r in done] == ["accepted", "accepted"]


def test_the_database_refuses_a_second_child_of_one_revision(store: ReviewStore) -> None:
    """Two writers who both passed the staleness check: the unique parent stops the second."""
    field = store.queue()[0]
    store.apply(field.id, field.head.id, 1, "accept")
    with store._session() as session, pytest.raises(IntegrityError):
        session.add(
            Revision(
                field_id=field.id,
                parent_id=field.head.id,
                reviewer_id=2,
                action="accept",
                status="accepted",
                model_version="x",
                state="number",
            )
        )
        session.commit()


def test_updates_and_deletes_are_refused(store: ReviewStore) -> None:
    field = store.queue()[0]
    with store._session() as session:
        revision = session.get(Revision, field.head.id)
        revision.raw = "999"
        with pytest.raises(PermissionError):
            session.commit()
        session.rollback()
        session.delete(session.get(Revision, field.head.id))
        with pytest.raises(PermissionError):
            session.commit()
    with sqlite3.connect(store.engine.url.database) as db:
        for sql in ("update revisions set raw = '999'", "delete from revisions", "update reports set name = 'x'"):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                db.execute(sql)
    assert store.field(field.id).head.raw == field.head.raw


def test_edits_are_parsed_like_extracted_cells(store: ReviewStore) -> None:
    fields = store.queue()
    blank = store.apply(fields[0].id, fields[0].head.id, 1, "edit", raw="")
    na = store.apply(fields[1].id, fields[1].head.id, 1, "edit", raw="/")
    missing = store.apply(fields[2].id, fields[2].head.id, 1, "edit", raw="", state="missing")
    assert (blank.state, blank.value, na.state, missing.state, missing.start) == ("blank", None, "na", "missing", None)
    with pytest.raises(InvalidEdit):
        store.apply(fields[3].id, fields[3].head.id, 1, "edit", raw="ten")
    same = store.apply(fields[3].id, fields[3].head.id, 1, "edit", raw=fields[3].head.raw)
    assert (same.start, same.end) == (fields[3].head.start, fields[3].head.end)


def test_export_is_valid_training_jsonl_with_the_correction(store: ReviewStore, tmp_path: Path) -> None:
    field = store.queue()[0]
    store.apply(field.id, field.head.id, 1, "edit", raw="11")
    marked = store.queue()[0]
    store.apply(marked.id, marked.head.id, 2, "mark", note="not in this column")
    count, skipped = export_jsonl(store, tmp_path / "corrections.jsonl")
    assert (count, skipped) == (1, [])
    [record] = list(read_jsonl(tmp_path / "corrections.jsonl"))
    cell = next(c for c in record["cells"] if (c["table"], c["row"], c["col"]) == field.key)
    assert (cell["value"], cell["raw"], cell["start"], cell["review"]["reviewer"]) == (11, "11", None, "alice")
    assert {"table": marked.table, "row": marked.row, "col": marked.col} in record["meta"]["unresolved"]
    assert marked.key not in {(c["table"], c["row"], c["col"]) for c in record["cells"]}
    assert record["meta"]["reviewers"] == ["alice", "bob"] and record["meta"]["corrected"] == 1
    assert record["meta"]["model_version"] == field.head.model_version
    values = [s for s in record["spans"] if s["label"] == "VALUE"]
    assert values and all(record["text"][s["start"] : s["end"]] == s["text"] for s in values)
    assert validate(report_record(store, store.report_ids()[0])) is not None


def test_cli_load_add_reviewer_export(tmp_path: Path, shared: Path, seed: tuple[dict, str]) -> None:
    runner, db, cli_app = CliRunner(), f"sqlite:///{tmp_path / 'cli.db'}", review_app()
    out = tmp_path / "out"
    write_document(seed[0], out, shared / SEED)
    result = runner.invoke(cli_app, ["review", "load", *map(str, out.glob("*.json")), "--db", db])
    assert result.exit_code == 0 and "source text not found" in result.output
    assert ReviewStore(db).report(1).source_text is None
    result = runner.invoke(
        cli_app, ["review", "load", *map(str, out.glob("*.json")), "--db", db, "--text-dir", str(shared / "seeds")]
    )
    assert result.exit_code == 0, result.output
    assert "already loaded" in result.output
    assert ReviewStore(db).report(1).source_text == seed[1]  # the second load added the text
    result = runner.invoke(cli_app, ["review", "add-reviewer", "dora", "--db", db])
    token = result.output.strip().splitlines()[-1]
    assert result.exit_code == 0 and token.startswith("nbr_")
    store = ReviewStore(db)
    reviewer = store.authenticate(token)
    field = store.queue()[0]
    store.apply(field.id, field.head.id, reviewer.id, "edit", raw="12")
    result = runner.invoke(cli_app, ["review", "--db", db, "export", "-o", str(tmp_path / "c.jsonl")])
    assert result.exit_code == 0 and "wrote 1 record" in result.output
    record = json.loads((tmp_path / "c.jsonl").read_text("utf-8"))
    assert any(c.get("review", {}).get("reviewer") == "dora" and c["value"] == 12 for c in record["cells"])


def test_cli_serve_forms(monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[tuple[str, str, int, bool]] = []
    monkeypatch.setattr(review_cli, "_serve", lambda *args: served.append(args))
    monkeypatch.delenv("NIANBAO_REVIEW_DB", raising=False)
    runner, cli_app = CliRunner(), review_app()
    assert runner.invoke(cli_app, ["review", "--db", "sqlite:///a.db"]).exit_code == 0
    assert (
        runner.invoke(cli_app, ["review", "serve", "--db", "b.db", "--port", "9001", "--host", "0.0.0.0"]).exit_code
        == 0
    )
    assert runner.invoke(cli_app, ["review", "serve"]).exit_code == 0
    assert served == [
        ("sqlite:///a.db", "127.0.0.1", 8000, False),
        ("b.db", "0.0.0.0", 9001, False),
        ("sqlite:///review.db", "127.0.0.1", 8000, False),
    ]


def test_the_main_cli_has_the_review_group() -> None:
    from nianbao.cli import app

    assert "review" in {group.name for group in app.registered_groups}
