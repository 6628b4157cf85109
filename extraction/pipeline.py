"""The extraction pipeline: bytes or text in, the contract's JSON document out.

bytes → decoded text → normalised view → sections and table regions → labels and values
→ assembled cells → checks → confidence → document. Any failure becomes an ``errors``
sentence in a document of the contract's shape, never a traceback.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import cast

from nianbao.contract import SCHEMA, Alternative, Document, Source
from nianbao.errors import ReadError, message
from nianbao.extraction.checks.narrative import check_narrative
from nianbao.extraction.checks.table import run_checks
from nianbao.extraction.document.cells import Cell, CellKey
from nianbao.extraction.document.confidence import review_entries, score_cells
from nianbao.extraction.inputs.decode import decode
from nianbao.extraction.inputs.files import read_input
from nianbao.extraction.inputs.render import render_input
from nianbao.extraction.placement.alternatives import alternatives_json
from nianbao.extraction.placement.arithmetic import APPEAL_ROWS
from nianbao.extraction.placement.assemble import assemble
from nianbao.extraction.placement.prose_counts import apply_prose_evidence
from nianbao.extraction.text.locator import RuleLocator, make_locator
from nianbao.extraction.text.metadata import read_meta
from nianbao.extraction.text.normalize import NormText
from nianbao.extraction.text.patterns import detect_template
from nianbao.extraction.text.regions import find_regions

DEFAULT_MODEL = Path(__file__).resolve().parents[1] / "models" / "default"
_default: RuleLocator | None = None


def default_locator() -> RuleLocator:
    """The shipped default model when present (loaded once per process), else the rules."""
    global _default
    if _default is None:
        model = os.environ.get("NIANBAO_MODEL") or (
            str(DEFAULT_MODEL) if (DEFAULT_MODEL / "tagger.json").exists() else "rules"
        )
        _default = make_locator(model)
    return _default


log = logging.getLogger(__name__)


def empty_document(name: str, data: bytes, encoding: str | None, fmt: str, errors: list[str]) -> Document:
    """A contract document with no sections and no cells, saying why in ``errors``."""
    return {
        "schema": SCHEMA,
        "source": {"name": name, "sha256": hashlib.sha256(data).hexdigest(), "encoding": encoding, "format": fmt},
        "report": {"agency": None, "year": None, "template": "unknown", "script": "simplified"},
        "sections": [],
        "cells": [],
        "checks": [],
        "review": [],
        "alternatives": [],
        "errors": errors,
    }


def extract_text(
    text: str,
    name: str = "<text>",
    data: bytes | None = None,
    encoding: str | None = "utf-8",
    fmt: str = "text",
    locator: RuleLocator | None = None,
    collect: list | None = None,
    fixed: dict[CellKey, str] | None = None,
) -> Document:
    """Extract a report from decoded text (offsets refer to ``text``).

    ``collect``, when given, receives the assembled cells with their evidence (calibration).
    ``fixed`` holds corrected cells (value as printed): the decoder keeps only readings that
    agree with them, so a correction re-places the rest of its row or table (and grounds the
    corrected value at its span).
    """
    raw = data if data is not None else text.encode("utf-8")
    locator = locator or default_locator()
    nt = NormText(text)
    locator.prepare(nt)
    sections = locator.sections(nt)
    template = detect_template(nt)
    regions = find_regions(nt, sections)
    locator.cover(region for region in regions.values() if region)
    errors: list[str] = []
    if not sections and not any(regions.values()):
        return empty_document(name, raw, encoding, fmt, [message("not_a_report")])
    if template == "unknown":
        errors.append(message("template_unknown"))
    assembly = assemble(nt, "2019" if template == "2019" else "2021", regions, locator, fixed)
    apply_prose_evidence(nt, sections, assembly)
    checks = run_checks(assembly.get, assembly.request_rows, APPEAL_ROWS)
    checks += check_narrative(nt, sections, assembly.cells)
    for cell in assembly.cells.values():
        if cell.start is not None and cell.end is not None:
            probability = locator.value_probability(cell.start, cell.end)
            if probability is not None:
                cell.evidence["value_prob"] = probability
    threshold = score_cells(assembly.cells.values(), checks, locator.calibrator)
    if collect is not None:
        collect.extend(assembly.cells.values())
    if not any(regions.values()):
        errors.append(message("no_tables"))
    else:
        errors += [message("table_not_found", name) for name in _tables_not_found(assembly.cells.values())]
    meta = read_meta(nt, sections[0].start if sections else 0)
    doc = empty_document(name, raw, encoding, fmt, errors)
    doc["report"] = {"agency": meta.agency, "year": meta.year, "template": template, "script": meta.script}
    doc["source"].update(cast(Source, meta.source_fields))  # published, url… (crawled headers, bylines)
    doc["sections"] = [
        {"number": s.number, "title": s.title, "start": s.start, "end": s.end, "confidence": 0.99} for s in sections
    ]
    doc["cells"] = [cell.as_json() for cell in assembly.cells.values()]
    doc["checks"] = [check.as_json() for check in checks]
    doc["review"] = review_entries(assembly.cells.values(), checks)
    doc["alternatives"] = cast(list[Alternative], alternatives_json(assembly.decisions))
    doc["review_threshold"] = round(threshold, 4)
    return doc


_TABLE_NAMES = {
    "active": "the active disclosure table of 二、主动公开政府信息情况",
    "requests": "the requests table of 三、收到和处理政府信息公开申请情况",
    "appeals": "the appeals table of 四、政府信息公开行政复议、行政诉讼情况",
}


def _tables_not_found(cells: Iterable[Cell]) -> list[str]:
    """The tables none of whose cells was read (every cell ``missing``), named for the errors list."""
    read = {cell.table for cell in cells if cell.state != "missing"}
    return [name for table, name in _TABLE_NAMES.items() if table not in read]


def extract_bytes(data: bytes, name: str = "<bytes>", locator: RuleLocator | None = None) -> Document:
    """Extract a report from raw bytes: HTML, DOCX and PDF are rendered, text is decoded."""
    try:
        rendered = render_input(data, name)
    except ReadError as exc:
        return empty_document(name, data, None, _format_of(name), [exc.sentence])
    if rendered is not None:
        try:
            doc = extract_text(rendered.text, name, data, rendered.encoding, rendered.format, locator)
        except MemoryError:  # the memory budget: the engine stops this report
            raise
        except Exception as exc:  # noqa: BLE001 - a batch must never lose a report to one bug
            log.exception("extraction failed for %s", name)
            doc = empty_document(
                name, data, rendered.encoding, rendered.format, [message("internal", type(exc).__name__)]
            )
        doc["source"]["rendered_text"] = rendered.text
        doc["errors"][:0] = rendered.notes
        return doc
    try:
        decoded = decode(data)
    except ReadError as exc:
        return empty_document(name, data, None, "text", [exc.sentence])
    try:
        doc = extract_text(decoded.text, name=name, data=data, encoding=decoded.encoding, locator=locator)
    except MemoryError:  # the memory budget: the engine stops this report
        raise
    except Exception as exc:  # noqa: BLE001 - a batch must never lose a report to one bug
        log.exception("extraction failed for %s", name)
        doc = empty_document(name, data, decoded.encoding, "text", [message("internal", type(exc).__name__)])
    if decoded.note:
        doc["errors"].insert(0, decoded.note)
    return doc


class Extractor:
    """A loaded extractor: build once (per worker), call per report.

    ``model`` is a model directory or an mlflow model URI; None means the shipped default.
    """

    def __init__(self, model: str | None = None) -> None:
        self.model = model
        self.locator = default_locator() if model is None else make_locator(model)

    def __call__(self, source: str | os.PathLike[str] | bytes, name: str | None = None) -> Document:
        if isinstance(source, bytes):
            return extract_bytes(source, name=name or "<bytes>", locator=self.locator)
        return extract(source, locator=self.locator)


def extract(text_or_path: str | os.PathLike[str] | bytes, locator: RuleLocator | None = None) -> Document:
    """Extract one report: a path to a file, raw bytes, or the report text itself."""
    if isinstance(text_or_path, bytes):
        return extract_bytes(text_or_path, locator=locator)
    if isinstance(text_or_path, os.PathLike) or _looks_like_path(text_or_path):
        path = Path(text_or_path)
        try:
            data = read_input(path)
        except ReadError as exc:
            return empty_document(path.name, b"", None, _format_of(path.name), [exc.sentence])
        return extract_bytes(data, name=path.name, locator=locator)
    return extract_bytes(text_or_path.encode("utf-8"), name="<text>", locator=locator)


def _format_of(name: str) -> str:
    suffix = Path(name).suffix.lower().lstrip(".")
    return {"htm": "html", "html": "html", "docx": "docx", "pdf": "pdf"}.get(suffix, "text")


def _looks_like_path(value: str) -> bool:
    return (
        "\n" not in value
        and len(value) < 4096
        and (os.path.exists(value) or value.endswith((".txt", ".html", ".htm", ".pdf", ".docx")))
    )
