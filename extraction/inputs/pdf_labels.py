"""The templates' row labels and printed values, as the word-position table finder reads them."""

from __future__ import annotations

import re
from functools import lru_cache

from nianbao.extraction.inputs.pdf_tables import _NUMBER
from nianbao.extraction.text.patterns import VALUE

MARK = re.compile(
    r"^(?:[一二三四五六七八九十]+\s*[、.．]|[（(]\s*[一二三四五六七八九十]+\s*[)）]|\d{1,2}\s*[.．、)）](?!\d))"
)


def is_value(text: str) -> bool:
    """A cell value: a number (with unit) or a mark printed for none (- — / 无)."""
    if text in ("-", "—", "–", "/", "／", "无", "--", "——"):
        return True
    return any(ch.isdigit() for ch in text) and bool(_NUMBER.fullmatch(text) or VALUE.fullmatch(text))


@lru_cache(maxsize=1)
def _row_patterns() -> tuple[re.Pattern[str], ...]:
    from nianbao.extraction.templates import template_data

    data = template_data()
    patterns = {p for row in data["requests_rows"] for p in row["patterns"]}
    patterns |= {p for table in data["active"].values() for row in table["rows"] for p in row["patterns"]}
    return tuple(re.compile(p) for p in sorted(patterns))


@lru_cache(maxsize=1)
def _whole_labels() -> frozenset[str]:
    from nianbao.extraction.templates import template_data

    data = template_data()
    labels = [row["label"] for row in data["requests_rows"]]
    labels += [row["label"] for table in data["active"].values() for row in table["rows"]]
    return frozenset(_unmarked(re.sub(r"^三(?=（)", "", label)) for label in labels)


def _unmarked(text: str) -> str:
    """The text without spaces and without the item marks it opens with."""
    text = re.sub(r"\s", "", text)
    while (mark := MARK.match(text)) and mark.end() < len(text):
        text = text[mark.end() :]
    return text


def is_whole_label(text: str) -> bool:
    """True when the text is all of a template row's label (item marks aside)."""
    return _unmarked(text) in _whole_labels()


def is_row_label(text: str) -> bool:
    """True when the text (spaces ignored) holds one of the templates' row labels."""
    squeezed = re.sub(r"\s", "", text)
    return any(p.search(squeezed) for p in _row_patterns()) or squeezed.endswith("总计")
