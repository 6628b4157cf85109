"""Converters between our annotation JSONL and Label Studio, doccano and spaCy DocBin.

Offsets stay Python ``str`` indices (code points) everywhere. Label Studio stores code points
since its fix for astral characters; on import a region whose ``text`` does not match its
offsets is repaired by searching for the text near ``start`` or rejected loudly.

A ``VALUE`` span's optional ``slot`` (its column index in its row) travels as the region's
``meta.slot`` in Label Studio, as a ``slots`` list of ``[start, end, slot]`` beside doccano's
``label`` list, and as a second span group ``nianbao_slot`` (labels ``SLOT_<n>``) in a DocBin.
A region edited in the Label Studio UI may lose its ``meta``; the span then comes back
without a slot, never with a wrong one.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from nianbao.annotations import SPAN_LABELS, AnnotationError, validate

FROM_NAME, TO_NAME = "label", "text"
REPAIR_WINDOW = 50


def labelstudio_config() -> str:
    """The labelling config matching these tasks."""
    labels = "".join(f'<Label value="{label}"/>' for label in SPAN_LABELS)
    return (
        f'<View><Labels name="{FROM_NAME}" toName="{TO_NAME}">{labels}</Labels><Text name="{TO_NAME}" '
        f'value="$text"/></View>'
    )


def _region(span: dict, text: str, score: float | None) -> dict:
    value = {
        "start": span["start"],
        "end": span["end"],
        "text": text[span["start"] : span["end"]],
        "labels": [span["label"]],
    }
    if score is not None:
        value["score"] = score
    region = {"id": uuid.uuid4().hex[:10], "from_name": FROM_NAME, "to_name": TO_NAME, "type": "labels", "value": value}
    if "slot" in span:
        region["meta"] = {"slot": span["slot"]}
    return region


def to_labelstudio(record: dict, model_version: str = "nianbao", as_prediction: bool = True) -> dict:
    """A Label Studio task: spans as predictions (with scores and model_version) or annotations."""
    text = record["text"]
    results = [_region(s, text, s.get("score")) for s in record["spans"]]
    task: dict = {"data": {"text": text, "meta": record.get("meta", {})}}
    if as_prediction:
        scores = [s["score"] for s in record["spans"] if "score" in s]
        task["predictions"] = [
            {"model_version": model_version, "score": min(scores) if scores else 1.0, "result": results}
        ]
    else:
        task["annotations"] = [{"result": results}]
    return task


def _repair(text: str, value: dict) -> tuple[int, int]:
    start, end, wanted = value["start"], value["end"], value.get("text")
    if wanted is None or text[start:end] == wanted:
        return start, end
    lo = max(0, start - REPAIR_WINDOW)
    found = text.find(wanted, lo, end + REPAIR_WINDOW + len(wanted))
    if found < 0:
        raise AnnotationError(f"region {wanted!r} is not at {start}:{end} nor near it")
    return found, found + len(wanted)


def from_labelstudio(task: dict) -> dict:
    """Our record from a Label Studio task (its latest annotation, else its first prediction)."""
    text = task["data"]["text"]
    source = task.get("annotations") or task.get("predictions") or [{"result": []}]
    spans = []
    for region in source[-1]["result"] if task.get("annotations") else source[0]["result"]:
        value = region["value"]
        start, end = _repair(text, value)
        slot = region.get("meta", {}).get("slot")
        for label in value["labels"]:
            span = {"start": start, "end": end, "label": label, "text": text[start:end]}
            if slot is not None and label == "VALUE":
                span["slot"] = slot
            spans.append(span)
    spans.sort(key=lambda s: (s["start"], s["end"]))
    return validate({"text": text, "spans": spans, "meta": task["data"].get("meta", {})})


def to_doccano(record: dict) -> dict:
    line = {"text": record["text"], "label": [[s["start"], s["end"], s["label"]] for s in record["spans"]]}
    slots = [[s["start"], s["end"], s["slot"]] for s in record["spans"] if "slot" in s]
    if slots:
        line["slots"] = slots
    return line


def from_doccano(line: dict) -> dict:
    text = line["text"]
    slots = {(s, e): slot for s, e, slot in line.get("slots", [])}
    spans = []
    for s, e, label in line.get("label", []):
        span = {"start": s, "end": e, "label": label, "text": text[s:e]}
        if label == "VALUE" and (s, e) in slots:
            span["slot"] = slots[(s, e)]
        spans.append(span)
    return validate({"text": text, "spans": sorted(spans, key=lambda s: (s["start"], s["end"])), "meta": {}})


def to_docbin(records: list[dict], path: Path) -> Path:
    """A spaCy DocBin with the spans in ``doc.spans["nianbao"]`` (blank Chinese pipeline)."""
    import spacy
    from spacy.tokens import DocBin, SpanGroup

    nlp = spacy.blank("zh")
    docbin = DocBin()
    for record in records:
        doc = nlp.make_doc(record["text"])
        spans = [
            doc.char_span(s["start"], s["end"], label=s["label"], alignment_mode="expand") for s in record["spans"]
        ]
        doc.spans["nianbao"] = SpanGroup(doc, name="nianbao", spans=[s for s in spans if s is not None])
        slotted = [
            doc.char_span(s["start"], s["end"], label=f"SLOT_{s['slot']}", alignment_mode="expand")
            for s in record["spans"]
            if "slot" in s
        ]
        doc.spans["nianbao_slot"] = SpanGroup(doc, name="nianbao_slot", spans=[s for s in slotted if s is not None])
        docbin.add(doc)
    path.parent.mkdir(parents=True, exist_ok=True)
    docbin.to_disk(path)
    return path
