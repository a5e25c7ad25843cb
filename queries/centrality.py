"""Question 6: centrality, articulation points and bridges of one network.

Computed in igraph over the network's topology (node ids sorted, edges as index pairs, never a
networkx detour), restricted to the town scope, without isolated nodes: both backends give the same
numbers. Betweenness is always exact (igraph: sampling agreed with exact on 2 of the top 20 at
scale 40). What any answer can show (each metric's first TOP_MAX, articulation points, bridges, the
cuts and the names of the nodes in them) is one :class:`Summary` per network, scope and metric,
computed once per data version: the district's is kept with the graph (documents API), so every
process serves it without recomputing; a town's is small and computed on demand.
"""

from __future__ import annotations

import heapq
import time
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal, NamedTuple

import numpy as np
from pydantic import BaseModel, Field

from graph.model import NODE_KEYS, NODE_NAMES, Label, Rel
from graph.schema import label as L
from graph.schema import rel_type as T
from graph.store.base import CypherReader, FactSet, GraphStore, node_id
from graph.store.index import GraphIndex
from queries._common import check_scope, ref_from
from queries.cache import cached
from queries.models import CentralityItem, CentralityResult, CutConsequence, NodeRef
from queries.params import Params
from queries.question import Question, register
from queries.scope import Scope

NETWORKS: dict[str, tuple[tuple[Label, ...], tuple[Rel, ...]]] = {
    "pairing": (
        (Label.PARTY_ORG, Label.ORGANIZATION, Label.VILLAGE),
        (Rel.PAIRED_WITH, Rel.JOINT_BUILDS_WITH),
    ),
    "organisation": (
        (Label.TOWN, Label.PARK, Label.VILLAGE, Label.ORGANIZATION, Label.PARTY_ORG),
        (
            Rel.LOCATED_IN,
            Rel.IN_PARK,
            Rel.IN_ASSOCIATION,
            Rel.SUBSIDIARY_OF,
            Rel.REPORTS_TO,
            Rel.COVERS,
            Rel.PAIRED_WITH,
            Rel.JOINT_BUILDS_WITH,
        ),
    ),
    "membership": (
        (Label.MEMBER, Label.PARTY_ORG, Label.ORGANIZATION),
        (Rel.RELATIONSHIP_IN, Rel.ACTIVE_IN, Rel.WORKS_AT, Rel.REPORTS_TO),
    ),
}
METRICS = ("degree", "betweenness", "pagerank")
LIST_CAP = 100  # articulation points and bridges listed (totals are always given)
PAGERANK_ALPHA = 0.85


# One line per metric: what a high score means for a party organisation or a demonstration point.
METRIC_ZH: dict[str, str] = {
    "degree": "度中心性：直接相连的对象有多少。示范点得分高＝结对帮扶的对象多；"
    "党组织得分高＝覆盖的单位、下级组织或党员多。",
    "betweenness": "中介中心性：别的对象之间的最短联系有多少要经过它。得分高的党组织或示范点是"
    "连接不同片区的“枢纽”，一旦缺位，联系要绕远或中断。",
    "pagerank": "影响力（PageRank）：与重要对象相连越多越高。得分高的示范点或党组织处在网络的核心圈，"
    "适合承担牵头、示范任务。",
}
CUT_NAMES = 20  # nodes named per cut (the count is always given)

Network = Literal["pairing", "organisation", "membership"]
Metric = Literal["degree", "betweenness", "pagerank"]


TOP_MAX = 10_000  # the longest ranking an answer can ask for (CentralityParams.top)
DOC_KIND = "centrality"  # the district's summaries, one document per network and metric


class CentralityParams(Params):
    network: Network = Field(
        "organisation", description="网络：pairing 结对网络 / organisation 组织网络 / membership 党员关系网络"
    )
    metric: Metric = Field(
        "degree", description="指标：degree 度中心性 / betweenness 中介中心性 / pagerank 影响力"
    )
    top: int = Field(20, ge=1, le=TOP_MAX, description="排名条数")
    include_leaves: bool = Field(False, description="是否列出只断开一个末梢节点的关键节点与桥")
    cuts: int = Field(20, ge=1, le=LIST_CAP, description="列出的关键节点、桥各多少个（按断开的规模）")


class Topology(NamedTuple):
    """A network's nodes in the scope (ids, sorted) and the edges between them as index pairs
    (u < v, sorted, each once): all an algorithm needs; names are read later for what is shown."""

    ids: tuple[str, ...]
    edges: tuple[tuple[int, int], ...]


def _topology(nodes: Iterable[str], edges: Iterable[tuple[str | None, str | None]]) -> Topology:
    ids = sorted(set(nodes))
    pos = {v: i for i, v in enumerate(ids)}
    pairs: set[tuple[int, int]] = set()
    for a, b in edges:
        i, j = pos.get(a or ""), pos.get(b or "")
        if i is not None and j is not None and i != j:
            pairs.add((i, j) if i < j else (j, i))
    return Topology(tuple(ids), tuple(sorted(pairs)))


def _topology_cypher(db: CypherReader, arg: tuple[str, Scope]) -> Topology:
    # per label: its nodes (internal id and key) by label scan or town index seek, then the ids of
    # both ends of the edges leaving them; the far end is kept only if it is one of those nodes
    network, scope = arg
    labels, rels = NETWORKS[network]
    pattern = "|".join(sorted(T(r) for r in rels))
    params = scope.params()
    named: dict[int, str] = {}
    pairs: list[tuple[int, int]] = []
    for lab in sorted(labels, key=lambda x: x.value):
        text = f"{scope.match_admitted('n', lab)} RETURN collect([id(n), n.`{NODE_KEYS[lab]}`]) AS rows"
        for i, k in db.read(text, params, "centrality_nodes")[0]["rows"]:
            named[i] = node_id(lab, k)
        text = (
            f"{scope.match_admitted('a', lab)} CALL (a) {{ MATCH (a)-[:{pattern}]->(b) RETURN id(b) AS b }} "
            "RETURN collect([id(a), b]) AS rows"
        )
        pairs += db.read(text, params, "centrality_edges")[0]["rows"]
    return _topology(named.values(), ((named.get(a), named.get(b)) for a, b in pairs))


def _topology_nx(ix: GraphIndex, arg: tuple[str, Scope]) -> Topology:
    network, scope = arg
    labels, rels = NETWORKS[network]
    nodes = [nid for lab in labels for nid, _ in ix.scoped_nodes(lab.value, scope)]
    return _topology(nodes, ((u, v) for r in rels for u, v, _ in ix.edges(r.value)))


TOPOLOGY: FactSet[tuple[str, Scope], Topology] = FactSet(
    "centrality.topology", cypher=_topology_cypher, networkx=_topology_nx
)

Named = dict[str, tuple[str | None, str | None]]  # node id -> (name, town_code)


def _names_cypher(db: CypherReader, ids: tuple[str, ...]) -> Named:
    out: Named = {}
    for lab, keys in _by_label(ids).items():
        key, name = NODE_KEYS[lab], NODE_NAMES[lab]
        text = (
            f"MATCH (n:{L(lab)}) WHERE n.`{key}` IN $keys "
            f"RETURN collect([n.`{key}`, n.`{name}`, n.town_code]) AS rows"
        )
        for k, nm, town in db.read(text, {"keys": keys}, "centrality_names")[0]["rows"]:
            out[node_id(lab, k)] = (nm, town)
    return out


def _names_nx(ix: GraphIndex, ids: tuple[str, ...]) -> Named:
    out: Named = {}
    for lab, keys in _by_label(ids).items():
        for k in keys:
            d = ix.props(node_id(lab, k))
            out[node_id(lab, k)] = (d.get(NODE_NAMES[lab]), d.get("town_code"))
    return out


def _by_label(ids: Iterable[str]) -> dict[Label, list[str]]:
    out: dict[Label, list[str]] = {}
    for nid in ids:
        lab, key = nid.split(":", 1)
        out.setdefault(Label(lab), []).append(key)
    return out


NAMES: FactSet[tuple[str, ...], Named] = FactSet("centrality.names", cypher=_names_cypher, networkx=_names_nx)


class Cut(BaseModel):
    """One articulation point (``node``) or bridge (``edge``) and what removing it cuts off."""

    node: str | None = None
    edge: tuple[str, str] | None = None
    size: int  # nodes of its connected part
    pieces: int
    cut_off: int
    nodes: list[str]  # the first CUT_NAMES cut off, by id


class Summary(BaseModel):
    """Everything an answer of one network, scope and metric can show (served, never recomputed)."""

    data_version: str  # of the graph it was computed from
    node_count: int
    edge_count: int
    ranked: list[tuple[str, float]]  # the first TOP_MAX by score (rounded) desc, then id
    articulation: list[str]  # the first LIST_CAP by degree desc, then id
    articulation_total: int
    bridges: list[tuple[str, str]]  # the first LIST_CAP, sorted
    bridges_total: int
    cut_points: list[Cut]  # the first LIST_CAP by cut_off desc, then id (leaves included)
    cut_points_total: int
    cut_points_leaf: int  # of the total, those cutting off one node or none
    cut_bridges: list[Cut]
    cut_bridges_total: int
    cut_bridges_leaf: int
    names: Named  # every node named above: (name, town_code)


_Cut = tuple[Any, int, int, int, list[int]]  # (node or (u, v), component size, pieces, cut off, first nodes)


def cut_consequences(adj: Sequence[Sequence[int]]) -> tuple[list[_Cut], list[_Cut]]:
    """Every articulation point and bridge of a graph on nodes ``0..n-1`` (``adj[v]``: v's
    neighbours, sorted) with what removing it cuts off (the first :data:`CUT_NAMES` of it).

    One depth-first search (nodes and neighbours in order, so equal graphs give equal answers):
    a cut point's parts are the subtrees of its children that cannot climb above it, plus the rest
    of its component; a bridge's parts are the child's subtree and the rest. What is cut off is
    everything outside the largest part (ties: the rest, then the earlier subtree).

    Example
    -------
    >>> pts, brs = cut_consequences([[1], [0, 2], [1]])
    >>> pts[0][:4], brs[0][3]
    ((1, 3, 2, 1), 1)
    """
    n = len(adj)
    disc = [-1] * n
    low = [0] * n
    sub = [0] * n
    parent = [-1] * n
    children: list[list[int]] = [[] for _ in range(n)]
    comp_of: list[tuple[int, int]] = [(0, 0)] * n
    order: list[int] = []
    for r in range(n):
        if disc[r] >= 0:
            continue
        start = len(order)
        disc[r] = low[r] = len(order)
        order.append(r)
        stack = [(r, iter(adj[r]))]
        while stack:
            v, it = stack[-1]
            for w in it:
                if disc[w] < 0:
                    parent[w] = v
                    children[v].append(w)
                    disc[w] = low[w] = len(order)
                    order.append(w)
                    stack.append((w, iter(adj[w])))
                    break
                if w != parent[v] and disc[w] < low[v]:
                    low[v] = disc[w]
            else:
                stack.pop()
                sub[v] = len(order) - disc[v]
                if stack:
                    u = stack[-1][0]
                    if low[v] < low[u]:
                        low[u] = low[v]
        for v in order[start:]:
            comp_of[v] = (start, len(order) - start)

    def span(c: int) -> list[int]:
        return order[disc[c] : disc[c] + sub[c]]

    def first(nodes: Iterable[int]) -> list[int]:
        return heapq.nsmallest(CUT_NAMES, nodes)

    points: list[_Cut] = []
    for v in order:
        start, size = comp_of[v]
        kids = children[v]
        sep = kids if parent[v] < 0 else [c for c in kids if low[c] >= disc[v]]
        rest = size - 1 - sum(sub[c] for c in sep)
        if len(sep) + (rest > 0) < 2:
            continue
        parts: list[tuple[int, int, int]] = [(sub[c], -i - 1, c) for i, c in enumerate(sep)]
        if rest > 0:
            parts.append((rest, 0, -1))
        keep = max(parts, key=lambda x: (x[0], x[1] == 0, x[1]))
        cut: list[int] = []
        for m, _, c in parts:
            if (m, c) == (keep[0], keep[2]):
                continue
            if c >= 0:
                cut += span(c)
            else:
                inside = {x for c2 in sep for x in span(c2)} | {v}
                cut += [x for x in order[start : start + size] if x not in inside]
        points.append((v, size, len(parts), size - 1 - keep[0], first(cut)))
    bridges: list[_Cut] = []
    for c in order:
        p = parent[c]
        if p < 0 or low[c] <= disc[p]:
            continue
        start, size = comp_of[c]
        if sub[c] <= size - sub[c]:
            cut = span(c)
        else:
            inside = set(span(c))
            cut = [x for x in order[start : start + size] if x not in inside]
        bridges.append(((min(p, c), max(p, c)), size, 2, len(cut), first(cut)))
    return points, bridges


def betweenness(h: Any) -> np.ndarray:
    """Exact betweenness of an igraph graph, normalised as networkx does, one connected part at a
    time (igraph clears per-node arrays for every source: on the whole graph of a city's 40
    separate districts that costs 40 times the work)."""
    n = h.vcount()
    out = np.zeros(n)
    if n <= 2:
        return out
    for part in h.connected_components():
        if len(part) > 2:
            out[part] = h.subgraph(part).betweenness(directed=False)
    scaled: np.ndarray = out * (2.0 / ((n - 1) * (n - 2)))  # igraph: each pair once; networkx: both ways
    return scaled


def pagerank(h: Any, alpha: float = PAGERANK_ALPHA) -> np.ndarray:
    """PageRank of an undirected graph without isolated nodes, by power iteration on a sparse
    matrix until nothing moves (so it equals networkx's to far below its tolerance)."""
    import scipy.sparse as sp

    n = h.vcount()
    if n == 0:
        return np.zeros(0)
    el = np.array(h.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    rows, cols = np.concatenate([el[:, 0], el[:, 1]]), np.concatenate([el[:, 1], el[:, 0]])
    deg = np.bincount(rows, minlength=n).astype(np.float64)
    walk = sp.csr_matrix((alpha / deg[cols], (rows, cols)), shape=(n, n))
    x = np.full(n, 1.0 / n)
    for _ in range(10_000):
        nxt = walk @ x + (1.0 - alpha) / n
        if np.abs(nxt - x).max() < 1e-16:
            return np.asarray(nxt)
        x = nxt
    return x


def _laps(steps: dict[str, float] | None) -> Callable[[str], None]:
    """``lap(name)``: the seconds since the previous lap, recorded under ``name`` (benches)."""
    last = [time.perf_counter()]

    def lap(name: str) -> None:
        now = time.perf_counter()
        if steps is not None:
            steps[name] = steps.get(name, 0.0) + now - last[0]
        last[0] = now

    return lap


def summarise(
    topo: Topology,
    version: str,
    names: Callable[[tuple[str, ...]], Named],
    steps: dict[str, float] | None = None,
) -> dict[str, Summary]:
    """The three metrics' summaries of one topology (isolated nodes dropped), built in igraph;
    ``steps`` receives the seconds each step took."""
    import igraph as ig

    lap = _laps(steps)
    deg0 = np.zeros(len(topo.ids), dtype=np.int64)
    edges = np.array(topo.edges, dtype=np.int64).reshape(-1, 2)
    np.add.at(deg0, edges.ravel(), 1)
    kept = np.flatnonzero(deg0)  # still in id order
    new = np.full(len(topo.ids), -1, dtype=np.int64)
    new[kept] = np.arange(len(kept))
    ids = [topo.ids[i] for i in kept]
    n = len(ids)
    h = ig.Graph(n=n, edges=new[edges].tolist(), directed=False)
    lap("graph")
    deg = np.array(h.degree(), dtype=np.float64)
    scores = {"degree": deg / (n - 1) if n > 1 else deg}
    lap("degree")
    scores["pagerank"] = pagerank(h)
    lap("pagerank")
    scores["betweenness"] = betweenness(h)
    lap("betweenness")
    ranked: dict[str, list[tuple[int, float]]] = {}
    for m, raw in scores.items():
        rounded = np.round(raw, 12)
        top = np.lexsort((np.arange(n), -rounded))[:TOP_MAX]
        ranked[m] = [(int(i), float(rounded[i])) for i in top]
    lap("ranking")
    arts = sorted(h.articulation_points(), key=lambda v: (-deg[v], v))
    el = h.get_edgelist()
    bridges = sorted(tuple(sorted(el[e])) for e in h.bridges())
    pts, brs = cut_consequences([sorted(x) for x in h.get_adjlist()])

    def shown(cuts: list[_Cut]) -> list[_Cut]:
        return sorted(cuts, key=lambda c: (-c[3], c[0]))[:LIST_CAP]

    pts_shown, brs_shown = shown(pts), shown(brs)
    lap("articulation points, bridges, cuts")
    shared = set(arts[:LIST_CAP]) | {i for b in bridges[:LIST_CAP] for i in b}
    for c in (*pts_shown, *brs_shown):
        shared |= {*c[4], *(c[0] if isinstance(c[0], tuple) else (c[0],))}
    wanted = shared | {i for r in ranked.values() for i, _ in r}
    named = names(tuple(sorted(ids[i] for i in wanted)))
    lap("names of the nodes shown")

    def cut(c: _Cut) -> Cut:
        what = c[0]
        at = {"edge": (ids[what[0]], ids[what[1]])} if isinstance(what, tuple) else {"node": ids[what]}
        return Cut(**at, size=c[1], pieces=c[2], cut_off=c[3], nodes=[ids[i] for i in c[4]])

    common = {
        "data_version": version,
        "node_count": n,
        "edge_count": len(el),
        "articulation": [ids[v] for v in arts[:LIST_CAP]],
        "articulation_total": len(arts),
        "bridges": [(ids[u], ids[v]) for u, v in bridges[:LIST_CAP]],
        "bridges_total": len(bridges),
        "cut_points": [cut(c) for c in pts_shown],
        "cut_points_total": len(pts),
        "cut_points_leaf": sum(1 for c in pts if c[3] <= 1),
        "cut_bridges": [cut(c) for c in brs_shown],
        "cut_bridges_total": len(brs),
        "cut_bridges_leaf": sum(1 for c in brs if c[3] <= 1),
    }
    out: dict[str, Summary] = {}
    for m, r in ranked.items():
        mine = sorted({i for i, _ in r} | shared)
        out[m] = Summary.model_validate(
            {
                **common,
                "ranked": [(ids[i], score) for i, score in r],
                "names": {ids[i]: named[ids[i]] for i in mine},
            }
        )
    lap("summaries")
    return out


def _doc_id(network: str, metric: str) -> str:
    return f"{network}.{metric}"


_UNSTAMPED: weakref.WeakSet[GraphStore] = weakref.WeakSet()


def computed(store: GraphStore, network: str, scope: Scope, version: str | None = None) -> dict[str, Summary]:
    """The three metrics' summaries computed afresh from the store (once per data version in this
    process); the district's are written to the store for every other process."""
    ver = version or store.data_version()

    def build() -> dict[str, Summary]:
        topo = store.facts(TOPOLOGY, (network, scope))
        out = summarise(topo, ver, lambda ids: store.facts(NAMES, ids))
        if scope.is_district and store not in _UNSTAMPED:
            for m, s in out.items():
                store.put_doc(DOC_KIND, _doc_id(network, m), s.model_dump(mode="json"))
            if store.data_version() != ver:
                # a graph written before data versions: documents move its version, so a stored
                # summary could never match; keep them in memory only (from the next load on, stored)
                _UNSTAMPED.add(store)
        return out

    return cached(store, ("centrality.computed", network, scope.key), build, ver)


def precompute(store: GraphStore, networks: Iterable[str] = tuple(NETWORKS)) -> None:
    """Compute and keep the district's summaries of every network (after a load)."""
    ver = store.data_version()
    for network in networks:
        if any(_stored(store, network, m, ver) is None for m in METRICS):
            computed(store, network, Scope(), ver)


def _stored(store: GraphStore, network: str, metric: str, version: str) -> Summary | None:
    doc = store.get_doc(DOC_KIND, _doc_id(network, metric))
    if doc is None or doc.get("data_version") != version:
        return None  # none yet, or computed from an earlier graph
    return Summary.model_validate(doc)


def summary(store: GraphStore, network: str, scope: Scope, metric: str) -> Summary:
    """One network's, scope's and metric's summary: the district's as stored with the graph
    (computed on the first ask after a load if the load did not), a town's computed on demand."""
    ver = store.data_version()

    def load() -> Summary:
        hit = _stored(store, network, metric, ver) if scope.is_district else None
        return hit or computed(store, network, scope, ver)[metric]

    return cached(store, ("centrality.summary", network, scope.key, metric), load, ver)


def _answer(
    s: Summary, network: Network, metric: Metric, town: str | None, p: CentralityParams
) -> CentralityResult:
    def ref(nid: str) -> NodeRef:
        lab, key = nid.split(":", 1)
        return ref_from(lab, key, *s.names[nid])

    def model(c: Cut) -> CutConsequence:
        named = [ref(x) for x in c.nodes]
        shown = "、".join(r.name or r.key for r in named[:5]) + ("等" if c.cut_off > 5 else "")
        if c.edge is not None:
            a, b = ref(c.edge[0]), ref(c.edge[1])
            head = f"断开 {a.name or a.key} 与 {b.name or b.key} 之间的联系"
            sentence = f"{head} → {c.cut_off} 个对象与网络断开：{shown}"
            at: dict[str, Any] = {"edge": (a, b)}
        else:
            node = ref(c.node or "")
            sentence = (
                f"去掉 {node.name or node.key} → 分成 {c.pieces} 块，{c.cut_off} 个对象与网络断开：{shown}"
            )
            at = {"node": node}
        return CutConsequence(
            **at,
            component_size=c.size,
            pieces=c.pieces,
            cut_off=c.cut_off,
            cut_off_nodes=named,
            sentence_zh=sentence,
        )

    def kept(cuts: list[Cut]) -> list[Cut]:
        return [c for c in cuts if p.include_leaves or c.cut_off > 1]

    leaves = 0 if p.include_leaves else s.cut_points_leaf + s.cut_bridges_leaf
    return CentralityResult(
        network=network,
        metric=metric,
        town=town,
        node_count=s.node_count,
        edge_count=s.edge_count,
        approximate=False,
        items=[
            CentralityItem(node=ref(nid), score=score, rank=i + 1)
            for i, (nid, score) in enumerate(s.ranked[: p.top])
        ],
        articulation_points=[ref(x) for x in s.articulation],
        articulation_total=s.articulation_total,
        bridges=s.bridges,
        bridges_total=s.bridges_total,
        metric_zh=METRIC_ZH[metric],
        cut_points=[model(c) for c in kept(s.cut_points)[: p.cuts]],
        cut_bridges=[model(c) for c in kept(s.cut_bridges)[: p.cuts]],
        cut_points_total=s.cut_points_total - (0 if p.include_leaves else s.cut_points_leaf),
        cut_bridges_total=s.cut_bridges_total - (0 if p.include_leaves else s.cut_bridges_leaf),
        leaf_cuts_hidden=leaves,
    )


def centrality(store: GraphStore, scope: Scope, p: CentralityParams) -> CentralityResult:
    """Centrality ranking, articulation points and bridges of one network, within the scope.

    Example
    -------
    >>> CENTRALITY(store, Scope("T01"), CentralityParams(metric="pagerank")).items[0]  # doctest: +SKIP
    """
    check_scope(store, scope)
    return _answer(summary(store, p.network, scope, p.metric), p.network, p.metric, scope.town, p)


CENTRALITY = register(Question("centrality", "网络分析", CentralityParams, CentralityResult, centrality))
