"""The review queue at scale and the decisions on a report page, over HTTP (FastAPI TestClient)
on all the real seeds: true counts, pages, filters, Chinese/English, per-report bulk accept,
whole-row readings, corrections by a selected span, edits of a report's details."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from nianbao.extraction.inputs.decode import decode
from nianbao.extraction.pipeline import extract
from nianbao.extraction.review.app import create_app
from nianbao.extraction.review.queries import QueueFilter
from nianbao.extraction.review.store import ReviewStore

REPORTS = [
    "seeds/000_c304030f2df1b677.txt",
    "seeds/001_6d8c5d61ee13f09e.txt",
    "seeds/002_0894b26ac3a47999.txt",
    "seeds/003_00d1a30b4b93398f.txt",
    "seeds/004_136fd1d98cf7f7a0.txt",
    "dev/pingtan-haitan-2020-crawl.txt",
]


@pytest.fixture(scope="module")
def docs(shared: Path) -> list[tuple[dict, str]]:
    return [(extract(shared / name), decode((shared / name).read_bytes()).text) for name in REPORTS]


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory, docs: list[tuple[dict, str]]) -> tuple[Path, str]:
    path = tmp_path_factory.mktemp("queue") / "template.db"
    store = ReviewStore(str(path))
    for doc, text in docs:
        store.load_report(doc, text)
    token = store.add_reviewer("alice")
    store.close()
    return path, token


@pytest.fixture()
def env(tmp_path: Path, template_db: tuple[Path, str]) -> tuple[ReviewStore, TestClient]:
    shutil.copy(template_db[0], tmp_path / "review.db")
    store = ReviewStore(str(tmp_path / "review.db"))
    client = TestClient(create_app(store))
    assert client.post("/login", data={"secret": template_db[1]}, follow_redirects=False).status_code == 303
    yield store, client
    store.close()


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', html).group(1)


def listed(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr class="st-[a-z]+" data-field="(\d+)"', html)]


def test_queue_counts_every_open_field_and_pages_through_them(env: tuple[ReviewStore, TestClient], docs: list) -> None:
    store, client = env
    in_review = sum(len({(e["table"], e["row"], e["col"]) for e in doc["review"] if "col" in e}) for doc, _ in docs)
    fields, items, decisions = store.queue_count(QueueFilter())
    assert fields == in_review > 200  # the true count, not a page limit
    assert decisions > 0 and items < fields  # the cells of an undecided row are one item
    html = client.get("/queue?per=25").text
    assert f'data-fields="{fields}" data-items="{items}"' in html
    seen: list[int] = []
    page = 1
    while True:
        html = client.get(f"/queue?per=25&page={page}").text
        seen += listed(html)
        if 'id="next-page"' not in html:
            break
        page += 1
    assert page == -(-items // 25) and len(seen) == len(set(seen)) == items
    assert seen == [f.id for f in store.queue(limit=None)]


def test_filters_narrow_the_queue(env: tuple[ReviewStore, TestClient]) -> None:
    store, client = env
    report = store.report_ids()[3]
    html = client.get(f"/queue?report={report}&table=requests&reason=ambiguous_placement&per=200").text
    shown = [store.field(i) for i in listed(html)]
    assert shown and all(
        f.report_id == report and f.table == "requests" and "ambiguous_placement" in f.reasons for f in shown
    )
    html = client.get("/queue?cmin=0.3&cmax=0.5&per=200").text
    confidences = [store.field(i).confidence for i in listed(html)]
    assert confidences and all(0.3 <= c <= 0.5 for c in confidences)
    for bad in ("cmin=abc", "cmin=2", "table=nope", "reason=%22%25", "report=-1", "page=0", "per=100000"):
        response = client.get(f"/queue?{bad}")
        assert 400 <= response.status_code < 500, bad


def test_chinese_by_default_english_on_request(env: tuple[ReviewStore, TestClient]) -> None:
    _, client = env
    html = client.get("/queue").text
    assert '<html lang="zh-CN">' in html and "待审队列" in html and "置信度" in html
    response = client.get("/lang?to=en&next=/queue", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/queue"
    html = client.get("/queue").text
    assert '<html lang="en">' in html and "Review queue" in html and "待审队列" not in html
    assert client.get("/lang?to=en&next=//evil.example", follow_redirects=False).headers["location"] == "/queue"


def test_bulk_accept_of_one_report_is_audited_and_refused_when_stale(env: tuple[ReviewStore, TestClient]) -> None:
    store, client = env
    report = store.report_ids()[0]
    html = client.get("/queue").text
    seen = int(re.search(rf'action="/reports/{report}/accept-open">.*?name="seen" value="(\d+)"', html, re.S).group(1))
    open_before = [f for f in store.fields(report) if f.in_review and f.head.status == "pending"]
    form = {"csrf": csrf_of(html), "seen": seen, "next": "/queue"}
    assert client.post(f"/reports/{report}/accept-open", data=form, follow_redirects=False).status_code == 303
    assert all(
        store.field(f.id).head.status == "accepted" and store.field(f.id).head.reviewer == "alice" for f in open_before
    )
    assert store.queue_count(QueueFilter(report_id=report))[0] == 0
    assert client.post(f"/reports/{report}/accept-open", data=form).status_code == 409  # it changed since


def test_choosing_a_reading_sets_the_whole_row(env: tuple[ReviewStore, TestClient]) -> None:
    store, client = env
    report = store.report_ids()[3]
    fields = store.fields(report)
    decision = next(d for d in store.decisions(report, fields) if d.row == "new_received")
    other = next(i for i in range(len(decision.readings)) if i != decision.current)
    focus = next(f for f in fields if f.table == decision.table and f.row == decision.row)
    html = client.get(f"/reports/{report}?field={focus.id}").text
    assert 'id="decision-panel"' in html and html.count('<tr class="reading') == len(decision.readings)
    form = re.search(rf'<input type="hidden" name="reading" value="{other + 1}">(.*?)<button', html, re.S).group(1)
    items = re.findall(r'name="item" value="([0-9:]+)"', form)
    assert len(items) == len(decision.keys)
    data = {"csrf": csrf_of(html), "reading": other + 1, "item": items}
    assert client.post(f"/decisions/{decision.id}/choose", data=data, follow_redirects=False).status_code == 303
    after = {(f.row, f.col): f for f in store.fields(report) if decision.covers(f.row, f.col)}
    for cell in decision.readings[other]:
        head = after[(cell.row, cell.col)].head
        assert (head.action, head.raw, head.start, head.reviewer) == ("choose", cell.raw, cell.start, "alice")
    assert store.decisions(report)[[d.id for d in store.decisions(report)].index(decision.id)].current == other
    assert client.post(f"/decisions/{decision.id}/choose", data=data).status_code == 409  # stale revisions
    page = client.get(f"/reports/{report}?field={focus.id}").text
    assert 'id="checks"' in page  # the checks are run again on the chosen values


def test_correcting_by_a_selected_span_records_it(env: tuple[ReviewStore, TestClient], docs: list) -> None:
    store, client = env
    report = store.report_ids()[4]
    text = docs[4][1]
    field = next(f for f in store.queue(report_id=report) if f.head.start is not None)
    other = next(
        f
        for f in store.fields(report)
        if f.head.start is not None and f.head.raw != field.head.raw and f.head.raw.isdigit()
    )
    html = client.get(f"/reports/{report}?field={field.id}").text
    start, end = other.head.start, other.head.end
    start -= text[start - 1].isspace()  # a selection with a space around the number is trimmed
    end += text[end].isspace()
    data = {"csrf": csrf_of(html), "revision": field.head.id, "start": start, "end": end}
    assert client.post(f"/fields/{field.id}/span", data=data, follow_redirects=False).status_code == 303
    head = store.field(field.id).head
    assert (head.raw, head.start, head.end, head.value) == (
        other.head.raw,
        other.head.start,
        other.head.end,
        other.head.value,
    )
    assert (head.action, head.status, head.reviewer) == ("edit", "corrected", "alice")
    page = client.get(f"/reports/{report}?field={field.id}").text
    assert f'data-o="{other.head.start}">{other.head.raw}</mark>' in page  # the highlight follows the correction
    bad = {"csrf": csrf_of(html), "revision": store.field(field.id).head.id}
    assert client.post(f"/fields/{field.id}/span", data={**bad, "start": 0, "end": 10**6}).status_code == 422
    assert client.post(f"/fields/{field.id}/span", data={**bad, "start": 5, "end": 3}).status_code == 422


def test_report_details_are_edited_with_an_audit_trail(env: tuple[ReviewStore, TestClient]) -> None:
    store, client = env
    report = store.report_ids()[0]
    before = store.report(report)
    html = client.get(f"/reports/{report}").text
    form = {
        "csrf": csrf_of(html),
        "seen": 0,
        "agency": "某县人民政府",
        "year": "2021",
        "template": "2021",
        "title_1": "一、总体情况",
        "note": "title page",
    }
    assert client.post(f"/reports/{report}/details", data=form, follow_redirects=False).status_code == 303
    after = store.report(report)
    assert (after.agency, after.year, after.template) == ("某县人民政府", 2021, "2021")
    assert after.contract["report"]["agency"] == "某县人民政府"
    edits = store.report_edits(report)
    assert {e.key for e in edits} >= {"agency", "year", "template"} and all(e.reviewer == "alice" for e in edits)
    assert next(e for e in edits if e.key == "agency").old == before.agency
    assert client.post(f"/reports/{report}/details", data=form).status_code == 409  # saw no edits: stale now
    assert (
        client.post(f"/reports/{report}/details", data={**form, "seen": edits[-1].id, "year": "20x1"}).status_code
        == 422
    )
    assert "某县人民政府 2021" in client.get("/queue").text


def test_bad_input_to_the_new_forms_is_4xx_and_changes_nothing(env: tuple[ReviewStore, TestClient]) -> None:
    store, client = env
    report = store.report_ids()[0]
    html = client.get(f"/reports/{report}").text
    csrf = csrf_of(html)
    field = store.queue(report_id=report)[0]
    decision = store.decisions(report)[0]
    item = f"{field.id}:{field.head.id}"
    posts = {
        f"/fields/{field.id}/span": [
            f"revision={field.head.id}&start=-1&end=3",
            f"revision={field.head.id}&start=0&end=10",
            f"revision={field.head.id}&start=1&end=99999999999999999999",
            "revision=1&start=1&end=2",
        ],
        f"/decisions/{decision.id}/choose": [
            "reading=0&item=" + item,
            "reading=1",
            "reading=1&item=" + item,
            "reading=99&item=" + item,
            "reading=1&item=1:x",
        ],
        "/decisions/99999/choose": ["reading=1&item=" + item],
        f"/reports/{report}/details": [
            "seen=0&year=99999999999999999999",
            "seen=0&template=x",
            "seen=0&agency=" + "x" * 401,
        ],
        "/reports/99999/details": ["seen=0&template=2019"],
        "/reports/99999/accept-open": ["seen=0"],
    }
    before = [(f.id, f.head.id) for f in store.fields(report)]
    for url, bodies in posts.items():
        for body in bodies:
            response = client.post(
                url,
                content=f"csrf={csrf}&{body}".encode(),
                headers={"content-type": "application/x-www-form-urlencoded"},
            )
            assert 400 <= response.status_code < 500, (url, body, response.status_code)
    assert [(f.id, f.head.id) for f in store.fields(report)] == before and store.report_edits(report) == []
    # a form that names only the agency leaves the year, template and headings alone
    ok = client.post(
        f"/reports/{report}/details", data={"csrf": csrf, "seen": 0, "agency": "某局"}, follow_redirects=False
    )
    assert ok.status_code == 303 and [e.key for e in store.report_edits(report)] == ["agency"]


def test_next_and_previous_walk_the_open_items_then_the_next_report(env: tuple[ReviewStore, TestClient]) -> None:
    store, client = env
    report = store.report_ids()[0]
    ids = [f.id for f in store.queue(limit=None, filters=QueueFilter(report_id=report))]
    assert len(ids) >= 3
    html = client.get(f"/reports/{report}?field={ids[1]}").text
    assert f'id="prev-item" href="/reports/{report}?field={ids[0]}#focus"' in html
    assert f'id="next-item" href="/reports/{report}?field={ids[2]}#focus"' in html
    last = client.get(f"/reports/{report}?field={ids[-1]}").text
    target = re.search(r'id="next-item" href="/reports/(\d+)\?field=(\d+)#focus"', last)
    elsewhere = next(f for f in store.queue(limit=None) if f.report_id != report)
    assert target and (int(target.group(1)), int(target.group(2))) == (elsewhere.report_id, elsewhere.id)


def test_the_api_queue_pages_filters_and_counts(
    env: tuple[ReviewStore, TestClient], template_db: tuple[Path, str]
) -> None:
    store, _ = env
    api = TestClient(create_app(store), headers={"Authorization": f"Bearer {template_db[1]}"})
    fields, items, _ = store.queue_count()
    first = api.get("/api/queue?limit=40")
    assert (
        first.status_code == 200
        and first.headers["X-Total-Count"] == str(items)
        and first.headers["X-Open-Fields"] == str(fields)
    )
    second = api.get("/api/queue?limit=40&offset=40").json()
    assert [f["id"] for f in first.json() + second] == [f.id for f in store.queue(limit=80)]
    appeals = api.get("/api/queue?table=appeals&cmax=0.9").json()
    assert appeals and all(f["table"] == "appeals" and f["confidence"] <= 0.9 for f in appeals)
    assert api.get("/api/queue?reason=nope").status_code == 422 and api.get("/api/queue?cmin=x").status_code == 422
