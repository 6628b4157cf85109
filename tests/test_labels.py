"""The tagger's inputs and outputs without torch: layout feature, vocabulary, slot tags."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nianbao.models.labels import (
    BIO_LABELS,
    DIGIT,
    MAX_FIELD,
    ZERO,
    CharVocab,
    boundaries,
    decode_spans,
    field_ids,
)


def _at(text: str, needle: str, nth: int = 0) -> int:
    index = -1
    for _ in range(nth + 1):
        index = text.index(needle, index + 1)
    return field_ids(text)[index]


def test_explicit_empty_cells_move_the_values_after_them() -> None:
    tab = "一、本年新收政府信息公开申请数量\t12\t3\t\t\t1\t\t16\n"
    assert [_at(tab, "12"), _at(tab, "3"), _at(tab, "1\t"), _at(tab, "16")] == [1, 2, 5, 7]
    markdown = "| 一、本年新收 | 12 | 3 |  |  | 1 |  | 16 |\n"
    assert [_at(markdown, "12"), _at(markdown, "3"), _at(markdown, "1 "), _at(markdown, "16")] == [1, 2, 5, 7]
    lines = "（一）予以公开\n12\n3\n\n\n1\n\n16\n"
    assert [_at(lines, "12"), _at(lines, "3"), _at(lines, "1\n\n"), _at(lines, "16")] == [1, 2, 5, 7]


def test_text_resets_the_count_and_the_count_is_capped() -> None:
    text = "结转\t5\n三、本年度办理结果\t7" + "\t" * 60 + "9"
    ids = field_ids(text)
    assert ids[text.index("三")] == 0 and ids[text.index("7")] == 1
    assert ids[text.index("9")] == MAX_FIELD
    assert field_ids(text, cap=15)[text.index("9")] == 15  # a model with 16 token types reads at most 15
    assert field_ids("19万\t增1万\t974.20万元") == [0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2]


def test_zero_has_an_id_of_its_own() -> None:
    vocab = CharVocab("予以公开")
    assert vocab.encode("0 10") == [ZERO, vocab.stoi.get(" ", 1), DIGIT, ZERO]


def test_slot_tags_decode_as_value_spans() -> None:
    probs = np.zeros((4, len(BIO_LABELS)), dtype=np.float32)
    for i, tag in enumerate(["B-V3", "I-V3", "O", "B-V6"]):
        probs[i, BIO_LABELS.index(tag)] = 1.0
    assert [(s, e, label) for s, e, label, _ in decode_spans(probs)] == [(0, 2, "VALUE"), (3, 4, "VALUE")]


def test_a_markdown_rule_line_ends_like_text() -> None:
    # under |---|---|, a value row with no label counts from its own first |, as a labelled row does
    table = "| 行政复议 | 行政诉讼 |\n|---|---|---|\n|  |  | 5 |\n"
    labelled = "| 一、本年新收 |  |  | 5 |\n"
    assert _at(table, "5") == _at(labelled, "5") == 3


def _plain_field_ids(text: str, cap: int, version: int) -> list[int]:
    """The layout feature one character at a time (what ``field_ids`` computes with numpy)."""
    from nianbao.models.labels import _CLOSED_LINE, _FRAMED_LINE, _RULE_LINE, _VALUE_CHARS, SEPARATORS

    out, count = [], 0
    rule_ends = {m.end() - 1 for m in _RULE_LINE.finditer(text)}
    framed = {m.start() for m in _FRAMED_LINE.finditer(text)} if version >= 2 else set()
    closed = {m.end() - 1 for m in _CLOSED_LINE.finditer(text)} if version >= 2 else set()
    for index, ch in enumerate(text):
        if index in rule_ends or index in framed:
            count = 0
        elif index in closed:
            pass
        elif ch in SEPARATORS:
            count = min(count + 1, cap)
        elif not (ch.isdigit() or ch in _VALUE_CHARS):
            count = 0
        out.append(count)
    return out


def test_layout_feature_matches_the_plain_count_on_real_and_generated_text(shared) -> None:
    import random

    from nianbao.extraction.inputs.decode import decode
    from nianbao.extraction.text.normalize import NormText
    from nianbao.models.labels import field_at, layout_marks
    from nianbao.training.generator.generate import generate

    texts = [NormText(decode(p.read_bytes()).text).norm for p in sorted((shared / "seeds").glob("*.txt"))]
    texts += [NormText(sample["text"]).norm for sample in generate(12, seed=5)]
    rng = random.Random(0)
    pieces = ["|---|", "| :--- |", "|", "---", " ", "\n", "\t", "5", "0", ":", "表", "²", "①", "万", "\ud800"]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 30))) for _ in range(400)]
    for text, version in ((text, version) for text in texts for version in (1, 2)):
        for cap in (0, 1, MAX_FIELD, len(text) + 1):
            assert field_ids(text, cap, version) == _plain_field_ids(text, cap, version)
        for _ in range(10 if text else 0):  # a row's fields read back from a value: the slice's count
            start = rng.randrange(len(text))
            end = rng.randrange(start, len(text))
            plain = _plain_field_ids(text[start : end + 1], len(text) + 1, version)
            marks = layout_marks(text, start, end + 1, version)
            for index in (start, end, rng.randrange(start, end + 1)):
                assert field_at(text, index, start, marks, version) == plain[index - start]
            assert field_at(text, end, start, version=version) == plain[-1]


def test_version_2_counts_every_markdown_row_from_its_own_first_pipe() -> None:
    # a PDF converter prints a block of label rows, then their value rows with an empty label cell
    block = "| 4.保护第三方合法权益 |  |  |  |  |  |  |  |\n|  |  |  |  |  | 1 | 1 | 2 |\n|  |  |  | 7 |  |  |  | 7 |\n"
    first, second = block.index("1 | 1"), block.index("7 |")
    assert field_ids(block, version=1)[first] == MAX_FIELD  # version 1 carries the rows above on: capped
    assert [field_ids(block, version=2)[i] for i in (first, second)] == [6, 4]
    assert field_ids(block, version=2)[block.index("2 |")] == 8  # the empty label cell, then seven columns


def test_version_2_counts_a_field_closed_by_a_pipe_at_the_line_end_once() -> None:
    # one value per line, each closed by a pipe (a crawled table's cells): 12, -, 3, -, 15, -, -, 1
    lines = "复议后起诉 |\n12 |\n |\n3 |\n |\n15 |\n |\n |\n1 |\n"
    at = [lines.index("12"), lines.index("3 "), lines.index("15"), lines.rindex("1 |")]
    assert [field_ids(lines, version=2)[i] for i in at] == [1, 3, 5, 8]
    assert [field_ids(lines, version=1)[i] for i in at] == [2, 6, 10, 15]  # two per field: the far ones capped
    assert boundaries(" |\n |\n", version=2) == 2 and boundaries(" |\n |\n", version=1) == 4


def _plain_decode(probs: np.ndarray, threshold: float, labels: tuple[str, ...]) -> list:
    """decode_spans character by character, a span's probability averaged span by span."""
    from nianbao.models.labels import merge_slots

    names, merged = merge_slots(probs, labels)
    spans: list = []
    current: list = []

    def close() -> None:
        start, end, label = current
        ids = [names.index(f"B-{label}"), names.index(f"I-{label}")]
        spans.append((start, end, label, float(merged[start:end, ids].sum(axis=1).mean())))

    for i, best in enumerate(merged.argmax(axis=1)):
        tag = names[best]
        if tag == "O" or merged[i, best] < threshold:
            if current:
                close()
                current = []
            continue
        prefix, label = tag.split("-", 1)
        if current and (prefix == "B" or current[2] != label):
            close()
            current = []
        current = [i, i + 1, label] if not current else [current[0], i + 1, label]
    if current:
        close()
    return spans


def test_span_decoding_matches_the_character_by_character_reading(shared) -> None:
    """``decode_spans`` (all characters and spans at once) gives the spans and the bits of the
    probabilities of the plain loop: on the shipped tagger's reading of the real reports, and on
    random probabilities with spans of every length (B- and I- runs, label changes, ties)."""
    from nianbao.extraction.text.normalize import NormText
    from nianbao.models.runtime import OnnxTagger

    tagger = OnnxTagger.load(Path(__file__).resolve().parents[1] / "models" / "default")
    cases = [
        tagger.probabilities(NormText(p.read_text("utf-8")).norm) for p in sorted((shared / "seeds").glob("*.txt"))
    ]
    rng = np.random.default_rng(7)
    for length in (0, 1, 2, 9, 400):
        probs = rng.random((length, len(tagger.labels))).astype(np.float32) ** 6
        cases.append(probs / probs.sum(axis=1, keepdims=True))
    assert sum(len(_plain_decode(p, 0.5, tagger.labels)) for p in cases[:2]) > 100
    for probs in cases:
        for threshold in (0.3, 0.5, 0.8):
            assert decode_spans(probs, threshold, tagger.labels) == _plain_decode(probs, threshold, tagger.labels)
