"""The local engine: the model loaded once, then forked workers, each report under a budget.

The parent builds the ``Extractor`` (loading the model) and forks ``workers`` processes
(``nianbao.extraction.batch.workers``): they start in milliseconds and share the model. Each
worker extracts a report, encodes it and writes it atomically, and sends back its record.
A report over its time or memory budget is stopped, its worker replaced, and it gets an
``errors`` document written by the parent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from pathlib import Path

import orjson

from nianbao.contract import Document
from nianbao.extraction.batch.outputs import Record, dump_document, write_document
from nianbao.extraction.batch.run import BatchTask, OnRecord, extract_path, extract_task, record_of
from nianbao.extraction.batch.workers import Budget, WorkerPool, pin_threads
from nianbao.extraction.pipeline import Extractor, empty_document


def _task(payload: bytes) -> BatchTask:
    item = orjson.loads(payload)
    return BatchTask(item["index"], Path(item["path"]), item["name"])


def batch_job(extractor: Extractor, out: Path, indent: bool, jsonl: bool = False) -> Callable[[bytes], bytes]:
    """The worker's side: extract, encode and write one report; reply with its record
    (with ``jsonl``, the encoded document travels in the record for the parent to write)."""

    def job(payload: bytes) -> bytes:
        task = _task(payload)
        if jsonl:
            doc = extract_path(extractor, task.path)
            return orjson.dumps({**record_of(task, doc), "index": task.index, "document": dump_document(doc).decode()})
        return orjson.dumps({**extract_task(extractor, task, out, indent), "index": task.index})

    return job


def budget_failure(out: Path, indent: bool, jsonl: bool = False) -> Callable[[bytes, str], bytes]:
    """The parent's side when a report was stopped: write its ``errors`` document, reply with its record."""

    def on_failure(payload: bytes, sentence: str) -> bytes:
        task = _task(payload)
        doc = empty_document(task.path.name, b"", None, "text", [sentence])
        record = {**record_of(task, doc), "index": task.index}
        if jsonl:
            return orjson.dumps({**record, "document": dump_document(doc).decode()})
        try:
            write_document(doc, out, task.path, task.name, indent, create=False)
        except OSError as exc:
            record["write_error"] = f"{exc.strerror or exc}"
        return orjson.dumps(record)

    return on_failure


def run_local(
    tasks: list[BatchTask],
    out: Path,
    done: OnRecord,
    *,
    workers: int,
    model: str | None = None,
    budget: Budget | None = None,
    indent: bool = False,
    jsonl: bool = False,
) -> None:
    """Extract ``tasks`` on ``workers`` forked workers; ``done`` gets each record as it finishes.

    An exception raised by ``done`` (``OutputError``) stops the run: the workers are stopped
    and the reports not yet started are left for the next run.
    """
    if not tasks:
        return
    pin_threads()
    extractor = Extractor(model)
    job, on_failure = batch_job(extractor, out, indent, jsonl), budget_failure(out, indent, jsonl)
    with WorkerPool(job, min(workers, len(tasks)), budget, on_failure) as pool:
        for record in _in_flight(pool, tasks, window=max(4, workers * 4)):
            done(record)


def _in_flight(pool: WorkerPool, tasks: list[BatchTask], window: int) -> Iterator[Record]:
    """Submit ``window`` tasks at a time; yield records as they finish."""
    queue = iter(tasks)
    running: set[Future[bytes]] = set()
    while True:
        while len(running) < window and (task := next(queue, None)) is not None:
            payload = {"index": task.index, "path": str(task.path), "name": task.name}
            running.add(pool.submit(orjson.dumps(payload)))
        if not running:
            return
        finished, running = wait(running, return_when=FIRST_COMPLETED)
        for future in finished:
            yield orjson.loads(future.result())


def extract_each(
    paths: list[Path], model: str | None = None, budget: Budget | None = None, workers: int | None = None
) -> Iterator[tuple[Path, Document]]:
    """``(path, document)`` in input order, each report extracted in a forked worker under ``budget``."""
    if not paths:
        return
    pin_threads()
    extractor = Extractor(model)

    def job(payload: bytes) -> bytes:
        return dump_document(extract_path(extractor, Path(payload.decode("utf-8"))))

    def stopped(payload: bytes, sentence: str) -> bytes:
        return dump_document(empty_document(Path(payload.decode("utf-8")).name, b"", None, "text", [sentence]))

    with WorkerPool(job, min(workers or 1, len(paths)), budget, stopped) as pool:
        futures = [pool.submit(str(path).encode("utf-8")) for path in paths]
        for path, future in zip(paths, futures, strict=True):
            yield path, orjson.loads(future.result())
