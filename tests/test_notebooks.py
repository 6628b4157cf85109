"""Every notebook in notebooks/ runs top to bottom in a fresh kernel of this venv.

The kernel is this interpreter (``sys.executable``), so it imports the checkout under test; it
runs offline (``HF_HUB_OFFLINE``) with a non-interactive matplotlib backend (Agg). A cell that
raises fails the test with the cell's traceback. Notebooks are stored without outputs.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
import pytest
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

pytestmark = pytest.mark.slow  # trains models or runs notebooks: CI (make test with CI=true) runs it

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def kernel_manager() -> AsyncKernelManager:
    """The ``python3`` kernel, launched with this venv's interpreter whatever kernelspecs exist."""
    km = AsyncKernelManager(kernel_name="python3")
    km.kernel_spec.argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    return km


def kernel_env() -> dict[str, str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "MPLBACKEND": "Agg"}
    env.pop("NIANBAO_MODEL", None)  # the notebooks evaluate the shipped default model
    return env


def test_there_are_notebooks() -> None:
    names = [path.name for path in NOTEBOOKS]
    assert any("error-analysis" in name for name in names) and any("batch-analysis" in name for name in names), names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_notebook_is_stored_without_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    stored = [
        i for i, cell in enumerate(nb.cells) if cell.cell_type == "code" and (cell.outputs or cell.execution_count)
    ]
    assert not stored, f"{path.name}: clear the outputs of cells {stored} before saving"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_notebook_runs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, km=kernel_manager(), timeout=600, startup_timeout=120, resources={"metadata": {"path": str(path.parent)}}
    )
    started = time.perf_counter()
    try:
        client.execute(env=kernel_env())
    except CellExecutionError as exc:
        pytest.fail(f"{path.name}: a cell raised\n{exc}", pytrace=False)
    print(f"{path.name}: {time.perf_counter() - started:.1f} s")
