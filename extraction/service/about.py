"""What a running nianbao is: the model version it names, and API docs that need no network.

- :func:`model_version`: ``"<name>@<hash>"``, the model directory's name and the first 12
  hex digits of a SHA-256 over its weight, ONNX, vocabulary and calibrator files (so two
  services answering with the same model say the same thing); ``"rules"`` without a model.
- :func:`add_offline_docs`: Swagger UI at ``/docs`` and ReDoc at ``/redoc`` whose scripts,
  styles and icon are the copies bundled in the ``fastapi-offline`` package, served by the
  app itself under ``/docs-assets`` (FastAPI's own pages load them from a CDN, which a
  machine without internet access cannot reach: the page stays blank).
"""

import hashlib
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI

ASSETS_URL = "/docs-assets"
MODEL_FILES = (".onnx", ".safetensors", ".json")


@lru_cache(maxsize=8)
def directory_version(model_dir: str) -> str:
    """``<folder name>@<12 hex>``: a digest of the model files in ``model_dir``."""
    root = Path(model_dir)
    digest = hashlib.sha256()
    for path in sorted(p for p in root.iterdir() if p.is_file() and p.suffix in MODEL_FILES):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return f"{root.name}@{digest.hexdigest()[:12]}"


def model_version(extractor: Any) -> str:
    """The version of the model an :class:`~nianbao.extraction.pipeline.Extractor` runs."""
    locator = getattr(extractor, "locator", None)
    model_dir = getattr(locator, "model_dir", None)
    if model_dir is None:
        return str(getattr(locator, "name", "rules"))
    return directory_version(str(model_dir))


def assets_dir() -> Path:
    """The folder of bundled Swagger UI and ReDoc files (``swagger-ui-bundle.js`` …)."""
    return Path(str(resources.files("fastapi_offline").joinpath("static")))


def add_offline_docs(app: "FastAPI", title: str | None = None) -> None:
    """Serve ``/docs`` and ``/redoc`` from bundled assets (create the app with
    ``docs_url=None, redoc_url=None``). No ``from __future__ import annotations`` here: FastAPI
    reads the routes' ``Request`` annotations at run time."""
    from fastapi import Request
    from fastapi.openapi.docs import (
        get_redoc_html,
        get_swagger_ui_html,
        get_swagger_ui_oauth2_redirect_html,
    )
    from fastapi.responses import HTMLResponse
    from fastapi.staticfiles import StaticFiles

    app.mount(ASSETS_URL, StaticFiles(directory=assets_dir()), name="docs-assets")
    name = title or app.title

    @app.get("/docs", include_in_schema=False)
    async def swagger(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{name} - API",
            swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            oauth2_redirect_url=f"{root}/docs/oauth2-redirect",
        )

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    async def oauth2_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{name} - ReDoc",
            redoc_js_url=f"{root}{ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            with_google_fonts=False,
        )
