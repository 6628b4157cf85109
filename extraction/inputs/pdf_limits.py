"""Bounded PDF reading: every stream inflated under a cap, a page and a time budget.

pdfminer inflates a stream with one ``zlib.decompress`` call, so a small file holding one
highly compressed stream (900 MB of zeros fit in under 1 MB) takes gigabytes before anything
can look at it; its LZW and run-length decoders are unbounded too. This module replaces
those three decoders inside ``pdfminer.pdftypes`` with ones that stop at a cap: no stream
may inflate past ``MAX_STREAM_BYTES`` and all streams of one document together past
``MAX_DOCUMENT_BYTES``. The sizes a file declares (``/Length``, ``/DL``) are never trusted:
the counting is done on the bytes the decoder really produces, chunk by chunk, and a
decoder stops as soon as the cap is passed. A page whose content streams pass
``MAX_PAGE_CONTENT_BYTES`` is refused before it is parsed, and a page that draws more than
``MAX_PAGE_CHARS`` characters or ``MAX_PAGE_GRAPHICS`` paths is stopped while it is parsed
(pdfplumber keeps every character as a dict: memory and time grow with what a page draws,
not with its bytes). Reading also stops when it passes ``TIME_BUDGET_S``, checked between
pages and every 2,000 objects drawn.

The limits apply to the document read inside :func:`budget`; outside it (pdfminer used by
anything else in the process) the same per-stream cap still holds.
"""

from __future__ import annotations

import contextlib
import contextvars
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from nianbao.errors import NianbaoError, ReadError

MAX_STREAM_BYTES = 32 * 1024 * 1024
MAX_DOCUMENT_BYTES = 160 * 1024 * 1024
MAX_PAGE_CONTENT_BYTES = 1024 * 1024
# Objects one page may draw: a real report page draws a few thousand characters and a few
# hundred rules; pdfminer and pdfplumber keep about 2 KB and 120 µs per character drawn, so
# a page of 400 KB drawing 400k characters took 920 MB and 44 s before these caps.
MAX_PAGE_CHARS = 60_000
MAX_PAGE_GRAPHICS = 20_000
TIME_BUDGET_S = 30.0
_CHUNK = 1 << 20


class StreamTooLarge(NianbaoError):
    """A stream inflated past its cap (raised inside pdfminer, turned into a ReadError)."""


@dataclass
class PdfBudget:
    """What one document may still inflate, and when its reading must stop."""

    per_stream: int = MAX_STREAM_BYTES
    left: int = MAX_DOCUMENT_BYTES
    deadline: float = field(default_factory=lambda: time.monotonic() + TIME_BUDGET_S)
    exceeded: str = ""
    page: int = 0
    drawn: dict[str, int] = field(default_factory=dict)

    def start_page(self, page: int) -> None:
        self.page = page
        self.drawn = {}

    def draw(self, kind: str, cap: int) -> None:
        """Count one object a page draws; stop the page past its cap or the time budget."""
        count = self.drawn[kind] = self.drawn.get(kind, 0) + 1
        if count > cap:
            self.exceeded = self.exceeded or f"page {self.page} draws more than {cap:,} {kind}"
            raise StreamTooLarge(self.exceeded)
        if count % 2000 == 0 and time.monotonic() > self.deadline:
            raise ReadError("pdf_too_slow", detail=f"stopped in page {self.page} after {TIME_BUDGET_S:.0f} s")

    def take(self, size: int) -> None:
        self.left -= size
        if self.left < 0 and not self.exceeded:
            self.exceeded = f"its streams inflate past {MAX_DOCUMENT_BYTES // 2**20} MB in all"
        if self.exceeded:
            raise StreamTooLarge(self.exceeded)

    def too_large(self) -> StreamTooLarge:
        if not self.exceeded:
            self.exceeded = f"a stream inflates past {self.per_stream // 2**20} MB"
        return StreamTooLarge(self.exceeded)

    def check_time(self, page: int, pages: int) -> None:
        if time.monotonic() > self.deadline:
            raise ReadError("pdf_too_slow", detail=f"stopped at page {page} of {pages} after {TIME_BUDGET_S:.0f} s")

    def raise_if_exceeded(self) -> None:
        if self.exceeded:
            raise ReadError("too_large", detail=f"the PDF's content is too large: {self.exceeded}")


_CURRENT: contextvars.ContextVar[PdfBudget | None] = contextvars.ContextVar("nianbao_pdf_budget", default=None)


def _current() -> PdfBudget:
    found = _CURRENT.get()
    return found if found is not None else PdfBudget(left=MAX_STREAM_BYTES * 64)


@contextlib.contextmanager
def budget() -> Iterator[PdfBudget]:
    """The limits for one document being read (a fresh budget for each call)."""
    limits = PdfBudget()
    token = _CURRENT.set(limits)
    try:
        yield limits
    finally:
        _CURRENT.reset(token)


def _collect(pieces: Iterator[bytes], limits: PdfBudget) -> bytes:
    out = bytearray()
    for piece in pieces:
        out += piece
        if len(out) > limits.per_stream:
            raise limits.too_large()
    limits.take(len(out))
    return bytes(out)


def _inflate_pieces(data: bytes, limits: PdfBudget) -> Iterator[bytes]:
    if limits.exceeded:
        raise StreamTooLarge(limits.exceeded)
    inflater = zlib.decompressobj()
    pending = data
    while pending:
        piece = inflater.decompress(pending, _CHUNK)
        pending = inflater.unconsumed_tail
        yield piece
        if inflater.eof:
            return
    yield inflater.flush(_CHUNK)


def bounded_decompress(data: bytes, *_: Any) -> bytes:
    """``zlib.decompress`` that stops at the stream cap; a truncated stream keeps what inflated."""
    limits = _current()
    return _collect(_inflate_pieces(bytes(data), limits), limits)


class _BoundedInflater:
    """``zlib.decompressobj()`` for pdfminer's corrupted-stream fallback, bounded the same way."""

    def __init__(self) -> None:
        self._inflater = zlib.decompressobj()
        self._limits = _current()
        self._size = 0

    def decompress(self, data: bytes, *_: Any) -> bytes:
        piece = self._inflater.decompress(data, self._limits.per_stream + 1 - self._size)
        self._size += len(piece)
        if self._size > self._limits.per_stream or self._inflater.unconsumed_tail:
            raise self._limits.too_large()
        return piece


class _BoundedZlib:
    """What ``pdfminer.pdftypes`` sees as its ``zlib`` module."""

    error = zlib.error
    decompress = staticmethod(bounded_decompress)
    decompressobj = _BoundedInflater


def bounded_lzw(data: bytes) -> bytes:
    """pdfminer's LZW decoder, stopped at the stream cap."""
    from io import BytesIO

    from pdfminer.lzw import LZWDecoder

    limits = _current()
    if limits.exceeded:
        raise StreamTooLarge(limits.exceeded)
    return _collect(LZWDecoder(BytesIO(data)).run(), limits)


def bounded_runlength(data: bytes) -> bytes:
    """RunLengthDecode (PDF 1.4, 3.3.4), stopped at the stream cap."""
    limits = _current()

    def pieces() -> Iterator[bytes]:
        i = 0
        while i < len(data) and data[i] != 128:
            length = data[i]
            if length < 128:
                yield data[i + 1 : i + 2 + length]
                i += 2 + length
            else:
                yield data[i + 1 : i + 2] * (257 - length)
                i += 2

    return _collect(pieces(), limits)


def check_page_content(page: Any, number: int) -> None:
    """Refuse a page whose content streams inflate past MAX_PAGE_CONTENT_BYTES, before parsing."""
    from pdfminer.pdftypes import PDFStream, resolve1

    size = 0
    for stream in page.page_obj.contents:
        stream = resolve1(stream)
        if isinstance(stream, PDFStream):
            size += len(stream.get_data())
    if size > MAX_PAGE_CONTENT_BYTES:
        raise ReadError(
            "too_large",
            detail=f"page {number}'s content is {size / 2**20:.1f} MB; the limit "
            f"is {MAX_PAGE_CONTENT_BYTES // 2**20} MB",
        )


def _counted(method: Any, kind: str, cap: int) -> Any:
    if getattr(method, "_nianbao_counted", False):
        return method

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        limits = _CURRENT.get()
        if limits is not None:
            limits.draw(kind, cap)
        return method(self, *args, **kwargs)

    counted._nianbao_counted = True  # type: ignore[attr-defined]
    return counted


def install() -> None:
    """Put the bounded decoders and the per-page object counts into pdfminer (idempotent)."""
    from pdfminer import pdftypes
    from pdfminer.converter import PDFLayoutAnalyzer

    pdftypes.zlib = _BoundedZlib  # type: ignore[assignment]
    pdftypes.lzwdecode = bounded_lzw
    pdftypes.rldecode = bounded_runlength
    PDFLayoutAnalyzer.render_char = _counted(PDFLayoutAnalyzer.render_char, "characters", MAX_PAGE_CHARS)
    PDFLayoutAnalyzer.paint_path = _counted(PDFLayoutAnalyzer.paint_path, "paths", MAX_PAGE_GRAPHICS)
    PDFLayoutAnalyzer.render_image = _counted(PDFLayoutAnalyzer.render_image, "images", MAX_PAGE_GRAPHICS)


install()
