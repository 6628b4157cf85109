"""MLflow tracking for training and evaluation runs: SQLite store, registry aliases.

The tracking URI defaults to ``sqlite:///<cwd>/mlflow.db`` (the file store refuses to start in
mlflow 3.x) with artefacts under ``<cwd>/mlartifacts``. A model is logged as plain files
(safetensors + JSON) and registered by URI; loading downloads those files and reads them with
``Tagger.load``, so nothing from an artefact store is ever unpickled.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

MODEL_NAME = "nianbao-tagger"
EXPERIMENT = "nianbao"


def tracking_uri(uri: str | None = None) -> str:
    return uri or os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{Path.cwd() / 'mlflow.db'}"


def _setup(uri: str | None):
    os.environ.setdefault("MLFLOW_SKIP_PIP_REQUIREMENTS_CHECK", "true")
    import mlflow

    resolved = tracking_uri(uri)
    mlflow.set_tracking_uri(resolved)
    if mlflow.get_experiment_by_name(EXPERIMENT) is None:
        artifacts = Path(resolved.removeprefix("sqlite:///")).parent / "mlartifacts"
        mlflow.create_experiment(EXPERIMENT, artifact_location=artifacts.resolve().as_uri())
    mlflow.set_experiment(EXPERIMENT)
    return mlflow


def log_training(model_dir: Path, params: dict, metrics: dict, config_text: str, uri: str | None = None,
                 alias: str = "candidate") -> str:  # fmt: skip
    """Log a training run and register its model under ``MODEL_NAME@alias``; returns the model URI."""
    mlflow = _setup(uri)
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
    mlflow = _setup(uri)
    with mlflow.start_run(run_name="evaluate") as run:
        mlflow.log_params(params or {})
        mlflow.log_metrics({k: float(v) for k, v in metrics.items() if isinstance(v, int | float) and v == v})
        mlflow.log_text(json.dumps(metrics, ensure_ascii=False, indent=1), "metrics.json")
        for path in files:
            mlflow.log_artifact(str(path))
    return run.info.run_id


def resolve_model(reference: str, uri: str | None = None) -> Path:
    """A model directory for a path or an mlflow URI (``models:/name@alias``, ``runs:/…``)."""
    if "://" not in reference and not reference.startswith(("models:", "runs:")):
        return Path(reference)
    mlflow = _setup(uri)
    from mlflow import MlflowClient

    if reference.startswith("models:/") and "@" in reference:
        name, alias = reference.removeprefix("models:/").split("@", 1)
        source = MlflowClient().get_model_version_by_alias(name, alias).source
    else:
        source = reference
    target = Path(tempfile.mkdtemp(prefix="nianbao-model-"))
    return Path(mlflow.artifacts.download_artifacts(artifact_uri=source, dst_path=str(target)))
