"""Per-layout cell accuracy of the current extractor (printed, for the README and the lead's work).

``python -m nianbao.training.layout_eval [-n N] [--real]`` prints, per style, how many gold cells
of generated reports (and, with ``--real``, of the real reports re-rendered in that style) the
extractor gets right (value and state), and how many wrong cells it sent to review.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from nianbao.training.generator.generate import generate
from nianbao.training.generator.render import STYLES


@dataclass
class StyleScore:
    style: str
    cells: int = 0
    right: int = 0
    wrong_in_review: int = 0
    reports: int = 0
    reports_right: int = 0

    @property
    def accuracy(self) -> float:
        return self.right / self.cells if self.cells else float("nan")

    def line(self) -> str:
        wrong = self.cells - self.right
        return (
            f"| {self.style} | {self.reports} | {self.accuracy:.4f} | {self.reports_right}/{self.reports} | "
            f"{self.wrong_in_review}/{wrong} |"
        )


def score_records(style: str, records: Iterable[dict], extract=None) -> StyleScore:
    """Score the extractor (default: ``nianbao.extract_text``) on annotation records of one style."""
    if extract is None:
        from nianbao import extract_text as extract
    score = StyleScore(style)
    for record in records:
        doc = extract(record["text"])
        got = {(c["table"], c["row"], c["col"]): (c["value"], c["state"]) for c in doc["cells"]}
        review = {(r["table"], r["row"], r["col"]) for r in doc["review"]}
        right_before = score.right
        for cell in record["cells"]:
            key = (cell["table"], cell["row"], cell["col"])
            ok = got.get(key) == (cell["value"], cell["state"])
            score.cells += 1
            score.right += ok
            score.wrong_in_review += not ok and key in review
        score.reports += 1
        score.reports_right += score.right - right_before == len(record["cells"])
    return score


def real_records(style: str, shared: Path, gold_dir: Path) -> list[dict]:
    """The real reports with gold, re-rendered in ``style`` (those that cannot be are skipped)."""
    from nianbao.training.generator.reflatten import load_real, reflatten

    records = []
    for path in sorted(gold_dir.glob("*.json")):
        text, gold = load_real(path, shared)
        try:
            records.append(reflatten(text, gold, style))
        except ValueError:
            continue
    return records


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=10, help="generated reports per style")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--style", action="append", help="styles (default: all)")
    parser.add_argument("--real", action="store_true", help="also the real reports re-rendered per style")
    parser.add_argument("--shared", type=Path, default=Path("../shared"))
    parser.add_argument("--gold", type=Path, default=Path("tests/gold"))
    args = parser.parse_args(argv)
    print("| style | reports | cell accuracy | reports fully right | wrong cells in review |")
    print("|---|---|---|---|---|")
    for style in args.style or STYLES:
        print(score_records(style, generate(args.n, seed=args.seed, styles=(style,))).line(), flush=True)
        if args.real and style != "printed_pdf":
            print(score_records(f"{style} (real)", real_records(style, args.shared, args.gold)).line(), flush=True)


if __name__ == "__main__":
    main()
