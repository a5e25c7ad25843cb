"""Question 7: the neighbourhood of one entity, for exploration.

Breadth-first over every relationship type, ignoring direction, only through nodes in
scope. Nodes are kept nearest first, then by id, up to ``cap``; ``capped`` says the
neighbourhood was larger. Edges are every relationship between kept nodes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from pydantic import ConfigDict, Field

from graph.model import NODE_KEYS, REL_ZH, Label, Rel
from graph.schema import label as L
from graph.store.base import CypherReader, FactSet, GraphStore
from graph.store.index import GraphIndex
from queries._common import FK, NAMES, check_scope, ref, ref_from, resolve
from queries.models import EdgeRef, EgoNetwork, NetworkNode, NodeRef
from queries.params import Params
from queries.question import Question, register
from queries.scope import Scope


class EgoParams(Params):
    # ``key`` outside (API, CLI, keyword), ``center`` inside: Params.key() is the cache key.
    model_config = ConfigDict(populate_by_name=True)

    center: str = Field(
        alias="key", min_length=1, max_length=200, description='"类型:编码"（如 Organization:O01）或编码'
    )
    hops: int = Field(1, ge=1, le=3, description="步数")
    cap: int = Field(200, ge=1, le=500, description="最多返回的节点数（近者优先）")


# Frontier expansion: the neighbours (in scope) of a set of nodes given by element id.
EGO_CENTER = """
MATCH (c:%(label)s {%(key)s: $key}) RETURN elementId(c) AS id
"""
EGO_EXPAND = """
UNWIND $ids AS id
MATCH (n) WHERE elementId(n) = id
MATCH (n)--(m)
WHERE %(scope)s
WITH DISTINCT m
RETURN collect({h: elementId(m), l: labels(m)[0], k: m[$fk[labels(m)[0]]], n: m[$names[labels(m)[0]]],
                t: m.town_code}) AS rows
"""
EGO_EDGES = """
UNWIND $ids AS id
MATCH (a) WHERE elementId(a) = id
MATCH (a)-[r]->(b) WHERE elementId(b) IN $ids
RETURN collect({t: type(r), s: labels(a)[0] + ':' + a[$fk[labels(a)[0]]],
                e: labels(b)[0] + ':' + b[$fk[labels(b)[0]]], p: properties(r)}) AS rows
"""


class EgoQuery(NamedTuple):
    scope: Scope
    center: NodeRef
    hops: int
    cap: int


class Kept(NamedTuple):
    node: NodeRef
    hop: int


class Link(NamedTuple):
    type: str
    source: str  # node ids
    target: str
    props: dict[str, Any]


@dataclass(frozen=True)
class EgoFacts:
    kept: list[Kept] = field(default_factory=list)  # nearest first, then by id, up to the cap
    capped: bool = False
    links: list[Link] = field(default_factory=list)  # every relationship between kept nodes


def _clean(props: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in sorted(props.items()) if k not in ("rid", "_type")}


def _select(levels: list[list[tuple[str, NodeRef]]], cap: int) -> tuple[list[tuple[str, NodeRef, int]], bool]:
    """Nearest first, then by node id, up to cap."""
    out: list[tuple[str, NodeRef, int]] = []
    for hop, level in enumerate(levels):
        for handle, r in sorted(level, key=lambda x: x[1].id):
            if len(out) >= cap:
                return out, True
            out.append((handle, r, hop))
    return out, False


def _ego_cypher(db: CypherReader, q: EgoQuery) -> EgoFacts:
    lab = Label(q.center.label)
    center = db.read(
        EGO_CENTER % {"label": L(lab), "key": NODE_KEYS[lab]}, {"key": q.center.key}, "ego_center"
    )[0]["id"]
    seen = {center}
    levels: list[list[tuple[str, NodeRef]]] = [[(center, q.center)]]
    frontier = [center]
    total = 1
    expand = EGO_EXPAND % {"scope": q.scope.cypher("m")}
    for _ in range(q.hops):
        # Past the cap nothing more is kept, so one level over it is enough to know.
        if not frontier or total > q.cap:
            break
        got = db.read(expand, {"ids": frontier, **q.scope.params(), "fk": FK, "names": NAMES}, "ego_expand")
        level = []
        for x in got[0]["rows"]:
            if x["h"] not in seen:
                seen.add(x["h"])
                level.append((x["h"], ref_from(x["l"], x["k"], x["n"], x["t"])))
        levels.append(level)
        total += len(level)
        frontier = [h for h, _ in level]
    kept, capped = _select(levels, q.cap)
    links = db.read(EGO_EDGES, {"ids": [h for h, _, _ in kept], "fk": FK}, "ego_edges")[0]["rows"]
    return EgoFacts(
        kept=[Kept(r, hop) for _, r, hop in kept],
        capped=capped or total > q.cap,
        links=[Link(x["t"], x["s"], x["e"], dict(x["p"])) for x in links],
    )


def _ego_networkx(ix: GraphIndex, q: EgoQuery) -> EgoFacts:
    g = ix.g
    center = q.center.id
    seen = {center}
    levels: list[list[tuple[str, NodeRef]]] = [[(center, q.center)]]
    frontier = [center]
    total = 1
    for _ in range(q.hops):
        if not frontier or total > q.cap:
            break
        level = []
        for u in frontier:
            for v in (*g.successors(u), *g.predecessors(u)):
                if v in seen:
                    continue
                d = g.nodes[v]
                if q.scope.admits(d["_label"], d):
                    seen.add(v)
                    level.append((v, ref(d["_label"], d)))
        levels.append(level)
        total += len(level)
        frontier = [h for h, _ in level]
    kept, capped = _select(levels, q.cap)
    ids = {h for h, _, _ in kept}
    links = []
    for u in ids:
        for _, v, data in g.out_edges(u, data=True):
            if v in ids:
                links.append(Link(data["_type"], u, v, dict(data)))
    return EgoFacts(kept=[Kept(r, hop) for _, r, hop in kept], capped=capped or total > q.cap, links=links)


NEIGHBOURHOOD = FactSet("ego.neighbourhood", cypher=_ego_cypher, networkx=_ego_networkx)


def ego_answer(center: NodeRef, hops: int, f: EgoFacts) -> EgoNetwork:
    """The network of the kept nodes and their relationships (pure)."""
    nodes = [NetworkNode(id=k.node.id, node=k.node, attrs={"hop": k.hop}) for k in f.kept]
    nodes.sort(key=lambda n: (n.attrs["hop"], n.id))
    edges = sorted(
        (
            EdgeRef(
                type=x.type,
                type_zh=REL_ZH[Rel(x.type)],
                source=x.source,
                target=x.target,
                properties=_clean(x.props),
            )
            for x in f.links
        ),
        key=lambda x: (
            x.type,
            x.source,
            x.target,
            x.properties.get("date") or "",
            str(sorted(x.properties.items())),
        ),
    )
    return EgoNetwork(center=center, hops=hops, nodes=nodes, edges=edges, capped=f.capped)


def ego(store: GraphStore, scope: Scope, p: EgoParams) -> EgoNetwork:
    """The neighbourhood of one entity (every relationship type, only through nodes in scope),
    nearest first then by id, up to ``cap`` nodes; ``capped`` says when cut.

    Example
    -------
    >>> EGO(store, Scope(), EgoParams(key="Organization:O01", hops=2)).capped  # doctest: +SKIP
    """
    check_scope(store, scope)
    label, props = resolve(store, p.center, scope)
    center = ref(label, props)
    f = store.facts(NEIGHBOURHOOD, EgoQuery(scope, center, p.hops, p.cap))
    return ego_answer(center, p.hops, f)


EGO = register(Question("ego", "关系网", EgoParams, EgoNetwork, ego))
