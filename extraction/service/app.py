"""The HTTP service (``nianbao serve``): FastAPI over a pool of forked extraction workers.

The model is loaded once, then one worker per core is forked from it; each request's
report runs in a worker under a time and memory budget (default 60 s, 1 GB): a report over
it is stopped, its worker replaced, and its document's ``errors`` say so, while the other
workers keep answering. The event loop only reads requests and writes answers.

- ``POST /extract``: a JSON body ``{"text": …, "name": …}``, a multipart upload (``file``
  part, or a ``text`` field), or the raw report as ``text/plain``/``application/octet-stream``
  (``?name=`` gives the file name, which selects HTML/DOCX/PDF reading). The answer is the
  contract's document. A body that arrives fine but is not a readable report (binary, not a
  report) still gets a document whose ``errors`` say why, as on every other path.
- ``GET /health`` (names the package version, the model and its version); OpenAPI docs at
  ``/docs`` (Swagger UI) and ``/redoc``, their scripts and styles served from the package
  (``fastapi-offline``'s bundled assets under ``/docs-assets``), so they work with no network.
- Bad requests get a clear 4xx: 400 malformed JSON or Content-Length, 413 over the size
  limit (default 20 MB; checked on Content-Length and while reading a streamed body),
  415 unsupported content type, 422 a missing or empty report.
"""

import json
import os
from pathlib import PurePath
from typing import TYPE_CHECKING, Annotated, Any

from nianbao import __version__
from nianbao.errors import MESSAGES
from nianbao.extraction.batch.outputs import dump_document
from nianbao.extraction.batch.workers import (
    DEFAULT_MEMORY_MB,
    DEFAULT_SECONDS,
    Budget,
    WorkerPool,
    pin_threads,
)
from nianbao.extraction.pipeline import SCHEMA, Extractor, empty_document
from nianbao.extraction.service.about import add_offline_docs, model_version

if TYPE_CHECKING:  # fastapi is imported when the app is built, not when the CLI starts
    from fastapi import FastAPI, HTTPException, Request
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
RAW_TYPES = (
    "text/plain",
    "text/html",
    "application/octet-stream",
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
)
REQUEST_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["text"],
                "properties": {
                    "text": {"type": "string", "description": "The report text."},
                    "name": {"type": "string", "description": "A file name for source.name (optional)."},
                },
            }
        },
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "The report file (text, HTML, DOCX or PDF).",
                    },
                    "text": {"type": "string", "description": "Or the report text."},
                    "name": {"type": "string"},
                },
            }
        },
        "text/plain": {"schema": {"type": "string"}},
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
    },
}


def http_error(status: int, detail: str) -> "HTTPException":
    """An ``HTTPException`` (FastAPI answers it as ``{"detail": …}`` with that status)."""
    from fastapi import HTTPException

    return HTTPException(status, detail)


def _error(status: int, detail: str) -> dict[str, Any]:
    return {"status": status, "body": json.dumps({"detail": detail}, ensure_ascii=False).encode("utf-8")}


def too_large(max_bytes: int) -> str:
    return (
        f"The request body is larger than this service's limit of {max_bytes} bytes "
        f"({max_bytes / 2**20:.3g} MB); send a smaller report or raise --max-mb."
    )


class BodyLimit:
    """ASGI middleware: 413 when Content-Length, or the bytes actually read, exceed ``max_bytes``."""

    def __init__(self, app: "ASGIApp", max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: "Scope", receive: "Receive", send: "Send") -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        problem = None
        if length is not None:
            if not length.strip().isdigit():
                problem = _error(400, "The Content-Length header is not a number.")
            elif int(length) > self.max_bytes:
                problem = _error(413, too_large(self.max_bytes))
        if problem is not None:
            await send(
                {
                    "type": "http.response.start",
                    "status": problem["status"],
                    "headers": [(b"content-type", b"application/json"), (b"connection", b"close")],
                }
            )
            await send({"type": "http.response.body", "body": problem["body"]})
            return
        received = 0

        async def limited() -> "Message":
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise http_error(413, too_large(self.max_bytes))
            return message

        await self.app(scope, limited, send)


def _safe_name(name: object, default: str) -> str:
    """A file name for ``source.name``: the last path part only, at most 255 characters
    (a lone surrogate, which no JSON answer can carry, becomes "?")."""
    text = PurePath(str(name)).name if isinstance(name, str) and name.strip() else ""
    return text.encode("utf-8", "replace").decode("utf-8")[:255] or default


def parse_json(body: bytes) -> Any:
    """A JSON body, or a 400 with a sentence (malformed, or nested past Python's recursion limit)."""
    try:
        return json.loads(body)
    except RecursionError:
        raise http_error(400, "The body is not valid JSON here (nested too deeply).") from None
    except ValueError as exc:
        raise http_error(400, f"The body is not valid JSON ({exc}).") from None


def utf8_text(text: str, field: str = "text") -> bytes:
    """A JSON string as UTF-8, or a 422 naming the lone surrogate that is not a character."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise http_error(
            422,
            f'The "{field}" string holds a lone UTF-16 surrogate (\\u{ord(text[exc.start]):04x} '
            f"at character {exc.start}), which is not a character; send valid Unicode.",
        ) from None


async def _read_json(request: "Request") -> tuple[bytes, str]:
    payload = parse_json(await request.body())
    if not isinstance(payload, dict) or not isinstance(payload.get("text"), str):
        raise http_error(422, 'A JSON body must be an object with a "text" string (the report text).')
    return utf8_text(payload["text"]), _safe_name(payload.get("name"), "<text>")


async def _read_form(request: "Request", max_bytes: int) -> tuple[bytes, str]:
    from starlette.datastructures import UploadFile

    form = await request.form(max_part_size=max_bytes)
    upload, text = form.get("file"), form.get("text")
    if isinstance(upload, UploadFile):
        return await upload.read(), _safe_name(form.get("name") or upload.filename, "<upload>")
    if isinstance(text, str):
        return text.encode("utf-8"), _safe_name(form.get("name"), "<text>")
    raise http_error(422, 'A multipart body needs a "file" part (the report file) or a "text" field.')


def _job(extractor: Extractor):
    """The forked worker's side: ``name NUL data`` → the document's JSON bytes."""

    def job(payload: bytes) -> bytes:
        name, _, data = payload.partition(b"\0")
        return dump_document(extractor(data, name=name.decode("utf-8")))

    return job


def _stopped(payload: bytes, sentence: str) -> bytes:
    """A report stopped by its budget: a document whose ``errors`` say so."""
    name, _, data = payload.partition(b"\0")
    return dump_document(empty_document(name.decode("utf-8"), data, None, "text", [sentence]))


def create_app(
    max_bytes: int = DEFAULT_MAX_BYTES,
    model: str | None = None,
    workers: int | None = None,
    budget: Budget | None = None,
) -> "FastAPI":
    """The FastAPI app: the model loaded now, then ``workers`` forked extraction workers (default
    one per core), each report under ``budget``; requests wait on the pool, off the event loop."""
    import asyncio

    from fastapi import FastAPI, Query, Request
    from fastapi.responses import Response

    pin_threads()
    extractor = Extractor(model)
    pool = WorkerPool(_job(extractor), workers or len(os.sched_getaffinity(0)), budget, _stopped)
    app = FastAPI(
        title="nianbao",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        description="Extract 政府信息公开工作年度报告 into the nianbao.report/1 JSON contract.",
    )
    add_offline_docs(app)
    app.add_middleware(BodyLimit, max_bytes=max_bytes)

    app.router.on_shutdown.append(pool.close)
    version = model_version(extractor)

    @app.get("/health")
    def health() -> dict[str, Any]:
        """Liveness: the service is up and its extractor is loaded."""
        locator = getattr(extractor, "locator", None)
        return {
            "status": "ok",
            "schema": SCHEMA,
            "version": __version__,
            "max_bytes": max_bytes,
            "model": getattr(locator, "name", model or "default"),
            "model_version": version,
            "workers": len(pool.pids),
        }

    @app.post(
        "/extract",
        openapi_extra={"requestBody": REQUEST_BODY},
        responses={
            200: {
                "description": "The report's document (nianbao.report/1); unreadable content yields a document "
                "with errors."
            },
            400: {"description": "Malformed JSON or header."},
            413: {"description": "Body over the size limit."},
            415: {"description": "Unsupported content type."},
            422: {"description": "No report text in the request."},
        },
    )
    async def extract(
        request: Request, name: Annotated[str | None, Query(description="File name for raw bodies.")] = None
    ) -> Response:
        """Extract one report (JSON text, multipart upload or raw body) into the contract's document."""
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype == "application/json":
            data, doc_name = await _read_json(request)
        elif ctype == "multipart/form-data":
            data, doc_name = await _read_form(request, max_bytes)
        elif ctype in RAW_TYPES:
            data, doc_name = await request.body(), _safe_name(name, "<bytes>")
        else:
            raise http_error(
                415,
                f"Unsupported content type {ctype or '(none)'!r}: send application/json "
                '{"text": …}, a multipart/form-data "file" upload, or text/plain.',
            )
        if not data.strip():
            raise http_error(422, MESSAGES["empty"])
        document = await asyncio.wrap_future(pool.submit(doc_name.encode("utf-8") + b"\0" + data))
        return Response(document, media_type="application/json")

    return app


def app_from_env() -> "FastAPI":
    """App factory for ``uvicorn --factory`` and multi-process serving (settings from the env)."""
    max_bytes = int(os.environ.get("NIANBAO_SERVE_MAX_BYTES", DEFAULT_MAX_BYTES))
    workers = int(os.environ.get("NIANBAO_SERVE_WORKERS") or 0) or None
    seconds, memory = (
        float(x)
        for x in (os.environ.get("NIANBAO_SERVE_BUDGET") or f"{DEFAULT_SECONDS},{DEFAULT_MEMORY_MB}").split(",")
    )
    return create_app(max_bytes, os.environ.get("NIANBAO_SERVE_MODEL") or None, workers, Budget(seconds, memory))
