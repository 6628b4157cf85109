"""The HTTP service over real HTTP on loopback: uvicorn in a thread, requests with httpx."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from nianbao.cli import app as cli_app
from nianbao.evaluation.bench.batch import write_generated
from nianbao.extraction.pipeline import Extractor
from nianbao.extraction.service.app import create_app

uvicorn = pytest.importorskip("uvicorn")
MODEL = "rules"
LIMIT = 64 * 1024


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_generated(tmp_path_factory.mktemp("svc"), 1, seed=11, styles=("pdf",))[0]


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(create_app(max_bytes=LIMIT, model=MODEL), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=30) as session:
        yield session


def test_health_and_openapi_docs(client: httpx.Client) -> None:
    health = client.get("/health")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert health.json()["schema"] == "nianbao.report/1" and health.json()["max_bytes"] == LIMIT
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    spec = client.get("/openapi.json").json()
    body = spec["paths"]["/extract"]["post"]["requestBody"]["content"]
    assert {"application/json", "multipart/form-data"} <= set(body)


def test_json_text_upload_and_raw_body_return_the_contract_document(client: httpx.Client, report: Path) -> None:
    data = report.read_bytes()
    expected = Extractor(MODEL)(data, name=report.name)
    as_json = client.post("/extract", json={"text": data.decode("utf-8"), "name": report.name})
    assert as_json.status_code == 200 and as_json.json() == expected
    upload = client.post("/extract", files={"file": (report.name, data, "text/plain")})
    assert upload.status_code == 200 and upload.json() == expected
    raw = client.post("/extract", params={"name": report.name}, content=data, headers={"content-type": "text/plain"})
    assert raw.status_code == 200 and raw.json() == expected
    assert expected["cells"] and expected["schema"] == "nianbao.report/1"


def test_unreadable_content_is_a_document_with_errors(client: httpx.Client) -> None:
    binary = client.post("/extract", files={"file": ("x.bin", bytes(range(256)) * 4, "application/octet-stream")})
    assert binary.status_code == 200
    assert binary.json()["errors"] and binary.json()["cells"] == []
    prose = client.post("/extract", json={"text": "这不是年度报告。"})
    assert prose.status_code == 200 and "does not look like" in prose.json()["errors"][0]


def test_bad_requests_get_clear_4xx(client: httpx.Client) -> None:
    cases = {
        400: client.post("/extract", content=b'{"text": ', headers={"content-type": "application/json"}),
        415: client.post("/extract", content=b"x", headers={"content-type": "image/png"}),
    }
    missing = client.post("/extract", json={"txt": "…"})
    empty = client.post("/extract", files={"file": ("empty.txt", b"", "text/plain")})
    no_file = client.post("/extract", data={"other": "x"}, files={"unrelated": ("a", b"a")})
    for status, response in cases.items():
        assert response.status_code == status and response.json()["detail"]
    assert missing.status_code == 422 and '"text"' in missing.json()["detail"]
    assert empty.status_code == 422 and "empty" in empty.json()["detail"]
    assert no_file.status_code == 422 and '"file"' in no_file.json()["detail"]


def test_size_limit_gives_413_by_header_and_while_streaming(client: httpx.Client) -> None:
    big = b"a" * (LIMIT + 1)
    by_header = client.post("/extract", content=big, headers={"content-type": "text/plain"})
    assert by_header.status_code == 413 and "limit" in by_header.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it is read
        for _ in range(4):
            yield b"b" * (LIMIT // 2)

    streamed = client.post("/extract", content=chunks(), headers={"content-type": "text/plain"})
    assert streamed.status_code == 413
    assert client.get("/health").status_code == 200  # the service is still up


def test_serve_command_is_registered() -> None:
    result = CliRunner().invoke(cli_app, ["serve", "--help"])
    assert result.exit_code == 0 and "--max-mb" in result.output
