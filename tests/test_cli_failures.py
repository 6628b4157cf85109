"""The CLI turns disk and model-loading failures into a sentence and a non-zero exit, never a
traceback: a --model folder without weights, a read-only output directory (chattr +i as root,
chmod otherwise), a full disk (/dev/full on stdout, a file-size limit on -o)."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from .conftest import ROOT, SHARED

SEED = SHARED / "seeds" / "000_c304030f2df1b677.txt"


def _nianbao(*args: str, **kwargs) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "nianbao.cli", "extract", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, **kwargs)


def _assert_sentence(run: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert run.returncode != 0, run.stderr
    assert "Traceback" not in run.stderr and "Exception ignored" not in run.stderr, run.stderr[-2000:]
    for fragment in fragments:
        assert fragment in run.stderr, run.stderr[-2000:]


@pytest.fixture()
def no_weights(tmp_path: Path) -> Path:
    """The shipped model's folder without its weights (model.onnx, model.safetensors)."""
    folder = tmp_path / "model"
    shutil.copytree(ROOT / "models" / "default", folder, ignore=shutil.ignore_patterns("*.onnx", "*.safetensors"))
    return folder


@pytest.mark.slow
def test_a_model_folder_without_weights_is_a_sentence(no_weights: Path, tmp_path: Path) -> None:
    _assert_sentence(_nianbao(str(SEED), "--model", str(no_weights)), "could not be loaded", str(no_weights))
    out = tmp_path / "out"
    _assert_sentence(_nianbao(str(SEED), "-o", str(out), "--model", str(no_weights)), "could not be loaded")
    assert not list(out.glob("*.json")) if out.exists() else True


def test_a_missing_model_folder_is_a_sentence(tmp_path: Path) -> None:
    _assert_sentence(_nianbao(str(SEED), "--model", str(tmp_path / "nowhere")), "could not be loaded")


def test_a_full_disk_on_stdout_is_a_sentence() -> None:
    with open("/dev/full", "w") as full:
        run = subprocess.run(
            [sys.executable, "-m", "nianbao.cli", "extract", str(SEED), "--model", "rules"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=300,
        )
    run.stdout = ""
    _assert_sentence(run, "Cannot write to stdout", "No space left on device")


def _small_files() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))  # any output over 4 KB fails: EFBIG


def test_a_full_output_disk_is_a_sentence(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = _nianbao(str(SEED), "-o", str(out), "--model", "rules", "-w", "1", "-q", preexec_fn=_small_files)
    _assert_sentence(run, str(out), "File too large")


@contextmanager
def _read_only(folder: Path) -> Iterator[None]:
    if os.geteuid() != 0:
        folder.chmod(0o555)
    elif subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
        pytest.skip("running as root on a file system without chattr +i: no way to make a folder read-only")
    try:
        yield
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        folder.chmod(0o755)


def test_a_read_only_output_directory_is_a_sentence(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with _read_only(out):
        run = _nianbao(str(SEED), "-o", str(out), "--model", "rules", "-w", "1", "-q")
    _assert_sentence(run, str(out), "not writable")
    assert not list(out.iterdir())


@pytest.mark.slow
def test_serve_with_a_model_folder_without_weights_is_a_sentence(no_weights: Path) -> None:
    command = [sys.executable, "-m", "nianbao.cli", "serve", "--model", str(no_weights), "--port", "0"]
    run = subprocess.run(command, capture_output=True, text=True, timeout=300)
    _assert_sentence(run, "could not be loaded", str(no_weights))
