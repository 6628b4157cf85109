"""The annotation format: one JSONL line per report, text + labelled spans + gold cells.

``{"text", "spans": [{"start", "end", "label", "text"}], "cells": [...contract cells...],
"sections": [...], "report": {...}, "failed_checks": [...], "meta": {...}}``. Offsets are
Python ``str`` indices; every loader checks that ``text[start:end]`` is what the span says.

A ``VALUE`` span may carry ``"slot"``: the cell's column index within its canonical printed
row (requests 0..6 natural_person..total; active: index in that row's columns; appeals
``row * 5 + col``, 0..14). Number-like text that is not a cell has no ``VALUE`` span at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from nianbao.errors import NianbaoError

SPAN_LABELS = ("TITLE", "SECTION", "CAPTION", "HEADER", "ROW", "VALUE", "NOTE")
SLOT_COUNT = 15  # the widest row: appeals' 3 x 5 cells flattened


class AnnotationError(NianbaoError, ValueError):
    """An annotation whose offsets do not match its text."""


def validate(record: dict) -> dict:
    """Check every span and cell offset against the text; return the record."""
    text = record["text"]
    for span in record.get("spans", []):
        if not 0 <= span["start"] < span["end"] <= len(text):
            raise AnnotationError(f"span {span} is outside the text")
        if "text" in span and text[span["start"] : span["end"]] != span["text"]:
            raise AnnotationError(f"span text {span['text']!r} != {text[span['start'] : span['end']]!r}")
        if span["label"] not in SPAN_LABELS:
            raise AnnotationError(f"unknown span label {span['label']!r}")
        _check_slot(span)
    for cell in record.get("cells", []):
        if cell.get("start") is not None and text[cell["start"] : cell["end"]] != cell["raw"]:
            raise AnnotationError(
                f"cell {cell['table']}.{cell['row']}.{cell['col']} raw {cell['raw']!r} not at its offsets"
            )
    return record


def _check_slot(span: dict) -> None:
    if "slot" not in span:
        return
    slot = span["slot"]
    if span["label"] != "VALUE":
        raise AnnotationError(f"span {span} has a slot but is not a VALUE span")
    if not isinstance(slot, int) or isinstance(slot, bool) or not 0 <= slot < SLOT_COUNT:
        raise AnnotationError(f"span {span} has slot {slot!r}, expected an integer 0..{SLOT_COUNT - 1}")


def read_jsonl(path: Path) -> Iterator[dict]:
    """Annotation records from a JSONL file, validated."""
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                try:
                    yield validate(json.loads(line))
                except (AnnotationError, KeyError, json.JSONDecodeError) as exc:
                    raise AnnotationError(f"{path}:{number}: {exc}") from exc


def write_jsonl(records: Iterable[dict], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(validate(record), ensure_ascii=False) + "\n")
