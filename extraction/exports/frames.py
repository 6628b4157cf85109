"""``nianbao.frames()``: the analyst tables as pandas DataFrames.

::

    import nianbao
    tables = nianbao.frames("out")                   # a `nianbao extract -o out` folder
    tables = nianbao.frames(["a.json", "b.json"])    # contract JSON files (or documents.jsonl)
    tables = nianbao.frames(docs)                    # documents (dicts) already in memory
    tables = nianbao.frames(review_db="sqlite:///review.db")   # reviewed values, review columns
    tables["cells"].query("review")                  # the cells still to check
    tables["requests"].set_index(["report", "row"])  # one row per report and printed row

The keys are ``reports``, ``cells``, ``checks``, ``active``, ``requests``, ``appeals``,
``active_state``, ``requests_state``, ``appeals_state`` and ``row_map``; their columns are
described in :mod:`nianbao.extraction.exports.tables`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

Source = str | Path | Iterable[Any] | None


def _items(source: Source) -> list[tuple[str, dict[str, Any]]]:
    """``(report id, document)`` pairs from a folder, files, documents or pairs."""
    from nianbao.extraction.batch.jsonl import read_jsonl
    from nianbao.extraction.exports.series import report_files

    if source is None:
        return []
    if isinstance(source, str | Path):
        path = Path(source)
        paths = report_files(path) if path.is_dir() else [path]
    else:
        paths = []
        items: list[tuple[str, dict[str, Any]]] = []
        for n, entry in enumerate(source):
            if isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[1], dict):
                items.append((str(entry[0]), entry[1]))
            elif isinstance(entry, dict):
                items.append((Path(str(entry.get("source", {}).get("name") or f"report-{n}")).stem, entry))
            else:
                paths.append(Path(entry))
        if not paths:
            return items
        return items + _items(paths)
    out = []
    for path in paths:
        if path.suffix == ".jsonl":
            out += [(f"{path.stem}:{n}", doc) for n, doc in enumerate(read_jsonl(path), start=1)]
        elif path.suffix == ".json":
            doc = json.loads(path.read_text("utf-8"))
            if isinstance(doc, dict) and doc.get("schema") == "nianbao.report/1":
                out.append((path.stem, doc))
    return out


def frames(source: Source = None, review_db: str | None = None) -> dict[str, pd.DataFrame]:
    """Every analyst table as a typed DataFrame, keyed by table name.

    ``source``: a batch output folder (the documents its ``manifest.jsonl`` lists, else every
    report ``*.json`` below it), a JSON or ``documents.jsonl`` file, or an iterable of files,
    documents or ``(report id, document)`` pairs. ``review_db``: a review database (SQLAlchemy
    URL or SQLite file) instead: every loaded report with its reviewed values and the review
    columns (extracted and reviewed value, status, reviewer, time, note, revision).
    """
    from nianbao.extraction.exports.writers import NAMES, frame

    if review_db is not None:
        from nianbao.extraction.review.dataset import reviewed_items
        from nianbao.extraction.review.store import ReviewStore

        store = ReviewStore(review_db)
        try:
            items = list(reviewed_items(store))
        finally:
            store.close()
        return {name: frame(name, items, review=True) for name in NAMES}
    items = _items(source)
    return {name: frame(name, items) for name in NAMES}
