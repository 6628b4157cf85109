"""Inference without the training stack: the shipped model through ONNX Runtime.

The ONNX graph is checked numerically against the torch model it was exported from, on real
reports (same windowing, same temperature); extraction must not import torch, transformers
or spaCy.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nianbao.extraction.text.normalize import NormText
from nianbao.models.runtime import ONNX_FILE, OnnxTagger

DEFAULT = Path(__file__).resolve().parents[1] / "models" / "default"
SHIPPED_BUDGET = 5 * 1024 * 1024
SEEDS = ("000_c304030f2df1b677.txt", "002_0894b26ac3a47999.txt", "004_136fd1d98cf7f7a0.txt")


def test_shipped_onnx_matches_torch_on_real_reports(shared, tmp_path) -> None:
    """The float export computes the torch model's probabilities; the shipped int8 graph stays
    close to them (the evaluation scores every cell the same: ``onnx_export.quantize_int8``)."""
    from nianbao.models.onnx_export import export_onnx
    from nianbao.models.tagger import Tagger

    for path in DEFAULT.iterdir():
        if path.name != ONNX_FILE:
            (tmp_path / path.name).write_bytes(path.read_bytes())
    export_onnx(tmp_path, quantize=False)
    shipped, onnx, torch_tagger = OnnxTagger.load(DEFAULT), OnnxTagger.load(tmp_path), Tagger.load(DEFAULT)
    assert onnx.labels == shipped.labels == tuple(json.loads((DEFAULT / "tagger.json").read_text("utf-8"))["labels"])
    for name in SEEDS:
        norm = NormText((shared / "seeds" / name).read_text("utf-8")).norm
        ours, theirs, int8 = onnx.probabilities(norm), torch_tagger.probabilities(norm), shipped.probabilities(norm)
        assert ours.shape == theirs.shape == int8.shape == (len(norm), len(onnx.labels))
        assert len(norm) > 2 * onnx.window  # several overlapping windows
        assert np.abs(ours - theirs).max() < 1e-4, name
        assert (ours.argmax(axis=1) == theirs.argmax(axis=1)).all(), name
        assert np.abs(int8 - ours).max() < 0.2, name
        assert (int8.argmax(axis=1) != ours.argmax(axis=1)).mean() < 0.005, name  # near ties only
        np.testing.assert_allclose(ours.sum(axis=1), 1.0, atol=1e-4)
        np.testing.assert_allclose(int8.sum(axis=1), 1.0, atol=1e-4)


def test_a_windows_probabilities_do_not_depend_on_the_other_windows(shared) -> None:
    """Windows run one at a time (the int8 graph quantises its activations over its whole input,
    so a batch would mix windows): the characters only the first window reads get the same bits
    as when that window is the whole text. The softmax over all windows at once gives the bits
    of window-by-window softmaxes."""
    from nianbao.models.runtime import _row_max, _softmax

    tagger = OnnxTagger.load(DEFAULT)
    norm = NormText((shared / "seeds" / SEEDS[1]).read_text("utf-8")).norm
    assert len(norm) > 3 * tagger.window
    for start in (0, 700):
        text = norm[start:]
        alone = tagger.probabilities(text[: tagger.window])
        assert np.array_equal(tagger.probabilities(text)[: tagger.stride], alone[: tagger.stride])
    logits = np.random.default_rng(0).normal(size=(3, 17, len(tagger.labels))).astype(np.float32)
    assert np.array_equal(_row_max(logits), logits.max(axis=-1, keepdims=True))
    each = [_softmax(window[None], tagger.temperature)[0] for window in logits]
    assert np.array_equal(_softmax(logits, tagger.temperature), np.stack(each))


def test_probabilities_by_chunks_of_windows_are_the_same_bits(shared, monkeypatch) -> None:
    """A long report's windows are turned into probabilities ``CHUNK`` at a time (its logits never
    all in memory): the same bits as all windows at once."""
    from nianbao.models import runtime

    tagger = OnnxTagger.load(DEFAULT)
    norm = NormText((shared / "seeds" / SEEDS[1]).read_text("utf-8")).norm * 3
    assert len(norm) > 2 * runtime.CHUNK * tagger.stride  # several chunks of windows
    by_chunks = tagger.probabilities(norm)
    monkeypatch.setattr(runtime, "CHUNK", 10**9)
    assert np.array_equal(tagger.probabilities(norm), by_chunks)
    monkeypatch.setattr(runtime, "CHUNK", 1)
    assert np.array_equal(tagger.probabilities(norm), by_chunks)


def test_encoding_matches_the_vocabulary() -> None:
    """``encode_array`` (each distinct character looked up once) gives ``CharVocab.encode``'s ids:
    digits of every script read as digits, ``0`` as zero, unknown characters as UNK."""
    tagger = OnnxTagger.load(DEFAULT)
    text = "二、主动公开\t12 0.5万元\n①２３０x\U0001f600｜—" + "".join(chr(c) for c in range(0x2000, 0x2100))
    for _ in range(2):  # the second time from the table built the first time
        ids = tagger.encode_array(text)
        assert ids.dtype == np.int64 and ids.tolist() == tagger.vocab.encode(text)
    assert tagger.encode_array("").shape == (0,)


def test_value_probability_follows_what_the_tagger_read_last(shared) -> None:
    """A token's value probability is the mean value mass of its characters over the tagger's
    current reading: the table regions after ``cover``, the whole report after ``ensure``."""
    from nianbao.extraction.pipeline import default_locator

    locator = default_locator()
    norm = NormText((shared / "seeds" / SEEDS[0]).read_text("utf-8"))
    locator.prepare(norm)
    assert locator.value_probability(0, 1) is None  # nothing read yet
    start = next(m.start() for m in re.finditer(r"\d\d", norm.norm) if m.start() > 600)
    for read in (lambda: locator.cover([(start - 50, start + 50)]), locator.ensure):
        read()
        mass = locator.probs[:, locator._value_ids].sum(axis=1)
        assert locator.value_probability(start, start + 1) == float(mass[start])
        assert locator.value_probability(start, start + 2) == float(np.add.reduce(mass[start : start + 2]) / 2)
        assert locator.value_probability(1, 2) == float(mass[1])  # outside the regions: 0 after cover


def test_short_text_and_empty_text() -> None:
    tagger = OnnxTagger.load(DEFAULT)
    assert tagger.probabilities("").shape == (0, len(tagger.labels))
    probs = tagger.probabilities("一、总体情况\n")
    assert probs.shape == (7, len(tagger.labels)) and np.isfinite(probs).all()


def test_windows_are_never_padded() -> None:
    """The shipped graph has no attention mask: every window of a text has one length."""
    from nianbao.models.labels import windows

    tagger = OnnxTagger.load(DEFAULT)
    assert "attention_mask" not in {i.name for i in tagger.session.get_inputs()}
    for length in (0, 5, tagger.window, tagger.window + 1, 1783, 5000):
        spans = windows(length, tagger.window, tagger.stride)
        assert len({end - start for start, end in spans}) == 1 and spans[-1][1] == length
        assert tagger.probabilities("二" * length).shape == (length, len(tagger.labels))


def test_shipped_model_within_size_budget() -> None:
    size = sum(p.stat().st_size for p in DEFAULT.iterdir())
    assert (DEFAULT / ONNX_FILE).exists() and size <= SHIPPED_BUDGET, f"{size / 2**20:.1f} MB"


def test_model_dir_without_onnx_is_exported_once(tmp_path) -> None:
    pytest.importorskip("torch")
    for path in DEFAULT.iterdir():
        if path.name != ONNX_FILE:
            (tmp_path / path.name).write_bytes(path.read_bytes())
    tagger = OnnxTagger.load(tmp_path)
    assert (tmp_path / ONNX_FILE).exists()
    text = "二、主动公开政府信息情况\n第二十条 第（一）项 信息内容 本年制发件数 12 3\n"
    np.testing.assert_allclose(tagger.probabilities(text), OnnxTagger.load(DEFAULT).probabilities(text), atol=1e-5)
    assert _op_types(tmp_path / ONNX_FILE) == _op_types(DEFAULT / ONNX_FILE)  # the export path ships this graph


def _op_types(path: Path) -> dict[str, int]:
    onnx = pytest.importorskip("onnx")
    from collections import Counter

    return dict(Counter(node.op_type for node in onnx.load(str(path)).graph.node))


def test_shipped_graph_runs_each_layers_attention_as_one_node(tmp_path) -> None:
    """The export fuses every layer's attention into ONNX Runtime's ``Attention`` (no Softmax or
    head transposes left; test_shipped_onnx_matches_torch_on_real_reports checks its numbers),
    then stores every weight matrix as int8 (``QAttention``, ``MatMulInteger``: no float
    ``MatMul`` left) and keeps the embedding tables float. A graph whose attention is not the
    exporter's (here: already fused) is left as it is."""
    from nianbao.models.onnx_fusion import fuse_attention

    layers = json.loads((DEFAULT / "config.json").read_text("utf-8"))["num_hidden_layers"]
    ops = _op_types(DEFAULT / ONNX_FILE)
    assert ops.get("QAttention") == layers and "Softmax" not in ops and "Transpose" not in ops
    assert ops.get("MatMulInteger") == 3 * layers + 1 and "MatMul" not in ops and "Attention" not in ops
    assert "DequantizeLinear" not in ops  # the embedding tables stay float (nothing to dequantise per window)
    copy = tmp_path / ONNX_FILE
    copy.write_bytes((DEFAULT / ONNX_FILE).read_bytes())
    assert fuse_attention(copy, 4) == 0 and copy.read_bytes() == (DEFAULT / ONNX_FILE).read_bytes()


PROBE = """
import runpy, sys
sys.argv = ["nianbao", "extract", *sys.argv[1:], "-q"]
from nianbao.extraction.text.normalize import NormText
from nianbao.extraction.pipeline import default_locator
locator = default_locator()
locator.prepare(NormText(open(sys.argv[2], encoding="utf-8").read()))
locator.ensure()
assert locator.probs.shape[0] > 0
try:
    runpy.run_module("nianbao.cli", run_name="__main__")
except SystemExit as exc:
    assert not exc.code, exc.code
heavy = {"torch", "transformers", "spacy", "thinc", "sympy", "scipy", "sklearn", "mlflow"}
print(sorted({name.split(".")[0] for name in sys.modules} & heavy))
"""


def test_extraction_imports_no_training_stack(shared) -> None:
    seeds = [str(shared / "seeds" / name) for name in SEEDS]
    run = subprocess.run([sys.executable, "-c", PROBE, *seeds], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip().splitlines()[-1] == "[]", run.stdout[-500:]


THREADS = """
import os, sys
import onnxruntime  # its import starts two idle helper threads; what matters is what running adds
from nianbao.extraction.text.normalize import NormText
from nianbao.extraction.pipeline import Extractor
before = len(os.listdir("/proc/self/task"))
extractor = Extractor()
extractor.locator.prepare(NormText(open(sys.argv[1], encoding="utf-8").read()))
extractor.locator.ensure()
extractor(sys.argv[1])
print(before, len(os.listdir("/proc/self/task")),
extractor.locator.tagger.session.get_session_options().intra_op_num_threads)
"""


def test_in_process_extraction_runs_on_one_thread(shared) -> None:
    """Loading and running the model starts no thread pool: one thread per worker, in-process too."""
    seed = str(shared / "seeds" / SEEDS[0])
    run = subprocess.run([sys.executable, "-c", THREADS, seed], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    before, after, intra = map(int, run.stdout.split())
    assert after == before and intra == 1
