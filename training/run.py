"""One training run end to end: train (or fine-tune), save, refit the calibrator, score a fixed set.

``nianbao train`` and ``nianbao learning-curve`` both go through :func:`train_and_save`, so a
saved model always has its ``calibrator.json`` fitted on its own extractions, and the metrics
logged to mlflow come from the same fixed evaluation set on every run: ``eval_reports``
generated reports drawn with ``eval_seed`` (disjoint from the training and calibration seeds)
plus the real reports' gold in ``tests/gold`` when ``../shared`` is beside the repository.
A fine-tune also scores the model it started from on the same set (``eval_before.*``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from nianbao.training.train import TrainConfig, TrainResult, train

ROOT = Path(__file__).resolve().parents[1]
GOLD_DIR = ROOT / "tests" / "gold"
SHARED = ROOT.parent / "shared"


@dataclass
class RunResult:
    """A saved model and every figure the run measured (training, calibration, fixed evaluation)."""

    out: Path
    train: TrainResult
    metrics: dict[str, float]


def fixed_cases(config: TrainConfig, shared: Path | None = None) -> dict[str, list]:
    """The fixed evaluation set: ``{"generated": cases, "real": cases}`` (real only if available)."""
    from nianbao.evaluation.harness import Case, load_cases
    from nianbao.training.generator.generate import generate

    samples = generate(config.eval_reports, seed=config.eval_seed) if config.eval_reports else []
    out = {"generated": [Case(f"eval:{i}", s["text"], s, s["meta"]["style"]) for i, s in enumerate(samples)]}
    shared = shared or SHARED
    if config.eval_real and (shared / "seeds").is_dir() and GOLD_DIR.is_dir():
        out["real"] = load_cases(GOLD_DIR, shared)
    return out


def fixed_evaluation(model_dir: Path, config: TrainConfig, shared: Path | None = None) -> dict[str, float]:
    """Cell accuracy (and review figures) of the model in ``model_dir`` on the fixed evaluation set."""
    from nianbao.evaluation.harness import run_system
    from nianbao.extraction.pipeline import extract_text
    from nianbao.extraction.text.locator import ModelLocator

    locator = ModelLocator(model_dir)
    metrics: dict[str, float] = {}
    for part, cases in fixed_cases(config, shared).items():
        if not cases:
            continue
        scores = run_system("model", cases, lambda text: extract_text(text, locator=locator)).scores.as_dict()
        for key in ("cell_accuracy", "reports_fully_right", "sections_f1", "review_share", "wrong_caught_by_review"):
            if key in scores:
                metrics[f"eval.{part}.{key}"] = scores[key]
        metrics[f"eval.{part}.reports"] = scores["reports"]
    return metrics


def train_and_save(
    config: TrainConfig,
    out: Path,
    log: Callable[[str], None] = print,
    extra: list[dict] | None = None,
    calibrate: bool = True,
    evaluate: bool = True,
) -> RunResult:
    """Train, save to ``out`` (weights and ``model.onnx``), refit ``calibrator.json`` there, score the fixed set."""
    from nianbao.models.onnx_export import export_onnx
    from nianbao.training.calibrate import fit_calibrator

    result = train(config, log=log, extra=extra)
    result.tagger.save(out)
    export_onnx(out)  # model.onnx: what extraction runs (ONNX Runtime, no torch)
    metrics = dict(result.metrics)
    if calibrate and config.calibration_reports:
        started = time.monotonic()
        calibrator = fit_calibrator(out, n=config.calibration_reports, seed=config.seed, styles=config.styles)
        metrics["calibration_minutes"] = (time.monotonic() - started) / 60
        metrics["calibration_cells"] = float(calibrator.n_samples_)
        log(f"calibrator refitted on {config.calibration_reports} held-out reports ({calibrator.n_samples_} cells)")
    if evaluate:
        started = time.monotonic()
        metrics.update(fixed_evaluation(out, config))
        if config.init_from:  # the model it started from, on the same set: did the fine-tune help?
            from nianbao.models.registry import resolve_model

            before = fixed_evaluation(resolve_model(config.init_from), config)
            metrics.update({k.replace("eval.", "eval_before.", 1): v for k, v in before.items()})
        metrics["eval_minutes"] = (time.monotonic() - started) / 60
        log("fixed evaluation: " + "  ".join(f"{k} {v:.4f}" for k, v in metrics.items() if k.endswith("cell_accuracy")))
    return RunResult(out, result, metrics)
