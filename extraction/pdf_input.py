"""PDF → its text layer, as pdfplumber prints it.

Each page's ``extract_text()`` and pages joined by a newline: the same kind of text as the
development reports (``../shared/dev/*-pdftext.txt``) that the rules and the model were built
on. A PDF whose pages hold no text (a scan) is refused with a sentence, never returned as an
empty success; damaged or encrypted files and files over the page cap are refused too.
"""

from __future__ import annotations

import io
import logging

from nianbao.errors import ReadError
from nianbao.extraction.formats import MAX_RENDERED_CHARS, RenderedInput

MAX_PAGES = 100


def _page_texts(data: bytes) -> list[str]:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        pages = pdf.pages
        if len(pages) > MAX_PAGES:
            raise ReadError("too_large", detail=f"{len(pages)} pages; the limit is {MAX_PAGES}")
        texts: list[str] = []
        size = 0
        for page in pages:
            text = page.extract_text() or ""
            size += len(text) + 1
            if size > MAX_RENDERED_CHARS:
                raise ReadError("too_large", detail=f"the text layer passes {MAX_RENDERED_CHARS} characters")
            texts.append(text)
            page.close()
    return texts


def render_pdf(data: bytes) -> RenderedInput:
    """The PDF's text layer, pages joined by newlines; ReadError when there is none."""
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    try:
        texts = _page_texts(data)
    except ReadError:
        raise
    except Exception as exc:  # noqa: BLE001 - pdfminer raises many types on damaged or encrypted files
        raise ReadError("bad_pdf", detail=type(exc).__name__) from exc
    text = "\n".join(texts)
    if not text.strip():
        raise ReadError("no_text_layer", detail=f"{len(texts)} page(s), no text on any")
    return RenderedInput(text, "pdf", None)
