"""The 2019 and 2021 national templates as data (``templates.json``), loaded into typed objects."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from nianbao.extraction.text.normalize import normalize_char

TEMPLATES = ("2019", "2021")
MONEY_UNITS = ("元", "万元", "亿元")


@dataclass(frozen=True)
class Row:
    """A canonical row: its key, printed label, label patterns and the columns it has."""

    key: str
    label: str
    patterns: tuple[re.Pattern[str], ...]
    cols: tuple[str, ...]
    heads: bool = False  # the row's label may head later rows (（六）其他处理 over its 2021 sub-rows)


@dataclass(frozen=True)
class Table:
    """A canonical table of one template."""

    name: str
    rows: tuple[Row, ...]
    cols: tuple[str, ...]
    col_labels: dict[str, str]
    money_cols: frozenset[str]

    def row(self, key: str) -> Row:
        return next(r for r in self.rows if r.key == key)


@dataclass(frozen=True)
class Template:
    """One template: its three tables."""

    name: str
    active: Table
    requests: Table
    appeals: Table

    @property
    def tables(self) -> tuple[Table, Table, Table]:
        return (self.active, self.requests, self.appeals)


def template_data() -> dict:
    """The templates data as loaded from ``templates.json`` (read-only by convention)."""
    return _data()


@lru_cache(maxsize=1)
def template_text() -> str:
    """Every text the templates print (labels, headings, column words), normalised, without
    whitespace, one a line: ``piece in template_text()`` asks whether a piece is part of one
    (keys and other strings without Chinese are left out)."""
    strings: list[str] = []

    def gather(node: object) -> None:
        if isinstance(node, str) and any("\u4e00" <= ch <= "\u9fff" for ch in node):
            strings.append(_squeezed(node))
        elif isinstance(node, dict):
            for value in node.values():
                gather(value)
        elif isinstance(node, list):
            for value in node:
                gather(value)

    gather(_data())
    return "\n".join(strings)


def _squeezed(text: str) -> str:
    """``text`` normalised (``normalize_char``) without whitespace, as the rules compare it."""
    return "".join(normalize_char(ch) for ch in "".join(text.split()))


@lru_cache(maxsize=1)
def group_headings() -> frozenset[str]:
    """The requests table's group headings (三、本年度办理结果, （三）不予公开, …), normalised and
    without whitespace: a merged label cell printed beside its rows."""
    return frozenset(_squeezed(r["group"]) for r in _data()["requests_rows"] if "group" in r)


@lru_cache(maxsize=1)
def _data() -> dict:
    text = resources.files("nianbao.extraction").joinpath("templates.json").read_text("utf-8")
    return json.loads(text)


def _compile(patterns: list[str]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in patterns)


def _variants(row: dict) -> list[str]:
    """The table variants a requests row belongs to (``2021-all`` is the label search set)."""
    variants = row.get("templates", ["2019", "2021", "2021-single"])
    if "2021" in variants or "2021-single" in variants:
        variants = [*variants, "2021-all"]
    return variants


def _requests_table(variant: str) -> Table:
    data = _data()
    cols = tuple(key for key, _ in data["requests_cols"])
    groups = {r["group"] for r in data["requests_rows"] if "group" in r}
    rows = tuple(
        Row(r["key"], r["label"], _compile(r["patterns"]), cols, r.get("printed") in groups)
        for r in data["requests_rows"]
        if variant in _variants(r)
    )
    return Table("requests", rows, cols, dict(data["requests_cols"]), frozenset())


def _appeals_table() -> Table:
    data = _data()
    cols = tuple(key for key, _ in data["appeals_cols"])
    rows = tuple(Row(key, label, (), cols) for key, label in data["appeals_rows"])
    return Table("appeals", rows, cols, dict(data["appeals_cols"]), frozenset())


def _active_table(name: str) -> Table:
    spec = _data()["active"][name]
    rows = tuple(Row(r["key"], r["label"], _compile(r["patterns"]), tuple(r["cols"])) for r in spec["rows"])
    col_labels = {key: label for key, (label, _) in spec["cols"].items()}
    money = frozenset(key for key, (_, is_money) in spec["cols"].items() if is_money)
    return Table("active", rows, tuple(spec["cols"]), col_labels, money)


@lru_cache(maxsize=4)
def get_template(name: str) -> Template:
    """The template ``"2019"`` or ``"2021"``."""
    if name not in TEMPLATES:
        raise KeyError(name)
    return Template(name, _active_table(name), _requests_table(name), _appeals_table())


@lru_cache(maxsize=1)
def requests_with_single_other() -> Table:
    """The 2021 requests table with （六）其他处理 as one row (some reports print it so)."""
    return _requests_table("2021-single")


@lru_cache(maxsize=1)
def single_other_subrows() -> tuple[str, ...]:
    """The 2021 sub-rows of （六） that a report printing （六）其他处理 as one row leaves missing."""
    single = {row.key for row in requests_with_single_other().rows}
    return tuple(row.key for row in get_template("2021").requests.rows if row.key not in single)


@lru_cache(maxsize=1)
def template_markers() -> dict[str, tuple[str, ...]]:
    return {name: tuple(words) for name, words in _data()["markers"].items()}


@lru_cache(maxsize=1)
def section_patterns() -> dict[int, tuple[str, ...]]:
    return {s["number"]: tuple(s["patterns"]) for s in _data()["sections"]}


@lru_cache(maxsize=2)
def requests_search_table(template: str) -> Table:
    """The rows whose labels are searched: for 2021 also （六）其他处理 before its sub-rows."""
    return _requests_table("2021-all" if template == "2021" else "2019")


def slot_of(template: str, table: str, row: str, col: str) -> int | None:
    """A cell's column slot in its printed row (the tagger's ``V<k>`` label), or None.

    Requests and active rows: the column's index in the row; the appeals table is read as
    one printed row of 15 (three rows of five).
    """
    if template not in TEMPLATES:
        return None
    if table == "appeals":
        data = _data()
        rows = [key for key, _ in data["appeals_rows"]]
        cols = [key for key, _ in data["appeals_cols"]]
        return rows.index(row) * len(cols) + cols.index(col) if row in rows and col in cols else None
    source = get_template(template).active if table == "active" else requests_search_table(template)
    match = next((r for r in source.rows if r.key == row), None)
    return match.cols.index(col) if match is not None and col in match.cols else None
