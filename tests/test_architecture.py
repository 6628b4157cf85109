"""The layout's rules, read from the source: imports point one way, one error base, CLI in CLIs.

Pipeline stages (everything under ``extraction/`` that is not an application, and ``models/``)
never import training, evaluation, the applications or the CLI; only CLI modules import typer;
every exception class nianbao defines derives from ``NianbaoError``.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

from nianbao.errors import NianbaoError

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {
    "nianbao": "nianbao",
    "extraction": "nianbao.extraction",
    "models": "nianbao.models",
    "training": "nianbao.training",
    "evaluation": "nianbao.evaluation",
}

# The applications built on the pipeline (batch and engines, service, review, exports and series).
APPLICATIONS = tuple(f"nianbao.extraction.{name}" for name in ("batch", "service", "exports", "review"))
FORBIDDEN_IN_STAGES = ("nianbao.training", "nianbao.evaluation", "nianbao.cli", *APPLICATIONS)


def _modules() -> dict[str, Path]:
    found = {}
    for folder, package in PACKAGES.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            parts = parts[:-1] if parts[-1] == "__init__" else parts
            found[".".join((package, *parts))] = path
    return found


def _within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _imports(module: str, path: Path) -> set[str]:
    """Every module ``path`` imports (lazy imports inside functions too), absolute."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    [*package.split(".")[: len(package.split(".")) - node.level + 1], *filter(None, [base])]
                )
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


MODULES = _modules()
STAGES = sorted(
    m for m in MODULES if _within(m, ("nianbao.extraction", "nianbao.models")) and not _within(m, APPLICATIONS)
)


def test_the_layout_is_read() -> None:
    assert "nianbao.extraction.pipeline" in STAGES and "nianbao.models.calibrator" in STAGES
    assert "nianbao.extraction.review.app" in MODULES and "nianbao.extraction.review.app" not in STAGES


@pytest.mark.parametrize("module", STAGES)
def test_stages_import_no_training_evaluation_or_application(module: str) -> None:
    wrong = sorted(name for name in _imports(module, MODULES[module]) if _within(name, FORBIDDEN_IN_STAGES))
    assert not wrong, f"{module} (a pipeline stage) imports {wrong}"


def test_cli_wiring_only_in_cli_modules() -> None:
    wiring = sorted(
        m
        for m, path in MODULES.items()
        if path.name != "cli.py" and "typer" in {name.split(".")[0] for name in _imports(m, path)}
    )
    assert not wiring, f"these library modules register CLI commands: {wiring}"


def test_every_exception_derives_from_nianbao_error() -> None:
    defined = []
    for module, path in MODULES.items():
        source = path.read_text("utf-8")
        if "Error" not in source and "Exception" not in source and "Conflict" not in source:
            continue
        for _, obj in inspect.getmembers(importlib.import_module(module), inspect.isclass):
            if obj.__module__ == module and issubclass(obj, BaseException):
                defined.append(obj)
    assert len(defined) >= 10
    stray = [f"{c.__module__}.{c.__name__}" for c in defined if not issubclass(c, NianbaoError)]
    assert not stray, f"exceptions outside the NianbaoError hierarchy: {stray}"
