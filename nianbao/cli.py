"""The ``nianbao`` command line: a thin typer layer over importable functions."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Annotated

import typer

from nianbao.extraction.batch import expand_inputs, summary_line, write_document
from nianbao.extraction.pipeline import extract

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Extract 政府信息公开工作年度报告 into clean data.")


@app.command("extract")
def extract_command(
    inputs: Annotated[list[str], typer.Argument(help="Report files, directories or glob patterns.")],
    out: Annotated[Path | None, typer.Option("-o", "--out", help="Directory for one JSON file per report.")] = None,
    summary: Annotated[bool, typer.Option("--summary", help="Print one line per report.")] = False,
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


@app.command("generate")
def generate_command(
    n: Annotated[int, typer.Option("-n", help="How many reports.")] = 10,
    out: Annotated[Path, typer.Option("-o", "--out", help="Directory for the .txt reports and annotations.jsonl.")] = Path("out/generated"),
    seed: Annotated[int, typer.Option(help="Random seed (the output is reproducible).")] = 0,
    style: Annotated[list[str] | None, typer.Option(help="Flattening styles to draw from (default: all).")] = None,
) -> None:
    """Write generated reports (text files) and their annotations (JSONL) for training and tests."""
    from nianbao.training.annotations import write_jsonl
    from nianbao.training.generate import generate
    from nianbao.training.render import STYLES

    samples = generate(n, seed=seed, styles=tuple(style) if style else STYLES)
    out.mkdir(parents=True, exist_ok=True)
    for index, sample in enumerate(samples):
        (out / f"gen-{seed}-{index:05d}-{sample['meta']['style']}.txt").write_text(sample["text"], "utf-8")
    write_jsonl(samples, out / "annotations.jsonl")
    typer.echo(f"wrote {len(samples)} reports and {out / 'annotations.jsonl'}")


# Commands that live beside the parts they drive; each module exposes ``register(app)``.
PLUGINS = (
    "nianbao.training.cli",
    "nianbao.evaluation.cli",
    "nianbao.extraction.review.cli",
    "nianbao.extraction.service",
    "nianbao.extraction.series",
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

if __name__ == "__main__":  # pragma: no cover
    app()
