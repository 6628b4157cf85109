"""The cell record shared by the assembler, the checks and the document builder."""

from __future__ import annotations

from dataclasses import dataclass, field

from nianbao.contract import CellEntry, CellState

CellKey = tuple[str, str, str]


@dataclass
class Cell:
    """One canonical cell, as the contract describes it, plus assembly evidence."""

    table: str
    row: str
    col: str
    value: int | float | None = None
    raw: str = ""
    unit: str | None = None
    state: CellState = "missing"
    start: int | None = None
    end: int | None = None
    confidence: float = 1.0
    ambiguous: bool = False
    reasons: list[str] = field(default_factory=list)
    # evidence used by the confidence model: how the value was located
    evidence: dict[str, float] = field(default_factory=dict)
    note: str = ""  # a sentence for the reviewer (e.g. the prose count that chose a split)

    @property
    def key(self) -> CellKey:
        return (self.table, self.row, self.col)

    def as_json(self) -> CellEntry:
        return {
            "table": self.table,
            "row": self.row,
            "col": self.col,
            "value": self.value,
            "raw": self.raw,
            "unit": self.unit,
            "state": self.state,
            "start": self.start,
            "end": self.end,
            "confidence": round(self.confidence, 4),
        }
