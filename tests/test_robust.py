"""Nothing breaks the extractor: random and mutated reports, junk, huge and hostile inputs.

Property tests (hypothesis) mutate generated reports (``nianbao.training.generator.generate``) in every
input format — truncation, byte flips, random insertions, encoding swaps — and assert that
``nianbao.extract_bytes`` never raises, returns the contract's keys, and that every offset is
inside the text it refers to with ``text[start:end] == raw``. Most examples use the rule
locator (70 ms a report); a few go through the default model path. Explicit cases cover
empty, binary, truncated UTF-8, 100 MB, 10^5-level nested HTML and lying charsets.
"""

from __future__ import annotations

import functools
import io
import time
import tracemalloc

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nianbao import extract_bytes
from nianbao.errors import MESSAGES
from nianbao.extraction.inputs.render import MAX_CHARS
from nianbao.extraction.text.locator import RuleLocator
from nianbao.training.generator.generate import generate

from .conftest import SHARED
from .fuzz.contract import check_document

RULES = RuleLocator()


# --------------------------------------------------------------------------- inputs


@functools.lru_cache(maxsize=1)
def _reports() -> tuple[str, ...]:
    return tuple(r["text"] for r in generate(24, seed=7))


def _html(text: str, charset: str = "utf-8") -> str:
    import html

    lines = "".join(f"<p>{html.escape(line)}</p>\n" for line in text.split("\n"))
    return (
        f'<html><head><meta charset="{charset}"><title>t</title></head><body><div '
        f'class="TRS_Editor">{lines}</div></body></html>'
    )


@functools.lru_cache(maxsize=1)
def _containers() -> tuple[bytes, bytes]:
    """One generated report as DOCX and as PDF (built once)."""
    import docx

    from .test_formats import pdf_from_lines

    text = _reports()[0]
    document = docx.Document()
    for line in text.split("\n"):
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue(), pdf_from_lines(text.split("\n"))


def _real_html() -> list[bytes]:
    path = SHARED / "dev" / "pingtan-transport-2023.html"
    return [path.read_bytes()] if path.exists() else []


ENCODINGS = ("utf-8", "utf-8-sig", "gb18030", "big5", "utf-16", "utf-16-le")


@functools.lru_cache(maxsize=64)
def _encoded(text: str, encoding: str) -> bytes:
    """The report in an encoding that can print it: Big5 has no simplified characters, so a
    Big5 report is written in traditional script (as real Big5 reports are), not as "?"s."""
    if encoding == "big5":
        import opencc

        text = opencc.OpenCC("s2t").convert(text).replace("爲", "為")
    return text.encode(encoding, errors="replace")


@st.composite
def documents(draw: st.DrawFn) -> tuple[bytes, str]:
    """A generated report as text (any encoding), HTML (maybe a lying charset), DOCX or PDF."""
    text = draw(st.sampled_from(_reports()))
    kind = draw(st.sampled_from(("text", "text", "html", "html", "docx", "pdf", "real")))
    if kind == "docx":
        return _containers()[0], "r.docx"
    if kind == "pdf":
        return _containers()[1], "r.pdf"
    if kind == "real" and _real_html():
        return _real_html()[0], "r.html"
    encoding = draw(st.sampled_from(ENCODINGS))
    if kind == "html":
        declared = draw(st.sampled_from(("utf-8", "gbk", "big5", "utf-16", "x-unknown", encoding)))
        return _encoded(_html(text, declared), encoding), "r.html"
    return _encoded(text, encoding), "r.txt"


@st.composite
def mutated(draw: st.DrawFn) -> tuple[bytes, str]:
    data, name = draw(documents())
    data = bytearray(data)
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.sampled_from(("truncate", "flip", "insert", "delete", "swap")))
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        if op == "truncate":
            del data[at:]
        elif op == "flip":
            data[at] ^= draw(st.integers(1, 255))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 512))]
        else:  # splice the tail of the report in another encoding
            tail = _reports()[0][at % 500 :].encode(draw(st.sampled_from(ENCODINGS)), errors="replace")
            data[at:] = tail
    name = draw(st.sampled_from((name, "x.bin", "x.txt", "x.html", "x.pdf", "x.docx")))
    return bytes(data), name


PROPERTY = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


@PROPERTY
@given(mutated())
def test_mutated_reports_never_break_the_extractor(case: tuple[bytes, str]) -> None:
    data, name = case
    check_document(extract_bytes(data, name, locator=RULES), data)


@PROPERTY
@given(documents())
def test_unmutated_reports_in_every_format_are_read(case: tuple[bytes, str]) -> None:
    data, name = case
    doc = extract_bytes(data, name, locator=RULES)
    check_document(doc, data)
    assert doc["cells"], doc["errors"]
    assert not any("failed on this input" in e for e in doc["errors"]), doc["errors"]


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=4096), st.sampled_from(("a.txt", "a.html", "a.pdf", "a.docx", "a")))
def test_random_bytes_yield_a_result_or_a_sentence(data: bytes, name: str) -> None:
    check_document(extract_bytes(data, name, locator=RULES), data)


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=3000), st.sampled_from(("a.txt", "a.html")))
def test_random_text_and_markup(text: str, name: str) -> None:
    data = text.encode("utf-8", errors="surrogatepass")
    check_document(extract_bytes(data, name, locator=RULES), data)


@settings(max_examples=4, deadline=None)
@given(mutated())
def test_default_model_path_never_breaks(case: tuple[bytes, str]) -> None:
    data, name = case
    check_document(extract_bytes(data, name), data)


# --------------------------------------------------------------------------- explicit cases


def _timed(data: bytes, name: str, seconds: float) -> dict:
    started = time.perf_counter()
    doc = extract_bytes(data, name, locator=RULES)
    elapsed = time.perf_counter() - started
    assert elapsed < seconds, f"{name}: {elapsed:.1f} s"
    check_document(doc, data)
    return doc


def test_empty_and_whitespace() -> None:
    assert _timed(b"", "e.txt", 2)["errors"] == [MESSAGES["empty"]]
    assert _timed(b"", "e.html", 2)["errors"] == [MESSAGES["empty"]]
    assert _timed(b" \n\t ", "e.html", 2)["errors"]


def test_binary_inputs() -> None:
    import random

    noise = random.Random(3).randbytes(65536)
    for data in (noise, b"\x89PNG\r\n\x1a\n" + noise, b"\x7fELF" + noise, b"\x00" * 5000):
        doc = _timed(data, "blob", 5)
        assert doc["errors"] and not doc["cells"]


def test_truncated_utf8_yields_a_result_or_a_sentence() -> None:
    data = _reports()[1].encode("utf-8")
    cut = next(i for i in range(len(data) - 1, 0, -1) if data[i] >= 0xE0)  # inside a 3-byte char
    for piece in (data[: cut + 1], data[: cut + 2], data[:10] + b"\xe4"):
        _timed(piece, "t.txt", 10)
        html = _html(_reports()[1]).encode("utf-8")
        _timed(html[: len(html) // 2 + 1], "t.html", 10)


def test_100_mb_input_is_refused_quickly_and_without_copies() -> None:
    big = b"\xe4\xb8\x80" * (100 * 1024 * 1024 // 3)
    for data, name in ((big, "big.txt"), (b"<html>" + big, "big.html"), (b"%PDF-1.4" + big, "big.pdf")):
        tracemalloc.start()
        doc = _timed(data, name, 3)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < 16 * 1024 * 1024, f"{peak / 2**20:.0f} MB allocated"
        assert doc["errors"][0].startswith(MESSAGES["too_large"]) and "100.0 MB" in doc["errors"][0]


def test_text_and_html_over_the_character_cap_are_refused() -> None:
    text = ("一二三四五六七八九十" * (MAX_CHARS // 10 + 1000)).encode("utf-8")
    assert _timed(text, "long.txt", 10)["errors"][0].startswith(MESSAGES["too_large"])
    html = b"<html><body>" + b"<p>" + text + b"</p></body></html>"
    assert _timed(html, "long.html", 20)["errors"][0].startswith(MESSAGES["too_large"])


def test_deeply_nested_html_is_read() -> None:
    inner = _html(_reports()[2]).encode("utf-8")
    body = inner[inner.index(b"<body>") + 6 : inner.index(b"</body>")]
    for open_tag, close_tag in ((b"<div>", b"</div>"), (b"<span><b>", b"</b></span>"), (b"<table><tr><td>", b"")):
        depth = 100_000
        data = b"<html><body>" + open_tag * depth + body + close_tag * depth + b"</body></html>"
        doc = _timed(data, "deep.html", 30)
        assert doc["sections"], doc["errors"]


def test_html_whose_meta_charset_lies_extracts_like_the_truth() -> None:
    text = _reports()[3]
    truth = extract_bytes(_html(text).encode("utf-8"), "t.html", locator=RULES)
    assert truth["cells"]
    for declared, actual in (("utf-8", "gb18030"), ("gbk", "utf-8"), ("big5", "gb18030"), ("iso-8859-1", "gb18030")):
        doc = _timed(_html(text, declared).encode(actual), "lie.html", 10)
        assert doc["source"]["rendered_text"] == truth["source"]["rendered_text"], (declared, actual)
        assert doc["cells"] == truth["cells"]


def test_raw_is_the_printed_text_on_one_line_traditional_bodies() -> None:
    """Found by the fuzz target: 減6 / 萬元 printed, raw 减6 / 万元 (crawl-style one-line body)."""
    text = generate(4, seed=13)[1]["text"]
    page = f"<html><body><p>{text}</p></body></html>".encode()
    doc = extract_bytes(page, "one-line.html", locator=RULES)
    rendered = doc["source"]["rendered_text"]
    wrong = [c for c in doc["cells"] if c["start"] is not None and rendered[c["start"] : c["end"]] != c["raw"]]
    assert wrong == []
