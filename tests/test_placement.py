"""The placement decoder: one selection rule, model scores under the arithmetic, corrections as constraints."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from nianbao.extraction.pipeline import extract_text
from nianbao.extraction.placement.arithmetic import REQUEST_ROW_SUMS, row_arithmetic
from nianbao.extraction.placement.decoder import AMBIGUOUS_MARGIN, BROKEN_MARGIN, Scored, choose
from nianbao.extraction.placement.search import place
from nianbao.extraction.text.locator import RuleLocator

SHARED = Path(__file__).resolve().parents[2] / "shared"


def _confident(slots: list[int], n_cols: int, p: float = 0.999) -> list[list[float]]:
    """Slot log-probabilities of a model sure that value i sits in column slots[i]."""
    rest = (1 - p) / (n_cols - 1)
    return [[math.log(p if c == slot else rest) for c in range(n_cols)] for slot in slots]


def _row_scorer(values: list[float]):
    def score(mapping: dict[int, int]) -> tuple[int, ...]:
        grid: list[float | None] = [None] * 7
        for i, col in mapping.items():
            grid[col] = values[i]
        return row_arithmetic(grid, REQUEST_ROW_SUMS)

    return score


def test_choose_prefers_arithmetic_then_model_then_leftmost() -> None:
    # within the margin the readings are tied (review), and the model's favourite is the guess
    fits, breaks = (0, 1), (-1, 0)
    sure = choose([Scored((0, 6), fits, -6.0), Scored((1, 6), fits, -1.0), Scored((0, 1), breaks, -0.1)])
    assert sure.best.key == (1, 6) and not sure.ambiguous and sure.margin == pytest.approx(5.0)
    unsure = choose([Scored((0, 6), fits, -3.0), Scored((1, 6), fits, -1.0), Scored((0, 1), breaks, -0.1)])
    assert unsure.best.key == (1, 6) and unsure.ambiguous and unsure.margin == 0.0  # tied: the model's pick
    assert [c.key for c in unsure.alternatives] == [(0, 6), (1, 6)]
    tie = choose([Scored((2, 6), fits), Scored((0, 6), fits), Scored((1, 6), fits)])
    assert tie.best.key == (0, 6) and tie.ambiguous and tie.margin == 0.0  # equal scores: leftmost
    clear = choose([Scored((0, 6), fits, 0.0), Scored((1, 6), fits, -AMBIGUOUS_MARGIN - 0.5)])
    assert not clear.ambiguous


def test_a_broken_report_is_not_hidden_by_moving_values() -> None:
    # the model is sure of a reading whose row sum fails: it stands (the checks flag it)
    sure = choose([Scored((0, 1), (-1, 0), 0.0), Scored((0, 6), (0, 1), -BROKEN_MARGIN - 1)])
    assert sure.best.key == (0, 1)
    unsure = choose([Scored((0, 1), (-1, 0), 0.0), Scored((0, 6), (0, 1), -2.0)])
    assert unsure.best.key == (0, 6)


def test_choosing_among_the_contenders_decides_as_among_all() -> None:
    """``contenders`` keeps the candidates ``choose`` can pick or tie with; the decision (winner,
    alternatives, margin, allowed readings) is the same, on random keys and scores, with the model
    agreeing with the arithmetic, tied with it, overruling it and overruled by it."""
    import random

    import numpy as np

    from nianbao.extraction.placement.decoder import contenders

    rng = random.Random(7)
    for _ in range(2000):
        n = rng.randint(1, 12)
        keys = [(-rng.randint(0, 2), rng.randint(0, 2)) for _ in range(n)]
        spread = rng.choice([0.0, 1.0, 5.0, 20.0])
        models = [round(-rng.random() * spread, 1) for _ in range(n)]
        every = [Scored((i,), k, m) for i, (k, m) in enumerate(zip(keys, models, strict=True))]
        few = [every[i] for i in contenders(keys, models)]
        assert choose(few) == choose(every)
        assert contenders(np.array(keys), np.array(models)) == contenders(keys, models)  # place's arrays


def test_explicit_empty_cells_decide_with_the_model() -> None:
    # 12\t3\t\t\t1\t\t16: the row sum fits many placements; the separators tell the model
    values = [12.0, 3.0, 1.0, 16.0]
    rules = place(4, 7, _row_scorer(values))
    assert rules.positions == (0, 1, 2, 6) and rules.ambiguous
    model = place(4, 7, _row_scorer(values), _confident([0, 1, 4, 6], 7))
    assert model.positions == (0, 1, 4, 6) and not model.ambiguous
    assert model.margin > AMBIGUOUS_MARGIN and model.slot_prob == pytest.approx(0.999)


def test_fixed_cells_restrict_the_placements() -> None:
    values = [10.0, 10.0]
    free = place(2, 7, _row_scorer(values))
    assert free.positions == (0, 6) and free.ambiguous
    fixed = place(2, 7, _row_scorer(values), allowed=lambda positions: positions[0] == 1)
    assert fixed.positions == (1, 6) and not fixed.ambiguous


def _report(name: str) -> str:
    for folder in ("seeds", "dev"):
        path = SHARED / folder / f"{name}.txt"
        if path.exists():
            return path.read_text("utf-8")
    pytest.skip(f"{name} not in ../shared")


def _cells(doc: dict) -> dict:
    return {(c["table"], c["row"], c["col"]): c for c in doc["cells"]}


def _review(doc: dict) -> set:
    return {(r["table"], r["row"], r["col"]) for r in doc["review"]}


def test_correcting_one_cell_of_an_ambiguous_split_fixes_the_row() -> None:
    # 海坛 2020 prints its procurement count and amount fused: 3922533.2元 (3 | 922533.2元 or 39 | …)
    text = _report("pingtan-haitan-2020-crawl")
    before = extract_text(text, locator=RuleLocator())
    items, amount = ("active", "procurement", "procurement_items"), ("active", "procurement", "procurement_amount")
    assert {items, amount} <= _review(before)
    after = extract_text(text, locator=RuleLocator(), fixed={items: "39"})
    cells = _cells(after)
    assert (cells[items]["raw"], cells[amount]["raw"]) == ("39", "22533.2元")
    for key in (items, amount):
        assert text[cells[key]["start"] : cells[key]["end"]] == cells[key]["raw"]
        assert key not in _review(after)
    assert cells[items]["start"] == _cells(before)[items]["start"]


def test_correcting_one_cell_of_an_ambiguous_placement_replaces_the_row() -> None:
    # seed 000 prints new_received as 10 and 10 in a 7-column row: which applicant is open
    text = _report("000_c304030f2df1b677")
    before = _cells(extract_text(text, locator=RuleLocator()))
    row = [("requests", "new_received", col) for col in ("natural_person", "commercial", "total")]
    assert [before[k]["raw"] for k in row] == ["10", "", "10"]
    after = extract_text(text, locator=RuleLocator(), fixed={row[1]: "10"})
    cells = _cells(after)
    assert [cells[k]["raw"] for k in row] == ["", "10", "10"]
    assert cells[row[1]]["start"] == before[row[0]]["start"]  # grounded at the printed value
    assert not _review(after) & set(row)


@pytest.mark.parametrize(
    ("label", "values", "undecided"),
    [
        ("2.重复申请", "\t\t0\t0\t0\t0\t0\t0\t\n", True),
        ("2.重复申请", "\t\t0\t0\t\t\t\t0\t\n", True),  # the same extra field, empty cells inside
        ("二、上年结转", "\t\t2\t\t\t\t\t\n", False),  # seven fields, the last five empty: they add up
        (
            "总计",
            "\n\t\t\t\t\t8\t1\t6\t\t15\t\t\t\t\t\n",
            False,
        ),  # an appeals row: 15 fields for 15 columns  # a tab dump's extra field: shifted or empty first column?
        ("| 二、上年结转", " |  | 2 | 5 |  |  |  | 7 |\n", False),  # markdown: the fields add up
        ("二、上年结转", "\t\t2\t5\t\t\t\t7\n", False),
        ("二、上年结转", "\n\n2\n5\n\n\n\n7\n三、", False),  # one value per line, a blank line per empty cell
        ("二、上年结转", " |\n |\n2 |\n5 |\n |\n |\n |\n7 |\n||\n", False),
        ("二、上年结转", "\t2\t5\t7\n", False),  # no empty first field
    ],
)
def test_the_layout_states_an_empty_first_field_unless_the_row_has_an_extra_one(
    label: str, values: str, undecided: bool
) -> None:
    from nianbao.extraction.text.patterns import Token
    from nianbao.extraction.text.row_layout import leading_empty_field

    row = label + values
    tokens = [Token(m.start() + len(label), m.end() + len(label), m.group(0), 0) for m in re.finditer(r"\d+", values)]
    n_cols = 15 if label == "总计" else 7
    assert leading_empty_field(row, tokens, n_cols) is undecided
    assert leading_empty_field(row, tokens, n_cols, version=2) is undecided  # same with the newer feature


def test_a_markdown_value_row_below_its_label_states_its_empty_label_cell() -> None:
    """``|  |  | 4 |  | 3 | 2 | 17 | 26 |`` (a PDF converter's value row printed below its label):
    eight fields, the first the empty label cell. The version 1 feature carries on the count of
    the rows above, so the row looks shifted and the convention decides; version 2 counts the row
    from its own first ``|`` and the model reads it."""
    from nianbao.extraction.text.patterns import Token
    from nianbao.extraction.text.row_layout import leading_empty_field

    text = "| 四、结转下年度继续办理 |  |  |  |  |  |  |  |\n|  |  | 4 |  | 3 | 2 | 17 | 26 |\n"
    start = text.index("|  |  | 4")
    tokens = [Token(m.start() + start, m.end() + start, m.group(0), 1) for m in re.finditer(r"\d+", text[start:])]
    assert leading_empty_field(text, tokens, 7, version=1)
    assert not leading_empty_field(text, tokens, 7, version=2)
    shifted = text.replace("|  |  | 4 |", "|  |  |  | 4 |")  # one field too many even without the label cell
    assert leading_empty_field(shifted, [Token(t.start + 3, t.end + 3, t.raw, 1) for t in tokens], 7, version=2)


def test_where_the_layout_prints_empty_fields_the_model_reads_them_however_sure() -> None:
    from nianbao.extraction.placement.decoder import SlotScores, evidence_only

    in_order = [
        [math.log(0.6) if c == 2 else math.log(0.4 / 14) for c in range(15)],
        [math.log(0.35) if c == 11 else math.log(0.65 / 14) for c in range(15)],
    ]
    assert evidence_only(in_order) is None  # not sure: a prior, the convention decides
    assert evidence_only(SlotScores(in_order, stated=False)) is None
    assert evidence_only(SlotScores(in_order, stated=True)) == in_order  # the printed empty fields say where


def test_slot_scores_of_a_row_are_each_tokens_own_mean(shared: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The model's slot scores, computed for a whole row at once, are bit for bit the per-token
    definition (mean over the token's characters, renormalised, floored, log) on real reports."""
    import numpy as np

    from nianbao.extraction.pipeline import default_locator, extract_bytes
    from nianbao.extraction.text import locator as loc_module

    def one_by_one(slots, tokens) -> list[list[float]]:
        out = []
        for token in tokens:
            part = slots[token.start : max(token.end, token.start + 1)]
            mass = np.add.reduce(part, axis=0) / len(part)
            mass = np.maximum(mass / max(float(np.add.reduce(mass)), loc_module.LOG_FLOOR), loc_module.LOG_FLOOR)
            out.append(np.log(mass).tolist())
        return out

    seen, rowwise = [], loc_module._token_logp

    def checked(slots, tokens):
        scores = rowwise(slots, tokens)
        seen.append((scores == one_by_one(slots, tokens), max((t.end - t.start for t in tokens), default=0)))
        return scores

    locator = default_locator()
    monkeypatch.setattr(loc_module, "_token_logp", checked)
    for path in sorted((shared / "seeds").glob("*.txt"))[:3]:
        extract_bytes(path.read_bytes(), name=path.name, locator=locator)
    assert len(seen) > 20 and all(same for same, _ in seen)
    assert any(longest >= 2 for _, longest in seen)
    from nianbao.extraction.text.patterns import Token  # tokens of 1 to 12 characters, 8+ summed pairwise

    slots = np.random.default_rng(0).random((60, 7), dtype=np.float32) ** 3
    tokens = [Token(s, s + n, "", 0) for s, n in ((0, 1), (2, 3), (6, 8), (15, 12), (30, 0), (40, 7), (50, 9))]
    assert rowwise(slots, tokens) == one_by_one(slots, tokens)


def test_a_tab_every_line_ends_with_is_not_an_empty_field() -> None:
    """A dump that ends every row with a tab (``…\\t0\\t0\\t\\n``): a row printing six values and
    that tab does not state an empty last column, so its placement is the convention's (and the
    row goes to review), not the model's prior; a row whose own fields leave gaps is read."""
    from nianbao.extraction.text.row_layout import line_ending, side_by_side

    full = "一、本年新收\t0\t0\t0\t0\t0\t0\t0\t\n"
    short = "(一)予以公开\t0\t0\t0\t0\t0\t0\t\n"
    text = full + short
    assert line_ending(text, len(full) + short.rindex("0") + 1, 7)
    gaps = full + "(一)予以公开\t0\t0\t\t\t\n"  # more separators than the full row ends with: empty fields
    assert not line_ending(gaps, gaps.rindex("0") + 1, 7)
    plain = "一、本年新收\t1\t2\t3\t4\t5\t6\t21\n(一)予以公开\t1\t\t\n"  # full rows end with no tab
    assert not line_ending(plain, plain.rindex("1") + 1, 7)
    assert side_by_side((1, 1, 6, 0), 6)  # \t0\t0\t0\t0\t0\t0
    assert not side_by_side((3, 1, 7, 0), 3)  # \t1\t\t\t1\t\t\t2: even gaps, the label's one tab is the unit
    assert side_by_side((2, 2, 6, 0), 3)  # two tabs between every field


def test_even_gaps_between_values_are_empty_fields_when_the_first_value_says_so() -> None:
    """``| 部事务信息 | 57 |  |  | 1 |  |  | 58 |``: three separators between every two values, but
    the first value is one field after its label, so the unit is one separator and the row prints
    its empty fields (the model reads where its values go); the same for a PDF converter's value
    row printed below its label (``|  | 81 |  |  | 16 |…``: its first cell is the empty label
    cell). A layout whose every boundary is two tabs keeps its unit of two."""
    from nianbao.extraction.text.patterns import Token
    from nianbao.extraction.text.row_layout import printed_gaps, row_fields

    def tokens(line: str) -> list[Token]:
        return [Token(m.start(), m.end(), m.group(0), 1) for m in re.finditer(r"(?<![\d.])\d+(?![\d.])", line)]

    labelled = "x\n| 部事务信息 | 57 |  |  | 1 |  |  | 58 |\n"
    detached = "x\n|  | 81 |  |  | 16 |  |  | 97 |\n"
    for line in (labelled, detached):
        assert row_fields(line, tokens(line), 2)[:3] == (1, 1, 7) and printed_gaps(line, tokens(line), None, 2)
    full = "x\n| 二、上年结转 | 3 | 4 | 7 |\n"
    assert not printed_gaps(full, tokens(full), None, 2)
    two_tabs = "x\n总计\t\t12\t\t\t\t3\n"
    assert row_fields(two_tabs, tokens(two_tabs), 2)[0] == 2 and printed_gaps(two_tabs, tokens(two_tabs), None, 2)


def test_a_markdown_row_of_one_cell_per_column_after_its_label_cell_says_where_its_values_go() -> None:
    """Cell k of ``| label | c0 | … | c6 |`` is column k-1, whether the label cell holds the label or
    is empty (a PDF converter's value row printed below its label): eight cells for seven columns.
    The appeals table printed as one row of 15 cells has no label cell: its cells are its columns,
    its empty first cell the first. A row whose cells do not count so (too few, or a label's text
    where a column would be: the row lost a cell) is left to the model."""
    from nianbao.extraction.text.patterns import Token
    from nianbao.extraction.text.row_layout import markdown_slots

    def tokens(line: str) -> list[Token]:
        return [Token(m.start(), m.end(), m.group(0), 1) for m in re.finditer(r"(?<![\d.])\d+(?![\d.])", line)]

    labelled = "x\n| 一、本年新 |  | 5 |  | 3 | 2 | 19 | 29 |\n"
    detached = "x\n|  |  | 4 |  | 3 | 2 | 17 | 26 |\n"
    assert markdown_slots(labelled, tokens(labelled), 7) == [1, 3, 4, 5, 6]
    assert markdown_slots(detached, tokens(detached), 7) == [1, 3, 4, 5, 6]
    appeals = "x\n|  |  | 4 |  | 4 | 1 |  |  | 5 | 6 |  |  |  | 3 | 3 |\n"
    assert markdown_slots(appeals, tokens(appeals), 15) == [2, 4, 5, 8, 9, 13, 14]
    lost_a_cell = "x\n| 1.属于国家秘密 | 4 | 3 | 2 | 17 | 26 | 52 |\n"  # seven cells, label and six values
    assert markdown_slots(lost_a_cell, tokens(lost_a_cell), 7) is None
    label_in_a_column = "x\n| 三、本年度办理结果 | (二) 部分公开 | 4 | 3 | 2 | 17 | 26 | 52 |\n"
    assert markdown_slots(label_in_a_column, tokens(label_in_a_column), 7) is None
    short = "x\n| 一、本年新 | 5 | 3 | 2 | 19 | 29 |\n"  # cells missing: the model reads it
    assert markdown_slots(short, tokens(short), 7) is None
    tabs = "x\n一、本年新\t\t5\t\t3\t2\t19\t29\n"
    assert markdown_slots(tabs, tokens(tabs), 7) is None


def test_the_rules_read_markdown_rows_that_print_their_empty_cells() -> None:
    """With the rules alone (no tagger), a markdown table printing every empty cell is read from
    its cells: every decided cell of generated ``markdown_empty`` reports of rows printed whole."""
    import random

    from nianbao import extract_text
    from nianbao.extraction.text.locator import RuleLocator
    from nianbao.training.generator.generate import generate_report, random_config

    rng = random.Random(4242)
    for seed in range(8):
        sample = generate_report(rng, random_config(rng, ("markdown_empty",)))
        doc = extract_text(sample["text"], locator=RuleLocator())
        got = {(c["table"], c["row"], c["col"]): (c["value"], c["state"]) for c in doc["cells"]}
        wrong = [
            (c["row"], c["col"])
            for c in sample["cells"]
            if c["table"] in ("active", "requests")
            and got[(c["table"], c["row"], c["col"])] != (c["value"], c["state"])
        ]
        assert not wrong, (seed, wrong)


def test_a_row_past_the_models_layout_feature_is_read_from_its_printed_fields() -> None:
    """Every cell boundary two tabs: the appeals row prints 30 separators, past the feature's cap
    of 15, so its columns are read from the fields it prints; a row whose steps do not fit a
    common unit inside the row's columns is left to the convention."""
    from nianbao.extraction.text.patterns import Token
    from nianbao.extraction.text.row_layout import field_slots

    def tokens(text: str, start: int) -> list[Token]:
        found = re.finditer(r"\d+", text[start:])
        return [Token(m.start() + start, m.end() + start, m.group(0), 1) for m in found]

    appeals = "尚未审结\t\t总计\n2\t\t23\t\t1\t\t1\t\t27\t\t9\t\t\t\t1\t\t\t\t10\t\t\t\t\t\n"
    assert field_slots(appeals, tokens(appeals, appeals.index("\n")), 15, 2) == [0, 1, 2, 3, 4, 5, 7, 9]
    late = "总计\n\t\t\t\t3\t\t\t\t\t\t5\n"  # opening with two empty fields
    assert field_slots(late, tokens(late, late.index("\n")), 15, 2) == [2, 5]
    labelled = "二、上年结转\t\t\t\t2\t\t5\t\t\t\t\t\t\t\t7\n"
    assert field_slots(labelled, tokens(labelled, 6), 7, 2) == [1, 2, 6]
    assert field_slots(labelled, tokens(labelled, 6), 6, 2) is None  # the last value past the columns


def test_many_placements_are_scored_with_the_same_bits_as_one_at_a_time() -> None:
    import random
    from itertools import combinations

    import numpy as np

    from nianbao.extraction.placement.decoder import slot_score
    from nianbao.extraction.placement.search import _slot_scores

    rng = random.Random(5)
    for n_values, n_cols in ((3, 7), (6, 7), (8, 15)):
        logp = [[math.log(rng.random() or 1e-6) for _ in range(n_cols)] for _ in range(n_values)]
        options = list(combinations(range(n_cols), n_values))
        at = np.array(options)
        assert _slot_scores(logp, at).tolist() == [slot_score(logp, p) for p in options]
        assert _slot_scores(None, at).tolist() == [0.0] * len(options)


def test_a_number_set_aside_beside_a_rows_cells_stays_a_cell_and_the_row_is_reviewed() -> None:
    """The tagger may read a row's value as not a cell (its last field, past what it saw in
    training): printed in a field of its own right beside the row's cells it stays a cell, and
    its row goes to review. Numbers set off by text (``Page 3``, ``(3)``) stay out."""
    from nianbao.extraction.placement.align import holds_any, kept_tokens
    from nianbao.extraction.text.normalize import NormText
    from nianbao.extraction.text.patterns import find_tokens

    text = "一、本年新收政府信息公开申请数量\n2\n0\n0\n0\n0\n0\n2\n\nPage 3\n(4)\n"
    nt = NormText(text)
    tokens = find_tokens(nt, 0, len(text))
    assert [t.raw for t in tokens] == ["2", "0", "0", "0", "0", "0", "2", "3", "4"]
    last = tokens[6]
    kept, dropped = kept_tokens(nt.norm, tokens, lambda t: t.start < last.start)  # the tagger drops the rest
    assert kept == tokens[:7] and dropped == tokens[6:]  # the row's total is back; "3" and "4" are not
    assert holds_any(nt.norm, kept, dropped)  # the row is not sure
    assert not holds_any(nt.norm, kept, tokens[7:])  # set off by text: not among the row's cells
    assert not holds_any(nt.norm, kept, [])
