"""``nianbao review``: serve the review app, load reports, add reviewers, export corrections.

``nianbao review --db URL`` alone serves the app (as ``nianbao review serve --db URL``).
The database is any SQLAlchemy URL or a SQLite file path; ``$NIANBAO_REVIEW_DB`` or
``sqlite:///review.db`` when not given.
"""

from __future__ import annotations

import getpass
import json
import os
from pathlib import Path
from typing import Annotated

import typer

DEFAULT_DB = "sqlite:///review.db"
DbOption = Annotated[
    str | None,
    typer.Option("--db", help="SQLAlchemy URL or SQLite file (default $NIANBAO_REVIEW_DB or sqlite:///review.db)."),
]
HostOption = Annotated[str, typer.Option("--host", help="Address to listen on.")]
PortOption = Annotated[int, typer.Option("--port", help="Port to listen on.")]

group = typer.Typer(help="The reviewer workflow: a web app over a review database.", no_args_is_help=False)


def _db(ctx: typer.Context, db: str | None) -> str:
    parent = ctx.parent.params if ctx.parent is not None else {}
    return db or parent.get("db") or os.environ.get("NIANBAO_REVIEW_DB") or DEFAULT_DB


def _serve(db: str, host: str, port: int, secure_cookies: bool) -> None:
    import uvicorn

    from nianbao.extraction.review.app import create_app

    typer.echo(f"review app on http://{host}:{port}/ (database {db})")
    uvicorn.run(create_app(db, secure_cookies=secure_cookies), host=host, port=port, log_level="info")


@group.callback(invoke_without_command=True)
def review_main(
    ctx: typer.Context,
    db: DbOption = None,
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
) -> None:
    """Without a subcommand: serve the review app."""
    if ctx.invoked_subcommand is None:
        _serve(_db(ctx, db), host, port, False)


@group.command("serve")
def serve_command(
    ctx: typer.Context,
    db: DbOption = None,
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    secure_cookies: Annotated[
        bool, typer.Option("--secure-cookies", help="Send the session cookie over HTTPS only.")
    ] = False,
) -> None:
    """Serve the review app (sign-in, queue, report pages)."""
    _serve(_db(ctx, db), host, port, secure_cookies)


@group.command("load")
def load_command(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="Contract JSON files (nianbao extract -o output).")],
    db: DbOption = None,
    text_dir: Annotated[
        Path | None,
        typer.Option(
            "--text-dir",
            help="Folder with the source reports, when neither the document nor the batch manifest leads to them.",
        ),
    ] = None,
) -> None:
    """Load extracted reports into the review database.

    The source text is found through the batch manifest beside the JSON (or the document's
    rendered text); a newer extraction of a loaded report is added as a new version, with its
    disagreements with reviewed values put in review.
    """
    from nianbao.extraction.review.sources import manifest_record, source_text
    from nianbao.extraction.review.store import ReviewStore, check_text
    from nianbao.extraction.review.versions import load_summary

    store = ReviewStore(_db(ctx, db))
    loaded = 0
    for path in files:
        try:
            doc = json.loads(path.read_text("utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            typer.echo(f"{path}: not read ({exc})", err=True)
            continue
        if not isinstance(doc, dict) or not doc.get("cells"):
            typer.echo(f"{path}: no cells, skipped", err=True)
            continue
        record = manifest_record(path) or {}
        if record.get("extractor") and not doc.get("source", {}).get("model_version"):
            doc.setdefault("source", {})["model_version"] = str(record["extractor"])
        text = source_text(doc, path, text_dir)
        if text is not None:
            try:
                check_text(doc, text)
            except ValueError as exc:
                typer.echo(f"{path}: {exc}; loaded without text", err=True)
                text = None
        elif not doc.get("source", {}).get("rendered_text"):
            typer.echo(
                f"{path}: source text not found (no manifest.jsonl beside it names a matching input; "
                "give --text-dir); loaded without text",
                err=True,
            )
        report_id, new = store.load_report(doc, text)
        loaded += new
        typer.echo(f"{path}: report {report_id}" + ("" if new else " (already loaded)"))
        summary = load_summary(store, report_id) if new else ""
        if summary:
            typer.echo(summary)
    typer.echo(f"loaded {loaded} new report(s)")


@group.command("add-reviewer")
def add_reviewer_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The reviewer's name (unique).")],
    db: DbOption = None,
    password: Annotated[
        bool, typer.Option("--password", help="Ask for a password instead of generating a token.")
    ] = False,
) -> None:
    """Create a reviewer and print the token (shown once; only its hash is stored)."""
    from nianbao.extraction.review.store import ReviewStore

    secret = None
    if password:
        secret = getpass.getpass("password: ")
        if not secret or secret != getpass.getpass("again: "):
            typer.echo("passwords empty or different", err=True)
            raise typer.Exit(2)
    try:
        token = ReviewStore(_db(ctx, db)).add_reviewer(name, secret)
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    typer.echo("reviewer created; sign in with the password" if password else token)


@group.command("revoke")
def revoke_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The reviewer whose token, password and sessions end.")],
    db: DbOption = None,
) -> None:
    """End a reviewer's access: their token (or password) and every open session stop working."""
    from nianbao.extraction.review.errors import NotFound
    from nianbao.extraction.review.store import ReviewStore

    try:
        ReviewStore(_db(ctx, db)).revoke(name)
    except NotFound as exc:
        typer.echo(f"Not revoked: {exc}.", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"revoked {name.strip()}: their token or password and every session no longer sign in")


@group.command("export")
def export_command(
    ctx: typer.Context,
    out: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--out",
            help="training: the JSONL file (default corrections.jsonl); other formats: a folder of tables "
            "(default review-export).",
        ),
    ] = None,
    db: DbOption = None,
    everything: Annotated[bool, typer.Option("--all", help="training: every report, not only reviewed ones.")] = False,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help="training (the annotation JSONL for nianbao train), or csv, parquet, xlsx, jsonl: every field "
            "of every loaded report with its extracted and reviewed value, status, reviewer, time and note.",
        ),
    ] = "training",
) -> None:
    """Write the reviewed data: training JSONL, or analyst tables of every field."""
    from nianbao.extraction.exports.writers import FORMATS, export_tables
    from nianbao.extraction.review.dataset import reviewed_items
    from nianbao.extraction.review.store import ReviewStore
    from nianbao.extraction.review.training_data import export_jsonl

    store = ReviewStore(_db(ctx, db))
    if fmt == "training":
        target = out or Path("corrections.jsonl")
        count, skipped = export_jsonl(store, target, everything)
        for name in skipped:
            typer.echo(f"{name}: no source text stored, not exported", err=True)
        typer.echo(f"wrote {count} record(s) to {target}")
        return
    if fmt not in FORMATS:
        typer.echo(f"Unknown --format {fmt!r}: choose training, {', '.join(FORMATS)}.", err=True)
        raise typer.Exit(2)
    folder = out or Path("review-export")
    items = list(reviewed_items(store))
    try:
        written, notes = export_tables(items, folder, fmt, review=True)
    except OSError as exc:
        typer.echo(f"Cannot write to {folder}: {exc.strerror or exc}. Nothing more was written.", err=True)
        raise typer.Exit(2) from None
    fields = sum(len(doc["cells"]) for _, doc in items)
    reviewed = sum(1 for _, doc in items for c in doc["cells"] if c["reviewer"])
    for line in [*notes, *(f"wrote {path}" for path in written)]:
        typer.echo(line, err=True)
    typer.echo(f"exported {fields} field(s) of {len(items)} report(s), {reviewed} reviewed, to {folder}")


@group.command("import")
def import_command(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(help="CSV (or .xlsx) with columns source, table, row, col, value [, note, revision].")
    ],
    reviewer: Annotated[
        str, typer.Option("--reviewer", "-r", help="The reviewer whose edits these are (see add-reviewer).")
    ],
    db: DbOption = None,
    accept_unchanged: Annotated[
        bool,
        typer.Option(
            "--accept-unchanged",
            help="Record a value equal to the current one as accepted (default: counted as unchanged, nothing "
            "written).",
        ),
    ] = False,
) -> None:
    """Apply corrections from a spreadsheet as a reviewer's edits (same audit trail and conflicts as the app).

    Prints one line per skipped row with its reason, then the counts; exit status 1 when a
    row was skipped, 2 when the file cannot be read.
    """
    from nianbao.extraction.review.importer import ImportFileError, import_corrections
    from nianbao.extraction.review.store import ReviewStore

    try:
        result = import_corrections(ReviewStore(_db(ctx, db)), file, reviewer, accept_unchanged)
    except ImportFileError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    for line, reason in result.skipped:
        typer.echo(f"{file.name} line {line}: skipped: {reason}.", err=True)
    typer.echo(result.summary(file.name))
    if result.skipped:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the ``review`` command group to the main CLI."""
    app.add_typer(group, name="review")
