"""Annotation format and converters: round trips keep every span exactly, on awkward text."""

from __future__ import annotations

import random

import pytest

from nianbao.annotations import AnnotationError, read_jsonl, validate, write_jsonl
from nianbao.training.converters import (
    from_doccano,
    from_labelstudio,
    to_docbin,
    to_doccano,
    to_labelstudio,
)
from nianbao.training.generator.generate import GenConfig, generate_report

AWKWARD = "𠀀标题\r\n一、总体情况\r\n  本年收到申请１，２３４件。\r\n"


def _record() -> dict:
    text = AWKWARD
    spans = []
    for label, needle in (("TITLE", "标题"), ("SECTION", "一、总体情况"), ("VALUE", "１，２３４")):
        start = text.index(needle)
        spans.append({"start": start, "end": start + len(needle), "label": label, "text": needle})
    return validate({"text": text, "spans": spans, "meta": {}})


def test_labelstudio_round_trip_crlf_fullwidth_astral() -> None:
    record = _record()
    task = to_labelstudio(record, model_version="v7")
    assert task["predictions"][0]["model_version"] == "v7"
    assert from_labelstudio(task)["spans"] == record["spans"]
    as_annotation = to_labelstudio(record, as_prediction=False)
    assert from_labelstudio(as_annotation)["spans"] == record["spans"]


def test_labelstudio_import_repairs_shifted_offsets_or_rejects() -> None:
    record = _record()
    task = to_labelstudio(record)
    for region in task["predictions"][0]["result"]:
        region["value"]["start"] += 1  # e.g. UTF-16 units after the astral character
        region["value"]["end"] += 1
    assert from_labelstudio(task)["spans"] == record["spans"]
    task["predictions"][0]["result"][0]["value"]["text"] = "不在文中"
    with pytest.raises(AnnotationError):
        from_labelstudio(task)


def test_doccano_round_trip() -> None:
    record = _record()
    assert from_doccano(to_doccano(record))["spans"] == record["spans"]


def test_jsonl_round_trip_and_validation(tmp_path) -> None:
    sample = generate_report(random.Random(3), GenConfig("pdf", "2021"))
    write_jsonl([sample, _record()], tmp_path / "a.jsonl")
    back = list(read_jsonl(tmp_path / "a.jsonl"))
    assert back[0]["text"] == sample["text"] and back[1]["spans"] == _record()["spans"]
    broken = dict(sample, spans=[{**sample["spans"][0], "end": sample["spans"][0]["end"] + 1}])
    with pytest.raises(AnnotationError):
        validate(broken)


def test_docbin_export(tmp_path) -> None:
    import spacy
    from spacy.tokens import DocBin

    path = to_docbin([_record()], tmp_path / "train.spacy")
    docs = list(DocBin().from_disk(path).get_docs(spacy.blank("zh").vocab))
    assert [s.label_ for s in docs[0].spans["nianbao"]] == ["TITLE", "SECTION", "VALUE"]


def test_value_slots_survive_jsonl_labelstudio_and_doccano(tmp_path) -> None:
    sample = generate_report(random.Random(4), GenConfig("tab", "2021"))
    slotted = [s for s in sample["spans"] if "slot" in s]
    assert slotted and all(s["label"] == "VALUE" for s in slotted)
    write_jsonl([sample], tmp_path / "a.jsonl")
    (back,) = read_jsonl(tmp_path / "a.jsonl")
    assert back["spans"] == sample["spans"]
    want = sorted((s["start"], s["end"], s["label"], s.get("slot")) for s in sample["spans"])
    for got in (from_labelstudio(to_labelstudio(sample)), from_doccano(to_doccano(sample))):
        assert sorted((s["start"], s["end"], s["label"], s.get("slot")) for s in got["spans"]) == want


@pytest.mark.parametrize(
    "span", [{"label": "VALUE", "slot": 15}, {"label": "VALUE", "slot": "3"}, {"label": "ROW", "slot": 0}]
)
def test_bad_slots_are_rejected(span: dict) -> None:
    record = _record()
    value = next(s for s in record["spans"] if s["label"] == "VALUE")
    with pytest.raises(AnnotationError):
        validate({**record, "spans": [{**value, **span}]})
