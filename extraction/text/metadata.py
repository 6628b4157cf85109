"""Report metadata: the reporting body and the statistics year, from the title or the prose."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from nianbao.extraction.text.normalize import NormText, fold_ideographs, traditional_share


def _spaced(word: str) -> str:
    """``word`` as a pattern that also matches it letter-spaced (``信 息 公 开``: a title
    justified in a PDF text layer)."""
    return r"[ \t]*".join(map(re.escape, word))


_TITLE_LINE = re.compile(
    r"^[ \t]*(?:标题[:：])?[ \t]*(?P<agency>[^，,。:：;；!！?？《》]{0,40}?)[ \t]*"
    rf"(?:{_spaced('关于')}[ \t]*)?(?P<year>(?:19|20)\d{{2}})[ \t]*"
    rf"{_spaced('年')}(?:[ \t]*{_spaced('度')})?(?:[ \t]*{_spaced('的')})?"
    rf"(?:[ \t]*(?:{_spaced('政府')}|{_spaced('政务')}))?[ \t]*{_spaced('信息公开')}"
)
_PROSE = re.compile(
    r"(?P<year>(?:19|20)\d{2})年(?:度)?[,，]?(?P<agency>[^，,。、《》\d]{2,24}?(?:分局|局|人民政府|政府|委员会|办公室|厅|院|委|中心|管理局|办|署|所))"
)
_PERIOD_YEAR = re.compile(r"(?P<year>(?:19|20)\d{2})年(?:度)?(?:1月1日|政府信息公开)")
_META_TITLE = re.compile(r"^标题[:：][ \t]*(?P<title>.+)$", re.M)


_HEADER_FIELDS = {
    "发布时间": "published",
    "原文链接": "url",
    "发布机构": "publisher",
    "文号": "document_number",
    "栏目": "column",
}
_HEADER_LINE = re.compile(r"^(标题|发布时间|发布机构|原文链接|文号|栏目)[:：][ \t]*(.*?)[ \t]*$", re.M)


# A web page's byline (来源：…　时间：2024-01-30 11:44　原文：https://…): read only on a line that
# names the original's URL or the source, so a statistics period (统计时间：2023年1月1日…) is never taken.
_BYLINE = re.compile(r"^.*(?:原文(?:链接|地址)?|来源)[:：].*$", re.M)
_BYLINE_URL = re.compile(r"原文(?:链接|地址)?[:：][ \t]*(https?://[^\s<>\"']+)")
_BYLINE_DATE = re.compile(
    r"(?:发布)?(?:时间|日期)[:：][ \t]*(\d{4}-\d{1,2}-\d{1,2}(?:[ "
    r"\t]+\d{1,2}:\d{2}(?::\d{2})?)?|\d{4}年\d{1,2}月\d{1,2}日)"
)


@dataclass(frozen=True)
class ReportMeta:
    agency: str | None
    year: int | None
    script: str
    source_fields: dict[str, str] = field(default_factory=dict)


def header_fields(nt: NormText) -> dict[str, str]:
    """A crawler's metadata header (发布时间, 原文链接, …) before the body, as source fields."""
    body = nt.norm.find("正文")
    head = nt.norm[: body if body > 0 else 2000]
    fields = {}
    for match in _HEADER_LINE.finditer(head):
        key = _HEADER_FIELDS.get(match.group(1))
        value = nt.original[match.start(2) : match.end(2)]
        if key and value:
            fields[key] = value
    for line in _BYLINE.finditer(head):
        for key, pattern in (("url", _BYLINE_URL), ("published", _BYLINE_DATE)):
            found = pattern.search(line.group(0))
            if key not in fields and found:
                start = line.start() + found.start(1)
                fields[key] = nt.original[start : line.start() + found.end(1)]
    return fields


def _original_chars(nt: NormText, sq_start: int, sq_end: int) -> str:
    start, end = nt.original_span(sq_start, sq_end)
    return "".join(ch for ch in nt.original[start:end] if not ch.isspace())


def _title_from_lines(nt: NormText, head_end: int) -> tuple[str | None, int | None]:
    """The title line (``…2020年…信息公开…``); the agency is before the year, or on the line above."""
    lines = nt.norm[:head_end].split("\n")
    offset = 0
    previous: tuple[int, str] | None = None
    for line in lines:
        match = _TITLE_LINE.search(line)
        if match:
            agency_span = (offset + match.start("agency"), offset + match.end("agency"))
            agency = "".join(ch for ch in nt.original[agency_span[0] : agency_span[1]] if not ch.isspace())
            if not agency and previous is not None:
                agency = "".join(
                    ch for ch in nt.original[previous[0] : previous[0] + len(previous[1])] if not ch.isspace()
                )
            return agency or None, int(match["year"])
        if line.strip() and len(line.strip()) <= 40:
            previous = (offset, line)
        offset += len(line) + 1
    return None, None


def read_meta(nt: NormText, body_start: int) -> ReportMeta:
    """Agency and year from the title (the text before the first heading), else from the prose
    (read once per report and body start: the prose checks and the document both ask)."""
    return nt.memo(("meta", body_start), lambda: _read_meta(nt, body_start))


def _read_meta(nt: NormText, body_start: int) -> ReportMeta:
    script = "traditional" if traditional_share(nt.original) > 0.02 else "simplified"
    head_end = body_start if body_start else min(len(nt.norm), 600)
    agency, year = _title_from_lines(nt, head_end)
    sq_head = nt.squeezed_pos(head_end)
    if agency is None:
        prose = _PROSE.search(nt.squeezed[: sq_head + 400])
        if prose:
            agency = _original_chars(nt, prose.start("agency"), prose.end("agency"))
            year = year or int(prose["year"])
    if year is None:
        period = _PERIOD_YEAR.search(nt.squeezed[: sq_head + 600])
        year = int(period["year"]) if period else None
    return ReportMeta(fold_ideographs(agency) if agency else agency, year, script, header_fields(nt))
