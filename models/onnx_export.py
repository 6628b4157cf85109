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


def export_onnx(model_dir: str | Path, target: str | Path | None = None) -> Path:
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
    int8 dynamic quantisation was measured and left out: attention, not the weight matrices,
    dominates this small model, and it was no faster.

    Each layer's attention is then fused into ONNX Runtime's ``Attention`` operator
    (``nianbao.models.onnx_fusion``): the same logits in one node instead of ~20.
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
        _export(_unmasked(model), inputs, path, int(model.config.num_attention_heads))
    except PermissionError:
        path = Path(tempfile.mkdtemp(prefix="nianbao-onnx-")) / ONNX_FILE
        _export(_unmasked(model), inputs, path, int(model.config.num_attention_heads))
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


def _export(model, inputs: dict, path: Path, num_heads: int) -> None:
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
    partial.replace(path)


class _quiet:
    """Silence one logger for the duration of a ``with`` block."""

    def __init__(self, name: str) -> None:
        self.logger = logging.getLogger(name)

    def __enter__(self) -> None:
        self.level, self.logger.level = self.logger.level, logging.ERROR

    def __exit__(self, *exc: object) -> None:
        self.logger.level = self.level
