"""`nianbao learning-curve`: a layout held out, fine-tuned on k annotated reports, model vs rules."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from nianbao.cli import app
from nianbao.evaluation.harness import Case
from nianbao.evaluation.scorer import Scores
from nianbao.extraction.pipeline import extract_text
from nianbao.extraction.text.locator import ModelLocator, RuleLocator
from nianbao.training.generator.generate import generate

TAGGER = """
[tagger]
hidden_size = 16
num_hidden_layers = 1
num_attention_heads = 2
intermediate_size = 32
window = 62
stride = 48
"""
BASE = "n_generated = 3\nepochs = 1\nbatch_size = 8\ncalibration_reports = 0\n" + TAGGER
FINETUNE = "n_generated = 1\nmax_steps = 2\nbatch_size = 4\ncalibration_reports = 0\n"


def _decided_accuracy(cases: list[Case], locator) -> float:
    scores = Scores()
    for case in cases:
        scores.add(case.name, case.style, case.gold, extract_text(case.text, locator=locator))
    return scores.as_dict()["decided_cell_accuracy"]


def test_learning_curve_tiny(tmp_path) -> None:
    (tmp_path / "base.toml").write_text(BASE, "utf-8")
    (tmp_path / "ft.toml").write_text(FINETUNE, "utf-8")
    out = tmp_path / "curve"
    result = CliRunner().invoke(
        app,
        [
            "learning-curve",
            "--style",
            "markdown",
            "--k",
            "1,0",
            "--base-config",
            str(tmp_path / "base.toml"),
            "-c",
            str(tmp_path / "ft.toml"),
            "--n-eval",
            "2",
            "--eval-seed",
            "31",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads((out / "learning_curve.json").read_text("utf-8"))
    assert data["style"] == "markdown" and data["ks"] == [0, 1] and [p["k"] for p in data["points"]] == [0, 1]
    assert "| k annotated | model cell acc. | rules cell acc." in (out / "learning_curve.md").read_text("utf-8")
    base = out / "base-without-markdown"
    base_meta = json.loads((base / "vocab.json").read_text("utf-8"))
    assert json.loads((out / "k1" / "vocab.json").read_text("utf-8")) == base_meta  # fine-tuned from the base
    assert data["points"][1]["train_steps"] == 2.0
    # the figures are those of real extraction on the held-out reports of the style
    samples = generate(2, seed=31, styles=("markdown",))
    assert {s["meta"]["style"] for s in samples} == {"markdown"}
    cases = [Case(f"markdown:{i}", s["text"], s, "markdown") for i, s in enumerate(samples)]
    assert data["rules"]["decided_cell_accuracy"] == _decided_accuracy(cases, RuleLocator())
    for point in data["points"]:
        assert point["model"]["decided_cell_accuracy"] == _decided_accuracy(
            cases, ModelLocator(Path(point["model_dir"]))
        )
        assert set(point["accounting"]) == {"changed", "fixed", "broke", "review_share", "wrong_in_review"}
    assert data["rules"]["decided_cell_accuracy"] > 0.5  # the rules read most of a markdown table


def test_learning_curve_rejects_unknown_style_and_bad_k(tmp_path) -> None:
    runner = CliRunner()
    bad_style = runner.invoke(app, ["learning-curve", "--style", "nope", "--k", "0", "-o", str(tmp_path)])
    assert bad_style.exit_code == 2 and "unknown style 'nope'" in bad_style.output
    bad_k = runner.invoke(app, ["learning-curve", "--style", "tab", "--k", "one", "-o", str(tmp_path)])
    assert bad_k.exit_code == 2 and "--k expects comma-separated counts" in bad_k.output
