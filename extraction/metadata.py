"""Report metadata: the reporting body and the statistics year, from the title or the prose."""

from __future__ import annotations

import re
from dataclasses import dataclass

from nianbao.extraction.normalize import NormText, traditional_share

_TITLE = re.compile(
    r"(?:标题[:：])?(?P<agency>[^，,。:：;；!！?？《》]{2,40}?)(?P<year>(?:19|20)\d{2})年度?的?(?:政府|政务)?信息公开"
)
_PROSE = re.compile(
    r"(?P<year>(?:19|20)\d{2})年(?:度)?[,，]?(?P<agency>[^，,。、《》\d]{2,24}?(?:分局|局|人民政府|政府|委员会|办公室|厅|院|委|中心|管理局|办|署|所))"
)
_PERIOD_YEAR = re.compile(r"(?P<year>(?:19|20)\d{2})年(?:度)?(?:1月1日|政府信息公开)")
_META_TITLE = re.compile(r"^标题[:：][ \t]*(?P<title>.+)$", re.M)


@dataclass(frozen=True)
class ReportMeta:
    agency: str | None
    year: int | None
    script: str


def _original_chars(nt: NormText, sq_start: int, sq_end: int) -> str:
    start, end = nt.original_span(sq_start, sq_end)
    return "".join(ch for ch in nt.original[start:end] if not ch.isspace())


def _title_area_end(nt: NormText, body_start: int) -> int:
    return nt.squeezed_pos(body_start) if body_start else min(len(nt.squeezed), 200)


def read_meta(nt: NormText, body_start: int) -> ReportMeta:
    """Agency and year from the title (the text before the first heading), else from the prose."""
    script = "traditional" if traditional_share(nt.original) > 0.02 else "simplified"
    agency: str | None = None
    year: int | None = None
    head_end = max(_title_area_end(nt, body_start), 0)
    meta_title = _META_TITLE.search(nt.norm)
    search_from = nt.squeezed_pos(meta_title.start()) if meta_title else 0
    match = _TITLE.search(nt.squeezed, search_from, max(head_end, search_from + 120))
    if match:
        agency = _original_chars(nt, match.start("agency"), match.end("agency"))
        agency = re.sub(r"^(?:标题|標題)[:：]", "", agency)
        year = int(match["year"])
    if agency is None:
        window = nt.squeezed[: head_end + 400]
        prose = _PROSE.search(window)
        if prose:
            agency = _original_chars(nt, prose.start("agency"), prose.end("agency"))
            year = int(prose["year"])
    if year is None:
        period = _PERIOD_YEAR.search(nt.squeezed[: head_end + 600])
        year = int(period["year"]) if period else None
    return ReportMeta(agency, year, script)
