"""/health: no token needed. Anonymous callers learn only up (200) or down (503); a caller with a
district-wide token (admin, district) also gets the backend and how much the graph holds."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel

from graph.errors import Forbidden, StoreUnavailable
from queries.stats import store_stats

router = APIRouter(tags=["health 健康检查"])


class Health(BaseModel):
    status: Literal["ok"]
    backend: str | None = None
    counts: dict[str, dict[str, int]] | None = None


@router.get(
    "/health",
    response_model=Health,
    response_model_exclude_none=True,
    summary="存储是否可达（带有效令牌时附计数）/ store reachable (counts with a valid token)",
)
def health(request: Request) -> Health:
    store = request.app.state.store
    guard = request.app.state.store_guard
    guard.check(store)  # fails at once (503) when the store is down
    try:
        stats = store_stats(store)
    except StoreUnavailable:
        guard.failed()
        raise
    # read by hand: a declared bearer dependency would mark the route as secured in OpenAPI
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return Health(status="ok")
    try:
        who = request.app.state.tokens.verify(token)
    except Forbidden:
        return Health(status="ok")  # a probe with a stale token still learns up or down, nothing more
    if who.scope_town is not None:
        return Health(status="ok")  # district-wide counts are not a town's business
    return Health(status="ok", backend=stats.backend, counts=stats.counts)
