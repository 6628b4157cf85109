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

from nianbao.extraction.batch import (
    BatchTask,
    OnRecord,
    dump_document,
    extract_path,
    record_of,
    write_atomic,
)

BATCH_SIZE = 8


class RayExtractor:
    """A Ray Data ``map_batches`` class: builds the ``Extractor`` once per actor."""

    def __init__(self, model: str | None = None) -> None:
        from nianbao.extraction.batch import init_worker

        self.extractor = init_worker(model)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        docs, records = [], []
        for index, path, name in zip(batch["index"], batch["path"], batch["name"], strict=True):
            task = BatchTask(int(index), Path(str(path)), str(name))
            doc = extract_path(self.extractor, task.path)
            docs.append(dump_document(doc))
            records.append(json.dumps(record_of(task, doc), ensure_ascii=False))
        return {"index": batch["index"], "doc": np.array(docs, dtype=object), "record": np.array(records, dtype=object)}


def run_ray(
    tasks: list[BatchTask], out: Path, done: OnRecord, *, workers: int | None = None,
    address: str | None = None, model: str | None = None, quiet: bool = False,
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
                address=address, num_cpus=None if address else (workers or os.cpu_count()),
                include_dashboard=False, log_to_driver=not quiet, logging_level=logging.WARNING if quiet else logging.INFO,
            )  # fmt: skip
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
            RayExtractor, fn_constructor_kwargs={"model": model}, batch_size=BATCH_SIZE, batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(size=min(actors, len(tasks))), num_cpus=1,
        )  # fmt: skip
        by_index = {t.index: t for t in tasks}
        for row in dataset.iter_rows():
            task = by_index[int(row["index"])]
            write_atomic(out / f"{task.name}.json", str(row["doc"]))
            done({**json.loads(str(row["record"])), "input": str(task.path), "index": task.index})
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
