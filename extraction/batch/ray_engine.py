"""The Ray engine: the same extraction on Ray Data, one ``Extractor`` per actor.

``Dataset.map_batches`` with a class runs it on an actor pool: each actor builds its
``Extractor`` once in ``__init__`` and is called per batch. Actors read the input files
(so on a cluster the paths must be readable from every node, e.g. a shared filesystem)
and return each document already serialised; the driver writes the outputs atomically and
keeps the same ledger as the local engine, so a killed Ray run resumes the same way.

Needs the optional extra: ``pip install 'nianbao[ray]'``. To use an existing cluster, pass
its address (``--ray-address HOST:PORT``); Ray clusters use token authentication by default
since 2.59, so the driver also needs ``RAY_AUTH_MODE=token`` and the cluster's token. Every
node needs nianbao installed.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from pathlib import Path

import numpy as np

from nianbao.extraction.batch.outputs import write_atomic
from nianbao.extraction.batch.run import BatchTask, OnRecord
from nianbao.extraction.batch.workers import Budget, WorkerPool, pin_threads

BATCH_SIZE = 8


def _job(extractor):
    """The forked worker's side: extract one file; reply with the document's bytes and record."""
    import orjson

    from nianbao.extraction.batch.outputs import dump_document
    from nianbao.extraction.batch.run import extract_path, record_of

    def job(payload: bytes) -> bytes:
        item = orjson.loads(payload)
        task = BatchTask(item["index"], Path(item["path"]), item["name"])
        doc = extract_path(extractor, task.path)
        return orjson.dumps({"doc": dump_document(doc, item["indent"]).decode("utf-8"), "record": record_of(task, doc)})

    return job


def _stopped(payload: bytes, sentence: str) -> bytes:
    """A report stopped by its budget: an ``errors`` document in its place."""
    import orjson

    from nianbao.extraction.batch.outputs import dump_document
    from nianbao.extraction.batch.run import record_of
    from nianbao.extraction.pipeline import empty_document

    item = orjson.loads(payload)
    task = BatchTask(item["index"], Path(item["path"]), item["name"])
    doc = empty_document(task.path.name, b"", None, "text", [sentence])
    return orjson.dumps({"doc": dump_document(doc, item["indent"]).decode("utf-8"), "record": record_of(task, doc)})


class RayExtractor:
    """A Ray Data ``map_batches`` class: loads the ``Extractor`` once per actor, then forks
    one worker from it that extracts each report under the budget (a report over it is
    stopped and its worker replaced, as in the local engine)."""

    def __init__(self, model: str | None = None, budget: Budget | None = None, indent: bool = False) -> None:
        from nianbao.extraction.pipeline import Extractor

        pin_threads()
        self.extractor = Extractor(model)
        self.indent = indent
        self.pool = WorkerPool(_job(self.extractor), 1, budget, _stopped)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        import orjson

        docs, records = [], []
        for index, path, name in zip(batch["index"], batch["path"], batch["name"], strict=True):
            payload = {"index": int(index), "path": str(path), "name": str(name), "indent": self.indent}
            reply = orjson.loads(self.pool.submit(orjson.dumps(payload)).result())
            docs.append(reply["doc"])
            records.append(json.dumps(reply["record"], ensure_ascii=False))
        return {"index": batch["index"], "doc": np.array(docs, dtype=object), "record": np.array(records, dtype=object)}


def run_ray(
    tasks: list[BatchTask],
    out: Path,
    done: OnRecord,
    *,
    workers: int | None = None,
    address: str | None = None,
    model: str | None = None,
    quiet: bool = False,
    budget: Budget | None = None,
    indent: bool = False,
    jsonl: bool = False,
) -> None:
    """Extract ``tasks`` on Ray (local by default, ``address`` for an existing cluster).

    Uses the Ray runtime already initialised in this process if there is one; otherwise
    starts a local one with ``workers`` CPUs (or connects to ``address``) and stops it after.
    """
    if not tasks:
        return
    try:
        import ray
        import ray.data
    except ModuleNotFoundError as exc:
        raise RuntimeError("the Ray engine needs Ray: pip install 'nianbao[ray]'") from exc
    started = not ray.is_initialized()
    if started:
        _check_reachable(address)
        try:
            ray.init(
                address=address,
                num_cpus=None if address else (workers or os.cpu_count()),
                include_dashboard=False,
                log_to_driver=not quiet,
                logging_level=logging.WARNING if quiet else logging.INFO,
            )
        except ConnectionError as exc:
            raise RuntimeError(
                f"could not connect to Ray at {address}: {exc}. A cluster with token authentication "
                "(the default since Ray 2.59) also needs RAY_AUTH_MODE=token and its token "
                "(~/.ray/auth_token or RAY_AUTH_TOKEN)."
            ) from exc
    try:
        _configure_data(quiet)
        actors = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        items = [{"index": t.index, "path": str(t.path.resolve()), "name": t.name} for t in tasks]
        dataset = ray.data.from_items(items).map_batches(
            RayExtractor,
            fn_constructor_kwargs={"model": model, "budget": budget, "indent": indent and not jsonl},
            batch_size=BATCH_SIZE,
            batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(size=min(actors, len(tasks))),
            num_cpus=1,
        )
        by_index = {t.index: t for t in tasks}
        for row in dataset.iter_rows():
            task = by_index[int(row["index"])]
            record = {**json.loads(str(row["record"])), "input": str(task.path), "index": task.index}
            if jsonl:
                record["document"] = str(row["doc"])
            else:
                try:
                    write_atomic(out / f"{task.name}.json", str(row["doc"]))
                except OSError as exc:
                    record["write_error"] = f"{exc.strerror or exc}"
            done(record)
    finally:
        if started:
            ray.shutdown()


def _check_reachable(address: str | None, timeout: float = 5.0) -> None:
    """Fail fast on a ``host:port`` nothing listens on (Ray itself retries for minutes)."""
    if address is None or "://" in address:
        return
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        return
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except OSError as exc:
        raise RuntimeError(f"no Ray cluster answers at {address} ({exc.strerror or exc})") from exc


def _configure_data(quiet: bool) -> None:
    """Ray Data's own progress bars off (the CLI draws its bar); its logs quiet when asked."""
    from ray.data import DataContext

    context = DataContext.get_current()
    context.enable_progress_bars = False
    if quiet:
        logging.getLogger("ray.data").setLevel(logging.WARNING)
