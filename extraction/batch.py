"""Input expansion, atomic output and summaries for extracting many reports."""

from __future__ import annotations

import glob
import json
import os
import tempfile
from pathlib import Path

SUFFIXES = (".txt", ".html", ".htm", ".pdf", ".docx", ".text")


def expand_inputs(inputs: list[str]) -> list[Path]:
    """Files, directories (their report files, sorted) and glob patterns → unique paths."""
    paths: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            paths += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
        elif path.exists():
            paths.append(path)
        else:
            paths += sorted(Path(p) for p in glob.glob(item, recursive=True) if Path(p).is_file())
    return list(dict.fromkeys(paths))


def write_document(doc: dict, out_dir: Path, source: Path) -> Path:
    """Write ``<stem>.json`` atomically (temp file + rename) and return its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{source.stem}.json"
    fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=".tmp-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(doc, handle, ensure_ascii=False, indent=1)
    os.replace(tmp, target)
    return target


def summary_line(path: Path, doc: dict) -> str:
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
