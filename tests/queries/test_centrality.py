"""Centrality: hand-checked values on the pairing network, and every network checked against networkx."""

from __future__ import annotations

import networkx as nx
import pytest

import queries
from graph.errors import InputError
from queries.scope import Scope

NETWORKS = {
    "pairing": (["PartyOrg", "Organization", "Village"], ["PAIRED_WITH", "JOINT_BUILDS_WITH"]),
    "organisation": (
        ["Town", "Park", "Village", "Organization", "PartyOrg"],
        [
            "LOCATED_IN",
            "IN_PARK",
            "IN_ASSOCIATION",
            "SUBSIDIARY_OF",
            "REPORTS_TO",
            "COVERS",
            "PAIRED_WITH",
            "JOINT_BUILDS_WITH",
        ],
    ),
    "membership": (
        ["Member", "PartyOrg", "Organization"],
        ["RELATIONSHIP_IN", "ACTIVE_IN", "WORKS_AT", "REPORTS_TO"],
    ),
}


def independent(store, network, town=None):  # type: ignore[no-untyped-def]
    """The network rebuilt from the store's dump, scoped, isolates dropped."""
    labels, types = NETWORKS[network]
    nodes, rels = store.dump()
    g = nx.Graph()
    for n in nodes:
        if n["label"] in labels and Scope(town).admits(n["label"], n["properties"]):
            g.add_node(n["id"])
    for r in rels:
        if r["type"] in types and r["from"] in g and r["to"] in g:
            g.add_edge(r["from"], r["to"])
    g.remove_nodes_from([n for n in list(g) if g.degree(n) == 0])
    return g


def test_pairing_by_hand(fx) -> None:  # type: ignore[no-untyped-def]
    res = queries.centrality(fx, network="pairing", metric="degree", top=3)
    # two stars of three (PO1, PO4 pairing), O09 + O10 -> V1, O01 -> V2: 11 nodes, 7 edges
    assert (res.node_count, res.edge_count) == (11, 7)
    assert [(i.node.key, i.score) for i in res.items] == [("PO1", 0.2), ("PO4", 0.2), ("V1", 0.2)]
    assert [i.rank for i in res.items] == [1, 2, 3]
    assert [a.key for a in res.articulation_points] == ["PO1", "PO4", "V1"]
    assert (res.bridges_total, res.articulation_total) == (7, 3)
    assert ("Organization:O02", "PartyOrg:PO1") in res.bridges
    res = queries.centrality(fx, network="pairing", metric="betweenness", top=1)
    assert res.items[0].score == pytest.approx(1 / 45)  # one pair of 10*9/2 passes through PO1
    assert res.approximate is False


@pytest.mark.parametrize("network", sorted(NETWORKS))
@pytest.mark.parametrize("town", [None, "T1"])
def test_against_networkx(fx, network, town) -> None:  # type: ignore[no-untyped-def]
    g = independent(fx, network, town)
    for metric, fn in (
        ("degree", nx.degree_centrality),
        ("betweenness", nx.betweenness_centrality),
        ("pagerank", lambda x: nx.pagerank(x, alpha=0.85, tol=1e-14, max_iter=5000)),
    ):
        res = queries.centrality(fx, network=network, metric=metric, town=town, top=1000)
        want = fn(g)
        assert (res.node_count, res.edge_count) == (g.number_of_nodes(), g.number_of_edges())
        assert {i.node.id: i.score for i in res.items} == pytest.approx(want, abs=1e-9)
        scores = [i.score for i in res.items]
        assert scores == sorted(scores, reverse=True)
    assert {a.id for a in res.articulation_points} == set(nx.articulation_points(g))
    assert res.bridges == sorted(tuple(sorted(e)) for e in nx.bridges(g))


def test_town_scope_keeps_to_the_town(fx) -> None:  # type: ignore[no-untyped-def]
    res = queries.centrality(fx, network="organisation", metric="betweenness", town="T2", top=1000)
    assert all(i.node.town_code in ("T2", None) for i in res.items)
    assert all(i.node.town_code is not None or i.node.label == "PartyOrg" for i in res.items)
    assert "Town:T1" not in {i.node.id for i in res.items}


def test_betweenness_is_exact_at_any_size(fx) -> None:  # type: ignore[no-untyped-def]
    """igraph's exact betweenness, rescaled, is networkx's (sampling is gone: issue 19)."""
    from queries import _centrality

    g = nx.gnm_random_graph(300, 900, seed=7)
    g = nx.relabel_nodes(g, {i: f"n{i:03d}" for i in g})
    ids = tuple(sorted(g))
    pos = {v: i for i, v in enumerate(ids)}
    topo = _centrality.Topology(ids, tuple(sorted(tuple(sorted((pos[u], pos[v]))) for u, v in g.edges)))
    got = _centrality.summarise(topo, "v", lambda xs: dict.fromkeys(xs, (None, None)))["betweenness"]
    assert dict(got.ranked) == pytest.approx(nx.betweenness_centrality(g), abs=1e-12)
    res = queries.centrality(fx, network="organisation", metric="betweenness", top=1000)
    assert (res.approximate, res.sample_size) == (False, None)
    want = nx.betweenness_centrality(independent(fx, "organisation"))
    assert {i.node.id: i.score for i in res.items} == pytest.approx(want, abs=1e-12)


def test_bad_arguments(fx) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError):
        queries.centrality(fx, network="social")
    with pytest.raises(InputError):
        queries.centrality(fx, metric="closeness")


def _cuts(store, network, town=None, **kw):  # type: ignore[no-untyped-def]
    from queries.centrality import CENTRALITY, CentralityParams

    return CENTRALITY(store, Scope(town), CentralityParams.parse(network=network, cuts=100, **kw))


def test_cut_consequences_by_hand(fx) -> None:  # type: ignore[no-untyped-def]
    # the pairing network is three stars and a pair: every cut detaches a single leaf
    res = _cuts(fx, "pairing")
    assert (res.cut_points, res.cut_bridges, res.leaf_cuts_hidden) == ([], [], 3 + 7)
    leaves = _cuts(fx, "pairing", include_leaves=True)
    assert [(c.node.key, c.pieces, c.cut_off) for c in leaves.cut_points] == [
        ("PO1", 2, 1),
        ("PO4", 2, 1),
        ("V1", 2, 1),
    ]
    assert len(leaves.cut_bridges) == 7 and leaves.leaf_cuts_hidden == 0
    # the organisation network: 双石镇 (T3) alone holds O15, O16 and V3 to the rest
    org = _cuts(fx, "organisation")
    t3 = next(c for c in org.cut_points if c.node is not None and c.node.key == "T3")
    assert sorted(n.key for n in t3.cut_off_nodes) == ["O15", "O16", "V3"]
    assert t3.cut_off == 3 and "双石镇" in t3.sentence_zh and "3 个对象" in t3.sentence_zh
    sizes = [c.cut_off for c in org.cut_points]
    assert sizes == sorted(sizes, reverse=True) and min(sizes) > 1
    assert org.metric_zh.startswith("度中心性")


@pytest.mark.parametrize("network", sorted(NETWORKS))
@pytest.mark.parametrize("town", [None, "T1"])
def test_cut_consequences_against_networkx(fx, network, town) -> None:  # type: ignore[no-untyped-def]
    """Each cut's count and nodes equal what removing it from an independent graph leaves apart."""
    g = independent(fx, network, town)
    res = _cuts(fx, network, town, include_leaves=True)
    assert len(res.cut_points) == min(100, len(list(nx.articulation_points(g))))
    for c in res.cut_points:
        h = g.copy()
        h.remove_node(c.node.id)
        comp = nx.node_connected_component(g, c.node.id) - {c.node.id}
        parts = [p for p in nx.connected_components(h) if p <= comp]
        assert c.pieces == len(parts)
        assert c.cut_off == len(comp) - max(len(p) for p in parts)
        assert len(c.cut_off_nodes) == min(20, c.cut_off)
    for c in res.cut_bridges:
        a, b = c.edge
        h = g.copy()
        h.remove_edge(a.id, b.id)
        side = min(len(nx.node_connected_component(h, a.id)), len(nx.node_connected_component(h, b.id)))
        assert c.cut_off == side
