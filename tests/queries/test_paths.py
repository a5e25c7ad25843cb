"""Paths: hand-checked chains and sentences, hub exclusion and its fallback, type filters, town
scope, and lengths / orderings checked against networkx on the exported graph."""

from __future__ import annotations

import tempfile
from pathlib import Path

import networkx as nx
import pytest

from graph.errors import InputError, NotFound
from graph.model import Rel
from graph.store.base import export_dump
from queries.paths import DEFAULT_TYPES, PATH, PathParams
from queries.scope import Scope

ALL = tuple(r.value for r in Rel if r is not Rel.CONTACTED)
DEFAULT = tuple(r.value for r in DEFAULT_TYPES)
# The hubs, said independently of queries/: towns, parks, the district-level structure.
HUB_KINDS = {"区委", "区委两新工委", "镇街两新党委", "园区党工委", "非公有制经济组织党委"}


def _hub(d: dict) -> bool:  # type: ignore[type-arg]
    if d["_label"] in ("Town", "Park"):
        return True
    return d["_label"] == "PartyOrg" and (not d.get("town_code") or d.get("kind") in HUB_KINDS)


_READ: dict[tuple[int, str], nx.MultiGraph] = {}


def exported(store, town=None, types=ALL, hubs=True, ends=()):  # type: ignore[no-untyped-def]
    """The store's GraphML export read back by networkx, undirected (independent of queries/):
    only ``types``; without the hubs unless ``hubs`` (the ``ends`` are kept)."""
    key = (id(store), store.version())
    if key not in _READ:
        out = Path(tempfile.mkdtemp()) / "graph.graphml"
        export_dump(*store.dump(), "graphml", out)
        _READ.clear()
        _READ[key] = nx.read_graphml(out, force_multigraph=True)
    multi = _READ[key]
    g = nx.Graph()
    for nid, d in multi.nodes(data=True):
        props = {"town_code": d.get("town_code") or None}
        if Scope(town).admits(d["_label"], props) and (hubs or nid in ends or not _hub(d)):
            g.add_node(nid)
    for u, v, d in multi.edges(data=True):
        if d["_type"] in types and u in g and v in g:
            g.add_edge(u, v)
    return g


def ids(res):  # type: ignore[no-untyped-def]
    return [[n.id for n in p.nodes] for p in res.paths]


def test_direct_and_chain_text(fx) -> None:  # type: ignore[no-untyped-def]
    res = PATH(fx, source="I1", target="O13")
    assert (res.found, res.length, res.truncated, res.through_hubs) == (True, 1, False, False)
    # ASSIGNED_TO, HELPS_BUILD both join I1 and O13: the first type is shown
    assert res.paths[0].relationships[0].type == "ASSIGNED_TO"
    assert res.paths[0].chain_zh == "张指导 —派驻→ 癸农业公司"
    assert res.paths[0].sentence_zh == "张指导派驻癸农业公司担任党建指导员。"
    assert res.types == sorted(DEFAULT)


def test_sentence_reads_the_chain_with_members_masked(fx) -> None:  # type: ignore[no-untyped-def]
    res = PATH(fx, source="O01", target="O02", types=["WORKS_AT", "RELATIONSHIP_IN", "PAIRED_WITH"])
    assert res.length == 3 and ids(res)[0] == [
        "Organization:O01",
        "Member:M01",
        "PartyOrg:PO1",
        "Organization:O02",
    ]
    assert res.paths[0].sentence_zh == (
        "甲机械公司的党员赵*，组织关系在甲机械公司党支部，甲机械公司党支部是区级示范点，结对帮扶乙电子公司。"
    )
    # every member on every path is masked: the family name only
    members = [n for p in res.paths for n in p.nodes if n.label == "Member"]
    assert members and all(n.name and set(n.name[1:]) == {"*"} for n in members)
    res = PATH(fx, source="M17", target="O13")
    assert res.source.name == "秦**"
    assert res.paths[0].sentence_zh == (
        "秦**在辛建设集团工作，辛建设集团由辛建设集团党委覆盖，辛建设集团党委是市级示范点，结对帮扶癸农业公司。"
    )


def test_reverse_arrows(fx) -> None:  # type: ignore[no-untyped-def]
    res = PATH(fx, source="O09", target="O10", types=["SUBSIDIARY_OF"])
    assert res.paths[0].chain_zh == "辛建设集团 ←隶属于— 辛建设二公司"
    assert res.paths[0].sentence_zh == "辛建设集团的子公司辛建设二公司。"
    res = PATH(fx, source="Member:M17", target="PartyOrg:PO4", types=["RELATIONSHIP_IN", "REPORTS_TO"])
    assert res.length == 2
    assert res.paths[0].chain_zh == "秦** —组织关系在→ 辛建设集团机关党支部 —隶属党组织→ 辛建设集团党委"
    assert [n.key for n in res.paths[0].nodes] == ["M17", "PO6", "PO4"]


def test_four_level_chain_only_through_hubs(fx) -> None:  # type: ignore[no-untyped-def]
    chain = (
        "甲机械公司党支部 —隶属党组织→ 凤凰湖园区党工委 —隶属党组织→ 区委两新工委 —隶属党组织→ 中共永川区委"
    )
    res = PATH(fx, source="PO1", target="D0", types=["REPORTS_TO"], include_hubs=True)
    assert (res.length, res.paths[0].chain_zh, res.through_hubs, res.note_zh) == (3, chain, False, None)
    # without hubs there is no way up: said so, and the one through them offered
    res = PATH(fx, source="PO1", target="D0", types=["REPORTS_TO"])
    assert (res.found, res.length, res.through_hubs, len(res.paths)) == (True, 3, True, 1)
    assert res.paths[0].chain_zh == chain
    assert [h.key for h in res.hubs] == ["D1", "PC1"]
    assert res.note_zh and "没有不经过枢纽的路径" in res.note_zh and "凤凰湖园区党工委" in res.note_zh


def test_types_filter_defaults_and_parsing(fx) -> None:  # type: ignore[no-untyped-def]
    assert Rel.REPORTS_TO not in DEFAULT_TYPES and Rel.ACTIVE_IN not in DEFAULT_TYPES
    assert PathParams.parse(source="a", target="b", types="COVERS, WORKS_AT").types == (
        Rel.COVERS,
        Rel.WORKS_AT,
    )
    assert PathParams.parse(source="a", target="b", types=["COVERS,PAIRED_WITH"]).types == (
        Rel.COVERS,
        Rel.PAIRED_WITH,
    )
    # M03 is active in TC2 (another town): that link is walked only when ACTIVE_IN is asked for
    plain = PATH(fx, source="M03", target="TC2", include_hubs=True)
    asked = PATH(fx, source="M03", target="TC2", include_hubs=True, types=[*DEFAULT, "ACTIVE_IN"])
    assert asked.length == 1 and asked.paths[0].relationships[0].type == "ACTIVE_IN"
    assert not plain.found or plain.length > 1
    for res in (plain, asked):
        for p in res.paths:
            assert {r.type for r in p.relationships} <= set(res.types)


def test_not_found_within_hops(fx) -> None:  # type: ignore[no-untyped-def]
    res = PATH(fx, source="O01", target="O02", types=["COVERS"])
    assert (res.found, res.length, res.paths) == (False, None, [])
    assert res.note_zh  # neither way, and it says so
    res = PATH(fx, source="O02", target="O13", max_hops=4, types=ALL, include_hubs=True)
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
    ("Organization:O01", "Organization:O02"),
    ("Organization:O04", "Member:M09"),
    ("Member:M17", "Village:V1"),
]


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_against_networkx_every_type_through_hubs(fx, a, b) -> None:  # type: ignore[no-untyped-def]
    g = exported(fx)
    res = PATH(fx, source=a, target=b, max_hops=10, types=ALL, include_hubs=True)
    assert res.length == nx.shortest_path_length(g, a, b)
    expected = sorted(nx.all_shortest_paths(g, a, b))
    assert ids(res) == expected[:5]
    assert res.truncated == (len(expected) > 5)
    for p in res.paths:
        for i, r in enumerate(p.relationships):
            assert {r.source, r.target} == {p.nodes[i].id, p.nodes[i + 1].id}


def expected_default(fx, a, b, town=None, hops=10, k=5, types=DEFAULT):  # type: ignore[no-untyped-def]
    """(through_hubs, the sorted shortest paths to expect, truncated) by the issue's rule, or None."""
    for hubs in (False, True):
        g = exported(fx, town=town, types=types, hubs=hubs, ends=(a, b))
        if a in g and b in g and nx.has_path(g, a, b) and nx.shortest_path_length(g, a, b) <= hops:
            paths = sorted(nx.all_shortest_paths(g, a, b))
            return hubs, paths[: 1 if hubs else k], len(paths) > (1 if hubs else k)
    return None


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_against_networkx_defaults_without_hubs(fx, a, b) -> None:  # type: ignore[no-untyped-def]
    res = PATH(fx, source=a, target=b, max_hops=10)
    want = expected_default(fx, a, b)
    if want is None:
        assert res.found is False and res.note_zh
        return
    through, paths, more = want
    assert (res.through_hubs, ids(res), res.truncated) == (through, paths, more)
    interior = {n.id for p in res.paths for n in p.nodes[1:-1]}
    assert {h.id for h in res.hubs} <= interior
    if not through:
        assert res.hubs == [] and res.note_zh is None
        assert all(n.label not in ("Town", "Park") for p in res.paths for n in p.nodes[1:-1])


def test_hub_fallback_over_every_pair(fx) -> None:  # type: ignore[no-untyped-def]
    """Over a sample of every pair: hub-free paths when they exist, else one through hubs."""
    nodes = sorted(exported(fx).nodes)
    sample = nodes[:: max(1, len(nodes) // 14)]
    seen = {False: 0, True: 0}
    for types in (DEFAULT, ALL):
        for a in sample:
            for b in sample:
                if a >= b:
                    continue
                res = PATH(fx, source=a, target=b, max_hops=6, types=types)
                want = expected_default(fx, a, b, hops=6, types=types)
                if want is None:
                    assert res.found is False, (a, b)
                    continue
                assert (res.through_hubs, ids(res), res.truncated) == want, (a, b)
                seen[res.through_hubs] += 1
    assert seen[False] and seen[True]  # both cases occur


def test_k_truncates_in_order_and_is_bounded(fx) -> None:  # type: ignore[no-untyped-def]
    g = exported(fx)
    res = PATH(fx, source="O02", target="O13", k=2, types=ALL, include_hubs=True)
    expected = sorted(nx.all_shortest_paths(g, "Organization:O02", "Organization:O13"))
    assert len(expected) > 2 and res.truncated
    assert ids(res) == expected[:2]
    with pytest.raises(InputError):
        PATH(fx, source="O02", target="O13", k=6)
    with pytest.raises(InputError):
        PATH(fx, source="O02", target="O13", k=0)


def test_every_run_gives_the_same_list(fx) -> None:  # type: ignore[no-untyped-def]
    from queries.cache import clear

    first = PATH(fx, source="O02", target="O13", types=ALL, include_hubs=True).model_dump()
    for _ in range(3):
        clear()
        assert PATH(fx, source="O02", target="O13", types=ALL, include_hubs=True).model_dump() == first
    # ordered by length, then by the node ids
    seqs = [[n["label"] + ":" + n["key"] for n in p["nodes"]] for p in first["paths"]]
    assert seqs == sorted(seqs, key=lambda s: (len(s), s)) and len(seqs) == 5


def test_town_scope_never_crosses_another_town(fx) -> None:  # type: ignore[no-untyped-def]
    # district-wide, shortest ways pass through T2's town committee
    assert any("PartyOrg:TC2" in p for p in nx.all_shortest_paths(exported(fx), "Member:M03", "PartyOrg:TC1"))
    scoped = PATH(fx, Scope("T1"), source="M03", target="TC1", types=ALL, include_hubs=True)
    g = exported(fx, town="T1")
    assert scoped.length == nx.shortest_path_length(g, "Member:M03", "PartyOrg:TC1")
    assert ids(scoped) == sorted(nx.all_shortest_paths(g, "Member:M03", "PartyOrg:TC1"))[:5]
    # with the defaults (hubs avoided, and the fallback through them) too
    for a, b in (("M03", "TC1"), ("O02", "PO3"), ("O01", "D1"), ("V2", "M16")):
        for res in (
            PATH(fx, Scope("T1"), source=a, target=b),
            PATH(fx, Scope("T1"), source=a, target=b, types=ALL, include_hubs=True),
        ):
            for p in res.paths:
                assert all(
                    n.town_code == "T1" or (n.label == "PartyOrg" and n.town_code is None) for n in p.nodes
                ), (a, b)
    res = PATH(fx, Scope("T1"), source="O02", target="PO3")
    want = expected_default(fx, "Organization:O02", "PartyOrg:PO3", town="T1")
    assert want is not None and (res.through_hubs, ids(res), res.truncated) == want
    # the other town's end is not found at all
    with pytest.raises(NotFound):
        PATH(fx, Scope("T1"), source="O01", target="O09")


def test_scoped_path_detours(fx) -> None:  # type: ignore[no-untyped-def]
    # T1 -> TC1 is direct; from O01 to PO4 needs T2 entities, so in T1 scope PO4 is unknown
    with pytest.raises(NotFound):
        PATH(fx, Scope("T1"), source="O01", target="PO4")
    res = PATH(fx, Scope("T1"), source="O01", target="D1", types=ALL, include_hubs=True)
    assert res.length == nx.shortest_path_length(exported(fx, town="T1"), "Organization:O01", "PartyOrg:D1")


def test_bad_arguments(fx) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError):
        PATH(fx, source="O01", target="O02", types=["LIKES"])
    with pytest.raises(InputError):
        PATH(fx, source="O01", target="O02", types=[])
    with pytest.raises(InputError):
        PATH(fx, source="O01", target="O02", max_hops=11)
    with pytest.raises(NotFound):
        PATH(fx, source="O01", target="O99")


@pytest.mark.parametrize(("town", "hubs"), [(None, True), ("T1", True), (None, False), ("T1", False)])
def test_bidirectional_search_matches_networkx_everywhere(fx, town, hubs) -> None:  # type: ignore[no-untyped-def]
    """Every pair of a sample, with tight hop bounds: length, order, truncation and not-found
    agree with networkx, whichever end the search grows from (hubs walked or avoided)."""
    types = ALL if hubs else DEFAULT
    g0 = exported(fx, town=town, types=types)
    nodes = sorted(g0.nodes)
    sample = nodes[:: max(1, len(nodes) // 12)]
    for a in sample:
        for b in sample:
            if a == b:
                continue
            g = g0 if hubs else exported(fx, town=town, types=types, hubs=False, ends=(a, b))
            try:
                d = nx.shortest_path_length(g, a, b)
            except nx.NetworkXNoPath:
                d = None
            for hops in (2, 4):
                res = PATH(
                    fx, Scope(town), source=a, target=b, max_hops=hops, k=3, types=types, include_hubs=hubs
                )
                if d is None or d > hops:
                    assert res.found is False or res.through_hubs, (a, b, hops)
                    continue
                expected = sorted(nx.all_shortest_paths(g, a, b))
                assert (res.length, res.through_hubs) == (d, False), (a, b, hops)
                assert ids(res) == expected[:3], (a, b, hops)
                assert res.truncated == (len(expected) > 3)
