"""MLflow tracking for training and evaluation runs: logged runs, registry aliases.

The store and the lookup of a registered model are the runtime's (``nianbao.models.registry``).
"""

from __future__ import annotations

import json
from pathlib import Path

from nianbao.models.registry import MODEL_NAME, setup
from nianbao.models.registry import resolve_model as resolve_model  # training's callers


def log_training(
    model_dir: Path, params: dict, metrics: dict, config_text: str, uri: str | None = None, alias: str = "candidate"
) -> str:
    """Log a training run and register its model under ``MODEL_NAME@alias``; returns the model URI."""
    mlflow = setup(uri)
    from mlflow import MlflowClient

    with mlflow.start_run(run_name="train") as run:
        mlflow.log_params(params)
        mlflow.log_metrics(metrics)
        mlflow.log_text(config_text, "config.toml")
        mlflow.log_artifacts(str(model_dir), artifact_path="tagger")
    client = MlflowClient()
    try:
        client.create_registered_model(MODEL_NAME)
    except Exception:  # noqa: BLE001 - it exists already
        pass
    version = client.create_model_version(MODEL_NAME, f"{run.info.artifact_uri}/tagger", run_id=run.info.run_id)
    client.set_registered_model_alias(MODEL_NAME, alias, version.version)
    return f"models:/{MODEL_NAME}@{alias}"


def log_evaluation(metrics: dict, files: list[Path], uri: str | None = None, params: dict | None = None) -> str:
    """Log an evaluation run (flat metrics, the report and plots as artefacts); returns the run id."""
    mlflow = setup(uri)
    with mlflow.start_run(run_name="evaluate") as run:
        mlflow.log_params(params or {})
        mlflow.log_metrics({k: float(v) for k, v in metrics.items() if isinstance(v, int | float) and v == v})
        mlflow.log_text(json.dumps(metrics, ensure_ascii=False, indent=1), "metrics.json")
        for path in files:
            mlflow.log_artifact(str(path))
    return run.info.run_id
