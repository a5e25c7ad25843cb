"""Membership chains and the inconsistency list, written out by hand from the fixture table."""

from __future__ import annotations

import pytest

from graph.errors import InputError, NotFound
from queries.membership import INCONSISTENCIES, MEMBERSHIP
from queries.scope import Scope


def keys(chain):  # type: ignore[no-untyped-def]
    return [s.node.key for s in chain]


def test_chains_up_to_the_district(fx) -> None:  # type: ignore[no-untyped-def]
    res = MEMBERSHIP(fx, member_id="M01")
    assert keys(res.relationship_chain) == ["PO1", "PC1", "D1", "D0"]
    assert keys(res.activity_chain) == ["TC1", "D1", "D0"]
    assert [s.kind for s in res.relationship_chain] == ["组织党组织", "园区党工委", "区委两新工委", "区委"]
    assert res.employer is not None and res.employer.key == "O01"
    assert [c.key for c in res.employer_covered_by] == ["PO1"]
    assert (res.post, res.member_type) == ("书记", "正式党员")
    assert res.inconsistencies == []


def test_branch_of_covering_committee_is_consistent(fx) -> None:  # type: ignore[no-untyped-def]
    res = MEMBERSHIP(fx, member_id="M17")
    assert keys(res.relationship_chain) == ["PO6", "PO4", "D1", "D0"]
    assert [c.key for c in res.employer_covered_by] == ["PO4"]
    assert res.inconsistencies == []


def test_activity_in_other_town(fx) -> None:  # type: ignore[no-untyped-def]
    res = MEMBERSHIP(fx, member_id="M03")
    assert [i.code for i in res.inconsistencies] == ["activity_town_mismatch"]
    assert [r.key for r in res.inconsistencies[0].related] == ["TC2", "O01"]
    assert "青峰镇两新党委" in res.inconsistencies[0].message


def test_flagged_without_relationship(fx) -> None:  # type: ignore[no-untyped-def]
    res = MEMBERSHIP(fx, member_id="M05")
    assert res.relationship_chain == [] and res.activity_chain == []
    assert res.flag == "流动党员"
    assert [i.code for i in res.inconsistencies] == ["flagged_without_relationship"]
    assert res.employer is not None and res.employer_covered_by == []


EXPECTED = [
    ("M03", "activity_town_mismatch"),
    ("M04", "relationship_not_covering_employer"),
    ("M05", "flagged_without_relationship"),
    ("M06", "relationship_not_covering_employer"),
    ("M07", "committee_without_post"),
    ("M08", "relationship_not_covering_employer"),
    ("M09", "relationship_not_covering_employer"),
    ("M10", "relationship_not_covering_employer"),
    ("M11", "relationship_not_covering_employer"),
    ("M15", "flagged_without_relationship"),
]


def test_district_list(fx) -> None:  # type: ignore[no-untyped-def]
    res = INCONSISTENCIES(fx)
    assert [(i.member.key, i.code) for i in res.items] == EXPECTED
    assert res.total == 10
    assert res.counts == {
        "activity_town_mismatch": 1,
        "relationship_not_covering_employer": 6,
        "flagged_without_relationship": 2,
        "committee_without_post": 1,
    }


def test_list_filtered_and_scoped(fx) -> None:  # type: ignore[no-untyped-def]
    res = INCONSISTENCIES(fx, code="committee_without_post")
    assert [(i.member.key, [r.key for r in i.related]) for i in res.items] == [("M07", ["PO3"])]
    assert res.counts == {"committee_without_post": 1}
    assert [i.member.key for i in INCONSISTENCIES(fx, Scope("T3")).items] == ["M15"]
    assert INCONSISTENCIES(fx, Scope("T2")).total == 0
    t1 = INCONSISTENCIES(fx, Scope("T1"))
    assert [(i.member.key, i.code) for i in t1.items] == EXPECTED[:-1]


def test_town_user_sees_no_other_town(fx) -> None:  # type: ignore[no-untyped-def]
    res = MEMBERSHIP(fx, Scope("T1"), member_id="M03")
    assert keys(res.activity_chain) == ["D1", "D0"]  # TC2 is T2's
    issue = res.inconsistencies[0]
    assert [r.key for r in issue.related] == ["O01"]
    assert "青峰镇" not in issue.message
    with pytest.raises(NotFound):
        MEMBERSHIP(fx, Scope("T1"), member_id="M12")


def test_bad_arguments(fx) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFound):
        MEMBERSHIP(fx, member_id="M99")
    with pytest.raises(InputError):
        INCONSISTENCIES(fx, code="late")
