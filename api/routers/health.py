"""/health: no token; the store is reachable, and how much it holds."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel

from graph.errors import StoreUnavailable
from queries.stats import store_stats

router = APIRouter(tags=["health 健康检查"])


class Health(BaseModel):
    status: Literal["ok"]
    backend: str
    counts: dict[str, dict[str, int]]


@router.get("/health", response_model=Health, summary="存储可达与计数 / store reachable, counts")
def health(request: Request) -> Health:
    store = request.app.state.store
    guard = request.app.state.store_guard
    guard.check(store)  # fails at once (503) when the store is down
    try:
        stats = store_stats(store)
    except StoreUnavailable:
        guard.failed()
        raise
    return Health(status="ok", backend=stats.backend, counts=stats.counts)
