"""Narrative checks: counts stated in the prose against the table cells they describe.

The prose of sections 1–6 outside the table regions is read in a whitespace-free normalised
view (so a count wrapped over a PDF line break still reads ``答复3050件``). A count is
checked only when the prose ties it clearly to a cell or a sum of cells:

- a fixed phrase names what is counted (``共收到政府信息公开申请52件``, ``不予公开2件``,
  ``发生行政复议4件``, ``现行有效规范性文件698件``, …) and the number follows it directly;
- the clause before the phrase holds nothing but the year, the reporting body (我局, 全市, the
  agency's own name, …) and connectives (共, 其中, 含, …): a count said of another office
  (区政府办代表区政府受理…) is not checked;
- the sentence before it names no other office, channel or year (通过…平台, 去年, 同比, …);
- the number is exact: 约, 近, 超过, 余件, 多件, ranges are not checked.

``check_narrative`` returns one ``CheckResult`` per rule ``narrative.<what>`` with the prose
spans and the cells' spans in ``evidence``; a failed one puts the cells under review with
the reason ``narrative_mismatch`` (``confidence.py``). Values are never changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nianbao.extraction.checks.narrative_phrases import (
    _ALLOWED,
    _ALLOWED_WORD,
    _APPROX_AFTER,
    _BREAKDOWN,
    _BREAKDOWN_COLS,
    _CONTEXT_CHARS,
    _FOREIGN,
    _GIP,
    _NEEDS_CONTEXT,
    _PATTERNS,
    _QUALIFIED,
    _WITH_CARRIED,
    _ZERO_APPEALS,
    _ZERO_RECEIVED,
    _ZERO_RECEIVED_TAIL,
)
from nianbao.extraction.checks.table import HANDLED_ROWS, CheckResult, fmt_number
from nianbao.extraction.document.cells import Cell, CellKey
from nianbao.extraction.text.metadata import read_meta
from nianbao.extraction.text.normalize import NormText, normalize_char
from nianbao.extraction.text.patterns import Section, masked
from nianbao.extraction.text.regions import find_regions

# A count: at most 12 digits, never a piece of a longer digit run (the lookarounds), so a
# sentence of 150,000 digits costs linear time, not a backtracking search per position.
# (pattern, what): what is a key of TARGETS, or a marker resolved from the match.
# Words that count in other matters too (答复, 结转, 行政复议) are checked only in a passage
# about information-disclosure requests: the phrase says so, or the 150 characters before do.
_WS = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"[。;!?\n]")
_CLAUSE_DELIMS = ",:()、"
_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}

_REQ = "requests"
_DENIED = tuple(r for r in HANDLED_ROWS if r.startswith("denied_"))
_UNAVAILABLE = tuple(r for r in HANDLED_ROWS if r.startswith("unavailable_"))
_NOT_PROCESSED = tuple(r for r in HANDLED_ROWS if r.startswith("not_processed_"))
_OTHER = ("other", "other_no_correction", "other_unpaid_fee", "other_other")
_LITIGATION = ("litigation_direct", "litigation_after_review")
# what → (words for the detail, the cells whose sum the prose states)
TARGETS: dict[str, tuple[str, list[CellKey]]] = {
    "received": ("一、本年新收", [(_REQ, "new_received", "total")]),
    "received_with_carried_over": (
        "一、本年新收 + 二、上年结转",
        [(_REQ, "new_received", "total"), (_REQ, "carried_over", "total")],
    ),
    "carried_over": ("二、上年结转", [(_REQ, "carried_over", "total")]),
    "carried_forward": ("四、结转下年度继续办理", [(_REQ, "carried_forward", "total")]),
    "processed": ("三（七）总计", [(_REQ, "total_processed", "total")]),
    "granted": ("三（一）予以公开", [(_REQ, "granted", "total")]),
    "partially_granted": ("三（二）部分公开", [(_REQ, "partially_granted", "total")]),
    "granted_and_partially_granted": (
        "三（一）予以公开 + 三（二）部分公开",
        [(_REQ, "granted", "total"), (_REQ, "partially_granted", "total")],
    ),
    "denied": ("三（三）不予公开 rows", [(_REQ, r, "total") for r in _DENIED]),
    "unavailable": ("三（四）无法提供 rows", [(_REQ, r, "total") for r in _UNAVAILABLE]),
    "not_processed": ("三（五）不予处理 rows", [(_REQ, r, "total") for r in _NOT_PROCESSED]),
    "other_processing": ("三（六）其他处理 rows", [(_REQ, r, "total") for r in _OTHER]),
    "reconsideration": ("行政复议 总计", [("appeals", "reconsideration", "total")]),
    "litigation": ("行政诉讼 总计 (direct + after review)", [("appeals", r, "total") for r in _LITIGATION]),
}
_ACTIVE_COLS = {
    "现行有效": ("in_force",),
    "制发": ("issued", "made"),
    "印发": ("issued", "made"),
    "废止": ("repealed",),
}


@dataclass(frozen=True)
class Statement:
    """A count the prose states: what it counts, the value, the phrase's original offsets."""

    what: str
    cells: tuple[CellKey, ...]
    label: str
    value: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class _View:
    """Squeezed normalised prose ("\\n" where a blank line parted paragraphs) and its offsets."""

    text: str
    index: tuple[int, ...]


def _parse_number(raw: str) -> int | None:
    if raw.isdigit() or "," in raw:
        return int(raw.replace(",", ""))
    if raw in _CN_DIGITS:
        return _CN_DIGITS[raw]
    match = re.fullmatch(r"([一二两三四五六七八九]?)十([一二三四五六七八九]?)", raw)
    if not match:
        return None
    return (_CN_DIGITS[match[1]] if match[1] else 1) * 10 + (_CN_DIGITS[match[2]] if match[2] else 0)


def _prose_bounds(nt: NormText, sections: list[Section]) -> list[tuple[int, int]]:
    """Sections' bodies (the whole text when no heading was found) minus the table regions."""
    ordered = sorted(sections, key=lambda s: s.start)
    if ordered:
        ends = [s.start for s in ordered[1:]] + [len(nt.original)]
        bounds = [(s.end, e) for s, e in zip(ordered, ends, strict=True)]
    else:
        bounds = [(0, len(nt.original))]
    for region in find_regions(nt, sections).values():
        if region is None:
            continue
        cut: list[tuple[int, int]] = []
        for a, b in bounds:
            cut += [(a, min(b, region[0])), (max(a, region[1]), b)]
        bounds = [(a, b) for a, b in cut if a < b]
    return bounds


def _squeeze(masked: str, start: int, end: int) -> _View:
    chars: list[str] = []
    index: list[int] = []
    newlines = 0
    for i in range(start, end):
        ch = masked[i]
        if ch.isspace():
            newlines += ch == "\n"
            if newlines == 2:
                chars.append("\n")
                index.append(i)
            continue
        newlines = 0
        chars.append(ch)
        index.append(i)
    return _View("".join(chars), tuple(index))


def _allowed(text: str, names: frozenset[str]) -> bool:
    """``text`` is a run of allowed words: headings, times, subjects (``names`` too), adverbs.

    One fixed pattern, compiled once (a pattern holding the agency's names took ~2 ms to
    compile per report); where a name occurs, which words can follow which is worked out
    position by position (same answer as one ``(?:...|name|...)*`` pattern).
    """
    if _ALLOWED.fullmatch(text):
        return True
    if not any(name in text for name in names):
        return False
    reached = [True] + [False] * len(text)
    for start in range(len(text)):
        if reached[start]:
            for end in range(start + 1, len(text) + 1):
                if text[start:end] in names or _ALLOWED_WORD.fullmatch(text, start, end):
                    reached[end] = True
    return reached[-1]


class _Reader:
    """Finds the statements of one report's prose."""

    def __init__(self, nt: NormText, sections: list[Section], cells: dict[CellKey, Cell]) -> None:
        meta = read_meta(nt, sections[0].start if sections else 0)
        self.nt, self.cells, self.year = nt, cells, meta.year
        agency = "".join(normalize_char(ch) for ch in meta.agency or "" if not ch.isspace())
        self.names = frozenset(agency[i:] for i in range(len(agency) - 2))  # the agency's name and its tails

    def statements(self, bounds: list[tuple[int, int]]) -> list[Statement]:
        text = masked(self.nt)
        found: list[Statement] = []
        for start, end in bounds:
            view = _squeeze(text, start, end)
            cursor = 0
            for stop in [m.start() for m in _SENTENCE_END.finditer(view.text)] + [len(view.text)]:
                found += self._sentence(view, cursor, stop)
                cursor = stop + 1
        return found

    def _sentence(self, view: _View, s0: int, s1: int) -> list[Statement]:
        sent = view.text[s0:s1]
        out: list[Statement] = []
        for pattern, what in _PATTERNS:
            for match in pattern.finditer(sent):
                if not self._clear(sent, match.start(), match.start("n"), match.end()):
                    continue
                if what in _NEEDS_CONTEXT and not self._about_requests(view, s0 + match.start(), match):
                    continue
                target = self._target(what, match, sent)
                value = _parse_number(match["n"])
                if target is None or value is None:
                    continue
                out.append(self._statement(view, s0, match.start(), match.end(), target, value))
                if what in ("reconsideration", "litigation"):
                    out += self._breakdown(view, s0, sent, match.end(), what)
        out += self._zeros(view, s0, sent)
        return out

    def _clear(self, sent: str, start: int, n_start: int, end: int) -> bool:
        """The clause holds only allowed words before the phrase; no foreign scope, no approximation."""
        clause = max(sent.rfind(d, 0, start) for d in _CLAUSE_DELIMS) + 1
        if not _allowed(sent[clause:start], self.names):
            return False
        before = sent[:start]
        if _FOREIGN.search(before):
            return False
        if self.year is not None and any(int(y) != self.year for y in re.findall(r"(\d{4})年", before)):
            return False
        if _QUALIFIED.search(sent[:n_start]) or _APPROX_AFTER.match(sent, end):
            return False
        return True

    @staticmethod
    def _about_requests(view: _View, start: int, match: re.Match[str]) -> bool:
        """The phrase names information disclosure, or the passage before it is about requests."""
        if "gip" in match.re.groupindex and match["gip"]:
            return True
        paragraph = view.text.rfind("\n", 0, start) + 1
        return _GIP.search(view.text, max(paragraph, start - _CONTEXT_CHARS), start) is not None

    def _target(self, what: str, match: re.Match[str], sent: str) -> tuple[str, str, list[CellKey]] | None:
        if what == "received" and _WITH_CARRIED.match(sent, match.end()):
            what = "received_with_carried_over"
        if what == "active":
            doc = "rules" if match["doc"] == "规章" else "normative_docs"
            cols = [c for c in _ACTIVE_COLS[match["verb"]] if ("active", doc, c) in self.cells]
            if not cols:
                return None
            return f"{doc}.{cols[0]}", f"{match['doc']} {match['verb']}", [("active", doc, cols[0])]
        label, keys = TARGETS[what]
        keys = [k for k in keys if k in self.cells]
        return (what, label, keys) if keys else None

    def _breakdown(self, view: _View, s0: int, sent: str, pos: int, what: str) -> list[Statement]:
        """``其中结果维持72件，结果纠正64件…`` right after an appeals count, clause by clause."""
        rows = ("reconsideration",) if what == "reconsideration" else _LITIGATION
        out: list[Statement] = []
        while pos < len(sent) and sent[pos] in _CLAUSE_DELIMS:
            match = _BREAKDOWN.match(sent, pos + 1)
            end = match.end() if match else -1
            if match is None or (end < len(sent) and sent[end] not in _CLAUSE_DELIMS):
                break
            col = _BREAKDOWN_COLS[match["kind"]]
            keys = [("appeals", r, col) for r in rows if ("appeals", r, col) in self.cells]
            value = _parse_number(match["n"])
            if keys and value is not None:
                target = (f"{what}.{col}", f"{TARGETS[what][0].split(' ')[0]} {col}", keys)
                out.append(self._statement(view, s0, match.start(), end, target, value))
            pos = end
        return out

    def _zeros(self, view: _View, s0: int, sent: str) -> list[Statement]:
        """未收到政府信息公开申请 / 未发生…行政复议、行政诉讼 state zero counts."""
        out: list[Statement] = []
        for match in _ZERO_RECEIVED.finditer(sent):
            tail_end = min([i for i in (sent.find(d, match.end()) for d in _CLAUSE_DELIMS) if i >= 0] + [len(sent)])
            if _ZERO_RECEIVED_TAIL.fullmatch(sent, match.end(), tail_end) and self._clear(
                sent, match.start(), match.start(), tail_end
            ):
                target = self._target("received", match, sent)
                if target:
                    out.append(self._statement(view, s0, match.start(), tail_end, target, 0))
        for match in _ZERO_APPEALS.finditer(sent):
            end = match.end()
            if not (match["a"] or match["b"]) or (end < len(sent) and sent[end] not in ",;。"):
                continue
            if not self._clear(sent, match.start(), match.start(), end):
                continue
            if not self._about_requests(view, s0 + match.start(), match):
                continue
            for group, what in (("a", "reconsideration"), ("b", "litigation")):
                target = self._target(what, match, sent) if match[group] else None
                if target:
                    out.append(self._statement(view, s0, match.start(), end, target, 0))
        return out

    def _statement(
        self, view: _View, s0: int, start: int, end: int, target: tuple[str, str, list[CellKey]], value: int
    ) -> Statement:
        o_start, o_end = view.index[s0 + start], view.index[s0 + end - 1] + 1
        what, label, keys = target
        return Statement(what, tuple(keys), label, value, o_start, o_end, self.nt.original[o_start:o_end])


def _cell_json(cell: Cell) -> dict:
    return {
        "table": cell.table,
        "row": cell.row,
        "col": cell.col,
        "value": cell.value,
        "state": cell.state,
        "start": cell.start,
        "end": cell.end,
    }


def _table_value(cells: list[Cell]) -> float | None:
    """The sum the table prints, blank and "/" counting as 0; None when nothing is a number."""
    if not any(c.state == "number" for c in cells) or any(c.state == "text" for c in cells):
        return None
    total = sum((float(c.value) for c in cells if c.state == "number" and c.value is not None), 0.0)
    return int(total) if total.is_integer() else total


def _result(statements: list[Statement], cells: dict[CellKey, Cell]) -> CheckResult:
    first = statements[0]
    table_cells = [cells[k] for k in first.cells]
    total = _table_value(table_cells)
    quoted = "; ".join(f"“{_WS.sub('', s.text)}” ({s.value}, offset {s.start})" for s in statements)
    evidence = {
        "prose": [{"start": s.start, "end": s.end, "text": s.text, "value": s.value} for s in statements],
        "table": {"value": total, "cells": [_cell_json(c) for c in table_cells]},
    }
    if total is None:
        ok, verdict = None, "the table does not print these cells as numbers"
    else:
        ok = all(abs(s.value - total) < 1e-6 for s in statements)
        verdict = f"table {first.label}: {fmt_number(total)}"
    detail = f"prose says {quoted}; {verdict}" if ok is not True else f"prose {quoted} agrees with table {first.label}"
    return CheckResult(f"narrative.{first.what}", ok, detail, list(first.cells), evidence)


def find_statements(nt: NormText, sections: list[Section], cells: dict[CellKey, Cell]) -> list[Statement]:
    """Every count the prose ties clearly to a cell or a sum of cells, in document order."""
    reader = _Reader(nt, sections, cells)
    found = reader.statements(_prose_bounds(nt, sections))
    unique = {(s.what, s.start, s.end): s for s in found}
    return sorted(unique.values(), key=lambda s: (s.start, s.what))


def check_narrative(nt: NormText, sections: list[Section], cells: dict[CellKey, Cell]) -> list[CheckResult]:
    """One ``narrative.<what>`` check per thing the prose counts, against the table's cells.

    Parameters
    ----------
    nt : the report's text and its normalised view.
    sections : the headings found (the prose is their bodies outside the table regions).
    cells : the assembled canonical cells, by key.

    Returns
    -------
    Checks with ``ok`` True (prose and table agree), False (they differ: the cells go to
    review with ``narrative_mismatch``) or None (the table does not print the cells).
    """
    by_what: dict[str, list[Statement]] = {}
    for statement in find_statements(nt, sections, cells):
        by_what.setdefault(statement.what, []).append(statement)
    return [_result(group, cells) for group in by_what.values()]
