"""Leave-one-style-out: train without a flattening style, evaluate on reports in that style.

The honest test of the model on layouts nobody tuned for: for each held-out style a model is
trained on the other styles, then the model locator, the rules and the positional baseline
are scored on generated reports printed in the held-out style.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from nianbao.evaluation.harness import Case, evaluate
from nianbao.training.generator.generate import generate
from nianbao.training.generator.render import STYLES
from nianbao.training.train import TrainConfig, train

HEADLINE = ("cell_accuracy", "reports_fully_right", "sections_f1")


def held_out_cases(style: str, n: int, seed: int) -> list[Case]:
    return [Case(f"{style}:{i}", s["text"], s, style) for i, s in enumerate(generate(n, seed=seed, styles=(style,)))]


def leave_one_style_out(styles: list[str], base: TrainConfig, n_eval: int, out: Path, log=print) -> dict:
    """Per held-out style: ``{style: {system: {metric: value}}}``; models saved under ``out``."""
    results: dict = {}
    for style in styles:
        config = replace(base, styles=tuple(s for s in STYLES if s != style))
        trained = train(config, log=lambda line: None)
        model_dir = out / f"model-without-{style}"
        trained.tagger.save(model_dir)
        systems = evaluate(held_out_cases(style, n_eval, seed=base.seed + 5000), model_dir)
        results[style] = {name: {k: r.scores.as_dict().get(k) for k in HEADLINE} for name, r in systems.items()}
        log(f"{style}: " + "  ".join(f"{n} {v['cell_accuracy']:.4f}" for n, v in results[style].items()))
        (out / "loso.json").write_text(json.dumps(results, indent=1), "utf-8")
    return results


def markdown_table(results: dict) -> str:
    lines = [
        "| held-out style | model cell acc. | rules cell acc. | positional cell acc. | model reports fully right "
        "| rules reports fully right |",
        "|---|---|---|---|---|---|",
    ]
    for style, systems in results.items():
        m, r, p = systems["model"], systems["rules"], systems["positional"]
        lines.append(
            f"| {style} | {m['cell_accuracy']:.4f} | {r['cell_accuracy']:.4f} | {p['cell_accuracy']:.4f} | "
            f"{m['reports_fully_right']:.3f} | {r['reports_fully_right']:.3f} |"
        )
    return "\n".join(lines) + "\n"
