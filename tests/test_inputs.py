"""Reading is bounded before it starts: regular files only, the size checked with stat, a
bounded read, symbolic-link loops named. Real FIFOs, sockets, devices and sparse files."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from nianbao import extract
from nianbao.errors import MESSAGES, ReadError
from nianbao.extraction.inputs.files import read_input
from nianbao.extraction.inputs.render import MAX_INPUT_BYTES
from nianbao.extraction.text.locator import RuleLocator

from .conftest import SHARED

RULES = RuleLocator()
SEED = SHARED / "seeds" / "000_c304030f2df1b677.txt"


def _refusal(path: Path | str) -> ReadError:
    with pytest.raises(ReadError) as caught:
        read_input(path)
    return caught.value


def test_a_regular_report_is_read_whole() -> None:
    assert read_input(SEED) == SEED.read_bytes()


def test_a_fifo_without_a_writer_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "report.txt"
    os.mkfifo(fifo)
    error = _refusal(fifo)
    assert error.code == "not_regular" and "named pipe" in error.sentence
    doc = extract(fifo, locator=RULES)
    assert doc["errors"] == [error.sentence] and doc["cells"] == []


def test_devices_directories_and_sockets_are_refused(tmp_path: Path) -> None:
    assert "character device" in _refusal("/dev/zero").sentence
    assert _refusal("/dev/null").code == "not_regular"
    assert "directory" in _refusal(tmp_path).sentence
    path = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(path))
        assert "socket" in _refusal(path).sentence


def test_a_sparse_file_over_the_cap_is_refused_by_its_size(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with open(path, "wb") as handle:
        handle.truncate(3 * 2**30)  # 3 GB of holes: nothing is read to refuse it
    error = _refusal(path)
    assert error.code == "too_large" and "3,072.0 MB" in error.sentence
    path.write_bytes(b"x" * (MAX_INPUT_BYTES + 1))
    assert _refusal(path).code == "too_large"


def test_a_file_whose_size_lies_is_read_only_up_to_the_cap(tmp_path: Path) -> None:
    """/proc files report size 0: the read itself is bounded."""
    error = _refusal_with_limit(Path("/proc/self/maps"), 16)
    assert error.code == "too_large" and "grew past" in error.sentence
    assert read_input("/proc/self/maps")  # under the default cap it is read


def _refusal_with_limit(path: Path, limit: int) -> ReadError:
    with pytest.raises(ReadError) as caught:
        read_input(path, limit=limit)
    return caught.value


def test_symlink_loops_and_broken_links_get_sentences(tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.symlink_to(b)
    b.symlink_to(a)
    assert _refusal(a).sentence.startswith(MESSAGES["symlink_loop"])
    broken = tmp_path / "gone.txt"
    broken.symlink_to(tmp_path / "nowhere.txt")
    assert _refusal(broken).code == "not_found"
    link = tmp_path / "ok.txt"
    link.symlink_to(SEED)
    assert read_input(link) == SEED.read_bytes()


def _cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "nianbao.cli", "extract", *args, "--model", "rules"]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout)


def test_cli_batch_over_a_fifo_dev_zero_and_a_loop_finishes_with_sentences(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    loop = tmp_path / "loop.txt"
    loop.symlink_to(loop)
    out = tmp_path / "out"
    run = _cli(str(fifo), "/dev/zero", str(loop), str(SEED), "-o", str(out), "-w", "1", "-q")
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    docs = {p.name: p.read_text("utf-8") for p in out.glob("*.json")}
    assert len(docs) == 4, sorted(docs)
    assert "named pipe" in docs["pipe.json"] and "character device" in docs["zero.json"]
    assert "symbolic links" in docs["loop.json"] and '"cells": []' not in docs[SEED.stem + ".json"]


def test_cli_on_dev_zero_alone_prints_a_sentence_and_fails() -> None:
    run = _cli("/dev/zero")
    assert run.returncode == 1 and "character device" in run.stdout and "Traceback" not in run.stderr
