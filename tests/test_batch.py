"""Batch extraction: resumable output, a real kill mid-run, bad inputs, the CLI and the Ray engine."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nianbao.cli import app
from nianbao.evaluation.bench.batch import write_generated
from nianbao.extraction.batch import run as batch
from nianbao.extraction.batch.outputs import MANIFEST, output_names
from nianbao.extraction.batch.run import LEDGER, run_batch
from nianbao.extraction.pipeline import Extractor

MODEL = "rules"  # the batch machinery is under test here; the rules keep workers quick to start
# Styles whose extraction takes ~40 ms (the sparse "lines"/"pipe" placement search can take 1 s):
# the style mix does not matter to batching, and the test must stay well under a minute.
QUICK = ("pdf", "tab", "markdown", "html_text", "lines_nbsp", "ocr")
BINARY = bytes(range(256)) * 8


def _outputs(out: Path) -> dict[str, str]:
    return {p.name: p.read_text("utf-8") for p in sorted(out.glob("*.json"))}


def _assert_same(got: dict[str, str], expected: dict[str, str]) -> None:
    assert sorted(got) == sorted(expected)
    differ = [name for name in expected if got[name] != expected[name]]
    assert not differ, f"{len(differ)} outputs differ, e.g. {differ[:3]}"


def _bad_inputs(folder: Path) -> list[Path]:
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(BINARY)
    return [folder / "empty.txt", folder / "binary.txt"]


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("reports")
    write_generated(folder, 150, seed=606, styles=QUICK)
    _bad_inputs(folder)
    return folder


def _nianbao(*args: str) -> list[str]:
    return [sys.executable, "-m", "nianbao.cli", "extract", *args]


def _clean_run(reports: Path, out: Path) -> dict[str, str]:
    """The outputs of one uninterrupted run (a subprocess, like the runs it is compared with)."""
    run = subprocess.run(
        _nianbao(str(reports), "-o", str(out), "-w", "1", "--model", MODEL, "-q"), capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    return _outputs(out)


@pytest.mark.slow
def test_killed_run_resumes_with_every_report_exactly_once(reports: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    command = _nianbao(str(reports), "-o", str(out), "--workers", "2", "--model", MODEL, "--quiet")
    proc = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(list(out.glob("*.json"))) < 20 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)  # the whole group: the parent and its workers
    proc.wait()
    done_at_kill = len(list(out.glob("*.json")))
    assert proc.returncode == -signal.SIGKILL
    assert 20 <= done_at_kill < 152, f"the kill must land mid-run ({done_at_kill} outputs at the kill)"

    rerun = subprocess.run(command + ["--format", "jsonl"], capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr

    clean = _clean_run(reports, tmp_path / "clean")  # after the resume: same code, if others edit the tree
    assert len(clean) == 152
    _assert_same(_outputs(out), clean)  # every report once, byte-identical to an uninterrupted run
    assert not list(out.glob(".tmp-*"))
    manifest = [json.loads(line) for line in (out / MANIFEST).read_text("utf-8").splitlines()]
    assert [Path(r["input"]).name for r in manifest] == sorted(p.name for p in reports.glob("*.txt"))
    assert sorted(r["output"] for r in manifest) == sorted(clean)
    cells = [json.loads(line) for line in (out / "tables" / "cells.jsonl").read_text("utf-8").splitlines()]
    per_report = {name: len(json.loads(text)["cells"]) for name, text in clean.items()}
    counted: dict[str, int] = {}
    for row in cells:
        counted[row["report"] + ".json"] = counted.get(row["report"] + ".json", 0) + 1
    assert counted == {name: n for name, n in per_report.items() if n}

    again = run_batch(sorted(reports.glob("*.txt")), out, workers=2, model=MODEL, quiet=True)
    assert again.extracted == 0 and again.skipped == 152  # nothing left to do


def test_bad_inputs_yield_error_documents_and_exit_status(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    bad = _bad_inputs(folder)
    runner = CliRunner()
    only_bad = runner.invoke(app, ["extract", *map(str, bad), "-o", str(tmp_path / "o1"), "--model", MODEL, "-q"])
    assert only_bad.exit_code == 1  # every input failed
    docs = [json.loads((tmp_path / "o1" / f"{p.stem}.json").read_text("utf-8")) for p in bad]
    assert all(doc["errors"] and not doc["cells"] for doc in docs)

    good = write_generated(folder, 2, seed=3)
    mixed = runner.invoke(
        app, ["extract", str(folder), "-o", str(tmp_path / "o2"), "--model", MODEL, "--summary", "-w", "2"]
    )
    assert mixed.exit_code == 0, mixed.output
    assert len([line for line in mixed.stdout.splitlines() if line.startswith(("gen-", "empty", "binary"))]) == 4
    assert "2 with errors (2 unreadable" in mixed.stderr
    assert {p.name for p in (tmp_path / "o2").glob("*.json")} == {f"{p.stem}.json" for p in [*bad, *good]}

    rerun = runner.invoke(app, ["extract", str(folder), "-o", str(tmp_path / "o2"), "--model", MODEL, "--summary"])
    assert rerun.exit_code == 0 and "0 extracted now, 4 already done" in rerun.stderr
    assert len([line for line in rerun.stdout.splitlines() if line.strip()]) == 4  # skipped ones still listed


def test_changed_input_is_extracted_again_and_stems_collide_safely(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    paths = write_generated(a, 2, seed=1) + write_generated(b, 1, seed=1)
    names = output_names(paths)
    assert len(set(names)) == 3 and names[1] == paths[1].stem  # only the shared stem gets a hash
    out = tmp_path / "out"
    assert run_batch(paths, out, workers=1, model=MODEL, quiet=True).extracted == 3
    paths[1].write_text(paths[1].read_text("utf-8").replace("总体情况", "总体情况 ", 1), "utf-8")
    (out / LEDGER).write_text((out / LEDGER).read_text("utf-8") + '{"output": "torn by a kill', "utf-8")
    again = run_batch(paths, out, workers=1, model=MODEL, quiet=True)
    assert (again.extracted, again.skipped) == (1, 2)
    assert json.loads((out / f"{names[1]}.json").read_text("utf-8"))["source"]["sha256"] == again.records[1]["sha256"]
    assert batch._read_ledger(out)[0][f"{names[1]}.json"]["sha256"] == again.records[1]["sha256"]  # after the torn line
    lines = (out / LEDGER).read_text("utf-8").splitlines()  # killed between an output and its ledger line:
    (out / LEDGER).write_text("\n".join(line for line in lines if names[2] not in line) + "\n", "utf-8")
    assert run_batch(paths, out, workers=1, model=MODEL, quiet=True).skipped == 3  # the output itself is trusted
    os.utime(out / f"{names[0]}.json", (1e9, 1e9))  # an older output with no ledger line (another version?)
    lines = (out / LEDGER).read_text("utf-8").splitlines()
    (out / LEDGER).write_text("\n".join(line for line in lines if f'"{names[0]}.json"' not in line) + "\n", "utf-8")
    assert run_batch(paths, out, workers=1, model=MODEL, quiet=True).extracted == 1
    monkeypatch.setattr(batch, "extractor_id", lambda model: "another version or model")
    assert run_batch(paths, out, workers=1, model=MODEL, quiet=True).extracted == 3  # never mix extractors


def test_local_engine_without_output_dir_prints_json(tmp_path: Path) -> None:
    path = write_generated(tmp_path, 1, seed=5)[0]
    result = CliRunner().invoke(app, ["extract", str(path), "--model", MODEL])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == Extractor(MODEL)(path)


def test_ray_extractor_class_builds_once_and_maps_a_batch(tmp_path: Path) -> None:
    np = pytest.importorskip("numpy")
    from nianbao.extraction.batch.ray_engine import RayExtractor

    paths = write_generated(tmp_path, 2, seed=9)
    actor = RayExtractor(MODEL)
    batch = {
        "index": np.array([0, 1]),
        "path": np.array([str(p) for p in paths], dtype=object),
        "name": np.array([p.stem for p in paths], dtype=object),
    }
    mapped = actor(batch)
    assert [json.loads(doc) for doc in mapped["doc"]] == [actor.extractor(p) for p in paths]


@pytest.mark.slow
def test_ray_engine_output_is_identical_to_local(tmp_path: Path) -> None:
    ray = pytest.importorskip("ray")
    folder = tmp_path / "in"
    paths = write_generated(folder, 16, seed=77, styles=QUICK) + _bad_inputs(folder)
    local = run_batch(paths, tmp_path / "local", workers=1, model=MODEL, quiet=True)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        on_ray = run_batch(paths, tmp_path / "ray", engine="ray", model=MODEL, quiet=True)
    finally:
        ray.shutdown()
    assert on_ray.extracted == local.extracted == 18
    _assert_same(_outputs(tmp_path / "ray"), _outputs(tmp_path / "local"))
    assert (tmp_path / "ray" / MANIFEST).read_text("utf-8") == (tmp_path / "local" / MANIFEST).read_text("utf-8")
