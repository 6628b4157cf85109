"""Generated layouts are internally consistent: offsets, slots, and no VALUE span off a cell."""

from __future__ import annotations

import random
import re

import pytest

from nianbao.training.annotations import validate
from nianbao.training.generate import GenConfig, generate, generate_report
from nianbao.training.render import STYLES
from nianbao.training.tables_gen import cell_slot

NUMBER = re.compile(r"\d+")


def _consistency_problems(sample: dict) -> list[str]:
    """Every gold cell's offsets hold its raw, and VALUE spans are exactly the printed cells."""
    validate(sample)
    text, template = sample["text"], sample["report"]["template"]
    problems = []
    printed = {}
    for cell in sample["cells"]:
        if cell["start"] is None:
            continue
        if text[cell["start"] : cell["end"]] != cell["raw"]:
            problems.append(f"cell {cell['row']}.{cell['col']} raw {cell['raw']!r} not at its offsets")
        printed[(cell["start"], cell["end"])] = cell
    values = [s for s in sample["spans"] if s["label"] == "VALUE"]
    for span in values:
        cell = printed.get((span["start"], span["end"]))
        if cell is None:
            problems.append(f"VALUE span {span['text']!r} at {span['start']} is not a gold cell")
        elif span.get("slot") != cell_slot(template, cell["table"], cell["row"], cell["col"]):
            problems.append(f"VALUE span {span['text']!r} slot {span.get('slot')} for {cell['table']}.{cell['row']}.{cell['col']}")
    if len(values) != len(printed):
        problems.append(f"{len(values)} VALUE spans for {len(printed)} printed cells")
    return problems


@pytest.mark.parametrize("style", STYLES)
def test_every_value_span_has_its_cells_slot(style: str) -> None:
    for sample in generate(6, seed=21, styles=(style,)):
        assert _consistency_problems(sample) == [], sample["meta"]


def test_slots_cover_each_table_shape() -> None:
    sample = generate_report(random.Random(2), GenConfig("tab", "2021"))
    slots: dict[str, set[int]] = {}
    for cell in sample["cells"]:
        span = next((s for s in sample["spans"] if s["start"] == cell["start"] and s["label"] == "VALUE"), None)
        if span:
            slots.setdefault(cell["table"], set()).add(span["slot"])
    assert slots["requests"] == set(range(7)) and slots["appeals"] == set(range(15))
    assert max(slots["active"]) >= 2


def test_prose_numbers_are_not_value_spans() -> None:
    """Years, dates and prose counts are printed but carry no VALUE span (class O for the tagger)."""
    for sample in generate(10, seed=5):
        covered = set()
        for span in sample["spans"]:
            covered.update(range(span["start"], span["end"]))
        stray = [m.group() for m in NUMBER.finditer(sample["text"]) if not covered & set(range(m.start(), m.end()))]
        assert str(sample["report"]["year"]) in stray, sample["meta"]
