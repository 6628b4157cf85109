"""The evaluation report: markdown with the worst cells in context, and PNG plots."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from nianbao.evaluation.accounting import markdown as accounting_markdown
from nianbao.evaluation.harness import Case, SystemResult, accounting_table, calibration_summary
from nianbao.evaluation.review_reasons import markdown as reasons_markdown
from nianbao.evaluation.review_reasons import reasons_table

REASONS_NOTE = (
    "Each reason's cells as a share of the decided cells, the model's wrong cells among them in brackets; "
    "a cell counts under each of its reasons. checks only: a failed check and nothing else; "
    "confidence only: the calibrated confidence alone."
)

HEADLINE = (
    "cell_accuracy",
    "decided_cell_accuracy",
    "number_cell_accuracy",
    "tables_fully_right",
    "reports_fully_right",
    "review_share",
    "wrong_caught_by_review",
    "decided_review_share",
    "decided_wrong_caught_by_review",
    "undecided_cells",
    "gold_ambiguous_sent_to_review",
    "sections_f1",
    "checks_agreement",
    "ece",
    "brier",
)


def _fmt(value: object) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def markdown_report(
    results: dict[str, SystemResult], cases: list[Case], metrics: dict[str, dict], worst: int = 25
) -> str:
    names = list(results)
    lines = ["# nianbao evaluation", "", f"{len(cases)} reports; systems: {', '.join(names)}.", ""]
    lines += ["| metric | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    keys = [k for k in HEADLINE if any(k in metrics[n] for n in names)]
    keys += sorted(k for k in metrics[names[0]] if k.startswith("cell_accuracy.") and k not in keys)
    keys = [k for k in keys if not k.startswith("accounting.")]
    for key in keys:
        lines.append(f"| {key} | " + " | ".join(_fmt(metrics[n].get(key, "")) for n in names) + " |")
    table = accounting_table(results)
    if table:
        lines += ["", "## Model against rules, and review (per style)", "", accounting_markdown(table).rstrip()]
    if "model" in results:
        reasons = reasons_markdown(reasons_table(results["model"].scores.outcomes)).rstrip()
        lines += ["", "## Why cells are reviewed (model, decided cells, per style)", "", REASONS_NOTE, "", reasons]
    primary = results[names[0]]
    lines += _undecided_out_of_review(primary, worst)
    calibration = calibration_summary(primary)
    lines += ["", f"## Reliability ({names[0]})", "", "| bin | n | confidence | accuracy |", "|---|---|---|---|"]
    for row in calibration["reliability"]:
        lines.append(f"| {row['bin']} | {row['n']} | {_fmt(row['confidence'])} | {_fmt(row['accuracy'])} |")
    lines += ["", f"Review threshold catching 90% of wrong cells: {calibration['review_threshold']:.3f}", ""]
    lines += [f"## Worst cells ({names[0]})", ""]
    texts = {case.name: case.text for case in cases}
    wrong = [o for o in primary.scores.outcomes if not o.correct]
    wrong.sort(key=lambda o: -o.confidence)
    for o in wrong[:worst]:
        at = o.gold_start if o.gold_start is not None else o.pred_start
        context = ""
        if at is not None:
            text = texts[o.case]
            context = text[max(0, at - 30) : at].replace("\n", "⏎") + "【" + text[at : at + 8].replace("\n", "⏎") + "】"
        lines.append(
            f"- `{o.case}` {'.'.join(o.key)}: gold {o.gold_value!r} ({o.gold_state}), "
            f"got {o.pred_value!r} ({o.pred_state}, conf {o.confidence:.2f}) — {context}"
        )
    return "\n".join(lines) + "\n"


def _undecided_out_of_review(result: SystemResult, shown: int) -> list[str]:
    """Cells the gold marks undecided that the system did not send to review (each should be there)."""
    missed = [o for o in result.scores.outcomes if o.gold_ambiguous and not o.in_review]
    if not missed:
        return []
    by_style = Counter(o.style for o in missed)
    lines = [
        "",
        f"## Undecided cells not in review ({result.name}): {len(missed)}",
        "",
        ", ".join(f"{style} {n}" for style, n in sorted(by_style.items())),
        "",
    ]
    for o in missed[:shown]:
        lines.append(
            f"- `{o.case}` {'.'.join(o.key)}: gold {o.gold_value!r} ({o.gold_state}), got {o.pred_value!r} "
            f"({o.pred_state}, conf {o.confidence:.2f})"
        )
    return lines


def plot_reliability(result: SystemResult, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = calibration_summary(result)["reliability"]
    fig, ax = plt.subplots(figsize=(4, 4))
    xs = [r["confidence"] for r in table if r["n"]]
    ys = [r["accuracy"] for r in table if r["n"]]
    ax.plot([0, 1], [0, 1], "--", color="grey")
    ax.plot(xs, ys, "o-")
    ax.set_xlabel("confidence")
    ax.set_ylabel("accuracy")
    ax.set_title(f"reliability ({result.name})")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_placement_confusion(result: SystemResult, path: Path) -> Path:
    """Where printed values went: gold row vs the row of the predicted cell at the same offset."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pairs: Counter = Counter()
    for case, doc in result.docs.items():
        by_start = {c["start"]: c for c in doc["cells"] if c["start"] is not None}
        for o in result.scores.outcomes:
            if o.case == case and o.gold_start is not None:
                pred = by_start.get(o.gold_start)
                pairs[(f"{o.key[0]}.{o.key[1]}", f"{pred['table']}.{pred['row']}" if pred else "(none)")] += 1
    rows = sorted({g for g, _ in pairs})
    cols = sorted({p for _, p in pairs})
    matrix = [[pairs.get((r, c), 0) for c in cols] for r in rows]
    fig, ax = plt.subplots(figsize=(max(6, len(cols) * 0.25), max(6, len(rows) * 0.25)))
    ax.imshow(matrix, cmap="Blues", aspect="auto")
    ax.set_xticks(range(len(cols)), cols, rotation=90, fontsize=5)
    ax.set_yticks(range(len(rows)), rows, fontsize=5)
    ax.set_title(f"row placement ({result.name})")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
