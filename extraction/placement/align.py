"""Grouping value tokens into printed rows and aligning those groups with row labels.

Flattenings disagree on where a row's values sit: after the label (most dumps), before it
(PDF text prints a value line above a wrapped label), or spread over lines. A *group* is a run
of value tokens with no other text between them; the aligner gives each located label at most
one group, keeps order, only pairs a group with a label it touches (between the neighbouring
labels), and prefers groups that follow their label. PDF-to-markdown converters also print a
block of label rows with empty fields followed by the block's value rows with an empty label
field (``| 二、上年结转 |  |…`` … ``|  | 84 | 0 |…``); :func:`detached_blocks` pairs those first.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from nianbao.extraction.templates import group_headings
from nianbao.extraction.text.frames import goes_on
from nianbao.extraction.text.patterns import Label, Token, own_field, separators_only

_SEPARATORS = set(" \t\r\n|")
_EMPTY_FIRST_FIELD = re.compile(r"[ \t]*\|[ \t]*\|")  # a markdown row opening with an empty label field


@dataclass(frozen=True)
class Group:
    tokens: tuple[Token, ...]

    @property
    def start(self) -> int:
        return self.tokens[0].start

    @property
    def end(self) -> int:
        return self.tokens[-1].end


def _split_rows(tokens: list[Token], ncols: int) -> list[list[Token]]:
    """Split a run that holds several printed rows: by line when each line is a full row."""
    if len(tokens) <= ncols:
        return [tokens]
    lines: dict[int, list[Token]] = {}
    for token in tokens:
        lines.setdefault(token.line, []).append(token)
    if len(lines) > 1 and all(len(v) == ncols for v in lines.values()):
        return list(lines.values())
    if len(tokens) % ncols == 0 and all(len(v) % ncols == 0 for v in lines.values()):
        return [tokens[i : i + ncols] for i in range(0, len(tokens), ncols)]
    return [tokens]


def inline_layout(tokens: list[Token]) -> bool:
    """True when rows are printed on one line each (tab rows, PDF text, markdown).

    In one-cell-per-line dumps every line holds one value; when most values share their line
    with others, a line break ends a printed row.
    """
    values = [t for t in tokens if not t.blank]
    if not values:
        return False
    per_line: dict[int, int] = {}
    for token in values:
        per_line[token.line] = per_line.get(token.line, 0) + 1
    shared = sum(1 for t in values if per_line[t.line] > 1)
    return shared / len(values) > 0.5


def group_tokens(
    norm: str, tokens: list[Token], ncols: int, breaks: list[int] = (), inline: bool = False
) -> list[Group]:
    """Runs of tokens separated only by whitespace or pipes, split into printed rows.

    ``breaks`` are offsets (label starts) that always end a run; with ``inline`` a line break
    ends a run too.
    """
    runs: list[list[Token]] = []
    sorted_breaks = sorted(breaks)
    for token in tokens:
        if runs:
            previous = runs[-1][-1]
            between = norm[previous.end : token.start]
            after = bisect_left(sorted_breaks, previous.end)  # the first break at or after the previous token
            crosses = after < len(sorted_breaks) and sorted_breaks[after] < token.start
            crosses = crosses or (inline and token.line != previous.line)
            if not crosses and set(between) <= _SEPARATORS:
                runs[-1].append(token)
                continue
        runs.append([token])
    return [Group(tuple(part)) for run in runs for part in _split_rows(run, ncols) if part]


def align(
    labels: list[Label], groups: list[Group], region_end: int, paired: frozenset[str] = frozenset()
) -> dict[str, Group]:
    """Assign groups to labels: monotone, one group per label, adjacency required.

    Dynamic programme over (label i, group j): the score counts assigned groups first, then
    groups that follow their label. Labels of ``paired`` rows (given their values already) take
    no group but still bound their neighbours': no row reaches across them.
    """
    n_labels, n_groups = len(labels), len(groups)
    if not n_labels or not n_groups:
        return {}

    best = [[0] * (n_groups + 1) for _ in range(n_labels + 1)]
    choice = [[0] * (n_groups + 1) for _ in range(n_labels + 1)]
    starts, ends = [g.start for g in groups], [g.end for g in groups]
    for i in range(n_labels - 1, -1, -1):
        lower = labels[i - 1].end if i > 0 else -1
        upper = labels[i + 1].start if i + 1 < n_labels else region_end
        label_start, label_end = labels[i].start, labels[i].end
        here, below, steps = best[i], best[i + 1], choice[i]
        for j in range(n_groups - 1, -1, -1):
            # the best of (skip the label, 1), (skip the group, 2), (pair them, 3): ties to the higher step
            value, step = below[j], 1
            if here[j + 1] >= value:
                value, step = here[j + 1], 2
            if lower <= starts[j] and ends[j] <= upper and labels[i].row not in paired:  # within its neighbours' bounds
                score = 22 if starts[j] >= label_end else 20 if ends[j] <= label_start else 0
                if score and score + below[j + 1] >= value:
                    value, step = score + below[j + 1], 3
            here[j], steps[j] = value, step
    result: dict[str, Group] = {}
    i = j = 0
    while i < n_labels and j < n_groups:
        step = choice[i][j]
        if step == 3:
            result[labels[i].row] = groups[j]
            i, j = i + 1, j + 1
        elif step == 1:
            i += 1
        else:
            j += 1
    return result


def detached_blocks(norm: str, labels: list[Label], groups: list[Group], region_end: int) -> dict[str, Group | None]:
    """Value rows printed below the label rows they belong to, paired with them in order.

    A run of lines that open with an empty markdown field (``|  | 84 | 0 |``, or every field
    empty) and hold no row label is a detached block's value rows: they belong to the label rows just above the run
    (after the nearest group before it), the last of them when there are more: the row above
    a detached block is its last row. A row whose value line prints no value pairs with None
    (its cells are empty). Runs with fewer label rows above than lines are left to :func:`align`.
    Blank lines (a page footer is masked blank) do not end a run: a page break inside a block.
    """
    paired: dict[str, Group | None] = {}
    run: list[tuple[int, int]] = []
    starts = sorted(label.start for label in labels)
    for line in [*_lines(norm, labels[0].start if labels else region_end, region_end), None]:
        if line is not None and _EMPTY_FIRST_FIELD.match(norm, line[0]) and not _holds(starts, *line):
            run.append(line)
            continue
        if line is not None and not norm[line[0] : line[1]].strip():
            continue  # a blank line, or a page footer (masked): the block goes on across a page break
        if run:
            paired.update(_pair_block(labels, groups, run))
        run = []
    return paired


def _holds(starts: list[int], start: int, end: int) -> bool:
    """True when a label starts in ``[start, end)``: a row of its own, not a detached value row
    (``|  | 3.其他 | 8 |…``: a merged label's empty first cell before the row's own label)."""
    at = bisect_left(starts, start)
    return at < len(starts) and starts[at] < end


def _pair_block(labels: list[Label], groups: list[Group], run: list[tuple[int, int]]) -> dict[str, Group | None]:
    previous_group = max((g.end for g in groups if g.end <= run[0][0]), default=-1)
    above = [label for label in labels if previous_group < label.start < run[0][0]]
    if len(above) < len(run):
        return {}
    on_line = {start: next((g for g in groups if start <= g.start < end), None) for start, end in run}
    return {label.row: on_line[start] for label, (start, _) in zip(above[-len(run) :], run, strict=True)}


def _lines(norm: str, start: int, end: int) -> list[tuple[int, int]]:
    """``(start, end)`` of every line that begins in ``[start, end)``."""
    out = []
    line_start = norm.rfind("\n", 0, start) + 1
    while line_start < end:
        line_end = norm.find("\n", line_start)
        line_end = len(norm) if line_end < 0 else line_end
        out.append((line_start, line_end))
        line_start = line_end + 1
    return out


def fitted(tokens: list[Token], n_cols: int) -> list[Token]:
    """A row that prints more cells than its columns sheds printed-empty cells at its ends: first
    the trailing ones (an empty line cut at the next heading, the next row's filler), then the
    leading ones (a merged cell printed cell by cell: a converter's empty ``<td>`` beside a label
    spanning columns, a table's empty corner); what still does not fit stays (the first columns)."""
    start, end = 0, len(tokens)
    while end - start > n_cols and tokens[end - 1].blank:
        end -= 1
    while end - start > n_cols and tokens[start].blank:
        start += 1
    return tokens[start:end]


def below_header(norm: str, start: int, tokens: list[Token], words: tuple[str, ...]) -> list[Token]:
    """A one-row table's tokens (the appeals row) less the printed-empty cells among its header.

    A converter that prints a merged header cell as empty cells (no colspan) puts them between
    the column words (``行政复议 | | | | 行政诉讼``): they are not the row's cells, and with the
    row's own empty cells they cannot be told apart by count. Blank tokens before the last of
    ``words`` (the column labels) printed before the first value are dropped; a transposed
    table prints its row labels after its column words, so its rows' empty cells stay.
    """
    first = next((token.start for token in tokens if not token.blank), None)
    if first is None:
        return tokens
    pattern = re.compile("|".join(map(re.escape, words)))
    end = max((match.end() for match in pattern.finditer(norm, start, first)), default=start)
    return [token for token in tokens if not (token.blank and token.start < end)]


def kept_tokens(norm: str, tokens: list[Token], keep) -> tuple[list[Token], list[Token]]:
    """``tokens`` split into cells and those set aside: ``keep`` (the tagger) drops page numbers,
    years and chrome, but a dropped number printed in a field of its own right beside a kept
    cell, only separators between (``0\n0\n2\n\n二、…``), is among a row's values: it stays a
    cell, and :func:`holds_any` sends its row to review."""
    kept, dropped = [], []
    for token in tokens:
        (kept if keep(token) else dropped).append(token)
    if not dropped or not kept:
        return kept, dropped
    starts = [token.start for token in kept]
    rescued = {id(t) for t in dropped if own_field(norm, t) and _beside_kept(norm, t, kept, starts)}
    if rescued:
        kept = sorted(kept + [t for t in dropped if id(t) in rescued], key=lambda t: t.start)
    return kept, dropped


def _beside_kept(norm: str, token: Token, kept: list[Token], starts: list[int]) -> bool:
    """A kept cell right before or after ``token`` with only separators between them."""
    at = bisect_left(starts, token.start)
    neighbours = ([kept[at - 1]] if at else []) + ([kept[at]] if at < len(kept) else [])
    return any(_next_to(norm, token, other.start, other.end) for other in neighbours)


def _next_to(norm: str, token: Token, start: int, end: int) -> bool:
    """``token`` right before ``start`` or right after ``end``, only separators between."""
    if token.start >= end:
        return separators_only(norm[end : token.start])
    return token.end <= start and separators_only(norm[token.end : start])


def holds_any(norm: str, row: tuple[Token, ...] | list[Token], dropped: list[Token]) -> bool:
    """True when a dropped token sits among a row's cells: between its first and last cell, or
    next to them with only separators between (a number printed among the row's values that was
    set aside as not a cell; chrome is set off by text or sits between rows), so the row's
    reading is not sure."""
    if not row:
        return False
    first, last = row[0].start, row[-1].end
    return any(first < token.start < last or _next_to(norm, token, first, last) for token in dropped)


def printed_empty(norm: str, labels: list[Label], row: str) -> bool:
    """The row's label is followed by nothing but separators (and its own label again, in the
    cells of a merged label printed cell by cell) up to the line of the next label: a row printed
    with every cell empty, not a group heading over sub-rows whose labels were not read. The
    lines of a framed row that carry on its label's wrapped text (``frames.goes_on``:
    ``| （六）其他处 |  |`` then ``| 理 |  |``) are its label's."""
    ordered = sorted(labels, key=lambda label: label.start)
    for label, following in zip(ordered, ordered[1:], strict=False):
        if label.row == row:
            line_start = norm.rfind("\n", label.end, following.start)
            rest = norm[label.end : following.start if line_start < 0 else line_start]
            own = norm[label.start : label.end]
            head, *more = rest.split("\n")
            lines = [norm[norm.rfind("\n", 0, label.start) + 1 : label.end] + head, *more]  # whole lines
            wrapped = {i for i in range(1, len(lines)) if goes_on(lines[i], lines[i - 1])}
            fields = [f for i, line in enumerate([head, *more]) if i not in wrapped for f in re.split(r"[|\t]", line)]
            return all(own in field or separators_only(field) or _heading(field) for field in fields)
    return False


def _heading(field: str) -> bool:
    """True for a group heading of the table printed in its own field (a merged label cell
    repeated on every row it spans: ``三、本年度办理结果``)."""
    return "".join(field.split()) in group_headings()


def merge_labels(found: list[Label], extra: list[Label], order: list[str]) -> list[Label]:
    """Add model-found labels, keeping text order and template order consistent."""
    merged = sorted(found + extra, key=lambda label: label.start)
    kept: list[Label] = []
    for label in merged:
        if kept and order.index(label.row) < order.index(kept[-1].row):
            if label in extra:
                continue
            kept = [k for k in kept if k not in extra or order.index(k.row) < order.index(label.row)]
        kept.append(label)
    return kept
