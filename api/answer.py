"""How every router answers: scope from the token, ask the question, audit, serialise.

Routers stay a few lines each: they declare the question's parameters model as query
parameters and call :func:`ask`, which builds the :class:`~queries.scope.Scope` from the
token (``Scope.for_caller``: never widened by the request), asks through the one answer cache
of ``queries/`` (per store version, scope and parameters), writes an audit entry when the
answer holds personal data, and returns JSON bytes. Serialisation and audit stay here, at
the edge.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from inspect import Parameter, Signature, iscoroutinefunction
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, TypeAdapter

from api.auth import known_query_only, principal
from api.routers.params import Scoped
from graph.audit import audit
from graph.errors import LoadIncomplete, StoreUnavailable
from graph.settings import Settings
from graph.store import GraphStore
from graph.tokens import Principal
from queries.models import NodeRef
from queries.params import Params
from queries.question import Question
from queries.question import ask as ask_question
from queries.scope import Scope
from queries.stats import incomplete_load

P = TypeVar("P", bound=Params)
R = TypeVar("R", bound=BaseModel)
Shape = Callable[[Any], tuple[Any, dict[str, str]]]

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


# --- the caller's context -----------------------------------------------------------


@dataclass
class Caller:
    who: Principal
    request: Request
    checked: bool = False  # the store guard's checks have run for this request

    @property
    def store(self) -> GraphStore:
        """The store, known to be up and fully loaded: the first use in a request runs the
        :class:`StoreGuard` checks, in the thread that then uses the store."""
        store: GraphStore = self.request.app.state.store
        if not self.checked:
            check_store(self.request)
            self.checked = True
        return store

    @property
    def settings(self) -> Settings:
        settings: Settings = self.request.app.state.settings
        return settings

    def scope(self, requested: str | None = None) -> Scope:
        """The caller's scope: the token's town always; a district caller may narrow it."""
        return Scope.for_caller(self.who.scope_town, requested)


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
        self._load: tuple[str, tuple[str, str] | None] | None = None

    def check(self, store: GraphStore) -> None:
        now = time.monotonic()
        if now - self._ok_at > self.interval:
            try:
                store.ping()
            except StoreUnavailable:
                self._ok_at = -1e9
                raise
            self._ok_at = now

    def check_load(self, store: GraphStore) -> None:
        """Never answer from a half-written graph: LoadIncomplete (503) while a load runs or after
        one was killed. The load state is read again only when the store version changes (a
        load's first write changes it)."""
        try:
            ver = store.version()
        except StoreUnavailable:
            self.failed()
            raise
        if self._load is None or self._load[0] != ver:
            self._load = (ver, incomplete_load(store))
        details = self._load[1]
        if details is not None:
            raise LoadIncomplete(*details)

    def ok(self) -> None:
        self._ok_at = time.monotonic()

    def failed(self) -> None:
        self._ok_at = -1e9


def check_store(request: Request) -> None:
    """503 while the store is down or a load is incomplete (blocking: may ask the store)."""
    request.app.state.store_guard.check(request.app.state.store)
    request.app.state.store_guard.check_load(request.app.state.store)


async def caller(request: Request, who: Annotated[Principal, Depends(principal)]) -> Caller:
    """The caller of a request. The store checks may block, so they never run on the event loop: a
    sync route runs them in its own thread on its first use of :attr:`Caller.store` (a sync
    dependency would cost every request another thread hop: issue 19), an async route in a worker
    thread here, before it starts."""
    known_query_only(request)
    c = Caller(who, request)
    if iscoroutinefunction(getattr(request.scope.get("route"), "endpoint", None)):
        await run_in_threadpool(check_store, request)
        c.checked = True
    return c


def route_template(request: Request) -> str:
    """The matched route, e.g. /api/v1/members/{member_id}/membership (for the audit log)."""
    path = getattr(request.scope.get("route"), "path", None)
    if not isinstance(path, str) or not path:
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
    guard.ok()
    return out


def _respond(c: Caller, result: Any, shape: Shape | None) -> Response:
    headers: dict[str, str] = {}
    if shape is not None:
        result, headers = shape(result)
    result, people = inspect(result)
    if people:
        record_read(c, route_template(c.request), people)
    return Response(content=_dump(result), media_type="application/json", headers=headers)


def ask(c: Caller, q: Question[P, R], p: Params, *, shape: Shape | None = None) -> Response:
    """Answer question ``q`` for the caller and send JSON.

    ``p`` is the route's parameters model: the question's own, optionally with ``town`` (the
    requested town, replaced by the token's for a town caller) and fields the edge uses
    itself (paging by ``shape``); only the question's fields reach the question.

    Example
    -------
    >>> @router.get("/centrality")  # doctest: +SKIP
    ... def centrality(c: Annotated[Caller, Depends(caller)], p: Annotated[CentralityQuery, Query()]):
    ...     return ask(c, CENTRALITY, p)
    """
    values = p.model_dump()
    scope = c.scope(values.get("town"))
    params = q.params.model_validate({k: v for k, v in values.items() if k in q.params.model_fields})
    result = _call(c, ask_question, c.store, q, scope, params)
    return _respond(c, result, shape)


def question_route(
    router: APIRouter,
    path: str,
    q: Question[Any, Any],
    *,
    summary: str,
    query: type[Params] | None = None,
    tags: list[str] | None = None,
    shape: Shape | None = None,
    page: str | None = None,
    response_model: Any = None,
) -> None:
    """``GET path``: question ``q`` for the caller (:func:`ask`), its query parameters the
    question's own model plus ``town`` (or ``query``, a model derived from it), its response
    the question's result model (or ``response_model``, when ``shape`` changes it). ``page``
    names a list of the result cut to the query's ``limit`` and ``offset`` (:func:`page_of`).

    Example
    -------
    >>> question_route(router, "/centrality", CENTRALITY, summary="中心性 / centrality")  # doctest: +SKIP
    """
    model = query if query is not None else type(q.params.__name__ + "Query", (q.params, Scoped), {})

    def endpoint(c: Caller, p: Params) -> Response:
        if page is not None:  # the query model has limit and offset
            return ask(c, q, p, shape=page_of(page, p.limit, p.offset))  # type: ignore[attr-defined]
        return ask(c, q, p, shape=shape)

    kw = Parameter.KEYWORD_ONLY
    endpoint.__signature__ = Signature(  # type: ignore[attr-defined]
        [
            Parameter("c", kw, annotation=Annotated[Caller, Depends(caller)]),
            Parameter("p", kw, annotation=Annotated[model, Query()]),
        ],
        return_annotation=Response,
    )
    endpoint.__name__ = endpoint.__qualname__ = q.name
    model_out = response_model if response_model is not None else q.result
    router.get(path, response_model=model_out, tags=tags, summary=summary)(endpoint)  # type: ignore[arg-type]


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


def total_in(field: str) -> Shape:
    """A ``shape`` that sends the answer as it is, with its ``field`` as the total in a header."""
    return lambda res: (res, {"X-Total-Count": str(getattr(res, field))})


def page_of(field: str, limit: int, offset: int) -> Callable[[Any], tuple[Any, dict[str, str]]]:
    """A ``shape`` that keeps ``limit`` items of list ``field`` from ``offset`` (total in a header)."""

    def shape(result: Any) -> tuple[Any, dict[str, str]]:
        items = getattr(result, field)
        page = result.model_copy(update={field: items[offset : offset + limit]})
        return page, {"X-Total-Count": str(len(items))}

    return shape
