"""The tagger as a spaCy pipeline component writing labelled spans with probabilities.

``nlp = build_nlp(model_dir)`` gives ``spacy.blank("zh")`` (character segmenter, no download)
plus the ``nianbao_tagger`` component. ``doc.spans["nianbao"]`` holds the predicted spans;
``doc.spans["nianbao"].attrs["scores"]`` their mean probabilities, as spancat stores them;
``doc.user_data["nianbao_probs"]`` the per-character probabilities (for the locator).
"""

from __future__ import annotations

from pathlib import Path

import spacy
import torch
from spacy.language import Language
from spacy.tokens import Doc, SpanGroup

from nianbao.models.tagger import Tagger, decode_spans

SPANS_KEY = "nianbao"


class TaggerComponent:
    """Runs the tagger over ``doc.text`` and writes ``doc.spans[SPANS_KEY]``."""

    def __init__(self, nlp: Language, name: str, model_dir: str | None = None, threshold: float = 0.5) -> None:
        self.name = name
        self.threshold = threshold
        self.tagger: Tagger | None = Tagger.load(Path(model_dir)) if model_dir else None

    def __call__(self, doc: Doc) -> Doc:
        if self.tagger is None:
            raise ValueError("the nianbao_tagger component has no model: load one with from_disk")
        probs = self.tagger.probabilities(doc.text)
        doc.user_data["nianbao_probs"] = probs
        doc.user_data["nianbao_labels"] = self.tagger.labels
        spans, scores = [], []
        for start, end, label, score in decode_spans(probs, self.threshold, self.tagger.labels):
            span = doc.char_span(start, end, label=label, alignment_mode="expand")
            if span is not None:
                spans.append(span)
                scores.append(score)
        group = SpanGroup(doc, name=SPANS_KEY, spans=spans)
        group.attrs["scores"] = scores
        doc.spans[SPANS_KEY] = group
        return doc

    def to_disk(self, path: Path, exclude: tuple = ()) -> None:
        if self.tagger is not None:
            self.tagger.save(Path(path))

    def from_disk(self, path: Path, exclude: tuple = ()) -> TaggerComponent:
        self.tagger = Tagger.load(Path(path))
        return self


@Language.factory("nianbao_tagger", default_config={"model_dir": None, "threshold": 0.5})
def make_tagger(nlp: Language, name: str, model_dir: str | None, threshold: float) -> TaggerComponent:
    return TaggerComponent(nlp, name, model_dir, threshold)


def build_nlp(model_dir: Path) -> Language:
    """A blank Chinese pipeline with the tagger loaded from ``model_dir``."""
    torch.set_num_threads(max(1, torch.get_num_threads()))
    nlp = spacy.blank("zh")
    nlp.add_pipe("nianbao_tagger", config={"model_dir": str(model_dir)})
    return nlp
