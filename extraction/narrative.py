"""Narrative checks: counts stated in the prose against the table cells they describe.

``check_narrative`` returns ``CheckResult`` entries with rules ``narrative.<what>``; a failed
one puts the cells involved under review with the reason ``narrative_mismatch``.
"""

from __future__ import annotations

from nianbao.extraction.cells import Cell, CellKey
from nianbao.extraction.checks import CheckResult
from nianbao.extraction.locate import Section
from nianbao.extraction.normalize import NormText


def check_narrative(nt: NormText, sections: list[Section], cells: dict[CellKey, Cell]) -> list[CheckResult]:
    """Checks of the prose against the tables (none yet)."""
    return []
