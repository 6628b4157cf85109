"""The service's API docs with no network, /health naming the model version, ``--version``.

The docs page is loaded in a real headless Chromium (Debian's chromium, as in the review
browser test) that may reach only the service on loopback: every other request is aborted
and recorded, so a page that needs a CDN stays blank and the test fails.
"""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from typer.testing import CliRunner

import nianbao
from nianbao.cli import app as cli_app
from nianbao.extraction.pipeline import DEFAULT_MODEL
from nianbao.extraction.service.about import directory_version
from nianbao.extraction.service.app import create_app

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


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    """The service with the shipped model, on a free loopback port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(workers=1), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def test_health_names_the_model_version(base_url: str) -> None:
    health = httpx.get(f"{base_url}/health", timeout=30).json()
    assert health["version"] == nianbao.__version__
    assert health["model_version"] == directory_version(str(DEFAULT_MODEL))
    assert re.fullmatch(r"default@[0-9a-f]{12}", health["model_version"])


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_load_only_local_assets(base_url: str, page: str) -> None:
    html = httpx.get(f"{base_url}{page}", timeout=30)
    assert html.status_code == 200
    urls = re.findall(r"""(?:src|href)\s*=\s*['"]([^'"]+)['"]""", html.text)
    scripts = [u for u in urls if u.endswith(".js")]
    assert scripts, "the page loads no script"
    for url in urls:
        assert url.startswith("/"), f"{page} loads {url} from elsewhere"
        asset = httpx.get(f"{base_url}{url}", timeout=30)
        assert asset.status_code == 200 and len(asset.content) > 1000, url


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (`make browser`)")
def test_swagger_ui_renders_offline_in_chromium(base_url: str) -> None:
    from playwright.sync_api import sync_playwright

    blocked: list[str] = []

    def only_loopback(route, request) -> None:  # noqa: ANN001 - playwright's Route and Request
        if request.url.startswith(base_url):
            route.continue_()
        else:
            blocked.append(request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(20_000)
            page.route("**/*", only_loopback)
            page.goto(f"{base_url}/docs")
            page.wait_for_selector(".opblock-summary-path")
            paths = page.locator(".opblock-summary-path").all_inner_texts()
            title = page.locator(".info .title").inner_text()
        finally:
            browser.close()
    assert "/extract" in " ".join(paths) and "/health" in " ".join(paths)
    assert "nianbao" in title
    assert blocked == [], f"the docs page tried the network: {blocked}"


def test_version_option() -> None:
    result = CliRunner().invoke(cli_app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"nianbao {nianbao.__version__}"
