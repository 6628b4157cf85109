"""Builders of hostile inputs for ``nianbao bench --hostile`` (each writes into a folder).

Every builder streams what it writes, so building a 240 MB zip bomb costs a few MB of memory.
``scale`` shrinks the big ones (tests use 0.2): the shapes stay, the sizes drop.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from zipfile import ZIP_DEFLATED, ZipFile

_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/></Relationships>'
)
MB = 2**20


def _docx(path: Path, body: Iterator[bytes], prolog: bytes = b"", extra: int = 0) -> Path:
    """A DOCX whose word/document.xml is ``prolog`` + a document around ``body``, streamed."""
    with ZipFile(path, "w", ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _TYPES)
        archive.writestr("_rels/.rels", _RELS)
        for i in range(extra):
            archive.writestr(f"customXml/item{i}.xml", b"")
        with archive.open("word/document.xml", "w") as part:
            part.write(prolog + f"<w:document {_W}><w:body>".encode())
            for chunk in body:
                part.write(chunk)
            part.write(b"</w:body></w:document>")
    return path


def _repeat(unit: bytes, total: int) -> Iterator[bytes]:
    block = unit * max(1, MB // len(unit))
    for _ in range(max(1, total // len(block))):
        yield block


def docx_empty_paragraphs(folder: Path, scale: float) -> Path:
    """The issue's case: a few hundred KB whose document.xml is 240 MB of empty paragraphs."""
    return _docx(folder / "empty-paragraphs.docx", _repeat(b"<w:p/>", int(240 * MB * scale)))


def docx_huge_runs(folder: Path, scale: float) -> Path:
    """Few elements, many bytes: one paragraph of 1 MB runs, 200 MB in all."""
    run = b"<w:r><w:t>" + b"0" * MB + b"</w:t></w:r>"
    body = iter([b"<w:p>", *(run for _ in range(int(200 * scale))), b"</w:p>"])
    return _docx(folder / "huge-runs.docx", body)


def docx_lying_size(folder: Path, scale: float) -> Path:
    """A 200 MB document.xml whose zip headers declare 4 KB (local header and directory)."""
    path = _docx(folder / "lying-size.docx", _repeat(b"<w:p><w:r><w:t>1</w:t></w:r></w:p>", int(200 * MB * scale)))
    _declare_size(path, "word/document.xml", 4096)
    return path


def _declare_size(path: Path, name: str, size: int) -> None:
    """Overwrite an entry's uncompressed size in its local header and central directory."""
    data = bytearray(path.read_bytes())
    encoded = name.encode()
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        at = data.find(signature)
        while at >= 0:
            if data[at + name_at : at + name_at + len(encoded)] == encoded:
                data[at + size_at : at + size_at + 4] = struct.pack("<I", size)
            at = data.find(signature, at + 4)
    path.write_bytes(bytes(data))


def docx_many_entries(folder: Path, scale: float) -> Path:
    """A DOCX with 60,000 empty parts beside a tiny document (a central directory bomb)."""
    body = iter([b"<w:p><w:r><w:t>x</w:t></w:r></w:p>"])
    return _docx(folder / "many-entries.docx", body, extra=int(60_000 * scale))


def docx_deep_nesting(folder: Path, scale: float) -> Path:
    """Content controls nested 100,000 deep."""
    depth = int(100_000 * scale)
    body = iter([b"<w:sdt><w:sdtContent>" * depth, b"<w:p/>", b"</w:sdtContent></w:sdt>" * depth])
    return _docx(folder / "deep-nesting.docx", body)


def docx_entity_bomb(folder: Path, scale: float) -> Path:
    """Billion laughs: ten levels of entities each expanding ten times."""
    lines = ['<!ENTITY a0 "ha">'] + [f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10)]
    prolog = f'<?xml version="1.0"?><!DOCTYPE w:document [{"".join(lines)}]>'.encode()
    return _docx(folder / "entity-bomb.docx", iter([b"<w:p><w:r><w:t>&a9;</w:t></w:r></w:p>"]), prolog)


def pdf_flate_bomb(folder: Path, scale: float) -> Path:
    """The issue's case: a small PDF with one content stream that inflates to 900 MB."""
    packer = zlib.compressobj(9)
    block = b"0 0 m\n" * (MB // 6)
    stream = b"".join(packer.compress(block) for _ in range(int(900 * scale))) + packer.flush()
    return _pdf(folder / "flate-bomb.pdf", [stream], b"/Filter /FlateDecode ")


def pdf_many_pages(folder: Path, scale: float) -> Path:
    """20,000 pages, each with a line of text."""
    pages = [b"BT /F1 12 Tf 72 720 Td (1) Tj ET" for _ in range(int(20_000 * scale))]
    return _pdf(folder / "many-pages.pdf", pages)


def _pdf(path: Path, streams: list[bytes], filters: bytes = b"") -> Path:
    """A minimal PDF: one page per content stream, Helvetica as F1."""
    n = len(streams)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(n)) + b"] /Count %d >>" % n,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i, stream in enumerate(streams):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
            b"/Contents %d 0 R >>" % (5 + 2 * i)
        )
        objects.append(b"<< " + filters + b"/Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def html_deep(folder: Path, scale: float) -> Path:
    depth = int(100_000 * scale)
    path = folder / "deep.html"
    path.write_bytes(b"<html><body>" + b"<div>" * depth + "政府信息公开".encode() + b"</div>" * depth)
    return path


def html_span_bomb(folder: Path, scale: float) -> Path:
    """Cells spanning 1000 x 1000 positions each, 2000 of them."""
    cells = b'<td rowspan="1000" colspan="1000">1</td>' * int(2000 * scale)
    path = folder / "span-bomb.html"
    path.write_bytes(b"<html><body><table>" + b"<tr>" + cells + b"</tr>" * 50 + b"</table></body></html>")
    return path


def html_many_cells(folder: Path, scale: float) -> Path:
    path = folder / "many-cells.html"
    path.write_bytes(b"<html><body><table><tr>" + b"<td>1</td>" * int(490_000 * scale) + b"</tr></table></body></html>")
    return path


def dev_zero(folder: Path, scale: float) -> Path:
    return Path("/dev/zero")


def fifo(folder: Path, scale: float) -> Path:
    path = folder / "named-pipe.txt"
    os.mkfifo(path)
    return path


def sparse_file(folder: Path, scale: float) -> Path:
    """The issue's case: a 3 GB sparse file (holes only; no disk used)."""
    path = folder / "sparse.txt"
    with open(path, "wb") as handle:
        handle.truncate(3 * 2**30)
    return path


def symlink_loop(folder: Path, scale: float) -> Path:
    a, b = folder / "loop-a.txt", folder / "loop-b.txt"
    a.symlink_to(b)
    b.symlink_to(a)
    return a


def _report() -> str:
    from nianbao.training.generator.generate import generate

    return str(generate(1, seed=3)[0]["text"])


def text_broken_utf8(folder: Path, scale: float) -> Path:
    """A generated report with one byte of one character lost in the middle."""
    data = _report().encode()
    at = len(data) // 2
    while data[at] < 0xE0:
        at += 1
    path = folder / "broken-utf8.txt"
    path.write_bytes(data[: at + 1] + data[at + 2 :])
    return path


def text_digit_run(folder: Path, scale: float) -> Path:
    """The issue's case: a crawled row of 1 followed by 1,000 zeros."""
    text = _report().replace("\n", " ")
    path = folder / "digit-run.txt"
    path.write_text(text + " 新收政府信息公开申请数量 1" + "0" * 1000, "utf-8")
    return path


def text_max_numbers(folder: Path, scale: float) -> Path:
    """Just under the character cap: a report followed by 190k characters of number rows."""
    rows = "\n".join(" ".join(str((i * 7 + j) % 100) for j in range(7)) for i in range(int(9_000 * scale)))
    path = folder / "max-numbers.txt"
    path.write_text(_report() + "\n" + rows[: int(190_000 * scale)], "utf-8")
    return path


def binary_noise(folder: Path, scale: float) -> Path:
    path = folder / "noise.txt"
    path.write_bytes(os.urandom(int(4 * MB * scale)))
    return path


FILES: dict[str, Callable[[Path, float], Path]] = {
    "docx-empty-paragraphs-240mb": docx_empty_paragraphs,
    "docx-huge-runs-200mb": docx_huge_runs,
    "docx-lying-zip-size": docx_lying_size,
    "docx-60k-entries": docx_many_entries,
    "docx-deep-nesting": docx_deep_nesting,
    "docx-entity-bomb": docx_entity_bomb,
    "pdf-flate-bomb-900mb": pdf_flate_bomb,
    "pdf-20k-pages": pdf_many_pages,
    "html-100k-deep": html_deep,
    "html-span-bomb": html_span_bomb,
    "html-490k-cells": html_many_cells,
    "dev-zero": dev_zero,
    "fifo": fifo,
    "sparse-3gb": sparse_file,
    "symlink-loop": symlink_loop,
    "text-broken-utf8": text_broken_utf8,
    "text-digit-run-1000": text_digit_run,
    "text-190k-numbers": text_max_numbers,
    "binary-noise": binary_noise,
}
