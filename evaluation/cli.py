"""``nianbao evaluate`` and ``nianbao bench``: registered on the main CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

TRAINING = Path(__file__).resolve().parents[1] / "training"


def evaluate_command(
    gold: Annotated[
        list[Path], typer.Option("--gold", help="Gold directory (tests/gold) or annotation JSONL; repeatable.")
    ],
    model: Annotated[
        str | None, typer.Option(help="Model directory or mlflow URI (default: the shipped model).")
    ] = None,
    pred: Annotated[
        Path | None, typer.Option(help="Score these predictions (<case>.json) instead of extracting.")
    ] = None,
    out: Annotated[Path, typer.Option("-o", "--out", help="Directory for metrics.json, report.md and plots.")] = Path(
        "out/eval"
    ),
    shared: Annotated[Path | None, typer.Option(help="The shared/ folder holding the real reports.")] = None,
    mlflow: Annotated[bool, typer.Option("--mlflow", help="Log the run to mlflow.")] = False,
) -> None:
    """Score extraction against gold: the model, the rules and the positional baseline side by side."""
    from nianbao.evaluation.accounting import flat
    from nianbao.evaluation.accounting import markdown as accounting_markdown
    from nianbao.evaluation.harness import (
        SystemResult,
        accounting_table,
        evaluate,
        load_cases,
        run_system,
        tagger_f1,
    )
    from nianbao.evaluation.report import (
        markdown_report,
        plot_placement_confusion,
        plot_reliability,
    )
    from nianbao.evaluation.review_reasons import flat as reasons_flat
    from nianbao.evaluation.review_reasons import markdown as reasons_markdown
    from nianbao.evaluation.review_reasons import reasons_table
    from nianbao.extraction.pipeline import DEFAULT_MODEL

    cases = [case for path in gold for case in load_cases(path, shared)]
    if pred is not None:
        docs = {p.stem: json.loads(p.read_text("utf-8")) for p in pred.glob("*.json")}
        results = {
            "pred": run_system(
                "pred",
                cases,
                lambda text: docs.get(_case_for(cases, text), {"cells": [], "sections": [], "checks": []}),
            )
        }
    else:
        chosen = model or (str(DEFAULT_MODEL) if (DEFAULT_MODEL / "tagger.json").exists() else "rules")
        results = evaluate(cases, chosen)
    metrics = {name: result.scores.as_dict() for name, result in results.items()}
    table = accounting_table(results)
    if table:
        metrics["model"].update(flat(table))
    reasons = reasons_table(results["model"].scores.outcomes) if "model" in results else {}
    if reasons:
        metrics["model"].update(reasons_flat(reasons))
    if "model" in results:
        from nianbao.extraction.text.locator import ModelLocator
        from nianbao.models.registry import resolve_model

        metrics["model"]["tagger_f1"] = tagger_f1(cases, ModelLocator(resolve_model(str(model or DEFAULT_MODEL))))
    out.mkdir(parents=True, exist_ok=True)
    flat = {f"{name}.{key}": value for name, values in metrics.items() for key, value in values.items()}
    (out / "metrics.json").write_text(json.dumps(flat, indent=1, ensure_ascii=False), "utf-8")
    (out / "report.md").write_text(markdown_report(results, cases, metrics), "utf-8")
    primary: SystemResult = next(iter(results.values()))
    plots = [
        plot_reliability(primary, out / "reliability.png"),
        plot_placement_confusion(primary, out / "placement.png"),
    ]
    for name, values in metrics.items():
        typer.echo(
            f"{name:>10}: cell_accuracy {values.get('cell_accuracy', float('nan')):.4f}  "
            f"reports_fully_right {values.get('reports_fully_right', float('nan')):.4f}  "
            f"sections_f1 {values.get('sections_f1', float('nan')):.4f}"
        )
    if table:
        typer.echo("model against rules, and review, per style:")
        typer.echo(accounting_markdown(table))
    if reasons:
        typer.echo("why cells are in review (decided cells: share per reason, wrong cells among them):")
        typer.echo(reasons_markdown(reasons))
    typer.echo(f"wrote {out / 'metrics.json'}, {out / 'report.md'} and plots")
    if mlflow:
        from nianbao.training.tracking import log_evaluation

        log_evaluation(
            flat, [out / "report.md", *plots], params={"gold": ",".join(map(str, gold)), "model": str(model)}
        )


def _case_for(cases, text: str) -> str:
    return next(case.name for case in cases if case.text == text)


def bench_command(
    n: Annotated[int, typer.Option("-n", help="Generated reports in the fixed benchmark set.")] = 200,
    model: Annotated[str | None, typer.Option(help="Model directory or mlflow URI (default: shipped).")] = None,
    profile: Annotated[
        bool, typer.Option("--profile", help="Print each stage's share: read, extract, encode, write.")
    ] = False,
    scaling: Annotated[bool, typer.Option(help="Also run the batch engine with 1 and 2 workers.")] = True,
    batch_n: Annotated[int, typer.Option("--batch-n", help="Generated reports for the 1 vs 2 workers run.")] = 600,
    ray: Annotated[bool, typer.Option(help="Include the Ray engine (1 and 2 actors) in the scaling run.")] = True,
    ray_n: Annotated[int, typer.Option("--ray-n", help="Generated reports for the Ray run.")] = 1000,
    hostile: Annotated[
        bool,
        typer.Option("--hostile", help="Run the hostile-input benchmark instead (zip bombs, FIFOs, deep JSON, …)."),
    ] = False,
    only: Annotated[list[str] | None, typer.Option(help="With --hostile: only these inputs (repeatable).")] = None,
    timeout: Annotated[float, typer.Option(help="With --hostile: seconds before an input counts as a hang.")] = 120.0,
) -> None:
    """Cold start beside importing torch, what a user waits for per report (read, extract, encode,
    write), size scaling, the pipeline/read-and-normalise ratio, memory, workers and Ray.

    With --hostile: inputs tried, clear errors, crashes, hangs and peak RSS per hostile input
    (each in its own process under a timeout); exits 1 when anything crashed or hung.
    """
    if hostile:
        from nianbao.evaluation.bench.hostile import run_hostile

        results = run_hostile(only, model=model or "default", timeout=timeout, echo=typer.echo)
        if any(r.outcome in ("crash", "hang") for r in results):
            raise typer.Exit(1)
        return
    import tempfile

    from nianbao.evaluation.bench import engines as bench_engines
    from nianbao.evaluation.bench.batch import write_generated
    from nianbao.evaluation.bench.speed import run_bench

    with tempfile.TemporaryDirectory(prefix="nianbao-bench-") as tmp:
        paths = write_generated(Path(tmp), n, seed=424242)
        bench_engines.cold_start(paths[0], typer.echo)
        bench_engines.stages(paths, model, typer.echo, profile)
        bench_engines.size_scaling(paths[0].read_text("utf-8"), model, typer.echo)
    for line in run_bench(n, model):
        typer.echo(line)
    if scaling:
        from nianbao.evaluation.bench.batch import bench_batch

        bench_batch(batch_n, model=model, ray=ray, ray_n=ray_n, echo=typer.echo)


def loso_command(
    style: Annotated[list[str] | None, typer.Option(help="Styles to hold out (default: all).")] = None,
    n_train: Annotated[int, typer.Option(help="Generated training reports per fold.")] = 100,
    epochs: Annotated[int, typer.Option(help="Training epochs per fold.")] = 3,
    n_eval: Annotated[int, typer.Option(help="Held-out reports per style.")] = 20,
    out: Annotated[Path, typer.Option("-o", "--out")] = Path("out/loso"),
) -> None:
    """Leave-one-style-out: the model (trained without a style) against the rules on that style."""
    from dataclasses import replace

    from nianbao.evaluation.loso import leave_one_style_out, markdown_table
    from nianbao.training.generator.render import STYLES
    from nianbao.training.train import TrainConfig

    base = replace(
        TrainConfig.from_toml(Path(__file__).resolve().parents[1] / "training" / "default.toml"),
        n_generated=n_train,
        epochs=epochs,
    )
    out.mkdir(parents=True, exist_ok=True)
    results = leave_one_style_out(list(style or STYLES), base, n_eval, out, log=typer.echo)
    (out / "loso.md").write_text(markdown_table(results), "utf-8")
    typer.echo(markdown_table(results))


def learning_curve_command(
    style: Annotated[str, typer.Option(help="The layout (generator style) held out of training.")],
    k: Annotated[
        str, typer.Option("--k", help="Counts of annotated reports of the style to fine-tune on.")
    ] = "0,1,3,10",
    base_model: Annotated[
        str | None,
        typer.Option(help="A model trained without the style (directory or mlflow URI); default: train one."),
    ] = None,
    base_config: Annotated[Path, typer.Option(help="Config of the base model trained without the style.")] = TRAINING
    / "default.toml",
    config: Annotated[
        Path, typer.Option("--config", "-c", help="Fine-tuning config (init_from is the base model).")
    ] = TRAINING / "quick.toml",
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Override a fine-tuning config key: key=value.")
    ] = None,
    base_set: Annotated[
        list[str] | None, typer.Option("--base-set", help="Override a base-model config key: key=value.")
    ] = None,
    n_eval: Annotated[int, typer.Option(help="Held-out generated reports of the style that are scored.")] = 20,
    eval_seed: Annotated[
        int, typer.Option(help="Seed of the held-out reports (the annotated pool uses another).")
    ] = 9091,
    out: Annotated[
        Path | None, typer.Option("-o", "--out", help="Directory for learning_curve.json, .md and the models.")
    ] = None,
) -> None:
    """Hold a layout out, fine-tune on k annotated reports of it, score held-out reports of it: model vs rules."""
    from nianbao.evaluation.learning_curve import base_model as make_base
    from nianbao.evaluation.learning_curve import learning_curve, markdown_table, parse_ks, without
    from nianbao.training.train import TrainConfig

    target = out or Path("out/learning-curve") / style
    try:
        ks = parse_ks(k)
        without(style)
        finetune = TrainConfig.from_toml(config, _pairs(set_))
        base_cfg = None if base_model else TrainConfig.from_toml(base_config, _pairs(base_set))
        base = make_base(style, target, base_model, base_cfg, typer.echo)
        result = learning_curve(
            style, ks, finetune, target, base=base, n_eval=n_eval, eval_seed=eval_seed, log=typer.echo
        )
    except (ValueError, OSError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    table = markdown_table(result)
    (target / "learning_curve.md").write_text(table, "utf-8")
    typer.echo(table)
    typer.echo(f"wrote {target / 'learning_curve.json'} and {target / 'learning_curve.md'}")


def _pairs(items: list[str] | None) -> dict[str, str]:
    bad = [item for item in items or [] if "=" not in item]
    if bad:
        raise ValueError(f"--set expects key=value, got {bad[0]!r}")
    return dict(item.split("=", 1) for item in items or [])


def register(app: typer.Typer) -> None:
    app.command("learning-curve")(learning_curve_command)
    app.command("evaluate")(evaluate_command)
    app.command("loso")(loso_command)
    app.command("bench")(bench_command)
