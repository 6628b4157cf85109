"""What a batch writes: documents as JSON (atomically), their names, the summary line and the manifest."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections import Counter
from pathlib import Path

import orjson

from nianbao.contract import Document

MANIFEST = "manifest.jsonl"

Record = dict


def dump_document(doc: Document, indent: bool = False) -> bytes:
    """The on-disk bytes of a document: compact JSON (orjson), or indented for humans.

    The same bytes whichever engine produced it. Integers beyond 64 bits (orjson's range)
    fall back to the standard encoder.
    """
    option = orjson.OPT_INDENT_2 if indent else 0
    try:
        return orjson.dumps(doc, option=option | orjson.OPT_SERIALIZE_NUMPY)
    except TypeError:  # ASCII escapes also carry lone surrogates losslessly
        return json.dumps(doc, indent=2 if indent else None, separators=None if indent else (",", ":")).encode("ascii")


def write_atomic(target: Path, data: str | bytes) -> None:
    """Write ``data`` to ``target`` through a temp file in the same directory and a rename."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
    try:
        os.fchmod(fd, 0o644)  # mkstemp makes 0600
        with os.fdopen(fd, "wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_document(
    doc: Document, out_dir: Path, source: Path, name: str | None = None, indent: bool = False, create: bool = True
) -> Path:
    """Write ``<name or stem>.json`` atomically; return its path.

    ``create=False`` (a batch) never recreates ``out_dir``: a directory removed mid-run is an
    error, not a fresh empty folder that the manifest would disagree with.
    """
    if create:
        out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{name or source.stem}.json"
    write_atomic(target, dump_document(doc, indent))
    return target


def summary_line(path: Path, doc: Document) -> str:
    """One line: agency, year, template, cells with values, failed checks, review, errors."""
    report = doc["report"]
    numbers = sum(1 for c in doc["cells"] if c["state"] == "number")
    failed = sum(1 for c in doc["checks"] if c["ok"] is False)
    errors = "; ".join(doc["errors"]) if doc["errors"] else "ok"
    return (
        f"{path.name}: {report['agency'] or '?'} {report['year'] or '?'} template={report['template']} "
        f"sections={len(doc['sections'])} cells={len(doc['cells'])} numbers={numbers} "
        f"failed_checks={failed} review={len(doc['review'])} [{errors}]"
    )


def output_names(paths: list[Path]) -> list[str]:
    """Output names: the file stem, plus a hash of the path where two inputs share a stem."""
    stems = Counter(p.stem for p in paths)
    return [
        p.stem if stems[p.stem] == 1 else f"{p.stem}-{hashlib.sha1(str(p.resolve()).encode()).hexdigest()[:8]}"
        for p in paths
    ]


def write_manifest(out: Path, records: list[Record], strict: bool = True) -> None:
    """``manifest.jsonl``: one line per report whose output exists (input order).

    ``strict=False`` (a run stopped by an output failure) gives up quietly when ``out`` takes
    no writes.
    """
    lines = [orjson.dumps(_manifest_line(r)) + b"\n" for r in records if (out / r["output"]).is_file()]
    try:
        write_atomic(out / MANIFEST, b"".join(lines))
    except OSError:
        if strict:
            raise


def _manifest_line(record: Record) -> Record:
    return {k: v for k, v in record.items() if k != "summary"}
