"""The token-classification model: a small character-level BERT trained from scratch.

One token per character of the normalised text (``NormText.norm``, 1:1 with the original),
so offsets need no mapping. Labels are BIO tags over the structural span labels of the
annotation format. Saved with ``save_pretrained`` (safetensors) plus ``vocab.json`` and
``tagger.json`` (labels, window, temperature); loaded offline from a directory only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from transformers import BertConfig, BertForTokenClassification

SPAN_LABELS = ("TITLE", "SECTION", "CAPTION", "HEADER", "ROW", "NOTE")
MAX_SLOTS = 15  # a value's column slot in its printed row (appeals: 3 rows x 5 read as one row)
SLOT_LABELS = tuple(f"V{k}" for k in range(MAX_SLOTS))
# "O" is everything else, number-like text that is not a cell included (years, page numbers).
BIO_LABELS = ("O", *[f"{p}-{label}" for label in SPAN_LABELS + SLOT_LABELS for p in ("B", "I")])
SPECIALS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[DIGIT]", "[ZERO]")
PAD, UNK, CLS, SEP, DIGIT, ZERO = range(6)
WINDOW = 254  # characters per window (plus [CLS] and [SEP])
STRIDE = 192


@dataclass(frozen=True)
class TaggerConfig:
    """Size of the network; small enough to ship in the repository."""

    hidden_size: int = 96
    num_hidden_layers: int = 2
    num_attention_heads: int = 4
    intermediate_size: int = 192
    window: int = WINDOW
    stride: int = STRIDE
    dropout: float = 0.1


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
    def load(cls, path: Path) -> CharVocab:
        vocab = cls()
        vocab.itos = json.loads(path.read_text("utf-8"))
        vocab.stoi = {c: i for i, c in enumerate(vocab.itos)}
        return vocab


def build_model(vocab_size: int, config: TaggerConfig) -> BertForTokenClassification:
    """A randomly initialised BERT token classifier (no download)."""
    bert = BertConfig(
        vocab_size=vocab_size,
        hidden_size=config.hidden_size,
        num_hidden_layers=config.num_hidden_layers,
        num_attention_heads=config.num_attention_heads,
        intermediate_size=config.intermediate_size,
        max_position_embeddings=config.window + 2,
        hidden_dropout_prob=config.dropout,
        attention_probs_dropout_prob=config.dropout,
        id2label=dict(enumerate(BIO_LABELS)),
        label2id={label: i for i, label in enumerate(BIO_LABELS)},
    )
    return BertForTokenClassification(bert)


def windows(length: int, window: int, stride: int) -> list[tuple[int, int]]:
    """Overlapping ``(start, end)`` character windows covering ``[0, length)``."""
    if length <= window:
        return [(0, length)]
    starts = list(range(0, length - window, stride)) + [length - window]
    return [(s, s + window) for s in starts]


def encode_windows(ids: list[int], spans: list[tuple[int, int]], window: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Padded input ids ``[CLS] chars [SEP]`` and attention masks for each window."""
    batch = torch.full((len(spans), window + 2), PAD, dtype=torch.long)
    mask = torch.zeros_like(batch)
    for row, (start, end) in enumerate(spans):
        chunk = [CLS, *ids[start:end], SEP]
        batch[row, : len(chunk)] = torch.tensor(chunk)
        mask[row, : len(chunk)] = 1
    return batch, mask


@dataclass
class Tagger:
    """A loaded tagger: model, vocabulary and decoding settings."""

    model: BertForTokenClassification
    vocab: CharVocab
    config: TaggerConfig
    temperature: float = 1.0
    labels: tuple[str, ...] = BIO_LABELS

    def probabilities(self, norm: str, batch_size: int = 32) -> np.ndarray:
        """Per-character label probabilities, shape ``(len(norm), len(self.labels))``."""
        ids = self.vocab.encode(norm)
        spans = windows(len(ids), self.config.window, self.config.stride)
        total = np.zeros((len(ids), len(self.labels)), dtype=np.float32)
        counts = np.zeros((len(ids), 1), dtype=np.float32)
        self.model.eval()
        with torch.inference_mode():
            for first in range(0, len(spans), batch_size):
                chunk = spans[first : first + batch_size]
                inputs, mask = encode_windows(ids, chunk, self.config.window)
                logits = self.model(input_ids=inputs, attention_mask=mask).logits / self.temperature
                probs = torch.softmax(logits, dim=-1).numpy()
                for row, (start, end) in enumerate(chunk):
                    total[start:end] += probs[row, 1 : 1 + end - start]
                    counts[start:end] += 1
        return total / np.maximum(counts, 1)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.model.save_pretrained(directory, safe_serialization=True)
        self.vocab.save(directory / "vocab.json")
        meta = {"labels": list(self.labels), "config": self.config.__dict__, "temperature": self.temperature}
        (directory / "tagger.json").write_text(json.dumps(meta, indent=1), "utf-8")

    @classmethod
    def load(cls, directory: Path) -> Tagger:
        """Load from a directory: safetensors weights and JSON only, never a pickle."""
        meta = json.loads((directory / "tagger.json").read_text("utf-8"))
        labels = tuple(meta["labels"])
        if labels[0] != "O" or not all(label.split("-", 1)[0] in ("B", "I") for label in labels[1:]):
            raise ValueError(f"{directory}: the model's labels are not BIO tags")
        model = BertForTokenClassification.from_pretrained(directory, local_files_only=True, use_safetensors=True)
        vocab = CharVocab.load(directory / "vocab.json")
        return cls(model, vocab, TaggerConfig(**meta["config"]), meta.get("temperature", 1.0), labels)


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
