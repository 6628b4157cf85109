"""Export a trained tagger to ONNX (``model.onnx`` beside the safetensors weights).

Training-side only: imports torch and transformers. ``nianbao train`` calls
``export_onnx`` on the directory it saved; inference then runs through
``nianbao.models.runtime.OnnxTagger`` with ONNX Runtime alone.
"""

from __future__ import annotations

import json
import logging
import tempfile
import warnings
from pathlib import Path

from nianbao.models.runtime import ONNX_FILE

OPSET = 17


def export_onnx(model_dir: str | Path, target: str | Path | None = None, quantize: bool = True) -> Path:
    """Write ``model.onnx`` for the transformers model in ``model_dir``; returns its path.

    The graph takes ``input_ids`` and, for a model that reads the layout feature,
    ``token_type_ids`` (int64, dynamic batch and length) and returns ``logits``. When
    ``model_dir`` is not writable the file goes to a temporary directory instead.

    The graph has no ``attention_mask``: the runtime never pads (a batch holds windows of one
    length, see ``OnnxTagger.probabilities``), and the mask's ``Where`` and the ``Add`` over
    every attention score took 15% of ONNX Runtime's time for an all-ones mask (the logits
    are bit-identical without it). A graph exported with the mask still runs.

    Attention is exported in its plain (``eager``) form: the SDPA form traces into NaN guards
    (``IsNaN``/``Where`` over every attention score) that took a third of the run time in
    ONNX Runtime; the plain graph computes the same logits (to ~1e-6) about 1.4x faster.

    Each layer's attention is then fused into ONNX Runtime's ``Attention`` operator
    (``nianbao.models.onnx_fusion``): the same logits in one node instead of ~20. With
    ``quantize`` (the default; what ``nianbao train`` ships) the weights are then stored as int8,
    one scale per output column, and the activations quantised as each window runs
    (:func:`quantize_int8`).
    """
    import torch
    from transformers import BertForTokenClassification

    model_dir = Path(model_dir)
    model = BertForTokenClassification.from_pretrained(
        model_dir, local_files_only=True, use_safetensors=True, attn_implementation="eager"
    )
    model.eval()
    window = int(json.loads((model_dir / "tagger.json").read_text("utf-8"))["config"]["window"])
    ids = torch.full((2, window + 2), 5, dtype=torch.long)
    inputs = {"input_ids": ids}
    if int(model.config.type_vocab_size) > 2:  # the layout feature (models/labels.py field_ids)
        inputs["token_type_ids"] = torch.ones_like(ids)
    path = Path(target) if target else model_dir / ONNX_FILE
    try:
        _export(_unmasked(model), inputs, path, int(model.config.num_attention_heads), quantize)
    except PermissionError:
        path = Path(tempfile.mkdtemp(prefix="nianbao-onnx-")) / ONNX_FILE
        _export(_unmasked(model), inputs, path, int(model.config.num_attention_heads), quantize)
    return path


def _unmasked(model):
    """``model`` called with ``input_ids`` (and ``token_type_ids``) only, returning the logits."""
    import torch

    class Unmasked(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, token_type_ids=None):
            return self.model(input_ids=input_ids, token_type_ids=token_type_ids).logits

    return Unmasked()


def _export(model, inputs: dict, path: Path, num_heads: int, quantize: bool) -> None:
    import torch

    from nianbao.models.onnx_fusion import fuse_attention

    partial = path.with_suffix(".onnx.partial")
    axes = {name: {0: "batch", 1: "length"} for name in (*inputs, "logits")}
    with warnings.catch_warnings(), _quiet("torch.onnx"):
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            tuple(inputs.values()),
            str(partial),
            input_names=list(inputs),
            output_names=["logits"],
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=False,
        )
    fuse_attention(partial, num_heads)
    if quantize:
        quantize_int8(partial)
    partial.replace(path)


def quantize_int8(path: Path) -> None:
    """Rewrite ``path`` in place with int8 weights (ONNX Runtime's dynamic quantisation).

    The fused ``Attention`` nodes become ``QAttention`` and the other matrix products
    ``MatMulInteger`` (run as ``DynamicQuantizeMatMul``): int8 weights with one scale per output
    column, the activations quantised to uint8 over each window as it runs. The embedding tables
    stay float (quantised, they were dequantised on every run, ~2% of the time). Measured on the
    shipped model, one intra-op thread, windows of 256: 1.60 → 1.29 ms of CPU per window (this
    CPU has VNNI). The probabilities move by at most ~0.07 and the top label changes on ~0.12% of
    characters (near ties); ``nianbao evaluate`` (144 generated reports with seed 4242 and 144
    with seed 77, 8 per style, plus the eleven real ones) gave the float graph's figures: cell
    accuracy, reports fully right, wrong cells, all of them in review.
    ``OnnxTagger.load`` turns off ``SkipLayerNormFusion``: on this graph the fused node is ~4x
    slower than ``Add`` + ``LayerNormalization`` at hidden size 96.
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantized = path.with_suffix(".int8")
    with warnings.catch_warnings(), _quiet("root"):
        warnings.simplefilter("ignore")
        quantize_dynamic(
            str(path),
            str(quantized),
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types_to_quantize=["MatMul", "Attention"],
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},  # the contrib Attention's outputs
        )
    quantized.replace(path)


class _quiet:
    """Silence one logger for the duration of a ``with`` block."""

    def __init__(self, name: str) -> None:
        self.logger = logging.getLogger(name)

    def __enter__(self) -> None:
        self.level, self.logger.level = self.logger.level, logging.ERROR

    def __exit__(self, *exc: object) -> None:
        self.logger.level = self.level
