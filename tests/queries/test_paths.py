"""Paths: hand-checked chains, and lengths / orderings checked against networkx on the exported graph."""

from __future__ import annotations

import tempfile
from pathlib import Path

import networkx as nx
import pytest

from graph.errors import InputError, NotFound
from graph.store.base import export_dump
from queries.paths import PATH
from queries.scope import Scope


def exported(store, town=None, exclude=("CONTACTED",)):  # type: ignore[no-untyped-def]
    """The store's GraphML export read back by networkx, undirected (independent of queries/)."""
    out = Path(tempfile.mkdtemp()) / "graph.graphml"
    export_dump(*store.dump(), "graphml", out)
    multi = nx.read_graphml(out, force_multigraph=True)
    g = nx.Graph()
    for nid, d in multi.nodes(data=True):
        props = {"town_code": d.get("town_code") or None}
        if Scope(town).admits(d["_label"], props):
            g.add_node(nid)
    for u, v, d in multi.edges(data=True):
        if d["_type"] not in exclude and u in g and v in g:
            g.add_edge(u, v)
    return g


def test_direct_and_chain_text(fx) -> None:  # type: ignore[no-untyped-def]
    res = PATH(fx, source="I1", target="O13")
    assert (res.found, res.length, res.truncated) == (True, 1, False)
    # ASSIGNED_TO, HELPS_BUILD both join I1 and O13: the first type is shown
    assert res.paths[0].relationships[0].type == "ASSIGNED_TO"
    assert res.paths[0].chain_zh == "张指导 —派驻→ 癸农业公司"


def test_reverse_arrows(fx) -> None:  # type: ignore[no-untyped-def]
    res = PATH(fx, source="O09", target="O10", rels=["SUBSIDIARY_OF"])
    assert res.paths[0].chain_zh == "辛建设集团 ←隶属于— 辛建设二公司"
    res = PATH(fx, source="Member:M17", target="PartyOrg:PO4", rels=["RELATIONSHIP_IN", "REPORTS_TO"])
    assert res.length == 2
    assert res.paths[0].chain_zh == "秦十七 —组织关系在→ 辛建设集团机关党支部 —隶属党组织→ 辛建设集团党委"
    assert [n.key for n in res.paths[0].nodes] == ["M17", "PO6", "PO4"]


def test_four_level_chain(fx) -> None:  # type: ignore[no-untyped-def]
    res = PATH(fx, source="PO1", target="D0", rels=["REPORTS_TO"])
    assert res.length == 3
    assert (
        res.paths[0].chain_zh == "甲机械公司党支部 —隶属党组织→ 凤凰湖园区党工委 —隶属党组织→ 区委两新工委"
        " —隶属党组织→ 中共永川区委"
    )


def test_not_found_within_hops(fx) -> None:  # type: ignore[no-untyped-def]
    res = PATH(fx, source="O01", target="O02", rels=["COVERS"])
    assert (res.found, res.length, res.paths) == (False, None, [])
    res = PATH(fx, source="O02", target="O13", max_hops=4)
    assert res.found is False


def test_same_node(fx) -> None:  # type: ignore[no-untyped-def]
    res = PATH(fx, source="O01", target="Organization:O01")
    assert (res.length, res.paths[0].chain_zh) == (0, "甲机械公司")


PAIRS = [
    ("Organization:O02", "Organization:O13"),
    ("Member:M04", "PartyOrg:PO4"),
    ("Organization:O07", "PartyOrg:D0"),
    ("Town:T1", "Town:T2"),
    ("Village:V3", "Member:M15"),
    ("Instructor:I3", "Village:V1"),
    ("Member:M03", "PartyOrg:TC1"),
]


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_against_networkx(fx, a, b) -> None:  # type: ignore[no-untyped-def]
    g = exported(fx)
    res = PATH(fx, source=a, target=b, max_hops=10, limit=100)
    assert res.length == nx.shortest_path_length(g, a, b)
    expected = sorted(nx.all_shortest_paths(g, a, b))
    got = [[n.id for n in p.nodes] for p in res.paths]
    assert got == expected[:100]
    assert res.truncated == (len(expected) > 100)
    for p in res.paths:
        for i, r in enumerate(p.relationships):
            assert {r.source, r.target} == {p.nodes[i].id, p.nodes[i + 1].id}


def test_limit_truncates_in_order(fx) -> None:  # type: ignore[no-untyped-def]
    g = exported(fx)
    res = PATH(fx, source="O02", target="O13", limit=2)
    expected = sorted(nx.all_shortest_paths(g, "Organization:O02", "Organization:O13"))
    assert len(expected) > 2 and res.truncated
    assert [[n.id for n in p.nodes] for p in res.paths] == expected[:2]


def test_town_scope_never_crosses_another_town(fx) -> None:  # type: ignore[no-untyped-def]
    free = PATH(fx, source="M03", target="TC1", limit=100)
    assert any("PartyOrg:TC2" in [n.id for n in p.nodes] for p in free.paths)
    scoped = PATH(fx, Scope("T1"), source="M03", target="TC1", limit=100)
    g = exported(fx, town="T1")
    assert scoped.length == nx.shortest_path_length(g, "Member:M03", "PartyOrg:TC1")
    assert [[n.id for n in p.nodes] for p in scoped.paths] == sorted(
        nx.all_shortest_paths(g, "Member:M03", "PartyOrg:TC1")
    )
    for p in scoped.paths:
        assert all(n.town_code == "T1" or (n.label == "PartyOrg" and n.town_code is None) for n in p.nodes)
    # the other town's end is not found at all
    with pytest.raises(NotFound):
        PATH(fx, Scope("T1"), source="O01", target="O09")


def test_scoped_path_detours(fx) -> None:  # type: ignore[no-untyped-def]
    # T1 -> TC1 is direct; from O01 to PO4 needs T2 entities, so in T1 scope PO4 is unknown
    with pytest.raises(NotFound):
        PATH(fx, Scope("T1"), source="O01", target="PO4")
    res = PATH(fx, Scope("T1"), source="O01", target="D1")
    assert res.length == nx.shortest_path_length(exported(fx, town="T1"), "Organization:O01", "PartyOrg:D1")


def test_bad_arguments(fx) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError):
        PATH(fx, source="O01", target="O02", rels=["LIKES"])
    with pytest.raises(InputError):
        PATH(fx, source="O01", target="O02", max_hops=11)
    with pytest.raises(NotFound):
        PATH(fx, source="O01", target="O99")


@pytest.mark.parametrize("town", [None, "T1"])
def test_bidirectional_search_matches_networkx_everywhere(fx, town) -> None:  # type: ignore[no-untyped-def]
    """Every pair of a sample, with tight hop bounds: length, order, truncation and not-found
    agree with networkx, whichever end the search grows from."""
    g = exported(fx, town=town)
    nodes = sorted(g.nodes)
    sample = nodes[:: max(1, len(nodes) // 12)]
    for a in sample:
        for b in sample:
            if a == b:
                continue
            try:
                d = nx.shortest_path_length(g, a, b)
            except nx.NetworkXNoPath:
                d = None
            for hops in (2, 4):
                res = PATH(fx, Scope(town), source=a, target=b, max_hops=hops, limit=3)
                if d is None or d > hops:
                    assert res.found is False, (a, b, hops)
                    continue
                expected = sorted(nx.all_shortest_paths(g, a, b))
                assert res.length == d, (a, b, hops)
                assert [[n.id for n in p.nodes] for p in res.paths] == expected[:3], (a, b, hops)
                assert res.truncated == (len(expected) > 3)
