"""Training the tagger, from scratch or fine-tuned from a model: generated reports plus annotated JSONL.

A plain torch loop (no Trainer): typed config, char-level BIO labels with ``-100`` on
[CLS]/[SEP]/padding as in HF ``run_ner.py``, a dev split of the generated reports for
temperature scaling, and the result saved with ``save_pretrained``. Training stops on a step
count (``max_steps``, or ``epochs`` over the training windows), never on wall-clock time.
With ``init_from`` the run starts from an existing model (a directory or an mlflow URI) and
keeps its vocabulary and network config; characters it has no id for read as [UNK].
Annotated records are repeated ``annotated_weight`` times in the training set.
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

from nianbao.annotations import read_jsonl
from nianbao.extraction.text.normalize import NormText
from nianbao.models.tagger import (
    BIO_LABELS,
    CLS,
    MAX_FIELD,
    MAX_SLOTS,
    SEP,
    CharVocab,
    Tagger,
    TaggerConfig,
    build_model,
    encode_windows,
    field_ids,
    layout_cap,
    windows,
)
from nianbao.training.generator.generate import generate
from nianbao.training.generator.render import STYLES

IGNORE = -100


@dataclass(frozen=True)
class TrainConfig:
    """Everything a training run depends on (one TOML file; dotted CLI overrides)."""

    n_generated: int = 160
    seed: int = 13
    styles: tuple[str, ...] = STYLES
    annotated: tuple[str, ...] = ()  # JSONL files: real reports, reviewer corrections
    epochs: int = 4
    max_steps: int = 0  # > 0: stop after this many optimiser steps (overrides epochs)
    batch_size: int = 16
    learning_rate: float = 3e-3
    dev_share: float = 0.15
    init_from: str = ""  # fine-tune from this model directory or mlflow URI
    annotated_weight: int = 4  # each annotated record is repeated this many times in training
    calibration_reports: int = 60  # held-out generated reports the cell calibrator is fitted on
    eval_reports: int = 30  # the fixed evaluation set: generated reports of eval_seed ...
    eval_seed: int = 4242
    eval_real: bool = True  # ... plus the real reports' gold (tests/gold) when ../shared is there
    threads: int = 1  # torch threads for the loop (0: torch's default); 1 is fastest on a busy 2-core machine
    tagger: TaggerConfig = field(default_factory=TaggerConfig)

    def __post_init__(self) -> None:
        if not 0 < self.dev_share < 0.5:
            raise ValueError("dev_share must be between 0 and 0.5")
        if self.epochs < 1 and self.max_steps < 1:
            raise ValueError("training needs epochs >= 1 or max_steps >= 1")
        if self.annotated_weight < 1:
            raise ValueError("annotated_weight must be at least 1")
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
                data[key] = tuple(data[key]) if isinstance(data[key], list | tuple) else (str(data[key]),)
        if "eval_real" in data and isinstance(data["eval_real"], str | int):
            data["eval_real"] = str(data["eval_real"]).lower() in ("1", "true", "yes")
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

    A value span carries its column ``slot`` and is labelled ``V<slot>``; a value span without
    one (an older annotation) is ignored (``-100``), never taught as "outside". A record that
    labels only some span kinds (a reviewer's correction labels values and headings, not row
    labels) is partial: its unlabelled characters get ``-100`` rather than "outside", so the
    model is not taught that row labels are nothing.
    """
    kinds = {span["label"] for span in record["spans"]}
    partial = record.get("meta", {}).get("partial_labels", not {"ROW", "VALUE", "SECTION"} <= kinds)
    labels = [IGNORE if partial else 0] * len(record["text"])
    for span in record["spans"]:
        kind = span["label"]
        if kind == "VALUE":
            slot = span.get("slot")
            if slot is None or not 0 <= int(slot) < MAX_SLOTS:
                labels[span["start"] : span["end"]] = [IGNORE] * (span["end"] - span["start"])
                continue
            kind = f"V{int(slot)}"
        begin = BIO_LABELS.index(f"B-{kind}")
        labels[span["start"]] = begin
        for i in range(span["start"] + 1, span["end"]):
            labels[i] = begin + 1
    return labels


def window_examples(
    records: list[dict], vocab: CharVocab, config: TaggerConfig, layout: int | None = MAX_FIELD
) -> tuple[torch.Tensor, ...]:
    """Input ids, attention masks, token types (the layout feature, zeros without ``layout``)
    and labels (``-100`` off the characters) for all windows."""
    all_ids, all_masks, all_types, all_labels = [], [], [], []
    for record in records:
        norm = NormText(record["text"]).norm
        ids, labels = vocab.encode(norm), char_labels(record)
        spans = windows(len(ids), config.window, config.stride)
        batch, mask, types = encode_windows(
            ids, spans, config.window, field_ids(norm, layout, config.layout_version) if layout else None
        )
        target = torch.full_like(batch, IGNORE)
        for row, (start, end) in enumerate(spans):
            target[row, 1 : 1 + end - start] = torch.tensor(labels[start:end], dtype=torch.long)
        all_ids.append(batch)
        all_masks.append(mask)
        all_types.append(types)
        all_labels.append(target)
    return torch.cat(all_ids), torch.cat(all_masks), torch.cat(all_types), torch.cat(all_labels)


def load_records(config: TrainConfig) -> tuple[list[dict], list[dict]]:
    """Generated records and annotated records (from the config's JSONL files), apart."""
    generated = generate(config.n_generated, seed=config.seed, styles=config.styles) if config.n_generated else []
    annotated = [r for path in config.annotated for r in read_jsonl(Path(path)) if r.get("spans")]
    return generated, annotated


def split_records(config: TrainConfig, generated: list[dict], annotated: list[dict]) -> tuple[list[dict], list[dict]]:
    """(train, dev): dev is a share of the generated reports (of the annotated ones if none are
    generated); annotated training records are repeated ``annotated_weight`` times."""
    rng = random.Random(config.seed)
    pool, weighted = (list(generated), list(annotated)) if generated else (list(annotated), [])
    rng.shuffle(pool)
    n_dev = max(1, int(len(pool) * config.dev_share)) if len(pool) > 1 else 0
    dev, train_records = pool[:n_dev], pool[n_dev:]
    if not generated:
        weighted, train_records = train_records, []
    train_records += weighted * config.annotated_weight
    rng.shuffle(train_records)
    return train_records, dev or train_records[:1]


def start_model(config: TrainConfig, train_records: list[dict]) -> Tagger:
    """A fresh tagger over the training characters, or the ``init_from`` model (its vocabulary and config)."""
    if config.init_from:
        return load_start_model(config.init_from)
    vocab = CharVocab(ch for r in train_records for ch in NormText(r["text"]).norm)
    return Tagger(build_model(len(vocab), config.tagger), vocab, config.tagger)


def load_start_model(reference: str) -> Tagger:
    """The model to fine-tune, by directory or mlflow URI; a clear ValueError when it cannot be used."""
    from nianbao.training.tracking import resolve_model

    try:
        directory = resolve_model(reference)
    except Exception as error:  # noqa: BLE001 - mlflow raises its own exception types
        raise ValueError(
            f"The model to fine-tune ({reference}) could not be found in the mlflow registry: {error}"
        ) from None
    if not (directory / "tagger.json").is_file():
        raise ValueError(
            f"The model to fine-tune ({reference}) is not a tagger directory: {directory} has no tagger.json."
        )
    try:
        return Tagger.load(directory)
    except ValueError as error:
        raise ValueError(f"The model to fine-tune ({reference}) cannot be used: {error}.") from None


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
    """Train (or fine-tune) a tagger; ``log`` receives progress lines; ``extra`` adds annotated records."""
    threads = torch.get_num_threads()
    if config.threads > 0:
        torch.set_num_threads(config.threads)
    try:
        return _train(config, log, extra)
    finally:
        torch.set_num_threads(threads)


def _train(config: TrainConfig, log, extra: list[dict] | None) -> TrainResult:
    torch.manual_seed(config.seed)
    generated, annotated = load_records(config)
    train_records, dev = split_records(config, generated, annotated + list(extra or []))
    if not train_records:
        raise ValueError("nothing to train on: no generated reports and no annotated records with spans")
    tagger = start_model(config, train_records)
    model, vocab = tagger.model, tagger.vocab
    layout = layout_cap(model)
    ids, masks, types, labels = window_examples(train_records, vocab, tagger.config, layout)
    dev_ids, dev_masks, dev_types, dev_labels = window_examples(dev, vocab, tagger.config, layout)
    optimiser = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=0.01)
    steps = config.max_steps or config.epochs * math.ceil(len(ids) / config.batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, config.learning_rate, total_steps=steps)
    started, step, loss = time.monotonic(), 0, torch.tensor(float("nan"))
    model.train()
    while step < steps:
        order = torch.randperm(len(ids))
        for first in range(0, len(ids), config.batch_size):
            batch = order[first : first + config.batch_size]
            loss = model(
                input_ids=ids[batch], attention_mask=masks[batch], token_type_ids=types[batch], labels=labels[batch]
            ).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            step += 1
            if step % 50 == 0:
                log(f"step {step}/{steps} loss {loss.item():.4f}")
            if step >= steps:
                break
    dev_logits = _logits(model, dev_ids, dev_masks, dev_types)
    temperature = fit_temperature(dev_logits, dev_labels)
    keep = dev_labels != IGNORE
    accuracy = (dev_logits.argmax(-1)[keep] == dev_labels[keep]).float().mean().item() if keep.any() else float("nan")
    metrics = {
        "dev_char_accuracy": accuracy,
        "temperature": temperature,
        "train_minutes": (time.monotonic() - started) / 60,
        "train_windows": float(len(ids)),
        "train_steps": float(step),
        "final_loss": float(loss.item()),
        "annotated_records": float(len(annotated) + len(extra or [])),
        "parameters": float(sum(p.numel() for p in model.parameters())),
    }
    log(f"{step} steps; dev char accuracy {accuracy:.4f}, temperature {temperature:.2f}")
    records = len(generated) + len(annotated) + len(extra or [])
    return TrainResult(Tagger(model, vocab, tagger.config, temperature), metrics, records)


def _logits(model, ids: torch.Tensor, masks: torch.Tensor, types: torch.Tensor) -> torch.Tensor:
    model.eval()
    with torch.inference_mode():
        parts = [
            model(input_ids=ids[i : i + 64], attention_mask=masks[i : i + 64], token_type_ids=types[i : i + 64]).logits
            for i in range(0, len(ids), 64)
        ]
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
