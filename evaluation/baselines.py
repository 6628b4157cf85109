"""The positional baseline: the template filled with the numbers in reading order.

This is what the simplest public tools do: take every number after the first table heading
and pour it into the canonical cells in template order. No labels, no arithmetic.
"""

from __future__ import annotations

from nianbao.extraction.pipeline import empty_document
from nianbao.extraction.templates import get_template
from nianbao.extraction.text.normalize import NormText
from nianbao.extraction.text.patterns import VALUE, find_sections, mask_footers
from nianbao.extraction.text.values import parse_cell


def positional_extract(text: str, template: str = "2021") -> dict:
    """A contract document whose cells take the report's numbers in order."""
    nt = NormText(text)
    sections = find_sections(nt)
    start = next((s.end for s in sections if s.number == 2), 0)
    norm = mask_footers(nt.norm)
    tokens = [m for m in VALUE.finditer(norm, start) if any(ch.isdigit() for ch in m.group(0))]
    tpl = get_template(template if template in ("2019", "2021") else "2021")
    keys = [(table.name, row.key, col) for table in tpl.tables for row in table.rows for col in row.cols]
    doc = empty_document("<text>", text.encode("utf-8"), "utf-8", "text", [])
    doc["report"]["template"] = tpl.name
    for index, key in enumerate(keys):
        cell = {
            "table": key[0],
            "row": key[1],
            "col": key[2],
            "value": None,
            "raw": "",
            "unit": None,
            "state": "missing",
            "start": None,
            "end": None,
            "confidence": 0.5,
        }
        if index < len(tokens):
            match = tokens[index]
            parsed = parse_cell(match.group(0))
            cell.update(
                value=parsed.value, raw=match.group(0), state=parsed.state, start=match.start(), end=match.end()
            )
        doc["cells"].append(cell)
    return doc
