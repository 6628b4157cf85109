"""Generated reports in every flattening come out exactly as generated (or flagged for review)."""

from __future__ import annotations

import random

import pytest

from nianbao import extract_text
from nianbao.evaluation.gold import compare
from nianbao.training.generator.generate import GenConfig, generate_report
from nianbao.training.generator.render import LEGACY_STYLES

DENSE = [
    GenConfig(style, template, traditional, zero)
    for style in LEGACY_STYLES  # extraction accuracy is asserted on the original ten styles
    if style not in ("ocr", "crawl")  # own tests: model vs rules, and the splitter
    for template in ("2019", "2021")
    for traditional, zero in ((False, "0"), (True, "/"))
]


@pytest.mark.parametrize("config", DENSE, ids=lambda c: f"{c.style}-{c.template}-{'trad' if c.traditional else 'simp'}")
def test_dense_styles_exact(config: GenConfig) -> None:
    for seed in range(2):
        sample = generate_report(random.Random(seed), config)
        problems = compare(sample, extract_text(sample["text"]))
        assert problems == [], f"seed {seed}:\n" + "\n".join(problems[:20])


def test_single_other_row_2021() -> None:
    sample = generate_report(random.Random(7), GenConfig("pdf", "2021", single_other=True))
    doc = extract_text(sample["text"])
    assert compare(sample, doc) == []
    rows = {c["row"] for c in doc["cells"] if c["table"] == "requests"}
    assert "other" in rows
    assert all(c["state"] == "missing" for c in doc["cells"] if c["row"] == "other_other")


@pytest.mark.parametrize("style", ["lines", "tab_indented"])
def test_sparse_styles_wrong_cells_go_to_review(style: str) -> None:
    """Blank cells left out of the text: placement may be ambiguous, but rarely silently wrong."""
    wrong = silent = 0
    for seed in range(6):
        sample = generate_report(random.Random(seed), GenConfig(style, "2019", zero_style=""))
        doc = extract_text(sample["text"])
        got = {(c["table"], c["row"], c["col"]): c for c in doc["cells"]}
        review = {(r["table"], r["row"], r["col"]) for r in doc["review"]}
        for cell in sample["cells"]:
            key = (cell["table"], cell["row"], cell["col"])
            if (got[key]["value"], got[key]["state"]) != (cell["value"], cell["state"]):
                wrong += 1
                silent += key not in review
    assert silent <= 0.15 * max(wrong, 1), (wrong, silent)


def test_model_locator_beats_rules_on_ocr_confusions() -> None:
    """OCR-confused labels defeat the label patterns; the model's ROW spans recover them."""
    from nianbao.extraction.pipeline import default_locator
    from nianbao.extraction.text.locator import RuleLocator

    model = default_locator()
    assert model.name == "model", "the shipped default model should be loaded"
    scores = {"model": [0, 0], "rules": [0, 0]}
    for seed in range(4):
        sample = generate_report(random.Random(100 + seed), GenConfig("ocr", "2021" if seed % 2 else "2019"))
        for name, locator in (("model", model), ("rules", RuleLocator())):
            got = {
                (c["table"], c["row"], c["col"]): c["value"]
                for c in extract_text(sample["text"], locator=locator)["cells"]
            }
            for cell in sample["cells"]:
                scores[name][0] += got.get((cell["table"], cell["row"], cell["col"])) == cell["value"]
                scores[name][1] += 1
    model_acc, rules_acc = (scores[n][0] / scores[n][1] for n in ("model", "rules"))
    assert model_acc > rules_acc + 0.05, (model_acc, rules_acc)


def test_an_ocr_damaged_row_label_is_matched_to_the_row_it_resembles_most() -> None:
    """``(一)予以会升`` is 予以公开 by its number; ``(三)不予公开`` is a group row (no values), not
    予以公开 by its words; ``(六)其他处理`` is a row in 2019 and a group in 2021."""
    from nianbao.extraction.templates import get_template, requests_search_table
    from nianbao.extraction.text.row_match import row_owner

    requests_2019, requests_2021 = get_template("2019").requests, get_template("2021").requests
    assert row_owner("(一)予以会升", requests_2019)[0] == "granted"
    assert row_owner("(三)不予公开", requests_2019)[0] is None
    assert row_owner("(二)部分公升", requests_2021)[0] == "partially_granted"
    assert row_owner("(六)其他处埋", requests_2019)[0] == "other"
    assert row_owner("(六)其他处埋", requests_2021)[0] is None
    # where （六）其他处理 is a row of the searched table (2021 prints it alone or over its sub-rows),
    # it is that row, and 3.其他's patterns do not take it for 其他 when OCR damages 处理
    searched = requests_search_table("2021")
    assert row_owner("（六）其他处埋", searched)[0] == "other"
    assert not any(p.search("（六）其他处埋") for p in searched.row("other_other").patterns)


def test_a_label_too_damaged_to_resemble_its_row_is_read_where_the_template_puts_it() -> None:
    """``行攻外罚`` (行政处罚, half its characters damaged) resembles no row enough; it is the one
    unclaimed ROW span between 行政许可 and 行政强制, the only row missing there, so it is 行政处罚.
    ``（六）其他外埋`` is （六）其他处理, not 3.其他 (whose number is an Arabic one)."""
    from nianbao.extraction.templates import requests_search_table

    sample = generate_report(random.Random(5), GenConfig("tab", "2019"))
    text = sample["text"].replace("行政处罚", "行攻外罚", 1)
    assert text != sample["text"]
    got = {(c["table"], c["row"], c["col"]): c["value"] for c in extract_text(text)["cells"]}
    penalty = [c for c in sample["cells"] if c["row"] == "penalty"]
    assert penalty and all(got[(c["table"], c["row"], c["col"])] == c["value"] for c in penalty)
    from nianbao.extraction.text.locator import RuleLocator

    rules = extract_text(text, locator=RuleLocator())  # without the model's ROW spans the row is not found
    assert all(c["state"] == "missing" for c in rules["cells"] if c["row"] == "penalty")
    searched = requests_search_table("2021")
    assert not any(p.search("（六）其他外埋") for p in searched.row("other_other").patterns)
    assert any(p.search("3.其他") for p in searched.row("other_other").patterns)


def test_ocr_reports_are_read_right_on_every_cell_the_text_decides() -> None:
    from nianbao.training.generator.generate import random_config

    rng = random.Random(11)
    for _ in range(8):
        sample = generate_report(rng, random_config(rng, ("ocr",)))
        got = {
            (c["table"], c["row"], c["col"]): (c["value"], c["state"]) for c in extract_text(sample["text"])["cells"]
        }
        wrong = [c["row"] for c in sample["cells"] if got[(c["table"], c["row"], c["col"])] != (c["value"], c["state"])]
        assert not wrong, wrong


def test_a_row_labels_owner_is_the_best_of_comparing_every_row() -> None:
    """``row_owner`` skips comparisons that cannot win and remembers texts; its answer is the one of
    comparing a text with every row and group label, on template labels damaged at random."""
    import random
    from difflib import SequenceMatcher

    from nianbao.extraction.templates import get_template
    from nianbao.extraction.text import row_match

    def every_row(text: str, table) -> tuple[str | None, float]:
        core, squeezed = row_match._core(text), row_match._squeeze(text)
        best: tuple[str | None, float] = (None, row_match.ROW_MATCH)
        for key, row_core, printed, *_ in row_match._targets(table):
            ratio = max(SequenceMatcher(None, core, row_core).ratio(), SequenceMatcher(None, squeezed, printed).ratio())
            if ratio > best[1] or (ratio == best[1] and key is None):
                best = (key, ratio)
        return best

    rng = random.Random(3)
    for year in ("2019", "2021"):
        template = get_template(year)
        for table in (template.requests, template.active):
            labels = [row.label for row in table.rows]
            for _ in range(150):
                chars = list(rng.choice(labels))
                # OCR-like damage: a character replaced, dropped or doubled
                for _ in range(rng.randint(0, min(4, len(chars) - 1))):
                    i = rng.randrange(len(chars))
                    chars[i : i + 1] = rng.choice([[rng.choice("会升埋公开处理不予")], [], [chars[i]] * 2])
                text = "".join(chars)
                assert row_match.row_owner(text, table) == every_row(text, table) == row_match.row_owner(text, table)


def test_ocr_damaged_granted_rows_come_out_right() -> None:
    """On generated OCR reports the two rows whose damaged labels the patterns miss and whose
    words resemble another row (予以公开 / 不予公开, 部分公开) are read right by the model."""
    from nianbao.training.generator.generate import random_config

    rows, rng, wrong = ("granted", "partially_granted"), random.Random(4242), []
    for index in range(8):
        sample = generate_report(rng, random_config(rng, ("ocr",)))
        got = {
            (c["row"], c["col"]): c["value"] for c in extract_text(sample["text"])["cells"] if c["table"] == "requests"
        }
        cells = [c for c in sample["cells"] if c["table"] == "requests" and c["row"] in rows]
        wrong += [(index, c["row"], c["col"]) for c in cells if got.get((c["row"], c["col"])) != c["value"]]
    assert wrong == []
