"""Entity pages, search and the four-level tree."""

from __future__ import annotations

import pytest

import queries
from graph.errors import NotFound


def keys(refs):  # type: ignore[no-untyped-def]
    return [r.key for r in refs]


def test_organization(fx) -> None:  # type: ignore[no-untyped-def]
    d = queries.organization(fx, "O09")
    assert d.org.name == "辛建设集团"
    assert d.properties["employees"] == 610
    assert d.town is not None and d.town.key == "T2"
    assert keys(d.subsidiaries) == ["O10"]
    assert keys(d.covered_by) == ["PO4"]
    assert keys(d.villages) == ["V1"]
    assert d.member_counts == {"正式党员": 2, "预备党员": 0, "流动党员": 0, "隐性党员": 0, "合计": 2}
    d = queries.organization(fx, "O05")
    assert keys(d.association_members) == ["O04", "O07"]
    d = queries.organization(fx, "O03")
    assert d.member_counts["流动党员"] == 1 and d.member_counts["隐性党员"] == 1
    assert d.park is not None and d.park.key == "P1"
    d = queries.organization(fx, "O02")
    assert keys(d.instructors) == ["I3"] and keys(d.paired_by) == ["PO1"]
    assert [h.helper.key for h in d.helpers] == ["M01"]
    assert queries.organization(fx, "O02", town="T1").instructors == []


def test_party_org(fx) -> None:  # type: ignore[no-untyped-def]
    d = queries.party_org(fx, "PO4")
    assert keys(d.parents) == ["D1", "D0"]
    assert keys(d.children) == ["PO5", "PO6"]
    assert keys(d.covers) == ["O09"]
    assert keys(d.instructors) == ["I1"]
    assert [r.id for r in d.paired_with] == ["Organization:O13", "PartyOrg:PO5"]
    assert [c.member.key for c in d.committee] == ["M12"]
    assert d.member_counts["合计"] == 1
    d = queries.party_org(fx, "PO1", town="T1")
    assert keys(d.parents) == ["PC1", "D1", "D0"]
    assert [c.member.key for c in d.committee] == ["M01", "M02"]  # 书记 before 委员
    assert d.member_counts["正式党员"] == 4
    d = queries.party_org(fx, "D1", town="T3")
    assert keys(d.children) == ["NP", "TC3"]  # district level is visible; other towns' bodies are not


def test_out_of_scope_is_not_found(fx) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFound):
        queries.organization(fx, "O09", town="T1")
    with pytest.raises(NotFound):
        queries.party_org(fx, "PO4", town="T1")
    with pytest.raises(NotFound):
        queries.organization(fx, "PO4")


def test_search(fx) -> None:  # type: ignore[no-untyped-def]
    hits = queries.search(fx, "公司")
    assert [h.node.id for h in hits] == [
        "Organization:O01",
        "Organization:O02",
        "Organization:O03",
        "Organization:O04",
        "Organization:O07",
        "Organization:O08",
        "Organization:O13",
        "Organization:O10",
        "PartyOrg:PO1",
        "PartyOrg:PO5",
    ]
    assert hits[0].label_zh == "组织" and hits[0].matched == "name"
    assert [(h.node.id, h.matched) for h in queries.search(fx, "PO1")] == [("PartyOrg:PO1", "key")]
    assert queries.search(fx, "辛", town="T1") == []
    assert [h.node.id for h in queries.search(fx, "辛", limit=2)] == ["Organization:O09", "Organization:O10"]
    assert [h.node.id for h in queries.search(fx, "王指导")] == ["Instructor:I3"]
    assert queries.search(fx, "王指导", town="T1") == []
    assert queries.search(fx, "   ") == []


def test_org_tree(fx) -> None:  # type: ignore[no-untyped-def]
    tree = queries.org_tree(fx)
    assert tree.total == 13
    (root,) = tree.roots
    assert (root.node.key, root.kind, root.descendants) == ("D0", "区委", 12)
    (wc,) = root.children
    assert wc.node.key == "D1"
    assert keys([c.node for c in wc.children]) == ["NP", "PC1", "PO4", "TC1", "TC2", "TC3"]
    by = {c.node.key: c for c in wc.children}
    assert keys([c.node for c in by["TC1"].children]) == ["PO2", "PO3"]
    assert keys([c.node for c in by["PO4"].children]) == ["PO5", "PO6"]
    assert by["PO4"].children[0].covers == 3
    t2 = queries.org_tree(fx, town="T2")
    assert t2.total == 7  # D0 D1 NP TC2 PO4 PO5 PO6
    assert keys([c.node for c in t2.roots[0].children[0].children]) == ["NP", "PO4", "TC2"]
