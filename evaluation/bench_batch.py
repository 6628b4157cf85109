"""Batch throughput: reports/s for 1 and 2 local workers and the Ray engine, same inputs.

Figures are printed, never asserted. Each engine extracts the same generated reports into
a fresh output directory, timed end to end as a user sees it (worker start-up and model
loading included); Ray's own start-up is timed apart, since a cluster is started once.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from nianbao.extraction.batch import run_batch


@contextmanager
def _shared_opencc() -> Iterator[None]:
    """Generate with one OpenCC converter instead of one per character (same output, ~50× faster)."""
    from opencc import OpenCC

    import nianbao.training.generate as gen

    converter = OpenCC("s2t")

    @cache
    def to_traditional(ch: str) -> str:
        out = converter.convert(ch)
        return out if len(out) == 1 else ch

    original = gen._to_traditional
    gen._to_traditional = to_traditional
    try:
        yield
    finally:
        gen._to_traditional = original


def write_generated(folder: Path, n: int, seed: int = 0, styles: tuple[str, ...] | None = None) -> list[Path]:
    """Write ``n`` generated reports (``generate(n, seed, styles)``) as ``.txt`` files; return their paths."""
    from nianbao.training.generate import generate
    from nianbao.training.render import STYLES

    with _shared_opencc():
        samples = generate(n, seed=seed, styles=tuple(s for s in styles if s in STYLES) if styles else STYLES)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, sample in enumerate(samples):
        path = folder / f"gen-{seed}-{index:05d}.txt"
        path.write_text(sample["text"], "utf-8")
        paths.append(path)
    return paths


def _timed(paths: list[Path], out: Path, **options: object) -> float:
    started = time.perf_counter()
    result = run_batch(paths, out, quiet=True, **options)  # type: ignore[arg-type]
    elapsed = time.perf_counter() - started
    assert result.extracted == len(paths), "a benchmark run must start from an empty output"
    return elapsed


def bench_batch(
    n: int = 120, seed: int = 20261123, model: str | None = None, workers: tuple[int, ...] = (1, 2),
    ray: bool = True, echo: Callable[[str], None] = print,
) -> dict[str, float]:
    """Measure reports/s per engine on ``n`` generated reports; print and return the figures.

    ``model`` is passed to every ``Extractor`` (None: the shipped default, "rules": rules only).
    Keys: ``local_<k>`` reports/s for ``k`` local workers, ``ray`` reports/s on a local Ray
    with ``max(workers)`` CPUs and ``ray_start_s`` its start-up time (absent without Ray).
    """
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="nianbao-bench-") as tmp:
        root = Path(tmp)
        paths = write_generated(root / "in", n, seed)
        echo(f"batch bench: {n} generated reports, model={model or 'default'}")
        for k in workers:
            seconds = _timed(paths, root / f"local-{k}", workers=k, model=model)
            figures[f"local_{k}"] = n / seconds
            echo(f"  local, {k} worker{'s' if k > 1 else ''}: {n / seconds:7.1f} reports/s ({seconds:.1f} s)")
        if ray:
            _bench_ray(paths, root / "ray", max(workers), model, figures, echo)
    return figures


def _bench_ray(paths: list[Path], out: Path, cpus: int, model: str | None, figures: dict[str, float],
               echo: Callable[[str], None]) -> None:  # fmt: skip
    try:
        import ray
    except ModuleNotFoundError:
        echo("  ray: not installed (pip install 'nianbao[ray]')")
        return
    started = time.perf_counter()
    ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False)
    figures["ray_start_s"] = time.perf_counter() - started
    try:
        seconds = _timed(paths, out, engine="ray", workers=cpus, model=model)
    finally:
        ray.shutdown()
    figures["ray"] = len(paths) / seconds
    echo(f"  ray, {cpus} actors:    {len(paths) / seconds:7.1f} reports/s ({seconds:.1f} s; "
         f"ray.init {figures['ray_start_s']:.1f} s not included)")  # fmt: skip
