"""Gold annotations of real reports (``tests/gold/*.json``) and their comparison with a document."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

CELL_FIELDS = ("value", "state", "unit", "raw", "start", "end")


@dataclass(frozen=True)
class Gold:
    """One gold file: where its report is and what it should yield."""

    path: Path
    data: dict

    @property
    def name(self) -> str:
        return self.path.stem

    def source_path(self, shared: Path) -> Path:
        return shared / self.data["source"]


def load_gold(directory: Path) -> list[Gold]:
    """Every ``*.json`` gold file in a directory, sorted by name."""
    return [Gold(p, json.loads(p.read_text("utf-8"))) for p in sorted(directory.glob("*.json"))]


def _key(cell: dict) -> tuple[str, str, str]:
    return (cell["table"], cell["row"], cell["col"])


def compare(gold: dict, doc: dict) -> list[str]:
    """Every difference between a gold annotation and an extracted document, one line each."""
    problems: list[str] = []
    for field in ("agency", "year", "template", "script"):
        if gold["report"].get(field) != doc["report"].get(field):
            problems.append(f"report.{field}: gold {gold['report'].get(field)!r} got {doc['report'].get(field)!r}")
    got_sections = [(s["number"], s["title"], s["start"], s["end"]) for s in doc["sections"]]
    want_sections = [(s["number"], s["title"], s["start"], s["end"]) for s in gold["sections"]]
    if got_sections != want_sections:
        problems.append(f"sections: gold {want_sections} got {got_sections}")
    got = {_key(c): c for c in doc["cells"]}
    if len(got) != len(doc["cells"]):
        problems.append("cells: a canonical cell appears more than once")
    want_keys = {_key(c) for c in gold["cells"]}
    for key in sorted(set(got) - want_keys):
        problems.append(f"cell {key}: extracted but not in gold")
    review = {(r["table"], r["row"], r["col"]) for r in doc["review"]}
    for cell in gold["cells"]:
        key = _key(cell)
        if key not in got:
            problems.append(f"cell {key}: missing from the document")
            continue
        for field in CELL_FIELDS:
            if cell.get(field) != got[key].get(field):
                problems.append(f"cell {key}.{field}: gold {cell.get(field)!r} got {got[key].get(field)!r}")
        if cell.get("ambiguous") and key not in review:
            problems.append(f"cell {key}: ambiguous in gold but not under review")
    failed = sorted(c["rule"] for c in doc["checks"] if c["ok"] is False)
    if failed != sorted(gold.get("failed_checks", [])):
        problems.append(f"failed checks: gold {sorted(gold.get('failed_checks', []))} got {failed}")
    return problems
