"""Run-together digits (crawled one-line bodies): splitting a run into a row's cells.

In a crawled dump ``一、本年新收政府信息公开申请数量640020470`` is 64|0|0|2|0|4|70. A run is
split into the row's cells by enumerating the splits (no leading zeros except "0", spaces
are hard boundaries, a "/", "\\", "×" or 无 is a cell of its own and so is a dash or two (``-------``:
seven "not applicable" marks), decimals and 元/万元 only on money cells, the label number that
touches the run belongs to the next label) and keeping those that fit the row's arithmetic;
the table's column identities then choose among the rest (``joint.refine``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from nianbao.extraction.text.patterns import COUNT_UNITS as UNITS

MAX_SPLITS = 5_000
MAX_PIECE = 16  # characters in one cell: 12 digits, a decimal part, a sign, a unit
MAX_NODES = 100_000  # search steps of one run: bounded by construction, whatever the run holds
# OCR's O, o, l, I, 〇 for 0 and 1, not beside another Latin letter (``OA``, ``Ltd``: words)
_OCR = r"(?<![A-HJ-NP-Za-km-np-z])[OolI〇](?![A-HJ-NP-Za-km-np-z])"
_UNIT = rf"(?<=\d)[ ]?[{UNITS}]"  # a count printed with its unit (``0件0件``, ``3 件``): ends its cell
# 无 as a mark (``规章无无无``, ``许可无第二十条``), not the template's labels opening with it (无法提供, 无正当理由)
_WU = r"无(?!法提供|正当理由)"
_RUN = re.compile(
    rf"(?:[增减+\-]?\d|[/\\×]|{_WU}|[-—－–]|{_OCR})(?:{_UNIT}|[\d /\\×\-—－–]|{_WU}|[增减+](?=\d)|{_OCR})*"
    r"(?:\.\d+)?(?:[ ]?(?:万元|亿元|元|万|亿))?"
)
# the digits OCR letters stand for: a run is split as if they were digits; their cells keep the
# letters, so they are read as text and reviewed (``0O00``: 0|O|0|0, the O's cell unparsed)
OCR_DIGITS = str.maketrans("OolI〇", "00110")
NOT_APPLICABLE = "/"  # a cell printed as "/" in a run: a piece of its own (``/211/16013093594``)
# one-character "not applicable" marks: each a piece of its own (``规章无无无``, ``2无3``: 2|无|3)
SINGLE_MARKS = frozenset((NOT_APPLICABLE, "无", "\\", "×"))
COUNT_UNITS = frozenset(UNITS)
_ASCII_DIGITS = frozenset("0123456789")
DASHES = frozenset("-—－–")  # a cell printed as a dash or two (``-------``: seven empty counts), not a number
_NEXT_NUMBERING = re.compile(r"\d(?=[.、][^\d])")
_GLUED_YEAR = re.compile(r"(?:19|20)\d\d(?=\s*年|-\d{1,2}-\d{1,2}(?!\d))")  # prose opening with a year or a date


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

    A trailing digit that numbers the next label (``…00000002.其他``) is left to that label (a run
    that is only that number is no run: the row printed nothing), and
    a year that opens the prose after a table (``…继续办理00000012024年3月``, ``…0002020-01-13前``)
    to the prose: the run ends before it, and a run that is only a year is not a value.
    """
    for match in _RUN.finditer(norm, start, end):
        text = match.group(0).rstrip()
        year = _GLUED_YEAR.search(norm, match.start(), match.start() + len(text) + 8)
        if year is not None and year.start() < match.start() + len(text):
            text = norm[match.start() : year.start()].rstrip()
            if not text:
                continue
        stop = match.start() + len(text)
        numbering = _NEXT_NUMBERING.match(norm, stop - 1) if stop - 1 >= match.start() else None
        if numbering and stop - 1 == match.start():
            continue  # only the next label's number (``部分公开 1.属于国家秘密``): no value of this row
        if numbering:
            stop -= 1
        return Run(match.start(), stop, norm[match.start() : stop])
    return None


def valid_piece(text: str, money: bool, signed: bool) -> bool:
    """Whether ``text`` can be one cell: a count without leading zeros, a "not applicable" mark,
    a signed change where ``signed``, decimals and 元/万元 only where ``money``."""
    if text.isdigit():  # most pieces: a count, valid without a leading zero
        return text == "0" or text[0] != "0"
    text = text.translate(OCR_DIGITS)
    if text[-1:] in COUNT_UNITS and not money:
        text = text[:-1].rstrip()
    if text in SINGLE_MARKS or (len(text) <= 2 and set(text) <= DASHES and len(set(text)) == 1):
        return True  # "/", "-", "--", "—", "——": a "not applicable" mark
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


def splits(
    run: Run,
    kinds: list[tuple[bool, bool]],
    totals: dict[int, range] | None = None,
    stats: dict[str, int] | None = None,
    dash_signs: bool = True,
) -> Iterator[list[Piece]]:
    """Every split of ``run`` into ``len(kinds)`` pieces; ``kinds[i] = (money, signed)``.

    Spaces separate cells; "/", 无 and dashes (``-``, ``——``) are "not applicable" cells of their own,
    except that a dash right before a digit signs it in a signed cell (``dash_signs``; off, it
    may be either). ``totals`` maps a cell index to the cells it must equal the sum
    of: such a cell is not enumerated but read as the printed sum, which keeps the search
    small (a requests row is decided by its six parts). The work is bounded by construction:
    a piece is at most ``MAX_PIECE`` characters, the search visits at most ``MAX_NODES``
    states and yields at most ``MAX_SPLITS`` splits (a run longer than ``len(kinds) *
    MAX_PIECE`` has no split at all). ``stats["nodes"]`` receives the states visited.

    The enumeration is depth-first, shortest piece first. Two things keep it cheap without
    changing what it yields or when the bounds stop it: each piece is cut and checked once
    (not once per visit), and a state already searched without a split (the same position,
    cell and printed parts of the totals still open) is not searched again; its node count
    is added as if it had been, so ``MAX_NODES`` stops the search at the same point.
    """
    text = run.text
    chars = [i for i, ch in enumerate(text) if ch != " "]
    length, n = len(chars), len(kinds)
    if length > n * MAX_PIECE:
        return
    totals = totals or {}
    # piece [i, j) holds no space iff j <= boundary[i] (the first cell boundary after i)
    boundary = [length + 1] * (length + 1)
    for k in range(length - 1, 0, -1):
        here, before = text[chars[k]], text[chars[k - 1]]
        cut_here = here not in COUNT_UNITS and (
            chars[k] != chars[k - 1] + 1 or here in SINGLE_MARKS or before in SINGLE_MARKS or before in COUNT_UNITS
        )
        boundary[k - 1] = k if cut_here else boundary[k]
    # what a state's future reads of its past: the parts before ``cell`` of every total at or after it
    depends = [_open_parts(totals, cell) for cell in range(n + 1)]
    closing = _ClosingSum.of(text, chars, boundary, totals, n)
    cut: dict[tuple[int, int], tuple[Piece, float | None, float | None]] = {}
    valid: dict[tuple[int, bool, bool], list[tuple[int, Piece, float | None, float | None]]] = {}
    dead: dict[tuple, int] = {}  # states searched without a split -> nodes they took
    count = nodes = 0
    acc: list[Piece] = []
    vals: list[float | None] = []  # piece_value of acc[k] (None: not a number)
    wholes: list[float | None] = []  # the same where it is a whole number (they add exactly), else None

    def make(i: int, j: int) -> tuple[Piece, float | None, float | None]:
        got = cut.get((i, j))
        if got is None:
            piece = Piece(run.start + chars[i], run.start + chars[j - 1] + 1, text[chars[i] : chars[j - 1] + 1])
            number = _number(piece)
            whole = number if number is not None and number.is_integer() and abs(number) < 2**52 else None
            got = cut[(i, j)] = (piece, number, whole)
        return got

    def pieces_from(i: int, money: bool, signed: bool) -> list[tuple[int, Piece, float | None, float | None]]:
        found = valid.get((i, money, signed))
        if found is None:
            top = min(length, i + MAX_PIECE, boundary[i])
            found = [
                (j, *got)
                for j in range(i + 1, top + 1)
                if valid_piece((got := make(i, j))[0].raw, money, signed)
                and not (signed and dash_signs and signs_next(got[0], j))
            ]
            valid[(i, money, signed)] = found
        return found

    def signs_next(piece: Piece, j: int) -> bool:
        """A dash right before a digit, where a signed count may stand (``-190``): its sign, not
        a "not applicable" mark of its own."""
        return set(piece.raw) <= DASHES and j < length and chars[j] == chars[j - 1] + 1 and text[chars[j]].isdigit()

    def state(i: int, cell: int) -> tuple:
        key: list = [i, cell]
        for prefix, parts in depends[cell]:
            known = [wholes[k] for k in parts]
            # whole numbers add exactly in any grouping: their sum stands for them
            key.append(sum(known) if prefix and None not in known else tuple(acc[k].raw for k in parts))
        return tuple(key)

    found_splits: list[list[Piece]] = []
    # the stacks' methods bound once: the search pushes and pops a piece at every step
    push_piece, push_val, push_whole = acc.append, vals.append, wholes.append
    pop_piece, pop_val, pop_whole = acc.pop, vals.pop, wholes.pop

    def rec(i: int, cell: int) -> None:
        nonlocal count, nodes
        if cell == n:  # a leaf: a split when the run is used up
            nodes += 1
            if count < MAX_SPLITS and nodes <= MAX_NODES and i == length:
                count += 1
                found_splits.append(list(acc))
            return
        key = (i, cell) if not depends[cell] else state(i, cell)
        known = dead.get(key)
        if known is not None and count < MAX_SPLITS and nodes + 1 <= MAX_NODES:
            nodes = min(nodes + known, MAX_NODES + 1)
            return
        nodes += 1
        if count >= MAX_SPLITS or nodes > MAX_NODES or length - i < n - cell:
            return
        if closing is not None and closing.first <= cell < n - 1 and not closing.possible(i, cell, wholes):
            return  # no split of the rest ends in the printed sum: nothing below this state
        before, found = nodes - 1, count
        money, signed = kinds[cell]
        if cell in totals:
            parts = [vals[k] for k in totals[cell]]
            wanted = sum(parts if None not in parts else [piece_value(acc[k]) for k in totals[cell]])
            literal = str(int(wanted)) if float(wanted).is_integer() else f"{wanted:g}"
            j = i + len(literal)
            if j < length and text[chars[j]] in COUNT_UNITS and not money:
                j += 1  # the total's unit (``1 件``)
            if j <= length and j <= boundary[i] and (j == length or boundary[j - 1] == j or cell + 1 < n):
                candidate, number, whole = make(i, j)
                if _bare(candidate.raw) == literal or (
                    money and valid_piece(candidate.raw, money, signed) and piece_value(candidate) == wanted
                ):
                    push_piece(candidate), push_val(number), push_whole(whole)
                    rec(j, cell + 1)
                    pop_piece(), pop_val(), pop_whole()
        else:
            # the shortest pieces first; stop where the rest of the run is too short for the cells left
            first_short = max(i + 1, length - (n - cell - 1) + 1)
            stop = first_short - 1 if first_short < min(length, boundary[i]) else length
            for j, candidate, number, whole in pieces_from(i, money, signed):
                if j > stop or nodes > MAX_NODES:
                    break
                push_piece(candidate), push_val(number), push_whole(whole)
                rec(j, cell + 1)
                pop_piece(), pop_val(), pop_whole()
        if count == found and nodes <= MAX_NODES:
            dead[key] = nodes - before

    rec(0, 0)  # a plain recursion collecting the splits: every caller reads them all
    if stats is not None:
        stats["nodes"] = nodes  # the states visited (only ever counted up)
    yield from found_splits


class _ClosingSum:
    """A run whose last cell is the sum of the cells right before it (a requests row: 总计 = its
    six parts), printed in plain digits: which states can still end in their printed sum.

    From position ``i`` with the parts so far adding to ``done``, the ``k`` parts left cover the
    characters before the last piece, and the last piece (one of the run's possible endings,
    ``endings``: its length and value) must print ``done`` plus their sum. ``k`` pieces over
    ``m`` digits, no leading zeros, add to at least ``10 ** (ceil(m / k) - 1)`` (one piece has
    ``ceil(m / k)`` digits or more) and at most ``k * (10 ** (m - k + 1) - 1)``; a state where
    no ending falls in that range has no split below it. Only states that cannot end in a split
    are cut, so the splits and their order are those of the full search.
    """

    def __init__(self, first: int, endings: list[tuple[int, int]], digits: list[bool], length: int, n: int) -> None:
        self.first, self.endings, self.digits, self.length, self.n = first, endings, digits, length, n

    @classmethod
    def of(
        cls, text: str, chars: list[int], boundary: list[int], totals: dict[int, range], n: int
    ) -> _ClosingSum | None:
        parts = totals.get(n - 1)
        if not isinstance(parts, range) or parts.step != 1 or parts.stop != n - 1 or not len(parts):
            return None
        length = len(chars)
        digits = [False] * (length + 1)
        digits[length] = True
        for k in range(length - 1, -1, -1):
            digits[k] = digits[k + 1] and text[chars[k]] in _ASCII_DIGITS
        endings = []
        for size in range(1, min(MAX_PIECE, length) + 1):
            start = length - size
            raw = text[chars[start] : chars[-1] + 1]
            if digits[start] and length <= boundary[start] and (raw == "0" or raw[0] != "0"):
                endings.append((size, int(raw)))
        return cls(parts.start, endings, digits, length, n)

    def possible(self, i: int, cell: int, wholes: list[float | None]) -> bool:
        """False when no split of the rest of the run from ``i`` ends in the printed sum."""
        done = wholes[self.first : cell]
        if not self.digits[i] or None in done:
            return True  # not plain digits: no bound taken
        total, left = sum(done), self.n - 1 - cell  # type: ignore[arg-type]
        for size, value in self.endings:
            room = self.length - i - size
            if room < left:
                break  # longer endings leave even less room
            widest = min(MAX_PIECE, room - left + 1)
            if room > left * MAX_PIECE:
                continue
            least = 0 if -(-room // left) == 1 else 10 ** (-(-room // left) - 1)
            if total + least <= value <= total + left * (10**widest - 1):
                return True
        return False


def _open_parts(totals: dict[int, range], cell: int) -> tuple[tuple[bool, tuple[int, ...]], ...]:
    """Per total at or after ``cell``: its parts before ``cell``, and whether they come first in its sum."""
    out = []
    for total in sorted(totals):
        order = list(totals[total])
        before = tuple(k for k in order if k < cell)
        if total >= cell and before:
            out.append((order[: len(before)] == list(before), before))
    return tuple(out)


def _number(piece: Piece) -> float | None:
    try:
        return piece_value(piece)
    except ValueError:
        return None


def piece_value(piece: Piece) -> float:
    """A piece's number; "/" (not applicable) adds nothing to a sum."""
    if piece.raw.isdigit():
        return float(piece.raw)
    if piece.raw in SINGLE_MARKS or set(piece.raw) <= DASHES:
        return 0.0
    digits = _bare(piece.raw).rstrip("万元亿 ").replace("增", "+").replace("减", "-")
    return float(digits) if digits not in ("", "+", "-") else 0.0


def _bare(raw: str) -> str:
    """A piece's characters as the digits they stand for: OCR letters read, a count unit dropped."""
    return raw.translate(OCR_DIGITS).rstrip(UNITS + " ")
