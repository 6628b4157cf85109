"""A damaged byte sequence is decoded with replacement and noted in ``errors``; the report's
cells are still extracted (real reports with bytes broken in the middle)."""

from __future__ import annotations

import pytest

from nianbao import extract_bytes
from nianbao.errors import MESSAGES
from nianbao.extraction.inputs.decode import MAX_DAMAGED, decode, decode_lenient
from nianbao.extraction.text.locator import RuleLocator

from .conftest import SHARED

RULES = RuleLocator()
SEED = SHARED / "seeds" / "001_6d8c5d61ee13f09e.txt"


def _break_middle(data: bytes, junk: bytes = b"\xff") -> tuple[bytes, int]:
    """Overwrite the first non-ASCII byte after the middle with ``junk``."""
    at = len(data) // 2
    while data[at] < 0x80:
        at += 1
    return data[:at] + junk + data[at + len(junk) :], at


def _numbers(doc: dict) -> dict[tuple[str, str, str], object]:
    return {(c["table"], c["row"], c["col"]): c["value"] for c in doc["cells"] if c["state"] == "number"}


def test_one_broken_utf8_sequence_keeps_the_report() -> None:
    data = SEED.read_bytes()
    at = len(data) // 2
    while data[at] < 0xE0:  # a three-byte character's lead byte
        at += 1
    broken = data[: at + 1] + data[at + 2 :]  # one byte of it lost: one damaged sequence
    clean, doc = extract_bytes(data, "r.txt", locator=RULES), extract_bytes(broken, "r.txt", locator=RULES)
    assert doc["source"]["encoding"] == "utf-8"
    assert doc["errors"][0] == MESSAGES["damaged"] + f" (1 damaged utf-8 byte sequence, the first at byte {at:,})"
    assert len(_numbers(doc)) >= 0.9 * len(_numbers(clean)) > 50
    same = sum(_numbers(doc).get(k) == v for k, v in _numbers(clean).items())
    assert same >= 0.9 * len(_numbers(clean))
    text = decode(broken).text
    for cell in doc["cells"]:  # offsets still point into the text as decoded
        if cell["start"] is not None:
            assert text[cell["start"] : cell["end"]] == cell["raw"]


@pytest.mark.parametrize("encoding", ["gb18030", "big5"])
def test_a_damaged_legacy_encoding_is_read_with_a_note(encoding: str) -> None:
    import opencc

    text = SEED.read_text("utf-8")
    if encoding == "big5":
        text = opencc.OpenCC("s2t").convert(text)
    at = len(text) // 2
    while text[at] < "\u4e00":
        at += 1
    head = text[:at].encode(encoding, errors="replace")
    broken = head + b"\xff" + text[at + 1 :].encode(encoding, errors="replace")  # 0xFF is never valid
    doc = extract_bytes(broken, "r.txt", locator=RULES)
    assert doc["source"]["encoding"] == encoding
    assert (
        doc["errors"][0]
        == MESSAGES["damaged"] + f" (1 damaged {encoding} byte sequence, the first at byte {len(head):,})"
    )
    assert len(_numbers(doc)) > 50


def test_a_truncated_download_is_noted() -> None:
    data = SEED.read_bytes()
    cut = data[: len(data) - 1] if data[-1] >= 0x80 else data + "报".encode()[:2]
    doc = extract_bytes(cut, "r.txt", locator=RULES)
    assert doc["errors"][0].startswith(MESSAGES["damaged"]) and doc["cells"]


def test_damage_past_the_limit_is_not_this_encoding() -> None:
    data = "政府信息公开".encode() * 10
    junk = bytearray(data)
    for i in range(0, len(junk), 3):
        junk[i] = 0xFF
    assert decode_lenient(bytes(junk), "utf-8") is None
    decoded = decode_lenient(data[:6] + b"\xff" + data[6:], "utf-8", limit=MAX_DAMAGED)
    assert decoded is not None and decoded.damaged == 1 and decoded.first_damage == 6
    assert decoded.text.count("\ufffd") == 1


def test_a_damaged_html_page_is_rendered_with_a_note() -> None:
    page = SHARED / "dev" / "pingtan-transport-2023.html"
    broken, _ = _break_middle(page.read_bytes())
    doc = extract_bytes(broken, "p.html", locator=RULES)
    assert doc["errors"][0].startswith(MESSAGES["damaged"]), doc["errors"]
    assert len(_numbers(doc)) > 20


def test_clean_reports_carry_no_damage_note() -> None:
    for path in sorted((SHARED / "seeds").glob("*.txt")):
        doc = extract_bytes(path.read_bytes(), path.name, locator=RULES)
        assert not any(e.startswith(MESSAGES["damaged"]) for e in doc["errors"]), path.name
