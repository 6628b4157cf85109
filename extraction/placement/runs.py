"""Run-together digits (crawled one-line bodies): splitting a run into a row's cells.

In a crawled dump ``一、本年新收政府信息公开申请数量640020470`` is 64|0|0|2|0|4|70. A run is
split into the row's cells by enumerating the splits (no leading zeros except "0", spaces
are hard boundaries, decimals and 元/万元 only on money cells, the label number that touches
the run belongs to the next label) and keeping those that fit the row's arithmetic; the
table's column identities then choose among the rest (``joint.refine``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

MAX_SPLITS = 5_000
MAX_PIECE = 16  # characters in one cell: 12 digits, a decimal part, a sign, a unit
MAX_NODES = 100_000  # search steps of one run: bounded by construction, whatever the run holds
_RUN = re.compile(r"[增减+\-]?\d(?:[\d ]|[增减+\-](?=\d))*(?:\.\d+)?(?:[ ]?(?:万元|亿元|元|万|亿))?")
_NEXT_NUMBERING = re.compile(r"\d(?=[.、][^\d])")
_NOT_A_VALUE_AFTER = re.compile(r"^\s*(?:年|月|日|件|个|次|条|项|号|%|人|名|家)")


@dataclass(frozen=True)
class Run:
    """A run of digits printed after a label: its offsets and text."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Piece:
    start: int  # offset in the original text
    end: int
    raw: str


def find_run(norm: str, start: int, end: int) -> Run | None:
    """The first digit run after a label (``start``) and before the next label (``end``).

    A trailing digit that numbers the next label (``…00000002.其他``) is left to that label.
    """
    for match in _RUN.finditer(norm, start, end):
        if _NOT_A_VALUE_AFTER.match(norm, match.end()):
            continue
        text = match.group(0).rstrip()
        stop = match.start() + len(text)
        numbering = _NEXT_NUMBERING.match(norm, stop - 1) if stop - 1 >= match.start() else None
        if numbering and stop - 1 > match.start():
            stop -= 1
        return Run(match.start(), stop, norm[match.start() : stop])
    return None


def _valid_piece(text: str, money: bool, signed: bool) -> bool:
    body = text
    if signed and body[:1] in "+-增减":
        body = body[1:]
    for suffix in ("万元", "亿元", "元", "万", "亿"):
        if body.endswith(suffix):
            if not money and suffix in ("万元", "亿元", "元"):
                return False
            body = body[: -len(suffix)].rstrip()
            break
    if not body or not body[0].isdigit():
        return False
    integer, _, fraction = body.partition(".")
    if not integer.isdigit() or (fraction and not (money and fraction.isdigit())):
        return False
    return integer == "0" or not integer.startswith("0")


def splits(run: Run, kinds: list[tuple[bool, bool]], totals: dict[int, range] | None = None,
           stats: dict[str, int] | None = None) -> Iterator[list[Piece]]:  # fmt: skip
    """Every split of ``run`` into ``len(kinds)`` pieces; ``kinds[i] = (money, signed)``.

    Spaces separate cells. ``totals`` maps a cell index to the cells it must equal the sum
    of: such a cell is not enumerated but read as the printed sum, which keeps the search
    small (a requests row is decided by its six parts). The work is bounded by construction:
    a piece is at most ``MAX_PIECE`` characters, the search visits at most ``MAX_NODES``
    states and yields at most ``MAX_SPLITS`` splits (a run longer than ``len(kinds) *
    MAX_PIECE`` has no split at all). ``stats["nodes"]`` receives the states visited.
    """
    text = run.text
    chars = [i for i, ch in enumerate(text) if ch != " "]
    after_space = {k for k in range(1, len(chars)) if chars[k] != chars[k - 1] + 1}
    totals = totals or {}
    n, count, nodes = len(kinds), 0, 0
    if len(chars) > n * MAX_PIECE:
        return

    def piece_ok(i: int, j: int) -> bool:
        return not any(k in after_space for k in range(i + 1, j))

    def make(i: int, j: int) -> Piece:
        begin, stop = run.start + chars[i], run.start + chars[j - 1] + 1
        return Piece(begin, stop, text[chars[i] : chars[j - 1] + 1])

    def rec(i: int, cell: int, acc: list[Piece]) -> Iterator[list[Piece]]:
        nonlocal count, nodes
        nodes += 1
        if stats is not None:
            stats["nodes"] = nodes
        if count >= MAX_SPLITS or nodes > MAX_NODES:
            return
        if cell == n:
            if i == len(chars):
                count += 1
                yield list(acc)
            return
        if len(chars) - i < n - cell:
            return
        money, signed = kinds[cell]
        if cell in totals:
            wanted = sum(piece_value(acc[k]) for k in totals[cell])
            literal = str(int(wanted)) if float(wanted).is_integer() else f"{wanted:g}"
            j = i + len(literal)
            if j <= len(chars) and piece_ok(i, j) and (j == len(chars) or j in after_space or cell + 1 < n):
                candidate = make(i, j)
                if candidate.raw == literal or (money and _valid_piece(candidate.raw, money, signed) and piece_value(candidate) == wanted):
                    acc.append(candidate)
                    yield from rec(j, cell + 1, acc)
                    acc.pop()
            return
        for j in range(i + 1, min(len(chars), i + MAX_PIECE) + 1):
            if nodes > MAX_NODES or not piece_ok(i, j):
                break
            if j < len(chars) and j not in after_space and len(chars) - j < n - cell - 1:
                break
            candidate = make(i, j)
            if not _valid_piece(candidate.raw, money, signed):
                continue
            acc.append(candidate)
            yield from rec(j, cell + 1, acc)
            acc.pop()

    yield from rec(0, 0, [])


def piece_value(piece: Piece) -> float:
    digits = piece.raw.rstrip("万元亿 ").replace("增", "+").replace("减", "-")
    return float(digits) if digits not in ("", "+", "-") else 0.0
