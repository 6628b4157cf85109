"""Hostile-input benchmark (``nianbao bench --hostile``): nothing a file or a request can do
should crash, hang or exhaust a worker.

Builds the inputs of :mod:`nianbao.evaluation.bench.hostile_inputs` (zip bombs and lying sizes in
DOCX, a PDF flate bomb, ``/dev/zero``, a named pipe, a 3 GB sparse file, a symlink loop, deep
HTML, damaged bytes, a 1,000-digit crawled row, …) and hostile HTTP requests (JSON nested
100k deep, lone surrogates, malformed cookies and tokens, a non-ASCII CSRF field,
``limit=1e20``/``-1``). Each runs in its own subprocess (``nianbao extract FILE`` for files)
under a timeout, so a hang is counted, not suffered; the child's peak RSS comes from
``wait4``, and a watchdog kills a child past ``kill_mb`` so the benchmark cannot take the
machine down. Outcomes: ``error`` (a clear errors sentence, or a 4xx), ``read`` (a document
with cells), ``crash`` (a traceback, a signal, a 5xx, or an empty result without a sentence),
``hang`` (killed at the timeout).
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from nianbao.evaluation.bench.hostile_inputs import FILES

RSS_TARGET_MB = 1536


@dataclass(frozen=True)
class Outcome:
    name: str
    outcome: str  # error, read, crash, hang
    seconds: float
    peak_mb: float
    detail: str


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as handle:
            line = next((x for x in handle if x.startswith("VmRSS:")), "VmRSS: 0 kB")
        return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        return 0.0


def run_child(
    command: list[str], timeout: float, kill_mb: float, workdir: Path
) -> tuple[str, int | None, float, float, str, str]:
    """Run a command: (how it ended: exit/signal/hang/memory, exit code, seconds, peak MB, stdout, stderr)."""
    out, err = workdir / "stdout", workdir / "stderr"
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        child = os.posix_spawn(
            command[0],
            command,
            dict(os.environ),
            file_actions=[(os.POSIX_SPAWN_DUP2, stdout.fileno(), 1), (os.POSIX_SPAWN_DUP2, stderr.fileno(), 2)],
        )
    start, how, code, usage = time.monotonic(), "exit", None, None
    while usage is None:
        pid, status, rusage = os.wait4(child, os.WNOHANG)
        if pid:
            usage = rusage
            code = os.waitstatus_to_exitcode(status)
            how = how if how != "exit" else ("signal" if code < 0 else "exit")
            break
        if how == "exit" and time.monotonic() - start > timeout:
            how = "hang"
            os.kill(child, signal.SIGKILL)
        elif how == "exit" and _rss_mb(child) > kill_mb:
            how = "memory"
            os.kill(child, signal.SIGKILL)
        time.sleep(0.05)
    seconds = time.monotonic() - start
    return (
        how,
        code,
        seconds,
        usage.ru_maxrss / 1024,
        out.read_text("utf-8", "replace"),
        err.read_text("utf-8", "replace"),
    )


def classify_file(how: str, code: int | None, stdout: str, stderr: str) -> tuple[str, str]:
    """(outcome, detail) of ``nianbao extract FILE`` as the child ended."""
    if how == "hang":
        return "hang", "killed at the timeout"
    if how == "memory":
        return "crash", "killed over the memory ceiling"
    if how == "signal" or "Traceback" in stderr:
        return "crash", (stderr.strip().splitlines() or [f"signal {code}"])[-1][:160]
    try:
        doc = json.loads(stdout)
    except ValueError:
        return "crash", f"exit {code}, no JSON document: {stderr.strip()[-160:]}"
    if doc.get("cells") and any(c.get("state") == "number" for c in doc["cells"]):
        note = f"; errors: {doc['errors'][0][:100]}" if doc.get("errors") else ""
        return "read", f"{sum(c['state'] == 'number' for c in doc['cells'])} numbers{note}"
    if doc.get("errors"):
        return "error", doc["errors"][0][:160]
    return "crash", "an empty result without a sentence"


def classify_http(how: str, code: int | None, stdout: str, stderr: str) -> tuple[str, str]:
    """(outcome, detail) of an HTTP case: the child prints the status and the detail."""
    if how in ("hang", "memory", "signal") or "Traceback" in stderr or not stdout.strip():
        return classify_file(how, code, "", stderr or "no answer")
    status, _, detail = stdout.strip().partition(" ")
    if status.startswith("4"):
        return "error", f"{status} {detail[:150]}"
    return ("read" if status.startswith("2") else "crash"), f"{status} {detail[:150]}"


def _file_case(
    name: str,
    build: Callable[[Path, float], Path],
    folder: Path,
    scale: float,
    model: str,
    timeout: float,
    kill_mb: float,
) -> Outcome:
    case_dir = folder / name
    case_dir.mkdir()
    path = build(case_dir, scale)
    command = [sys.executable, "-m", "nianbao.cli", "extract", str(path), "--model", model]
    how, code, seconds, peak, stdout, stderr = run_child(command, timeout, kill_mb, case_dir)
    outcome, detail = classify_file(how, code, stdout, stderr)
    return Outcome(name, outcome, seconds, peak, detail)


def _http_case(name: str, folder: Path, model: str, timeout: float, kill_mb: float) -> Outcome:
    case_dir = folder / name
    case_dir.mkdir()
    command = [sys.executable, "-m", "nianbao.evaluation.bench.hostile_http", name, str(case_dir), model]
    how, code, seconds, peak, stdout, stderr = run_child(command, timeout, kill_mb, case_dir)
    outcome, detail = classify_http(how, code, stdout, stderr)
    return Outcome(name, outcome, seconds, peak, detail)


def run_hostile(
    only: list[str] | None = None,
    model: str = "default",
    scale: float = 1.0,
    timeout: float = 120.0,
    kill_mb: float = 4096.0,
    echo: Callable[[str], None] = print,
) -> list[Outcome]:
    """Build and run every case (or those named in ``only``); print one line each and a summary."""
    from nianbao.evaluation.bench.hostile_http import CASES

    model_arg = str(Path(__file__).resolve().parents[2] / "models" / "default") if model == "default" else model
    names = [n for n in [*FILES, *CASES] if not only or n in only]
    results: list[Outcome] = []
    echo(f"{'input':30s} {'outcome':7s} {'seconds':>8s} {'peak RSS':>9s}  detail")
    with tempfile.TemporaryDirectory(prefix="nianbao-hostile-") as tmp:
        for name in names:
            if name in FILES:
                result = _file_case(name, FILES[name], Path(tmp), scale, model_arg, timeout, kill_mb)
            else:
                result = _http_case(name, Path(tmp), model_arg, timeout, kill_mb)
            results.append(result)
            echo(f"{name:30s} {result.outcome:7s} {result.seconds:8.1f} {result.peak_mb:6.0f} MB  {result.detail}")
    for line in summary(results):
        echo(line)
    return results


def summary(results: list[Outcome]) -> list[str]:
    """The figures: inputs tried, clear errors, read, crashes, hangs, peak RSS."""
    count = {k: sum(r.outcome == k for r in results) for k in ("error", "read", "crash", "hang")}
    peaks = [r.peak_mb for r in results] or [0.0]
    over = [r.name for r in results if r.peak_mb > RSS_TARGET_MB]
    return [
        f"inputs tried: {len(results)}; clear errors: {count['error']}; read with cells: {count['read']}; "
        f"crashes: {count['crash']}; hangs: {count['hang']}",
        f"peak RSS per report: max {max(peaks):.0f} MB, median {statistics.median(peaks):.0f} MB "
        f"(target at most {RSS_TARGET_MB} MB; over it: {', '.join(over) or 'none'})",
    ]
