"""The FastAPI application: ``create_app()`` (uvicorn factory), routes under /api/v1.

One store per process, opened in the lifespan and closed on exit (or handed in by a test,
which then owns it). Swagger UI at /docs is served from local files: nothing from the
internet (users sit on government intranets); /redoc is off (its page loads a remote logo).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from api.answer import API_PREFIX, StoreGuard
from api.auth import RateLimiter
from api.problems import PROBLEM_JSON, GuardMiddleware, Problem, install_handlers
from api.problems import log as problems_log
from api.routers import analytics, entities, followup, graphs, health, history, map, members, plans
from graph.logs import limit_repeats
from graph.settings import Settings, get_settings
from graph.store import GraphStore
from graph.tokens import TokenStore

STATIC_URL = "/static-docs"

DESCRIPTION = """两新组织党建图谱 API / the orggraph API.

每个接口（/health 除外）都需要 `Authorization: Bearer <令牌>`；令牌由 `orggraph token create` 生成。
镇街令牌只能看到本镇街（由令牌决定，不由请求参数决定）。错误以 RFC 9457 problem+json 返回。

Every route except /health needs a bearer token. A town token sees its own town only (from the
token, never from a parameter). Errors are RFC 9457 problem details with a stable `code`.
"""

# Problem answers documented on every operation (schemathesis checks the answers against them).
_PROBLEMS: dict[str, str] = {
    "401": "缺少或无效的令牌 / missing or invalid token",
    "403": "角色无权访问 / the role may not do this",
    "404": "不存在或不在本镇街范围内 / missing, or outside the caller's town",
    "422": "参数无效（指明字段）/ invalid parameter (the field is named)",
    "429": "请求过于频繁 / rate limited (see Retry-After)",
    "500": "服务器内部错误 / internal error",
    "503": "图存储不可用 / the graph store is unavailable",
}
_PUBLIC_PROBLEMS = ("500", "503")
# Routes whose list is cut into pages by the API (the total before paging is a header).
_PAGED = {f"{API_PREFIX}/coverage", f"{API_PREFIX}/membership/inconsistencies", f"{API_PREFIX}/search"}


def _swagger_assets() -> Path | None:
    try:
        import fastapi_offline
    except ImportError:
        return None
    path = Path(fastapi_offline.__file__).parent / "static"
    return path if (path / "swagger-ui-bundle.js").exists() else None


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    comps = schema.setdefault("components", {}).setdefault("schemas", {})
    problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, sub in problem_schema.pop("$defs", {}).items():
        comps[name] = sub
    comps["Problem"] = problem_schema
    ref = {"$ref": "#/components/schemas/Problem"}
    for path, ops in schema.get("paths", {}).items():
        for op in ops.values():
            responses = op.setdefault("responses", {})
            public = not op.get("security")
            for code, text in _PROBLEMS.items():
                if public and code not in _PUBLIC_PROBLEMS:
                    continue
                entry: dict[str, Any] = {"description": text, "content": {PROBLEM_JSON: {"schema": ref}}}
                if code == "401":
                    entry["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}}}
                if code in ("429", "503"):
                    entry["headers"] = {"Retry-After": {"schema": {"type": "integer"}}}
                responses[code] = entry
            if path in _PAGED:
                ok = responses.get("200", {})
                ok.setdefault("headers", {})["X-Total-Count"] = {
                    "schema": {"type": "integer"},
                    "description": "分页前的总数 / items before paging",
                }
    for unused in ("HTTPValidationError", "ValidationError"):
        if not any(unused in str(v) for k, v in schema.items() if k != "components"):
            comps.pop(unused, None)
    app.openapi_schema = schema
    return schema


def create_app(settings: Settings | None = None, store: GraphStore | None = None) -> FastAPI:
    """The API. ``store`` given: used as is and left open (the caller owns it)."""
    settings = settings or get_settings()
    settings.check()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        opened = None
        if app.state.store is None:
            from graph.store import open_store

            opened = app.state.store = open_store(settings)
        try:
            yield
        finally:
            if opened is not None:
                opened.close()
                app.state.store = None

    assets = _swagger_assets()
    app = FastAPI(
        title="orggraph 两新组织党建图谱",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.store = store
    app.state.tokens = TokenStore(settings)
    app.state.limiter = RateLimiter(settings.rate_limit_per_minute)
    app.state.store_guard = StoreGuard()

    install_handlers(app)
    # an outage logs the same warning on every request: once per window, then how many were left out
    limit_repeats(problems_log, settings.log_repeat_seconds)
    for module in (health, analytics, graphs, members, entities, plans, map, history, followup):
        app.include_router(module.router, prefix=API_PREFIX)

    if assets is not None:
        app.mount(STATIC_URL, StaticFiles(directory=str(assets)), name="static-docs")

        @app.get("/docs", include_in_schema=False)
        def docs(request: Request) -> HTMLResponse:
            root = request.scope.get("root_path", "")
            return get_swagger_ui_html(
                openapi_url=f"{root}/openapi.json",
                title="orggraph API",
                swagger_js_url=f"{root}{STATIC_URL}/swagger-ui-bundle.js",
                swagger_css_url=f"{root}{STATIC_URL}/swagger-ui.css",
                swagger_favicon_url=f"{root}{STATIC_URL}/favicon.png",
                # no remote validator badge
                swagger_ui_parameters={"validatorUrl": None},
            )

    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]

    origins = [o.strip() for o in settings.cors_origins.split(",") if o.strip()]
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
            expose_headers=["Retry-After", "X-Total-Count"],
            max_age=600,
        )
    app.add_middleware(GuardMiddleware)
    return app
