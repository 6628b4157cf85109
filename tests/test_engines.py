"""Engines under budgets and a batch whose output goes away: real reports, real processes.

A report over its time or memory budget is stopped, its worker replaced, and its document
says why; the other reports go on. The HTTP service answers other requests while one runs
over its budget. A batch whose output directory is removed mid-run stops with a sentence
and a non-zero exit; the manifest lists only files that exist; a resolved name clash leaves
no stale duplicate, and ``series`` reads the manifest.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from nianbao.cli import app
from nianbao.errors import message
from nianbao.evaluation.bench.batch import write_generated
from nianbao.extraction.batch.outputs import MANIFEST, output_names
from nianbao.extraction.batch.run import OutputError, run_batch
from nianbao.extraction.batch.workers import Budget
from nianbao.extraction.exports.series import load_reports

MODEL = "rules"
SEED = "000_c304030f2df1b677.txt"
QUICK = ("pdf", "tab", "markdown", "html_text", "lines_nbsp", "ocr")


@pytest.fixture(scope="module")
def big_report(tmp_path_factory: pytest.TempPathFactory, shared: Path) -> Path:
    """A real report with its text repeated 60 times (~190k characters, ~1 s of work)."""
    path = tmp_path_factory.mktemp("big") / "big.txt"
    path.write_text((shared / "seeds" / SEED).read_text("utf-8") * 60, "utf-8")
    return path


def _manifest(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / MANIFEST).read_text("utf-8").splitlines()]


def test_time_budget_stops_one_report_and_the_batch_goes_on(tmp_path: Path, big_report: Path) -> None:
    small = write_generated(tmp_path / "in", 3, seed=4, styles=QUICK)
    out = tmp_path / "out"
    args = ["extract", str(big_report), *map(str, small), "-o", str(out), "--model", MODEL, "-w", "2", "-q"]
    result = CliRunner().invoke(app, [*args, "--time-budget", "0.02"])
    big = json.loads((out / "big.json").read_text("utf-8"))
    assert big["errors"] == [message("over_time", "0.02 s")] and not big["cells"]
    assert big["source"]["name"] == "big.txt"
    assert [r["output"] for r in _manifest(out)] == ["big.json", *(f"{p.stem}.json" for p in small)]
    assert result.exit_code in (0, 1) and "Traceback" not in result.output

    again = CliRunner().invoke(app, ["extract", str(big_report), "--model", MODEL])  # default budget: 60 s
    assert again.exit_code == 0
    assert json.loads(again.stdout)["errors"] == [] and len(json.loads(again.stdout)["cells"]) == 198


def test_memory_budget_stops_one_report(big_report: Path, shared: Path) -> None:
    # a fresh process (as a user runs it): the budget counts memory the worker maps after its fork
    seed = shared / "seeds" / SEED
    command = [
        sys.executable,
        "-m",
        "nianbao.cli",
        "extract",
        str(big_report),
        str(seed),
        "--model",
        MODEL,
        "--memory-budget",
        "1",
    ]
    run = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr  # not every input failed
    big, small = (json.loads(line) for line in run.stdout.splitlines())
    assert big["errors"] == [message("over_memory", "1 MB")] and not big["cells"]
    assert small["source"]["name"] == SEED  # the next report ran in a fresh worker


def _serve(application) -> tuple[str, object, threading.Thread]:
    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(application, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "uvicorn did not start"
    return f"http://127.0.0.1:{port}", server, thread


def _post(url: str, name: str, data: bytes) -> tuple[float, dict]:
    reply = httpx.post(f"{url}/extract?name={name}", content=data, headers={"content-type": "text/plain"}, timeout=120)
    assert reply.status_code == 200, reply.text
    return time.monotonic(), reply.json()


def test_service_stops_a_report_over_budget_and_keeps_serving(big_report: Path, shared: Path) -> None:
    from nianbao.extraction.service.app import create_app

    url, server, thread = _serve(create_app(max_bytes=8 * 2**20, model=MODEL, workers=2, budget=Budget(0.02)))
    try:
        _, big = _post(url, "big.txt", big_report.read_bytes())
        health = httpx.get(f"{url}/health", timeout=10).json()
    finally:
        server.should_exit = True
        thread.join(10)
    assert big["errors"] == [message("over_time", "0.02 s")] and big["source"]["name"] == "big.txt"
    assert health["status"] == "ok" and health["workers"] == 2


def test_service_answers_others_while_one_report_runs(big_report: Path, shared: Path) -> None:
    from nianbao.extraction.service.app import create_app

    url, server, thread = _serve(create_app(max_bytes=8 * 2**20, model=MODEL, workers=2))
    finished: dict[str, tuple[float, dict]] = {}
    slow = threading.Thread(target=lambda: finished.update(big=_post(url, "big.txt", big_report.read_bytes())))
    try:
        slow.start()
        time.sleep(0.05)
        finished["small"] = _post(url, SEED, (shared / "seeds" / SEED).read_bytes())
        slow.join(120)
    finally:
        server.should_exit = True
        thread.join(10)
    (small_at, small), (big_at, big) = finished["small"], finished["big"]
    assert small["errors"] == [] and len(small["cells"]) == 198
    assert big["errors"] == [] and len(big["cells"]) == 198
    assert small_at < big_at  # answered while the big report (~10x the work) was running, not behind it


def test_output_directory_removed_mid_run_stops_with_a_sentence(tmp_path: Path) -> None:
    reports = write_generated(tmp_path / "in", 60, seed=8, styles=QUICK)
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "nianbao.cli",
        "extract",
        str(tmp_path / "in"),
        "-o",
        str(out),
        "-w",
        "1",
        "--model",
        MODEL,
        "-q",
    ]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while len(list(out.glob("*.json"))) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    while out.exists() and proc.poll() is None:
        shutil.rmtree(out, ignore_errors=True)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode not in (0, None), stderr
    assert "the output directory was removed, is not writable or the disk is full" in stderr
    assert "Traceback" not in stderr and len(reports) == 60
    assert not out.exists() or all((out / r["output"]).is_file() for r in _manifest(out))


def test_manifest_lists_only_outputs_that_exist(tmp_path: Path) -> None:
    paths = write_generated(tmp_path / "in", 5, seed=9, styles=QUICK)
    out = tmp_path / "out"

    def delete_first(record: dict) -> None:
        if record["output"] == f"{paths[2].stem}.json":
            (out / f"{paths[0].stem}.json").unlink()

    with pytest.raises(OutputError, match="1 outputs are gone"):
        run_batch(paths, out, workers=1, model=MODEL, quiet=True, on_record=delete_first)
    listed = [r["output"] for r in _manifest(out)]
    assert listed == [f"{p.stem}.json" for p in paths[1:]]
    assert all((out / name).is_file() for name in listed)
    rerun = run_batch(paths, out, workers=1, model=MODEL, quiet=True)  # resumes: only the lost one
    assert (rerun.extracted, rerun.skipped) == (1, 4) and len(_manifest(out)) == 5


def test_name_clash_leaves_no_stale_duplicate_and_series_reads_the_manifest(tmp_path: Path, shared: Path) -> None:
    seed = (shared / "seeds" / SEED).read_bytes()
    first, second = tmp_path / "a" / "report.txt", tmp_path / "b" / "report.txt"
    for path in (first, second):
        path.parent.mkdir()
        path.write_bytes(seed)
    out = tmp_path / "out"
    run_batch([first], out, workers=1, model=MODEL, quiet=True)
    assert (out / "report.json").is_file()
    run_batch([first, second], out, workers=1, model=MODEL, quiet=True)
    names = output_names([first, second])
    assert sorted(p.name for p in out.glob("*.json")) == sorted(f"{n}.json" for n in names)  # report.json is gone
    (out / "copy.json").write_bytes((out / f"{names[0]}.json").read_bytes())  # a stray copy, not in the manifest
    reports, _ = load_reports(out, {})
    assert sorted(r.path.name for r in reports) == sorted(f"{n}.json" for n in names)


def test_line_numbers_from_precomputed_line_starts(shared: Path) -> None:
    from nianbao.extraction.text.normalize import NormText
    from nianbao.extraction.text.patterns import find_tokens, line_number, masked

    for name in sorted(p.name for p in (shared / "seeds").glob("*.txt")):
        nt = NormText((shared / "seeds" / name).read_text("utf-8"))
        tokens = find_tokens(nt, 0, len(nt.norm))
        assert tokens and all(t.line == masked(nt).count("\n", 0, t.start) for t in tokens), name
        assert line_number(nt, len(nt.norm)) == masked(nt).count("\n")


def test_jsonl_batch_is_one_file_with_the_same_documents(tmp_path: Path) -> None:
    paths = write_generated(tmp_path / "in", 6, seed=12, styles=QUICK)
    (tmp_path / "in" / "binary.txt").write_bytes(bytes(range(256)) * 8)
    files, out = tmp_path / "files", tmp_path / "jsonl"
    run_batch(sorted((tmp_path / "in").iterdir()), files, workers=2, model=MODEL, quiet=True)
    args = [
        "extract",
        str(tmp_path / "in"),
        "-o",
        str(out),
        "--jsonl",
        "-w",
        "2",
        "--model",
        MODEL,
        "--format",
        "jsonl",
        "-q",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert not list(out.glob("*.json")) and not list(out.glob(".tmp-*"))
    lines = (out / "documents.jsonl").read_bytes().splitlines()
    manifest = _manifest(out)
    assert len(lines) == len(manifest) == 7 and sorted(r["line"] for r in manifest) == list(range(1, 8))
    for record in manifest:  # each line byte-identical to the per-file output of the same input
        assert record["output"] == "documents.jsonl"
        assert lines[record["line"] - 1] == (files / f"{record['name']}.json").read_bytes()
    cells = (out / "tables" / "cells.jsonl").read_text("utf-8").splitlines()
    assert len(cells) == sum(len(json.loads(line)["cells"]) for line in lines) > 0
    assert len(load_reports(out, {})[0]) == len(load_reports(files, {})[0]) == 6
    no_out = CliRunner().invoke(app, ["extract", str(paths[0]), "--jsonl", "--model", MODEL])
    assert no_out.exit_code == 2 and "need an output directory" in no_out.output
