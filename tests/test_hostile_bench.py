"""``nianbao bench --hostile`` builds hostile inputs, runs each in its own process and counts
crashes and hangs: a reduced run (rules, smaller bombs) over the file and HTTP cases."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nianbao.cli import app
from nianbao.evaluation.bench.hostile import classify_file, run_child, run_hostile

CASES = [
    "docx-empty-paragraphs-240mb",
    "docx-huge-runs-200mb",
    "docx-lying-zip-size",
    "docx-60k-entries",
    "docx-entity-bomb",
    "html-100k-deep",
    "dev-zero",
    "fifo",
    "sparse-3gb",
    "symlink-loop",
    "text-broken-utf8",
    "service-json-100k-deep",
    "service-lone-surrogate",
    "review-malformed-cookie",
    "review-limit-minus-1",
]


@pytest.mark.slow
def test_the_hostile_benchmark_finds_no_crash_and_no_hang() -> None:
    lines: list[str] = []
    results = run_hostile(CASES, model="rules", scale=0.2, timeout=180, echo=lines.append)
    outcomes = {r.name: r.outcome for r in results}
    assert sorted(outcomes) == sorted(CASES)
    assert outcomes["text-broken-utf8"] == "read"  # damaged bytes noted, cells still extracted
    assert {k: v for k, v in outcomes.items() if k != "text-broken-utf8"} == dict.fromkeys(
        set(CASES) - {"text-broken-utf8"}, "error"
    )
    assert all(r.peak_mb > 0 for r in results)
    assert (
        f"inputs tried: {len(CASES)}; clear errors: {len(CASES) - 1}; read with cells: 1; crashes: 0; hangs: 0" in lines
    )
    assert any(line.startswith("peak RSS per report: max ") for line in lines)


def test_a_hang_and_a_crash_are_counted_not_suffered(tmp_path: Path) -> None:
    how, _, seconds, _, _, _ = run_child([sys.executable, "-c", "import time; time.sleep(60)"], 1.0, 4096, tmp_path)
    assert how == "hang" and seconds < 30
    how, code, _, _, out, err = run_child([sys.executable, "-c", "raise SystemExit(boom)"], 30, 4096, tmp_path)
    assert classify_file(how, code, out, err)[0] == "crash"
    grow = "import time; x = b'x' * (300 * 2**20); time.sleep(60)"
    how, code, _, peak, out, err = run_child([sys.executable, "-c", grow], 120, 100, tmp_path)
    assert how == "memory" and classify_file(how, code, out, err) == ("crash", "killed over the memory ceiling")
    assert peak > 100


def test_bench_hostile_is_on_the_command_line() -> None:
    result = CliRunner().invoke(app, ["bench", "--hostile", "--only", "fifo", "--only", "dev-zero", "--model", "rules"])
    assert result.exit_code == 0, result.output
    assert "inputs tried: 2; clear errors: 2; read with cells: 0; crashes: 0; hangs: 0" in result.output
