"""Decoding: encodings detected, newlines and offsets kept, bad input a sentence not a traceback."""

from __future__ import annotations

import codecs

import pytest

from nianbao import extract
from nianbao.extraction.inputs.decode import decode

SAMPLE = "湖南省公安厅2021年度政府信息公开工作报告\r\n一、总体情况\r\n本年度共收到申请52件。\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (SAMPLE.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + SAMPLE.encode("utf-8"), "utf-8-sig"),
        (SAMPLE.encode("gb18030"), "gb18030"),
        (SAMPLE.encode("big5", errors="ignore"), "big5"),
        (SAMPLE.encode("utf-16"), "utf-16"),
        (SAMPLE.encode("utf-16-le"), "utf-16"),
    ],
)
def test_decode_detects_encoding_and_keeps_newlines(data: bytes, encoding: str) -> None:
    decoded = decode(data)
    assert decoded.encoding == encoding
    if encoding != "big5":
        assert decoded.text == SAMPLE
    assert "\r\n" in decoded.text


def test_gbk_report_offsets_refer_to_decoded_text(shared) -> None:
    text = (shared / "seeds" / "000_c304030f2df1b677.txt").read_text("utf-8")
    doc = extract(text.encode("gb18030"))
    assert doc["source"]["encoding"] == "gb18030"
    for cell in doc["cells"]:
        if cell["state"] == "number":
            assert text[cell["start"] : cell["end"]] == cell["raw"]


def test_crlf_report_keeps_offsets(shared) -> None:
    text = (shared / "seeds" / "002_0894b26ac3a47999.txt").read_text("utf-8").replace("\n", "\r\n")
    doc = extract(text.encode("utf-8"))
    numbers = [c for c in doc["cells"] if c["state"] == "number"]
    assert len(numbers) == 200
    assert all(text[c["start"] : c["end"]] == c["raw"] for c in numbers)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "empty"),
        (bytes(range(256)) * 40, "binary"),
        ("这是一段与年度报告无关的文字。".encode(), "does not look like"),
        (b"\xff\xfe\x00\xd8", "decoded"),
    ],
)
def test_unreadable_input_yields_an_error_sentence(data: bytes, fragment: str) -> None:
    doc = extract(data)
    assert doc["schema"] == "nianbao.report/1"
    assert doc["cells"] == [] and doc["sections"] == []
    assert len(doc["errors"]) == 1 and fragment in doc["errors"][0]
    assert doc["errors"][0].endswith((".", ")"))


def test_normalised_views_follow_the_per_character_definition(shared) -> None:
    """The normalised copy is ``normalize_char`` of every character and the squeezed view drops
    exactly the ``str.isspace`` characters, over every code point below the CJK blocks, a CJK
    block, the full-width forms, some of the other planes and the real seeds (the views are built
    with ``str.translate``/``str.split`` and numpy over the code points, not per character)."""
    from nianbao.extraction.text.normalize import SPACES, NormText, normalize_char, normalize_line_ends

    assert set(SPACES.tolist()) == {c for c in range(0x110000) if chr(c).isspace()}

    points = [*range(0x3400), *range(0x4E00, 0x5400), *range(0xFE00, 0x10000), *range(0x1D7C0, 0x1D800), 0x20000]
    texts = ["".join(map(chr, points)), "", "\u3000总 计\t\u00a012\n"]
    texts += [path.read_text("utf-8") for path in sorted((shared / "seeds").glob("*.txt"))]
    for text in texts:
        nt = NormText(text)
        assert nt.norm == normalize_line_ends("".join(normalize_char(ch) for ch in text))
        kept = [i for i, ch in enumerate(nt.norm) if not ch.isspace()]
        assert nt.squeeze_index == kept and nt.squeezed == "".join(nt.norm[i] for i in kept)


def test_traditional_share_counts_the_cjk_characters_simplification_changes(shared) -> None:
    """``traditional_share`` (one ``str.translate`` pass) is the per-character count: of the
    characters in U+4E00-U+9FFF, the share that simplification changes; other characters do not
    count. It tells a traditional report from a simplified one."""
    from nianbao.extraction.text.normalize import _simplify_char, traditional_share

    def counted(text: str) -> float:
        cjk = [ch for ch in text if "\u4e00" <= ch <= "\u9fff"]
        return sum(_simplify_char(ch) != ch for ch in cjk) / len(cjk) if cjk else 0.0

    texts = ["", "abc 123", "國家機關", "国家机关 國 abc", "".join(map(chr, range(0x4E00, 0x5400))), "\u9fff\ua000"]
    texts += [path.read_text("utf-8") for path in sorted((shared / "seeds").glob("*.txt"))]
    for text in texts:
        assert traditional_share(text) == counted(text)
    assert traditional_share("國機關") == 1.0 and traditional_share("国家机关") == 0.0
    assert traditional_share("國家abc") == 0.5
