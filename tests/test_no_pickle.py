"""Model files are loaded only from safetensors and JSON: nothing in the repository unpickles.

A model directory or an mlflow artefact is a file a user could have swapped, and unpickling
one runs arbitrary code. This test parses every Python source of the repository (``*.py``
and the code cells of ``*.ipynb``, the virtualenv and caches excluded) with ``ast``, resolves
import aliases (``import pickle as p``, ``from joblib import load``, ``from mlflow import
pyfunc``) and fails on:

- a call of an unpickling loader: ``pickle``/``_pickle``/``cPickle``/``dill``/``cloudpickle``
  ``load``/``loads``/``Unpickler``, ``joblib.load``, ``torch.load`` (even with
  ``weights_only``: the rule is safetensors or JSON), ``torch.jit.load``,
  ``pandas.read_pickle``, ``shelve.open``, ``numpy.load(..., allow_pickle=True)``;
- any mlflow model loader: ``mlflow.pyfunc.load_model``, ``mlflow.pyfunc.load_pyfunc`` and
  every ``mlflow.<flavour>.load_model`` (pyfunc models are cloudpickled);
- ``from_pretrained(...)`` without ``use_safetensors=True``: transformers otherwise falls back
  to a pickled ``pytorch_model.bin`` when a directory holds no safetensors file.

There is no allow-list: code that needs an exception must argue for it here, in ``ALLOWED``
(path → reason), in review.
"""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SKIP_DIRS = {
    ".venv",
    "venv",
    ".git",
    "build",
    "dist",
    "node_modules",
    "__pycache__",
    ".ruff_cache",
    ".pytest_cache",
    "mlruns",
    "out",
    ".hypothesis",
    ".benchmarks",
}
UNPICKLERS = {
    f"{module}.{name}"
    for module in ("pickle", "_pickle", "cPickle", "dill", "cloudpickle")
    for name in ("load", "loads", "Unpickler")
} | {
    "joblib.load",
    "torch.load",
    "torch.jit.load",
    "pandas.read_pickle",
    "shelve.open",
    "sklearn.externals.joblib.load",
}
ALLOWED: dict[str, str] = {}


def _sources() -> list[tuple[Path, str]]:
    found: list[tuple[Path, str]] = []
    for directory, subdirs, files in os.walk(ROOT):
        subdirs[:] = sorted(d for d in subdirs if d not in SKIP_DIRS and not d.endswith(".egg-info"))
        for file in sorted(files):
            path = Path(directory) / file
            if path.suffix == ".py":
                found.append((path, path.read_text("utf-8", errors="replace")))
            elif path.suffix == ".ipynb":
                cells = json.loads(path.read_text("utf-8")).get("cells", [])
                code = "\n".join("".join(c.get("source", [])) for c in cells if c.get("cell_type") == "code")
                lines = [line for line in code.split("\n") if not line.lstrip().startswith(("%", "!"))]
                found.append((path, "\n".join(lines)))
    return found


def _aliases(tree: ast.AST) -> dict[str, str]:
    """Local name → dotted origin, from every import in the module."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    root = alias.name.split(".")[0]
                    names[root] = root
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _dotted(node: ast.AST, aliases: dict[str, str]) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(aliases.get(node.id, node.id))
    return ".".join(reversed(parts))


def _keyword_true(call: ast.Call, name: str) -> bool:
    return any(k.arg == name and isinstance(k.value, ast.Constant) and k.value.value is True for k in call.keywords)


def problems_in(source: str, label: str) -> list[str]:
    """Every unsafe model-loading call in one source text, one line each."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    aliases = _aliases(tree)
    found: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func, aliases) or ""
        where = f"{label}:{node.lineno}"
        if name in UNPICKLERS:
            found.append(f"{where}: {name} unpickles")
        elif name.startswith("mlflow.") and name.rsplit(".", 1)[-1] in ("load_model", "load_pyfunc"):
            found.append(f"{where}: {name} loads a (cloud)pickled mlflow model")
        elif name == "numpy.load" and _keyword_true(node, "allow_pickle"):
            found.append(f"{where}: numpy.load(allow_pickle=True) unpickles")
        elif name.endswith("from_pretrained") and not _keyword_true(node, "use_safetensors"):
            found.append(f"{where}: {name} without use_safetensors=True may fall back to pytorch_model.bin (pickle)")
    return found


def test_scanner_catches_every_unsafe_loader() -> None:
    unsafe = """
import pickle as p, joblib, torch
import numpy as np
from mlflow import pyfunc
import mlflow.sklearn
from dill import loads
from transformers import AutoModel
p.load(open("m.pkl", "rb"))
joblib.load(path)
torch.load(path, weights_only=True)
pyfunc.load_model("models:/x@champion")
mlflow.sklearn.load_model(uri)
loads(blob)
np.load(path, allow_pickle=True)
AutoModel.from_pretrained(model_dir)
"""
    assert len(problems_in(unsafe, "sample")) == 8
    safe = """
import json, numpy as np
from safetensors.torch import load_file
from transformers import AutoModel
load_file("model.safetensors"); json.load(open("vocab.json")); np.load("a.npy")
AutoModel.from_pretrained(model_dir, use_safetensors=True, local_files_only=True)
"""
    assert problems_in(safe, "sample") == []


def test_repository_loads_models_only_from_safetensors_and_json() -> None:
    sources = _sources()
    assert any(path.name == "pipeline.py" for path, _ in sources)
    problems = [
        problem
        for path, text in sources
        if str(path.relative_to(ROOT)) not in ALLOWED and path != Path(__file__).resolve()
        for problem in problems_in(text, str(path.relative_to(ROOT)))
    ]
    assert problems == [], "\n".join(problems)
