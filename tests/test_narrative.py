"""Narrative checks: counts in the prose against the tables, on real and generated reports."""

from __future__ import annotations

import json
import random
import re

import pytest

from nianbao import extract, extract_text
from nianbao.extraction.checks.narrative import find_statements
from nianbao.extraction.checks.table import CheckResult
from nianbao.extraction.document.cells import Cell
from nianbao.extraction.text.normalize import NormText
from nianbao.extraction.text.patterns import find_sections
from nianbao.training.generator.generate import GenConfig, generate_report

from .conftest import GOLD_DIR

REAL = sorted(GOLD_DIR.rglob("*.json"))
# Every narrative check the real reports give, verified by reading the prose and the tables.
EXPECTED_REAL = {
    "001_6d8c5d61ee13f09e": {
        "narrative.received": True,
        "narrative.reconsideration": True,
        "narrative.litigation": True,
    },
    "002_0894b26ac3a47999": {"narrative.received": True},
    "003_00d1a30b4b93398f": {
        "narrative.received": True,
        "narrative.reconsideration": True,
        "narrative.litigation": True,
    },
    "004_136fd1d98cf7f7a0": {"narrative.received": True, "narrative.denied": False},
    "hongze-district-2023-pdftext": {"narrative.received": True},
    "hongze-district-2023": {"narrative.received": True},  # the same report read from its PDF
    "huaian-city-2024-pdftext": {
        "narrative.received": True,
        "narrative.processed": True,
        "narrative.carried_over": True,
        "narrative.carried_forward": True,
        "narrative.reconsideration": True,
        "narrative.litigation": True,
        **{
            f"narrative.{kind}.{col}": True
            for kind in ("reconsideration", "litigation")
            for col in ("upheld", "corrected", "other", "pending")
        },
    },
    "pingtan-police-2021-crawl": {"narrative.received": True},
    "pingtan-transport-2023": {"narrative.received": True},
    # pingtan-haitan-2020-crawl: 片区共受理依申请公开 0 件 names no body the check can tie to the table
}


def _narrative(doc: dict) -> dict[str, dict]:
    return {c["rule"]: c for c in doc["checks"] if c["rule"].startswith("narrative.")}


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.stem)
def test_real_reports(path, shared) -> None:
    gold = json.loads(path.read_text("utf-8"))
    source = shared / gold["source"]
    doc = extract(source)
    checks = _narrative(doc)
    assert {rule: c["ok"] for rule, c in checks.items()} == EXPECTED_REAL.get(path.stem, {})
    text = doc["source"].get("rendered_text") or source.read_text("utf-8")
    for check in checks.values():
        assert check["cells"], check
        for span in check["evidence"]["prose"]:
            assert text[span["start"] : span["end"]] == span["text"]
            assert str(span["value"]) in re.sub(r"\s", "", span["text"]) or span["value"] == 0


def test_luocheng_denied_count_goes_to_review(shared) -> None:
    """鹿城 2020: the prose says 不予公开 2件, the table one 不予公开 and one 无法提供."""
    source = shared / "seeds" / "004_136fd1d98cf7f7a0.txt"
    doc = extract(source)
    check = _narrative(doc)["narrative.denied"]
    assert check["ok"] is False
    assert "2" in check["detail"] and "1" in check["detail"]
    assert check["evidence"]["prose"][0]["text"] == "不予公开的政府信息2件"
    assert check["evidence"]["table"]["value"] == 1
    flagged = {(r["row"], r["col"]) for r in doc["review"] if "narrative_mismatch" in r["reasons"]}
    assert flagged == {
        (row, "total")
        for row in (
            "denied_state_secret",
            "denied_prohibited",
            "denied_three_safeties",
            "denied_third_party",
            "denied_internal_affairs",
            "denied_process_info",
            "denied_enforcement_files",
            "denied_inquiry",
        )
    }


def test_count_of_another_office_is_not_checked(shared) -> None:
    """洪泽 2024: 区政府办代表区政府受理…17件 while the table counts 95: not the same scope."""
    doc = extract(shared / "dev" / "hongze-district-2024-pdftext.txt")
    assert _narrative(doc) == {}


def test_evidence_is_serialised_only_when_present() -> None:
    assert "evidence" not in CheckResult("x", True, "").as_json()
    assert CheckResult("x", True, "", evidence={"a": 1}).as_json()["evidence"] == {"a": 1}


# --- generated reports with prose written here -------------------------------------------------

_GEN_PARAGRAPH = "（二）依申请公开情况。"


def _totals(sample: dict) -> dict[str, int]:
    cells = {(c["table"], c["row"], c["col"]): c["value"] or 0 for c in sample["cells"]}
    rows = {c["row"] for c in sample["cells"] if c["table"] == "requests"}

    def total(*names: str) -> int:
        return sum(cells[("requests", r, "total")] for r in rows for n in names if r.startswith(n))

    appeal = {
        f"{r}.{c}": cells[("appeals", r, c)]
        for r in ("reconsideration", "litigation_direct", "litigation_after_review")
        for c in ("upheld", "corrected", "other", "pending", "total")
    }
    docs = {f"{c}": cells[("active", "normative_docs", c)] for c in ("issued", "repealed", "in_force")}
    return {
        "new": total("new_received"),
        "co": total("carried_over"),
        "cf": total("carried_forward"),
        "g": total("granted"),
        "pg": total("partially_granted"),
        "den": total("denied_"),
        "un": total("unavailable_"),
        "np": total("not_processed_"),
        "tp": total("total_processed"),
        "rec": appeal["reconsideration.total"],
        "up": appeal["reconsideration.upheld"],
        "corr": appeal["reconsideration.corrected"],
        "oth": appeal["reconsideration.other"],
        "pend": appeal["reconsideration.pending"],
        "lit": appeal["litigation_direct.total"] + appeal["litigation_after_review.total"],
        **docs,
    }


def _prose(v: dict[str, int], year: int) -> str:
    return (
        f"（二）依申请公开情况。{year}年，我局共收到政府信息公开申请{v['new']}件，其中予以公开{v['g']}件，"
        f"部分公开{v['pg']}件，不予公开{v['den']}件，无法提供{v['un']}件，不予处理{v['np']}件；"
        f"予以公开及部分公开{v['g'] + v['pg']}件。上年结转政府信息公开申请{v['co']}件，共答复{v['tp']}件，"
        f"结转下年度继续办理{v['cf']}件。本年度发生政府信息公开行政复议{v['rec']}件，其中结果维持{v['up']}件，"
        f"结果纠正{v['corr']}件，其他结果{v['oth']}件，尚未审结{v['pend']}件；发生行政诉讼{v['lit']}件。"
        f"本年制发规范性文件{v['issued']}件，废止规范性文件{v['repealed']}件，现行有效规范性文件{v['in_force']}件。"
        # counts the prose does not tie clearly to a cell: wrong on purpose, never checked
        f"区政府办公室代表区政府受理政府信息公开申请{v['new'] + 7}件。去年共收到政府信息公开申请{v['new'] + 3}件。"
        f"{year - 1}年共收到政府信息公开申请{v['new'] + 5}件。全年共收到政府信息公开申请约{v['new'] + 9}件，"
        f"不予公开{v['den'] + 4}余件。通过政务服务网收到政府信息公开申请{v['new'] + 2}件。"
        f"予以公开{v['g'] + 1}-{v['g'] + 3}件，发生行政复议超过{v['rec'] + 6}件。"
    )


def _with_prose(sample: dict, paragraph: str, style: str) -> str:
    """The generated text with its 依申请公开 paragraph replaced (PDF-wrapped when the style is)."""
    loose = lambda s: "".join(re.escape(ch) + r"\n?" for ch in s)  # noqa: E731
    pattern = re.compile(loose(_GEN_PARAGRAPH) + r"[\s\S]*?" + loose("予以答复。"))
    if style == "pdf":
        paragraph = "\n".join(paragraph[i : i + 28] for i in range(0, len(paragraph), 28))
    text, count = pattern.subn(lambda _: paragraph, sample["text"], count=1)
    assert count == 1
    return text


CASES = [("lines", 1), ("pdf", 2), ("tab", 3), ("pipe", 4), ("markdown", 5)]
ALL_RULES = {
    "received",
    "granted",
    "partially_granted",
    "denied",
    "unavailable",
    "not_processed",
    "granted_and_partially_granted",
    "carried_over",
    "processed",
    "carried_forward",
    "reconsideration",
    "reconsideration.upheld",
    "reconsideration.corrected",
    "reconsideration.other",
    "reconsideration.pending",
    "litigation",
    "normative_docs.issued",
    "normative_docs.repealed",
    "normative_docs.in_force",
}


@pytest.mark.parametrize(("style", "seed"), CASES)
def test_generated_consistent_prose_passes(style: str, seed: int) -> None:
    sample = generate_report(random.Random(seed), GenConfig(style, "2021"))
    text = _with_prose(sample, _prose(_totals(sample), sample["report"]["year"]), style)
    checks = _narrative(extract_text(text))
    assert set(checks) == {f"narrative.{r}" for r in ALL_RULES}
    assert all(c["ok"] is True for c in checks.values()), [c["detail"] for c in checks.values() if c["ok"] is not True]


# Each group plants independent contradictions in one text: every planted one must be found
# and nothing else flagged.
PLANTS = [
    {
        "new": ["received"],
        "den": ["denied"],
        "cf": ["carried_forward"],
        "up": ["reconsideration.upheld"],
        "in_force": ["normative_docs.in_force"],
    },
    {
        "g": ["granted", "granted_and_partially_granted"],
        "lit": ["litigation"],
        "tp": ["processed"],
        "rec": ["reconsideration"],
    },
]


@pytest.mark.parametrize(("style", "seed"), CASES[:3])
def test_generated_planted_contradictions_are_found(style: str, seed: int) -> None:
    sample = generate_report(random.Random(seed), GenConfig(style, "2021"))
    truth = _totals(sample)
    for group in PLANTS:
        planted = dict(truth, **{field: truth[field] + 1 for field in group})
        rules = {rule for names in group.values() for rule in names}
        doc = extract_text(_with_prose(sample, _prose(planted, sample["report"]["year"]), style))
        checks = _narrative(doc)
        failed = {rule.removeprefix("narrative.") for rule, c in checks.items() if c["ok"] is False}
        assert failed == rules, (sorted(group), failed)
        assert all(c["ok"] is True for r, c in checks.items() if r.removeprefix("narrative.") not in rules)
        flagged = {(r["table"], r["row"], r["col"]) for r in doc["review"] if "narrative_mismatch" in r["reasons"]}
        for rule in rules:
            check = checks[f"narrative.{rule}"]
            keys = {(c["table"], c["row"], c["col"]) for c in check["cells"]}
            assert keys and keys <= flagged
            assert [p["value"] for p in check["evidence"]["prose"]] != [check["evidence"]["table"]["value"]]


UNCLEAR = [
    "全市各级行政机关共收到政府信息公开申请1000件。",
    "市政府本级共收到政府信息公开申请50件。",
    "与{prev}年相比，{year}年共收到政府信息公开申请52件。",
    "{year}年各部门共收到政府信息公开申请88件，其中予以公开20件。",
    "区政府办公室收到申请10件，其中予以公开3件。",
    "办理人大代表建议和政协提案20件，已全部办结20件。",
    "全年共受理行政复议案件120件，行政诉讼案件35件。",
    "未发生行政复议被纠错情况。",
    "行政复议和行政诉讼各2件。",
    "全年收到政府信息公开申请近50件。",
    "全年收到政府信息公开申请50余件。",
]
CLEAR = {
    "{year}年，我局共收到政府信息公开申请52件，较{prev}年增加10件。": [("received", 52)],
    "共收到政府信息公开申请52件（含上年结转3件）。": [("received_with_carried_over", 52), ("carried_over", 3)],
    "共收到政府信息公开申请52件，另有3件结转下年度办理。": [("received", 52), ("carried_forward", 3)],
    "本年度未发生政府信息公开行政复议、行政诉讼案件。": [("litigation", 0), ("reconsideration", 0)],
    "全年共收到政府信息公开申请五十二件。": [("received", 52)],
    "全年共收到政府信息公开申请１，２３４件。": [("received", 1234)],
}


@pytest.fixture(scope="module")
def probe_base() -> tuple[dict, dict]:
    sample = generate_report(random.Random(1), GenConfig("lines", "2021"))
    cells = {
        (c["table"], c["row"], c["col"]): Cell(
            c["table"], c["row"], c["col"], c["value"], c["raw"], c["unit"], c["state"]
        )
        for c in extract_text(sample["text"])["cells"]
    }
    return sample, cells


def _probe(probe_base: tuple[dict, dict], sentence: str) -> list[tuple[str, int]]:
    sample, cells = probe_base
    year = sample["report"]["year"]
    text = _with_prose(sample, sentence.format(year=year, prev=year - 1), "lines")
    nt = NormText(text)
    return [(s.what, s.value) for s in find_statements(nt, find_sections(nt), cells)]


@pytest.mark.parametrize("sentence", UNCLEAR)
def test_unclear_counts_are_not_checked(probe_base, sentence: str) -> None:
    assert _probe(probe_base, sentence) == []


@pytest.mark.parametrize("sentence", list(CLEAR))
def test_clear_counts_are_read(probe_base, sentence: str) -> None:
    assert _probe(probe_base, sentence) == CLEAR[sentence]


def test_allowed_words_read_as_one_pattern() -> None:
    """The clause check (fixed words plus the agency's name and its tails) answers as the single
    ``(?:heading|time|subject|name…|adverb)*`` pattern it replaces, on clauses built from
    words, names and broken names."""
    from nianbao.extraction.checks import narrative, narrative_phrases

    rng = random.Random(7)
    words = [
        "本局",
        "全市",
        "2023年度",
        "本年度",
        "共计",
        "共",
        "其中",
        "一、总体情况",
        "依法",
        "新",
        "收到",
        "局",
        "年",
    ]
    for agency in ("某某市人民政府办公室", "平潭综合实验区交通运输局", "区局", ""):
        names = {agency[i:] for i in range(len(agency) - 2)}
        subject = "|".join([narrative_phrases._SUBJECT, *map(re.escape, sorted(names, key=len, reverse=True))])
        one = re.compile(
            rf"(?:{narrative_phrases._HEADING}|{narrative_phrases._TIME}|{subject}|{narrative_phrases._ADVERB})*"
        )
        pieces = words + sorted(names) + [name[:k] for name in sorted(names) for k in range(1, len(name))]
        clauses = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 5))) for _ in range(3000)]
        answers = [narrative._allowed(clause, frozenset(names)) for clause in clauses]
        assert answers == [bool(one.fullmatch(clause)) for clause in clauses]
        assert any(answers) and not all(answers)
