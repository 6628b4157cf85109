"""Batch extraction: inputs, atomic outputs, a resumable ledger and a pool of workers.

``OUT`` holds one ``<name>.json`` per input (written to a temp file and renamed, so a
file either is complete or does not exist), ``.nianbao-ledger.jsonl`` (one line appended
per finished report, the run's progress) and, at the end, ``manifest.jsonl`` (one line
per input, in input order). A run that is killed and started again skips every input
whose output exists and carries the input's sha256, so the final ``OUT`` has every
report exactly once. One ``Extractor`` is built per worker process (``initializer``).
"""

from __future__ import annotations

import fcntl
import glob
import hashlib
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import rich.progress as rp
from rich.console import Console
from rich.text import Text

from nianbao.contract import Document
from nianbao.errors import NianbaoError, ReadError, message
from nianbao.extraction.batch.jsonl import JsonlSink
from nianbao.extraction.batch.outputs import (
    Record,
    output_names,
    summary_line,
    write_document,
    write_manifest,
)
from nianbao.extraction.batch.workers import Budget
from nianbao.extraction.inputs.files import read_input
from nianbao.extraction.pipeline import Extractor, empty_document

SUFFIXES = (".txt", ".html", ".htm", ".pdf", ".docx", ".text")
LEDGER = ".nianbao-ledger.jsonl"
LOCK = ".nianbao.lock"
OnRecord = Callable[[Record], None]


def expand_inputs(inputs: list[str]) -> list[Path]:
    """Files, directories (their report files, sorted) and glob patterns → unique paths."""
    paths: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            paths += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
        elif path.exists() or path.is_symlink():  # a broken link or a loop gets its sentence
            paths.append(path)
        else:
            paths += sorted(Path(p) for p in glob.glob(item, recursive=True) if Path(p).is_file())
    return list(dict.fromkeys(paths))


@dataclass(frozen=True)
class BatchTask:
    """One input: its position in the input list, path and output name."""

    index: int
    path: Path
    name: str


@dataclass
class BatchResult:
    """Every input's record (input order), and how many were extracted now or skipped."""

    records: list[Record]
    extracted: int = 0
    skipped: int = 0

    @property
    def failed(self) -> int:
        return sum(1 for r in self.records if r["failed"])


def record_of(task: BatchTask, doc: Document) -> Record:
    """The ledger/manifest line for one extracted document."""
    reasons = Counter(reason for entry in doc["review"] for reason in entry.get("reasons", []))
    return {
        "input": str(task.path),
        "input_path": str(Path(task.path).absolute()),
        "output": f"{task.name}.json",
        "sha256": doc["source"]["sha256"],
        "errors": doc["errors"],
        "failed": bool(doc["errors"]) and not doc["cells"],
        "cells": len(doc["cells"]),
        "review": len(doc["review"]),
        "reasons": dict(sorted(reasons.items())),
        "failed_checks": sum(1 for c in doc["checks"] if c["ok"] is False),
        "summary": summary_line(task.path, doc),
    }


def extract_path(extractor: Extractor, path: Path) -> Document:
    """Extract one file; any failure becomes a document with ``errors``, never an exception."""
    try:
        return extractor(Path(path))
    except MemoryError:  # the memory budget: the engine stops this report
        raise
    except Exception as exc:  # noqa: BLE001 - a batch must never lose a report to one bug
        return empty_document(Path(path).name, b"", None, "text", [message("internal", type(exc).__name__)])


def extract_task(extractor: Extractor, task: BatchTask, out: Path, indent: bool = False) -> Record:
    """Extract, write the output atomically and return the report's record.

    A failed write (the output directory removed, read-only or full) is returned as the
    record's ``write_error`` (``run_batch`` stops the run on it).
    """
    doc = extract_path(extractor, task.path)
    record = record_of(task, doc)
    try:
        write_document(doc, out, task.path, task.name, indent, create=False)
    except OSError as exc:
        record["write_error"] = f"{exc.strerror or exc}"
    return record


def sha256_file(path: Path) -> str:
    """The input's sha256, read through the bounded reader ("" for a file it refuses)."""
    try:
        return hashlib.sha256(read_input(path)).hexdigest()
    except ReadError:
        return ""


@lru_cache(maxsize=8)
def extractor_id(model: str | None) -> str:
    """Which code and model make the outputs (version, a hash of their files, the model option).

    A resumed run re-extracts outputs made by another ``extractor_id``, so ``OUT`` never
    mixes versions or models.
    """
    import nianbao
    import nianbao.extraction
    import nianbao.models

    digest = hashlib.sha256()
    roots = [Path(m.__file__).parent for m in (nianbao, nianbao.extraction, nianbao.models)]  # type: ignore[arg-type]
    for root in roots + ([Path(model)] if model and Path(model).is_dir() else []):
        for path in sorted(p for p in root.rglob("*") if p.suffix in (".py", ".json", ".safetensors", ".onnx")):
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return f"{nianbao.__version__}+{digest.hexdigest()[:12]}/{model or 'default'}"


def _read_ledger(out: Path) -> tuple[dict[str, Record], Record]:
    """The ledger's latest record per output, and its latest run line."""
    records: dict[str, Record] = {}
    last_run: Record = {}
    try:
        lines = (out / LEDGER).read_text("utf-8").splitlines()
    except OSError:
        return records, last_run
    for line in lines:
        try:
            record = json.loads(line)
            if "run" in record:
                last_run = record
            else:
                records[record["output"]] = record
        except (ValueError, KeyError, TypeError):
            continue  # a line torn by a kill
    return records, last_run


def _done_record(
    task: BatchTask, out: Path, sha: str, known: dict[str, Record], last_run: Record, made_by: str
) -> Record | None:
    """The record of an input already extracted into ``out`` (same sha256, same extractor), else None."""
    target = out / f"{task.name}.json"
    if not sha or not target.is_file() or target.stat().st_size == 0:
        return None
    record = known.get(target.name)
    if record is not None and record.get("sha256") == sha:
        return (
            {**record, "input": str(task.path), "input_path": str(Path(task.path).absolute())}
            if record.get("extractor") == made_by
            else None
        )
    # Written by the last run but killed before its ledger line? Only if that run was this
    # extractor and the file is not older than it (older files may come from other versions).
    if last_run.get("run") != made_by or target.stat().st_mtime < last_run.get("started", 0) - 1:
        return None
    try:
        doc = json.loads(target.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return {**record_of(task, doc), "extractor": made_by} if doc.get("source", {}).get("sha256") == sha else None


class Ledger:
    """``OUT``'s lock and append-only progress file (one JSON line per finished report)."""

    def __init__(self, out: Path) -> None:
        out.mkdir(parents=True, exist_ok=True)
        self.out = out
        self._lock = open(out / LOCK, "a")  # held (flock) for the whole run
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            raise RuntimeError(f"another nianbao extract is writing to {out}") from None
        for stale in out.glob(".tmp-*"):
            stale.unlink(missing_ok=True)  # temp files of a killed run
        self.known, self.last_run = _read_ledger(out)  # before this run
        self._fd = os.open(out / LEDGER, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        size = os.fstat(self._fd).st_size
        if size and os.pread(self._fd, 1, size - 1) != b"\n":
            os.write(self._fd, b"\n")  # end a line torn by a kill, so the next one parses

    def append(self, record: Record) -> None:
        os.write(self._fd, (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))

    def close(self) -> None:
        os.close(self._fd)
        self._lock.close()


def plan_batch(
    paths: list[Path], out: Path, ledger: Ledger, made_by: str, force: bool = False
) -> tuple[list[BatchTask], dict[int, Record]]:
    """All tasks, and the records of those already done by ``made_by`` (by input index)."""
    tasks = [BatchTask(i, p, n) for i, (p, n) in enumerate(zip(paths, output_names(paths), strict=True))]
    known, last_run = ({}, {}) if force else (ledger.known, ledger.last_run)
    done: dict[int, Record] = {}
    for task in [] if force else tasks:
        try:
            sha = sha256_file(task.path)
        except OSError:
            continue
        record = _done_record(task, out, sha, known, last_run, made_by)
        if record is not None:
            done[task.index] = record
            if known.get(record["output"]) != record:
                ledger.append(record)
    ledger.append({"run": made_by, "started": time.time()})
    return tasks, done


class _Rate(rp.ProgressColumn):
    def render(self, task: rp.Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:.1f} reports/s" if speed else "-- reports/s", style="progress.data.speed")


@contextmanager
def progress_bar(total: int, quiet: bool) -> Iterator[Callable[[], None]]:
    """A rich bar with rate and ETA on stderr (off when quiet or not a terminal); yields ``advance``."""
    console = Console(stderr=True)
    columns = (
        rp.TextColumn("[bold]extract"),
        rp.BarColumn(),
        rp.MofNCompleteColumn(),
        _Rate(),
        rp.TimeElapsedColumn(),
        rp.TextColumn("ETA"),
        rp.TimeRemainingColumn(),
    )
    with rp.Progress(*columns, console=console, disable=quiet or not console.is_terminal) as progress:
        task = progress.add_task("extract", total=total)
        yield lambda: progress.advance(task)


class OutputError(NianbaoError, RuntimeError):
    """The output directory went away or stopped taking writes during a run."""


def output_failure(out: Path, record: Record) -> OutputError:
    return OutputError(
        f"Could not write {record['output']} into {out} ({record['write_error']}): the output directory was "
        "removed, is not writable or the disk is full, so the run stopped. Reports written before are kept "
        "and listed in manifest.jsonl where it could be written; fix the directory and run the same command "
        "again to resume."
    )


def run_batch(
    paths: list[Path],
    out: Path,
    *,
    workers: int | None = None,
    engine: str = "local",
    model: str | None = None,
    ray_address: str | None = None,
    quiet: bool = False,
    force: bool = False,
    on_record: OnRecord | None = None,
    budget: Budget | None = None,
    indent: bool = False,
    jsonl: bool = False,
) -> BatchResult:
    """Extract ``paths`` into ``out`` (resuming a killed run); write the manifest at the end.

    ``engine`` is ``"local"`` (forked workers, default one per core; see
    ``nianbao.extraction.batch.local_engine.run_local``) or ``"ray"`` (``ray_engine.run_ray``); each report
    runs under ``budget`` (time and memory). ``on_record`` sees each report's record as it
    finishes, skipped ones first. Raises ``OutputError`` when ``out`` stops taking writes
    (removed, read-only, full): the manifest then lists only the outputs that exist.
    ``jsonl`` writes every document as one line of ``OUT/documents.jsonl`` instead of one
    file each (``nianbao.extraction.batch.jsonl``; such a run does not resume).
    """
    if engine not in ("local", "ray"):
        raise ValueError(f"unknown engine {engine!r} (local or ray)")
    ledger, made_by = Ledger(out), extractor_id(model)
    records: dict[int, Record] = {}
    tasks: list[BatchTask] = []
    sink = JsonlSink(out) if jsonl else None
    try:
        tasks, done = plan_batch(paths, out, ledger, made_by, force or jsonl)
        result = BatchResult([], skipped=len(done))
        records.update(done)
        if on_record is not None:
            for index in sorted(done):
                on_record(done[index])
        pending = [t for t in tasks if t.index not in done]
        with progress_bar(len(pending), quiet) as advance:

            def finish(record: Record) -> None:
                index = record.pop("index")
                if sink is not None and "document" in record:
                    record["name"] = Path(record["output"]).stem
                    try:
                        record.update(sink.add(record.pop("document")))
                    except OSError as exc:
                        record["write_error"] = f"{exc.strerror or exc}"
                if "write_error" in record:
                    raise output_failure(out, record)
                record["extractor"] = made_by
                records[index] = record
                ledger.append(record)
                result.extracted += 1
                if on_record is not None:
                    on_record(record)
                advance()

            options = {"model": model, "budget": budget or Budget(), "indent": indent, "jsonl": jsonl}
            if engine == "ray":
                from nianbao.extraction.batch.ray_engine import run_ray

                run_ray(pending, out, finish, workers=workers, address=ray_address, quiet=quiet, **options)
            else:
                from nianbao.extraction.batch.local_engine import run_local

                run_local(pending, out, finish, workers=workers or len(os.sched_getaffinity(0)), **options)
        if sink is not None:
            sink.close()
        result.records = [records[t.index] for t in tasks]
        missing = [r["output"] for r in result.records if not (out / r["output"]).is_file()]
        if missing:
            raise output_failure(out, {"output": missing[0], "write_error": f"{len(missing)} outputs are gone"})
        if not jsonl:
            remove_stale(out, tasks, ledger.known)
        write_manifest(out, result.records)
        return result
    except OutputError:
        if sink is not None:
            sink.discard()
        write_manifest(out, [records[t.index] for t in tasks if t.index in records], strict=False)
        raise
    finally:
        ledger.close()


def remove_stale(out: Path, tasks: list[BatchTask], known: dict[str, Record]) -> None:
    """Delete outputs an earlier run wrote for these inputs under another name (a name clash resolved)."""
    current = {os.path.abspath(t.path): f"{t.name}.json" for t in tasks}
    taken = set(current.values())
    for output, record in known.items():
        name = current.get(os.path.abspath(str(record.get("input", ""))))
        if name is not None and output not in taken and Path(output).name == output:
            (out / output).unlink(missing_ok=True)
