"""Letters that OCR prints for digits: ``O``, ``o`` and ``〇`` for a zero, ``l`` and ``I`` for a one.

A scanned table read by OCR prints ``96l7l.6`` for 96171.6 and a lone ``O`` for a zero. Such a
letter is a digit where nothing but a number can stand:

- inside a number: a run of digits and those letters (``.`` and ``,`` within it) that holds a
  digit and touches no other Latin letter. Its zero letters are zeros (``2O``, ``1,O00``); a one
  letter is a one only between two digits, points or commas (``96l7l.6``): beside a number it may be a table's rule,
  which OCR reads as ``l`` or ``I`` too (``0l``). ``gov``, ``ISO9001``, ``No.1`` keep their letters.
- alone in a cell: one zero letter with whitespace, a pipe or the line's start before it and,
  after its spaces or tabs, the line's end, a pipe or another number (``| O |``,
  ``行政许可 O 3``, ``\tO\tO\t0``). A letter before words stays a letter (a word processor's
  bullet: ``o 加强…``), as do fields of several letters (``lo``: a rule and a zero, or 10) and a
  lone ``l`` (a rule, or 1): they are cells a person reads (``unparsed_value``).

Each letter becomes one digit, so offsets stay offsets. The cell's ``raw`` keeps the letters it
printed; ``values.reads_letters`` tells that a cell's number was read so (it goes to review).
"""

from __future__ import annotations

import re

_ZEROS, _ONES = "Oo〇", "lI"
_LETTERS = _ZEROS + _ONES
_ZERO_DIGITS = str.maketrans(dict.fromkeys(_ZEROS, "0"))
_RUN = "0-9.,Oo〇lI"
_INNER_ONES = re.compile(r"(?<=[0-9.,])[lI]+(?=[0-9.,])")
_IN_NUMBER = re.compile(
    rf"(?<![A-Za-z0-9.,])(?=[{_RUN}]*?[0-9])(?=[{_RUN}]*?[{_LETTERS}])(?>[0-9{_LETTERS}][{_RUN}]*+)(?![A-Za-z])"
)
_ALONE = re.compile(rf"(?<![^\s|])[{_ZEROS}](?![{_LETTERS}])(?=[ \t]*+(?:$|[|\n]|[0-9{_LETTERS}]))", re.M)


def read_letter_digits(text: str) -> str:
    """``text`` with the letters that stand for digits (module docstring) written as digits,
    character for character."""
    if not any(letter in text for letter in _LETTERS):
        return text
    text = _IN_NUMBER.sub(lambda m: _number(m[0]), text)
    return _ALONE.sub("0", text)


def _number(run: str) -> str:
    """A number's letters as digits: zero letters anywhere, one letters between digits."""
    return _INNER_ONES.sub(lambda m: "1" * len(m[0]), run.translate(_ZERO_DIGITS))
