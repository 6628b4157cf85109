"""atheris fuzz target: any bytes, under any file name, through the reader, renderers and assembler.

Run by ``tests/test_robust_fuzz.py`` for a bounded time; by hand::

    .venv/bin/python tests/fuzz/fuzz_extract.py -max_total_time=300 -max_len=65536 CORPUS_DIR

The first input byte picks the file name (and so the format hint) and a wrapping (raw bytes,
an HTML page, a table fragment, a DOCX whose body is the bytes as XML or as paragraphs, a PDF
whose content stream is the bytes or prints them as lines); the rest is the input. The seed
corpus holds inputs up to a few MB, so the size caps are fuzzed too. Any exception escaping
``extract_bytes`` or a broken contract invariant (``contract.check_document``) is a crash.
The rule locator is used: the model path costs about a second a report, too slow to fuzz.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

with atheris.instrument_imports(include=["nianbao"]):
    from nianbao import extract_bytes
    from nianbao.extraction.text.locator import RuleLocator

from tests.fuzz import containers  # noqa: E402
from tests.fuzz.contract import check_document  # noqa: E402

RULES = RuleLocator()
NAMES = ("report.txt", "report.html", "report.docx", "report.pdf", "report", "page.htm")
WRAPS = (
    lambda b: b,
    lambda b: b"<html><head><meta charset='gbk'></head><body><p>" + b + b"</p></body></html>",
    lambda b: b"<table><tr><td>" + b.replace(b"\n", b"</td><td>") + b"</td></tr></table>",
    containers.docx,
    containers.docx_lines,
    containers.pdf,
    containers.pdf_lines,
)


def test_one_input(data: bytes) -> None:
    if not data:
        return
    name = NAMES[data[0] % len(NAMES)]
    payload = WRAPS[(data[0] // len(NAMES)) % len(WRAPS)](data[1:])
    check_document(extract_bytes(payload, name, locator=RULES), payload)


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
