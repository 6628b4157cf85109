"""Bytes → decoded text, with the encoding detected and every character kept in place.

Offsets in the output contract are Python ``str`` indices into the text this module returns,
so nothing here may add, drop or reorder characters: newline styles (``\\r\\n``, ``\\r``) stay
as printed and only a leading byte-order mark is consumed by the decoder.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from nianbao.errors import ReadError

# Tried in order after BOM detection; the first strict decode that looks like text wins.
_CANDIDATES = ("utf-8", "gb18030", "big5", "utf-16")


@dataclass(frozen=True)
class Decoded:
    """A decoded input: the text offsets refer to, and how it was read."""

    text: str
    encoding: str


def _bom_encoding(data: bytes) -> str | None:
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


def _looks_binary(data: bytes) -> bool:
    """NUL bytes outside UTF-16 text, or many control bytes, mean this is not text."""
    sample = data[:4096]
    if not sample:
        return False
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return controls / len(sample) > 0.05


def _cjk_share(text: str) -> float:
    if not text:
        return 0.0
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    return cjk / len(text)


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 without a BOM shows as every other byte being NUL for ASCII-heavy text."""
    if len(data) < 4 or len(data) % 2:
        return None
    evens, odds = data[0::2], data[1::2]
    for encoding, zeros in (("utf-16-le", odds), ("utf-16-be", evens)):
        if zeros.count(0) > len(zeros) * 0.2:
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                return None
    return None


def _truncated_utf8(data: bytes) -> Decoded | None:
    """UTF-8 cut inside its last character (a truncated download): keep it, mark the tail."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and exc.start >= len(data) - 3:
            try:
                return Decoded(data[: exc.start].decode("utf-8") + "\ufffd", "utf-8")
            except UnicodeDecodeError:
                return None
    return None


def decode(data: bytes) -> Decoded:
    """Decode report bytes, detecting the encoding; raise ReadError with a sentence if it cannot."""
    if not data:
        raise ReadError("empty")
    bom = _bom_encoding(data)
    if bom:
        try:
            return Decoded(data.decode(bom), "utf-16" if bom == "utf-16" else "utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ReadError("undecodable", detail=str(exc)) from exc
    utf16 = _utf16_without_bom(data)
    if utf16 is not None and _cjk_share(utf16) > 0.05:
        return Decoded(utf16, "utf-16")
    if _looks_binary(data):
        raise ReadError("binary")
    truncated = _truncated_utf8(data)
    if truncated is not None:
        return truncated
    best: Decoded | None = None
    best_share = -1.0
    for encoding in _CANDIDATES[:3]:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-8":
            return Decoded(text, "utf-8")
        share = _cjk_share(text)
        if share > best_share:
            best, best_share = Decoded(text, encoding), share
    if best is None:
        raise ReadError("undecodable", detail="no candidate encoding decodes the bytes")
    return best
