"""Entity pages, search and the four-level tree."""

from __future__ import annotations

import pytest

from graph.errors import NotFound
from graph.model import Label
from queries.entities import MEMBER, ORG_TREE, ORGANIZATION, PARTY_ORG, SEARCH, VILLAGE
from queries.scope import Scope


def keys(refs):  # type: ignore[no-untyped-def]
    return [r.key for r in refs]


def test_organization(fx) -> None:  # type: ignore[no-untyped-def]
    d = ORGANIZATION(fx, uscc="O09")
    assert d.org.name == "辛建设集团"
    assert d.properties["employees"] == 610
    assert d.town is not None and d.town.key == "T2"
    assert keys(d.subsidiaries) == ["O10"]
    assert keys(d.covered_by) == ["PO4"]
    assert keys(d.villages) == ["V1"]
    assert d.member_counts == {"正式党员": 2, "预备党员": 0, "流动党员": 0, "隐性党员": 0, "合计": 2}
    d = ORGANIZATION(fx, uscc="O05")
    assert keys(d.association_members) == ["O04", "O07"]
    d = ORGANIZATION(fx, uscc="O03")
    assert d.member_counts["流动党员"] == 1 and d.member_counts["隐性党员"] == 1
    assert d.park is not None and d.park.key == "P1"
    d = ORGANIZATION(fx, uscc="O02")
    assert keys(d.instructors) == ["I3"] and keys(d.paired_by) == ["PO1"]
    assert [h.helper.key for h in d.helpers] == ["M01"]
    assert ORGANIZATION(fx, Scope("T1"), uscc="O02").instructors == []


def test_party_org(fx) -> None:  # type: ignore[no-untyped-def]
    d = PARTY_ORG(fx, code="PO4")
    assert keys(d.parents) == ["D1", "D0"]
    assert keys(d.children) == ["PO5", "PO6"]
    assert keys(d.covers) == ["O09"]
    assert keys(d.instructors) == ["I1"]
    assert [r.id for r in d.paired_with] == ["Organization:O13", "PartyOrg:PO5"]
    assert [c.member.key for c in d.committee] == ["M12"]
    assert d.member_counts["合计"] == 1
    d = PARTY_ORG(fx, Scope("T1"), code="PO1")
    assert keys(d.parents) == ["PC1", "D1", "D0"]
    assert [c.member.key for c in d.committee] == ["M01", "M02"]  # 书记 before 委员
    assert d.member_counts["正式党员"] == 4
    d = PARTY_ORG(fx, Scope("T3"), code="D1")
    assert keys(d.children) == ["NP", "TC3"]  # district level is visible; other towns' bodies are not


def test_member(fx) -> None:  # type: ignore[no-untyped-def]
    d = MEMBER(fx, member_id="M01")
    assert d.member.name == "赵一"
    assert (d.employer.key, d.relationship_org.key, d.activity_org.key) == ("O01", "PO1", "TC1")  # type: ignore[union-attr]
    assert keys(d.helps_build) == ["O02"]
    assert [s.node.key for s in d.membership.relationship_chain] == ["PO1", "PC1", "D1", "D0"]
    # masked only: the ID number and phone in their masked form, never a hash or the key id
    assert d.properties["id_masked"].count("*") == 8 and "****" in d.properties["phone_masked"]
    assert not [k for k in d.properties if "hash" in k or k == "key_id"]
    d = MEMBER(fx, member_id="M03")
    assert [i.code for i in d.membership.inconsistencies] == ["activity_town_mismatch"]
    assert d.activity_org is not None and d.activity_org.key == "TC2"
    # a T1 user sees the member, not the other town's committee the member takes part in
    t1 = MEMBER(fx, Scope("T1"), member_id="M03")
    assert t1.activity_org is None
    # nor its key among the member's fields
    assert "activity_org" not in t1.properties and "青峰镇两新党委" not in str(t1.properties)
    assert MEMBER(fx, member_id="M03").properties["activity_org"] == "TC2"
    d = MEMBER(fx, member_id="M15")  # hidden member, no relationship
    assert d.relationship_org is None and d.employer is not None and d.employer.key == "O15"


def test_member_hashes_never_shown(fx) -> None:  # type: ignore[no-untyped-def]
    from graph.model import Label

    props = dict(fx.fetch_nodes(Label.MEMBER, ["M02"])["M02"])
    fx.upsert_nodes(Label.MEMBER, [{**props, "id_hash": "abc", "phone_hash": "def", "key_id": "k1"}])
    d = MEMBER(fx, member_id="M02")
    assert "id_hash" not in d.properties and "phone_hash" not in d.properties and "key_id" not in d.properties
    assert d.properties["id_masked"] == props["id_masked"]


def test_village(fx) -> None:  # type: ignore[no-untyped-def]
    d = VILLAGE(fx, code="V1")
    assert d.village.name == "黄瓜山村" and d.town is not None and d.town.key == "T2"
    assert keys(d.town_committees) == ["TC2"]
    assert [(j.org.key, keys(j.covered_by)) for j in d.joint_builders] == [("O09", ["PO4"]), ("O10", ["PO5"])]
    d = VILLAGE(fx, code="V3")  # nobody builds with it
    assert d.joint_builders == [] and keys(d.town_committees) == ["TC3"]
    assert keys(VILLAGE(fx, Scope("T1"), code="V2").joint_builders[0].covered_by) == ["PO1"]


def test_out_of_scope_is_not_found(fx) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFound):
        MEMBER(fx, Scope("T1"), member_id="M12")
    with pytest.raises(NotFound):
        VILLAGE(fx, Scope("T1"), code="V1")
    with pytest.raises(NotFound):
        ORGANIZATION(fx, Scope("T1"), uscc="O09")
    with pytest.raises(NotFound):
        PARTY_ORG(fx, Scope("T1"), code="PO4")
    with pytest.raises(NotFound):
        ORGANIZATION(fx, uscc="PO4")


def test_search(fx) -> None:  # type: ignore[no-untyped-def]
    hits = SEARCH(fx, q="公司").items
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
    assert [(h.node.id, h.matched) for h in SEARCH(fx, q="PO1").items] == [("PartyOrg:PO1", "key")]
    assert SEARCH(fx, Scope("T1"), q="辛").items == []
    assert [h.node.id for h in SEARCH(fx, q="辛", limit=2).items] == ["Organization:O09", "Organization:O10"]
    assert [h.node.id for h in SEARCH(fx, q="王指导").items] == ["Instructor:I3"]
    assert SEARCH(fx, Scope("T1"), q="王指导").items == []
    assert SEARCH(fx, q="   ").total == 0


def test_search_pages_report_the_true_total(fx) -> None:  # type: ignore[no-untyped-def]
    every = SEARCH(fx, q="公司", limit=500)
    assert every.total == len(every.items) > 3
    page = SEARCH(fx, q="公司", limit=2, offset=1)
    assert (page.total, page.offset, page.items) == (every.total, 1, every.items[1:3])
    town = SEARCH(fx, Scope("T1"), q="公司", limit=1)
    assert town.total == len(SEARCH(fx, Scope("T1"), q="公司", limit=500).items) > 1


def test_org_tree(fx) -> None:  # type: ignore[no-untyped-def]
    tree = ORG_TREE(fx)
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
    t2 = ORG_TREE(fx, Scope("T2"))
    assert t2.total == 7  # D0 D1 NP TC2 PO4 PO5 PO6
    assert keys([c.node for c in t2.roots[0].children[0].children]) == ["NP", "PO4", "TC2"]


def test_search_ignores_case_with_or_without_latin_letters(fx) -> None:  # type: ignore[no-untyped-def]
    # Two ways to search on Neo4j: a q without cased letters is served by the name's TEXT index,
    # one with Latin letters compares lowered names; both must find what the other finds.
    fx.upsert_nodes(
        Label.ORGANIZATION,
        [{"uscc": "OXABC", "org_name": "ABC科技公司", "town_code": "T1", "org_category": "非公有制企业"}],
    )
    for q in ("abc", "ABC", "aBc科技", "C科"):
        assert [h.node.id for h in SEARCH(fx, q=q).items] == ["Organization:OXABC"], q
    assert "Organization:OXABC" in [h.node.id for h in SEARCH(fx, q="科技公司", limit=100).items]
    assert SEARCH(fx, q="科技公司").total == SEARCH(fx, q="科技公司", limit=100).total
    assert SEARCH(fx, q="abcd").items == []
