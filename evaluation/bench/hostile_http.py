"""Hostile HTTP requests for ``nianbao bench --hostile``, run one per process:

    python -m nianbao.evaluation.bench.hostile_http CASE FOLDER MODEL

prints ``<status> <detail>`` of the real app's answer (the service for ``service-*``, the
review app over a fresh SQLite store in FOLDER for ``review-*``).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

DEEP = "[" * 100_000 + "]" * 100_000
JSON = {"content-type": "application/json"}


def _service(model: str) -> Any:
    from fastapi.testclient import TestClient

    from nianbao.extraction.service.app import create_app

    return TestClient(create_app(model=model), raise_server_exceptions=False)


def _review(folder: Path) -> tuple[Any, str]:
    from fastapi.testclient import TestClient

    from nianbao.extraction.review.app import create_app
    from nianbao.extraction.review.store import ReviewStore

    store = ReviewStore(f"sqlite:///{folder / 'review.db'}")
    token = store.add_reviewer("bench")
    return TestClient(create_app(store), raise_server_exceptions=False), token


def _signed_in(folder: Path) -> tuple[Any, str]:
    client, token = _review(folder)
    client.post("/login", data={"secret": token}, follow_redirects=False)
    return client, token


CASES: dict[str, Callable[[Path, str], Any]] = {
    "service-json-100k-deep": lambda f, m: _service(m).post("/extract", content=DEEP, headers=JSON),
    "service-lone-surrogate": lambda f, m: _service(m).post("/extract", content='{"text": "\\ud800"}', headers=JSON),
    "service-20mb-body": lambda f, m: _service(m).post(
        "/extract", content=b"1" * (21 * 2**20), headers={"content-type": "text/plain"}
    ),
    "service-broken-multipart": lambda f, m: _service(m).post(
        "/extract",
        content=b'--b\r\nContent-Disposition: form-data; name="file"\r\n\r\nabc',
        headers={"content-type": "multipart/form-data; boundary=b"},
    ),
    "review-malformed-cookie": lambda f, m: _review(f)[0].get(
        "/api/queue", headers={"cookie": "nb_session=1.1.\u00e9".encode()}
    ),
    "review-token-of-digits": lambda f, m: _review(f)[0].get(
        "/api/queue", headers={"authorization": "Bearer nbr_" + "9" * 30 + "_x"}
    ),
    "review-csrf-non-ascii": lambda f, m: _signed_in(f)[0].post(
        "/logout", data={"csrf": "\u00e9" * 32}, follow_redirects=False
    ),
    "review-limit-1e20": lambda f, m: _bearer_get(f, "/api/queue?limit=1e20"),
    "review-limit-minus-1": lambda f, m: _bearer_get(f, "/api/queue?limit=-1"),
    "review-id-overflow": lambda f, m: _bearer_get(f, "/api/fields/" + "9" * 25),
}


def _bearer_get(folder: Path, path: str) -> Any:
    client, token = _review(folder)
    return client.get(path, headers={"authorization": f"Bearer {token}"})


def main(argv: list[str]) -> None:
    name, folder, model = argv[0], Path(argv[1]), argv[2]
    response = CASES[name](folder, model)
    detail = re.sub(r"\s+", " ", response.text)[:200]
    print(f"{response.status_code} {detail}")


if __name__ == "__main__":
    main(sys.argv[1:])
