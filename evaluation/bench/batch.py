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

from nianbao.extraction.batch.run import run_batch


@contextmanager
def _shared_opencc() -> Iterator[None]:
    """Generate with one OpenCC converter instead of one per character (same output, ~50× faster)."""
    from opencc import OpenCC

    import nianbao.training.generator.generate as gen

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
    from nianbao.training.generator.generate import generate
    from nianbao.training.generator.render import STYLES

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
    n: int = 600,
    seed: int = 20261123,
    model: str | None = None,
    ray: bool = True,
    ray_n: int = 1000,
    echo: Callable[[str], None] = print,
) -> dict[str, float]:
    """Measure reports/s for 1 and 2 local workers and 1 and 2 Ray actors; print and return the figures.

    Local runs are ``nianbao extract DIR -o OUT -w k`` as a user runs them (start-up
    included); Ray runs use one local Ray started once (its start-up timed apart) with
    ``ray_n`` reports. ``model`` is passed to every ``Extractor`` (None: the shipped default).
    """
    from nianbao.evaluation.bench.engines import workers

    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="nianbao-bench-") as tmp:
        root = Path(tmp)
        write_generated(root / "in", n, seed)
        echo(f"batch bench: {n} generated reports, model={model or 'default'}")
        figures.update(workers(root / "in", n, model, echo))
        if ray:
            paths = write_generated(root / "ray-in", ray_n, seed + 1)
            _bench_ray(paths, root, model, figures, echo)
    return figures


def _bench_ray(
    paths: list[Path], root: Path, model: str | None, figures: dict[str, float], echo: Callable[[str], None]
) -> None:
    try:
        import ray
    except ModuleNotFoundError:
        echo("  ray: not installed (pip install 'nianbao[ray]')")
        return
    started = time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    figures["ray_start_s"] = time.perf_counter() - started
    try:
        for actors in (1, 2):
            seconds = _timed(paths, root / f"ray-{actors}", engine="ray", workers=actors, model=model)
            figures[f"ray_{actors}"] = len(paths) / seconds
            echo(
                f"ray, {actors} actor{'s' if actors > 1 else ' '}: {len(paths) / seconds:6.1f} reports/s "
                f"({len(paths)} reports in {seconds:.1f} s; ray.init {figures['ray_start_s']:.1f} s not included)"
            )
    finally:
        ray.shutdown()
    echo(f"  2 actors / 1 actor: {figures['ray_2'] / figures['ray_1']:.2f}x")
