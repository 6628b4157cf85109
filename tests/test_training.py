"""`nianbao train`: generated + annotated data, fine-tuning, calibrator, fixed evaluation, mlflow, --model URI."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from nianbao.cli import app

pytestmark = pytest.mark.slow  # trains models or runs notebooks: CI (make test with CI=true) runs it

TINY_TOML = """
n_generated = 3
epochs = 1
batch_size = 8
styles = ["tab", "pdf"]

[tagger]
hidden_size = 16
num_hidden_layers = 1
num_attention_heads = 2
intermediate_size = 32
window = 62
stride = 48
"""
FIXED = "calibration_reports = 3\neval_reports = 2\neval_real = false\n"


def test_train_registers_and_extract_loads_by_uri(tmp_path, shared, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    (tmp_path / "tiny.toml").write_text(FIXED + TINY_TOML, "utf-8")
    text = (shared / "seeds" / "002_0894b26ac3a47999.txt").read_text("utf-8")
    start = text.index("49801")
    correction = {
        "text": text,
        "spans": [{"start": start, "end": start + 5, "label": "VALUE", "text": "49801"}],
        "cells": [],
        "meta": {"source": "review", "partial_labels": True},
    }
    (tmp_path / "corrections.jsonl").write_text(json.dumps(correction, ensure_ascii=False) + "\n", "utf-8")
    runner = CliRunner()
    result = runner.invoke(app, ["train", "-c", "tiny.toml", "-o", "model", "--annotated", "corrections.jsonl"])
    assert result.exit_code == 0, result.output
    assert "registered models:/nianbao-tagger@candidate" in result.output
    assert sorted(p.name for p in (tmp_path / "model").iterdir()) == [
        "calibrator.json",
        "config.json",
        "model.onnx",
        "model.safetensors",
        "tagger.json",
        "vocab.json",
    ]
    from nianbao.extraction.pipeline import Extractor

    seed = shared / "seeds" / "000_c304030f2df1b677.txt"
    for model in ("model", "models:/nianbao-tagger@candidate"):
        extractor = Extractor(model)
        assert extractor.locator.name == "model"
        assert len(extractor(seed)["cells"]) == 198


def _runs(tmp_path):
    import mlflow

    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    return mlflow.search_runs(experiment_names=["nianbao"], order_by=["start_time ASC"])


def test_fine_tune_from_a_model_refits_calibrator_and_scores_the_fixed_set(tmp_path, shared, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    (tmp_path / "tiny.toml").write_text(FIXED + TINY_TOML, "utf-8")
    runner = CliRunner()
    first = runner.invoke(app, ["train", "-c", "tiny.toml", "-o", "base"])
    assert first.exit_code == 0, first.output
    from nianbao.training.generator.generate import generate

    annotated = generate(2, seed=77, styles=("markdown",))  # a layout the base model never saw
    (tmp_path / "new.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in annotated), "utf-8")
    (tmp_path / "ft.toml").write_text(
        "n_generated = 2\nmax_steps = 3\nbatch_size = 4\nannotated_weight = 2\n"
        'calibration_reports = 3\neval_reports = 2\nstyles = ["tab"]\n',
        "utf-8",
    )
    result = runner.invoke(
        app,
        [
            "train",
            "-c",
            "ft.toml",
            "--init-from",
            "models:/nianbao-tagger@candidate",
            "--annotated",
            "new.jsonl",
            "-o",
            "tuned",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "registered models:/nianbao-tagger@candidate" in result.output
    base_vocab = json.loads((tmp_path / "base" / "vocab.json").read_text("utf-8"))
    assert json.loads((tmp_path / "tuned" / "vocab.json").read_text("utf-8")) == base_vocab  # the vocabulary is reused
    calibrator = json.loads((tmp_path / "tuned" / "calibrator.json").read_text("utf-8"))
    assert calibrator["n_samples"] > 100  # fitted on the tuned model's own extractions of 3 reports
    runs = _runs(tmp_path)
    assert len(runs) == 2
    tuned = runs.iloc[1]
    assert tuned["metrics.train_steps"] == 3.0  # stops on the step count
    assert tuned["metrics.annotated_records"] == 2.0
    assert tuned["params.init_from"] == "models:/nianbao-tagger@candidate"
    assert 0.0 <= tuned["metrics.eval.generated.cell_accuracy"] <= 1.0
    assert tuned["metrics.eval.generated.reports"] == 2.0
    assert tuned["metrics.eval.real.reports"] >= 10.0  # the real reports' gold, beside the generated set
    assert tuned["metrics.eval_before.generated.reports"] == 2.0  # the starting model on the same set
    assert tuned["metrics.eval_before.generated.cell_accuracy"] == runs.iloc[0]["metrics.eval.generated.cell_accuracy"]
    from mlflow import MlflowClient

    version = MlflowClient().get_model_version_by_alias("nianbao-tagger", "candidate")
    assert str(version.version) == "2" and version.run_id == tuned["run_id"]


def test_fine_tune_from_a_missing_model_is_a_clear_error(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tiny.toml").write_text(FIXED + TINY_TOML, "utf-8")
    result = CliRunner().invoke(app, ["train", "-c", "tiny.toml", "--init-from", "nowhere", "--no-mlflow"])
    assert result.exit_code == 2
    assert "The model to fine-tune (nowhere) is not a tagger directory" in result.output
    assert "Traceback" not in result.output
