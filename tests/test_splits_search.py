"""The digit-run splitter's shortcuts (pieces cut once, dead states skipped, states that cannot
end in a row's printed sum cut) change nothing: the same splits in the same order as the plain
depth-first enumeration written out below; the search bounds stop it at the same point, or
later where the printed sum cut states the plain search visits."""

from __future__ import annotations

import random

import pytest

from nianbao.extraction.placement import runs
from nianbao.extraction.placement.runs import (
    MAX_PIECE,
    Piece,
    Run,
    piece_value,
    splits,
    valid_piece,
)

APPEALS = {r * 5 + 4: range(r * 5, r * 5 + 4) for r in range(3)}
REQUESTS = {6: range(6)}


def _plain(run: Run, kinds: list[tuple[bool, bool]], totals: dict, stats: dict) -> list[list[Piece]]:
    """Every split by plain enumeration: the splitter's contract, without its shortcuts."""
    text, out, n = run.text, [], len(kinds)
    chars = [i for i, ch in enumerate(text) if ch != " "]
    gaps = {
        k for k in range(1, len(chars)) if chars[k] != chars[k - 1] + 1 or "/" in (text[chars[k]], text[chars[k - 1]])
    }
    if len(chars) > n * MAX_PIECE:
        return out

    def piece(i: int, j: int) -> Piece:
        return Piece(run.start + chars[i], run.start + chars[j - 1] + 1, text[chars[i] : chars[j - 1] + 1])

    def whole(i: int, j: int) -> bool:
        return not any(k in gaps for k in range(i + 1, j))

    def rec(i: int, cell: int, acc: list[Piece]) -> None:
        stats["nodes"] = stats.get("nodes", 0) + 1
        if (
            len(out) >= runs.MAX_SPLITS
            or stats["nodes"] > runs.MAX_NODES
            or (cell == n and i == len(chars) and not out.append(list(acc)))
        ):
            return
        if cell == n or len(chars) - i < n - cell:
            return
        money, signed = kinds[cell]
        if cell in totals:
            wanted = sum(piece_value(acc[k]) for k in totals[cell])
            literal = str(int(wanted)) if float(wanted).is_integer() else f"{wanted:g}"
            j = i + len(literal)
            if j <= len(chars) and whole(i, j) and (j == len(chars) or j in gaps or cell + 1 < n):
                c = piece(i, j)
                if c.raw == literal or (money and valid_piece(c.raw, money, signed) and piece_value(c) == wanted):
                    rec(j, cell + 1, [*acc, c])
            return
        for j in range(i + 1, min(len(chars), i + MAX_PIECE) + 1):
            if stats["nodes"] > runs.MAX_NODES or not whole(i, j):
                break
            if j < len(chars) and j not in gaps and len(chars) - j < n - cell - 1:
                break
            if valid_piece(piece(i, j).raw, money, signed):
                rec(j, cell + 1, [*acc, piece(i, j)])

    rec(0, 0, [])
    return out


def _cases(rng: random.Random) -> list[tuple[str, int, dict]]:
    cases = [("1" * 40, 15, APPEALS), ("640020470", 7, REQUESTS), ("270020130", 7, REQUESTS), ("12 03 4", 3, {})]
    for _ in range(80):
        width, totals = rng.choice([(7, REQUESTS), (15, APPEALS), (3, {}), (5, {})])
        text = "".join(
            rng.choice("0001123456789 .元万减/") if rng.random() < 0.2 else rng.choice("0123456789")
            for _ in range(rng.randint(1, 24))
        )
        cases.append((text.strip() or "0", width, totals))
    for _ in range(30):  # rows whose printed totals hold
        parts = [rng.choice([0, 0, rng.randint(0, 9), rng.randint(0, 99), rng.randint(0, 999)]) for _ in range(12)]
        cases.append(
            (
                "".join(str(v) for g in range(3) for v in (*parts[g * 4 : g * 4 + 4], sum(parts[g * 4 : g * 4 + 4]))),
                15,
                APPEALS,
            )
        )
        cases.append(("".join(map(str, (*parts[:6], sum(parts[:6])))), 7, REQUESTS))
    return cases


@pytest.mark.parametrize(
    ("max_nodes", "max_splits", "some_stopped"),
    [(1500, 30, True), (300, 5, True), (runs.MAX_NODES, runs.MAX_SPLITS, False)],
)
def test_same_splits_in_the_same_order_as_plain_enumeration(
    monkeypatch, max_nodes: int, max_splits: int, some_stopped: bool
) -> None:
    """With small bounds, so that many searches are stopped by them part-way, and the real ones."""
    monkeypatch.setattr(runs, "MAX_NODES", max_nodes)
    monkeypatch.setattr(runs, "MAX_SPLITS", max_splits)
    tried = capped = fewer = 0
    for text, width, totals in _cases(random.Random(7)):
        for kinds in ([(False, False)] * width, [(i % 3 == 1, i % 4 == 2) for i in range(width)]):
            run = Run(5, 5 + len(text), text)
            ours, theirs = {}, {}
            got = [[(p.start, p.end, p.raw) for p in s] for s in splits(run, kinds, totals, ours)]
            want = [[(p.start, p.end, p.raw) for p in s] for s in _plain(run, kinds, totals, theirs)]
            stopped = theirs.get("nodes", 0) > max_nodes
            assert got[: len(want)] == want and (stopped or got == want), (text, width)
            if not stopped:
                assert ours.get("nodes", 0) <= theirs.get("nodes", 0), (text, width)
            if not stopped and not totals:  # nothing to cut: the same states visited
                assert ours.get("nodes") == theirs.get("nodes"), (text, width)
            fewer += ours.get("nodes", 0) < theirs.get("nodes", 0)
            capped += stopped or len(want) == max_splits
            tried += 1
    assert tried > 250 and fewer > 50 and (capped > 10) == some_stopped, (capped, fewer)
