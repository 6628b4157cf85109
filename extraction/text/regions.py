"""Where each statistics table sits: between its section heading and the next one.

When a heading is missing (a garbled dump, a page that starts mid-report), anchor words that
only the table prints stand in for it.
"""

from __future__ import annotations

import re

from nianbao.extraction.text.normalize import NormText
from nianbao.extraction.text.patterns import Section

_ANCHORS = {
    "active": re.compile(r"第二十条"),
    "requests": re.compile(r"本年新收|申请人情况"),
    "appeals": re.compile(r"结果维持|行政复议"),
}
_APPEALS_SPAN = 2500


def _anchor(nt: NormText, name: str, start: int, end: int | None = None) -> int | None:
    hit = nt.search(_ANCHORS[name], start, end)
    return hit[1][0] if hit else None


def find_regions(nt: NormText, sections: list[Section]) -> dict[str, tuple[int, int] | None]:
    """Offsets ``(start, end)`` of the active, requests and appeals tables, or None."""
    by_number = {s.number: s for s in sections}

    def heading_end(number: int) -> int | None:
        return by_number[number].end if number in by_number else None

    def next_start(number: int) -> int | None:
        later = [s.start for s in sections if s.number > number]
        return min(later) if later else None

    text_end = len(nt.original)
    requests_start = heading_end(3) or _anchor(nt, "requests", 0)
    appeals_start = heading_end(4)
    if appeals_start is None and requests_start is not None:
        appeals_start = _anchor(nt, "appeals", requests_start)
    active_start = heading_end(2) or _anchor(nt, "active", 0, requests_start)
    regions: dict[str, tuple[int, int] | None] = {"active": None, "requests": None, "appeals": None}
    if active_start is not None:
        regions["active"] = (active_start, next_start(2) or requests_start or text_end)
    if requests_start is not None:
        end = by_number[4].start if 4 in by_number else (appeals_start or next_start(3) or text_end)
        regions["requests"] = (requests_start, end)
    if appeals_start is not None:
        end = next_start(4) or min(text_end, appeals_start + _APPEALS_SPAN)
        regions["appeals"] = (appeals_start, end)
    return regions
