"""Question 6: centrality, articulation points and bridges of one network.

Computed on ``store.projection`` (an undirected graph inserted in sorted order, so both
backends give identical numbers), restricted to the town scope, without isolated nodes.
The networks are DESIGN.md's. Betweenness is exact up to ``BETWEENNESS_EXACT_MAX`` nodes
and sampled above it (``BETWEENNESS_SAMPLES`` pivots, ``SEED``), flagged ``approximate``.
Results are cached per store version.
"""

from __future__ import annotations

from typing import Any, Literal

import networkx as nx
from pydantic import Field

from graph.model import Label, Rel
from graph.store.base import GraphStore
from queries._common import check_scope, ref_from
from queries.cache import cached
from queries.models import CentralityItem, CentralityResult, NodeRef
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
BETWEENNESS_EXACT_MAX = 1500
BETWEENNESS_SAMPLES = 150
SEED = 42
LIST_CAP = 100  # articulation points and bridges listed (totals are always given)
PAGERANK_ALPHA = 0.85


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


def network_graph(store: GraphStore, network: str, scope: Scope, version: str | None = None) -> nx.Graph:
    """The scoped projection of a network, isolated nodes dropped (cached per store version)."""
    ver = version if version is not None else store.version()
    labels, rels = NETWORKS[network]
    full = cached(store, ("projection", network), lambda: store.projection(labels, rels), ver)
    town = scope.town
    if town is None:
        keep = [n for n in full.nodes if full.degree(n) > 0]
    else:
        keep = [n for n, d in full.nodes(data=True) if scope.admits(d["label"], d)]

    def build() -> nx.Graph:
        g = nx.Graph()
        inside = set(keep)
        for n in keep:
            g.add_node(n, **full.nodes[n])
        for u, v, d in full.edges(data=True):
            if u in inside and v in inside:
                g.add_edge(u, v, **d)
        g.remove_nodes_from([n for n in list(g.nodes) if g.degree(n) == 0])
        return g

    if town is None and len(keep) == full.number_of_nodes():
        return full
    return cached(store, ("projection", network, scope.key), build, ver)


def _scores(g: nx.Graph, metric: str) -> tuple[dict[str, float], bool, int | None]:
    n = g.number_of_nodes()
    if n == 0:
        return {}, False, None
    if metric == "degree":
        return nx.degree_centrality(g), False, None
    if metric == "pagerank":
        return nx.pagerank(g, alpha=PAGERANK_ALPHA, tol=1e-10, max_iter=500), False, None
    if n > BETWEENNESS_EXACT_MAX:
        k = min(BETWEENNESS_SAMPLES, n)
        return nx.betweenness_centrality(g, k=k, normalized=True, seed=SEED), True, k
    return nx.betweenness_centrality(g, normalized=True), False, None


def _ref(g: nx.Graph, nid: str) -> NodeRef:
    d = g.nodes[nid]
    return ref_from(d["label"], d["key"], d.get("name"), d.get("town_code"))


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
        scores, approx, k = _scores(g, metric)
        ranked = sorted(scores.items(), key=lambda x: (-round(x[1], 12), x[0]))
        arts = sorted(nx.articulation_points(g), key=lambda n: (-g.degree(n), n))
        bridges = sorted(tuple(sorted(e)) for e in nx.bridges(g))
        return {"ranked": ranked, "approx": approx, "k": k, "arts": arts, "bridges": bridges}

    res = cached(store, ("centrality", network, scope.key, metric), compute, ver)
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
        approximate=res["approx"],
        sample_size=res["k"],
        items=items,
        articulation_points=[_ref(g, n) for n in res["arts"][:LIST_CAP]],
        articulation_total=len(res["arts"]),
        bridges=[(u, v) for u, v in res["bridges"][:LIST_CAP]],
        bridges_total=len(res["bridges"]),
    )


CENTRALITY = register(Question("centrality", "网络分析", CentralityParams, CentralityResult, centrality))
