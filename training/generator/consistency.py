"""Is an annotation record internally consistent? Offsets hold their raw, VALUE spans are the cells.

Used by the tests of generated and re-rendered real reports: every printed gold cell's offsets
hold its ``raw``; every ``VALUE`` span is exactly one printed gold cell and carries that cell's
``slot`` (its column index in its canonical row); no other text is a ``VALUE`` span.
"""

from __future__ import annotations

from nianbao.annotations import validate
from nianbao.training.generator.tables_gen import cell_slot


def record_problems(record: dict) -> list[str]:
    """One sentence per inconsistency; empty when the record is consistent."""
    validate(record)
    text, template = record["text"], record["report"]["template"]
    problems = []
    printed = {}
    for cell in record["cells"]:
        if cell["start"] is None:
            continue
        if text[cell["start"] : cell["end"]] != cell["raw"]:
            problems.append(f"cell {cell['row']}.{cell['col']} raw {cell['raw']!r} is not at its offsets")
        printed[(cell["start"], cell["end"])] = cell
    values = [s for s in record["spans"] if s["label"] == "VALUE"]
    for span in values:
        cell = printed.get((span["start"], span["end"]))
        if cell is None:
            problems.append(f"VALUE span {span['text']!r} at {span['start']} is not a gold cell")
        elif span.get("slot") != cell_slot(template, cell["table"], cell["row"], cell["col"]):
            problems.append(
                f"VALUE span {span['text']!r} has slot {span.get('slot')} "
                f"for {cell['table']}.{cell['row']}.{cell['col']}"
            )
    if len(values) != len(printed):
        problems.append(f"{len(values)} VALUE spans for {len(printed)} printed cells")
    return problems
