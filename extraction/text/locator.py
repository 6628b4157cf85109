"""Locators: where headings, row labels and values are. Rules alone, or rules plus the model.

The rule locator is the baseline. The model locator runs the trained tagger (through ONNX
Runtime, ``nianbao.models.runtime``: no torch at inference) on every report and uses it to (1) score where each value
goes: its column-slot
probabilities are the model scores of the placement decoder (``placement.decoder``), for
printed values and for the pieces of run-together digits, (2) add headings the rules
missed, (3) drop number-like tokens the model is sure are not table values (page numbers,
prose counts, chrome) and (4) find row labels the patterns missed (OCR-like confusions,
unusual wording) by matching its ROW spans to the template's labels.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from nianbao.extraction.placement.decoder import SlotScores
from nianbao.extraction.templates import Table, section_patterns
from nianbao.extraction.text.header_columns import header_slots
from nianbao.extraction.text.normalize import NormText
from nianbao.extraction.text.patterns import COUNT_UNITS, NUMERALS, Label, Section, Token, find_sections, own_field
from nianbao.extraction.text.row_layout import (
    field_slots,
    grid_slots,
    leading_empty_field,
    line_ending,
    markdown_slots,
    printed_gaps,
    row_fields,
    side_by_side,
)
from nianbao.extraction.text.row_match import ORDER_MATCH, ROW_MATCH, row_owner, row_similarity
from nianbao.extraction.text.values import parse_cell
from nianbao.models.labels import span_label

DROP_BELOW = 0.02
_UNIT_TAIL = "".join(COUNT_UNITS) + " \u3000"  # a count's unit and the space before it (``2 件``)
SURE_READ = 0.95  # a slot read from the printed fields, past the model's layout feature
LOG_FLOOR = 1e-6  # probabilities below this count as this (log-scores stay finite)
CONTEXT = 160  # characters the tagger reads before a table region


class RuleLocator:
    """The rules-only locator (the baseline the model must beat)."""

    name = "rules"
    calibrator = None

    def prepare(self, nt: NormText) -> None:
        """Remember the report (its markdown rows' cells are read from its text)."""
        self._nt = nt

    def cover(self, regions: Iterable[tuple[int, int]]) -> None:
        """Per-report work once the table regions are known (none for rules)."""

    def sections(self, nt: NormText) -> list[Section]:
        return find_sections(nt)

    def keep_token(self, token: Token) -> bool:
        return True

    def extra_labels(self, nt: NormText, table: Table, region: tuple[int, int], found: list[Label]) -> list[Label]:
        return []

    def value_probability(self, start: int, end: int) -> float | None:
        return None

    def slot_logp(self, tokens: Sequence[Token], n_cols: int, words: Sequence[str] = ()) -> list[list[float]] | None:
        """Log-probabilities of each token's column slot: stated where a markdown row prints one
        cell per column after its label cell (``row_layout.markdown_slots``), a grid row its
        cells between pipes (``grid_slots``), or a fixed-width row its values under the header's
        column ``words`` (``header_columns.header_slots``); else None (no model, every slot alike)."""
        if not tokens or getattr(self, "_nt", None) is None:
            return None
        norm = self._nt.norm
        slots = markdown_slots(norm, tokens, n_cols) or grid_slots(norm, tokens, n_cols)
        if slots is None and words and len(tokens) < n_cols:
            slots = header_slots(norm, self._nt.original, tokens, words)
        return _read_slots(slots, n_cols)

    def piece_scorer(self) -> Callable[[int, int, int], float] | None:
        """Log-probability of ``text[start:end]`` being one value in slot ``k`` (None: no model)."""
        return None


class ModelLocator(RuleLocator):
    """Rules plus the tagger's spans.

    The tagger runs on every report: its slot probabilities decide where values go.
    """

    name = "model"

    def __init__(self, model_dir: Path) -> None:
        from nianbao.models.runtime import OnnxTagger

        self.tagger = OnnxTagger.load(model_dir)
        self.model_dir = model_dir
        self.calibrator = _load_calibrator(model_dir)
        self.probs: np.ndarray | None = None
        self._spans: list[tuple[int, int, str, float]] | None = None
        self.labels: tuple[str, ...] = self.tagger.labels
        self._value_ids = [i for i, tag in enumerate(self.labels) if _is_value(tag)]
        self._slot_b, self._slot_i = _slot_ids(self.labels)
        self._pieces: tuple[np.ndarray, np.ndarray] | None = None
        self._derived_of: np.ndarray | None = None
        self._derived_cache: dict[object, np.ndarray] = {}
        self._value_of: np.ndarray | None = None  # the probs _value_mass and _value_list were computed from
        self._value_mass: np.ndarray = np.zeros(0, dtype=np.float32)
        self._value_list: list[float] = []

    def prepare(self, nt: NormText) -> None:
        """Remember the report; :meth:`cover` runs the tagger over its tables."""
        self._nt, self.probs, self._spans, self._pieces, self._whole = nt, None, None, None, False

    def cover(self, regions: Iterable[tuple[int, int]]) -> None:
        """Run the tagger over the table regions (every report: its slots decide placements).

        Each region is read with ``CONTEXT`` characters before it (the caption and header the
        slots depend on); characters outside every region count as outside (``O``).
        """
        if self._whole:
            return
        norm = self._nt.norm
        self.probs = np.zeros((len(norm), len(self.labels)), dtype=np.float32)
        self.probs[:, self.labels.index("O")] = 1.0
        for start, end in _merged((max(0, a - CONTEXT), min(len(norm), b + 8)) for a, b in regions):
            self.probs[start:end] = self.tagger.probabilities(norm[start:end])
        self._spans, self._pieces = None, None

    def ensure(self) -> None:
        """Run the tagger on the whole prepared report (once): headings the rules missed."""
        if self._whole:
            return
        self.probs = self.tagger.probabilities(self._nt.norm)
        self._spans, self._pieces, self._whole = None, None, True

    @property
    def spans(self) -> list[tuple[int, int, str, float]]:
        """The tagger's labelled spans over what it has read (decoded on first use)."""
        if self._spans is None:
            self._spans = self.tagger.decode_spans(self.probs) if self.probs is not None else []
        return self._spans

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

    def _derived(self, key: object, make: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        """A per-character array computed once from the current ``probs`` (recomputed when it changes)."""
        if self._derived_of is not self.probs:
            self._derived_of, self._derived_cache = self.probs, {}
        found = self._derived_cache.get(key)
        if found is None:
            found = self._derived_cache[key] = make(self.probs)
        return found

    def value_probability(self, start: int, end: int) -> float | None:
        if self.probs is None or end <= start:
            return None
        if self._value_of is not self.probs:  # ~600 calls per report, most for one character
            mass = self._derived("value", lambda probs: probs[:, self._value_ids].sum(axis=1))
            self._value_of, self._value_mass, self._value_list = self.probs, mass, mass.tolist()
        if end - start == 1:
            return self._value_list[start]  # float(mass[start]), looked up once per report
        part = self._value_mass[start:end]
        return float(np.add.reduce(part) / len(part))  # the mean, without ndarray.mean's wrapper

    def slot_logp(self, tokens: Sequence[Token], n_cols: int, words: Sequence[str] = ()) -> list[list[float]] | None:
        """Per token, the log of its mean slot probability over its characters, renormalised.

        ``stated`` (:class:`SlotScores`) when the row prints empty fields. None, so the
        convention decides, where the layout does not say where the row's values go (see
        ``row_layout``): its first field is empty and it prints one field too many (a tab dump's
        merged label cell), or its values sit side by side and are fewer than the columns. A row
        whose fields count past the model's layout feature is read from the fields it prints
        (``field_slots``), not by the model.
        """
        read = super().slot_logp(tokens, n_cols, words)  # the row's cells or columns say where its values go
        if read is not None:
            return read
        if self.probs is None or not self._slot_b or n_cols > len(self._slot_b):
            return None
        if any(_unlearned(token, self.tagger.cell_marks) for token in tokens):
            return None  # a cell the tagger never learned to place (—, 无, OCR's O): its slots are no evidence
        version = self.tagger.layout_version
        fields = row_fields(self._nt.norm, tokens, version) if tokens else None  # once for every test below
        if fields and fields[3] and line_ending(self._nt.norm, tokens[-1].end, n_cols):
            fields = (*fields[:3], 0)
        if fields and fields[2] > self.tagger.layout_cap:  # past the model's layout feature: the fields say
            return _read_slots(field_slots(self._nt.norm, tokens, n_cols, version), n_cols)
        stated = bool(tokens) and printed_gaps(self._nt.norm, tokens, fields, version)
        if fields and not stated and len(tokens) < n_cols and side_by_side(fields, len(tokens)):
            return None  # fewer values than columns, side by side: the layout does not say where the gaps are
        if leading_empty_field(self._nt.norm, tokens, n_cols, fields):
            return None
        slots = self._derived(
            ("slots", n_cols), lambda probs: probs[:, self._slot_b[:n_cols]] + probs[:, self._slot_i[:n_cols]]
        )
        return SlotScores(_token_logp(slots, tokens), stated)

    def piece_scorer(self) -> Callable[[int, int, int], float] | None:
        """Piece scores from per-character B-/I- slot log-probabilities (prefix sums, O(1) each)."""
        if self.probs is None or not self._slot_b:
            return None
        if self._pieces is None:
            log_b = np.log(np.maximum(self.probs[:, self._slot_b], LOG_FLOOR))
            log_i = np.log(np.maximum(self.probs[:, self._slot_i], LOG_FLOOR))
            cum_i = np.vstack([np.zeros((1, log_i.shape[1])), np.cumsum(log_i, axis=0)])
            self._pieces = (log_b, cum_i)
        log_b, cum_i = self._pieces
        width = log_b.shape[1]

        def score(start: int, end: int, slot: int) -> float:
            if slot >= width:
                return 0.0
            return float(log_b[start, slot] + cum_i[end, slot] - cum_i[start + 1, slot])

        return score

    def keep_token(self, token: Token) -> bool:
        """Drop a number the tagger reads as not a cell (a page number, a count in chrome); a
        printed blank or "not applicable" mark (—, -, －, /, 无), or OCR's letters for digits in a
        field of their own (O, l: unparsed, for review), is always kept: the generated tables the
        tagger learned from print few of those marks and no such letters, and a dropped one turns a
        printed ``na`` cell into a blank one without a word."""
        if token.blank or (_not_a_number(token) and (token.raw.strip() != "无" or own_field(self._nt.norm, token))):
            return True
        unit = len(token.raw) - len(token.raw.rstrip(_UNIT_TAIL))  # ``2 件``: the tagger read the 2, never a unit
        probability = self.value_probability(token.start, max(token.start + 1, token.end - unit))
        return probability is None or probability >= DROP_BELOW

    def extra_labels(self, nt: NormText, table: Table, region: tuple[int, int], found: list[Label]) -> list[Label]:
        """Model ROW spans matched to the rows the patterns did not find, in template order."""
        have = {label.row for label in found}
        if all(row.key in have for row in table.rows if not row.key.startswith("other")):
            return []
        if self.probs is None:
            self.ensure()
        order = [row.key for row in table.rows]
        extra: list[Label] = []
        candidates = [(s, e) for s, e, label, _ in self.spans if label == "ROW" and region[0] <= s < region[1]]
        owners = {span: row_owner(nt.norm[span[0] : span[1]], table) for span in candidates}
        for row in table.rows:
            if row.key in have:
                continue
            lower, upper = _neighbours(found + extra, order, row.key, region)
            mine = [
                (ratio, span) for span, (key, ratio) in owners.items() if key == row.key and lower <= span[0] < upper
            ]
            if mine:
                extra.append(Label(row.key, *max(mine)[1]))
        extra += _by_order(nt, table, region, found + extra, owners)
        return sorted(extra, key=lambda label: order.index(label.row))


def _not_a_number(token: Token) -> bool:
    """A printed "not applicable" mark (—, -, －, /, 无) or a field of OCR letters for digits (O,
    l): a cell of its own that holds no number."""
    return not token.blank and parse_cell(token.raw.strip()).state != "number"


def _unlearned(token: Token, marks: tuple[str, ...]) -> bool:
    """A cell the tagger never learned to place: a field of OCR letters, a mark it was not
    trained on (``marks``: those it was), a count printed with its unit (``3件``)."""
    raw = token.raw.strip()
    return (_not_a_number(token) and raw not in marks) or raw.endswith(tuple(COUNT_UNITS))


def _token_logp(slots: np.ndarray, tokens: Sequence[Token]) -> list[list[float]]:
    """Per token, the log of its mean slot mass over its characters, renormalised (floored at
    ``LOG_FLOOR``), for all of a row's tokens at once, with the bits of one
    ``np.add.reduce(part, axis=0)`` per token: that adds up to 7 rows one after the other (as
    done here), 8 or more pairwise (such tokens are summed by it)."""
    if not tokens:
        return []
    starts = np.array([t.start for t in tokens])
    lengths = np.array([max(t.end - t.start, 1) for t in tokens])
    sums = slots[starts]
    for offset in range(1, min(int(lengths.max()), _SEQUENTIAL)):
        longer = lengths > offset
        sums[longer] += slots[starts[longer] + offset]
    for i in np.flatnonzero(lengths >= _SEQUENTIAL).tolist():
        sums[i] = np.add.reduce(slots[starts[i] : starts[i] + lengths[i]], axis=0)
    mass = sums / lengths[:, None].astype(np.float32)
    total = np.maximum(np.add.reduce(mass, axis=1, keepdims=True), LOG_FLOOR)
    return np.log(np.maximum(mass / total, LOG_FLOOR)).tolist()


_SEQUENTIAL = 8  # numpy's reduce adds fewer rows than this in order, more pairwise


def _merged(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching spans joined, in order."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        elif end > start:
            out.append((start, end))
    return out


def _is_value(tag: str) -> bool:
    return span_label(tag.partition("-")[2]) == "VALUE"


def _slot_ids(labels: tuple[str, ...]) -> tuple[list[int], list[int]]:
    """Indices of B-V0.. and I-V0.. in the model's labels (empty for a model without slots)."""
    b, i, k = [], [], 0
    while f"B-V{k}" in labels and f"I-V{k}" in labels:
        b.append(labels.index(f"B-V{k}"))
        i.append(labels.index(f"I-V{k}"))
        k += 1
    return b, i


def _load_calibrator(model_dir: Path):
    from nianbao.models.calibrator import CellCalibrator

    path = Path(model_dir) / "calibrator.json"
    return CellCalibrator.load(path) if path.exists() else None


def _by_order(nt: NormText, table: Table, region: tuple[int, int], labels: list[Label], owners: dict) -> list[Label]:
    """Rows still missing, each from the ROW span that resembles it most (at least
    ``ORDER_MATCH``) among those no row or group owns, where the template's order puts it: between
    its found neighbours, and the only row missing there (several: the order does not say which)."""
    order = [row.key for row in table.rows]
    taken = {(label.start, label.end) for label in labels}
    free = [span for span, (key, ratio) in owners.items() if key is None and ratio <= ROW_MATCH and span not in taken]
    out: list[Label] = []
    for row in table.rows:
        have = {label.row for label in labels + out}
        if row.key in have or not free:
            continue
        index = order.index(row.key)
        before = max((order.index(k) for k in have if order.index(k) < index), default=-1)
        after = min((order.index(k) for k in have if order.index(k) > index), default=len(order))
        if after - before > 2:
            continue
        lower, upper = _neighbours(labels + out, order, row.key, region)
        near = sorted(
            ((row_similarity(nt.norm[s:e], table, row.key), (s, e)) for s, e in free if lower <= s < upper),
            reverse=True,
        )
        if near and near[0][0] >= ORDER_MATCH and (len(near) == 1 or near[1][0] < near[0][0]):
            out.append(Label(row.key, *near[0][1]))
            free.remove(near[0][1])
    return out


def _neighbours(labels: list[Label], order: list[str], key: str, region: tuple[int, int]) -> tuple[int, int]:
    index = order.index(key)
    before = [lab.end for lab in labels if order.index(lab.row) < index]
    after = [lab.start for lab in labels if order.index(lab.row) > index]
    return (max(before) if before else region[0], min(after) if after else region[1])


def _read_slots(slots: list[int] | None, n_cols: int) -> SlotScores | None:
    """Slot scores that state the columns the row's fields give (None: the convention decides)."""
    if slots is None:
        return None
    sure, other = np.log(SURE_READ), np.log((1 - SURE_READ) / max(n_cols - 1, 1))
    return SlotScores([[sure if col == slot else other for col in range(n_cols)] for slot in slots], True)


def make_locator(model: str | Path | None) -> RuleLocator:
    """``"rules"`` → rules only; a directory or mlflow URI → the model locator."""
    if model in (None, "rules"):
        return RuleLocator()
    from nianbao.models.registry import resolve_model

    return ModelLocator(resolve_model(str(model)))
