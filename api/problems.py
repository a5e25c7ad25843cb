"""RFC 9457 problem details: every error the API answers, never a stack trace.

Body: ``type``, ``title``, ``status``, ``detail`` (Chinese, what a user reads first),
``code`` (stable, for machines), ``message_zh``, ``message_en``, ``instance`` (the path);
422 adds ``errors`` (one per invalid field).
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graph.errors import LoadIncomplete, OrgGraphError, StoreUnavailable

log = logging.getLogger("orggraph.api")

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:orggraph:problem:"
STORE_RETRY_AFTER = 10  # seconds a client should wait after a 503


class FieldError(BaseModel):
    field: str = Field(description="出错的参数，如 query.limit / the parameter, e.g. query.limit")
    message: str = Field(description="中文说明 / what is wrong, in Chinese")
    message_en: str = Field(description="英文说明 / what is wrong, in English")
    type: str


class Problem(BaseModel):
    """An error answer (RFC 9457 problem details) with a stable code and messages in Chinese and English."""

    type: str = Field(examples=["urn:orggraph:problem:not_found"])
    title: str = Field(examples=["未找到 / Not Found"])
    status: int = Field(examples=[404])
    detail: str = Field(examples=["未找到组织：O99"])
    code: str = Field(examples=["not_found"])
    message_zh: str
    message_en: str
    instance: str | None = None
    errors: list[FieldError] | None = None


# --- errors that only the API raises ------------------------------------------------


class Unauthorized(OrgGraphError, code="unauthorized", status=401): ...


class RateLimited(OrgGraphError, code="rate_limited", status=429):
    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(
            f"请求过于频繁，请 {retry_after} 秒后再试",
            f"too many requests: retry in {retry_after} s",
        )


# Plain HTTP errors (unknown route, wrong method, ...) in both languages.
_HTTP_MESSAGES: dict[int, tuple[str, str, str]] = {
    404: ("not_found", "找不到该地址", "no such route"),
    405: ("method_not_allowed", "不支持该请求方法", "method not allowed"),
    406: ("not_acceptable", "无法提供所要求的格式", "not acceptable"),
    415: ("unsupported_media_type", "不支持的请求内容格式", "unsupported media type"),
}


# Problem titles: Chinese first, the HTTP phrase beside it.
_TITLE_ZH: dict[int, str] = {
    400: "请求有误",
    401: "未登录或令牌无效",
    403: "无权访问",
    404: "未找到",
    405: "不支持的请求方法",
    406: "无法提供该格式",
    409: "冲突",
    413: "请求过大",
    415: "不支持的内容格式",
    422: "参数无效",
    429: "请求过于频繁",
    500: "服务器内部错误",
    501: "尚未实现",
    503: "服务暂不可用",
}

# Pydantic's error types in Chinese (the English message follows in ``message_en``).
_ERROR_ZH: dict[str, str] = {
    "missing": "缺少此参数",
    "extra_forbidden": "不接受此参数",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "string_type": "应为文本",
    "string_too_short": "太短",
    "string_too_long": "太长",
    "string_pattern_mismatch": "格式不正确",
    "too_short": "项数太少",
    "too_long": "项数太多",
    "greater_than": "数值太小",
    "greater_than_equal": "数值太小",
    "less_than": "数值太大",
    "less_than_equal": "数值太大",
    "literal_error": "不是可选值之一",
    "enum": "不是可选值之一",
    "json_invalid": "不是有效的 JSON",
    "model_attributes_type": "应为 JSON 对象",
    "dict_type": "应为 JSON 对象",
    "list_type": "应为列表",
    "value_error": "取值无效",
}


def title_for(status: int) -> str:
    try:
        en = HTTPStatus(status).phrase
    except ValueError:
        en = "Error"
    zh = _TITLE_ZH.get(status, "请求失败" if status < 500 else "服务器错误")
    return f"{zh} / {en}"


def field_message_zh(kind: str, ctx: dict[str, Any] | None) -> str:
    zh = _ERROR_ZH.get(kind, "取值无效")
    ctx = ctx or {}
    for key, word in (("min_length", "至少"), ("max_length", "至多")):
        if key in ctx and kind.startswith("string_"):
            zh += f"（{word} {ctx[key]} 个字符）"
    for key, word in (("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<")):
        if key in ctx:
            zh += f"（应 {word} {ctx[key]}）"
    if kind in ("literal_error", "enum") and "expected" in ctx:
        zh += f"（可选：{ctx['expected']}）"
    return zh


def problem_response(
    status: int,
    code: str,
    message_zh: str,
    message_en: str,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + code,
        "title": title_for(status),
        "status": status,
        "detail": message_zh,
        "code": code,
        "message_zh": message_zh,
        "message_en": message_en,
        "instance": instance,
    }
    body.update(extra)
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def _headers_for(exc: OrgGraphError) -> dict[str, str] | None:
    if isinstance(exc, Unauthorized):
        err = "invalid_token" if "无效" in exc.message_zh else None
        value = 'Bearer realm="orggraph"' + (f', error="{err}"' if err else "")
        return {"WWW-Authenticate": value}
    if isinstance(exc, RateLimited):
        return {"Retry-After": str(exc.retry_after)}
    return None


STORE_DOWN_ZH = "图数据库暂时不可用，请稍后再试；若持续出现请联系管理员"
STORE_DOWN_EN = "the graph store is unavailable: try again shortly, or tell the administrator if it persists"


def from_error(exc: OrgGraphError, instance: str | None = None) -> JSONResponse:
    status = exc.status if 400 <= exc.status <= 599 else 500
    if isinstance(exc, StoreUnavailable):
        # The store's own message names hosts and settings: for the operator's log only.
        log.warning("store unavailable: %s", exc)
        return problem_response(
            503, exc.code, STORE_DOWN_ZH, STORE_DOWN_EN, instance, {"Retry-After": str(STORE_RETRY_AFTER)}
        )
    if isinstance(exc, LoadIncomplete):  # the fixed text: the details (file, time) are the operator's
        return problem_response(
            503,
            exc.code,
            LoadIncomplete.MESSAGE_ZH,
            LoadIncomplete.MESSAGE_EN,
            instance,
            {"Retry-After": str(STORE_RETRY_AFTER)},
        )
    if status >= 500:
        # Configuration and other internal errors: the message may name internals, so log it
        # and answer a generic problem.
        log.error("internal error: %s", exc)
        return problem_response(500, "internal_error", "服务器内部错误", "internal server error", instance)
    return problem_response(status, exc.code, exc.message_zh, exc.message_en, instance, _headers_for(exc))


def install_handlers(app: FastAPI) -> None:
    async def on_orggraph(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, OrgGraphError)
        return from_error(exc, request.url.path)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code, zh, en = _HTTP_MESSAGES.get(
            exc.status_code, ("http_error", "请求无法处理", str(exc.detail or "request failed"))
        )
        headers = dict(exc.headers or {})
        return problem_response(exc.status_code, code, zh, en, request.url.path, headers or None)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = []
        for e in exc.errors():
            loc = [str(x) for x in e.get("loc", ())]
            msg, kind = str(e.get("msg", "")), str(e.get("type", ""))
            zh = field_message_zh(kind, e.get("ctx"))
            errors.append({"field": ".".join(loc), "message": zh, "message_en": msg, "type": kind})
        # The parameter names without the "query." / "path." prefix, for the sentence.
        names = "、".join(dict.fromkeys(x["field"].split(".", 1)[-1] for x in errors)) or "?"
        return problem_response(
            422,
            "validation_error",
            f"参数无效：{names}",
            f"invalid parameter(s): {names.replace('、', ', ')}",
            request.url.path,
            errors=errors,
        )

    app.add_exception_handler(OrgGraphError, on_orggraph)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_validation)


class GuardMiddleware:
    """The outermost safety net: any unhandled exception becomes a generic 500 problem
    (logged, never shown), and every API answer carries no-store and nosniff headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                if scope.get("path", "").startswith("/api/"):
                    # answers may hold personal data: no shared or browser caches
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        try:
            await self.app(scope, receive, guarded_send)
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            resp = problem_response(
                500, "internal_error", "服务器内部错误", "internal server error", scope.get("path")
            )
            await resp(scope, receive, guarded_send)
