"""Real reports rebuilt as web pages and Word documents, at test time, from their gold cells.

A report's three tables are laid out as the standard forms print them (merged header cells,
a 三、本年度办理结果 label spanning the result rows, the appeals values in one row) with the
values the gold annotation records; the report's own paragraphs (read from ``../shared``) go
around them. Nothing of a report's text is stored in the repository.
"""

from __future__ import annotations

import html
import io
import json
import re
import unicodedata
from dataclasses import dataclass

from nianbao.extraction.templates import template_data

from .conftest import GOLD_DIR, SHARED

_TM = template_data()
_GROUPS = {
    "denied": "（三）不予公开",
    "unavailable": "（四）无法提供",
    "not_processed": "（五）不予处理",
    "other": "（六）其他处理",
}
_OUTER = ("new_received", "carried_over", "carried_forward")


@dataclass
class Cell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    key: tuple[str, str, str] | None = None  # (table, row, col) for a value cell


Row = list[Cell]


def _value(cells: dict, table: str, row: str, col: str, colspan: int = 1) -> Cell:
    gold = cells[(table, row, col)]
    return Cell(gold["raw"], colspan=colspan, key=(table, row, col))


def _active(template: str, cells: dict) -> list[Row]:
    spec = _TM["active"][template]
    rows: list[Row] = []
    previous: tuple[str, ...] = ()
    for item in spec["rows"]:
        cols = tuple(item["cols"])
        if cols != previous or len(cols) == 1:
            heads = [Cell(spec["cols"][c][0]) for c in cols]
            heads[-1].colspan = 4 - len(cols)
            rows += [[Cell("第二十条", colspan=4)], [Cell("信息内容"), *heads]]
            previous = cols
        values = [_value(cells, "active", item["key"], c) for c in cols]
        values[-1].colspan = 4 - len(cols)
        rows.append([Cell(item["label"]), *values])
    return rows


def _requests(cells: dict) -> list[Row]:
    printed = {r for (t, r, _), c in cells.items() if t == "requests" and c["state"] != "missing"}
    specs = [r for r in _TM["requests_rows"] if r["key"] in printed]
    cols = [c for c, _ in _TM["requests_cols"]]
    results = [r["key"] for r in specs if r["key"] not in _OUTER]
    rows: list[Row] = [
        [Cell("", 3, 3), Cell("申请人情况", colspan=7)],
        [Cell("自然人", 2), Cell("法人或其他组织", colspan=5), Cell("总计", 2)],
        [Cell(label) for _, label in _TM["requests_cols"][1:-1]],
    ]
    for spec in specs:
        key = spec["key"]
        values = [_value(cells, "requests", key, c) for c in cols]
        if key in _OUTER:
            rows.append([Cell(spec["printed"], colspan=3), *values])
            continue
        row = [Cell("三、本年度办理结果", len(results))] if key == results[0] else []
        group = next((g for g in _GROUPS if key.startswith(g + "_")), None)
        if group is None:
            row.append(Cell(spec["printed"], colspan=2))
        else:
            members = [k for k in results if k.startswith(group + "_")]
            if key == members[0]:
                row.append(Cell(_GROUPS[group], len(members)))
            row.append(Cell(spec["printed"]))
        rows.append(row + values)
    return rows


def _appeals(cells: dict) -> list[Row]:
    labels = [label for _, label in _TM["appeals_cols"]]
    return [
        [Cell("行政复议", colspan=5), Cell("行政诉讼", colspan=10)],
        [Cell(label, 2) for label in labels] + [Cell("未经复议直接起诉", colspan=5), Cell("复议后起诉", colspan=5)],
        [Cell(label) for label in labels * 2],
        [_value(cells, "appeals", row, col) for row, _ in _TM["appeals_rows"] for col, _ in _TM["appeals_cols"]],
    ]


@dataclass
class Report:
    gold: dict
    paragraphs: tuple[list[str], list[str], list[str], list[str]]  # around the three tables
    tables: tuple[list[Row], list[Row], list[Row]]

    def blank_zeros(self) -> None:
        """Print every value 0 as an empty cell (as many reports do)."""
        for table in self.tables:
            for row in table:
                for cell in row:
                    if cell.key and cell.text == "0":
                        cell.text = ""

    def unmerge(self) -> None:
        """Print every merged cell as separate cells, its text in the first and the rest empty
        (no rowspan/colspan), as some converters do."""
        self.tables = tuple(_unmerged(table) for table in self.tables)  # type: ignore[assignment]

    def expected(self) -> dict[tuple[str, str, str], tuple[object, str]]:
        found = {c.key: c.text for t in self.tables for row in t for c in row if c.key}
        out = {}
        for cell in self.gold["cells"]:
            key = (cell["table"], cell["row"], cell["col"])
            if key in found and not found[key].strip():
                out[key] = (None, "blank")
            else:
                out[key] = (cell["value"], cell["state"])
        return out


def _unmerged(table: list[Row], repeat: bool = False) -> list[Row]:
    """The table's grid: a merged cell's text in its first cell, the others empty (``repeat``:
    its text in each of them, as docling prints a merged cell)."""
    taken: dict[tuple[int, int], Cell] = {}
    for r, row in enumerate(table):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    first = dr == 0 and dc == 0
                    taken[r + dr, c + dc] = (
                        Cell(cell.text, key=cell.key) if first else Cell(cell.text if repeat else "")
                    )
            c += cell.colspan
    width = max(c for _, c in taken) + 1
    return [[taken.get((r, c), Cell("")) for c in range(width)] for r in range(len(table))]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in re.split(r"\n+", text) if line.strip()]


def load_report(stem: str) -> Report:
    """A real text report's gold, paragraphs and tables (the tables' own text left out)."""
    gold = json.loads((GOLD_DIR / f"{stem}.json").read_text("utf-8"))
    text = (SHARED / gold["source"]).read_text("utf-8")
    sec = {s["number"]: s for s in gold["sections"]}

    def line_end(i: int) -> int:
        end = text.find("\n", i)
        return len(text) if end < 0 else end

    after = _lines(text[text.rfind("\n", 0, sec[5]["start"]) + 1 :]) if 5 in sec else []
    paragraphs = (_lines(text[: line_end(sec[2]["start"])]), [sec[3]["title"]], [sec[4]["title"]], after)
    cells = {(c["table"], c["row"], c["col"]): c for c in gold["cells"]}
    tables = (_active(gold["report"]["template"], cells), _requests(cells), _appeals(cells))
    return Report(gold, paragraphs, tables)


def page(report: Report, cell_html=html.escape, omit_trailing_empty: bool = False, empty: str = "") -> bytes:
    """The report as a web page: ``<p>`` paragraphs, tables with rowspan/colspan; an empty
    cell holds ``empty``."""
    parts = ['<!doctype html><html><head><meta charset="utf-8"></head><body><div class="TRS_Editor">']
    for paragraphs, table in zip(report.paragraphs, (*report.tables, []), strict=True):
        parts += [f"<p>{html.escape(p)}</p>" for p in paragraphs]
        if not table:
            continue
        parts.append('<table border="1">')
        for row in table:
            cells = list(row)
            while omit_trailing_empty and len(cells) > 1 and cells[-1].key and not cells[-1].text.strip():
                cells.pop()
            spans = [f'<td rowspan="{c.rowspan}" colspan="{c.colspan}">' for c in cells]
            tds = "".join(
                f"{td}{cell_html(c.text) if c.text else empty}</td>" for td, c in zip(spans, cells, strict=True)
            )
            parts.append(f"<tr>{tds}</tr>")
        parts.append("</table>")
    parts.append("</div></body></html>")
    return "\n".join(parts).encode("utf-8")


def scraped_text(report: Report, separator: str = "") -> bytes:
    """The report's web page (:func:`page`) as a scraper's text: tags dropped, each cell's text
    followed by ``separator`` (BeautifulSoup's ``get_text()`` gives none: a row's values run
    together after its label, ``一、本年新收…210000021``), each table row on a line."""
    text = re.sub(r"<[^>]+>", "", page(report).decode("utf-8").replace("</td>", "</td>" + separator))
    return html.unescape(text).encode("utf-8")


def markdown(report: Report, wrapper: str = "<html><body>{}</body></html>") -> bytes:
    """The report as a PDF converter's markdown (MinerU, marker): paragraphs as lines between
    blank lines, section titles as ``#`` headings, each table as one line of HTML (``wrapper``
    around ``<table>``: MinerU writes ``<html><body><table>``), merged cells as rowspan/colspan."""
    parts = []
    for paragraphs, table in zip(report.paragraphs, (*report.tables, []), strict=True):
        parts += [f"# {p}" if re.match(r"[一二三四五六]、", p) else p for p in paragraphs]
        if table:
            rows = "".join(
                "<tr>" + "".join(_td(c) + html.escape(c.text) + "</td>" for c in row) + "</tr>" for row in table
            )
            parts.append(wrapper.format(f"<table>{rows}</table>"))
    return "\n\n".join(parts).encode("utf-8")


def delimited_text(report: Report, separator: str = ",", wrap: int = 0) -> bytes:
    """The report as text with its tables saved from a spreadsheet (CSV) or copied out of one
    (tab-separated): one line per table row, a merged cell's text in its first field and its
    other fields empty, a CSV field holding a comma quoted; ``wrap``: a label cell longer than
    that printed over two lines, quoted (a cell of several lines)."""
    parts = []
    for paragraphs, table in zip(report.paragraphs, (*report.tables, []), strict=True):
        parts += paragraphs
        if table:
            grid = [[_two_lines(c.text, 0 if c.key else wrap) for c in row] for row in _unmerged(table)]
            quoted = [[f'"{t}"' if separator in t or "\n" in t else t for t in row] for row in grid]
            parts.append("\n".join(separator.join(row) for row in quoted))
    return "\n\n".join(parts).encode("utf-8")


def tables_last(report: Report) -> bytes:
    """The report as a Word file's text written paragraphs first and tables after (python-docx's
    ``document.paragraphs``, then each table's rows as tab-joined cells, a merged cell's text in
    each of its cells): the headings of sections 二 to 四 stand empty, the tables at the end."""
    parts = [p for paragraphs in report.paragraphs for p in paragraphs]
    for table in report.tables:
        grid = [[cell.text for cell in row] for row in _unmerged(table, repeat=True)]
        parts.append("\n".join("\t".join(row) for row in grid))
    return "\n".join(parts).encode("utf-8")


def _two_lines(text: str, wrap: int) -> str:
    return text[:wrap] + "\n" + text[wrap:] if wrap and len(text) > wrap else text


def pipe_markdown(report: Report, framed: bool = True, repeat: bool = False) -> bytes:
    """The report as a converter's markdown with pipe tables: a merged cell's text in its first
    cell and its other cells empty (pandoc), or in each of them (``repeat``: docling), a rule
    under the first row; ``framed=False`` leaves out the outer pipes (html2text: ``a | b | c``)."""
    parts = []
    for paragraphs, table in zip(report.paragraphs, (*report.tables, []), strict=True):
        parts += paragraphs
        if table:
            grid = _unmerged(table, repeat)
            rows = [" | ".join(cell.text for cell in row) for row in grid]
            rows.insert(1, "|".join(["---"] * len(grid[0])))
            parts.append("\n".join(f"| {row} |" if framed else row for row in rows))
    return "\n\n".join(parts).encode("utf-8")


def box_table_text(report: Report) -> bytes:
    """:func:`grid_table_text` drawn with box characters (``┌──┬──┐``, ``│ a │ b │``, ``├──┼──┤``),
    as consoles and some converters draw tables."""
    lines = grid_table_text(report).decode("utf-8").split("\n")
    rules = [i for i, line in enumerate(lines) if line.startswith("+")]
    for i in rules:
        opens = i == 0 or not lines[i - 1].startswith("|")
        closes = i + 1 == len(lines) or not lines[i + 1].startswith("|")
        left, cross, right = "┌┬┐" if opens else "└┴┘" if closes else "├┼┤"
        body = lines[i][1:-1].replace("+", cross).replace("-", "─").replace("=", "═")
        lines[i] = left + body + right
    return "\n".join(line.replace("|", "│") if line.startswith("|") else line for line in lines).encode("utf-8")


def grid_table_text(report: Report, wrap: int = 0, rules: bool = True) -> bytes:
    """The report with its tables as grid tables (pandoc's grid tables, tabulate's and database
    consoles' ``+----+----+`` frames): a rule line between rows, ``=`` under the first, a merged
    cell's text in its first cell and its other cells empty, each column padded to its width;
    ``wrap``: a label cell's text wrapped over lines of that many characters (pandoc's multi-line
    cells: ``| 5.要求行政机关 | 0 |`` then ``| 确认或重新出具 |   |``); without ``rules`` the rule
    lines are left out (a Word reader's or a console's framed table without horizontal lines)."""
    parts = []
    for paragraphs, table in zip(report.paragraphs, (*report.tables, []), strict=True):
        parts += paragraphs
        if table:
            grid = [[_wrapped(cell.text, 0 if cell.key else wrap) for cell in row] for row in _unmerged(table)]
            widths = [max(len(line) for row in grid for line in row[c]) for c in range(len(grid[0]))]
            rule = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
            lines = [rule]
            for r, row in enumerate(grid):
                for k in range(max(len(cell) for cell in row)):
                    texts = [cell[k] if k < len(cell) else "" for cell in row]
                    lines.append("| " + " | ".join(t.ljust(w) for t, w in zip(texts, widths, strict=True)) + " |")
                lines.append(rule.replace("-", "=") if r == 0 else rule)
            parts.append("\n".join(line for line in lines if rules or not line.startswith("+")))
    return "\n\n".join(parts).encode("utf-8")


def cell_lines(report: Report, repeat: bool = True) -> bytes:
    """The report with every table cell on a line of its own, row after row, an empty cell an
    empty line (a converter's or a copy's one-cell-a-line text); ``repeat``: a merged cell's
    text in each cell it spans (``三、本年度办理结果`` on every row it heads)."""
    parts = []
    for paragraphs, table in zip(report.paragraphs, (*report.tables, []), strict=True):
        parts += paragraphs
        parts += [cell.text for row in _unmerged(table, repeat=repeat) for cell in row] if table else []
    return "\n".join(parts).encode("utf-8")


def _wrapped(text: str, width: int) -> list[str]:
    if not width or len(text) <= width:
        return [text]
    return [text[i : i + width] for i in range(0, len(text), width)]


def _td(cell: Cell) -> str:
    spans = "".join(f' {name}="{n}"' for name, n in (("rowspan", cell.rowspan), ("colspan", cell.colspan)) if n > 1)
    return f"<td{spans}>"


def word(report: Report, wrap_value=None, edit_table=None) -> bytes:
    """The report as a Word document (merged cells as gridSpan/vMerge); ``wrap_value(run)``
    may move each value cell's run into another element (a tracked insertion, a control) and
    ``edit_table(tbl)`` may rework each table's ``w:tbl`` element."""
    import docx

    document = docx.Document()
    for paragraphs, table in zip(report.paragraphs, (*report.tables, []), strict=True):
        for p in paragraphs:
            document.add_paragraph(p)
        if table:
            _word_table(document, table, wrap_value)
            if edit_table:
                edit_table(document.tables[-1]._tbl)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _word_table(document, rows: list[Row], wrap_value) -> None:
    taken: dict[tuple[int, int], bool] = {}
    origin = []
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            origin.append((cell, r, c))
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken[(r + dr, c + dc)] = True
            c += cell.colspan
    table = document.add_table(rows=len(rows), cols=max(c for _, c in taken) + 1)
    for cell, r, c in origin:
        target = table.cell(r, c)
        if cell.rowspan > 1 or cell.colspan > 1:
            target = target.merge(table.cell(r + cell.rowspan - 1, c + cell.colspan - 1))
        target.text = cell.text
        if wrap_value and cell.key and cell.text:
            for run in target.paragraphs[0]._p.xpath("./w:r"):
                wrap_value(run)


def labels_below_values(report: Report, every: int = 1) -> bytes:
    """The report as markitdown prints a PDF's tables: pipe rows whose label cells came out
    empty, each row's label on a line of its own below its values (every ``every``-th row of
    the requests table; the others keep their label in the row)."""
    parts = []
    for paragraphs, table in zip(report.paragraphs, (*report.tables, []), strict=True):
        parts += paragraphs
        if not table:
            continue
        lines = []
        for index, row in enumerate(_unmerged(table)):
            texts = [cell.text for cell in row]
            labels = [text for cell, text in zip(row, texts, strict=True) if not cell.key and text.strip()]
            moved = table is report.tables[1] and labels and any(cell.key for cell in row) and index % every == 0
            values = ["" if not cell.key else text for cell, text in zip(row, texts, strict=True)]
            lines.append("| " + " | ".join(values if moved else texts) + " |")
            if moved:
                lines.append(" ".join(labels))
        parts.append("\n".join(lines))
    return "\n\n".join(parts).encode("utf-8")


def fixed_width(report: Report, count: str = "display") -> bytes:
    """The report with its tables padded with spaces into columns, an empty cell printed as
    spaces: widths counted in display columns, an ideograph two wide (a console's padding), or
    in characters (lynx's ``-dump``); a merged cell's text in its first cell."""

    def width(text: str) -> int:
        if count == "chars":
            return len(text)
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

    parts = []
    for paragraphs, table in zip(report.paragraphs, (*report.tables, []), strict=True):
        parts += paragraphs
        if table:
            grid = [[cell.text for cell in row] for row in _unmerged(table)]
            widths = [max(width(row[c]) for row in grid) + 2 for c in range(len(grid[0]))]
            lines = ["".join(t + " " * (w - width(t)) for t, w in zip(row, widths, strict=True)) for row in grid]
            parts.append("\n".join(line.rstrip() for line in lines))
    return "\n\n".join(parts).encode("utf-8")
