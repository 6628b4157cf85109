"""Locators: where headings, row labels and values are. Rules alone, or rules plus the model.

The rule locator is the baseline. The model locator runs the trained tagger (through ONNX
Runtime, ``nianbao.models.runtime``: no torch at inference) and uses its spans to (1) add
headings the rules missed, (2) drop number-like tokens the model is sure are not table values (page numbers, prose counts, chrome) and
(3) find row labels the patterns missed (OCR-like confusions, unusual wording) by matching
its ROW spans to the template's labels.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from pathlib import Path

import numpy as np

from nianbao.extraction.locate import NUMERALS, Label, Section, Token, find_sections
from nianbao.extraction.normalize import NormText
from nianbao.extraction.templates import Table, section_patterns

_NUMBERING = re.compile(r"^[一二三四五六七八九十]*[、.]?[(（]?[一二三四五六七八九十]*[)）]?\d*[.、]?")
DROP_BELOW = 0.02
ROW_MATCH = 0.6


class RuleLocator:
    """The rules-only locator (the baseline the model must beat)."""

    name = "rules"
    calibrator = None

    def prepare(self, nt: NormText) -> None:
        """Per-report work before locating (none for rules)."""

    def sections(self, nt: NormText) -> list[Section]:
        return find_sections(nt)

    def keep_token(self, token: Token) -> bool:
        return True

    def extra_labels(self, nt: NormText, table: Table, region: tuple[int, int], found: list[Label]) -> list[Label]:
        return []

    def value_probability(self, start: int, end: int) -> float | None:
        return None


class ModelLocator(RuleLocator):
    """Rules plus the tagger's spans.

    The tagger runs when the rules leave a gap in a report (a heading or a row label not
    found); a report the rules read completely costs no model time.
    """

    name = "model"

    def __init__(self, model_dir: Path) -> None:
        from nianbao.models.runtime import OnnxTagger

        self.tagger = OnnxTagger.load(model_dir)
        self.model_dir = model_dir
        self.calibrator = _load_calibrator(model_dir)
        self.probs: np.ndarray | None = None
        self.spans: list[tuple[int, int, str, float]] = []
        self._value_ids = self._ids("VALUE")

    def _ids(self, label: str) -> list[int]:
        return self.tagger.label_ids(label)

    def prepare(self, nt: NormText) -> None:
        """Remember the report; the tagger runs only when the rules leave a gap (lazily)."""
        self._nt, self.probs, self.spans = nt, None, []

    def ensure(self) -> None:
        """Run the tagger on the prepared report (once)."""
        if self.probs is not None:
            return
        self.probs = self.tagger.probabilities(self._nt.norm)
        self.spans = self.tagger.decode_spans(self.probs)

    def sections(self, nt: NormText) -> list[Section]:
        found = find_sections(nt)
        if len(found) == 6:
            return found
        self.ensure()
        numbers = {s.number for s in found}
        for start, end, label, _ in self.spans:
            if label != "SECTION":
                continue
            text = nt.norm[start:end].strip()
            if not text or text[0] not in NUMERALS:
                continue
            number = NUMERALS.index(text[0]) + 1
            body = text[1:].lstrip("、., ")
            if number in numbers or not any(p in body for p in section_patterns()[number]):
                continue
            found.append(Section(number, nt.original[start:end].strip(), start, end))
            numbers.add(number)
        found.sort(key=lambda s: s.start)
        return [s for i, s in enumerate(found) if all(s.number > p.number for p in found[:i])]

    def value_probability(self, start: int, end: int) -> float | None:
        if self.probs is None or end <= start:
            return None
        return float(self.probs[start:end, self._value_ids].sum(axis=1).mean())

    def keep_token(self, token: Token) -> bool:
        if token.blank:
            return True
        probability = self.value_probability(token.start, token.end)
        return probability is None or probability >= DROP_BELOW

    def extra_labels(self, nt: NormText, table: Table, region: tuple[int, int], found: list[Label]) -> list[Label]:
        """Model ROW spans matched to the rows the patterns did not find, in template order."""
        have = {label.row for label in found}
        if all(row.key in have for row in table.rows if not row.key.startswith("other")):
            return []
        self.ensure()
        order = [row.key for row in table.rows]
        extra: list[Label] = []
        candidates = [(s, e) for s, e, label, _ in self.spans if label == "ROW" and region[0] <= s < region[1]]
        for row in table.rows:
            if row.key in have:
                continue
            lower, upper = _neighbours(found + extra, order, row.key, region)
            target = _core(row.label)
            best, best_ratio = None, ROW_MATCH
            for start, end in candidates:
                if not lower <= start < upper:
                    continue
                ratio = SequenceMatcher(None, _core(nt.norm[start:end]), target).ratio()
                if ratio > best_ratio:
                    best, best_ratio = (start, end), ratio
            if best:
                extra.append(Label(row.key, *best))
        return extra


def _load_calibrator(model_dir: Path):
    from nianbao.models.calibrator import CellCalibrator

    path = Path(model_dir) / "calibrator.json"
    return CellCalibrator.load(path) if path.exists() else None


def _core(label: str) -> str:
    squeezed = "".join(label.split())
    return _NUMBERING.sub("", squeezed)


def _neighbours(labels: list[Label], order: list[str], key: str, region: tuple[int, int]) -> tuple[int, int]:
    index = order.index(key)
    before = [lab.end for lab in labels if order.index(lab.row) < index]
    after = [lab.start for lab in labels if order.index(lab.row) > index]
    return (max(before) if before else region[0], min(after) if after else region[1])


def make_locator(model: str | Path | None) -> RuleLocator:
    """``"rules"`` → rules only; a directory or mlflow URI → the model locator."""
    if model in (None, "rules"):
        return RuleLocator()
    from nianbao.training.tracking import resolve_model

    return ModelLocator(resolve_model(str(model)))
