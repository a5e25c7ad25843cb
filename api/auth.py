"""Bearer tokens, roles, town scope and the per-token rate limit.

The town a caller may see comes only from its token (``Principal.scope_town``); a request
parameter can narrow an unscoped caller to one town, never widen a town caller.
"""

from __future__ import annotations

import math
import threading
import time
from typing import Annotated

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from api.problems import RateLimited, Unauthorized
from graph.errors import Forbidden
from graph.tokens import Principal, TokenExpired, TokenStore

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="`orggraph token create --role admin|district|town [--town CODE]` 生成的令牌 / its token",
)


class RateLimiter:
    """Sliding-window counter per key (two fixed windows, the older one weighted by overlap).

    O(1) memory per key; in-process, so with N workers a token gets up to N times the limit.
    """

    def __init__(self, per_minute: int, window: float = 60.0) -> None:
        self.limit = per_minute
        self.window = window
        self._lock = threading.Lock()
        self._state: dict[str, tuple[int, int, int]] = {}  # key -> (window index, current, previous)

    def hit(self, key: str, now: float | None = None) -> None:
        """Count one request; RateLimited when the key is over its limit."""
        if self.limit <= 0:
            return  # 0 or less disables the limit
        now = time.monotonic() if now is None else now
        idx = int(now // self.window)
        with self._lock:
            w, cur, prev = self._state.get(key, (idx, 0, 0))
            if idx != w:
                prev, cur = (cur if idx == w + 1 else 0), 0
            elapsed = (now % self.window) / self.window
            estimate = prev * (1.0 - elapsed) + cur
            if estimate + 1 > self.limit:
                self._state[key] = (idx, cur, prev)
                # When enough of the previous window has slid out (or the next window starts).
                if prev:
                    need = (estimate + 1 - self.limit) / prev
                    wait = min(self.window * (1.0 - elapsed), need * self.window)
                else:
                    wait = self.window * (1.0 - elapsed)
                raise RateLimited(max(1, math.ceil(wait)))
            self._state[key] = (idx, cur + 1, prev)
            if len(self._state) > 10_000:  # forget idle keys
                self._state = {k: v for k, v in self._state.items() if v[0] >= idx - 1}


async def principal(
    request: Request, cred: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Principal:
    """The verified caller of this request (401 when the token is missing, unknown, revoked or expired).

    Async: a dictionary look-up and a stat of the token file, cheaper than the thread hop a sync
    dependency costs every request (issue 19)."""
    if cred is None or not cred.credentials:
        raise Unauthorized("需要登录令牌（Authorization: Bearer <令牌>）", "a bearer token is required")
    tokens: TokenStore = request.app.state.tokens
    try:
        who = tokens.verify(cred.credentials)
    except TokenExpired as exc:
        raise Unauthorized(exc.message_zh, exc.message_en) from None
    except Forbidden:
        raise Unauthorized("令牌无效或已撤销", "invalid or revoked token") from None
    request.state.principal = who
    request.app.state.limiter.hit(who.token_id)
    return who


async def admin(who: Annotated[Principal, Depends(principal)]) -> Principal:
    if not who.is_admin:
        raise Forbidden("仅管理员可以执行此操作", "only an admin may do this")
    return who


def known_query_only(request: Request) -> None:
    """Refuse query parameters the route does not declare (422 naming them): a mistyped
    filter such as ``?twon=T1`` must not silently answer for the whole district."""
    route = request.scope.get("route")
    allowed = _declared_query(route)
    if allowed is None:
        return
    unknown = sorted({k for k in request.query_params if k not in allowed})
    if unknown:
        raise RequestValidationError(
            [
                {"loc": ("query", k), "msg": "unknown parameter / 未知参数", "type": "extra_forbidden"}
                for k in unknown
            ]
        )


_DECLARED: dict[int, frozenset[str]] = {}


def _declared_query(route: object) -> frozenset[str] | None:
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return None
    key = id(route)
    if key not in _DECLARED:
        names: set[str] = set()
        todo = [dependant]
        while todo:
            d = todo.pop()
            for p in d.query_params:
                model = p.field_info.annotation
                if isinstance(model, type) and issubclass(model, BaseModel):
                    # a parameters model read from the query: its fields are the parameters
                    names.update(f.alias or n for n, f in model.model_fields.items())
                else:
                    names.add(p.alias)
            todo.extend(d.dependencies)
        _DECLARED[key] = frozenset(names)
    return _DECLARED[key]
