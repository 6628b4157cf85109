"""What nianbao series writes: series.json, series.csv, checks.csv and one plot per agency."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

SCHEMA = "nianbao.series/1"

PLOTTED = (("new_received", "received"), ("granted", "granted"), ("carried_over", "carried over"))

SERIES_FIELDS = (
    ("requests", "new_received", "total"),
    ("requests", "carried_over", "total"),
    ("requests", "granted", "total"),
    ("requests", "partially_granted", "total"),
    ("requests", "total_processed", "total"),
    ("requests", "carried_forward", "total"),
    ("active", "normative_docs", "in_force"),
    ("active", "rules", "in_force"),
)


def failed(entry: dict[str, Any]) -> list[dict[str, Any]]:
    """The checks of one agency that failed (errors and warnings)."""
    return [c for c in entry["checks"] if c["ok"] is False]


def _slug(name: str) -> str:
    return re.sub(r"[\\/:*?\"<>|\s]+", "_", name)[:80] or "agency"


def plot_agency(entry: dict[str, Any], path: Path) -> None:
    """A PNG of received / granted / carried over across the agency's years."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    cjk = [
        f.name
        for f in font_manager.fontManager.ttflist
        if re.search(r"CJK|WenQuanYi|Han Sans|SimHei|Droid Sans Fallback", f.name)
    ]
    years = [y["year"] for y in entry["years"]]
    fig, ax = plt.subplots(figsize=(7, 4))
    for row, label in PLOTTED:
        values = [y["values"][f"requests.{row}.total"] for y in entry["years"]]
        ax.plot(years, [float("nan") if v is None else v for v in values], marker="o", label=label)
    for check in failed(entry):
        if check["rule"].startswith("series.carry.total"):
            ax.axvspan(check["from_year"], check["to_year"], color="red", alpha=0.12)
    # without a CJK font the name would print as boxes: the file name carries it instead
    title = entry["agency"] if cjk else f"{len(years)} reports, {min(years)}-{max(years)} (agency: see file name)"
    if cjk:
        plt.rcParams["font.sans-serif"] = [cjk[0], *plt.rcParams["font.sans-serif"]]
    ax.set_title(title)
    ax.set_xlabel("year")
    ax.set_ylabel("requests (total column)")
    ax.set_xticks(years)
    ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)


def write_outputs(
    series: list[dict[str, Any]], skipped: list[dict[str, str]], out: Path, plots: bool = True
) -> dict[str, Any]:
    """series.json, series.csv, checks.csv and one PNG per agency; returns the JSON document."""
    out.mkdir(parents=True, exist_ok=True)
    for entry in series:
        entry["plot"] = f"plots/{_slug(entry['agency'])}.png" if plots and entry["years"] else None
        if entry["plot"]:
            plot_agency(entry, out / entry["plot"])
    doc = {"schema": SCHEMA, "agencies": series, "skipped": skipped}
    (out / "series.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1), "utf-8")
    with (out / "series.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            ["agency", "year", "source", "template", *[".".join(k) for k in SERIES_FIELDS], "failed_checks"]
        )
        for entry in series:
            for year in entry["years"]:
                rules = sorted(
                    {c["rule"] for c in failed(entry) if year["year"] in (c.get("from_year"), c.get("to_year"))}
                )
                writer.writerow(
                    [
                        entry["agency"],
                        year["year"],
                        year["source"],
                        year["template"],
                        *[_csv(year["values"][".".join(k)]) for k in SERIES_FIELDS],
                        " ".join(rules),
                    ]
                )
    with (out / "checks.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            [
                "agency",
                "rule",
                "severity",
                "from_year",
                "to_year",
                "detail",
                "prev_source",
                "prev_cell",
                "prev_raw",
                "prev_start",
                "prev_end",
                "cur_source",
                "cur_cell",
                "cur_raw",
                "cur_start",
                "cur_end",
            ]
        )
        for entry in series:
            for check in failed(entry):
                spans = check["cells"]
                prev, cur = (spans[0], spans[-1]) if spans else ({}, {})
                writer.writerow(
                    [
                        entry["agency"],
                        check["rule"],
                        check["severity"],
                        check.get("from_year", ""),
                        check.get("to_year", ""),
                        check["detail"],
                        *_span_csv(prev),
                        *_span_csv(cur),
                    ]
                )
    return doc


def _csv(value: Any) -> str:
    return "" if value is None else str(value)


def _span_csv(span: dict[str, Any]) -> list[str]:
    if not span:
        return ["", "", "", "", ""]
    cell = f"{span['table']}.{span['row']}.{span['col']}"
    return [span["source"], cell, _csv(span["raw"]), _csv(span["start"]), _csv(span["end"])]
