"""Bytes → decoded text, with the encoding detected and every character kept in place.

Offsets in the output contract are Python ``str`` indices into the text this module returns,
so nothing here may add, drop or reorder characters: newline styles (``\\r\\n``, ``\\r``) stay
as printed and only a leading byte-order mark is consumed by the decoder.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from nianbao.errors import ReadError, message

# Tried in order after BOM detection; the first strict decode that looks like text wins.
_CANDIDATES = ("utf-8", "gb18030", "big5", "utf-16")


# Decoding with replacement stops counting here: more damage than this is the wrong encoding.
MAX_DAMAGED = 64


@dataclass(frozen=True)
class Decoded:
    """A decoded input: the text offsets refer to, how it was read, and any damage replaced."""

    text: str
    encoding: str
    damaged: int = 0  # byte sequences that did not decode, each replaced by one U+FFFD
    first_damage: int = -1  # byte offset of the first

    @property
    def note(self) -> str | None:
        """The ``errors`` sentence for damaged bytes, or None when every byte decoded."""
        if not self.damaged:
            return None
        count = f"more than {MAX_DAMAGED}" if self.damaged > MAX_DAMAGED else str(self.damaged)
        many = "s" if self.damaged > 1 else ""
        return message(
            "damaged", f"{count} damaged {self.encoding} byte sequence{many}, the first at byte {self.first_damage:,}"
        )


def decode_lenient(data: bytes, encoding: str, limit: int = MAX_DAMAGED) -> Decoded | None:
    """Decode with each undecodable byte sequence replaced by U+FFFD and counted.

    None when more than ``limit`` sequences are damaged (then it is not this encoding).
    """
    view, parts, pos, damaged, first = memoryview(data), [], 0, 0, -1
    while True:
        try:
            parts.append(str(view[pos:], encoding))
            break
        except UnicodeDecodeError as exc:
            damaged += 1
            if damaged > limit:
                return None
            first = pos + exc.start if first < 0 else first
            parts.append(str(view[pos : pos + exc.start], encoding) + "\ufffd")
            pos += max(exc.end, exc.start + 1)
    return Decoded("".join(parts), encoding, damaged, first)


def _bom_encoding(data: bytes) -> tuple[str, str, int] | None:
    """(encoding reported, codec for the bytes after the BOM, BOM length) for a BOM input."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "utf-8", 3
    if data.startswith(codecs.BOM_UTF16_LE):
        return "utf-16", "utf-16-le", 2
    if data.startswith(codecs.BOM_UTF16_BE):
        return "utf-16", "utf-16-be", 2
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


def damaged_utf8(data: bytes) -> Decoded | None:
    """UTF-8 with a few damaged sequences (a flipped byte, a cut tail) among many good ones.

    Valid multi-byte UTF-8 almost never happens by chance, so ten good non-ASCII characters
    for each damaged sequence says UTF-8 even when a GB18030 or Big5 decode would not fail.
    """
    decoded = decode_lenient(data, "utf-8")
    if decoded is None or not decoded.damaged:
        return None
    good = sum(1 for ch in decoded.text if ch > "\x7f") - decoded.damaged
    return decoded if good >= 10 * decoded.damaged else None


def decode(data: bytes) -> Decoded:
    """Decode report bytes, detecting the encoding; raise ReadError with a sentence if it cannot."""
    if not data:
        raise ReadError("empty")
    bom = _bom_encoding(data)
    if bom:
        label, codec, skip = bom
        decoded = decode_lenient(data[skip:], codec)
        if decoded is None or not _mostly_read(decoded):
            raise ReadError("undecodable", detail=f"more than {MAX_DAMAGED} damaged {label} byte sequences")
        first = decoded.first_damage + skip if decoded.damaged else -1
        return Decoded(decoded.text, label, decoded.damaged, first)
    utf16 = _utf16_without_bom(data)
    if utf16 is not None and _cjk_share(utf16) > 0.05:
        return Decoded(utf16, "utf-16")
    if _looks_binary(data):
        raise ReadError("binary")
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    damaged = damaged_utf8(data)
    if damaged is not None:
        return damaged
    best: Decoded | None = None
    best_share = -1.0
    for encoding in _CANDIDATES[1:3]:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        share = _cjk_share(text)
        if share > best_share:
            best, best_share = Decoded(text, encoding), share
    return best or _least_damaged(data)


def _mostly_read(decoded: Decoded) -> bool:
    """More characters read than damaged sequences replaced (else nothing was really read)."""
    return len(decoded.text.strip()) > 2 * decoded.damaged


def _least_damaged(data: bytes) -> Decoded:
    """No candidate decodes strictly: the one with the fewest damaged sequences, replaced."""
    found = [d for d in (decode_lenient(data, e) for e in _CANDIDATES[:3]) if d is not None and _mostly_read(d)]
    if not found:
        raise ReadError(
            "undecodable", detail=f"more than {MAX_DAMAGED} damaged byte sequences in each candidate encoding"
        )
    return min(found, key=lambda d: (d.damaged, -_cjk_share(d.text)))
