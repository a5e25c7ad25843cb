"""Question 6: centrality, articulation points and bridges of one network.

Computed on ``store.projection`` (an undirected graph inserted in sorted order, so both
backends give identical numbers), restricted to the town scope, without isolated nodes.
The networks are DESIGN.md's. Betweenness is always exact (igraph: sampling agreed with exact on
2 of the top 20 at scale 40). Projections, scores and cuts are cached per store version.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal, NamedTuple

import networkx as nx
from pydantic import Field

from graph.model import Label, Rel
from graph.store.base import CypherReader, FactSet, GraphStore, projection_attrs, read_projection
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


class CentralityParams(Params):
    network: Network = Field(
        "organisation", description="网络：pairing 结对网络 / organisation 组织网络 / membership 党员关系网络"
    )
    metric: Metric = Field(
        "degree", description="指标：degree 度中心性 / betweenness 中介中心性 / pagerank 影响力"
    )
    top: int = Field(20, ge=1, le=10_000, description="排名条数")
    include_leaves: bool = Field(False, description="是否列出只断开一个末梢节点的关键节点与桥")
    cuts: int = Field(20, ge=1, le=LIST_CAP, description="列出的关键节点、桥各多少个（按断开的规模）")


class ProjectedNode(NamedTuple):
    id: str
    label: str
    key: str
    name: str | None
    town_code: str | None


class Projected(NamedTuple):
    """A network's nodes in the scope and the edges between them (sorted, each once)."""

    nodes: tuple[ProjectedNode, ...]
    edges: tuple[tuple[str, str, str], ...]  # (u, v, type), u < v


def _projected(nodes: list[tuple[str, dict[str, Any]]], edges: Iterable[tuple[str, str, str]]) -> Projected:
    inside = {nid for nid, _ in nodes}
    kept = {(min(u, v), max(u, v), t) for u, v, t in edges if u != v and u in inside and v in inside}
    pn = [ProjectedNode(n, d["label"], d["key"], d.get("name"), d.get("town_code")) for n, d in nodes]
    return Projected(tuple(sorted(pn)), tuple(sorted(kept)))


def _projection_cypher(db: CypherReader, arg: tuple[str, Scope]) -> Projected:
    # one index seek (town) or label scan (district) per label, keys and names only
    network, scope = arg
    labels, rels = NETWORKS[network]
    return _projected(*read_projection(db, labels, rels, scope.match_admitted, scope.cypher, scope.params()))


def _projection_nx(ix: GraphIndex, arg: tuple[str, Scope]) -> Projected:
    network, scope = arg
    labels, rels = NETWORKS[network]
    nodes = [
        (nid, projection_attrs(lab.value, d))
        for lab in labels
        for nid, d in ix.scoped_nodes(lab.value, scope)
    ]
    return _projected(nodes, ((u, v, r.value) for r in rels for u, v, _ in ix.edges(r.value)))


PROJECTION: FactSet[tuple[str, Scope], Projected] = FactSet(
    "centrality.projection", cypher=_projection_cypher, networkx=_projection_nx
)


def network_graph(store: GraphStore, network: str, scope: Scope, version: str | None = None) -> nx.Graph:
    """The scoped projection of a network, isolated nodes dropped (cached per store version)."""

    def build() -> nx.Graph:
        f = store.facts(PROJECTION, (network, scope))
        g = nx.Graph()
        for n in f.nodes:
            g.add_node(n.id, label=n.label, key=n.key, name=n.name, town_code=n.town_code)
        for u, v, t in f.edges:
            if g.has_edge(u, v):
                g[u][v]["types"] = sorted({*g[u][v]["types"], t})
            else:
                g.add_edge(u, v, types=[t])
        g.remove_nodes_from([n for n, d in list(g.degree) if d == 0])
        return g

    return cached(store, ("projection", network, scope.key), build, version)


def betweenness(g: nx.Graph) -> dict[str, float]:
    """Exact betweenness, normalised as networkx does (igraph: all pairs in seconds at city scale)."""
    import igraph as ig

    n = g.number_of_nodes()
    if n <= 2:
        return dict.fromkeys(g.nodes, 0.0)
    nodes = list(g.nodes)
    pos = {v: i for i, v in enumerate(nodes)}
    h = ig.Graph(n=n, edges=[(pos[u], pos[v]) for u, v in g.edges], directed=False)
    scale = 2.0 / ((n - 1) * (n - 2))  # igraph counts each pair once; networkx both ways, normalised
    return {v: b * scale for v, b in zip(nodes, h.betweenness(directed=False), strict=True)}


def _scores(g: nx.Graph, metric: str) -> dict[str, float]:
    if g.number_of_nodes() == 0:
        return {}
    if metric == "degree":
        return dict(nx.degree_centrality(g))
    if metric == "pagerank":
        return dict(nx.pagerank(g, alpha=PAGERANK_ALPHA, tol=1e-10, max_iter=500))
    return betweenness(g)


def _ref(g: nx.Graph, nid: str) -> NodeRef:
    d = g.nodes[nid]
    return ref_from(d["label"], d["key"], d.get("name"), d.get("town_code"))


_Cut = tuple[Any, int, int, int, list[str]]  # (node id or (u, v), component size, pieces, cut off, nodes)


def cut_consequences(g: nx.Graph) -> tuple[list[_Cut], list[_Cut]]:
    """Every articulation point and bridge with what removing it cuts off.

    One depth-first search (nodes and neighbours in sorted order, so equal graphs give equal
    answers): a cut point's parts are the subtrees of its children that cannot climb above it,
    plus the rest of its component; a bridge's parts are the child's subtree and the rest. What
    is cut off is everything outside the largest part (ties: the rest, then the earlier subtree).

    Example
    -------
    >>> pts, brs = cut_consequences(nx.path_graph(["a", "b", "c"]))
    >>> pts[0][:4], brs[0][3]
    (('b', 3, 2, 1), 1)
    """
    disc: dict[str, int] = {}
    low: dict[str, int] = {}
    sub: dict[str, int] = {}
    parent: dict[str, str | None] = {}
    children: dict[str, list[str]] = {}
    comp_of: dict[str, tuple[int, int]] = {}
    order: list[str] = []
    for r in sorted(g.nodes):
        if r in disc:
            continue
        start = len(order)
        disc[r] = low[r] = len(order)
        order.append(r)
        parent[r] = None
        stack = [(r, iter(sorted(g[r])))]
        while stack:
            v, it = stack[-1]
            for w in it:
                if w not in disc:
                    parent[w] = v
                    children.setdefault(v, []).append(w)
                    disc[w] = low[w] = len(order)
                    order.append(w)
                    stack.append((w, iter(sorted(g[w]))))
                    break
                if w != parent[v]:
                    low[v] = min(low[v], disc[w])
            else:
                stack.pop()
                sub[v] = len(order) - disc[v]
                if stack:
                    u = stack[-1][0]
                    low[u] = min(low[u], low[v])
        for v in order[start:]:
            comp_of[v] = (start, len(order) - start)

    def span(c: str) -> list[str]:
        return order[disc[c] : disc[c] + sub[c]]

    points: list[_Cut] = []
    for v in order:
        start, size = comp_of[v]
        kids = children.get(v, [])
        sep = kids if parent[v] is None else [c for c in kids if low[c] >= disc[v]]
        rest = size - 1 - sum(sub[c] for c in sep)
        if len(sep) + (rest > 0) < 2:
            continue
        parts: list[tuple[int, int, Any]] = [(sub[c], -i - 1, c) for i, c in enumerate(sep)]
        if rest > 0:
            parts.append((rest, 0, None))
        keep = max(parts, key=lambda x: (x[0], x[1] == 0, x[1]))
        cut: list[str] = []
        for n, _, c in parts:
            if (n, c) == (keep[0], keep[2]):
                continue
            if c is not None:
                cut += span(c)
            else:
                inside = set(v for c2 in sep for v in span(c2)) | {v}
                cut += [x for x in order[start : start + size] if x not in inside]
        points.append((v, size, len(parts), size - 1 - keep[0], sorted(cut)))
    bridges: list[_Cut] = []
    for c in order:
        p = parent[c]
        if p is None or low[c] <= disc[p]:
            continue
        start, size = comp_of[c]
        if sub[c] <= size - sub[c]:
            cut = span(c)
        else:
            inside = set(span(c))
            cut = [x for x in order[start : start + size] if x not in inside]
        bridges.append((tuple(sorted((p, c))), size, 2, len(cut), sorted(cut)))
    return points, bridges


def _cut_model(g: nx.Graph, cut: _Cut) -> CutConsequence:
    what, size, pieces, n, nodes = cut
    named = [_ref(g, x) for x in nodes[:CUT_NAMES]]
    shown = "、".join(r.name or r.key for r in named[:5]) + ("等" if n > 5 else "")
    if isinstance(what, tuple):
        a, b = _ref(g, what[0]), _ref(g, what[1])
        head = f"断开 {a.name or a.key} 与 {b.name or b.key} 之间的联系"
        return CutConsequence(
            edge=(a, b),
            component_size=size,
            pieces=pieces,
            cut_off=n,
            cut_off_nodes=named,
            sentence_zh=f"{head} → {n} 个对象与网络断开：{shown}",
        )
    node = _ref(g, what)
    return CutConsequence(
        node=node,
        component_size=size,
        pieces=pieces,
        cut_off=n,
        cut_off_nodes=named,
        sentence_zh=f"去掉 {node.name or node.key} → 分成 {pieces} 块，{n} 个对象与网络断开：{shown}",
    )


def centrality(store: GraphStore, scope: Scope, p: CentralityParams) -> CentralityResult:
    """Centrality ranking, articulation points and bridges of one network, within the scope.

    Example
    -------
    >>> CENTRALITY(store, Scope("T01"), CentralityParams(metric="pagerank")).items[0]  # doctest: +SKIP
    """
    check_scope(store, scope)
    network, metric, top, town = p.network, p.metric, p.top, scope.town
    ver = store.version()
    g = network_graph(store, network, scope, ver)

    def compute() -> dict[str, Any]:
        scores = _scores(g, metric)
        ranked = sorted(scores.items(), key=lambda x: (-round(x[1], 12), x[0]))
        arts = sorted(nx.articulation_points(g), key=lambda n: (-g.degree(n), n))
        bridges = sorted(tuple(sorted(e)) for e in nx.bridges(g))
        return {"ranked": ranked, "arts": arts, "bridges": bridges}

    res = cached(store, ("centrality", network, scope.key, metric), compute, ver)
    pts, brs = cached(store, ("cuts", network, scope.key), lambda: cut_consequences(g), ver)

    def shown(cuts: list[_Cut]) -> list[_Cut]:
        kept = [c for c in cuts if p.include_leaves or c[3] > 1]
        return sorted(kept, key=lambda c: (-c[3], c[0]))

    items = [
        CentralityItem(node=_ref(g, nid), score=round(s, 12), rank=i + 1)
        for i, (nid, s) in enumerate(res["ranked"][:top])
    ]
    return CentralityResult(
        network=network,
        metric=metric,
        town=town,
        node_count=g.number_of_nodes(),
        edge_count=g.number_of_edges(),
        approximate=False,
        items=items,
        articulation_points=[_ref(g, n) for n in res["arts"][:LIST_CAP]],
        articulation_total=len(res["arts"]),
        bridges=[(u, v) for u, v in res["bridges"][:LIST_CAP]],
        bridges_total=len(res["bridges"]),
        metric_zh=METRIC_ZH[metric],
        cut_points=[_cut_model(g, c) for c in shown(pts)[: p.cuts]],
        cut_bridges=[_cut_model(g, c) for c in shown(brs)[: p.cuts]],
        cut_points_total=len(shown(pts)),
        cut_bridges_total=len(shown(brs)),
        leaf_cuts_hidden=0 if p.include_leaves else sum(1 for c in (*pts, *brs) if c[3] <= 1),
    )


CENTRALITY = register(Question("centrality", "网络分析", CentralityParams, CentralityResult, centrality))
