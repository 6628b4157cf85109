"""The service and the review app answer 4xx, never 5xx, to hostile requests: malformed and
100k-deep JSON, lone surrogates, malformed cookies and tokens, non-ASCII CSRF fields and
out-of-range numbers. Logout ends the session on the server; ``nianbao review revoke`` ends a
reviewer's token; audit times carry a timezone. The real FastAPI apps, through TestClient."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from nianbao.cli import app as cli
from nianbao.extraction.inputs.decode import decode
from nianbao.extraction.pipeline import extract
from nianbao.extraction.review.app import COOKIE, create_app
from nianbao.extraction.review.store import ReviewStore
from nianbao.extraction.service.app import create_app as create_service
from nianbao.extraction.text.locator import RuleLocator

from .conftest import SHARED

SEED = SHARED / "seeds" / "004_136fd1d98cf7f7a0.txt"
DEEP = "[" * 100_000 + "]" * 100_000
JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module")
def service() -> TestClient:
    return TestClient(create_service(model="rules"), raise_server_exceptions=False)


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        (DEEP, 400, "nested too deeply"),
        ('{"text": ' + DEEP + "}", 400, "nested too deeply"),
        ('{"text": "abc", "name": ' + DEEP + "}", 400, "nested too deeply"),
        ('{"text": "\\ud800"}', 422, "surrogate"),
        ('{"text": "一\\udfff二"}', 422, "at character 1"),
        ('{"text": ', 400, "not valid JSON"),
        (b'{"text": "\xff"}', 400, "not valid JSON"),
        ('{"text": 1e999999}', 422, '"text" string'),
        ('{"text": ' + "9" * 5000 + "}", 400, "not valid JSON"),
        ("[1, 2]", 422, '"text" string'),
    ],
)
def test_service_answers_hostile_json_with_4xx(
    service: TestClient, body: str | bytes, status: int, fragment: str
) -> None:
    response = service.post("/extract", content=body, headers=JSON)
    assert response.status_code == status, response.text
    assert fragment in response.json()["detail"]


def test_service_names_with_surrogates_are_cleaned(service: TestClient) -> None:
    text = SEED.read_text("utf-8")
    response = service.post(
        "/extract", content='{"text": ' + _json_str(text) + ', "name": "\\udfffx.txt"}', headers=JSON
    )
    assert response.status_code == 200 and response.json()["source"]["name"] == "?x.txt"
    assert response.json()["cells"]
    raw = service.post("/extract?name=%ED%A0%80.txt", content=text.encode(), headers={"content-type": "text/plain"})
    assert raw.status_code == 200 and raw.json()["cells"]


def _json_str(text: str) -> str:
    import json

    return json.dumps(text)


def test_service_malformed_headers_and_multipart_are_4xx(service: TestClient) -> None:
    cases = [
        (b"abc", {"content-type": "multipart/form-data"}),
        (
            b'--b\r\nContent-Disposition: form-data; name="file"\r\n\r\nabc',
            {"content-type": "multipart/form-data; boundary=b"},
        ),
        (b"abc", {"content-type": "text/plain", "content-length": "-1"}),
        (b"abc", {"content-type": b"application/x-\xff"}),
    ]
    for body, headers in cases:
        assert 400 <= service.post("/extract", content=body, headers=headers).status_code < 500, headers


# --------------------------------------------------------------------------- the review app


@pytest.fixture()
def review(tmp_path: Path) -> tuple[ReviewStore, str]:
    store = ReviewStore(f"sqlite:///{tmp_path / 'review.db'}")
    store.load_report(extract(SEED, locator=RuleLocator()), decode(SEED.read_bytes()).text)
    token = store.add_reviewer("alice")
    yield store, token
    store.close()


def _signed_in(store: ReviewStore, token: str) -> tuple[TestClient, str, str]:
    """A client signed in by cookie, its cookie and a CSRF token from a page."""
    client = TestClient(create_app(store), raise_server_exceptions=False)
    response = client.post("/login", data={"secret": token}, follow_redirects=False)
    assert response.status_code == 303
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', client.get("/queue").text).group(1)
    return client, response.cookies[COOKIE], csrf


def _bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


HUGE = "9" * 25


@pytest.mark.parametrize(
    "path",
    [
        "/api/queue?limit=1e20",
        f"/api/queue?limit={HUGE}",
        "/api/queue?limit=-1",
        "/api/queue?limit=0",
        f"/api/queue?report={HUGE}",
        f"/api/fields/{HUGE}",
        "/api/fields/-5",
        f"/reports/{HUGE}",
        f"/reports/1?field={HUGE}",
        f"/queue?report={HUGE}",
    ],
)
def test_out_of_range_numbers_are_422(review: tuple[ReviewStore, str], path: str) -> None:
    store, token = review
    client = TestClient(create_app(store), raise_server_exceptions=False)
    assert client.get(path, headers=_bearer(token)).status_code == 422


def test_limit_bounds_the_queue(review: tuple[ReviewStore, str]) -> None:
    store, token = review
    client = TestClient(create_app(store))
    everything = client.get("/api/queue?all=1&limit=1000", headers=_bearer(token)).json()
    assert len(everything) > 3
    assert len(client.get("/api/queue?all=1&limit=3", headers=_bearer(token)).json()) == 3


@pytest.mark.parametrize(
    "token",
    [f"nbr_{HUGE}_x", "nbr_12345", "nbr_\u00b2_x", "nbr_1_" + "x" * 10_000, "nbr_", "nbr_1_\u00e9"],
)
def test_malformed_bearer_tokens_are_401(review: tuple[ReviewStore, str], token: str) -> None:
    store, _ = review
    client = TestClient(create_app(store), raise_server_exceptions=False)
    headers = {"authorization": ("Bearer " + token).encode("utf-8")}
    assert client.get("/api/queue", headers=headers).status_code == 401
    login = client.post("/login", data={"secret": token}, follow_redirects=False)
    assert login.status_code == 401


@pytest.mark.parametrize(
    "cookie",
    [
        "\u00b2.1111111111.ab",
        f"{HUGE}.99999999999.ab",
        "1.99999999999." + "\u00e9" * 64,
        "a.b",
        "1." + "9" * 400 + ".x",
        "1.1.\u00e9",
        "",
        "..",
        "1.2.3.4",
    ],
)
def test_malformed_session_cookies_are_anonymous(review: tuple[ReviewStore, str], cookie: str) -> None:
    store, _ = review
    client = TestClient(create_app(store), raise_server_exceptions=False)
    headers = {"cookie": f"{COOKIE}={cookie}".encode()}
    assert client.get("/api/queue", headers=headers).status_code == 401
    assert client.get("/queue", headers=headers, follow_redirects=False).status_code == 303


def test_non_ascii_csrf_and_junk_form_numbers_are_4xx(review: tuple[ReviewStore, str]) -> None:
    store, token = review
    client, _, csrf = _signed_in(store, token)
    field = client.get("/api/queue", headers=_bearer(token)).json()[0]
    assert client.post("/logout", data={"csrf": "\u00e9" * 32}, follow_redirects=False).status_code == 403
    assert client.post("/bulk-accept", data={"csrf": "\u00e9", "item": "1:1"}).status_code == 403
    for item in (f"{HUGE}:1", f"1:{HUGE}", "x:y", "\u00b2:1"):
        assert 400 <= client.post("/bulk-accept", data={"csrf": csrf, "item": item}).status_code < 500, item
    for path, revision in ((f"/fields/{HUGE}/accept", "1"), (f"/fields/{field['id']}/accept", HUGE)):
        assert 400 <= client.post(path, data={"csrf": csrf, "revision": revision}).status_code < 500
    api = f"/api/fields/{field['id']}"
    head = field["head"]["id"]
    for body in (
        DEEP,
        '{"revision": 1e400, "action": "accept"}',
        '{"revision": "1", "action": "accept"}',
        f'{{"revision": {head}, "action": "edit", "value": "\\ud800"}}',
        f'{{"revision": {head}, "action": "accept", "note": ["x"]}}',
        "[1]",
        "{",
    ):
        response = client.post(api, content=body, headers={**_bearer(token), **JSON})
        assert response.status_code in (400, 422), (body[:60], response.status_code)
    assert client.get(api, headers=_bearer(token)).json()["head"]["id"] == head  # nothing saved


def test_logout_ends_the_session_on_the_server(review: tuple[ReviewStore, str]) -> None:
    store, token = review
    client, cookie, csrf = _signed_in(store, token)
    other, _, _ = _signed_in(store, token)  # a second session of the same reviewer
    assert client.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    replay = TestClient(create_app(store))
    replay.cookies.set(COOKIE, cookie)  # the old cookie, kept by an attacker
    assert replay.get("/api/queue").status_code == 401
    assert replay.get("/queue", follow_redirects=False).status_code == 303
    assert other.get("/api/queue").status_code == 200  # only that session ended


def test_review_revoke_ends_a_reviewers_token_and_sessions(review: tuple[ReviewStore, str], tmp_path: Path) -> None:
    store, token = review
    bob = store.add_reviewer("bob")
    client, _, _ = _signed_in(store, token)
    api = TestClient(create_app(store))
    assert api.get("/api/queue", headers=_bearer(token)).status_code == 200
    result = CliRunner().invoke(cli, ["review", "revoke", "alice", "--db", store.url])
    assert result.exit_code == 0, result.output
    assert "alice" in result.output
    assert api.get("/api/queue", headers=_bearer(token)).status_code == 401
    assert client.get("/api/queue").status_code == 401  # her open session ends too
    assert api.post("/login", data={"secret": token}, follow_redirects=False).status_code == 401
    assert api.get("/api/queue", headers=_bearer(bob)).status_code == 200  # bob is untouched
    unknown = CliRunner().invoke(cli, ["review", "revoke", "nobody", "--db", store.url])
    assert unknown.exit_code == 1 and "nobody" in unknown.output


def test_audit_times_carry_a_timezone(review: tuple[ReviewStore, str]) -> None:
    store, token = review
    client = TestClient(create_app(store))
    field = client.get("/api/queue", headers=_bearer(token)).json()[0]
    saved = client.post(
        f"/api/fields/{field['id']}", json={"revision": field["head"]["id"], "action": "accept"}, headers=_bearer(token)
    ).json()
    history = client.get(f"/api/fields/{field['id']}", headers=_bearer(token)).json()["history"]
    for stamp in [saved["created_at"], *(h["created_at"] for h in history)]:
        assert stamp.endswith("+00:00"), stamp
    for revision in store.history(field["id"]):
        assert revision.created_at.utcoffset() == timedelta(0)
