"""Question 3: shortest paths between two entities, named, with a readable Chinese chain.

Paths ignore direction. With a town scope every node on the path is in scope, so a path
never passes through another town's entities. When several relationships join the same
two nodes, the step shows the first by (type, direction, rid), on both backends.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from graph.model import NODE_KEYS, REL_ZH, Label, Rel
from graph.schema import label as L
from graph.schema import rel_type as T
from queries._common import FK, NAMES, check_int, check_rels, check_town, in_scope, ref, resolve
from queries.models import EdgeRef, NodeRef, Path, PathResult

DEFAULT_RELS = [r for r in Rel if r is not Rel.CONTACTED]
# Neo4j returns at most this many shortest paths to sort; both backends agree below it.
MAX_ENUMERATED = 5000

# Labels, key properties and the hop bound are whitelisted / validated before formatting.
PATH_ALL_SHORTEST = """
MATCH (a:%(la)s {%(ka)s: $a}), (b:%(lb)s {%(kb)s: $b})
MATCH p = allShortestPaths((a)-[:%(types)s*..%(hops)d]-(b))
WHERE all(n IN nodes(p) WHERE $town IS NULL OR n.town_code = $town
          OR (n:`PartyOrg` AND n.town_code IS NULL))
WITH p LIMIT %(cap)d
RETURN [n IN nodes(p) | {l: labels(n)[0], k: n[$fk[labels(n)[0]]], n: n[$names[labels(n)[0]]],
                         t: n.town_code}] AS nodes,
       [r IN relationships(p) | {t: type(r),
            s: labels(startNode(r))[0] + ':' + startNode(r)[$fk[labels(startNode(r))[0]]],
            e: labels(endNode(r))[0] + ':' + endNode(r)[$fk[labels(endNode(r))[0]]],
            p: properties(r)}] AS rels
"""


def _chain(nodes: list[NodeRef], rels: list[EdgeRef]) -> str:
    parts = [nodes[0].name or nodes[0].key]
    for i, r in enumerate(rels):
        forward = r.source == nodes[i].id
        parts.append(f"—{r.type_zh}→" if forward else f"←{r.type_zh}—")
        parts.append(nodes[i + 1].name or nodes[i + 1].key)
    return " ".join(parts)


def _edge(rtype: str, source: str, target: str, props: dict[str, Any]) -> EdgeRef:
    clean = {k: v for k, v in sorted(props.items()) if k not in ("rid", "_type")}
    return EdgeRef(type=rtype, type_zh=REL_ZH[Rel(rtype)], source=source, target=target, properties=clean)


def _canonical(u: str, options: list[tuple[str, str, str, str, dict[str, Any]]]) -> EdgeRef:
    """Pick one of the relationships joining a step: first by (type, forward first, rid)."""
    best = min(options, key=lambda o: (o[0], 0 if o[1] == u else 1, o[3]))
    return _edge(best[0], best[1], best[2], best[4])


def _paths_neo4j(
    store: Any,
    src: tuple[str, dict[str, Any]],
    dst: tuple[str, dict[str, Any]],
    types: list[Rel],
    town: str | None,
    max_hops: int,
) -> tuple[list[list[str]], dict[str, NodeRef], dict[frozenset[str], list[Any]]]:
    la, lb = Label(src[0]), Label(dst[0])
    text = PATH_ALL_SHORTEST % {
        "la": L(la),
        "ka": NODE_KEYS[la],
        "lb": L(lb),
        "kb": NODE_KEYS[lb],
        "types": "|".join(T(t) for t in types),
        "hops": max_hops,
        "cap": MAX_ENUMERATED,
    }
    rows = store.read(
        text,
        {"a": src[1][NODE_KEYS[la]], "b": dst[1][NODE_KEYS[lb]], "town": town, "fk": FK, "names": NAMES},
        "path_all_shortest",
    )
    seqs: set[tuple[str, ...]] = set()
    refs: dict[str, NodeRef] = {}
    steps: dict[frozenset[str], list[Any]] = {}
    for r in rows:
        ids = []
        for n in r["nodes"]:
            nr = NodeRef(label=n["l"], key=str(n["k"]), name=n["n"], town_code=n["t"])
            refs[nr.id] = nr
            ids.append(nr.id)
        seqs.add(tuple(ids))
        for rel in r["rels"]:
            props = dict(rel["p"])
            opt = (rel["t"], rel["s"], rel["e"], str(props.get("rid", "")), props)
            lst = steps.setdefault(frozenset((rel["s"], rel["e"])), [])
            if opt[:4] not in [o[:4] for o in lst]:
                lst.append(opt)
    return [list(s) for s in sorted(seqs)], refs, steps


def _paths_embedded(
    store: Any,
    src: tuple[str, dict[str, Any]],
    dst: tuple[str, dict[str, Any]],
    types: list[Rel],
    town: str | None,
    max_hops: int,
    want: int,
) -> tuple[list[list[str]], dict[str, NodeRef], dict[frozenset[str], list[Any]]]:
    """Bidirectional BFS, then the shortest-path DAG walked in lexicographic order.

    Each step expands, by one whole layer, the side whose frontier has fewer edges to follow,
    so a search never floods the graph through a hub (Town, Park, district-level party org)
    it only needs to touch. Once the two balls meet, D = min(ds + dt) over the meeting nodes
    is the distance; the nodes on shortest paths are recovered by pruning each ball towards the
    cut layer, and the DAG's sorted successor lists give the paths in the same (sorted node id)
    order as Neo4j's answer after sorting.
    """
    from queries._embedded import index

    ix = index(store)
    s = f"{src[0]}:{src[1][NODE_KEYS[Label(src[0])]]}"
    t = f"{dst[0]}:{dst[1][NODE_KEYS[Label(dst[0])]]}"
    adj = ix.adjacency(types)
    ok: dict[str, bool] = {}

    def allowed(nid: str) -> bool:
        v = ok.get(nid)
        if v is None:
            d = ix.props(nid)
            v = ok[nid] = in_scope(d["_label"], d, town)
        return v

    def cost(frontier: list[str]) -> int:
        return sum(len(adj.get(u, ())) for u in frontier)

    # ds / dt hold exact distances for the whole ball explored from each end (depth da / db).
    ds: dict[str, int] = {s: 0}
    dt: dict[str, int] = {t: 0}
    fs, ft = [s], [t]
    da = db = 0
    best: int | None = None
    while best is None and da + db < max_hops and fs and ft:
        forward = cost(fs) <= cost(ft)
        near, far, frontier = (ds, dt, fs) if forward else (dt, ds, ft)
        depth = (da if forward else db) + 1
        nxt: list[str] = []
        for u in frontier:
            for v in adj.get(u, ()):
                if v in near or (town is not None and not allowed(v)):
                    continue
                near[v] = depth
                nxt.append(v)
                if v in far:
                    total = depth + far[v]
                    if best is None or total < best:
                        best = total
        if forward:
            fs, da = nxt, depth
        else:
            ft, db = nxt, depth
    if best is None:
        return [], {}, {}
    # Every node on a shortest path at position i has ds = i and dt = best - i; since best <= da + db,
    # the cut layer c = min(da, best) lies in the forward ball and best - c in the backward one.
    c = min(da, best)
    cut = [v for v, d in ds.items() if d == c and dt.get(v) == best - c]
    succ: dict[str, set[str]] = {}
    layer = set(cut)
    for i in range(c - 1, -1, -1):  # forward ball: keep the nodes that lead to the cut
        prev: set[str] = set()
        for v in layer:
            for u in adj.get(v, ()):
                if ds.get(u) == i:
                    prev.add(u)
                    succ.setdefault(u, set()).add(v)
        layer = prev
    layer = set(cut)
    for k in range(c, best):  # backward ball: from the cut down to the target
        nxt_layer: set[str] = set()
        for u in layer:
            for v in adj.get(u, ()):
                if dt.get(v) == best - k - 1:
                    nxt_layer.add(v)
                    succ.setdefault(u, set()).add(v)
        layer = nxt_layer
    dag = {u: sorted(vs) for u, vs in succ.items()}
    seqs: list[list[str]] = []

    def walk(path: list[str]) -> None:
        u = path[-1]
        if u == t:
            seqs.append(list(path))
            return
        for v in dag.get(u, ()):
            path.append(v)
            walk(path)
            path.pop()
            if len(seqs) >= want:
                return

    walk([s])
    refs: dict[str, NodeRef] = {}
    steps: dict[frozenset[str], list[Any]] = {}
    for seq in seqs:
        for nid in seq:
            d = ix.props(nid)
            refs[nid] = ref(d["_label"], d)
        for a, b in pairwise(seq):
            pair = frozenset((a, b))
            if pair in steps:
                continue
            opts = []
            for u, v in ((a, b), (b, a)):
                for _k, e in ix.g.get_edge_data(u, v, default={}).items():
                    if e["_type"] in types:
                        opts.append((e["_type"], u, v, e.get("rid", ""), e))
            steps[pair] = opts
    return seqs, refs, steps


def path(
    store: Any,
    *,
    source: str,
    target: str,
    town: str | None = None,
    max_hops: int = 6,
    rels: list[str] | None = None,
    limit: int = 5,
) -> PathResult:
    """See :func:`queries.path` (the public wrapper)."""
    check_town(store, town)
    check_int(max_hops, "max_hops", 1, 10)
    check_int(limit, "limit", 1, 100)
    types = check_rels(rels, DEFAULT_RELS)
    src = resolve(store, source, town)
    dst = resolve(store, target, town)
    a, b = ref(*src), ref(*dst)
    if a.id == b.id:
        return PathResult(
            source=a,
            target=b,
            found=True,
            length=0,
            paths=[Path(nodes=[a], relationships=[], chain_zh=a.name or a.key)],
        )
    if store.backend == "neo4j":
        seqs, refs, steps = _paths_neo4j(store, src, dst, types, town, max_hops)
    else:
        seqs, refs, steps = _paths_embedded(store, src, dst, types, town, max_hops, limit + 1)
    if not seqs:
        return PathResult(source=a, target=b, found=False)
    out = []
    for seq in seqs[:limit]:
        nodes = [refs[n] for n in seq]
        rels_ = [_canonical(u, steps[frozenset((u, v))]) for u, v in pairwise(seq)]
        out.append(Path(nodes=nodes, relationships=rels_, chain_zh=_chain(nodes, rels_)))
    return PathResult(
        source=a, target=b, found=True, length=len(seqs[0]) - 1, paths=out, truncated=len(seqs) > limit
    )
