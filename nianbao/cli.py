"""The ``nianbao`` command line: a thin typer layer over importable functions."""

from __future__ import annotations

import errno
import importlib
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from nianbao.extraction.batch.local_engine import extract_each
from nianbao.extraction.batch.outputs import dump_document, summary_line
from nianbao.extraction.batch.run import expand_inputs
from nianbao.extraction.batch.workers import DEFAULT_MEMORY_MB, DEFAULT_SECONDS, Budget

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Extract 政府信息公开工作年度报告 into clean data.")


def _print_version(value: bool) -> None:
    if value:
        import nianbao

        typer.echo(f"nianbao {nianbao.__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Extract 政府信息公开工作年度报告 into clean data."""


def fail(sentence: str, code: int = 2) -> typer.Exit:
    """Print a sentence on stderr; the caller raises the returned Exit (no traceback)."""
    typer.echo(sentence, err=True)
    return typer.Exit(code)


def disk_failure(exc: OSError, where: str) -> typer.Exit:
    """A write that failed (read-only, full, removed, not a directory) as a sentence."""
    name = errno.errorcode.get(exc.errno or 0, "")
    hint = {
        "ENOSPC": "free some space",
        "EFBIG": "free some space or raise the file size limit",
        "EROFS": "the file system is read-only",
        "EACCES": "it is not writable",
        "EPERM": "it is not writable",
    }.get(name, "")
    reason = f"{exc.strerror or exc}" + (f" [{name}]" if name else "") + (f"; {hint}" if hint else "")
    if where == "stdout":  # stdout is broken: later writes (and the final flush) must not fail again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return fail(f"Cannot write to {where}: {reason}. Nothing more was written; fix it and run the command again.")


def check_model(model: str | None) -> None:
    """Load ``--model`` once up front: one sentence (typer.Exit 2) when it cannot load."""
    if model in (None, "rules"):
        return  # the rules, or the shipped model
    from nianbao.extraction.pipeline import Extractor

    try:
        Extractor(model)
    except Exception as exc:  # noqa: BLE001 - missing files, bad weights, an unknown mlflow URI …
        detail = str(exc).strip().replace("\n", " ")[:300]
        raise fail(
            f"The model {model!r} could not be loaded ({type(exc).__name__}: {detail}); give a model "
            "directory holding tagger.json and its weights, an mlflow model URI, or 'rules'."
        ) from None


@app.command("extract")
def extract_command(
    inputs: Annotated[list[str], typer.Argument(help="Report files, directories or glob patterns.")],
    out: Annotated[
        Path | None, typer.Option("-o", "--out", help="Directory for one JSON file per report (resumable).")
    ] = None,
    summary: Annotated[bool, typer.Option("--summary", help="Print one line per report.")] = False,
    workers: Annotated[
        int | None, typer.Option("-w", "--workers", min=1, help="Worker processes (default: one per core).")
    ] = None,
    formats: Annotated[
        list[str] | None,
        typer.Option(
            "--format", "-f", help="Also write tables to OUT/tables: jsonl, csv, parquet or xlsx (repeatable)."
        ),
    ] = None,
    engine: Annotated[
        str, typer.Option(help="local (a process pool) or ray (Ray Data; needs nianbao[ray]).")
    ] = "local",
    ray_address: Annotated[
        str | None, typer.Option("--ray-address", help="An existing Ray cluster (default: start a local Ray).")
    ] = None,
    model: Annotated[
        str | None, typer.Option(help="Model directory, mlflow model URI or 'rules' (default: the shipped model).")
    ] = None,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="No progress bar and no end-of-run summary.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Extract again inputs whose output already exists.")] = False,
    indent: Annotated[bool, typer.Option("--indent", help="Indented JSON for humans (default: compact).")] = False,
    jsonl: Annotated[
        bool,
        typer.Option(
            "--jsonl",
            help="With -o: all documents in one OUT/documents.jsonl (one line each) instead of one file each; "
            "does not resume.",
        ),
    ] = False,
    time_budget: Annotated[
        float,
        typer.Option(
            "--time-budget",
            min=0.001,
            help="Seconds one report may take; a report over it is stopped with an errors sentence.",
        ),
    ] = DEFAULT_SECONDS,
    memory_budget: Annotated[
        float,
        typer.Option(
            "--memory-budget",
            min=1,
            help="MB of memory one report may use; a report over it is stopped with an errors sentence.",
        ),
    ] = DEFAULT_MEMORY_MB,
) -> None:
    """Extract reports into the output contract's JSON (stdout when no -o).

    With -o, a killed run started again resumes: inputs whose output exists with the
    same sha256 are skipped, so OUT ends with every report exactly once. Every report runs
    in a worker forked after the model is loaded, under a time and memory budget.
    """
    paths = expand_inputs(inputs)
    budget = Budget(time_budget, memory_budget)
    if not paths:
        typer.echo("No input files found.", err=True)
        raise typer.Exit(2)
    check_model(model)
    if out is None:
        if formats or jsonl or engine != "local":
            typer.echo("--format, --jsonl and --engine need an output directory (-o OUT).", err=True)
            raise typer.Exit(2)
        failures = 0
        for path, doc in extract_each(paths, model, budget, workers):
            failures += bool(doc["errors"]) and not doc["cells"]
            try:
                if summary:
                    typer.echo(summary_line(path, doc))
                else:
                    sys.stdout.buffer.write(dump_document(doc, indent) + b"\n")
                sys.stdout.flush()
            except OSError as exc:
                raise disk_failure(exc, "stdout") from None
        if failures == len(paths):
            raise typer.Exit(1)
        return
    from nianbao.extraction.batch.jsonl import iter_outputs
    from nianbao.extraction.batch.run import run_batch
    from nianbao.extraction.exports.writers import FORMATS, export_tables, summarise

    unknown = sorted(set(formats or []) - set(FORMATS))
    if unknown or engine not in ("local", "ray"):
        typer.echo(
            f"Unknown --format {unknown} or --engine {engine!r}: formats {', '.join(FORMATS)}; engines local, ray.",
            err=True,
        )
        raise typer.Exit(2)
    on_record = (lambda record: typer.echo(record["summary"])) if summary else None
    try:
        result = run_batch(
            paths,
            out,
            workers=workers,
            engine=engine,
            model=model,
            ray_address=ray_address,
            quiet=quiet,
            force=force,
            on_record=on_record,
            budget=budget,
            indent=indent,
            jsonl=jsonl,
        )
        written: list[Path] = []
        notes: list[str] = []
        for fmt in dict.fromkeys(formats or []):
            files, more = export_tables(iter_outputs(out, result.records), out / "tables", fmt)
            written, notes = written + files, notes + more
    except KeyboardInterrupt:
        typer.echo(f"Interrupted: finished reports are kept in {out}; run the same command again to resume.", err=True)
        raise typer.Exit(130) from None
    except OSError as exc:
        raise disk_failure(exc, str(out)) from None
    except RuntimeError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    if not quiet:
        typer.echo(summarise(result.records, result.extracted, result.skipped), err=True)
        for line in [*notes, *(f"wrote {path}" for path in written)]:
            typer.echo(line, err=True)
    if result.failed == len(result.records):
        raise typer.Exit(1)


@app.command("serve")
def serve_command(
    host: Annotated[str, typer.Option(help="Interface to bind (0.0.0.0 for all).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    max_mb: Annotated[float, typer.Option("--max-mb", help="Request size limit in MB (413 above it).")] = 20.0,
    model: Annotated[str | None, typer.Option(help="Model directory, mlflow URI or 'rules'.")] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Extraction workers forked after the model loads (default: one per core).")
    ] = None,
    time_budget: Annotated[
        float, typer.Option("--time-budget", min=0.001, help="Seconds one report may take.")
    ] = DEFAULT_SECONDS,
    memory_budget: Annotated[
        float, typer.Option("--memory-budget", min=1, help="MB of memory one report may use.")
    ] = DEFAULT_MEMORY_MB,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Serve POST /extract, GET /health and the OpenAPI docs at /docs."""
    import uvicorn

    check_model(model)  # a model that cannot load is a sentence and exit 2, not a server traceback
    os.environ["NIANBAO_SERVE_MAX_BYTES"] = str(int(max_mb * 2**20))
    os.environ["NIANBAO_SERVE_MODEL"] = model or ""
    os.environ["NIANBAO_SERVE_WORKERS"] = str(workers or "")
    os.environ["NIANBAO_SERVE_BUDGET"] = f"{time_budget},{memory_budget}"
    uvicorn.run("nianbao.extraction.service.app:app_from_env", factory=True, host=host, port=port, log_level=log_level)


@app.command("series")
def series_command(
    directory: Annotated[Path, typer.Argument(help="A folder of extracted report JSONs.")],
    out: Annotated[Path, typer.Option("-o", "--out", help="Folder for series.json, series.csv, checks.csv, plots/.")],
    aliases: Annotated[
        Path | None,
        typer.Option(
            "--aliases",
            help="A TOML file whose aliases table maps each canonical agency name to a variant or a list of "
            "variants, e.g. '洪泽区人民政府' = ['洪泽区政府'] (see the README).",
        ),
    ] = None,
    plots: Annotated[bool, typer.Option("--plots/--no-plots", help="Write one PNG per agency.")] = True,
) -> None:
    """Check each agency's years against each other: 结转 carried across years, 现行有效件数, gaps."""
    if not directory.is_dir():
        typer.echo(f"{directory} is not a folder of extracted reports.", err=True)
        raise typer.Exit(2)
    from nianbao.extraction.exports.series import run_series
    from nianbao.extraction.exports.series_outputs import failed

    doc = run_series(directory, out, aliases, plots)
    agencies = doc["agencies"]
    errors = sum(1 for e in agencies for c in failed(e) if c["severity"] == "error")
    warnings = sum(1 for e in agencies for c in failed(e) if c["severity"] == "warning")
    reports = sum(len(e["years"]) for e in agencies)
    typer.echo(
        f"{len(agencies)} agencies, {reports} reports, {errors} failed checks, {warnings} warnings, "
        f"{len(doc['skipped'])} skipped → {out / 'series.json'}"
    )


# The other command groups, each in its part's own CLI module exposing ``register(app)``.
PLUGINS = (
    "nianbao.training.cli",
    "nianbao.evaluation.cli",
    "nianbao.extraction.review.cli",
)


def _register_plugins() -> None:
    for module_name in PLUGINS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                continue  # that part is not installed in this checkout
            raise
        module.register(app)


_register_plugins()

# The extra that installs a missing module (pyproject's optional dependencies).
EXTRAS = {
    "fastapi": "serve",
    "starlette": "serve",
    "uvicorn": "serve",
    "fastapi_offline": "serve",
    "multipart": "serve",
    "sqlalchemy": "review",
    "jinja2": "review",
    "markupsafe": "review",
    "pandas": "export",
    "pyarrow": "export",
    "openpyxl": "export",
    "matplotlib": "export",
    "torch": "train",
    "transformers": "train",
    "onnx": "train",
    "onnxscript": "train",
    "sklearn": "train",
    "spacy": "train",
    "mlflow": "train",
    "seqeval": "train",
    "ray": "ray",
}


def run() -> None:
    """The ``nianbao`` command: a command whose extra is not installed says which one, in a sentence."""
    try:
        app()
    except ModuleNotFoundError as exc:
        extra = EXTRAS.get((exc.name or "").split(".")[0])
        if extra is None:
            raise
        typer.echo(
            f"This command needs the {exc.name} package, which nianbao's {extra!r} extra installs: "
            f"pip install 'nianbao[{extra}]'.",
            err=True,
        )
        raise SystemExit(2) from None


if __name__ == "__main__":  # pragma: no cover
    run()
