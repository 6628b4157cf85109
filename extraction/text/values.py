"""Parsing one printed cell into value, unit and state, per the output contract."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from nianbao.extraction.text.letter_digits import read_letter_digits
from nianbao.extraction.text.normalize import normalize_char

NA_TOKENS = frozenset({"—", "——", "-", "--", "/", "无", "－", "–", "\\", "×", "…"})
_NUMBER = re.compile(
    r"^(?P<sign_word>[增减])?\s*(?P<sign>[+\-])?\s*(?P<digits>\d{1,3}(?:,\d{3})+|\d+)(?P<frac>\.\d+)?"
    r"\s*(?P<suffix>万元|亿元|元|万|亿|件|个|项|条)?$"
)
_MULTIPLIER = {"万": 10_000, "亿": 100_000_000}
_LETTERS = frozenset("OoIl〇ＯｏＩｌ")  # those read_letter_digits reads, printed half or full width


@dataclass(frozen=True)
class Parsed:
    """A parsed cell."""

    value: int | float | None
    unit: str | None
    state: str


def _as_number(text: str) -> int | float:
    number = float(text)
    return int(number) if number.is_integer() and "." not in text else number


_CACHED = 24  # cells this short are parsed once per process (most are: ``0``, ``12``, ``—``)


def parse_cell(raw: str, money: bool = False, default_unit: str | None = None) -> Parsed:
    """Parse a printed cell (``raw`` already trimmed).

    ``money`` marks a money column: the printed number is kept and the currency unit goes
    into ``unit`` (``default_unit`` when the header states it and the cell does not).
    """
    if len(raw) <= _CACHED:
        return _parse_short(raw, bool(money), default_unit)
    return _parse(raw, money, default_unit)


def _normalized(raw: str) -> str:
    return "".join(normalize_char(ch) for ch in raw).strip()


def reads_letters(raw: str) -> bool:
    """``raw`` printed letters that were read as digits (OCR's ``O`` for 0, ``l`` for 1:
    ``letter_digits.py``): its number is a reading a person confirms."""
    if _LETTERS.isdisjoint(raw):
        return False
    norm = _normalized(raw)
    return read_letter_digits(norm) != norm


@lru_cache(maxsize=8192)
def _parse_short(raw: str, money: bool, default_unit: str | None) -> Parsed:
    return _parse(raw, money, default_unit)


def _parse(raw: str, money: bool, default_unit: str | None) -> Parsed:
    norm = read_letter_digits(_normalized(raw))
    if not norm:
        return Parsed(None, None, "blank")
    if norm in NA_TOKENS or set(norm) <= set("—-－/") or norm in {"无", "暂无", "不适用"}:
        return Parsed(None, None, "na")
    match = _NUMBER.match(norm)
    if not match:
        return Parsed(None, None, "text")
    literal = match["digits"].replace(",", "") + (match["frac"] or "")
    number = _as_number(literal)
    negative = match["sign"] == "-" or match["sign_word"] == "减"
    suffix = match["suffix"]
    unit: str | None = None
    if money:
        if suffix in ("元", "万元", "亿元"):
            unit = suffix
        elif suffix in _MULTIPLIER:
            unit = suffix + "元"
        else:
            unit = default_unit
    elif suffix in _MULTIPLIER:
        number = number * _MULTIPLIER[suffix]
        number = int(number) if float(number).is_integer() else number
    if negative:
        number = -number
    return Parsed(number, unit, "number")
