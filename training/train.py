"""Training the tagger from scratch: generated reports plus any annotated JSONL.

A plain torch loop (no Trainer): typed config, char-level BIO labels with ``-100`` on
[CLS]/[SEP]/padding as in HF ``run_ner.py``, a held-out dev split for early selection and
temperature scaling, and the result saved with ``save_pretrained``.
"""

from __future__ import annotations

import math
import random
import time
import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np
import torch

from nianbao.extraction.normalize import NormText
from nianbao.models.tagger import (
    BIO_LABELS,
    CLS,
    SEP,
    CharVocab,
    Tagger,
    TaggerConfig,
    build_model,
    encode_windows,
    windows,
)  # fmt: skip
from nianbao.training.annotations import read_jsonl
from nianbao.training.generate import generate
from nianbao.training.render import STYLES

IGNORE = -100


@dataclass(frozen=True)
class TrainConfig:
    """Everything a training run depends on (one TOML file; dotted CLI overrides)."""

    n_generated: int = 160
    seed: int = 13
    styles: tuple[str, ...] = STYLES
    annotated: tuple[str, ...] = ()  # JSONL files: real reports, reviewer corrections
    epochs: int = 4
    batch_size: int = 16
    learning_rate: float = 3e-3
    dev_share: float = 0.15
    max_minutes: float = 9.0
    tagger: TaggerConfig = field(default_factory=TaggerConfig)

    def __post_init__(self) -> None:
        if not 0 < self.dev_share < 0.5:
            raise ValueError("dev_share must be between 0 and 0.5")
        unknown = set(self.styles) - set(STYLES)
        if unknown:
            raise ValueError(f"unknown styles: {sorted(unknown)}")

    @classmethod
    def from_toml(cls, path: Path | None, overrides: dict[str, str] | None = None) -> TrainConfig:
        data = tomllib.loads(path.read_text("utf-8")) if path else {}
        for key, value in (overrides or {}).items():
            target = data
            *parents, leaf = key.split(".")
            for parent in parents:
                target = target.setdefault(parent, {})
            target[leaf] = _parse_scalar(value)
        tagger = TaggerConfig(**data.pop("tagger", {}))
        known = {f.name for f in fields(cls)}
        extra = set(data) - known
        if extra:
            raise ValueError(f"unknown config keys: {sorted(extra)}")
        for key in ("styles", "annotated"):
            if key in data:
                data[key] = tuple(data[key])
        return cls(**data, tagger=tagger)

    def flat(self) -> dict[str, object]:
        out = {k: v for k, v in asdict(self).items() if k != "tagger"}
        out.update({f"tagger.{k}": v for k, v in asdict(self.tagger).items()})
        return {k: (",".join(v) if isinstance(v, tuple) else v) for k, v in out.items()}


def _parse_scalar(value: str) -> object:
    for cast in (int, float):
        try:
            return cast(value)
        except ValueError:
            pass
    if "," in value:
        return [v for v in value.split(",") if v]
    return value


def char_labels(record: dict) -> list[int]:
    """One BIO label id per character from the record's spans.

    A record that labels only some span kinds (a reviewer's correction labels values and
    headings, not row labels) is partial: its unlabelled characters get ``-100`` (ignored)
    rather than "outside", so the model is not taught that row labels are nothing.
    """
    kinds = {span["label"] for span in record["spans"]}
    partial = record.get("meta", {}).get("partial_labels", not {"ROW", "VALUE", "SECTION"} <= kinds)
    labels = [IGNORE if partial else 0] * len(record["text"])
    for span in record["spans"]:
        begin = BIO_LABELS.index(f"B-{span['label']}")
        labels[span["start"]] = begin
        for i in range(span["start"] + 1, span["end"]):
            labels[i] = begin + 1
    return labels


def window_examples(records: list[dict], vocab: CharVocab, config: TaggerConfig) -> tuple[torch.Tensor, ...]:
    """Input ids, attention masks and labels (``-100`` off the characters) for all windows."""
    all_ids, all_masks, all_labels = [], [], []
    for record in records:
        norm = NormText(record["text"]).norm
        ids, labels = vocab.encode(norm), char_labels(record)
        spans = windows(len(ids), config.window, config.stride)
        batch, mask = encode_windows(ids, spans, config.window)
        target = torch.full_like(batch, IGNORE)
        for row, (start, end) in enumerate(spans):
            target[row, 1 : 1 + end - start] = torch.tensor(labels[start:end], dtype=torch.long)
        all_ids.append(batch)
        all_masks.append(mask)
        all_labels.append(target)
    return torch.cat(all_ids), torch.cat(all_masks), torch.cat(all_labels)


def load_records(config: TrainConfig) -> list[dict]:
    records = generate(config.n_generated, seed=config.seed, styles=config.styles)
    for path in config.annotated:
        records += [r for r in read_jsonl(Path(path)) if r.get("spans")]
    return records


def fit_temperature(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """One scalar T minimising the dev log-loss of softmax(logits / T) (grid + refine)."""
    keep = labels != IGNORE
    flat_logits, flat_labels = logits[keep], labels[keep]
    best_t, best_loss = 1.0, math.inf
    for t in np.exp(np.linspace(math.log(0.3), math.log(5.0), 40)):
        loss = torch.nn.functional.cross_entropy(flat_logits / float(t), flat_labels).item()
        if loss < best_loss:
            best_t, best_loss = float(t), loss
    return best_t


@dataclass
class TrainResult:
    tagger: Tagger
    metrics: dict[str, float]
    records: int


def train(config: TrainConfig, log=print, extra: list[dict] | None = None) -> TrainResult:
    """Train a tagger; ``log`` receives progress lines; ``extra`` adds annotation records."""
    torch.manual_seed(config.seed)
    rng = random.Random(config.seed)
    records = load_records(config) + list(extra or [])
    rng.shuffle(records)
    n_dev = max(1, int(len(records) * config.dev_share))
    dev, train_records = records[:n_dev], records[n_dev:]
    vocab = CharVocab(ch for r in train_records for ch in NormText(r["text"]).norm)
    model = build_model(len(vocab), config.tagger)
    ids, masks, labels = window_examples(train_records, vocab, config.tagger)
    dev_ids, dev_masks, dev_labels = window_examples(dev, vocab, config.tagger)
    optimiser = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=0.01)
    steps = config.epochs * math.ceil(len(ids) / config.batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, config.learning_rate, total_steps=max(steps, 1))
    started, step = time.monotonic(), 0
    for epoch in range(config.epochs):
        model.train()
        order = torch.randperm(len(ids))
        for first in range(0, len(ids), config.batch_size):
            batch = order[first : first + config.batch_size]
            loss = model(input_ids=ids[batch], attention_mask=masks[batch], labels=labels[batch]).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            step += 1
            if step % 50 == 0:
                log(f"epoch {epoch} step {step}/{steps} loss {loss.item():.4f}")
        if (time.monotonic() - started) / 60 > config.max_minutes:
            log("stopping: time budget reached")
            break
    dev_logits = _logits(model, dev_ids, dev_masks)
    temperature = fit_temperature(dev_logits, dev_labels)
    keep = dev_labels != IGNORE
    accuracy = (dev_logits.argmax(-1)[keep] == dev_labels[keep]).float().mean().item()
    metrics = {"dev_char_accuracy": accuracy, "temperature": temperature, "train_minutes": (time.monotonic() - started) / 60,
               "train_windows": float(len(ids)), "parameters": float(sum(p.numel() for p in model.parameters()))}  # fmt: skip
    log(f"dev char accuracy {accuracy:.4f}, temperature {temperature:.2f}")
    return TrainResult(Tagger(model, vocab, config.tagger, temperature), metrics, len(records))


def _logits(model, ids: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
    model.eval()
    with torch.inference_mode():
        parts = [model(input_ids=ids[i : i + 64], attention_mask=masks[i : i + 64]).logits for i in range(0, len(ids), 64)]
    return torch.cat(parts) if parts else torch.zeros((0, ids.shape[1], len(BIO_LABELS)))


class TaggerTrainer:
    """The tagger as an estimator: config-only ``__init__``, ``fit`` returns self, state in ``_``."""

    def __init__(self, config: TrainConfig | None = None) -> None:
        self.config = config

    def fit(self, X: list[dict] | None = None, y: None = None) -> TaggerTrainer:
        """Train on ``X`` (annotation records) plus the config's generated reports."""
        config = self.config or TrainConfig()
        result = train(config, log=lambda line: None, extra=list(X or []))
        self.tagger_, self.metrics_ = result.tagger, result.metrics
        return self


__all__ = ["CLS", "SEP", "TaggerTrainer", "TrainConfig", "TrainResult", "train"]
