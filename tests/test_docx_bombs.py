"""DOCX containers are bounded by what they really inflate to: zip bombs, a zip entry that lies
about its size, a central-directory bomb, deep nesting and entity bombs, built in tmp_path."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from nianbao import extract_bytes
from nianbao.errors import MESSAGES
from nianbao.evaluation.bench import hostile_inputs as hostile
from nianbao.extraction.inputs.docx import MAX_ELEMENTS, MAX_ENTRIES, MAX_PART_BYTES
from nianbao.extraction.text.locator import RuleLocator

RULES = RuleLocator()


def _errors(path: Path) -> list[str]:
    doc = extract_bytes(path.read_bytes(), path.name, locator=RULES)
    assert doc["cells"] == []
    return doc["errors"]


def test_millions_of_empty_paragraphs_stop_at_the_element_budget(tmp_path: Path) -> None:
    path = hostile.docx_empty_paragraphs(tmp_path, 0.2)  # 48 MB of <w:p/>: 8 million elements
    assert path.stat().st_size < 1_000_000
    assert _errors(path) == [MESSAGES["too_large"] + f" (the DOCX text part holds more than {MAX_ELEMENTS:,} elements)"]


def test_a_huge_run_stops_at_the_inflated_byte_cap(tmp_path: Path) -> None:
    path = hostile.docx_huge_runs(tmp_path, 0.2)  # 40 runs of 1 MB: few elements, many bytes
    assert 40 * 2**20 > MAX_PART_BYTES
    assert _errors(path) == [
        MESSAGES["too_large"] + f" (the DOCX text part inflates past {MAX_PART_BYTES // 2**20} MB)"
    ]


def test_an_entry_that_lies_about_its_size_is_refused(tmp_path: Path) -> None:
    path = hostile.docx_lying_size(tmp_path, 0.05)  # 10 MB declared as 4 KB
    errors = _errors(path)
    assert len(errors) == 1 and errors[0].startswith(MESSAGES["bad_docx"])


def test_an_entry_that_lies_upwards_is_read_for_what_it_is(tmp_path: Path) -> None:
    """Declared 4 GB, really small: the declared size is not what counts."""
    import docx

    from nianbao.training.generator.generate import generate

    document = docx.Document()
    for line in generate(1, seed=5)[0]["text"].split("\n"):
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    path = tmp_path / "lies-up.docx"
    path.write_bytes(buffer.getvalue())
    hostile._declare_size(path, "word/document.xml", 2**32 - 2)
    doc = extract_bytes(path.read_bytes(), path.name, locator=RULES)
    assert doc["errors"] == [] and sum(c["state"] == "number" for c in doc["cells"]) > 50


def test_a_central_directory_bomb_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    path = hostile.docx_many_entries(tmp_path, 0.2)  # 12,000 entries
    assert _errors(path) == [MESSAGES["too_large"] + f" (the DOCX holds 12,003 entries (more than {MAX_ENTRIES:,}))"]


@pytest.mark.parametrize("build", [hostile.docx_deep_nesting, hostile.docx_entity_bomb])
def test_deep_nesting_and_entity_bombs_get_a_sentence(tmp_path: Path, build) -> None:
    errors = _errors(build(tmp_path, 0.2))
    assert len(errors) == 1 and errors[0].startswith((MESSAGES["bad_docx"], MESSAGES["no_visible_text"])), errors


def test_text_past_the_character_cap_stops_the_reading(tmp_path: Path) -> None:
    """2 MB of report lines as paragraphs: refused once the rendering passes the cap."""
    from nianbao.extraction.inputs.render import MAX_RENDERED_CHARS
    from nianbao.training.generator.generate import generate

    from .fuzz.containers import docx_lines

    text = "\n".join(r["text"] for r in generate(4, seed=13)) * 200
    assert len(text) > 5 * MAX_RENDERED_CHARS
    path = tmp_path / "long.docx"
    path.write_bytes(docx_lines(text.encode()))
    errors = _errors(path)
    assert len(errors) == 1 and f"over {MAX_RENDERED_CHARS:,} characters" in errors[0]
