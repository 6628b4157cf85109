"""The tagger's labels, vocabulary, layout feature, windows and span decoding: no torch, shared by both runtimes.

Training and the spaCy component use ``models.tagger`` (torch); extraction uses
``models.runtime`` (ONNX Runtime). Both read their labels from the model directory, encode
characters with :class:`CharVocab` and decode spans with :func:`decode_spans`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np

SPAN_LABELS = ("TITLE", "SECTION", "CAPTION", "HEADER", "ROW", "NOTE")
MAX_SLOTS = 15  # a value's column slot in its printed row (appeals: 3 rows x 5 read as one row)
SLOT_LABELS = tuple(f"V{k}" for k in range(MAX_SLOTS))
# "O" is everything else, number-like text that is not a cell included (years, page numbers).
BIO_LABELS = ("O", *[f"{p}-{label}" for label in SPAN_LABELS + SLOT_LABELS for p in ("B", "I")])
SPECIALS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[DIGIT]", "[ZERO]")
PAD, UNK, CLS, SEP, DIGIT, ZERO = range(6)


class CharVocab:
    """Characters → ids; digits 1-9 share one id so the model reads layout, not amounts.

    ``0`` has an id of its own: a lone zero is how most empty-but-printed cells look, and it
    tells a digit run's piece boundaries apart (a piece never starts with 0 unless it is 0).
    """

    def __init__(self, chars: Iterable[str] = ()) -> None:
        self.itos = list(SPECIALS) + sorted({c for c in chars if not c.isdigit()} - set(SPECIALS))
        self.stoi = {c: i for i, c in enumerate(self.itos)}

    def encode(self, text: str) -> list[int]:
        get = self.stoi.get
        zero = self.stoi.get("[ZERO]", DIGIT)  # vocabularies saved before [ZERO] existed
        return [(zero if ch == "0" else DIGIT) if ch.isdigit() else get(ch, UNK) for ch in text]

    def __len__(self) -> int:
        return len(self.itos)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.itos, ensure_ascii=False), "utf-8")

    @classmethod
    def from_itos(cls, itos: list[str]) -> CharVocab:
        vocab = cls()
        vocab.itos = list(itos)
        vocab.stoi = {c: i for i, c in enumerate(vocab.itos)}
        return vocab

    @classmethod
    def load(cls, path: Path) -> CharVocab:
        return cls.from_itos(json.loads(path.read_text("utf-8")))


MAX_FIELD = 15  # a model reads the feature capped at its own token-type vocabulary less one
TYPE_VOCAB = MAX_FIELD + 1  # BERT token types: the layout feature below
SEPARATORS = frozenset("\t|\n")  # what ends a printed cell
_VALUE_CHARS = frozenset(".,/+-－—–%万元亿增减 \u00a0\u3000\u2002\u2003\r")


_RULE_LINE = re.compile(r"(?m)^[ \t]*\|?(?:[ \t]*:?-{3,}:?[ \t]*\|)+[ \t]*(?:\n|$)")


def field_ids(text: str, cap: int = MAX_FIELD) -> list[int]:
    """The layout feature of every character: cell separators (tab, ``|``, newline) since the
    last character of text, capped at ``cap`` (a model's token-type vocabulary less one).

    In ``一、本年新收…\t1\t\t\t1\t\t\t2`` the values read 1, 4 and 7: an empty cell kept as an
    empty field (tab rows, markdown ``|  |``, a blank line) moves the values after it, so the
    model can read a value's column slot from the layout rather than guess it. Labels (any
    other character) read 0 and start the count again, and so does the end of a markdown rule
    line (``|---|---|``): a value row under it (``|  |  | 5 |``) counts from its own first ``|``
    as a labelled row counts from its label. Fed to the model as BERT token types.
    """
    out: list[int] = []
    count = 0
    rule_ends = {m.end() - 1 for m in _RULE_LINE.finditer(text)}
    for index, ch in enumerate(text):
        if index in rule_ends:  # a markdown rule line (|---|---|) ends: the next row starts afresh
            count = 0
        elif ch in SEPARATORS:
            count = min(count + 1, cap)
        elif not (ch.isdigit() or ch in _VALUE_CHARS):
            count = 0
        out.append(count)
    return out


def windows(length: int, window: int, stride: int) -> list[tuple[int, int]]:
    """Overlapping ``(start, end)`` character windows covering ``[0, length)``."""
    if length <= window:
        return [(0, length)]
    starts = list(range(0, length - window, stride)) + [length - window]
    return [(s, s + window) for s in starts]


def span_label(tag: str) -> str:
    """The annotation label of a BIO tag's type: ``V3`` (a value in slot 3) is ``VALUE``."""
    return "VALUE" if tag in SLOT_LABELS or tag == "VALUE" else tag


def decode_spans(
    probs: np.ndarray, threshold: float = 0.5, labels: tuple[str, ...] = BIO_LABELS
) -> list[tuple[int, int, str, float]]:
    """BIO probabilities → ``(start, end, label, mean probability)`` spans (slots merged into VALUE)."""
    merged_labels, merged = merge_slots(probs, labels)
    best = merged.argmax(axis=1)
    spans: list[tuple[int, int, str, float]] = []
    current: list = []
    for i, label_id in enumerate(best):
        tag = merged_labels[label_id]
        if tag == "O" or merged[i, label_id] < threshold:
            if current:
                spans.append(_close(current, merged, merged_labels))
                current = []
            continue
        prefix, label = tag.split("-", 1)
        if current and (prefix == "B" or current[2] != label):
            spans.append(_close(current, merged, merged_labels))
            current = []
        if not current:
            current = [i, i + 1, label]
        else:
            current[1] = i + 1
    if current:
        spans.append(_close(current, merged, merged_labels))
    return spans


def merge_slots(probs: np.ndarray, labels: tuple[str, ...]) -> tuple[tuple[str, ...], np.ndarray]:
    """Probabilities over BIO tags with every ``V<k>`` slot summed into ``VALUE``."""
    kinds = []
    for tag in labels:
        prefix, _, kind = tag.partition("-")
        name = f"{prefix}-{span_label(kind)}" if kind else tag
        if name not in kinds:
            kinds.append(name)
    out = np.zeros((probs.shape[0], len(kinds)), dtype=probs.dtype)
    for index, tag in enumerate(labels):
        prefix, _, kind = tag.partition("-")
        out[:, kinds.index(f"{prefix}-{span_label(kind)}" if kind else tag)] += probs[:, index]
    return tuple(kinds), out


def _close(current: list, probs: np.ndarray, labels: tuple[str, ...]) -> tuple[int, int, str, float]:
    start, end, label = current
    ids = [labels.index(f"B-{label}"), labels.index(f"I-{label}")]
    confidence = float(probs[start:end, ids].sum(axis=1).mean())
    return start, end, label, confidence
