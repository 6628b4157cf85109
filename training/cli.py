"""``nianbao train`` and ``nianbao generate``: registered on the main CLI."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer


def train_command(
    config: Annotated[Path | None, typer.Option("--config", "-c", help="TOML training config.")] = None,
    out: Annotated[Path, typer.Option("-o", "--out", help="Directory for the trained model.")] = Path("out/model"),
    init_from: Annotated[
        str | None,
        typer.Option(
            "--init-from",
            help="Fine-tune this model (a directory or an mlflow URI such as models:/nianbao-tagger@candidate).",
        ),
    ] = None,
    annotated: Annotated[
        list[Path] | None,
        typer.Option(
            "--annotated", help="Annotated JSONL (real reports, reviewer corrections); weighted by annotated_weight."
        ),
    ] = None,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Override a config key: key=value (dotted for tagger.*).")
    ] = None,
    tracking_uri: Annotated[
        str | None, typer.Option(help="MLflow tracking URI (default sqlite:///./mlflow.db).")
    ] = None,
    no_mlflow: Annotated[bool, typer.Option("--no-mlflow", help="Do not log to mlflow.")] = False,
    alias: Annotated[str, typer.Option(help="Registry alias to move to the new model.")] = "candidate",
) -> None:
    """Train the tagger (or fine-tune one with --init-from), refit its calibrator, score it on a fixed set, register
    it in mlflow."""
    from nianbao.training.run import train_and_save
    from nianbao.training.train import TrainConfig

    try:
        overrides = dict(_pair(item) for item in set_ or [])
        if init_from:
            overrides["init_from"] = init_from
        cfg = TrainConfig.from_toml(config, overrides)
        if annotated:
            cfg = replace(cfg, annotated=(*cfg.annotated, *map(str, annotated)))
        run = train_and_save(cfg, out, log=typer.echo)
    except (ValueError, OSError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    result = run.train
    typer.echo(f"saved {out} ({result.records} reports; dev char accuracy {result.metrics['dev_char_accuracy']:.4f})")
    if not no_mlflow:
        from nianbao.training.tracking import log_training

        config_text = config.read_text("utf-8") if config else ""
        uri = log_training(out, cfg.flat(), run.metrics, config_text, tracking_uri, alias)
        typer.echo(f"registered {uri}")


def _pair(item: str) -> tuple[str, str]:
    if "=" not in item:
        raise ValueError(f"--set expects key=value, got {item!r}")
    key, value = item.split("=", 1)
    return key.strip(), value.strip()


def generate_command(
    n: Annotated[int, typer.Option("-n", help="How many reports.")] = 10,
    out: Annotated[
        Path, typer.Option("-o", "--out", help="Directory for the .txt reports and annotations.jsonl.")
    ] = Path("out/generated"),
    seed: Annotated[int, typer.Option(help="Random seed (the output is reproducible).")] = 0,
    style: Annotated[
        list[str] | None,
        typer.Option(help="Flattening styles to draw from (default: all; repeat the option for several)."),
    ] = None,
) -> None:
    """Write generated reports (text files) and their annotations (JSONL) for training and tests."""
    from nianbao.annotations import write_jsonl
    from nianbao.training.generator.generate import generate
    from nianbao.training.generator.render import STYLES

    unknown = [s for s in style or [] if s not in STYLES]
    if unknown:
        raise typer.BadParameter(
            f"unknown style {', '.join(unknown)}; the styles are {', '.join(STYLES)}.", param_hint="--style"
        )
    samples = generate(n, seed=seed, styles=tuple(style) if style else STYLES)
    out.mkdir(parents=True, exist_ok=True)
    for index, sample in enumerate(samples):
        (out / f"gen-{seed}-{index:05d}-{sample['meta']['style']}.txt").write_text(sample["text"], "utf-8")
    write_jsonl(samples, out / "annotations.jsonl")
    typer.echo(f"wrote {len(samples)} reports and {out / 'annotations.jsonl'}")


def register(app: typer.Typer) -> None:
    app.command("train")(train_command)
    app.command("generate")(generate_command)
