"""The token-classification model: a small character-level BERT trained from scratch.

One token per character of the normalised text (``NormText.norm``, 1:1 with the original),
so offsets need no mapping. Labels are BIO tags over the structural span labels of the
annotation format. Saved with ``save_pretrained`` (safetensors) plus ``vocab.json`` and
``tagger.json`` (labels, window, temperature); loaded offline from a directory only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from transformers import BertConfig, BertForTokenClassification

from nianbao.models.labels import (  # noqa: F401 - re-exported: the tagger's public names
    BIO_LABELS,
    CLS,
    DIGIT,
    LAYOUT_VERSION,
    MAX_FIELD,
    MAX_SLOTS,
    PAD,
    SEP,
    SLOT_LABELS,
    SPAN_LABELS,
    SPECIALS,
    TYPE_VOCAB,
    UNK,
    ZERO,
    CharVocab,
    decode_spans,
    field_ids,
    merge_slots,
    span_label,
    windows,
)

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
    layout_version: int = LAYOUT_VERSION  # the layout feature it reads (models/labels.py field_ids)


def build_model(vocab_size: int, config: TaggerConfig) -> BertForTokenClassification:
    """A randomly initialised BERT token classifier (no download)."""
    bert = BertConfig(
        vocab_size=vocab_size,
        hidden_size=config.hidden_size,
        num_hidden_layers=config.num_hidden_layers,
        num_attention_heads=config.num_attention_heads,
        intermediate_size=config.intermediate_size,
        max_position_embeddings=config.window + 2,
        type_vocab_size=TYPE_VOCAB,
        hidden_dropout_prob=config.dropout,
        attention_probs_dropout_prob=config.dropout,
        id2label=dict(enumerate(BIO_LABELS)),
        label2id={label: i for i, label in enumerate(BIO_LABELS)},
    )
    return BertForTokenClassification(bert)


def encode_windows(
    ids: list[int], spans: list[tuple[int, int]], window: int, types: list[int] | None = None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Padded input ids ``[CLS] chars [SEP]``, attention masks and token types for each window.

    ``types`` are the characters' layout feature (:func:`field_ids`); None gives all zeros
    (a model trained before the feature existed).
    """
    batch = torch.full((len(spans), window + 2), PAD, dtype=torch.long)
    mask = torch.zeros_like(batch)
    token_types = torch.zeros_like(batch)
    for row, (start, end) in enumerate(spans):
        chunk = [CLS, *ids[start:end], SEP]
        batch[row, : len(chunk)] = torch.tensor(chunk)
        mask[row, : len(chunk)] = 1
        if types is not None:
            token_types[row, 1 : 1 + end - start] = torch.tensor(types[start:end])
    return batch, mask, token_types


def uses_layout(model: BertForTokenClassification) -> bool:
    """True when the model reads the layout feature as its token types."""
    return int(model.config.type_vocab_size) > 2


def layout_cap(model: BertForTokenClassification) -> int | None:
    """The largest layout feature the model has an embedding for (None: it reads no layout)."""
    return int(model.config.type_vocab_size) - 1 if uses_layout(model) else None


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
        cap = layout_cap(self.model)
        layout = field_ids(norm, cap, self.config.layout_version) if cap else None
        spans = windows(len(ids), self.config.window, self.config.stride)
        total = np.zeros((len(ids), len(self.labels)), dtype=np.float32)
        counts = np.zeros((len(ids), 1), dtype=np.float32)
        self.model.eval()
        with torch.inference_mode():
            for first in range(0, len(spans), batch_size):
                chunk = spans[first : first + batch_size]
                inputs, mask, types = encode_windows(ids, chunk, self.config.window, layout)
                logits = (
                    self.model(input_ids=inputs, attention_mask=mask, token_type_ids=types).logits / self.temperature
                )
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
        config = TaggerConfig(**{"layout_version": 1, **meta["config"]})  # saved before versions: 1
        return cls(model, vocab, config, meta.get("temperature", 1.0), labels)
