"""The evaluation harness: gold cases in, the model against the rules and the positional baseline."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from nianbao.annotations import read_jsonl
from nianbao.evaluation.baselines import positional_extract
from nianbao.evaluation.calibration import reliability_table
from nianbao.evaluation.scorer import Scores
from nianbao.extraction.pipeline import extract_text
from nianbao.extraction.text.locator import ModelLocator, RuleLocator
from nianbao.models.calibrator import choose_threshold, review_budget_curve

Extractor = Callable[[str], dict]


@dataclass(frozen=True)
class Case:
    """A report with its gold: the text, the gold dict, and the flattening style."""

    name: str
    text: str
    gold: dict
    style: str


def load_cases(path: Path, shared: Path | None = None) -> list[Case]:
    """Gold JSON files in a directory (real reports, text from ``shared``) or annotation JSONL."""
    if path.is_dir():
        shared = shared or path.resolve().parents[1].parent / "shared"
        cases = []
        for gold_path in sorted(path.glob("*.json")):
            gold = json.loads(gold_path.read_text("utf-8"))
            text = (shared / gold["source"]).read_text("utf-8")
            style = "crawl" if "crawl" in gold["source"] else ("pdftext" if "pdftext" in gold["source"] else "seed")
            cases.append(Case(gold_path.stem, text, gold, f"real-{style}"))
        return cases
    return [
        Case(f"{path.stem}:{i}", r["text"], r, r.get("meta", {}).get("style", "annotated"))
        for i, r in enumerate(read_jsonl(path))
    ]


@dataclass
class SystemResult:
    name: str
    scores: Scores
    docs: dict[str, dict] = field(default_factory=dict)


def run_system(name: str, cases: list[Case], extractor: Extractor) -> SystemResult:
    result = SystemResult(name, Scores())
    for case in cases:
        doc = extractor(case.text) if callable(extractor) else extractor
        result.docs[case.name] = doc
        result.scores.add(case.name, case.style, case.gold, doc)
    return result


def systems(model: str | Path | None) -> dict[str, Extractor]:
    """The systems compared in one run: the model locator (if a model is given), rules, positional."""
    rules = RuleLocator()
    out: dict[str, Extractor] = {}
    if model not in (None, "rules"):
        from nianbao.models.registry import resolve_model

        locator = ModelLocator(resolve_model(str(model)))
        out["model"] = lambda text: extract_text(text, locator=locator)
    out["rules"] = lambda text: extract_text(text, locator=rules)
    out["positional"] = lambda text: positional_extract(text, _template_of(text, rules))
    return out


def _template_of(text: str, rules: RuleLocator) -> str:
    from nianbao.extraction.text.normalize import NormText
    from nianbao.extraction.text.patterns import detect_template

    return detect_template(NormText(text))


def tagger_f1(cases: list[Case], locator: ModelLocator) -> float:
    """Token-level seqeval F1 of the tagger's BIO tags on cases with gold spans."""
    from seqeval.metrics import f1_score

    from nianbao.extraction.text.normalize import NormText
    from nianbao.models.tagger import BIO_LABELS, span_label
    from nianbao.training.train import char_labels

    def structural(tag: str) -> str:  # slots V0..V14 count as VALUE here
        prefix, _, kind = tag.partition("-")
        return f"{prefix}-{span_label(kind)}" if kind else tag

    truth, predicted = [], []
    for case in cases:
        if not case.gold.get("spans"):
            continue
        labels = char_labels(case.gold)
        if min(labels, default=0) < 0:
            continue  # partially labelled (a reviewer's correction): no full truth to score
        locator.prepare(NormText(case.text))
        locator.ensure()
        truth.append([structural(BIO_LABELS[i]) for i in labels])
        predicted.append([structural(locator.labels[i]) for i in locator.probs.argmax(axis=1)])
    return float(f1_score(truth, predicted)) if truth else float("nan")


def evaluate(cases: list[Case], model: str | Path | None) -> dict[str, SystemResult]:
    """Run every system over the cases."""
    return {name: run_system(name, cases, extractor) for name, extractor in systems(model).items()}


def calibration_summary(result: SystemResult) -> dict:
    confidence = [o.confidence for o in result.scores.outcomes]
    correct = [o.correct for o in result.scores.outcomes]
    curve = review_budget_curve(confidence, correct)
    return {
        "reliability": reliability_table(confidence, correct),
        "review_budget": curve,
        "review_threshold": choose_threshold(curve),
    }


def accounting_table(results: dict[str, SystemResult]) -> dict[str, dict[str, float]]:
    """Model against rules per style (cells changed, review share, wrong cells in review), if both ran."""
    from nianbao.evaluation.accounting import account

    if "model" not in results or "rules" not in results:
        return {}
    return account(results["model"].scores.outcomes, results["rules"].scores.outcomes)
