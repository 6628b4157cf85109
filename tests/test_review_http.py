"""The review app over HTTP (FastAPI TestClient): sign-in, escaping, CSRF, 409 conflicts."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from nianbao.extraction.inputs.decode import decode
from nianbao.extraction.pipeline import extract, extract_text
from nianbao.extraction.review.app import COOKIE, create_app
from nianbao.extraction.review.store import ReviewStore

SEED = "seeds/004_136fd1d98cf7f7a0.txt"  # has failed checks


@pytest.fixture(scope="module")
def seed(shared: Path) -> tuple[dict, str]:
    path = shared / SEED
    return extract(path), decode(path.read_bytes()).text


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory, seed: tuple[dict, str]) -> tuple[Path, dict[str, str]]:
    """A store with the seed report and two reviewers, built once and copied per test."""
    path = tmp_path_factory.mktemp("review") / "template.db"
    store = ReviewStore(f"sqlite:///{path}")
    store.load_report(*seed)
    tokens = {"alice": store.add_reviewer("alice"), "bob": store.add_reviewer("bob")}
    store.close()
    return path, tokens


@pytest.fixture()
def env(tmp_path: Path, template_db: tuple[Path, dict[str, str]]) -> tuple[ReviewStore, dict[str, str]]:
    shutil.copy(template_db[0], tmp_path / "review.db")
    store = ReviewStore(f"sqlite:///{tmp_path / 'review.db'}")
    yield store, dict(template_db[1])
    store.close()


def signed_in(store: ReviewStore, token: str) -> TestClient:
    client = TestClient(create_app(store))
    response = client.post("/login", data={"secret": token}, follow_redirects=False)
    assert response.status_code == 303 and COOKIE in response.cookies
    return client


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', html).group(1)


def test_anonymous_users_read_nothing_and_change_nothing(env: tuple[ReviewStore, dict[str, str]]) -> None:
    store, _ = env
    client = TestClient(create_app(store))
    field = store.queue()[0]
    for path in ("/queue", "/reports", f"/reports/{field.report_id}?field={field.id}"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert client.get("/api/queue").status_code == 401
    assert client.get(f"/api/fields/{field.id}").status_code == 401
    for action in ("accept", "edit", "mark"):
        response = client.post(f"/fields/{field.id}/{action}", data={"revision": field.head.id, "value": "1"})
        assert response.status_code == 401
    assert client.post("/bulk-accept", data={"item": f"{field.id}:{field.head.id}"}).status_code == 401
    assert (
        client.post(f"/api/fields/{field.id}", json={"action": "accept", "revision": field.head.id}).status_code == 401
    )
    forged = TestClient(create_app(store), cookies={COOKIE: "1.9999999999.deadbeef"})
    assert forged.post(f"/fields/{field.id}/accept", data={"revision": field.head.id}).status_code == 401
    assert len(store.history(field.id)) == 1


def test_wrong_secrets_do_not_sign_in(env: tuple[ReviewStore, dict[str, str]]) -> None:
    store, tokens = env
    client = TestClient(create_app(store))
    assert client.post("/login", data={"secret": tokens["alice"] + "x"}).status_code == 401
    assert client.post("/login", data={"name": "bob", "secret": tokens["alice"]}).status_code == 401
    assert client.get("/api/queue", headers={"Authorization": "Bearer nbr_1_nope"}).status_code == 401
    assert client.get("/api/queue", headers={"Authorization": f"Bearer {tokens['alice']}"}).status_code == 200


def test_queue_lists_lowest_confidence_first_with_the_failed_rule(env: tuple[ReviewStore, dict[str, str]]) -> None:
    store, tokens = env
    client = signed_in(store, tokens["alice"])
    html = client.get("/queue").text
    shown = [float(x) for x in re.findall(r'<td class="num[^"]*">([0-9.]+)</td>', html)]
    assert shown and shown == sorted(shown)
    assert "requests.col_sum.natural_person" in html
    assert "Content-Security-Policy" in client.get("/queue").headers


def test_report_page_highlights_the_field_span(env: tuple[ReviewStore, dict[str, str]], seed: tuple[dict, str]) -> None:
    store, tokens = env
    client = signed_in(store, tokens["alice"])
    field = next(f for f in store.queue() if f.head.start is not None and f.head.end > f.head.start)
    html = client.get(f"/reports/{field.report_id}?field={field.id}").text
    text = seed[1]
    marked = re.search(r'<mark id="focus" class="focus" data-field="(\d+)" data-o="(\d+)">([^<]*)</mark>', html)
    assert marked and int(marked.group(1)) == field.id and marked.group(3) == text[field.head.start : field.head.end]
    assert int(marked.group(2)) == field.head.start  # the offset the page's script counts from
    before = re.sub(r"<[^>]+>", "", html.split('<pre id="source-text">\n', 1)[1].split('<mark id="focus"', 1)[0])
    assert (
        before.replace("&#34;", '"')
        .replace("&#39;", "'")
        .replace("&amp;", "&")
        .endswith(text[: field.head.start][-30:])
    )


def test_edit_then_stale_edit_is_409_and_nothing_is_overwritten(env: tuple[ReviewStore, dict[str, str]]) -> None:
    store, tokens = env
    alice, bob = signed_in(store, tokens["alice"]), signed_in(store, tokens["bob"])
    field = store.queue()[0]
    page_a = alice.get(f"/reports/{field.report_id}?field={field.id}").text
    page_b = bob.get(f"/reports/{field.report_id}?field={field.id}").text
    form = {"revision": field.head.id, "value": "41", "csrf": csrf_of(page_a)}
    response = alice.post(f"/fields/{field.id}/edit", data=form, follow_redirects=False)
    assert response.status_code == 303
    stale = {"revision": field.head.id, "value": "42", "csrf": csrf_of(page_b)}
    response = bob.post(f"/fields/{field.id}/edit", data=stale)
    assert response.status_code == 409 and "冲突" in response.text and ">41<" in response.text
    history = store.history(field.id)
    assert [(r.reviewer, r.raw) for r in history[1:]] == [("alice", "41")]
    assert store.field(field.id).head.value == 41


def test_forms_need_the_sessions_csrf_token(env: tuple[ReviewStore, dict[str, str]]) -> None:
    store, tokens = env
    alice, bob = signed_in(store, tokens["alice"]), signed_in(store, tokens["bob"])
    field = store.queue()[0]
    bobs = csrf_of(bob.get("/queue").text)
    assert alice.post(f"/fields/{field.id}/accept", data={"revision": field.head.id}).status_code == 403
    assert alice.post(f"/fields/{field.id}/accept", data={"revision": field.head.id, "csrf": bobs}).status_code == 403
    assert len(store.history(field.id)) == 1


def test_bulk_accept_and_api_conflict(env: tuple[ReviewStore, dict[str, str]]) -> None:
    store, tokens = env
    alice = signed_in(store, tokens["alice"])
    a, b = store.queue()[:2]
    csrf = csrf_of(alice.get("/queue").text)
    items = [f"{a.id}:{a.head.id}", f"{b.id}:{b.head.id}"]
    assert alice.post("/bulk-accept", data={"item": items, "csrf": csrf}, follow_redirects=False).status_code == 303
    assert [store.field(f.id).head.status for f in (a, b)] == ["accepted", "accepted"]
    assert alice.post("/bulk-accept", data={"item": items, "csrf": csrf}).status_code == 409
    api = TestClient(create_app(store), headers={"Authorization": f"Bearer {tokens['bob']}"})
    c = store.queue()[0]
    ok = api.post(f"/api/fields/{c.id}", json={"action": "edit", "revision": c.head.id, "value": "3"})
    assert ok.status_code == 200 and ok.json()["value"] == 3 and ok.json()["reviewer"] == "bob"
    clash = api.post(f"/api/fields/{c.id}", json={"action": "accept", "revision": c.head.id})
    assert clash.status_code == 409 and clash.json()["current"]["id"] == ok.json()["id"]
    bad = api.post(f"/api/fields/{c.id}", json={"action": "edit", "revision": ok.json()["id"], "value": "ten"})
    assert bad.status_code == 422
    cookie_api = alice.post(f"/api/fields/{c.id}", json={"action": "accept", "revision": ok.json()["id"]})
    assert cookie_api.status_code == 403  # cookie sessions must use the CSRF-protected forms


def test_report_text_is_escaped_everywhere(tmp_path: Path) -> None:
    text = (
        "<script>alert('x')</script>局<b>2020</b>年政府信息公开工作年度报告\n"
        "一、总体情况\n<img src=x onerror=alert(1)>\n"
        "三、收到和处理政府信息公开申请情况\n一、本年新收政府信息公开申请数量 1 0 0 0 0 0 1\n"
    )
    doc = extract_text(text, name="<script>x</script>.txt")
    store = ReviewStore(str(tmp_path / "x.db"))
    store.load_report(doc, text)
    client = signed_in(store, store.add_reviewer("<script>alert(2)</script>"))
    field = store.fields(store.report_ids()[0])[0]
    pages = [client.get(p).text for p in ("/queue?all=1", "/reports", f"/reports/{field.report_id}?field={field.id}")]
    for html in pages:
        assert html.count('<script src="/static/review.js" defer></script>') == 1  # the one script, from 'self'
        html = html.replace('<script src="/static/review.js" defer></script>', "")
        assert "<script" not in html.lower() and "<img" not in html.lower() and "<b>" not in html
    report = pages[2]
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in report
    assert "&lt;img src=x onerror=alert(1)&gt;" in report
    assert "&lt;script&gt;x&lt;/script&gt;.txt" in report
