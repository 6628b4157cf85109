"""``nianbao bench``: throughput of the full pipeline against reading + tokenizing alone.

Figures are printed, never asserted: reports/s per core on a fixed set of generated reports
of realistic size, the ratio of the full pipeline's time to the time to only decode and
normalise the same texts (measured in the same run), peak RSS, and the rule locator's time
beside the model's.
"""

from __future__ import annotations

import resource
import time

from nianbao.extraction.inputs.decode import decode
from nianbao.extraction.pipeline import default_locator, extract_bytes
from nianbao.extraction.text.locator import RuleLocator
from nianbao.extraction.text.normalize import NormText
from nianbao.training.generator.generate import generate


def _time(fn, items) -> float:
    started = time.perf_counter()
    for item in items:
        fn(item)
    return time.perf_counter() - started


def run_bench(n: int = 200, model: str | None = None) -> list[str]:
    from nianbao.extraction.text.locator import make_locator

    texts = [sample["text"].encode("utf-8") for sample in generate(n, seed=424242)]
    locator = make_locator(model) if model else default_locator()
    rules = RuleLocator()
    extract_bytes(texts[0], locator=locator)  # warm caches and the model
    baseline = _time(lambda data: NormText(decode(data).text), texts)
    rules_time = _time(lambda data: extract_bytes(data, locator=rules), texts)
    full = _time(lambda data: extract_bytes(data, locator=locator), texts)
    crawl = [s["text"].encode("utf-8") for s in generate(n, seed=515151, styles=("crawl",))]
    from nianbao.extraction.placement import run_tables

    run_tables.SPLIT_SECONDS[0] = 0.0
    crawl_time = _time(lambda data: extract_bytes(data, locator=locator), crawl)
    split_share = run_tables.SPLIT_SECONDS[0] / crawl_time
    worst = max(_time(lambda data: extract_bytes(data, locator=rules), [d]) for d in crawl[:50])
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size = sum(map(len, texts)) / len(texts) / 1024
    return [
        f"reports: {n} generated (mean {size:.1f} KB), locator: {locator.name}",
        f"read+normalise only: {n / baseline:.1f} reports/s",
        f"rules pipeline: {n / rules_time:.1f} reports/s (ratio to read+normalise {rules_time / baseline:.2f})",
        f"full pipeline: {n / full:.1f} reports/s per core (ratio to read+normalise {full / baseline:.2f})",
        f"crawled one-line dumps: {n / crawl_time:.1f} reports/s per core; splitter share of the time "
        f"{split_share:.1%}; slowest of 50 (rules) {worst * 1000:.0f} ms",
        f"peak RSS: {peak_mb:.0f} MB (one worker)",
    ]
