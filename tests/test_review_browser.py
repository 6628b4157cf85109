"""The review app in a real headless Chromium (Playwright driving Debian's chromium).

Sign in, open the queue, open a field, see its span highlighted in the source text, edit
the value, provoke a conflict from a second reviewer's session, export, and find the
correction in the training JSONL. ``make browser`` installs chromium; without it this skips.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
import uvicorn
from typer.testing import CliRunner

from nianbao.extraction.pipeline import extract
from nianbao.extraction.reader import decode
from nianbao.extraction.review import cli as review_cli
from nianbao.extraction.review.app import create_app
from nianbao.extraction.review.store import ReviewStore
from nianbao.training.annotations import read_jsonl

SEED = "seeds/000_c304030f2df1b677.txt"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip

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


def test_sign_in_queue_highlight_edit_conflict_export(served: tuple[str, str, ReviewStore, str], tmp_path: Path, shared: Path) -> None:
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
            assert mark.evaluate("""m => { const r = m.getBoundingClientRect(), s = m.closest('#source').getBoundingClientRect();
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
    assert [(r.reviewer, r.action, r.raw) for r in history] == [(None, "extracted", first.head.raw), ("alice", "edit", "13")]

    out = tmp_path / "corrections.jsonl"
    cli_app = typer.Typer()
    cli_app.command("noop")(lambda: None)
    review_cli.register(cli_app)  # as nianbao.cli does
    result = CliRunner().invoke(cli_app, ["review", "export", "--db", url, "-o", str(out)])
    assert result.exit_code == 0, result.output
    [record] = list(read_jsonl(out))
    cell = next(c for c in record["cells"] if (c["table"], c["row"], c["col"]) == first.key)
    assert cell["value"] == 13 and cell["review"] == {"status": "corrected", "reviewer": "alice", "revision": history[-1].id}
    assert record["meta"]["reviewers"] == ["alice"] and record["text"] == text
