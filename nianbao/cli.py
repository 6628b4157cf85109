"""The ``nianbao`` command line: a thin typer layer over importable functions."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from nianbao.extraction.batch import expand_inputs, summary_line, write_document
from nianbao.extraction.pipeline import extract

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Extract 政府信息公开工作年度报告 into clean data.")


@app.command("extract")
def extract_command(
    inputs: list[str] = typer.Argument(..., help="Report files, directories or glob patterns."),
    out: Path | None = typer.Option(None, "-o", "--out", help="Directory for one JSON file per report."),
    summary: bool = typer.Option(False, "--summary", help="Print one line per report."),
) -> None:
    """Extract reports into the output contract's JSON (stdout when no -o and one input)."""
    paths = expand_inputs(inputs)
    if not paths:
        typer.echo("No input files found.", err=True)
        raise typer.Exit(2)
    failures = 0
    for path in paths:
        doc = extract(path)
        failures += bool(doc["errors"]) and not doc["cells"]
        if out is not None:
            write_document(doc, out, path)
        elif not summary:
            typer.echo(json.dumps(doc, ensure_ascii=False, indent=1))
        if summary:
            typer.echo(summary_line(path, doc))
    if failures == len(paths):
        raise typer.Exit(1)


if __name__ == "__main__":  # pragma: no cover
    app()
