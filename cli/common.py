"""What every command shares: options, the store, the caller's scope, printing a result."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from pydantic import BaseModel

from graph.errors import InputError
from graph.model import Label
from graph.store import GraphStore
from queries.scope import Scope

BACKEND_HELP = "embedded | neo4j (默认按 ORGGRAPH_BACKEND / NEO4J_URI)"
BackendOpt = Annotated[str | None, typer.Option("--backend", help=BACKEND_HELP)]
JsonOpt = Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON")]
TownOpt = Annotated[str | None, typer.Option("--town", help="只看本镇街（镇街编码）/ scope to one town")]


def check_backend(backend: str | None) -> str | None:
    if backend not in (None, "embedded", "neo4j"):
        raise typer.BadParameter("--backend 只能是 embedded 或 neo4j / must be embedded or neo4j")
    return backend


@contextmanager
def opened(backend: str | None, *, ping: bool = False, complete: bool = True) -> Iterator[GraphStore]:
    """The configured store (or the one ``--backend`` names), closed afterwards.

    ``ping``: fail at once when the store is down (a Neo4j read would retry for seconds).
    ``complete``: refuse (LoadIncomplete, exit 3) while a load is running or was killed midway, so
    no command answers from a half-written graph; only commands that do not read the graph opt out."""
    from graph.store import open_store
    from graph.store.base import require_complete

    store = open_store(backend=check_backend(backend))
    try:
        if ping:
            store.ping()
        if complete:
            require_complete(store)
        yield store
    finally:
        store.close()


def scope_of(store: GraphStore, town: str | None) -> Scope:
    """The operator's scope: the district, or the town ``--town`` names. A town the store does
    not hold is a bad option (exit 2), not a missing record."""
    if town is not None and not store.fetch_nodes(Label.TOWN, [town]):
        raise InputError(f"--town 无此镇街：{town}", f"--town names no town: {town!r}")
    return Scope(town)


def echo_json(result: Any) -> None:
    if isinstance(result, list):
        data: Any = [r.model_dump(mode="json") if isinstance(r, BaseModel) else r for r in result]
    else:
        data = result.model_dump(mode="json") if isinstance(result, BaseModel) else result
    typer.echo(json.dumps(data, ensure_ascii=False, indent=1))
