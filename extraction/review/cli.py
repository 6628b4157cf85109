"""``nianbao review``: serve the review app, load reports, add reviewers, export corrections.

``nianbao review --db URL`` alone serves the app (as ``nianbao review serve --db URL``).
The database is any SQLAlchemy URL or a SQLite file path; ``$NIANBAO_REVIEW_DB`` or
``sqlite:///review.db`` when not given.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer

DEFAULT_DB = "sqlite:///review.db"
DbOption = Annotated[str | None, typer.Option("--db", help="SQLAlchemy URL or SQLite file (default $NIANBAO_REVIEW_DB or sqlite:///review.db).")]
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
    secure_cookies: Annotated[bool, typer.Option("--secure-cookies", help="Send the session cookie over HTTPS only.")] = False,
) -> None:
    """Serve the review app (sign-in, queue, report pages)."""
    _serve(_db(ctx, db), host, port, secure_cookies)


def source_text(doc: dict[str, Any], json_path: Path, text_dir: Path | None) -> str | None:
    """The text the document's offsets refer to: ``rendered_text``, or the source file found
    in ``text_dir`` or beside the JSON (checked against the recorded sha256)."""
    from nianbao.errors import ReadError
    from nianbao.extraction.formats import render_input
    from nianbao.extraction.inputs import read_input
    from nianbao.extraction.reader import decode

    source = doc.get("source", {})
    if source.get("rendered_text") is not None:
        return str(source["rendered_text"])
    name = Path(str(source.get("name", ""))).name
    if not name or name.startswith("<"):
        return None
    for folder in (text_dir, json_path.parent):
        path = folder / name if folder is not None else None
        if path is None or not path.is_file():
            continue
        try:
            data = read_input(path)
        except ReadError:
            continue
        if source.get("sha256") and hashlib.sha256(data).hexdigest() != source["sha256"]:
            continue
        rendered = render_input(data, name)
        return rendered.text if rendered is not None else decode(data).text
    return None


@group.command("load")
def load_command(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="Contract JSON files (nianbao extract -o output).")],
    db: DbOption = None,
    text_dir: Annotated[Path | None, typer.Option("--text-dir", help="Folder with the source reports (for the text).")] = None,
) -> None:
    """Load extracted reports into the review database."""
    from nianbao.extraction.review.store import ReviewStore, check_text

    store = ReviewStore(_db(ctx, db))
    loaded = 0
    for path in files:
        try:
            doc = json.loads(path.read_text("utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            typer.echo(f"{path}: not read ({exc})", err=True)
            continue
        if not doc.get("cells"):
            typer.echo(f"{path}: no cells, skipped", err=True)
            continue
        text = source_text(doc, path, text_dir)
        if text is not None:
            try:
                check_text(doc, text)
            except ValueError as exc:
                typer.echo(f"{path}: {exc}; loaded without text", err=True)
                text = None
        elif not doc.get("source", {}).get("rendered_text"):
            typer.echo(f"{path}: source text not found (give --text-dir); loaded without text", err=True)
        report_id, new = store.load_report(doc, text)
        loaded += new
        typer.echo(f"{path}: report {report_id}" + ("" if new else " (already loaded)"))
    typer.echo(f"loaded {loaded} new report(s)")


@group.command("add-reviewer")
def add_reviewer_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The reviewer's name (unique).")],
    db: DbOption = None,
    password: Annotated[bool, typer.Option("--password", help="Ask for a password instead of generating a token.")] = False,
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
    from nianbao.extraction.review.store import NotFound, ReviewStore

    try:
        ReviewStore(_db(ctx, db)).revoke(name)
    except NotFound as exc:
        typer.echo(f"Not revoked: {exc}.", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"revoked {name.strip()}: their token or password and every session no longer sign in")


@group.command("export")
def export_command(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("-o", "--out", help="JSONL file to write.")] = Path("corrections.jsonl"),
    db: DbOption = None,
    everything: Annotated[bool, typer.Option("--all", help="Every report, not only reviewed ones.")] = False,
) -> None:
    """Write reviewed reports as training JSONL (the annotation format); `nianbao train --annotated` reads it."""
    from nianbao.extraction.review.export import export_jsonl
    from nianbao.extraction.review.store import ReviewStore

    count, skipped = export_jsonl(ReviewStore(_db(ctx, db)), out, everything)
    for name in skipped:
        typer.echo(f"{name}: no source text stored, not exported", err=True)
    typer.echo(f"wrote {count} record(s) to {out}")


def register(app: typer.Typer) -> None:
    """Add the ``review`` command group to the main CLI."""
    app.add_typer(group, name="review")
