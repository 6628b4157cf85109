"""Counts stated in the prose as evidence for undecidable active-table splits.

Active-table rows have no arithmetic: ``规范性文件111`` in a crawled dump could be 1|1|1 or
11|1… When the prose states one of the row's cells (本年制发规范性文件5件), the split that
agrees with it is taken; the cells stay under review, and the review entry cites the prose.
"""

from __future__ import annotations

from dataclasses import replace

from nianbao.extraction.checks.narrative import find_statements
from nianbao.extraction.placement.assemble import Assembly
from nianbao.extraction.text.normalize import NormText
from nianbao.extraction.text.patterns import Section


def apply_prose_evidence(nt: NormText, sections: list[Section], assembly: Assembly) -> None:
    """Re-pick undecided active splits that a prose count decides; cite it on the cells."""
    if not assembly.active_splits:
        return
    for statement in find_statements(nt, sections, assembly.cells):
        if len(statement.cells) != 1 or statement.cells[0][0] != "active":
            continue
        _, row_key, col = statement.cells[0]
        row = assembly.active_splits.get(row_key)
        if row is None:
            continue
        agreeing = []
        for positions in row.placement.alternatives:
            cells = row.build(replace(row.placement, positions=positions))
            if any(c.col == col and c.value == statement.value for c in cells):
                agreeing.append(positions)
        if not agreeing:
            continue
        row.placement = replace(row.placement, positions=agreeing[0])
        note = (
            f"prose states “{''.join(statement.text.split())}” = {statement.value} at {statement.start}-{statement.end}"
        )
        for cell in row.build(row.placement):
            cell.evidence["prose"] = 1.0
            cell.note = note
            assembly.cells[cell.key] = cell
