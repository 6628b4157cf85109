"""How the review queue holds up with many reports: prints figures, asserts nothing.

    python -m nianbao.evaluation.bench.review [-n COPIES] [--db PATH]

Loads every seed report COPIES times (each copy under its own sha256, so each is a report of
its own) into a SQLite review store, then times the queue's count, a page deep in the queue,
the queue page and a report page as a signed-in reviewer sees them (FastAPI TestClient).
"""

from __future__ import annotations

import argparse
import copy
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SHARED = Path(__file__).resolve().parents[2].parent / "shared"


def _timed(what: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    out = what()
    return time.perf_counter() - start, out


def run(copies: int, db: Path) -> list[tuple[str, str]]:
    """The figures as (measure, value) pairs."""
    from fastapi.testclient import TestClient

    from nianbao.extraction.inputs.decode import decode
    from nianbao.extraction.pipeline import extract
    from nianbao.extraction.review.app import create_app
    from nianbao.extraction.review.queries import QueueFilter
    from nianbao.extraction.review.store import ReviewStore

    store = ReviewStore(str(db))
    seeds = [(extract(p), decode(p.read_bytes()).text) for p in sorted((SHARED / "seeds").glob("*.txt"))]

    def load() -> None:
        for i in range(copies):
            for doc, text in seeds:
                twin = copy.deepcopy(doc)
                twin["source"]["sha256"] = f"{i:06d}" + doc["source"]["sha256"][6:]
                store.load_report(twin, text)

    seconds, _ = _timed(load)
    fields, items, decisions = store.queue_count(QueueFilter())
    everything = store.queue_count(QueueFilter(everything=True))[0]
    out = [
        ("reports", str(len(store.report_ids()))),
        ("open fields (review list or not)", f"{everything}"),
        ("open in review / queue items / decisions", f"{fields} / {items} / {decisions}"),
        ("load", f"{seconds:.1f} s"),
    ]
    out.append(("count", f"{_timed(lambda: store.queue_count(QueueFilter()))[0] * 1000:.0f} ms"))
    deep = max(0, items - 50)
    out.append((f"page at offset {deep}", f"{_timed(lambda: store.queue(limit=50, offset=deep))[0] * 1000:.0f} ms"))
    client = TestClient(create_app(store))
    client.post("/login", data={"secret": store.add_reviewer(f"bench-{time.time_ns()}")})
    pages = max(1, -(-items // 50))
    middle = store.report_ids()[len(store.report_ids()) // 2]
    for url in ("/queue", f"/queue?page={pages}", "/queue?all=1", f"/reports/{middle}"):
        seconds, response = _timed(lambda url=url: client.get(url))
        out.append((f"GET {url} ({response.status_code})", f"{seconds * 1000:.0f} ms"))
    store.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--copies", type=int, default=20, help="copies of each seed report (default 20)")
    parser.add_argument("--db", type=Path, default=None, help="SQLite file (default: a temporary one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = args.db or Path(folder) / "review.db"
        for measure, value in run(args.copies, db):
            print(f"{measure:45} {value}")


if __name__ == "__main__":
    main()
