"""Engine figures for ``nianbao bench``: cold start, stages, size scaling, workers, memory.

Figures are printed, never asserted; every ratio is to a baseline measured in the same run.

- cold start: ``nianbao extract one.txt`` as a user runs it (a fresh process) beside
  ``python -c "import torch"``, median of 3, with each one's peak RSS;
- stages: what a user waits for per report, read, extract, encode and write, each stage's
  share of the total (``--profile``);
- size: one report with its tables repeated 1x, 10x and 100x (time per copy of the tables);
- workers: ``nianbao extract DIR -o OUT -w k`` on the same generated reports for k = 1, 2,
  wall time including start-up, and the private memory of each forked worker.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

Echo = Callable[[str], None]


def _nianbao() -> list[str]:
    script = Path(sys.executable).with_name("nianbao")
    return [str(script)] if script.exists() else [sys.executable, "-m", "nianbao.cli"]


def _run(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB, the largest process of the tree) of one command."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(command)} exited with {proc.returncode}")
    return time.perf_counter() - started, usage.ru_maxrss / 1024


def _median(command: list[str], repeat: int = 3) -> tuple[float, float]:
    runs = [_run(command) for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)


def cold_start(report: Path, echo: Echo) -> dict[str, float]:
    """``nianbao extract one.txt`` against ``python -c "import torch"``, side by side."""
    figures: dict[str, float] = {}
    extract_s, extract_mb = _median([*_nianbao(), "extract", str(report)])
    echo(f"cold start: nianbao extract one.txt {extract_s:.2f} s, peak RSS {extract_mb:.0f} MB (median of 3)")
    figures.update(cold_extract_s=extract_s, cold_extract_mb=extract_mb)
    try:
        torch_s, torch_mb = _median([sys.executable, "-c", "import torch"])
    except RuntimeError:
        echo("  python -c 'import torch': torch is not installed")
        return figures
    echo(
        f"  python -c 'import torch' {torch_s:.2f} s, peak RSS {torch_mb:.0f} MB; "
        f"extract/torch-import {extract_s / torch_s:.2f}"
    )
    figures.update(torch_import_s=torch_s, torch_import_mb=torch_mb)
    return figures


def stages(paths: list[Path], model: str | None, echo: Echo, profile: bool) -> dict[str, float]:
    """Per report: read, extract, encode, write (one worker, in-process, model loaded)."""
    from nianbao.extraction.batch.outputs import dump_document, write_atomic
    from nianbao.extraction.inputs.decode import decode
    from nianbao.extraction.pipeline import Extractor
    from nianbao.extraction.text.normalize import NormText

    extractor = Extractor(model)
    extractor(paths[0].read_bytes(), name=paths[0].name)  # warm caches
    tagger = getattr(extractor.locator, "tagger", None)
    tagged = tagger.seconds if tagger is not None else 0.0
    spent = dict.fromkeys(("read", "extract", "encode", "write"), 0.0)
    floor = 0.0
    with tempfile.TemporaryDirectory(prefix="nianbao-stages-") as tmp:
        for path in paths:
            t0 = time.perf_counter()
            data = path.read_bytes()
            t1 = time.perf_counter()
            doc = extractor(data, name=path.name)
            t2 = time.perf_counter()
            blob = dump_document(doc)
            t3 = time.perf_counter()
            write_atomic(Path(tmp) / f"{path.stem}.json", blob)
            t4 = time.perf_counter()
            NormText(decode(data).text)
            floor += time.perf_counter() - t4
            for key, (a, b) in zip(spent, ((t0, t1), (t1, t2), (t2, t3), (t3, t4)), strict=True):
                spent[key] += b - a
    total = sum(spent.values())
    n = len(paths)
    echo(
        f"one worker, {n} reports: {n / total:.1f} reports/s per core (read+extract+encode+write); "
        f"read+normalise alone {n / floor:.1f} reports/s; ratio {total / floor:.1f}"
    )
    tagged = (tagger.seconds - tagged) if tagger is not None else 0.0
    if profile:
        echo("  stage shares: " + ", ".join(f"{k} {v / total:.1%} ({v / n * 1000:.1f} ms)" for k, v in spent.items()))
        if tagger is not None:
            echo(
                f"  the tagger (ONNX Runtime over the table regions, inside extract): {tagged / total:.1%} of the time "
                f"({tagged / n * 1000:.1f} ms per report); the rest of "
                f"extract {(spent['extract'] - tagged) / total:.1%}"
            )
    return {
        "reports_per_s_core": n / total,
        "ratio_to_floor": total / floor,
        "share_tagger": tagged / total,
        **{f"share_{k}": v / total for k, v in spent.items()},
    }


def size_scaling(text: str, model: str | None, echo: Echo) -> dict[str, float]:
    """One report with its tables (sections 2-4) repeated 1x, 10x and 100x."""
    from nianbao.extraction.pipeline import default_locator, extract_text
    from nianbao.extraction.text.locator import make_locator

    locator = make_locator(model) if model else default_locator()
    sections = {s["number"]: s for s in extract_text(text, locator=locator)["sections"]}
    if not {2, 5} <= set(sections):
        echo("size scaling: the sample report has no sections 2 and 5")
        return {}
    first, last = sections[2]["start"], sections[5]["start"]
    figures, base = {}, 0.0
    parts = []
    for k in (1, 10, 100):
        big = text[:first] + text[first:last] * k + text[last:]
        started = time.perf_counter()
        extract_text(big, locator=locator)
        seconds = time.perf_counter() - started
        base = base or seconds
        figures[f"size_{k}x_s"] = seconds
        parts.append(f"{k}x ({len(big) // 1000}k chars) {seconds * 1000:.0f} ms = {seconds / base:.1f}x the 1x time")
    echo("size scaling, tables repeated: " + "; ".join(parts))
    return figures


def workers(folder: Path, n: int, model: str | None, echo: Echo) -> dict[str, float]:
    """``nianbao extract DIR -o OUT -w k`` (k = 1, 2) as a user runs it, start-up included.

    The processes are sampled while they run: the parent's peak RSS (the model loaded) and
    each forked worker's peak RSS and peak private memory (what an extra worker costs).
    """
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="nianbao-workers-") as tmp:
        for k in (1, 2):
            command = [*_nianbao(), "extract", str(folder), "-o", f"{tmp}/out{k}", "-w", str(k), "-q"]
            seconds, parent, workers_seen = _run_sampled(command + (["--model", model] if model else []))
            figures[f"workers_{k}"] = n / seconds
            private = max((w["private"] for w in workers_seen), default=0.0)
            rss = max((w["rss"] for w in workers_seen), default=0.0)
            figures.update(
                {f"parent_rss_mb_{k}": parent["rss"], f"worker_rss_mb_{k}": rss, f"worker_private_mb_{k}": private}
            )
            echo(
                f"batch, {k} worker{'s' if k > 1 else ' '}: {n / seconds:6.1f} reports/s ({n} reports "
                f"in {seconds:.1f} s "
                f"including start-up); peak RSS parent {parent['rss']:.0f} MB, per worker {rss:.0f} MB of which "
                f"private {private:.0f} MB"
            )
    echo(
        f"  2 workers / 1 worker: {figures['workers_2'] / figures['workers_1']:.2f}x; "
        f"an extra worker costs {figures['worker_private_mb_2']:.0f} MB private memory"
    )
    return figures


def _smaps(pid: int) -> dict[str, float]:
    fields: dict[str, float] = {}
    with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) == 3 and parts[2] == "kB":
                fields[parts[0].rstrip(":")] = int(parts[1]) / 1024
    return fields


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                    if int(handle.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return found


def _run_sampled(command: list[str], every: float = 0.1) -> tuple[float, dict[str, float], list[dict[str, float]]]:
    """Wall seconds, the parent's peak memory and each child's peak memory (MB) of one run."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peaks: dict[int, dict[str, float]] = {}
    while proc.poll() is None:
        for pid in [proc.pid, *_children(proc.pid)]:
            try:
                smaps = _smaps(pid)
            except OSError:
                continue
            peak = peaks.setdefault(pid, {"rss": 0.0, "private": 0.0})
            peak["rss"] = max(peak["rss"], smaps.get("Rss", 0.0))
            peak["private"] = max(peak["private"], smaps.get("Private_Clean", 0.0) + smaps.get("Private_Dirty", 0.0))
        time.sleep(every)
    seconds = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(command)} exited with {proc.returncode}")
    parent = peaks.pop(proc.pid, {"rss": 0.0, "private": 0.0})
    return seconds, parent, list(peaks.values())
