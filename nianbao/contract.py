"""The output contract as types: one JSON document per report (``shared/spec/output-schema.md``).

The keys are the contract's and are never renamed or dropped; fields nianbao adds beyond the
specification (``alternatives``, ``review_threshold``, a cell's ``review``, a check's
``evidence``, ``source.rendered_text``…) are typed here too, optional where they are optional.
Every builder of a document (``extraction/pipeline.py``) returns a :class:`Document`; mypy
checks the builders against these types in ``make test``.
"""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict, get_args

SCHEMA = "nianbao.report/1"

CellState = Literal["number", "blank", "na", "text", "missing"]
"""``number`` a value was read; ``blank`` printed empty; ``na`` printed —, -, /, 无; ``text``
other words; ``missing`` not found in the report. Zero, blank and "/" stay different facts."""
CELL_STATES: tuple[CellState, ...] = get_args(CellState)

TemplateName = Literal["2019", "2021", "unknown"]
Script = Literal["simplified", "traditional"]
InputFormat = Literal["text", "html", "docx", "pdf"]
ReviewReason = Literal[  # in the order `nianbao evaluate` prints them
    "low_confidence",
    "ambiguous_placement",
    "ambiguous_split",
    "check_failed",
    "narrative_mismatch",
    "row_not_found",
    "unparsed_value",
    "letters_as_digits",
    "prose_evidence",
]
Number = int | float


class Source(TypedDict):
    """Where the report came from; crawled dumps and bylines add ``published`` and ``url``."""

    name: str
    sha256: str
    encoding: str | None
    format: str
    rendered_text: NotRequired[str]  # HTML, DOCX, PDF: the text offsets point into
    published: NotRequired[str]
    url: NotRequired[str]
    publisher: NotRequired[str]
    document_number: NotRequired[str]
    column: NotRequired[str]


class ReportInfo(TypedDict):
    agency: str | None
    year: int | None
    template: str  # a TemplateName
    script: str  # a Script


class SectionEntry(TypedDict):
    """One of the six standard section headings as printed (``number`` 1–6)."""

    number: int
    title: str
    start: int
    end: int
    confidence: float


class CellEntry(TypedDict):
    """One canonical cell: ``text[start:end] == raw`` when it was found."""

    table: str
    row: str
    col: str
    value: Number | None
    raw: str
    unit: str | None
    state: CellState
    start: int | None
    end: int | None
    confidence: float


class CellRef(TypedDict):
    table: str
    row: str
    col: str


class CheckEntry(TypedDict):
    """A named rule of the template's arithmetic or the prose: ``ok`` None when not assessable."""

    rule: str
    ok: bool | None
    detail: str
    cells: list[CellRef]
    evidence: NotRequired[dict[str, object]]


class ReviewEntry(TypedDict):
    """A cell a person should look at, with its reasons (``ReviewReason``) and failed rules."""

    table: str
    row: str
    col: str
    reasons: list[str]
    rules: NotRequired[list[str]]
    evidence: NotRequired[str]
    confidence: float


class ReadingCell(TypedDict):
    row: str
    col: str
    raw: str
    value: Number | None
    start: int | None
    end: int | None


class Reading(TypedDict):
    score: float | None
    cells: list[ReadingCell]


class Alternative(TypedDict):
    """A row the decoder left undecided: ``readings[chosen]`` is what ``cells`` holds."""

    table: str
    row: str | None
    kind: str
    chosen: int
    total: int
    readings: list[Reading]


class Document(TypedDict):
    """The document every path (CLI, Python API, HTTP service, batch) emits for one report."""

    schema: str
    source: Source
    report: ReportInfo
    sections: list[SectionEntry]
    cells: list[CellEntry]
    checks: list[CheckEntry]
    review: list[ReviewEntry]
    alternatives: list[Alternative]
    errors: list[str]
    review_threshold: NotRequired[float]
