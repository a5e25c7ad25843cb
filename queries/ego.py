"""Question 7: the neighbourhood of one entity, for exploration.

Breadth-first over every relationship type, ignoring direction, only through nodes in
scope. Nodes are kept nearest first, then by id, up to ``cap``; ``capped`` says the
neighbourhood was larger. Edges are every relationship between kept nodes.
"""

from __future__ import annotations

from typing import Any

from graph.model import REL_ZH, Rel
from graph.schema import label as L
from queries._common import FK, NAMES, check_int, check_town, in_scope, ref, ref_from, resolve
from queries.models import EdgeRef, EgoNetwork, NetworkNode, NodeRef

# Frontier expansion: the neighbours (in scope) of a set of nodes given by element id.
EGO_CENTER = """
MATCH (c:%(label)s {%(key)s: $key}) RETURN elementId(c) AS id
"""
EGO_EXPAND = """
UNWIND $ids AS id
MATCH (n) WHERE elementId(n) = id
MATCH (n)--(m)
WHERE $town IS NULL OR m.town_code = $town OR (m:`PartyOrg` AND m.town_code IS NULL)
WITH DISTINCT m
RETURN collect([elementId(m), labels(m)[0], m[$fk[labels(m)[0]]], m[$names[labels(m)[0]]],
                m.town_code]) AS rows
"""
EGO_EDGES = """
UNWIND $ids AS id
MATCH (a) WHERE elementId(a) = id
MATCH (a)-[r]->(b) WHERE elementId(b) IN $ids
RETURN collect([type(r), labels(a)[0] + ':' + a[$fk[labels(a)[0]]], labels(b)[0] + ':' + b[$fk[labels(b)[0]]],
                properties(r)]) AS rows
"""


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


def _ego_neo4j(
    store: Any, label: str, props: dict[str, Any], town: str | None, hops: int, cap: int
) -> tuple[list[tuple[str, NodeRef, int]], bool, list[tuple[str, str, str, dict[str, Any]]]]:
    from graph.model import NODE_KEYS, Label

    lab = Label(label)
    center = store.read(
        EGO_CENTER % {"label": L(lab), "key": NODE_KEYS[lab]}, {"key": props[NODE_KEYS[lab]]}, "ego_center"
    )[0]["id"]
    seen = {center}
    levels: list[list[tuple[str, NodeRef]]] = [[(center, ref(label, props))]]
    frontier = [center]
    total = 1
    for _ in range(hops):
        # Past the cap nothing more is kept, so one level over it is enough to know.
        if not frontier or total > cap:
            break
        rows = store.read(EGO_EXPAND, {"ids": frontier, "town": town, "fk": FK, "names": NAMES}, "ego_expand")
        level = []
        for eid, lab, k, n, t in rows[0]["rows"]:
            if eid not in seen:
                seen.add(eid)
                level.append((eid, ref_from(lab, k, n, t)))
        levels.append(level)
        total += len(level)
        frontier = [h for h, _ in level]
    kept, capped = _select(levels, cap)
    capped = capped or total > cap
    rows = store.read(EGO_EDGES, {"ids": [h for h, _, _ in kept], "fk": FK}, "ego_edges")[0]["rows"]
    edges = [(t, a, b, dict(p)) for t, a, b, p in rows]
    return kept, capped, edges


def _ego_embedded(
    store: Any, label: str, props: dict[str, Any], town: str | None, hops: int, cap: int
) -> tuple[list[tuple[str, NodeRef, int]], bool, list[tuple[str, str, str, dict[str, Any]]]]:
    from queries._embedded import index

    ix = index(store)
    g = ix.g
    center = ref(label, props).id
    seen = {center}
    levels: list[list[tuple[str, NodeRef]]] = [[(center, ref(label, props))]]
    frontier = [center]
    total = 1
    for _ in range(hops):
        if not frontier or total > cap:
            break
        level = []
        for u in frontier:
            for v in (*g.successors(u), *g.predecessors(u)):
                if v in seen:
                    continue
                d = g.nodes[v]
                if in_scope(d["_label"], d, town):
                    seen.add(v)
                    level.append((v, ref(d["_label"], d)))
        levels.append(level)
        total += len(level)
        frontier = [h for h, _ in level]
    kept, capped = _select(levels, cap)
    capped = capped or total > cap
    ids = {h for h, _, _ in kept}
    edges = []
    for u in ids:
        for _, v, data in g.out_edges(u, data=True):
            if v in ids:
                edges.append((data["_type"], u, v, dict(data)))
    return kept, capped, edges


def ego(store: Any, *, key: str, town: str | None = None, hops: int = 1, cap: int = 500) -> EgoNetwork:
    """See :func:`queries.ego` (the public wrapper)."""
    check_town(store, town)
    check_int(hops, "hops", 1, 3)
    check_int(cap, "cap", 1, 5000)
    label, props = resolve(store, key, town)
    fn = _ego_neo4j if store.backend == "neo4j" else _ego_embedded
    kept, capped, raw = fn(store, label, props, town, hops, cap)
    nodes = [NetworkNode(id=r.id, node=r, attrs={"hop": hop}) for _, r, hop in kept]
    nodes.sort(key=lambda n: (n.attrs["hop"], n.id))
    edges = sorted(
        (
            EdgeRef(type=t, type_zh=REL_ZH[Rel(t)], source=s, target=e, properties=_clean(p))
            for t, s, e, p in raw
        ),
        key=lambda x: (
            x.type,
            x.source,
            x.target,
            x.properties.get("date") or "",
            str(sorted(x.properties.items())),
        ),
    )
    return EgoNetwork(center=ref(label, props), hops=hops, nodes=nodes, edges=edges, capped=capped)
