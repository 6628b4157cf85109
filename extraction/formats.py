"""Input formats other than plain text: HTML, DOCX, PDF → the text that offsets refer to.

``render_input`` returns None for plain text (the caller decodes it), or a
:class:`RenderedInput` whose ``text`` is a deterministic rendering of the document's visible
text; the document reports it as ``source.rendered_text`` so offsets can be checked.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RenderedInput:
    text: str
    format: str  # "html", "docx", "pdf"
    encoding: str | None = None


def render_input(data: bytes, name: str) -> RenderedInput | None:
    """Render a non-text input; None means "plain text, decode it"."""
    return None
