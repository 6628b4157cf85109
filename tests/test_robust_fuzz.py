"""The atheris fuzz target runs for a bounded time (``NIANBAO_FUZZ_SECONDS``, 20 s by default).

A crash (an exception escaping ``extract_bytes`` or a broken contract invariant) or a single
input taking over 10 s fails the test; libFuzzer's report and the crashing input are shown.
The seed corpus feeds every container (HTML, DOCX, PDF) and inputs up to a few MB.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nianbao.training.generator.generate import generate

FUZZ_TARGET = Path(__file__).parent / "fuzz" / "fuzz_extract.py"
SECONDS = int(os.environ.get("NIANBAO_FUZZ_SECONDS", "20"))


@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("atheris") is None,
    reason="atheris is not installed (it ships wheels for CPython <= 3.11 on x86_64 only)",
)
def test_fuzz_target_runs_without_crashing(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    reports = [r["text"].encode("utf-8") for r in generate(4, seed=13)]
    for i, text in enumerate(reports):
        (corpus / f"text{i}").write_bytes(b"\x00" + text)  # name byte 0: report.txt
        (corpus / f"html{i}").write_bytes(b"\x07" + text)  # report.html, wrapped in a page
        (corpus / f"table{i}").write_bytes(b"\x0d" + text)  # report.html, lines as cells
        (corpus / f"docx{i}").write_bytes(bytes([2 + 6 * 4]) + text)  # report.docx, lines as paragraphs
        (corpus / f"pdf{i}").write_bytes(bytes([3 + 6 * 6]) + text)  # report.pdf, lines printed
    big = b"\n".join(reports) * 200  # a few MB: over the text cap
    (corpus / "big-text").write_bytes(b"\x00" + big[: 3 * 2**20])
    (corpus / "big-docx").write_bytes(bytes([2 + 6 * 4]) + big[: 2 * 2**20])
    command = [
        sys.executable,
        str(FUZZ_TARGET),
        f"-max_total_time={SECONDS}",
        "-timeout=10",
        "-rss_limit_mb=4096",
        f"-max_len={4 * 2**20}",
        f"-artifact_prefix={tmp_path}/",
        str(corpus),
    ]
    env = dict(os.environ, PYTHONHASHSEED="0")
    result = subprocess.run(command, capture_output=True, text=True, timeout=SECONDS + 120, env=env, cwd=tmp_path)
    report = (result.stdout + result.stderr)[-6000:]
    assert result.returncode == 0, report
    assert "Done" in report, report
