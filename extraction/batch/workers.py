"""Forked workers that share a loaded model, each report under a time and memory budget.

The parent builds its ``Extractor`` (loads the model) once and then forks the workers: they
share the loaded model copy-on-write, start in milliseconds and cost tens of MB of private
memory each (the model's arena and per-report data). Each job runs under a ``Budget``:

- time: a worker still busy when its job's time is up is killed (SIGKILL) and replaced;
- memory: each worker's address space is capped at its size when forked plus the budget
  (``RLIMIT_AS``), so an allocation past it fails with ``MemoryError``; the worker reports
  that, exits and is replaced.

Either way the job's result comes from ``on_failure(payload, sentence)`` (an ``errors``
document) and the other workers go on. A worker that dies (a crash, the kernel's OOM
killer) is replaced the same way. Jobs and results travel as bytes (no pickles).
"""

from __future__ import annotations

import gc
import os
import resource
import signal
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from multiprocessing import get_context
from multiprocessing.connection import Connection, wait

from nianbao.errors import message

Job = Callable[[bytes], bytes]
OnFailure = Callable[[bytes, str], bytes]
DEFAULT_SECONDS = 60.0
DEFAULT_MEMORY_MB = 1024.0


@dataclass(frozen=True)
class Budget:
    """Per-report limits: wall-clock seconds and memory (MB above a worker's size at fork)."""

    seconds: float = DEFAULT_SECONDS
    memory_mb: float = DEFAULT_MEMORY_MB

    def __post_init__(self) -> None:
        if self.seconds <= 0 or self.memory_mb <= 0:
            raise ValueError("a budget's seconds and memory must be positive")


def pin_threads() -> None:
    """One thread per worker for the numeric libraries (ONNX Runtime is set per session)."""
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(var, "1")


def _vm_size() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _serve(conn: Connection, job: Job, memory_mb: float, inherited: list) -> None:
    """A worker's loop: receive a job, run it, send ``R`` + result (``M`` out of memory, ``E`` a bug).

    ``inherited`` are the pool's other ends (its pipes to every worker, its wake-up socket):
    closed here so that this worker sees end-of-file when the parent goes away.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when workers stop
    for end in inherited:
        end.close()
    limit = _vm_size() + int(memory_mb * 2**20)
    resource.setrlimit(resource.RLIMIT_AS, (limit, resource.getrlimit(resource.RLIMIT_AS)[1]))
    while True:
        try:
            payload = conn.recv_bytes()
        except (EOFError, OSError):
            return
        try:
            reply = b"R" + job(payload)
        except MemoryError:
            reply = b"M"
        except Exception as exc:  # noqa: BLE001 - jobs catch their own; this is the last guard
            reply = b"E" + type(exc).__name__.encode()
        try:
            conn.send_bytes(reply)
        except OSError:
            return  # the parent stopped the pool
        if reply == b"M":
            return  # the heap may be fragmented: a fresh worker takes over


@dataclass
class _Worker:
    process: object
    conn: Connection
    job: tuple[bytes, Future[bytes]] | None = None
    deadline: float = 0.0


class WorkerPool:
    """``workers`` forked processes running ``job``; ``submit`` is thread-safe and returns a Future.

    Fork the pool after loading the model (and before starting threads of your own):
    workers inherit what the parent holds. Use as a context manager or call ``close``.
    """

    def __init__(
        self, job: Job, workers: int, budget: Budget | None = None, on_failure: OnFailure | None = None
    ) -> None:
        self.job, self.budget = job, budget or Budget()
        self.on_failure = on_failure or (lambda payload, sentence: sentence.encode("utf-8"))
        self.replaced = 0
        self._context = get_context("fork")
        self._pending: deque[tuple[bytes, Future[bytes]]] = deque()
        self._lock = threading.Lock()
        self._wake_r, self._wake_w = socket.socketpair()
        self._closed = False
        self._workers: list[_Worker] = []
        for _ in range(max(1, workers)):
            self._workers.append(self._spawn())
        self._thread = threading.Thread(target=self._dispatch, name="nianbao-workers", daemon=True)
        self._thread.start()

    def _spawn(self) -> _Worker:
        parent, child = self._context.Pipe()
        inherited = [parent, self._wake_r, self._wake_w, *(w.conn for w in self._workers)]
        process = self._context.Process(
            target=_serve, args=(child, self.job, self.budget.memory_mb, inherited), daemon=True
        )
        gc.freeze()  # inherited objects stay out of the worker's collections: fewer copied pages
        try:
            process.start()
        finally:
            gc.unfreeze()  # the parent collects as before
        child.close()
        return _Worker(process, parent)

    @property
    def pids(self) -> list[int]:
        return [w.process.pid for w in self._workers]  # type: ignore[attr-defined]

    def submit(self, payload: bytes) -> Future[bytes]:
        future: Future[bytes] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the worker pool is closed")
            self._pending.append((payload, future))
        self._wake_w.send(b"x")
        return future

    def _assign(self) -> None:
        for worker in list(self._workers):
            with self._lock:
                if worker.job is not None or not self._pending:
                    continue
                worker.job = self._pending.popleft()
            worker.deadline = time.monotonic() + self.budget.seconds
            try:
                worker.conn.send_bytes(worker.job[0])
            except OSError:  # it died while idle: its job goes back to the queue
                with self._lock:
                    self._pending.appendleft(worker.job)
                worker.job = None
                self._replace(worker, message("worker_died"))

    def _dispatch(self) -> None:
        while not self._closed:
            self._assign()
            busy = [w for w in self._workers if w.job is not None]
            timeout = max(0.0, min((w.deadline for w in busy), default=time.monotonic() + 1) - time.monotonic())
            ready = wait([self._wake_r, *(w.conn for w in busy)], timeout)
            if self._wake_r in ready:
                self._wake_r.recv(4096)
            for worker in busy:
                if worker.conn in ready:
                    self._receive(worker)
                elif time.monotonic() >= worker.deadline:
                    self._replace(worker, message("over_time", f"{self.budget.seconds:g} s"))

    def _receive(self, worker: _Worker) -> None:
        try:
            reply = worker.conn.recv_bytes()
        except (EOFError, OSError):
            self._replace(worker, message("worker_died"))
            return
        if reply[:1] != b"R":
            sentence = (
                message("over_memory", f"{self.budget.memory_mb:g} MB")
                if reply == b"M"
                else message("internal", reply[1:].decode())
            )
            self._replace(worker, sentence)
            return
        assert worker.job is not None
        _, future = worker.job
        worker.job = None
        future.set_result(reply[1:])

    def _replace(self, worker: _Worker, sentence: str) -> None:
        """Stop ``worker``, answer its job with ``on_failure`` and fork a fresh one in its place."""
        worker.process.kill()  # type: ignore[attr-defined]
        worker.process.join()  # type: ignore[attr-defined]
        worker.conn.close()
        self.replaced += 1
        if worker.job is not None:
            payload, future = worker.job
            try:
                future.set_result(self.on_failure(payload, sentence))
            except Exception as exc:  # noqa: BLE001 - the caller sees it on its future
                future.set_exception(exc)
        self._workers[self._workers.index(worker)] = self._spawn()

    def close(self) -> None:
        """Stop the workers; jobs not yet started are cancelled."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            pending, self._pending = list(self._pending), deque()
        self._wake_w.send(b"x")
        self._thread.join()
        for _, future in pending:
            future.cancel()
        for worker in self._workers:
            worker.conn.close()
            worker.process.join(5)  # type: ignore[attr-defined]
            if worker.process.is_alive():  # type: ignore[attr-defined]
                worker.process.kill()  # type: ignore[attr-defined]
                worker.process.join()  # type: ignore[attr-defined]
            if worker.job is not None:
                worker.job[1].cancel()
        self._wake_r.close()
        self._wake_w.close()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
