"""How much the store holds (``orggraph stats``, the API's /health), once per store version."""

from __future__ import annotations

from pydantic import BaseModel

from graph.store import GraphStore, backend_name
from queries.cache import cached


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
