"""Question: one parameters model, one answer function, one result type, one cache.

Every face (CLI, API, dashboard) asks through :func:`ask` with the caller's :class:`Scope`;
the registry :data:`QUESTIONS` is what the faces enumerate.

Example
-------
>>> from queries.gaps import GAPS
>>> ask(store, GAPS, Scope("T01"), GAPS.params(limit=10)).total  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from graph.store.base import GraphStore
from queries.cache import cached
from queries.params import Params
from queries.scope import Scope

P = TypeVar("P", bound=Params)
R = TypeVar("R", bound=BaseModel)


@dataclass(frozen=True)
class Question(Generic[P, R]):
    name: str  # the CLI's and the API's name for it (English, lower case)
    title: str  # what a person reads (Chinese)
    params: type[P]
    result: type[R]
    run: Callable[[GraphStore, Scope, P], R]
    personal: bool = False  # its answers name people (audited when read)
    cache: bool = True

    def __call__(
        self, store: GraphStore, scope: Scope | None = None, params: P | None = None, **kw: Any
    ) -> R:
        return ask(store, self, scope or Scope(), params if params is not None else self.params.parse(kw))


QUESTIONS: dict[str, Question[Any, Any]] = {}


def register(q: Question[P, R]) -> Question[P, R]:
    if q.name in QUESTIONS and QUESTIONS[q.name] is not q:
        raise ValueError(f"question {q.name!r} registered twice")
    QUESTIONS[q.name] = q
    return q


def ask(store: GraphStore, q: Question[P, R], scope: Scope, params: P) -> R:
    """The answer, once per store version, scope and parameters (the one answer cache)."""
    if not q.cache:
        return q.run(store, scope, params)
    return cached(store, ("answer", q.name, scope.key, params.key()), lambda: q.run(store, scope, params))
