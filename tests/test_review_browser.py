"""The review app in a real headless Chromium (Playwright driving Debian's chromium).

Sign in, open the queue, open a field, see its span highlighted in the source text, edit
the value, provoke a conflict from a second reviewer's session, export, and find the
correction in the training JSONL. Over every seed: the Chinese interface, paging the queue by
keys, accepting by a key, choosing a whole-row reading, correcting by selecting a number in
the source text, the English switch. A failure saves a screenshot of each page (its path is
in the failure). ``make browser`` installs chromium; without it this skips.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import typer
import uvicorn
from typer.testing import CliRunner

from nianbao.annotations import read_jsonl
from nianbao.extraction.inputs.decode import decode
from nianbao.extraction.pipeline import extract
from nianbao.extraction.review import cli as review_cli
from nianbao.extraction.review.app import create_app
from nianbao.extraction.review.store import ReviewStore

SEED = "seeds/000_c304030f2df1b677.txt"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (`make browser` installs it)"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture()
def served(tmp_path: Path, shared: Path) -> Iterator[tuple[str, str, ReviewStore, str]]:
    """A review database with the seed report, served by uvicorn on a free loopback port."""
    url = f"sqlite:///{tmp_path / 'review.db'}"
    store = ReviewStore(url)
    path = shared / SEED
    text = decode(path.read_bytes()).text
    store.load_report(extract(path), text)
    store.add_reviewer("bob", "bob-secret-pw")
    token = store.add_reviewer("alice")
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(url), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", url, store, token
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        store.close()


def test_sign_in_queue_highlight_edit_conflict_export(
    served: tuple[str, str, ReviewStore, str], tmp_path: Path, shared: Path
) -> None:
    from playwright.sync_api import sync_playwright

    base, url, store, token = served
    text = decode((shared / SEED).read_bytes()).text
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            alice = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
            bob = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
            for page in (alice, bob):
                page.set_default_timeout(15_000)
                page.on("dialog", lambda dialog: pytest.fail(f"a script ran: {dialog.message}"))

            # anonymous: the queue sends you to sign in
            alice.goto(f"{base}/queue")
            assert "/login" in alice.url
            alice.fill("#secret", token)
            alice.click("#signin")
            alice.wait_for_url(f"{base}/queue")
            assert alice.inner_text("#who") == "alice"

            # the queue: lowest confidence first
            cells = alice.locator("#queue tr[data-field] td.num").all_inner_texts()
            assert cells and [float(c) for c in cells] == sorted(float(c) for c in cells)
            queue = store.queue()
            assert int(alice.locator("#queue tr[data-field]").first.get_attribute("data-field")) == queue[0].id

            # open the least confident field that was printed: its span is highlighted in the source
            first = next(field for field in queue if field.head.start is not None)
            alice.locator(f"#queue tr[data-field='{first.id}'] a.open").click()
            alice.wait_for_selector("mark#focus")
            mark = alice.locator("mark#focus")
            assert int(mark.get_attribute("data-field")) == first.id
            assert mark.inner_text() == text[first.head.start : first.head.end]
            assert mark.evaluate("m => getComputedStyle(m).backgroundColor") == "rgb(255, 213, 74)"
            assert mark.evaluate("""m => { const r = m.getBoundingClientRect(), s =
            m.closest('#source').getBoundingClientRect();
                                      return r.top >= s.top && r.bottom <= s.bottom; }""")  # scrolled into view
            assert "focus-cell" in alice.locator(f"td[data-field='{first.id}']").get_attribute("class")

            # bob signs in with name + password and opens the same field (he sees the same revision)
            bob.goto(f"{base}/login")
            bob.fill("#name", "bob")
            bob.fill("#secret", "bob-secret-pw")
            bob.click("#signin")
            bob.wait_for_url(f"{base}/queue")
            bob.goto(alice.url)
            assert int(bob.locator("#field-panel").get_attribute("data-revision")) == first.head.id

            # alice corrects the value
            alice.fill("#edit-value", "13")
            alice.click("#edit")
            alice.wait_for_load_state()
            assert alice.inner_text(f"td[data-field='{first.id}']").strip() == "13"

            # bob's edit of the revision he saw is refused: 409, alice's value stands
            bob.fill("#edit-value", "14")
            with bob.expect_response(lambda r: r.request.method == "POST" and "/fields/" in r.url) as answer:
                bob.click("#edit")
            assert answer.value.status == 409
            assert "冲突" in bob.inner_text("h1")
            assert bob.inner_text("#current-value") == "13"
            bob.click("#back")
            assert bob.inner_text(f"td[data-field='{first.id}']").strip() == "13"
        finally:
            browser.close()

    history = store.history(first.id)
    assert [(r.reviewer, r.action, r.raw) for r in history] == [
        (None, "extracted", first.head.raw),
        ("alice", "edit", "13"),
    ]

    out = tmp_path / "corrections.jsonl"
    cli_app = typer.Typer()
    cli_app.command("noop")(lambda: None)
    review_cli.register(cli_app)  # as nianbao.cli does
    result = CliRunner().invoke(cli_app, ["review", "export", "--db", url, "-o", str(out)])
    assert result.exit_code == 0, result.output
    [record] = list(read_jsonl(out))
    cell = next(c for c in record["cells"] if (c["table"], c["row"], c["col"]) == first.key)
    assert cell["value"] == 13 and cell["review"] == {
        "status": "corrected",
        "reviewer": "alice",
        "revision": history[-1].id,
    }
    assert record["meta"]["reviewers"] == ["alice"] and record["text"] == text


SEEDS = [
    "seeds/000_c304030f2df1b677.txt",
    "seeds/001_6d8c5d61ee13f09e.txt",
    "seeds/002_0894b26ac3a47999.txt",
    "seeds/003_00d1a30b4b93398f.txt",
    "seeds/004_136fd1d98cf7f7a0.txt",
]


@contextmanager
def screenshots_on_failure(pages: dict[str, Any], folder: Path) -> Iterator[None]:
    """On any failure inside, save a full-page screenshot of every page and name the files."""
    try:
        yield
    except BaseException as exc:
        saved = []
        for name, page in pages.items():
            path = folder / f"failure-{name}.png"
            try:
                page.screenshot(path=str(path), full_page=True)
                saved.append(str(path))
            except Exception as shot_error:  # noqa: BLE001 - a failed screenshot must not hide the failure
                saved.append(f"{name}: no screenshot ({shot_error})")
        exc.add_note("browser screenshots: " + ", ".join(saved))
        print("browser screenshots:", *saved)
        raise


@pytest.fixture()
def served_seeds(tmp_path: Path, shared: Path) -> Iterator[tuple[str, ReviewStore, str, dict[str, str]]]:
    """Every seed report in a review database, served on a free loopback port."""
    url = f"sqlite:///{tmp_path / 'review.db'}"
    store = ReviewStore(url)
    texts = {}
    for name in SEEDS:
        path = shared / name
        texts[path.name] = decode(path.read_bytes()).text
        store.load_report(extract(path), texts[path.name])
    token = store.add_reviewer("carol")
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(url), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", store, token, texts
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        store.close()


SELECT_SPAN = """([start, end]) => {
  const at = (offset) => {
    for (const seg of document.querySelectorAll('#source-text [data-o]')) {
      const o = Number(seg.dataset.o), chars = Array.from(seg.textContent);
      if (o <= offset && offset <= o + chars.length) {
        let left = chars.slice(0, offset - o).join('').length;
        const walker = document.createTreeWalker(seg, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          if (left <= node.data.length) return [node, left];
          left -= node.data.length;
        }
      }
    }
    throw new Error('offset ' + offset + ' is in no segment');
  };
  const range = document.createRange();
  range.setStart(...at(start));
  range.setEnd(...at(end));
  const sel = window.getSelection();
  sel.removeAllRanges();
  sel.addRange(range);
  return sel.toString();
}"""


def test_decisions_span_keys_pages_and_chinese(
    served_seeds: tuple[str, ReviewStore, str, dict[str, str]], tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    base, store, token, texts = served_seeds
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
        page.set_default_timeout(15_000)
        page.on("dialog", lambda dialog: pytest.fail(f"a script ran: {dialog.message}"))
        try:
            with screenshots_on_failure({"carol": page}, tmp_path):
                _walk_through(page, base, store, token, texts)
        finally:
            browser.close()


def _walk_through(page: Any, base: str, store: ReviewStore, token: str, texts: dict[str, str]) -> None:
    # Chinese by default, from the sign-in page on
    page.goto(f"{base}/queue")
    assert page.locator("html").get_attribute("lang") == "zh-CN" and page.inner_text("#signin") == "登录"
    page.fill("#secret", token)
    page.click("#signin")
    page.wait_for_url(f"{base}/queue")
    assert page.inner_text("h1") == "待审队列"
    fields, items, _ = store.queue_count()
    assert int(page.get_attribute("#queue-count", "data-fields")) == fields > 200
    assert f"{fields}" in page.inner_text("#queue-count")

    # pagination by keys and links: every item once, in queue order
    page.goto(f"{base}/queue?per=25")
    ids: list[int] = []
    for number in range(1, -(-items // 25) + 1):
        assert page.inner_text("#page-of") == f"第 {number} / {-(-items // 25)} 页"
        ids += [
            int(i) for i in page.locator("#queue tr[data-field]").evaluate_all("rows => rows.map(r => r.dataset.field)")
        ]
        if number < -(-items // 25):
            page.keyboard.press("n")
            page.wait_for_url(f"**page={number + 1}*")
    assert ids == [f.id for f in store.queue(limit=None)]
    page.keyboard.press("p")
    page.wait_for_url(f"**page={-(-items // 25) - 1}*")
    page.click("#next-page")
    page.wait_for_url(f"**page={-(-items // 25)}*")

    # on the queue: `j` moves the cursor, `a` accepts the item under it
    page.goto(f"{base}/queue")
    rows = page.locator("#queue tr[data-field]")
    index = next(i for i in range(rows.count()) if rows.nth(i).get_attribute("data-decision") is None)
    picked = int(rows.nth(index).get_attribute("data-field"))
    for _ in range(index + 1):
        page.keyboard.press("j")
    assert rows.nth(index).get_attribute("class").endswith("cur")
    with page.expect_navigation():
        page.keyboard.press("a")
    head = store.field(picked).head
    assert (head.action, head.status, head.reviewer) == ("accept", "accepted", "carol")
    assert picked not in [
        int(i) for i in page.locator("#queue tr[data-field]").evaluate_all("rs => rs.map(r => r.dataset.field)")
    ]

    # keyboard accept of a single field: `a` on its page
    queue = store.queue(limit=None)
    decided = {(d.report_id, d.table) for rid in store.report_ids() for d in store.decisions(rid)}
    single = next(f for f in queue if (f.report_id, f.table) not in decided and f.head.start is not None)
    page.goto(f"{base}/reports/{single.report_id}?field={single.id}#focus")
    with page.expect_navigation():
        page.keyboard.press("a")
    assert f"field={single.id}#" not in page.url  # on to the next open item
    head = store.field(single.id).head
    assert (head.action, head.status, head.reviewer) == ("accept", "accepted", "carol")

    # a whole-row decision: the readings side by side, one click picks one for every cell
    report = store.report_ids()[0]
    decision = next(d for d in store.decisions(report) if d.row == "new_received")
    focus = next(f for f in store.fields(report) if f.table == decision.table and f.row == decision.row)
    page.goto(f"{base}/reports/{report}?field={focus.id}#focus")
    assert page.locator("#readings tr.reading").count() == len(decision.readings)
    other = next(i for i in range(len(decision.readings)) if i != decision.current)
    with page.expect_navigation():
        page.click(f"#choose-{other + 1}")
    after = {(f.row, f.col): f.head for f in store.fields(report) if decision.covers(f.row, f.col)}
    assert [(after[(c.row, c.col)].raw, after[(c.row, c.col)].start) for c in decision.readings[other]] == [
        (c.raw, c.start) for c in decision.readings[other]
    ]
    assert {h.action for h in after.values()} == {"choose"} and {h.reviewer for h in after.values()} == {"carol"}
    page.goto(f"{base}/reports/{report}?field={focus.id}#focus")
    assert page.locator(f"#readings tr.reading[data-reading='{other + 1}']").get_attribute("class") == "reading now"
    assert page.locator("#checks").is_visible()

    # correcting by selecting the number in the source text: the span is recorded and highlighted
    report = store.report_ids()[4]
    text = texts[store.report(report).name]
    target = next(f for f in store.queue(report_id=report) if f.head.start is not None)
    source = next(
        f
        for f in store.fields(report)
        if f.head.start is not None and f.head.raw.isdigit() and f.head.raw != target.head.raw
    )
    page.goto(f"{base}/reports/{report}?field={target.id}#focus")
    assert page.is_disabled("#use-selection")
    selected = page.evaluate(SELECT_SPAN, [source.head.start, source.head.end])
    assert selected == text[source.head.start : source.head.end]
    page.wait_for_function("() => !document.querySelector('#use-selection').disabled")
    assert page.inner_text("#selection-preview") == source.head.raw
    with page.expect_navigation():
        page.keyboard.press("s")
    head = store.field(target.id).head
    assert (head.raw, head.start, head.end, head.reviewer) == (
        source.head.raw,
        source.head.start,
        source.head.end,
        "carol",
    )
    page.goto(f"{base}/reports/{report}?field={target.id}#focus")
    mark = page.locator("mark#focus")
    assert mark.inner_text() == source.head.raw and int(mark.get_attribute("data-o")) == source.head.start

    # the English switch
    with page.expect_navigation():
        page.click("#lang")
    assert page.locator("html").get_attribute("lang") == "en" and "Accept" in page.inner_text("#accept")


def test_a_failing_browser_check_leaves_a_screenshot(
    served_seeds: tuple[str, ReviewStore, str, dict[str, str]], tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    base = served_seeds[0]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        try:
            with pytest.raises(AssertionError) as failure, screenshots_on_failure({"probe": page}, tmp_path):
                page.goto(f"{base}/login")
                assert page.inner_text("h1") == "no such heading"
        finally:
            browser.close()
    shot = tmp_path / "failure-probe.png"
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and str(shot) in "".join(failure.value.__notes__)
