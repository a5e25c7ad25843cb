"""Question 6: centrality, articulation points and bridges of one network.

Computed on ``store.projection`` (an undirected graph inserted in sorted order, so both
backends give identical numbers), restricted to the town scope, without isolated nodes.
The networks are DESIGN.md's. Betweenness is exact up to ``BETWEENNESS_EXACT_MAX`` nodes
and sampled above it (``BETWEENNESS_SAMPLES`` pivots, ``SEED``), flagged ``approximate``.
Results are cached per store version.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from graph.model import Label, Rel
from queries._common import cached, check_choice, check_int, check_town, in_scope, ref_from
from queries.models import CentralityItem, CentralityResult, NodeRef

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


def network_graph(store: Any, network: str, town: str | None = None, version: str | None = None) -> nx.Graph:
    """The scoped projection of a network, isolated nodes dropped (cached per store version)."""
    check_choice(network, NETWORKS, "network")
    ver = version if version is not None else store.version()
    labels, rels = NETWORKS[network]
    full = cached(store, f"projection:{network}", lambda: store.projection(labels, rels), ver)
    if town is None:
        keep = [n for n in full.nodes if full.degree(n) > 0]
    else:
        keep = [n for n, d in full.nodes(data=True) if in_scope(d["label"], d, town)]

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
    return cached(store, f"projection:{network}:{town}", build, ver)


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


def centrality(
    store: Any,
    *,
    town: str | None = None,
    network: str = "organisation",
    metric: str = "degree",
    top: int = 20,
) -> CentralityResult:
    """See :func:`queries.centrality` (the public wrapper)."""
    check_town(store, town)
    check_choice(network, NETWORKS, "network")
    check_choice(metric, METRICS, "metric")
    check_int(top, "top", 1, 10000)
    ver = store.version()
    g = network_graph(store, network, town, ver)

    def compute() -> dict[str, Any]:
        scores, approx, k = _scores(g, metric)
        ranked = sorted(scores.items(), key=lambda x: (-round(x[1], 12), x[0]))
        arts = sorted(nx.articulation_points(g), key=lambda n: (-g.degree(n), n))
        bridges = sorted(tuple(sorted(e)) for e in nx.bridges(g))
        return {"ranked": ranked, "approx": approx, "k": k, "arts": arts, "bridges": bridges}

    res = cached(store, f"centrality:{network}:{town}:{metric}", compute, ver)
    items = [
        CentralityItem(node=_ref(g, nid), score=round(s, 12), rank=i + 1)
        for i, (nid, s) in enumerate(res["ranked"][:top])
    ]
    return CentralityResult(
        network=network,  # type: ignore[arg-type]
        metric=metric,  # type: ignore[arg-type]
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
