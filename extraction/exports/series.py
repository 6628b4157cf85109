"""Series checks: each year of an agency's reports against the year before.

``nianbao series DIR -o OUT [--aliases aliases.toml]`` reads the extracted report JSONs in DIR
(the output contract's documents: those DIR's ``manifest.jsonl`` lists when DIR is the output
of ``nianbao extract … -o DIR``, else every ``*.json`` below DIR), groups them by
agency and year, and checks consecutive years:

- ``series.carry.<col>`` (hard, severity ``error``): 四、结转下年度继续办理 of year N-1 equals
  二、上年结转 of year N, per applicant column and the total;
- ``series.in_force.<rules|normative_docs>`` (soft, severity ``warning``): 现行有效件数 of
  year N equals that of N-1 + 本年制发 − 本年废止 (2021 template; reports differ on
  自然失效, so a difference is a question, not an error);
- ``series.missing_years``: the years absent between an agency's first and last report.

Agency names are normalised (whitespace removed, traditional → simplified, full-width →
ASCII), and a parent prefix is dropped when the rest is another report's agency: the
names of 江苏省淮安市洪泽区人民政府 and 淮安市洪泽区人民政府 become 洪泽区人民政府 when a report
of 洪泽区人民政府 is among them (the rest must itself start with a place: 区, 县, 市, 旗, 镇, 乡
or 街道, so 宁德市公安局 never becomes 公安局). ``spellings`` lists every name as printed.

An alias file (``--aliases FILE``, TOML, UTF-8) maps the other variants of one body to one
name: a table ``[aliases]`` whose keys are the canonical names and whose values are a
variant or a list of variants (matched after the same normalisation; the canonical name is
then used as is)::

    [aliases]
    "洪泽区人民政府" = ["洪泽区政府", "洪泽县人民政府"]
    "平潭综合实验区公安局" = "平潭公安局"

Output in OUT: ``series.json`` (every agency, its years, every check with both reports'
cell spans), ``series.csv`` (one row per agency and year), ``checks.csv`` (one row per failed
check) and ``plots/<agency>.png`` (received / granted / carried over across years).
Checks flag; they never change a value.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nianbao.extraction.checks.table import REQUEST_COLS
from nianbao.extraction.exports.series_outputs import (
    SERIES_FIELDS,
    write_outputs,
)
from nianbao.extraction.text.normalize import normalize_char


@dataclass
class Report:
    """One extracted report: where it came from and its cells by key."""

    path: Path
    doc: dict[str, Any]
    agency: str
    year: int
    cells: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)

    @property
    def source(self) -> str:
        return str(self.doc.get("source", {}).get("name") or self.path.name)

    def value(self, key: tuple[str, str, str]) -> int | float | None:
        cell = self.cells.get(key)
        return cell.get("value") if cell and cell.get("state") == "number" else None


def normalize_agency(name: str) -> str:
    """An agency name compared across reports: no whitespace, simplified, ASCII punctuation."""
    return "".join(normalize_char(ch) for ch in name if not ch.isspace()).strip()


PARENT = re.compile(r"^.{1,10}?(?:特别行政区|自治区|自治州|省|市|盟|地区)")
PLACE = re.compile(r"^.{1,10}?(?:区|县|市|旗|镇|乡|街道)")


def without_parents(name: str) -> list[str]:
    """The name with each leading parent prefix dropped, longest first:
    江苏省淮安市洪泽区人民政府 → [淮安市洪泽区人民政府, 洪泽区人民政府]."""
    out, rest = [], name
    while (match := PARENT.match(rest)) is not None:
        rest = rest[match.end() :]
        if not PLACE.match(rest) or len(rest) < 4:
            break
        out.append(rest)
    return out


def merge_parents(names: set[str]) -> dict[str, str]:
    """Each name → the shortest other known name it becomes by dropping parent prefixes."""
    return {name: next((r for r in reversed(without_parents(name)) if r in names), name) for name in names}


def load_aliases(path: Path | None) -> dict[str, str]:
    """Variant (normalised) → canonical name, from a TOML file with an ``[aliases]`` table."""
    if path is None:
        return {}
    data = tomllib.loads(path.read_text("utf-8"))
    table = data.get("aliases", data)
    out: dict[str, str] = {}
    for canonical, variants in table.items():
        name = normalize_agency(canonical)
        out[name] = name
        for variant in [variants] if isinstance(variants, str) else variants:
            out[normalize_agency(str(variant))] = name
    return out


def report_files(directory: Path) -> list[Path]:
    """The documents of a batch output: those its ``manifest.jsonl`` lists (one per input, so a
    stale or copied file is never counted twice); every ``*.json`` below a folder without one."""
    manifest = directory / "manifest.jsonl"
    if not manifest.is_file():
        return sorted(directory.rglob("*.json"))
    names = []
    for line in manifest.read_text("utf-8").splitlines():
        try:
            names.append(str(json.loads(line)["output"]))
        except (ValueError, KeyError, TypeError):
            continue
    return [directory / name for name in dict.fromkeys(names) if Path(name).name == name]


def _documents(paths: list[Path], skipped: list[dict[str, str]]) -> Iterator[tuple[Path, Any]]:
    """``(path, document)`` for each JSON file, and for each line of a ``documents.jsonl``."""
    from nianbao.extraction.batch.jsonl import read_jsonl

    for path in paths:
        try:
            if path.suffix == ".jsonl":
                for line, doc in enumerate(read_jsonl(path), start=1):
                    yield path.with_name(f"{path.name}:{line}"), doc
            else:
                yield path, json.loads(path.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            skipped.append({"path": str(path), "reason": f"not readable as JSON ({type(exc).__name__})"})


def load_reports(directory: Path, aliases: dict[str, str]) -> tuple[list[Report], list[dict[str, str]]]:
    """The contract documents of a directory (see ``report_files``) with agency and year, and the rest."""
    reports: list[Report] = []
    skipped: list[dict[str, str]] = []
    for path, doc in _documents(report_files(directory), skipped):
        if not isinstance(doc, dict) or doc.get("schema") != "nianbao.report/1":
            continue  # not an extracted report (e.g. an earlier series.json)
        meta = doc.get("report") or {}
        if not meta.get("agency") or not isinstance(meta.get("year"), int):
            skipped.append({"path": str(path), "reason": "the report's agency or year was not found"})
            continue
        name = normalize_agency(meta["agency"])
        cells = {(c["table"], c["row"], c["col"]): c for c in doc.get("cells", [])}
        reports.append(Report(path, doc, aliases.get(name, name), meta["year"], cells))
    merged = merge_parents({r.agency for r in reports})
    for report in reports:
        report.agency = merged[report.agency]
    return reports, skipped


def _span(report: Report, key: tuple[str, str, str]) -> dict[str, Any]:
    cell = report.cells.get(key) or {}
    return {
        "source": report.source,
        "path": str(report.path),
        "year": report.year,
        "table": key[0],
        "row": key[1],
        "col": key[2],
        "value": cell.get("value"),
        "raw": cell.get("raw"),
        "state": cell.get("state", "missing"),
        "start": cell.get("start"),
        "end": cell.get("end"),
    }


def _amount(report: Report, key: tuple[str, str, str]) -> float | None:
    """A number; blank and "/" count as 0; None when the cell is missing or unreadable."""
    cell = report.cells.get(key)
    if cell is None or cell.get("state") in ("missing", "text", None):
        return None
    return float(cell["value"]) if cell.get("state") == "number" and cell.get("value") is not None else 0.0


def _fmt(x: float | None) -> str:
    return "–" if x is None else str(int(x)) if float(x).is_integer() else f"{x:g}"


def carry_checks(prev: Report, cur: Report) -> list[dict[str, Any]]:
    """结转下年度 of year N-1 == 上年结转 of year N, per column (hard)."""
    out = []
    for col in REQUEST_COLS:
        before, after = ("requests", "carried_forward", col), ("requests", "carried_over", col)
        a, b = _amount(prev, before), _amount(cur, after)
        states = (prev.cells.get(before, {}).get("state"), cur.cells.get(after, {}).get("state"))
        if a is None or b is None or "number" not in states:
            ok, detail = None, "not assessable: a cell is missing or neither is printed as a number"
        else:
            ok = abs(a - b) < 1e-6
            detail = f"{prev.year} 结转下年度 {_fmt(a)} vs {cur.year} 上年结转 {_fmt(b)}"
        out.append(
            {
                "rule": f"series.carry.{col}",
                "severity": "error",
                "ok": ok,
                "detail": detail,
                "from_year": prev.year,
                "to_year": cur.year,
                "cells": [_span(prev, before), _span(cur, after)],
            }
        )
    return out


def in_force_checks(prev: Report, cur: Report) -> list[dict[str, Any]]:
    """现行有效 N = 现行有效 N-1 + 制发 N − 废止 N (soft: reports differ on 自然失效)."""
    out = []
    for doc in ("rules", "normative_docs"):
        keys = [("active", doc, "in_force")] + [("active", doc, c) for c in ("issued", "repealed", "in_force")]
        owners = (prev, cur, cur, cur)
        if not all(k in r.cells for r, k in zip(owners, keys, strict=True)):
            continue  # a 2019-template year has no 现行有效 column
        spans = [_span(r, k) for r, k in zip(owners, keys, strict=True)]
        start, now = prev.value(keys[0]), cur.value(keys[3])
        issued, repealed = _amount(cur, keys[1]), _amount(cur, keys[2])
        if start is None or now is None or issued is None or repealed is None:
            ok, detail = None, "not assessable: 现行有效件数 not printed as a number in both years"
        else:
            expected = start + issued - repealed
            ok = abs(expected - now) < 1e-6
            detail = (
                f"{prev.year} 现行有效 {_fmt(start)} + {cur.year} 制发 {_fmt(issued)} − 废止 {_fmt(repealed)}"
                f" = {_fmt(expected)}, {cur.year} prints {_fmt(now)}"
            )
            detail += "" if ok else " (the difference may be 自然失效 or a report's mistake)"
        out.append(
            {
                "rule": f"series.in_force.{doc}",
                "severity": "warning",
                "ok": ok,
                "detail": detail,
                "from_year": prev.year,
                "to_year": cur.year,
                "cells": spans,
            }
        )
    return out


def build_series(reports: list[Report]) -> list[dict[str, Any]]:
    """One entry per agency: its years, missing years and every check between consecutive years."""
    by_agency: dict[str, dict[int, list[Report]]] = {}
    for report in reports:
        by_agency.setdefault(report.agency, {}).setdefault(report.year, []).append(report)
    series = []
    for agency in sorted(by_agency):
        years = by_agency[agency]
        chosen = {year: sorted(group, key=lambda r: str(r.path))[0] for year, group in years.items()}
        missing = [y for y in range(min(years), max(years) + 1) if y not in years]
        checks: list[dict[str, Any]] = []
        for year in sorted(chosen):
            if year - 1 in chosen:
                checks += carry_checks(chosen[year - 1], chosen[year])
                checks += in_force_checks(chosen[year - 1], chosen[year])
        if missing:
            checks.append(
                {
                    "rule": "series.missing_years",
                    "severity": "warning",
                    "ok": False,
                    "detail": "no report for " + ", ".join(map(str, missing)),
                    "years": missing,
                    "cells": [],
                }
            )
        duplicates = {y: [str(r.path) for r in g] for y, g in years.items() if len(g) > 1}
        series.append(
            {
                "agency": agency,
                "spellings": sorted({str(r.doc["report"]["agency"]) for g in years.values() for r in g}),
                "years": [_year_entry(chosen[y]) for y in sorted(chosen)],
                "missing_years": missing,
                "duplicates": {str(y): paths for y, paths in sorted(duplicates.items())},
                "checks": checks,
            }
        )
    return series


def _year_entry(report: Report) -> dict[str, Any]:
    values = {f"{t}.{r}.{c}": report.value((t, r, c)) for t, r, c in SERIES_FIELDS}
    return {
        "year": report.year,
        "source": report.source,
        "path": str(report.path),
        "template": report.doc.get("report", {}).get("template"),
        "values": values,
    }


def run_series(directory: Path, out: Path, aliases: Path | None = None, plots: bool = True) -> dict[str, Any]:
    """Load, group, check and write; the importable body of ``nianbao series``."""
    reports, skipped = load_reports(directory, load_aliases(aliases))
    return write_outputs(build_series(reports), skipped, out, plots)
