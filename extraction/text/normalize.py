r"""Character-for-character normalisation, so every offset stays an offset into the original.

The rules and the model read a normalised copy of the text in which traditional characters
are simplified, full-width digits and punctuation are ASCII, and exotic spaces are spaces.
Each character maps to exactly one character, so ``norm[i]`` stands for ``text[i]``; line
ends are the one rule that reads a neighbour: ``\r\n`` (Windows) becomes `` \n`` and a lone
``\r`` (old Mac) ``\n``, so the layout reads one kind of line end.
A *squeezed* view drops whitespace and keeps, for each kept character, its index in the
original: labels wrapped over lines or spaced out (``总 计``) match there.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from opencc import OpenCC

from nianbao.extraction.text.delimited import delimited_view
from nianbao.extraction.text.letter_digits import read_letter_digits

_T2S = OpenCC("t2s")
_SPACES = "\u00a0\u3000\u2002\u2003\u2009\u200b\ufeff\u202f\u205f"
_FULLWIDTH = {chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)}
# dashes: the long ones are one "—"; a hyphen, a figure or en dash, the minus sign and the small
# hyphen-minus are "-" (a sign, a "not applicable" mark, a page number's dashes, as printed by
# word processors and PDF text layers)
_EXTRA = {
    "\u2014": "—",
    "\u2015": "—",
    "\u2500": "—",
    "\u3001": "、",
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2212\ufe63", "-"),
    # a table drawn with box characters (a console's or a converter's ┌──┬──┐ │ a │ b │) is a grid
    # table: its walls are pipes, its corners and junctions "+" (its rules are masked, patterns.py)
    **dict.fromkeys("│┃║", "|"),
    **dict.fromkeys("┌┐└┘├┤┬┴┼┏┓┗┛┣┫┳┻╋╔╗╚╝╠╣╦╩╬╒╕╘╛╞╡╤╧╪╓╖╙╜╟╢╥╨╫", "+"),
}


@lru_cache(maxsize=65536)
def _simplify_char(ch: str) -> str:
    if ch < "\u3400":
        return ch
    out = _T2S.convert(ch)
    return out if len(out) == 1 else ch


def normalize_char(ch: str) -> str:
    """One character in, one character out."""
    if ch in _SPACES:
        return " "
    if ch in _FULLWIDTH:
        return _FULLWIDTH[ch]
    if ch in _EXTRA:
        return _EXTRA[ch]
    if _stands_for_ideograph(ch):
        return _simplify_char(_ideograph(ch))
    return _simplify_char(ch)


def fold_ideographs(text: str) -> str:
    """``text`` with its radicals and compatibility ideographs read as the ideographs they stand
    for, and nothing else changed (an agency's name as printed, the artefact undone)."""
    return "".join(_ideograph(ch) if _stands_for_ideograph(ch) else ch for ch in text)


def _stands_for_ideograph(ch: str) -> bool:
    """A CJK radical (supplement or Kangxi) or a compatibility ideograph."""
    return "\u2e80" <= ch <= "\u2fdf" or "\uf900" <= ch <= "\ufaff"


_SIMPLIFIED_RADICAL = "CJK RADICAL C-SIMPLIFIED "
_COMPONENTS = ("SILK", "SPEECH", "GOLD", "EAT")  # simplified radicals that are parts of characters (纟讠钅饣)


@lru_cache(maxsize=1024)
def _ideograph(ch: str) -> str:
    """The ideograph a radical or compatibility ideograph stands for (PDF text layers print them
    where a font maps its glyphs so): ``⼀`` 一 and ``⾏`` 行 by NFKC, the simplified radicals by
    the Kangxi radical of the same name, simplified (``⻔`` 门, ``⻓`` 长, ``⻅`` 见); else ``ch``."""
    folded = unicodedata.normalize("NFKC", ch)
    if len(folded) == 1 and folded != ch:
        return folded
    name = unicodedata.name(ch, "")
    if name.startswith(_SIMPLIFIED_RADICAL) and name[len(_SIMPLIFIED_RADICAL) :] not in _COMPONENTS:
        try:
            kangxi = unicodedata.lookup("KANGXI RADICAL " + name[len(_SIMPLIFIED_RADICAL) :])
        except KeyError:
            return ch
        return _simplify_char(unicodedata.normalize("NFKC", kangxi))
    return ch


class _CharTable(dict):
    """``str.translate`` table of :func:`normalize_char`, filled on first sight of a character
    (at most ``LIMIT`` remembered): one C-level pass per text instead of a call per character."""

    LIMIT = 1 << 16

    def __missing__(self, code: int) -> str:
        out = normalize_char(chr(code))
        if len(self) < self.LIMIT:
            self[code] = out
        return out


_TABLE = _CharTable()


class _TraditionalTable(dict):
    """``str.translate`` table for :func:`traditional_share`: a CJK character simplification
    changes → ``"1"``, another CJK character → ``"0"``, anything else deleted."""

    def __missing__(self, code: int) -> str | None:
        ch = chr(code)
        out = ("1" if _simplify_char(ch) != ch else "0") if "\u4e00" <= ch <= "\u9fff" else None
        if len(self) < _CharTable.LIMIT:
            self[code] = out
        return out


_TRADITIONAL = _TraditionalTable()


def traditional_share(text: str) -> float:
    """The share of CJK characters that simplification changes."""
    marks = text.translate(_TRADITIONAL)
    if not marks:
        return 0.0
    return marks.count("1") / len(marks)


# Every code point ``str.isspace()`` holds for (tests/test_reader.py checks all of them).
SPACES = np.array(
    [*range(0x9, 0xE), *range(0x1C, 0x21), 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B), 0x2028, 0x2029, 0x202F]
    + [0x205F, 0x3000],
    dtype=np.uint32,
)


def kept_offsets(text: str) -> list[int]:
    """Offsets of the characters that are not whitespace (``str.isspace``), in order: the
    squeezed view's index map (numpy over the code points, not a Python loop)."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return np.flatnonzero(~np.isin(codes, SPACES)).tolist()


def normalize_line_ends(text: str) -> str:
    r"""``\r\n`` → `` \n`` and a lone ``\r`` → ``\n``, one character for one (offsets kept)."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", " \n").replace("\r", "\n")


def normalize_text(text: str) -> str:
    """The 1:1 normalised copy of a text: :func:`normalize_char` of every character, then
    :func:`normalize_line_ends`, then the letters OCR printed for digits read as digits
    (:func:`read_letter_digits`)."""
    return read_letter_digits(normalize_line_ends(text.translate(_TABLE)))


@dataclass
class NormText:
    """Original text, its 1:1 normalised copy and a whitespace-free view with an index map."""

    original: str
    norm: str = field(init=False)
    squeezed: str = field(init=False)
    squeeze_index: list[int] = field(init=False)
    _memo: dict[Hashable, Any] = field(init=False, default_factory=dict, repr=False, compare=False)

    def memo(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per report (derived views: masked text, line starts…)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def __post_init__(self) -> None:
        self.norm = delimited_view(self.original, normalize_text(self.original))
        self.squeezed = "".join(self.norm.split())  # str.split() splits where str.isspace()
        self.squeeze_index = kept_offsets(self.norm)

    def squeezed_pos(self, offset: int) -> int:
        """Index in the squeezed view of the first kept character at or after ``offset``."""
        return bisect_left(self.squeeze_index, offset)

    def original_span(self, sq_start: int, sq_end: int) -> tuple[int, int]:
        """Original offsets covering squeezed characters ``[sq_start, sq_end)``."""
        return self.squeeze_index[sq_start], self.squeeze_index[sq_end - 1] + 1

    def search(self, pattern: re.Pattern[str], start: int = 0, end: int | None = None):
        """Search a pattern in the squeezed view between two original offsets.

        Returns ``(match, (orig_start, orig_end))`` or ``None``.
        """
        sq_start = self.squeezed_pos(start)
        sq_end = self.squeezed_pos(end) if end is not None else len(self.squeezed)
        match = pattern.search(self.squeezed, sq_start, sq_end)
        if not match or match.end() == match.start():
            return None
        return match, self.original_span(match.start(), match.end())
