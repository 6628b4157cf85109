"""The template's own arithmetic (勾稽关系). Checks flag; they never change a value.

A blank or "/" applicant cell counts as 0, but a total that is not a number makes the rule
not assessable (``ok: None``): some real reports fill the 总计 column on some rows only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from nianbao.contract import CheckEntry
from nianbao.extraction.document.cells import Cell, CellKey
from nianbao.extraction.placement.arithmetic import (  # the identities, defined once
    APPEAL_PARTS,
    APPLICANTS,
    BALANCE_LEFT,
    BALANCE_RIGHT,
    HANDLED_ROWS,
    REQUEST_COLS,
    holds,
)

Lookup = Callable[[CellKey], Cell | None]


@dataclass
class CheckResult:
    rule: str
    ok: bool | None
    detail: str
    cells: list[CellKey] = field(default_factory=list)
    # optional positions behind the verdict (e.g. the prose span of a narrative check)
    evidence: dict = field(default_factory=dict)

    def as_json(self) -> CheckEntry:
        out: CheckEntry = {
            "rule": self.rule,
            "ok": self.ok,
            "detail": self.detail,
            "cells": [{"table": t, "row": r, "col": c} for t, r, c in self.cells],
        }
        if self.evidence:
            out["evidence"] = self.evidence
        return out


def _amount(cell: Cell | None) -> float:
    return float(cell.value) if cell is not None and cell.state == "number" and cell.value is not None else 0.0


def _is_number(cell: Cell | None) -> bool:
    return cell is not None and cell.state == "number"


def fmt_number(x: float) -> str:
    """A number as a report prints it: no trailing .0."""
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def sum_rule(rule: str, get: Lookup, total: CellKey, parts: Iterable[CellKey]) -> CheckResult:
    """``total == sum(parts)``; not assessable when the total is not a number."""
    parts = [p for p in parts if get(p) is not None]
    cells = [total, *parts]
    if not _is_number(get(total)):
        return CheckResult(rule, None, "total not printed as a number", cells)
    left = _amount(get(total))
    right = sum(_amount(get(k)) for k in parts)
    if holds(left, [right]):
        return CheckResult(rule, True, "", cells)
    return CheckResult(rule, False, f"{fmt_number(left)} printed, parts add up to {fmt_number(right)}", cells)


def row_sum_requests(get: Lookup, row: str) -> CheckResult:
    return sum_rule(
        f"requests.row_sum.{row}",
        get,
        ("requests", row, "total"),
        [("requests", row, col) for col in APPLICANTS],
    )


def row_sum_appeals(get: Lookup, row: str) -> CheckResult:
    return sum_rule(
        f"appeals.row_sum.{row}",
        get,
        ("appeals", row, "total"),
        [("appeals", row, col) for col in APPEAL_PARTS],
    )


def col_sum_requests(get: Lookup, col: str) -> CheckResult:
    return sum_rule(
        f"requests.col_sum.{col}",
        get,
        ("requests", BALANCE_RIGHT[0], col),  # 三（七）总计
        [("requests", row, col) for row in HANDLED_ROWS],
    )


def balance_requests(get: Lookup, col: str) -> CheckResult:
    """一 + 二 = 三（七）+ 四, written as 三（七）+ 四 - 二 = 一 so the total drives assessability."""
    rule = f"requests.balance.{col}"
    keys = [("requests", r, col) for r in (*BALANCE_LEFT, *BALANCE_RIGHT)]
    if not _is_number(get(keys[2])):
        return CheckResult(rule, None, "total_processed not printed as a number", keys)
    left = _amount(get(keys[0])) + _amount(get(keys[1]))
    right = _amount(get(keys[2])) + _amount(get(keys[3]))
    if holds(left, [right]):
        return CheckResult(rule, True, "", keys)
    return CheckResult(rule, False, f"一+二 = {fmt_number(left)} but 三（七）+四 = {fmt_number(right)}", keys)


def run_checks(get: Lookup, request_rows: Iterable[str], appeal_rows: Iterable[str]) -> list[CheckResult]:
    """Every rule of the spec, in a stable order."""
    results = [row_sum_requests(get, row) for row in request_rows]
    results += [col_sum_requests(get, col) for col in REQUEST_COLS]
    results += [balance_requests(get, col) for col in REQUEST_COLS]
    results += [row_sum_appeals(get, row) for row in appeal_rows]
    return results
