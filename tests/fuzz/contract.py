"""The invariants every document must satisfy, whatever the input (shared by tests and fuzzing)."""

from __future__ import annotations

from nianbao.errors import MESSAGES
from nianbao.extraction.inputs.decode import decode
from nianbao.extraction.text.normalize import normalize_char

# Was a known extractor bug (one-line bodies took ``raw`` from the normalised view, found by
# the fuzz target); fixed, so ``raw`` is checked strictly against the printed text.
TOLERATE_NORMALISED_RAW = False

KEYS = {"schema", "source", "report", "sections", "cells", "checks", "review", "errors"}
SENTENCES = tuple(MESSAGES.values())


def check_document(doc: dict, data: bytes) -> None:
    """The contract's shape, offsets inside the text, printed text at the offsets.

    An empty result must carry an ``errors`` sentence from ``nianbao.errors.MESSAGES``; the
    text offsets refer to is ``source.rendered_text`` (HTML, DOCX, PDF) or the decoded bytes.
    """
    assert KEYS <= set(doc), sorted(doc)
    assert {"name", "sha256", "encoding", "format"} <= set(doc["source"])
    assert set(doc["report"]) >= {"agency", "year", "template", "script"}
    for error in doc["errors"]:
        assert isinstance(error, str) and error.startswith(SENTENCES), error
    if not doc["cells"] and not doc["sections"]:
        assert doc["errors"], "an empty result must say why"
        return
    text = doc["source"].get("rendered_text")
    if text is None:
        text = decode(data).text
    for cell in doc["cells"]:
        if cell["start"] is None:
            assert cell["end"] is None and cell["value"] is None, cell
            continue
        assert 0 <= cell["start"] <= cell["end"] <= len(text), cell
        printed = text[cell["start"] : cell["end"]]
        if printed != cell["raw"] and TOLERATE_NORMALISED_RAW:
            printed = "".join(normalize_char(ch) for ch in printed)
            assert printed == "".join(normalize_char(ch) for ch in cell["raw"]), cell
            continue
        assert printed == cell["raw"], cell
    for section in doc["sections"]:
        assert 0 <= section["start"] <= section["end"] <= len(text), section
        assert text[section["start"] : section["end"]] == section["title"], section
