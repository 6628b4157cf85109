"""PDF reading benchmark: time per page, a 30-page report, and hostile PDFs (time, peak RSS).

Time per page is given with its ratio to reading the text layer alone (``extract_text()``
per page, how PDFs were read before tables were read as grids), measured in the same run.

Run ``python -m nianbao.evaluation.bench.pdf``. Figures are printed, never asserted. Each
measurement runs in a fresh child process so its peak RSS is its own (``ru_maxrss``). The
hostile inputs are built here: a 918 KB PDF whose one page content stream inflates to
900 MB of zeros (the input of the hostile-inputs issue), the same with a run-length stream,
and a page with 6 MB of content operators. Needs reportlab (a development dependency) for
the generated reports.
"""

from __future__ import annotations

import io
import multiprocessing
import random
import resource
import sys
import time
import zlib
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2].parent / "shared"


def pdf_with_content(stream: bytes, filters: str = "/FlateDecode") -> bytes:
    """A one-page PDF whose page content is the given (already encoded) stream."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>",
        b"<< /Length %d /Filter %s >>\nstream\n" % (len(stream), filters.encode()) + stream + b"\nendstream",
    ]
    return pdf_of_objects(objects)


def pdf_of_objects(objects: list[bytes]) -> bytes:
    """A PDF file of these numbered objects (the first the catalog), with its cross-reference table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def deflated_zeros(megabytes: int) -> bytes:
    packer = zlib.compressobj(9)
    chunk = bytes(1 << 20)
    return b"".join(packer.compress(chunk) for _ in range(megabytes)) + packer.flush()


def hostile_pdfs() -> dict[str, bytes]:
    """Small PDFs that expand far beyond their size when read."""
    return {
        "flate 900 MB of zeros": pdf_with_content(deflated_zeros(900)),
        "run-length 64x stream": pdf_with_content(bytes([129, 0]) * 400_000, "/RunLengthDecode"),
        "6 MB of page operators": pdf_with_content(b"BT /F1 12 Tf 10 10 Td (x) Tj ET\n" * 200_000, "[]"),
        "one page drawing 900k glyphs": pdf_with_content(
            b"BT /F1 1 Tf 72 720 Td (" + b"x" * 900_000 + b") Tj ET", "[]"
        ),
        "170 x 170 rules on one page": pdf_with_content(_rules(170), "[]"),
        "one page of 12,000 words in 40 columns": pdf_with_content(_word_grid(300, 40), "[]"),
    }


def _word_grid(rows: int, cols: int) -> bytes:
    """A page of short words in a grid (labels then numbers): the word-position worst case."""
    cells = []
    for r in range(rows):
        for c in range(cols):
            word = b"1.x" if c < cols // 2 else b"%d" % (r + c)
            cells.append(b"BT /F1 2 Tf %.1f %.1f Td (%s) Tj ET" % (10 + c * 14, 830 - r * 2.7, word))
    return b"\n".join(cells)


def _rules(n: int) -> bytes:
    lines = [
        b"50 %.1f m 770 %.1f l S %.1f 50 m %.1f 770 l S" % (50 + i * 4.2, 50 + i * 4.2, 20 + i * 4.2, 20 + i * 4.2)
        for i in range(n)
    ]
    return b"\n".join(lines) + b"\nBT /F1 12 Tf 72 790 Td (Hello) Tj ET"


def thirty_page_report(seed: int = 3, ruled: bool = True) -> tuple[bytes, dict]:
    """A generated report printed as a PDF of about 30 pages (tables plus long prose; the
    tables ruled, or printed without rules so they are found from word positions)."""
    from nianbao.extraction.inputs.render import LineGroup
    from nianbao.training.generator.generate import PROSE, GenConfig
    from nianbao.training.generator.pdf_print import print_pdf
    from nianbao.training.generator.printed_pdf import printed_pdf_sample

    sample, blocks = printed_pdf_sample(random.Random(seed), GenConfig("printed_pdf", "2021", False, "0"))
    filler = [line.format(agency="某机关", year=2023, n1=10, n2=2, req=1, n3=3)[:28] for line in PROSE] * 260
    blocks = [*blocks[:2], LineGroup(tuple(filler)), *blocks[2:]]
    return print_pdf(blocks, repeat_header=3, ruled=ruled), sample


def _child(kind: str, data: bytes, queue) -> None:  # noqa: ANN001 - multiprocessing queue
    started = time.perf_counter()
    if kind == "textlayer":  # the baseline: the text layer alone, as main read PDFs before
        import pdfplumber

        with pdfplumber.open(io.BytesIO(data)) as pdf:
            outcome = f"{sum(len(page.extract_text() or '') for page in pdf.pages):,} characters"
    elif kind == "render":
        from nianbao.extraction.inputs.render import render_input

        try:
            rendered = render_input(data, "x.pdf")
            outcome = f"{len(rendered.text):,} characters, {len(rendered.tables)} tables"
        except Exception as exc:  # noqa: BLE001 - the benchmark reports what happened
            outcome = getattr(exc, "sentence", repr(exc))
    else:
        from nianbao import extract_bytes

        doc = extract_bytes(data, "x.pdf")
        outcome = doc["errors"][0] if doc["errors"] else f"{sum(c['state'] != 'missing' for c in doc['cells'])} cells"
    seconds = time.perf_counter() - started
    queue.put((seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, outcome))


def measure(kind: str, data: bytes, timeout: float = 120) -> tuple[float, float, str]:
    """Seconds, peak RSS (MB) and outcome of reading (``render``) or extracting one PDF in a child."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(kind, data, queue))
    process.start()
    process.join(timeout)
    if process.is_alive():
        process.kill()
        return timeout, float("nan"), "hang: killed"
    return queue.get() if not queue.empty() else (float("nan"), float("nan"), f"crash: exit {process.exitcode}")


def _pages(data: bytes) -> int:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return len(pdf.pages)


def main() -> None:
    rows = []
    inputs = {p.name: p.read_bytes() for p in sorted(SHARED.glob("dev/*.pdf"))}
    inputs["generated 30-page report"] = thirty_page_report()[0]
    inputs["generated 30-page report, tables without rules"] = thirty_page_report(ruled=False)[0]
    for name, data in inputs.items():
        pages = _pages(data)
        base, _, _ = measure("textlayer", data)
        read, rss, _ = measure("render", data)
        full, full_rss, outcome = measure("extract", data)
        rows.append(
            f"{name}: {pages} pages, read {read:.2f} s ({read / pages * 1000:.0f} ms/page, "
            f"{read / base:.1f}x the text layer alone, peak {rss:.0f} MB); "
            f"extract {full:.2f} s incl. model load (peak {full_rss:.0f} MB): {outcome}"
        )
    for name, data in hostile_pdfs().items():
        seconds, rss, outcome = measure("extract", data)
        rows.append(f"hostile {name} ({len(data) / 1024:.0f} KB): {seconds:.2f} s, peak {rss:.0f} MB: {outcome}")
    print("\n".join(rows))


if __name__ == "__main__":
    sys.exit(main())
