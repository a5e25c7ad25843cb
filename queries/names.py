"""Display names of nodes by key, and what a scope may show of an association.

DESIGN.md security / issue 12: a town user may read the name of an association its own
units belong to, never the key of an association registered in another town (whose record
answers 404 for that user).
"""

from __future__ import annotations

from dataclasses import dataclass

from graph.model import NODE_KEYS, NODE_NAMES, Label
from graph.schema import label as L
from graph.store.base import CypherReader, FactSet, GraphStore
from graph.store.index import GraphIndex
from queries.cache import facts
from queries.scope import Scope


@dataclass(frozen=True)
class Named:
    key: str
    name: str | None
    town_code: str | None


@dataclass(frozen=True)
class NameQuery:
    label: Label
    keys: tuple[str, ...]


def _cypher(db: CypherReader, p: NameQuery) -> dict[str, Named]:
    k, n = NODE_KEYS[p.label], NODE_NAMES[p.label]
    text = f"MATCH (n:{L(p.label)}) WHERE n.{k} IN $keys RETURN n.{k} AS k, n.{n} AS v, n.town_code AS t"
    rows = db.read(text, {"keys": list(p.keys)}, f"names_{p.label.value}")
    return {r["k"]: Named(r["k"], _text(r["v"]), _text(r["t"])) for r in rows}


def _networkx(ix: GraphIndex, p: NameQuery) -> dict[str, Named]:
    out = {}
    for k in p.keys:
        nid = f"{p.label.value}:{k}"
        if nid in ix.nodes:
            d = ix.props(nid)
            out[k] = Named(k, _text(d.get(NODE_NAMES[p.label])), _text(d.get("town_code")))
    return out


def _text(v: object) -> str | None:
    return None if v is None else str(v)


NAMES = FactSet("names", cypher=_cypher, networkx=_networkx)


def names(store: GraphStore, label: Label, keys: list[str] | set[str]) -> dict[str, Named]:
    """{key: Named} of the nodes of a label that exist (cached per store version)."""
    ks = tuple(sorted(k for k in keys if k))
    return facts(store, NAMES, NameQuery(label, ks)) if ks else {}


def association_shown(
    scope: Scope, key: str | None, found: dict[str, Named]
) -> tuple[str | None, str | None]:
    """(key, name) of an organisation's association as the scope may see it: the key only when
    the association itself is in scope, the name always (its own units belong to it)."""
    if key is None:
        return None, None
    a = found.get(key)
    name = a.name if a is not None else None
    if scope.is_district:
        return key, name
    if a is not None and scope.admits(Label.ORGANIZATION, {"town_code": a.town_code}):
        return key, name
    return None, name
