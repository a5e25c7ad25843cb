"""How much the store holds (``orggraph stats``, the API's /health), once per store version."""

from __future__ import annotations

from pydantic import BaseModel

from graph.store import GraphStore, backend_name
from graph.store.base import require_complete
from queries.cache import cached

__all__ = ["StoreStats", "incomplete_load", "require_complete", "store_stats"]


class StoreStats(BaseModel):
    backend: str  # for people (health, logs), never for choosing code paths
    counts: dict[str, dict[str, int]]


def store_stats(store: GraphStore) -> StoreStats:
    """Node and relationship counts by label and type.

    Example
    -------
    >>> store_stats(store).counts["nodes"]["Organization"]  # doctest: +SKIP
    23
    """
    return cached(store, ("stats",), lambda: StoreStats(backend=backend_name(store), counts=store.counts()))


def incomplete_load(store: GraphStore) -> tuple[str, str] | None:
    """(Chinese, English) details of a load that started and has not finished (still running,
    or killed): the graph may be half written and no question should be answered from it."""
    state = store.load_state()
    return None if state is None else state.describe()
