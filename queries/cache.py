"""The one answer cache: values computed once per store version (LRU per store).

Facts fetched from a store, projections, analytics and whole answers all live here, keyed
on the store's version, so a load anywhere invalidates every entry. Nothing else in
``queries/``, ``api/`` or ``dashboard/`` keeps answers of its own (the dashboard keeps only
what it draws).
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar, cast

from graph.store.base import FactSet, GraphStore

T = TypeVar("T")
P = TypeVar("P")
R = TypeVar("R")

CACHE_SIZE = 512  # entries per store
_caches: weakref.WeakKeyDictionary[Any, OrderedDict[Hashable, tuple[str, Any]]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()
# One computation per key at a time: 32 clients asking a cold question compute it once. The
# lock is per key, not striped: an answer's build asks for facts (nested ``cached`` calls), and
# two keys sharing a stripe deadlocked. Keys depend on each other without cycles.
_inflight: dict[tuple[int, Hashable], list[Any]] = {}  # (store, key) -> [lock, users]
_stats = {"hits": 0, "misses": 0}


def _get(store: GraphStore, key: Hashable, ver: str) -> tuple[bool, Any]:
    with _lock:
        per = _caches.setdefault(store, OrderedDict())
        hit = per.get(key)
        if hit is not None and hit[0] == ver:
            per.move_to_end(key)
            _stats["hits"] += 1
            return True, hit[1]
    return False, None


def cached(store: GraphStore, key: Hashable, build: Callable[[], T], version: str | None = None) -> T:
    """``build()`` once per store version (least recently used entries are dropped).

    Example
    -------
    >>> cached(store, ("projection", "pairing"), lambda: store.projection(labels, rels))  # doctest: +SKIP
    """
    ver = version if version is not None else store.version()
    found, hit = _get(store, key, ver)
    if found:
        return cast(T, hit)
    ik = (id(store), key)
    with _lock:
        slot = _inflight.setdefault(ik, [threading.Lock(), 0])
        slot[1] += 1
    try:
        with slot[0]:
            found, hit = _get(store, key, ver)
            if found:
                return cast(T, hit)
            value = build()
            with _lock:
                _stats["misses"] += 1
                per = _caches.setdefault(store, OrderedDict())
                per[key] = (ver, value)
                per.move_to_end(key)
                while len(per) > CACHE_SIZE:
                    per.popitem(last=False)
    finally:
        with _lock:
            slot[1] -= 1
            if slot[1] == 0:
                _inflight.pop(ik, None)
    return value


def facts(store: GraphStore, fs: FactSet[P, R], params: P, version: str | None = None) -> R:
    """A fact set from the store, once per store version and parameters.

    ``params`` must be hashable (a frozen dataclass or model, a tuple, a ``Scope``...).
    """
    return cached(store, ("facts", fs.name, params), lambda: store.facts(fs, params), version)


def clear(store: GraphStore | None = None) -> None:
    """Drop every entry (of one store, or of all)."""
    with _lock:
        if store is None:
            _caches.clear()
        else:
            _caches.pop(store, None)


def stats() -> dict[str, int]:
    """Hits and computations so far (all stores), for tests and benches."""
    with _lock:
        return dict(_stats)
