"""The tagger at inference time: ONNX Runtime over ``model.onnx``, without torch or transformers.

A model directory holds ``model.onnx`` (exported by ``nianbao train``, see
``nianbao.models.onnx_export``), ``vocab.json`` (characters by id) and ``tagger.json`` (labels,
window, stride, temperature). Everything the runtime needs is read from those files, so it
works with any label set. Windowing is the torch tagger's: overlapping windows of
``[CLS] chars [SEP]``, probabilities averaged where windows overlap; windows are never padded
(the exported graph has no attention mask). ONNX Runtime runs with one intra-op thread (one
worker, one core). The shipped graph holds int8 weights (``nianbao.models.onnx_export``).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from nianbao.models.labels import CLS, DIGIT, SEP, UNK, CharVocab, decode_spans, field_array, windows

ONNX_FILE = "model.onnx"
CHUNK = 16  # windows whose logits are turned into probabilities together (~0.7 MB of float32)
# The "not applicable" marks a tagger learned as cells when its tagger.json does not list them:
# the generator of the models saved before the list printed "/" alone.
CELL_MARKS = ("/",)
# ONNX Runtime's fusion of a residual Add and LayerNormalization into SkipLayerNormalization: on
# the int8 graph (``onnx_export.quantize_int8``) its four fused nodes took 0.66-1.04 ms per window
# of 256 at hidden size 96, the separate Add and LayerNormalization nodes ~0.18 ms. The float
# graph is not fused either way (same bits with and without).
DISABLED_FUSIONS = ["SkipLayerNormFusion"]


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
        cell_marks: tuple[str, ...] = CELL_MARKS,
    ) -> None:
        self.session = session
        self.cell_marks = cell_marks  # the "not applicable" marks it learned as cells (tagger.json)
        self.layout_cap = layout_cap  # the model's token-type vocabulary less one (config.json)
        self.layout_version = layout_version  # the layout feature it was trained on (tagger.json)
        self.vocab = CharVocab.from_itos(itos)
        self.labels = tuple(labels)
        self.window, self.stride, self.temperature = window, stride, temperature
        self._inputs = {i.name for i in session.get_inputs()}
        self._ids: _CharIds | None = None
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
            str(path),
            sess_options=session_options(threads),
            providers=["CPUExecutionProvider"],
            disabled_optimizers=DISABLED_FUSIONS,
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
            tuple(meta.get("cell_marks", CELL_MARKS)),
        )

    def encode(self, text: str) -> list[int]:
        """Character ids (see :class:`CharVocab`: the model reads layout, not amounts)."""
        return self.vocab.encode(text)

    def encode_array(self, text: str) -> np.ndarray:
        """:meth:`encode` as an int64 array, each distinct character looked up once (``str.translate``)."""
        if len(self.vocab) >= 0xD800:  # ids past the surrogates have no character of their own
            return np.asarray(self.encode(text), dtype=np.int64)
        if self._ids is None:
            self._ids = _CharIds(self.vocab)
        return np.frombuffer(text.translate(self._ids).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)

    def probabilities(self, norm: str) -> np.ndarray:
        """Per-character label probabilities, shape ``(len(norm), len(self.labels))``.

        Windows run one at a time: the fastest (1.51 against 1.56 ms of CPU per window of 256 in
        batches of 4 with the float graph: the attention scores of one window stay in cache), and
        with the int8 graph the only way a window's probabilities do not depend on the windows
        beside it (its activations are quantised over the whole input). The softmax then runs over
        ``CHUNK`` windows' logits at once (the same bits as window by window: each value's
        arithmetic is elementwise or along its own row of labels), so a long report's logits never
        sit in memory together (a report of 258k characters had 59 MB of them).
        """
        started = time.perf_counter()
        ids = self.encode_array(norm)
        layout = field_array(norm, self.layout_cap, self.layout_version) if "token_type_ids" in self._inputs else None
        spans = windows(len(ids), self.window, self.stride)
        total = np.zeros((len(ids), len(self.labels)), dtype=np.float32)
        counts = np.zeros((len(ids), 1), dtype=np.float32)
        for first in range(0, len(spans), CHUNK):
            chunk = spans[first : first + CHUNK]
            probs = _softmax(self._logits(ids, chunk, layout), self.temperature)
            for row, (start, end) in enumerate(chunk):
                total[start:end] += probs[row, 1 : 1 + end - start]
                counts[start:end] += 1
        probs = total / np.maximum(counts, 1)
        self.seconds += time.perf_counter() - started
        return probs

    def _logits(self, ids: np.ndarray, spans: list[tuple[int, int]], layout: np.ndarray | None) -> np.ndarray:
        """The logits of every window, ``(windows, width + 2, labels)``, each ``[CLS] chars [SEP]``
        run alone. ``windows`` gives every window of a text one length, so nothing is padded and
        the graph needs no attention mask (a graph exported with one is given all ones)."""
        width = spans[0][1] - spans[0][0]
        assert all(end - start == width for start, end in spans), "windows of one length"
        index = np.asarray([start for start, _ in spans])[:, None] + np.arange(width)
        batch = np.empty((len(spans), width + 2), dtype=np.int64)
        batch[:, 0], batch[:, -1], batch[:, 1:-1] = CLS, SEP, ids[index]
        types = np.zeros_like(batch)
        if layout is not None:
            types[:, 1:-1] = layout[index]
        out = np.empty((len(spans), width + 2, len(self.labels)), dtype=np.float32)
        for row in range(len(spans)):
            feeds = {"input_ids": batch[row : row + 1]}
            if "attention_mask" in self._inputs:
                feeds["attention_mask"] = np.ones_like(feeds["input_ids"])
            if "token_type_ids" in self._inputs:
                feeds["token_type_ids"] = types[row : row + 1]
            out[row] = self.session.run(["logits"], feeds)[0][0]
        return out

    def label_ids(self, label: str) -> list[int]:
        """The columns of ``B-label`` and ``I-label`` (those that exist)."""
        return [i for i, tag in enumerate(self.labels) if tag in (f"B-{label}", f"I-{label}")]

    def decode_spans(self, probs: np.ndarray, threshold: float = 0.5) -> list[tuple[int, int, str, float]]:
        """BIO probabilities → ``(start, end, label, mean probability)`` spans (slots as VALUE)."""
        return decode_spans(probs, threshold, self.labels)


def _softmax(logits: np.ndarray, temperature: float) -> np.ndarray:
    """Softmax of ``logits / temperature`` over the last axis."""
    logits = logits / temperature
    logits -= _row_max(logits)
    np.exp(logits, out=logits)
    logits /= logits.sum(axis=-1, keepdims=True)
    return logits


class _CharIds(dict):
    """Code point → the character whose code is its id (for ``str.translate``); each character
    classified on first sight exactly as :meth:`CharVocab.encode` classifies it."""

    def __init__(self, vocab: CharVocab) -> None:
        super().__init__()
        self.stoi = vocab.stoi
        self.zero = vocab.stoi.get("[ZERO]", DIGIT)

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        found = (self.zero if ch == "0" else DIGIT) if ch.isdigit() else self.stoi.get(ch, UNK)
        if len(self) < 65536:  # text of every script cannot grow it without bound
            self[code] = chr(found)
        return chr(found)


def _row_max(logits: np.ndarray) -> np.ndarray:
    """``logits.max(axis=-1, keepdims=True)``, taken over the labels as whole columns (a max over
    43 values at a time is slow in numpy; the maximum is the same in any order)."""
    flat = logits.reshape(-1, logits.shape[-1])
    return np.maximum.reduce(np.ascontiguousarray(flat.T), axis=0).reshape(*logits.shape[:-1], 1)
