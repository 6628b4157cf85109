"""Where ``nianbao review load`` finds the text a document's offsets refer to.

In order: the document's own ``source.rendered_text`` (HTML, DOCX, PDF); the input the batch
manifest beside the JSON names for it (``manifest.jsonl`` of ``nianbao extract -o OUT``:
its absolute ``input_path``, else ``input`` as given, relative to the current folder or to
OUT's parent); a file of the same name in ``--text-dir``; one beside the JSON. A file is used
only when its SHA-256 is the one the document records. The manifest also gives the
extractor's version (``extractor``), which names the loaded version in the store.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any


@lru_cache(maxsize=64)
def _manifest(folder: Path) -> dict[str, dict[str, Any]]:
    """``output`` file name → manifest line, for the manifest in ``folder`` ({} without one)."""
    path = folder / "manifest.jsonl"
    lines: dict[str, dict[str, Any]] = {}
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return lines
    for line in text.splitlines():
        try:
            record = json.loads(line)
            lines[str(record["output"])] = record
        except (ValueError, KeyError, TypeError):
            continue
    return lines


def manifest_record(json_path: Path) -> dict[str, Any] | None:
    """The batch manifest's line for an output JSON, if the folder has a manifest naming it."""
    return _manifest(json_path.resolve().parent).get(json_path.name)


def _candidates(doc: dict[str, Any], json_path: Path, text_dir: Path | None) -> list[Path]:
    name = Path(str(doc.get("source", {}).get("name", ""))).name
    found: list[Path] = []
    record = manifest_record(json_path)
    if record is not None:
        for key in ("input_path", "input"):
            if record.get(key):
                given = Path(str(record[key]))
                found += [given] if given.is_absolute() else [given, json_path.resolve().parent.parent / given]
    if name and not name.startswith("<"):
        found += [folder / name for folder in (text_dir, json_path.parent) if folder is not None]
    return found


def source_text(doc: dict[str, Any], json_path: Path, text_dir: Path | None = None) -> str | None:
    """The text the document's offsets refer to, or None when no matching source is found."""
    from nianbao.errors import ReadError
    from nianbao.extraction.inputs.decode import decode
    from nianbao.extraction.inputs.files import read_input
    from nianbao.extraction.inputs.render import render_input

    source = doc.get("source", {})
    if source.get("rendered_text") is not None:
        return str(source["rendered_text"])
    for path in _candidates(doc, json_path, text_dir):
        if not path.is_file():
            continue
        try:
            data = read_input(path)
        except ReadError:
            continue
        if source.get("sha256") and hashlib.sha256(data).hexdigest() != source["sha256"]:
            continue
        rendered = render_input(data, Path(str(source.get("name") or path.name)).name)
        return rendered.text if rendered is not None else decode(data).text
    return None
