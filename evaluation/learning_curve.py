"""Learning curve on a held-out layout: how many annotated reports a new layout needs.

A base model has never seen the layout (generator style) ``S``: it is given, or trained here
from a config with every style but ``S``. For each ``k`` the base model is fine-tuned
(``init_from``) on the first ``k`` annotated generated reports of ``S`` (nested sets drawn
with one seed; ``k = 0`` is the base model itself), and the model and the rules are scored by
real extraction on held-out reports of ``S`` (another seed). Accuracy is over the cells the
text decides; cells the gold marks as undecidable (``ambiguous``) are counted apart.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from nianbao.evaluation.accounting import account
from nianbao.evaluation.harness import Case, SystemResult, run_system
from nianbao.training.generator.generate import generate
from nianbao.training.generator.render import STYLES
from nianbao.training.train import TrainConfig

POOL_SEED_OFFSET = 7_001  # annotated reports of the held-out style (never an evaluation seed)
METRICS = (
    "decided_cell_accuracy",
    "cell_accuracy",
    "undecided_cells",
    "undecided_cell_accuracy",
    "reports_fully_right",
)


def parse_ks(text: str) -> list[int]:
    """``"0,1,3,10"`` → ``[0, 1, 3, 10]``; a clear ValueError otherwise."""
    try:
        ks = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise ValueError(
            f"--k expects comma-separated counts of annotated reports such as 0,1,3,10, got {text!r}"
        ) from None
    if not ks or ks[0] < 0:
        raise ValueError(f"--k expects counts of annotated reports that are 0 or more, got {text!r}")
    return ks


def without(style: str) -> tuple[str, ...]:
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}; the generator's styles are: {', '.join(STYLES)}")
    return tuple(s for s in STYLES if s != style)


def _scores(result: SystemResult) -> dict[str, float]:
    metrics = result.scores.as_dict()
    return {k: metrics[k] for k in METRICS if k in metrics}


def _extract_with(model_dir: Path) -> Callable[[str], dict]:
    from nianbao.extraction.pipeline import extract_text
    from nianbao.extraction.text.locator import ModelLocator

    locator = ModelLocator(model_dir)
    return lambda text: extract_text(text, locator=locator)


def base_model(
    style: str, out: Path, model: str | None, config: TrainConfig | None, log: Callable[[str], None]
) -> Path:
    """The model that never saw ``style``: the given one, or one trained without it under ``out``."""
    if model:
        from nianbao.training.tracking import resolve_model

        return resolve_model(model)
    from nianbao.training.run import train_and_save

    config = replace(config or TrainConfig(), styles=without(style), init_from="")
    log(f"training the base model without {style} ({len(config.styles)} styles)")
    return train_and_save(config, out / f"base-without-{style}", log=log, evaluate=False).out


def learning_curve(
    style: str,
    ks: list[int],
    finetune: TrainConfig,
    out: Path,
    *,
    base: Path,
    n_eval: int = 20,
    eval_seed: int = 9_091,
    log: Callable[[str], None] = print,
) -> dict:
    """Score the rules and the model fine-tuned on k annotated reports of ``style``; writes JSON under ``out``."""
    from nianbao.training.run import train_and_save

    others = without(style)
    cases = [
        Case(f"{style}:{i}", s["text"], s, style)
        for i, s in enumerate(generate(n_eval, seed=eval_seed, styles=(style,)))
    ]
    pool_seed = eval_seed + POOL_SEED_OFFSET
    pool = generate(max(ks), seed=pool_seed, styles=(style,)) if max(ks) else []
    from nianbao.extraction.pipeline import extract_text
    from nianbao.extraction.text.locator import RuleLocator

    rules_locator = RuleLocator()
    rules = run_system("rules", cases, lambda text: extract_text(text, locator=rules_locator))
    result = {
        "style": style,
        "ks": ks,
        "n_eval": n_eval,
        "eval_seed": eval_seed,
        "pool_seed": pool_seed,
        "base_model": str(base),
        "rules": _scores(rules),
        "points": [],
    }
    log(
        f"rules on {n_eval} held-out {style} reports: decided cell "
        f"accuracy {result['rules']['decided_cell_accuracy']:.4f}"
    )
    for k in ks:
        point: dict = {"k": k}
        model_dir = base
        if k:
            config = replace(finetune, init_from=str(base), styles=others, annotated=())
            run = train_and_save(config, out / f"k{k}", log=lambda line: None, extra=pool[:k], evaluate=False)
            model_dir = run.out
            point |= {"train_steps": run.metrics["train_steps"], "train_minutes": run.metrics["train_minutes"]}
        model = run_system("model", cases, _extract_with(model_dir))
        overall = account(model.scores.outcomes, rules.scores.outcomes)["all"]
        point |= {
            "model_dir": str(model_dir),
            "model": _scores(model),
            "accounting": {c: overall[c] for c in ("changed", "fixed", "broke", "review_share", "wrong_in_review")},
        }
        result["points"].append(point)
        log(
            f"k={k}: model decided cell accuracy {point['model']['decided_cell_accuracy']:.4f} "
            f"(rules {result['rules']['decided_cell_accuracy']:.4f}), {overall['changed']:.0f} cells changed vs rules"
        )
        out.mkdir(parents=True, exist_ok=True)
        (out / "learning_curve.json").write_text(json.dumps(result, indent=1), "utf-8")
    return result


def markdown_table(result: dict) -> str:
    """One row per k: the model against the rules on the held-out layout."""
    rules = result["rules"]
    lines = [
        f"Held-out layout `{result['style']}`: {result['n_eval']} generated reports (seed {result['eval_seed']}); "
        f"accuracy on the cells the text decides.",
        "",
        "| k annotated | model cell acc. | rules cell acc. | model reports fully right | rules reports fully right | "
        "cells changed vs rules (fixed / broke) | sent to review | wrong in review |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for point in result["points"]:
        m, a = point["model"], point["accounting"]
        lines.append(
            f"| {point['k']} | {m['decided_cell_accuracy']:.4f} | {rules['decided_cell_accuracy']:.4f} | "
            f"{m['reports_fully_right']:.3f} | {rules['reports_fully_right']:.3f} | "
            f"{a['changed']:.0f} ({a['fixed']:.0f} / {a['broke']:.0f}) | {a['review_share']:.3f} | "
            f"{a['wrong_in_review']:.3f} |"
        )
    undecided = result["points"][0]["model"].get("undecided_cells", 0.0) if result["points"] else 0.0
    lines += ["", f"Cells the gold marks undecidable (excluded above): {undecided:.0f}."]
    return "\n".join(lines) + "\n"
