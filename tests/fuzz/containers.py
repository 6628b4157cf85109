"""Containers for the fuzz target: wrap fuzzed bytes as a DOCX or a PDF (built in memory)."""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)


def docx(body: bytes) -> bytes:
    """A DOCX whose document body is ``body`` as raw XML (the parser meets fuzzed markup)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _TYPES)
        archive.writestr("word/document.xml", f"<w:document {_W}><w:body>".encode() + body + b"</w:body></w:document>")
    return buffer.getvalue()


def docx_lines(data: bytes) -> bytes:
    """A DOCX with one paragraph per line of ``data`` (decoded leniently, escaped)."""
    lines = data.decode("utf-8", "replace").split("\n")
    paragraphs = "".join(f"<w:p><w:r><w:t>{escape(line)}</w:t></w:r></w:p>" for line in lines)
    return docx(paragraphs.encode("utf-8", "replace"))


def pdf(content: bytes) -> bytes:
    """A one-page PDF whose content stream is ``content`` (fuzzed operators)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents "
        b"5 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def pdf_lines(data: bytes) -> bytes:
    """A PDF printing each line of ``data`` as a text-showing operator."""
    lines = [line.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") for line in data.split(b"\n")]
    ops = b"".join(b"BT /F1 10 Tf 20 %d Td (%s) Tj ET\n" % (780 - 12 * (i % 64), line) for i, line in enumerate(lines))
    return pdf(ops)
