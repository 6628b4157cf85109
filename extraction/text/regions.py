"""Where each statistics table sits: between its section heading and whatever comes next.

When a heading is missing (a garbled dump, a page that starts mid-report, a numbering the
headings finder does not read), anchor words that only the table prints stand in for it,
searched between the headings found around it. A region ends at the first thing after its
start that is not its table: a later heading or the start of another table (its heading or
its anchor), so that one missed heading never lets a table's region swallow the next table.
A region with no printed value and no word only its table prints holds no table (None).
"""

from __future__ import annotations

import re

from nianbao.extraction.templates import template_data
from nianbao.extraction.text.headings import printed_again
from nianbao.extraction.text.normalize import NormText
from nianbao.extraction.text.patterns import Section, find_tokens

_REGIONS = template_data()["regions"]


def _any_of(words: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(map(re.escape, words)))


# Words that stand in for a table's missing heading: the first one its table prints.
_ANCHORS = {name: _any_of(words) for name, words in _REGIONS["anchors"].items()}
# Words only a table prints (its header and labels): a region with none of them and no printed
# value holds no table (四 saying 本年度未发生行政复议…), so its cells are missing, not blank.
_TABLE_WORDS = {name: _any_of(words) for name, words in _REGIONS["table_words"].items()}
_EACH_WORD = {name: [_any_of([word]) for word in words] for name, words in _REGIONS["table_words"].items()}
_SECTION_OF: dict[str, int] = _REGIONS["section"]  # the section each table is printed in
_APPEALS_SPAN = 2500
_TABLE_SPAN = 600  # a table's header words stand this close to its anchor

Regions = dict[str, tuple[int, int] | None]


def _anchor(nt: NormText, name: str, start: int, end: int | None = None) -> int | None:
    hit = nt.search(_ANCHORS[name], start, end)
    return hit[1][0] if hit else None


def _anchor_between(nt: NormText, sections: list[Section], name: str, low: int, high: int | None) -> int | None:
    """The table's anchor after ``low``, the headings before its own and before ``high`` and the
    headings after its own."""
    number = _SECTION_OF[name]
    start = max([low, *(s.end for s in sections if s.number < number)])
    ends = [s.start for s in sections if s.number > number] + ([high] if high is not None else [])
    return _anchor(nt, name, start, min(ends) if ends else None)


def _starts(nt: NormText, sections: list[Section]) -> dict[str, int | None]:
    """Where each table's region starts: after its heading, else at its anchor (the requests
    anchor first: it bounds the other two)."""
    by_number = {s.number: s.end for s in sections}
    requests = by_number.get(3)
    if requests is None:
        requests = _anchor_between(nt, sections, "requests", 0, None)
    active = by_number.get(2)
    if active is None:
        active = _anchor_between(nt, sections, "active", 0, requests)
    appeals = by_number.get(4)
    if appeals is None and requests is not None:  # 行政复议 alone is too common a word to search blind
        appeals = _anchor_between(nt, sections, "appeals", requests, None)
    return {"active": active, "requests": requests, "appeals": appeals}


def find_regions(nt: NormText, sections: list[Section]) -> Regions:
    """Offsets ``(start, end)`` of the active, requests and appeals tables, or None."""
    starts = _starts(nt, sections)
    text_end = len(nt.original)
    bounds = [s.start for s in sections] + [s for s in starts.values() if s is not None]
    regions: Regions = {}
    for name, start in starts.items():
        if start is None:
            regions[name] = None
            continue
        later = [b for b in [*bounds, starts_over(nt, name, start)] if b is not None and b > start]
        if later:
            end = min(later)
        else:
            end = min(text_end, start + _APPEALS_SPAN) if name == "appeals" else text_end
        end = _next_table(nt, name, start, end)
        regions[name] = (start, end) if _holds_table(nt, name, start, end) else None
    return _printed_after_the_text(nt, sections, regions)


def starts_over(nt: NormText, name: str, start: int) -> int | None:
    """Where the report is printed again after ``start`` inside table ``name``'s section: a
    heading of an earlier section (its repeated headings are no sections: each is found once)."""
    return printed_again(nt, start, _SECTION_OF[name])


def _printed_after_the_text(nt: NormText, sections: list[Section], regions: Regions) -> Regions:
    """Tables missing under their headings but printed after the last section (a Word file's
    text written paragraphs first and tables after: python-docx's ``paragraphs`` then
    ``tables``): each found by its anchor after the last heading and the table before it, where
    two or more words only it prints stand (a mention in the closing prose is no table)."""
    missing = [name for name, region in regions.items() if region is None]
    if not missing or not sections:
        return regions
    cursor, text_end = max(s.end for s in sections), len(nt.original)
    for name in ("active", "requests", "appeals"):
        if name not in missing:
            continue
        start = _anchor(nt, name, cursor)
        if start is None:
            continue
        others = [_anchor(nt, other, start + 1) for other in ("active", "requests", "appeals") if other != name]
        end = min([a for a in others if a is not None], default=text_end)  # the next table's anchor
        if name == "appeals":
            end = min(end, start + _APPEALS_SPAN)
        if _distinct_words(nt, name, start, end) >= 2:
            regions[name], cursor = (start, end), start
    return regions


def _next_table(nt: NormText, name: str, start: int, end: int) -> int:
    """``end``, or where another table starts before it: its anchor with two or more words only
    it prints within ``_TABLE_SPAN`` (a report printing its tables again, as an annex, after the
    appeals table, whose repeated headings are no sections: each is found once)."""
    for other in (other for other in _ANCHORS if other != name):
        cursor = start + 1
        while (hit := nt.search(_ANCHORS[other], cursor, end)) is not None:
            at = hit[1][0]
            if _distinct_words(nt, other, at, min(at + _TABLE_SPAN, len(nt.original))) >= 2:
                end = at
                break
            cursor = hit[1][1]
    return end


def _distinct_words(nt: NormText, name: str, start: int, end: int) -> int:
    return sum(1 for word in _EACH_WORD[name] if nt.search(word, start, end))


def _holds_table(nt: NormText, name: str, start: int, end: int) -> bool:
    """A printed value or a word only the table prints between two offsets."""
    return bool(find_tokens(nt, start, end)) or nt.search(_TABLE_WORDS[name], start, end) is not None
