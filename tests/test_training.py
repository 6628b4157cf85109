"""`nianbao train`: generated + annotated data, mlflow SQLite tracking, registry alias, --model URI."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from nianbao.cli import app

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


def test_train_registers_and_extract_loads_by_uri(tmp_path, shared, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    (tmp_path / "tiny.toml").write_text(TINY_TOML, "utf-8")
    text = (shared / "seeds" / "002_0894b26ac3a47999.txt").read_text("utf-8")
    start = text.index("49801")
    correction = {"text": text, "spans": [{"start": start, "end": start + 5, "label": "VALUE", "text": "49801"}],
                  "cells": [], "meta": {"source": "review", "partial_labels": True}}  # fmt: skip
    (tmp_path / "corrections.jsonl").write_text(json.dumps(correction, ensure_ascii=False) + "\n", "utf-8")
    runner = CliRunner()
    result = runner.invoke(app, ["train", "-c", "tiny.toml", "-o", "model", "--annotated", "corrections.jsonl"])
    assert result.exit_code == 0, result.output
    assert "registered models:/nianbao-tagger@candidate" in result.output
    assert sorted(p.name for p in (tmp_path / "model").iterdir()) == ["config.json", "model.onnx", "model.safetensors", "tagger.json", "vocab.json"]
    from nianbao.extraction.pipeline import Extractor

    seed = shared / "seeds" / "000_c304030f2df1b677.txt"
    for model in ("model", "models:/nianbao-tagger@candidate"):
        extractor = Extractor(model)
        assert extractor.locator.name == "model"
        assert len(extractor(seed)["cells"]) == 198
