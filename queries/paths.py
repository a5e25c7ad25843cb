"""Question 3: shortest paths between two entities, named, with a readable Chinese chain.

Paths ignore direction. With a town scope every node on the path is in scope, so a path
never passes through another town's entities. When several relationships join the same
two nodes, the step shows the first by (type, direction, rid), on both backends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any, NamedTuple

from pydantic import Field

from graph.errors import InputError
from graph.model import NODE_KEYS, REL_ZH, Label, Rel
from graph.schema import label as L
from graph.schema import rel_type as T
from graph.store.base import CypherReader, FactSet, GraphStore
from graph.store.index import GraphIndex
from queries._common import FK, NAMES, check_scope, ref, resolve
from queries.models import EdgeRef, NodeRef, Path, PathResult
from queries.params import Params
from queries.question import Question, register
from queries.scope import Scope

DEFAULT_RELS = [r for r in Rel if r is not Rel.CONTACTED]
# Neo4j returns at most this many shortest paths to sort; both backends agree below it.
MAX_ENUMERATED = 5000

Ref = Field(min_length=1, max_length=200, description='"类型:编码"（如 Organization:O01）或编码')


class PathParams(Params):
    source: str = Ref
    target: str = Ref
    max_hops: int = Field(6, ge=1, le=10, description="最多步数")
    rels: tuple[Rel, ...] | None = Field(
        None, max_length=len(Rel), description="只走这些关系类型（默认除联系记录 CONTACTED 外的全部）"
    )
    limit: int = Field(5, ge=1, le=100, description="最多列出几条最短路径")


# Labels, key properties and the hop bound are whitelisted / validated before formatting.
PATH_ALL_SHORTEST = """
MATCH (a:%(la)s {%(ka)s: $a}), (b:%(lb)s {%(kb)s: $b})
MATCH p = allShortestPaths((a)-[:%(types)s*..%(hops)d]-(b))
WHERE all(n IN nodes(p) WHERE %(scope)s)
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


# --- facts -----------------------------------------------------------------------------


class PathQuery(NamedTuple):
    scope: Scope
    source: str  # node ids
    target: str
    types: tuple[Rel, ...]
    max_hops: int
    want: int  # how many paths the answer may use (the networkx side stops there)


class Step(NamedTuple):
    """One relationship that joins two consecutive nodes of a path."""

    type: str
    start: str
    end: str
    rid: str
    props: dict[str, Any]


@dataclass(frozen=True)
class PathFacts:
    seqs: list[list[str]] = field(default_factory=list)  # node ids of each shortest path, sorted
    refs: dict[str, NodeRef] = field(default_factory=dict)
    steps: dict[frozenset[str], list[Step]] = field(default_factory=dict)  # per pair of nodes


def _canonical(u: str, options: list[Step]) -> EdgeRef:
    """Pick one of the relationships joining a step: first by (type, forward first, rid)."""
    best = min(options, key=lambda o: (o.type, 0 if o.start == u else 1, o.rid))
    return _edge(best.type, best.start, best.end, best.props)


def _paths_cypher(db: CypherReader, q: PathQuery) -> PathFacts:
    (la, ka), (lb, kb) = (_split(q.source), _split(q.target))
    text = PATH_ALL_SHORTEST % {
        "la": L(la),
        "ka": NODE_KEYS[la],
        "lb": L(lb),
        "kb": NODE_KEYS[lb],
        "types": "|".join(T(t) for t in q.types),
        "hops": q.max_hops,
        "cap": MAX_ENUMERATED,
        "scope": q.scope.cypher("n"),
    }
    rows = db.read(
        text, {"a": ka, "b": kb, **q.scope.params(), "fk": FK, "names": NAMES}, "path_all_shortest"
    )
    seqs: set[tuple[str, ...]] = set()
    out = PathFacts()
    for r in rows:
        ids = []
        for n in r["nodes"]:
            nr = NodeRef(label=n["l"], key=str(n["k"]), name=n["n"], town_code=n["t"])
            out.refs[nr.id] = nr
            ids.append(nr.id)
        seqs.add(tuple(ids))
        for rel in r["rels"]:
            props = dict(rel["p"])
            opt = Step(rel["t"], rel["s"], rel["e"], str(props.get("rid", "")), props)
            lst = out.steps.setdefault(frozenset((rel["s"], rel["e"])), [])
            if opt[:4] not in [o[:4] for o in lst]:
                lst.append(opt)
    out.seqs.extend(list(x) for x in sorted(seqs))
    return out


def _split(nid: str) -> tuple[Label, str]:
    lab, _, key = nid.partition(":")
    return Label(lab), key


def _paths_networkx(ix: GraphIndex, q: PathQuery) -> PathFacts:
    """Bidirectional BFS, then the shortest-path DAG walked in lexicographic order.

    Each step expands, by one whole layer, the side whose frontier has fewer edges to follow,
    so a search never floods the graph through a hub (Town, Park, district-level party org)
    it only needs to touch. Once the two balls meet, D = min(ds + dt) over the meeting nodes
    is the distance; the nodes on shortest paths are recovered by pruning each ball towards the
    cut layer, and the DAG's sorted successor lists give the paths in the same (sorted node id)
    order as Neo4j's answer after sorting.
    """
    scope, types, max_hops, want = q.scope, q.types, q.max_hops, q.want
    s, t = q.source, q.target
    adj = ix.adjacency(types)
    ok: dict[str, bool] = {}

    def allowed(nid: str) -> bool:
        v = ok.get(nid)
        if v is None:
            d = ix.props(nid)
            v = ok[nid] = scope.admits(d["_label"], d)
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
                if v in near or (not scope.is_district and not allowed(v)):
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
        return PathFacts()
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
    out = PathFacts(seqs=seqs)
    refs, steps = out.refs, out.steps
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
                        opts.append(Step(e["_type"], u, v, e.get("rid", ""), e))
            steps[pair] = opts
    return out


SHORTEST_PATHS = FactSet("paths.shortest", cypher=_paths_cypher, networkx=_paths_networkx)


# --- the answer --------------------------------------------------------------------------


def path_answer(a: NodeRef, b: NodeRef, f: PathFacts, limit: int) -> PathResult:
    """Name the first ``limit`` shortest paths of the facts (pure)."""
    if not f.seqs:
        return PathResult(source=a, target=b, found=False)
    out = []
    for seq in f.seqs[:limit]:
        nodes = [f.refs[n] for n in seq]
        rels_ = [_canonical(u, f.steps[frozenset((u, v))]) for u, v in pairwise(seq)]
        out.append(Path(nodes=nodes, relationships=rels_, chain_zh=_chain(nodes, rels_)))
    return PathResult(
        source=a, target=b, found=True, length=len(f.seqs[0]) - 1, paths=out, truncated=len(f.seqs) > limit
    )


def path(store: GraphStore, scope: Scope, p: PathParams) -> PathResult:
    """Shortest path(s) between two entities, with every node and relationship named.

    ``source`` / ``target`` are ``"Label:key"`` or a bare key; with a town scope the path
    never passes through another town's entities; ``found=False`` when none exists within
    ``max_hops``. At most ``limit`` shortest paths, sorted by their node ids.

    Example
    -------
    >>> PATH(store, Scope(), PathParams(source="O01", target="PO4")).paths[0].chain_zh  # doctest: +SKIP
    """
    check_scope(store, scope)
    if p.rels is not None and not p.rels:
        raise InputError("至少指定一种关系类型", "give at least one relationship type")
    types = tuple(sorted(set(p.rels))) if p.rels is not None else tuple(sorted(DEFAULT_RELS))
    src = resolve(store, p.source, scope)
    dst = resolve(store, p.target, scope)
    a, b = ref(*src), ref(*dst)
    if a.id == b.id:
        return PathResult(
            source=a,
            target=b,
            found=True,
            length=0,
            paths=[Path(nodes=[a], relationships=[], chain_zh=a.name or a.key)],
        )
    f = store.facts(SHORTEST_PATHS, PathQuery(scope, a.id, b.id, types, p.max_hops, p.limit + 1))
    return path_answer(a, b, f, p.limit)


PATH = register(Question("path", "最短路径", PathParams, PathResult, path))
