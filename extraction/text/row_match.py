"""Which template row a label the patterns missed is: a model ROW span matched to the row it
resembles most, numbering included, group rows (``（三）不予公开``) competing; or, resembling no
row enough, the one span where the template's row order puts a missing row (``行攻外罚`` between
行政许可 and 行政强制: 行政处罚, half its characters damaged)."""

from __future__ import annotations

import re
from collections import Counter
from difflib import SequenceMatcher

from nianbao.extraction.templates import Table, template_data
from nianbao.extraction.text.normalize import NormText

_NUMBERING = re.compile(r"^[一二三四五六七八九十]*[、.]?[(（]?[一二三四五六七八九十]*[)）]?\d*[.、]?")
ROW_MATCH = 0.6
ORDER_MATCH = 0.4  # a span alone where the template's order puts a missing row needs only this much
_TARGETS: dict[tuple[str, tuple[str, ...]], list] = {}  # see _targets
_OWNERS: dict[tuple, tuple[str | None, float]] = {}  # see row_owner


def row_owner(text: str, table: Table) -> tuple[str | None, float]:
    """The row a ROW span's text resembles most (None: a group row such as ``（三）不予公开``, or
    nothing above :data:`ROW_MATCH`), and how much. Compared with each row's label without its
    numbering and as the template prints it, numbering included (``(一)予以会升``, OCR-damaged:
    予以公开 by its number, not 不予公开 by its words).

    Remembered per text and table (row labels recur from report to report); a comparison runs
    only where the characters the two strings share could reach the best ratio so far (the
    bound ``SequenceMatcher.quick_ratio`` uses), so the answer is the one of comparing all."""
    table_key = _table_key(table)
    known = _OWNERS.get((text, table_key))
    if known is not None:
        return known
    core, squeezed = _core(text), _squeeze(text)
    core_counts, squeezed_counts = Counter(core), Counter(squeezed)
    best: tuple[str | None, float] = (None, ROW_MATCH)
    for key, row_core, printed, row_counts, printed_counts in _targets(table):
        ratio = -1.0
        if _ratio_bound(core_counts, len(core), row_counts, len(row_core)) >= best[1]:
            ratio = SequenceMatcher(None, core, row_core).ratio()
        if _ratio_bound(squeezed_counts, len(squeezed), printed_counts, len(printed)) >= best[1]:
            ratio = max(ratio, SequenceMatcher(None, squeezed, printed).ratio())
        if ratio > best[1] or (ratio == best[1] and key is None):
            best = (key, ratio)
    if len(_OWNERS) >= 4096:
        _OWNERS.clear()
    _OWNERS[(text, table_key)] = best
    return best


def row_similarity(text: str, table: Table, key: str) -> float:
    """How much a ROW span's text resembles one row's label (the measure of :func:`row_owner`)."""
    core, squeezed = _core(text), _squeeze(text)
    for row_key, row_core, printed, _, _ in _targets(table):
        if row_key == key:
            return max(SequenceMatcher(None, core, row_core).ratio(), SequenceMatcher(None, squeezed, printed).ratio())
    return 0.0


def _ratio_bound(a: Counter, len_a: int, b: Counter, len_b: int) -> float:
    """At least ``SequenceMatcher(None, a, b).ratio()``: 2 x the characters the two share / their lengths."""
    if not len_a + len_b:
        return 1.0
    return 2.0 * sum((a & b).values()) / (len_a + len_b)


def _table_key(table: Table) -> tuple[str, tuple[str, ...]]:
    return (table.name, tuple(row.key for row in table.rows))


def _targets(table: Table) -> list[tuple[str | None, str, str, Counter, Counter]]:
    """Per row its key, core label and printed label (and their characters counted); group
    rows (no values) under None."""
    cache_key = _table_key(table)
    if cache_key not in _TARGETS:
        data = template_data().get(f"{table.name}_rows", [])
        printed = {row["key"]: row.get("printed", row["label"]) for row in data}
        rows = [(row.key, _core(row.label), _squeeze(printed.get(row.key, row.label))) for row in table.rows]
        keys = {row.key for row in table.rows}
        printed_here = {printed.get(key, "") for key in keys}  # a group printed as a row here is that row
        groups = sorted({row["group"] for row in data if "group" in row and row["key"] in keys} - printed_here)
        rows += [(None, _core(group), _squeeze(group)) for group in groups]
        _TARGETS[cache_key] = [(key, core, label, Counter(core), Counter(label)) for key, core, label in rows]
    return _TARGETS[cache_key]


def _squeeze(label: str) -> str:
    return "".join(NormText(label).norm.split())


def _core(label: str) -> str:
    squeezed = "".join(label.split())
    return _NUMBERING.sub("", squeezed)
