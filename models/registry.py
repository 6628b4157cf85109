"""The model registry: where a model reference (a folder or an mlflow URI) is found.

The tracking URI defaults to ``sqlite:///<cwd>/mlflow.db`` (the file store refuses to start in
mlflow 3.x) with artefacts under ``<cwd>/mlartifacts``. A model is logged as plain files
(safetensors + JSON) and registered by URI; loading downloads those files and reads them with
``Tagger.load``, so nothing from an artefact store is ever unpickled. Logging runs is training's
business (``nianbao.training.tracking``); finding a model is the runtime's, so it lives here.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

MODEL_NAME = "nianbao-tagger"
EXPERIMENT = "nianbao"


def tracking_uri(uri: str | None = None) -> str:
    """The mlflow tracking URI: the argument, ``MLFLOW_TRACKING_URI`` or ``./mlflow.db``."""
    return uri or os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{Path.cwd() / 'mlflow.db'}"


def setup(uri: str | None) -> Any:
    """The mlflow module, pointed at the tracking store and the nianbao experiment."""
    os.environ.setdefault("MLFLOW_SKIP_PIP_REQUIREMENTS_CHECK", "true")
    import mlflow

    resolved = tracking_uri(uri)
    mlflow.set_tracking_uri(resolved)
    if mlflow.get_experiment_by_name(EXPERIMENT) is None:
        artifacts = Path(resolved.removeprefix("sqlite:///")).parent / "mlartifacts"
        mlflow.create_experiment(EXPERIMENT, artifact_location=artifacts.resolve().as_uri())
    mlflow.set_experiment(EXPERIMENT)
    return mlflow


def resolve_model(reference: str, uri: str | None = None) -> Path:
    """A model directory for a path or an mlflow URI (``models:/name@alias``, ``runs:/…``)."""
    if "://" not in reference and not reference.startswith(("models:", "runs:")):
        return Path(reference)
    mlflow = setup(uri)
    from mlflow import MlflowClient

    if reference.startswith("models:/") and "@" in reference:
        name, alias = reference.removeprefix("models:/").split("@", 1)
        source = MlflowClient().get_model_version_by_alias(name, alias).source
    else:
        source = reference
    target = Path(tempfile.mkdtemp(prefix="nianbao-model-"))
    return Path(mlflow.artifacts.download_artifacts(artifact_uri=source, dst_path=str(target)))
