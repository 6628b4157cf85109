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
LAYOUT_VERSION = 2  # the layout feature a model trained now reads (tagger.json config.layout_version)
_VALUE_CHARS = frozenset(".,/+-－—–%万元亿增减 \u00a0\u3000\u2002\u2003\r")


_RULE_LINE = re.compile(r"(?m)^[ \t]*\|?(?:[ \t]*:?-{3,}:?[ \t]*\|)+[ \t]*(?:\n|$)")
_FRAMED_LINE = re.compile(r"\n(?=[ \t]*\|[^\n]*\|)")  # a line break before a markdown row (two pipes or more)
_CLOSED_LINE = re.compile(r"\|[ ]*\n")  # a field's closing | and the line break after it


def field_ids(text: str, cap: int = MAX_FIELD, version: int = LAYOUT_VERSION) -> list[int]:
    """The layout feature of every character: cell separators (tab, ``|``, newline) since the
    last character of text, capped at ``cap`` (a model's token-type vocabulary less one).

    In ``一、本年新收…\t1\t\t\t1\t\t\t2`` the values read 1, 4 and 7: an empty cell kept as an
    empty field (tab rows, markdown ``|  |``, a blank line) moves the values after it, so the
    model can read a value's column slot from the layout rather than guess it. Labels (any
    other character) read 0 and start the count again, and so does the end of a markdown rule
    line (``|---|---|``): a value row under it (``|  |  | 5 |``) counts from its own first ``|``
    as a labelled row counts from its label. Fed to the model as BERT token types.

    ``version`` 2 (models trained since it exists; older ones read 1) counts a markdown row as a
    row wherever it is: every line opening with ``|`` counts from its own first ``|`` (a PDF
    converter's value rows printed below their labels, ``|  |  | 4 |``, no longer carry on the
    count of the rows above them), and a field closed by ``|`` at the end of its line is one
    boundary, not two (``12 |\n |\n3 |``: one value per line, each closed by a pipe).
    """
    return field_array(text, cap, version).tolist()


def field_array(text: str, cap: int = MAX_FIELD, version: int = LAYOUT_VERSION) -> np.ndarray:
    """:func:`field_ids` as an int64 array, computed with numpy (no loop over the characters)."""
    if not text:
        return np.zeros(0, dtype=np.int64)
    kind = _char_kinds(text)
    reset, sep = kind == _RESET, kind == _SEP
    ends = [m.end() - 1 for m in _RULE_LINE.finditer(text)]
    if ends:
        reset[ends], sep[ends] = True, False
    if version >= 2:
        framed, closed = _row_marks(text, 0, len(text))
        reset[list(framed)], sep[list(framed)], sep[list(closed)] = True, False, False
    seps = np.cumsum(sep, dtype=np.int64)  # separators up to and including each character
    since = np.maximum.accumulate(np.where(reset, seps, 0))  # ... up to the last reset (seps never falls)
    return np.minimum(seps - since, max(cap, 0))


def field_at(
    text: str, index: int, start: int = 0, marks: tuple[set[int], set[int]] | None = None, version: int = 1
) -> int:
    """``field_ids(text[start:index + 1], cap, version)[-1]`` with no cap, read back from ``index``
    only as far as the count's last reset (a row's values, not the ~256 characters before them).

    ``marks``: :func:`layout_marks` of the text the count is read in (default
    ``text[start:index + 1]``); give it to read several positions of one longer slice.
    """
    resets, closed = layout_marks(text, start, index + 1, version) if marks is None else marks
    count = 0
    for i in range(index, start - 1, -1):
        if i in resets:
            break
        if i in closed:
            continue
        ch = text[i]
        if ch in SEPARATORS:
            count += 1
        elif not (ch.isdigit() or ch in _VALUE_CHARS):
            break
    return count


def layout_marks(text: str, start: int, end: int, version: int = 1) -> tuple[set[int], set[int]]:
    """Where :func:`field_ids` of ``text[start:end]`` starts its count again, and (version 2) the
    line breaks it does not count (indices into ``text``)."""
    resets = rule_line_ends(text, start, end)
    if version < 2:
        return resets, set()
    framed, closed = _row_marks(text, start, end)
    return resets | framed, closed


def _row_marks(text: str, start: int, end: int) -> tuple[set[int], set[int]]:
    """Version 2's marks in ``text[start:end]``: line breaks before a markdown row, and line breaks
    closing a field with ``|`` (indices into ``text``)."""
    if text.find("|", start, end) < 0:
        return set(), set()
    piece = text[start:end]
    framed = {start + m.start() for m in _FRAMED_LINE.finditer(piece)}
    return framed, {start + m.end() - 1 for m in _CLOSED_LINE.finditer(piece)}


def boundaries(text: str, version: int = LAYOUT_VERSION) -> int:
    """Cell boundaries in a stretch of separators, counted as :func:`field_ids` counts them."""
    count = text.count("\t") + text.count("|") + text.count("\n")
    return count - len(_CLOSED_LINE.findall(text)) if version >= 2 else count


def rule_line_ends(text: str, start: int, end: int) -> set[int]:
    """Where the markdown rule lines of ``text[start:end]`` end (indices into ``text``): the
    positions at which :func:`field_ids` of that slice starts its count again."""
    if text.find("---", start, end) < 0:  # a rule line holds at least three dashes in a row
        return set()
    return {start + m.end() - 1 for m in _RULE_LINE.finditer(text[start:end])}


_KEEP, _SEP, _RESET = 48, 49, 50  # "0" "1" "2": a digit or value character keeps the count, a separator adds one


class _Kinds(dict):
    """Code point → its kind's character, each character classified on first sight (for ``str.translate``)."""

    def __missing__(self, code: int) -> int:
        ch = chr(code)
        if ch in SEPARATORS:
            kind = _SEP
        else:
            kind = _KEEP if ch.isdigit() or ch in _VALUE_CHARS else _RESET
        if len(self) < 65536:  # text of every script cannot grow it without bound
            self[code] = kind
        return kind


_KINDS = _Kinds()


def _char_kinds(text: str) -> np.ndarray:
    """Each character's kind (``_KEEP``, ``_SEP``, ``_RESET``) as a uint8 array."""
    return np.frombuffer(text.translate(_KINDS).encode("ascii"), dtype=np.uint8).copy()


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
    """BIO probabilities → ``(start, end, label, mean probability)`` spans (slots merged into VALUE).

    A character opens a span when its best tag is ``B-`` or names another label than the
    character before it, and ends it when its best tag is ``O`` or below ``threshold``. A span's
    probability is the mean over its characters of its label's ``B-`` plus ``I-`` mass (the
    bits of ``probs[start:end, [B, I]].sum(axis=1).mean()``), computed for all spans at once.
    """
    merged_labels, merged = merge_slots(probs, labels)
    if not len(merged):
        return []
    best = merged.argmax(axis=1)
    kinds = [tag.split("-", 1)[1] if tag != "O" else "" for tag in merged_labels]
    kind = np.array([kinds.index(k) for k in kinds])[best]
    begins = np.array([tag.startswith("B-") for tag in merged_labels])[best]
    inside = (np.array([tag != "O" for tag in merged_labels])[best]) & ~(merged[np.arange(len(best)), best] < threshold)
    previous = np.concatenate(([False], inside[:-1]))
    opens = inside & (~previous | begins | (kind != np.concatenate(([-1], kind[:-1]))))
    breaks = np.append(np.flatnonzero(opens | ~inside), len(best))
    starts = np.flatnonzero(opens)
    ends = breaks[np.searchsorted(breaks, starts, side="right")]
    means = _span_means(merged, merged_labels, starts, ends, kind[starts], kinds)
    names = [kinds[k] for k in kind[starts].tolist()]
    return list(zip(starts.tolist(), ends.tolist(), names, means, strict=True))


def merge_slots(probs: np.ndarray, labels: tuple[str, ...]) -> tuple[tuple[str, ...], np.ndarray]:
    """Probabilities over BIO tags with every ``V<k>`` slot summed into ``VALUE``."""
    kinds = []
    for tag in labels:
        prefix, _, kind = tag.partition("-")
        name = f"{prefix}-{span_label(kind)}" if kind else tag
        if name not in kinds:
            kinds.append(name)
    columns = np.ascontiguousarray(probs.T)  # a tag's probabilities in a row: the same additions, faster
    out = np.zeros((len(kinds), probs.shape[0]), dtype=probs.dtype)
    for index, tag in enumerate(labels):
        prefix, _, kind = tag.partition("-")
        out[kinds.index(f"{prefix}-{span_label(kind)}" if kind else tag)] += columns[index]
    return tuple(kinds), np.ascontiguousarray(out.T)


def _span_means(
    probs: np.ndarray, labels: tuple[str, ...], starts: np.ndarray, ends: np.ndarray, kind: np.ndarray, kinds: list[str]
) -> list[float]:
    """Per span, ``float(probs[start:end, [B, I]].sum(axis=1).mean())`` of its label's columns,
    the spans of one label and length at a time: each row of ``np.add.reduce(..., axis=1)``
    adds like the sum of one span, and ``mean`` divides its float32 sum by the count in float64."""
    out = np.zeros(len(starts), dtype=np.float32)
    lengths = ends - starts
    for label in np.unique(kind).tolist():
        name = kinds[label]
        mass = probs[:, labels.index(f"B-{name}")] + probs[:, labels.index(f"I-{name}")]
        mine = kind == label
        for length in np.unique(lengths[mine]).tolist():
            group = np.flatnonzero(mine & (lengths == length))
            rows = mass[starts[group][:, None] + np.arange(length)]
            out[group] = (np.add.reduce(rows, axis=1).astype(np.float64) / length).astype(np.float32)
    return out.tolist()
