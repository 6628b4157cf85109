"""The tagger at inference time: ONNX Runtime over ``model.onnx``, without torch or transformers.

A model directory holds ``model.onnx`` (exported by ``nianbao train``, see
``nianbao.models.onnx_export``), ``vocab.json`` (characters by id) and ``tagger.json`` (labels,
window, stride, temperature). Everything the runtime needs is read from those files, so it
works with any label set. Windowing is the torch tagger's: overlapping windows of
``[CLS] chars [SEP]``, probabilities averaged where windows overlap; windows are never padded
(the exported graph has no attention mask). ONNX Runtime runs with one intra-op thread (one
worker, one core).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from nianbao.models.labels import CLS, PAD, SEP, CharVocab, decode_spans, field_array, windows

ONNX_FILE = "model.onnx"


def session_options(threads: int = 1):
    """ONNX Runtime options: ``threads`` intra-op threads, one inter-op thread, sequential."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3
    return options


class OnnxTagger:
    """A loaded tagger: an ONNX Runtime session, the vocabulary and the decoding settings.

    ``probabilities(norm)`` → per-character label probabilities ``(len(norm), len(labels))``;
    ``label_ids(name)`` → the ``B-``/``I-`` columns of a span label;
    ``decode_spans(probs)`` → ``(start, end, label, mean probability)`` spans.
    """

    def __init__(
        self,
        session,
        itos: list[str],
        labels: list[str],
        window: int,
        stride: int,
        temperature: float = 1.0,
        layout_cap: int = 15,
        layout_version: int = 1,
    ) -> None:
        self.session = session
        self.layout_cap = layout_cap  # the model's token-type vocabulary less one (config.json)
        self.layout_version = layout_version  # the layout feature it was trained on (tagger.json)
        self.vocab = CharVocab.from_itos(itos)
        self.labels = tuple(labels)
        self.window, self.stride, self.temperature = window, stride, temperature
        self._inputs = {i.name for i in session.get_inputs()}
        self.seconds = 0.0  # time spent in probabilities() by this process (read by ``nianbao bench``)

    @classmethod
    def load(cls, directory: str | Path, threads: int = 1) -> OnnxTagger:
        """Load from a model directory (JSON and ONNX only; never a pickle).

        A directory trained before ONNX export existed (no ``model.onnx``) is exported once,
        which needs the training stack (torch).
        """
        import onnxruntime as ort

        directory = Path(directory)
        meta = json.loads((directory / "tagger.json").read_text("utf-8"))
        path = directory / ONNX_FILE
        if not path.exists():
            from nianbao.models.onnx_export import export_onnx

            path = export_onnx(directory)
        session = ort.InferenceSession(
            str(path), sess_options=session_options(threads), providers=["CPUExecutionProvider"]
        )
        itos = json.loads((directory / "vocab.json").read_text("utf-8"))
        config = meta["config"]
        types = json.loads((directory / "config.json").read_text("utf-8")).get("type_vocab_size", 16)
        return cls(
            session,
            itos,
            meta["labels"],
            int(config["window"]),
            int(config["stride"]),
            float(meta.get("temperature", 1.0)),
            max(1, int(types) - 1),
            int(config.get("layout_version", 1)),  # models saved before versions read 1
        )

    def encode(self, text: str) -> list[int]:
        """Character ids (see :class:`CharVocab`: the model reads layout, not amounts)."""
        return self.vocab.encode(text)

    def probabilities(self, norm: str, batch_size: int = 1) -> np.ndarray:
        """Per-character label probabilities, shape ``(len(norm), len(self.labels))``.

        ``batch_size`` windows run at once. One at a time is the fastest (1.51 against 1.56 ms
        of CPU per window of 256 in batches of 4, 1.61 in batches of 8: the attention scores of
        one window stay in cache) and needs the least memory; the logits are the same bits.
        """
        started = time.perf_counter()
        ids = np.asarray(self.encode(norm), dtype=np.int64)
        layout = field_array(norm, self.layout_cap, self.layout_version) if "token_type_ids" in self._inputs else None
        spans = windows(len(ids), self.window, self.stride)
        total = np.zeros((len(ids), len(self.labels)), dtype=np.float32)
        counts = np.zeros((len(ids), 1), dtype=np.float32)
        for chunk in _batches(spans, batch_size):
            probs = self._run(ids, chunk, layout)
            for row, (start, end) in enumerate(chunk):
                total[start:end] += probs[row, 1 : 1 + end - start]
                counts[start:end] += 1
        probs = total / np.maximum(counts, 1)
        self.seconds += time.perf_counter() - started
        return probs

    def _run(self, ids: np.ndarray, chunk: list[tuple[int, int]], layout: np.ndarray | None = None) -> np.ndarray:
        """Softmax of ``logits / temperature`` for a batch of windows (padded to the longest:
        only a graph with an ``attention_mask`` input may be given windows of mixed lengths)."""
        width = max(end - start for start, end in chunk) + 2
        batch = np.full((len(chunk), width), PAD, dtype=np.int64)
        mask = np.zeros_like(batch)
        types = np.zeros_like(batch)
        for row, (start, end) in enumerate(chunk):
            batch[row, 0], batch[row, 1 + end - start] = CLS, SEP
            batch[row, 1 : 1 + end - start] = ids[start:end]
            mask[row, : end - start + 2] = 1
            if layout is not None:
                types[row, 1 : 1 + end - start] = layout[start:end]
        feeds = {"input_ids": batch}
        if "attention_mask" in self._inputs:
            feeds["attention_mask"] = mask
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = types
        logits = self.session.run(["logits"], feeds)[0] / self.temperature
        logits -= _row_max(logits)
        np.exp(logits, out=logits)
        logits /= logits.sum(axis=-1, keepdims=True)
        return logits

    def label_ids(self, label: str) -> list[int]:
        """The columns of ``B-label`` and ``I-label`` (those that exist)."""
        return [i for i, tag in enumerate(self.labels) if tag in (f"B-{label}", f"I-{label}")]

    def decode_spans(self, probs: np.ndarray, threshold: float = 0.5) -> list[tuple[int, int, str, float]]:
        """BIO probabilities → ``(start, end, label, mean probability)`` spans (slots as VALUE)."""
        return decode_spans(probs, threshold, self.labels)


def _row_max(logits: np.ndarray) -> np.ndarray:
    """``logits.max(axis=-1, keepdims=True)``, taken over the labels as whole columns (a max over
    43 values at a time is slow in numpy; the maximum is the same in any order)."""
    flat = logits.reshape(-1, logits.shape[-1])
    return np.maximum.reduce(np.ascontiguousarray(flat.T), axis=0).reshape(*logits.shape[:-1], 1)


def _batches(spans: list[tuple[int, int]], size: int) -> list[list[tuple[int, int]]]:
    """Consecutive windows in batches of at most ``size``, a batch ending where the window
    length changes: nothing is padded, so the graph needs no attention mask (see
    ``models/onnx_export.py``). ``windows`` gives one length per text, so batches stay full."""
    out: list[list[tuple[int, int]]] = []
    for span in spans:
        if out and len(out[-1]) < size and out[-1][0][1] - out[-1][0][0] == span[1] - span[0]:
            out[-1].append(span)
        else:
            out.append([span])
    return out
