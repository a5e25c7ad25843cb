"""How every router answers: scope from the token, call a query, cache, audit, serialise.

Routers stay a few lines each: they name the query and its parameters and call
:func:`answer`, which passes ``town`` from the token (never from the request for a town
caller), caches the heavy questions per (scope, route, parameters) on ``store.version()``,
writes an audit entry when the answer holds personal data, and returns JSON bytes.
"""

from __future__ import annotations

import copy
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, TypeAdapter

from api.auth import effective_town, known_query_only, principal
from api.problems import NotImplementedYet
from graph.audit import audit
from graph.errors import StoreUnavailable
from graph.settings import Settings
from graph.store.base import GraphStore
from graph.tokens import Principal
from queries.models import NodeRef
from queries.question import Question
from queries.question import ask as ask_question
from queries.scope import Scope

API_PREFIX = "/api/v1"

# Labels whose nodes are people: an answer naming one is a read of personal data.
PERSONAL_LABELS = frozenset({"Member", "Instructor"})
# Keyed hashes are for matching on the server (admin lookup), never for display.
HIDDEN_KEYS = frozenset({"id_hash", "phone_hash"})


# --- personal data ------------------------------------------------------------------


def _walk(obj: Any, seen_refs: list[NodeRef], hidden: list[bool]) -> None:
    if isinstance(obj, NodeRef):
        seen_refs.append(obj)
    elif isinstance(obj, BaseModel):
        for v in obj.__dict__.values():
            _walk(v, seen_refs, hidden)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            if k in HIDDEN_KEYS:
                hidden[0] = True
            _walk(v, seen_refs, hidden)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            _walk(v, seen_refs, hidden)


def _scrub(obj: Any) -> Any:
    if isinstance(obj, BaseModel):
        for k, v in list(obj.__dict__.items()):
            if isinstance(v, (BaseModel, dict, list)):
                setattr(obj, k, _scrub(v))
        return obj
    if isinstance(obj, dict):
        return {k: _scrub(v) for k, v in obj.items() if k not in HIDDEN_KEYS}
    if isinstance(obj, list):
        return [_scrub(v) for v in obj]
    return obj


def inspect(result: Any) -> tuple[Any, list[str]]:
    """The result without keyed hashes, and the ids of the people it names (sorted)."""
    refs: list[NodeRef] = []
    hidden = [False]
    _walk(result, refs, hidden)
    if hidden[0]:
        # a copy: the query layer may keep the original in a cache of its own
        result = _scrub(copy.deepcopy(result))
    people = sorted({r.id for r in refs if r.label in PERSONAL_LABELS})
    return result, people


# --- cache --------------------------------------------------------------------------


class AnswerCache:
    """Bounded LRU of serialised answers, each valid for one store version."""

    def __init__(self, max_entries: int = 512, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._data: OrderedDict[tuple[Any, ...], tuple[str, bytes, list[str], dict[str, str]]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        # Striped locks: one computation per key at a time, so 32 clients asking a cold
        # question compute it once, not 32 times (bounded: no lock per key to clean up).
        self._stripes = [threading.Lock() for _ in range(64)]
        self.hits = 0
        self.misses = 0

    def computing(self, key: tuple[Any, ...]) -> threading.Lock:
        return self._stripes[hash(key) % len(self._stripes)]

    def get(self, key: tuple[Any, ...], version: str) -> tuple[bytes, list[str], dict[str, str]] | None:
        with self._lock:
            item = self._data.get(key)
            if item is None or item[0] != version:
                self.misses += 1
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return item[1], item[2], item[3]

    def put(
        self, key: tuple[Any, ...], version: str, body: bytes, people: list[str], headers: dict[str, str]
    ) -> None:
        if len(body) > self.max_bytes // 4:
            return  # one huge answer must not flush everything else
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self._bytes -= len(old[1])
            self._data[key] = (version, body, people, headers)
            self._bytes += len(body)
            while len(self._data) > self.max_entries or self._bytes > self.max_bytes:
                _, dropped = self._data.popitem(last=False)
                self._bytes -= len(dropped[1])

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._data)


class VersionClock:
    """``store.version()``, asked at most once per ``ttl`` seconds on a networked store.

    On Neo4j a version is a round trip; asked per request it would cost every cached answer
    a query. Reusing it for up to a second means a cached answer outlives a change of the
    graph by at most that second. The embedded store's version is a file stat: always fresh.
    """

    def __init__(self, ttl: float = 1.0) -> None:
        self.ttl = ttl
        self._at = -1e9
        self._value = ""

    def get(self, store: GraphStore) -> str:
        if store.backend == "embedded" or self.ttl <= 0:
            return store.version()
        now = time.monotonic()
        if now - self._at >= self.ttl:
            self._value = store.version()
            self._at = now
        return self._value


# --- the caller's context -----------------------------------------------------------


@dataclass
class Caller:
    who: Principal
    request: Request

    @property
    def store(self) -> GraphStore:
        return self.request.app.state.store

    @property
    def settings(self) -> Settings:
        return self.request.app.state.settings

    def town(self, requested: str | None = None) -> str | None:
        return effective_town(self.who, requested)


class StoreGuard:
    """Fail fast while the store is down.

    The Neo4j driver retries a read for up to 30 s before giving up, so a request against a
    stopped server would hang that long. A connectivity check fails at once, so one runs
    before a request whenever the store has not answered for ``interval`` seconds (and after
    every failure); a healthy busy API pays one check every few seconds, not per request.
    """

    def __init__(self, interval: float = 5.0) -> None:
        self.interval = interval
        self._ok_at = -1e9

    def check(self, store: GraphStore) -> None:
        now = time.monotonic()
        if now - self._ok_at > self.interval:
            try:
                store.ping()
            except StoreUnavailable:
                self._ok_at = -1e9
                raise
            self._ok_at = now

    def ok(self) -> None:
        self._ok_at = time.monotonic()

    def failed(self) -> None:
        self._ok_at = -1e9


def caller(request: Request, who: Annotated[Principal, Depends(principal)]) -> Caller:
    known_query_only(request)
    request.app.state.store_guard.check(request.app.state.store)
    return Caller(who, request)


def route_template(request: Request) -> str:
    """The matched route, e.g. /api/v1/members/{member_id}/membership (for the audit log)."""
    path = getattr(request.scope.get("route"), "path", None)
    if not path:
        return request.url.path
    # FastAPI >= 0.160 keeps the included router's own route (without the prefix) in the scope
    return path if path.startswith(API_PREFIX) else API_PREFIX + path


def _dump(result: Any) -> bytes:
    if isinstance(result, BaseModel):
        return result.model_dump_json().encode()
    return TypeAdapter(type(result) if not isinstance(result, list) else list[Any]).dump_json(result)


def _call(c: Caller, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    guard: StoreGuard = c.request.app.state.store_guard
    try:
        out = fn(*args, **kwargs)
    except StoreUnavailable:
        guard.failed()
        raise
    except ModuleNotFoundError as exc:
        # a question whose module is not written yet answers 501, not 500
        if exc.name and exc.name.startswith("queries"):
            raise NotImplementedYet("该查询尚未实现", f"query not implemented yet ({exc.name})") from None
        raise
    guard.ok()
    return out


def answer(
    c: Caller,
    fn: Callable[..., Any],
    *args: Any,
    cache: bool = False,
    town: str | None = None,
    shape: Callable[[Any], tuple[Any, dict[str, str]]] | None = None,
    **params: Any,
) -> Response:
    """Run ``fn(store, *args, town=<scope>, **params)`` for the caller and answer JSON.

    ``town`` is the requested town (ignored in favour of the token's for a town caller);
    ``shape`` turns the query's result into the page to send (and extra headers).
    """
    scope_town = c.town(town)
    route_path = route_template(c.request)
    key: tuple[Any, ...] = ()
    version = ""
    hit = None
    if cache:
        version = _call(c, c.request.app.state.version_clock.get, c.store)
        # (scope, route, parameters): the path holds the path parameters; the town parameter
        # is already in the scope, so T1's answer is shared by a T1 token and ?town=T1.
        items = sorted(kv for kv in c.request.query_params.multi_items() if kv[0] != "town")
        key = (scope_town, c.request.url.path, tuple(items))
        hit = c.request.app.state.cache.get(key, version)
    if hit is None and cache:
        store_cache: AnswerCache = c.request.app.state.cache
        with store_cache.computing(key):
            hit = store_cache.get(key, version)  # filled while this request waited?
            if hit is None:
                hit = _compute(c, fn, args, scope_town, shape, params)
                store_cache.put(key, version, *hit)
    elif hit is None:
        hit = _compute(c, fn, args, scope_town, shape, params)
    body, people, headers = hit
    if people:
        record_read(c, route_path, people)
    return Response(content=body, media_type="application/json", headers=headers)


def _compute(
    c: Caller,
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    scope_town: str | None,
    shape: Callable[[Any], tuple[Any, dict[str, str]]] | None,
    params: dict[str, Any],
) -> tuple[bytes, list[str], dict[str, str]]:
    result = _call(c, fn, c.store, *args, town=scope_town, **params)
    headers: dict[str, str] = {}
    if shape is not None:
        result, headers = shape(result)
    result, people = inspect(result)
    return _dump(result), people, headers


def record_read(c: Caller, route_path: str, records: Iterable[str], **extra: Any) -> None:
    audit(
        "api_read_personal",
        c.who.who,
        c.settings,
        route=route_path,
        path=c.request.url.path,
        method=c.request.method,
        records=list(records),
        **extra,
    )


# --- pagination ---------------------------------------------------------------------


def page_of(field: str, limit: int, offset: int) -> Callable[[Any], tuple[Any, dict[str, str]]]:
    """A ``shape`` that keeps ``limit`` items of list ``field`` from ``offset`` (total in a header)."""

    def shape(result: Any) -> tuple[Any, dict[str, str]]:
        items = getattr(result, field)
        page = result.model_copy(update={field: items[offset : offset + limit]})
        return page, {"X-Total-Count": str(len(items))}

    return shape


def list_page(limit: int, offset: int) -> Callable[[Any], tuple[Any, dict[str, str]]]:
    def shape(result: Any) -> tuple[Any, dict[str, str]]:
        return list(result)[offset : offset + limit], {"X-Total-Count": str(len(result))}

    return shape


# --- questions ----------------------------------------------------------------------

Shape = Callable[[Any], tuple[Any, dict[str, str]]]


def ask(c: Caller, q: Question[Any, Any], p: BaseModel, *, shape: Shape | None = None) -> Response:
    """Answer question ``q`` for the caller and send JSON.

    ``p`` is the route's parameters model: the question's own, optionally with ``town`` (the
    requested town, replaced by the token's for a town caller) and fields the edge uses
    itself (paging by ``shape``); only the question's fields reach the question.
    """
    values = p.model_dump()
    params = q.params.model_validate({k: v for k, v in values.items() if k in q.params.model_fields})

    def run(store: GraphStore, *, town: str | None) -> Any:
        return ask_question(store, q, Scope(town), params)

    return answer(c, run, town=values.get("town"), shape=shape)
