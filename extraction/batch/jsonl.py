"""One JSONL file per batch (``--jsonl``): each document one line of ``OUT/documents.jsonl``.

The parent alone writes the lines, in the order reports finish, to a temp file renamed when
the run ends; the manifest gives each input its ``line`` (1-based). A killed ``--jsonl`` run
starts over: there is no file per report to resume from.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import orjson

DOCUMENTS = "documents.jsonl"


class JsonlSink:
    """Appends documents (compact JSON, one per line) to ``OUT/documents.jsonl``."""

    def __init__(self, out: Path) -> None:
        self.out = out
        fd, self.tmp = tempfile.mkstemp(dir=out, prefix=".tmp-", suffix=".jsonl")
        self.handle = os.fdopen(fd, "wb")
        self.lines = 0

    def add(self, document: str) -> dict[str, object]:
        """Write one document; return where it is (``output`` and ``line``)."""
        self.handle.write(document.encode("utf-8") + b"\n")
        self.lines += 1
        return {"output": DOCUMENTS, "line": self.lines}

    def close(self) -> None:
        self.handle.close()
        os.chmod(self.tmp, 0o644)
        os.replace(self.tmp, self.out / DOCUMENTS)

    def discard(self) -> None:
        self.handle.close()
        Path(self.tmp).unlink(missing_ok=True)


def read_jsonl(path: Path) -> Iterator[dict]:
    """The documents of a ``documents.jsonl``, in line order."""
    with open(path, "rb") as handle:
        for line in handle:
            if line.strip():
                yield orjson.loads(line)


def iter_outputs(out: Path, records: Iterable[dict]) -> Iterator[tuple[str, dict]]:
    """``(report id, document)`` per record of a batch: its ``<name>.json`` file, or its line of
    ``documents.jsonl`` (streamed in line order after the files)."""
    names: dict[int, str] = {}
    for record in records:
        if record["output"] == DOCUMENTS:
            names[record["line"]] = record.get("name") or Path(record["input"]).stem
        else:
            yield Path(record["output"]).stem, orjson.loads((out / record["output"]).read_bytes())
    if names:
        for line, doc in enumerate(read_jsonl(out / DOCUMENTS), start=1):
            if line in names:
                yield names[line], doc
