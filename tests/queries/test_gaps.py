"""Gaps: ranking, candidate hosts, recommendations. Expected answers worked out by hand."""

from __future__ import annotations

import pytest

import queries
from graph.errors import InputError, NotFound


def entry(res, key):  # type: ignore[no-untyped-def]
    return next(e for e in res.entries + res.self_employed if e.org.key == key)


def test_ranking_and_split(fx) -> None:  # type: ignore[no-untyped-def]
    res = queries.GAPS(fx)
    # full members desc, then all members, employees, key; 个体工商户 O06 apart; O08 注销 absent
    assert [e.org.key for e in res.entries] == ["O07", "O03", "O15", "O02", "O13", "O16"]
    assert res.total == 6
    assert [e.org.key for e in res.self_employed] == ["O06"]
    assert res.self_employed_total == 1


def test_member_counts(fx) -> None:  # type: ignore[no-untyped-def]
    res = queries.GAPS(fx)
    o07 = entry(res, "O07")
    assert (o07.full_members, o07.probationary_members) == (3, 1)
    assert [m.member.key for m in o07.members] == ["M08", "M09", "M10", "M11"]
    o03 = entry(res, "O03")
    assert (o03.full_members, o03.floating_members, o03.hidden_members) == (2, 1, 1)
    assert o03.status == "在建"


def test_standalone_when_three_full_members(fx) -> None:  # type: ignore[no-untyped-def]
    rec = entry(queries.GAPS(fx), "O07").recommendation
    assert rec.formation == "单独建"
    assert rec.host is None
    assert "3名正式党员" in rec.reason


def test_joint_with_uncovered_neighbour_in_park(fx) -> None:  # type: ignore[no-untyped-def]
    res = queries.GAPS(fx)
    o02, o03 = entry(res, "O02"), entry(res, "O03")
    assert o02.recommendation.formation == "联合建"
    assert [p.key for p in o02.recommendation.partners] == ["O03"]  # 1 + 2 = 3
    assert o03.recommendation.formation == "联合建"
    assert [p.key for p in o03.recommendation.partners] == ["O02"]
    assert "合计3名正式党员" in o03.recommendation.reason


def test_instructor_when_no_host(fx) -> None:  # type: ignore[no-untyped-def]
    res = queries.GAPS(fx)
    o15, o16 = entry(res, "O15"), entry(res, "O16")
    # T3 has only its town committee (structural): no host, no partner with members
    assert o15.candidates == [] and o16.candidates == []
    assert o15.recommendation.formation == "派驻指导员"
    assert "李指导" in o15.recommendation.reason
    assert o16.recommendation.formation == "派驻指导员"
    assert [i.key for i in o16.instructors] == ["I3"]


def test_one_plus_x_under_nearest_host(fx) -> None:  # type: ignore[no-untyped-def]
    o13 = entry(queries.GAPS(fx), "O13")
    assert o13.recommendation.formation == "1+X"
    assert o13.recommendation.host is not None and o13.recommendation.host.key == "PO4"
    # same town for all three; PO4 has a distance (to O09); PO5 / PO6 tie on 2 hops, then key
    assert [c.party_org.key for c in o13.candidates] == ["PO4", "PO5", "PO6"]
    po4 = o13.candidates[0]
    assert (po4.same_town, po4.same_park, po4.hops) == (True, False, 1)
    assert po4.distance_km == pytest.approx(1.4749, abs=0.01)
    assert [d.key for d in o13.demo_points] == ["PO4"]
    assert [i.key for i in o13.instructors] == ["I1"]
    assert [(h.helper.key, h.status) for h in o13.helpers] == [("I1", "进行中")]


def test_near_rule_order(fx) -> None:  # type: ignore[no-untyped-def]
    res = queries.GAPS(fx)
    o02 = entry(res, "O02")
    # PO1: same park; PO2: same town with a distance (5.9 km); PO3: same town, no coordinates
    assert [c.party_org.key for c in o02.candidates] == ["PO1", "PO2", "PO3"]
    assert [c.hops for c in o02.candidates] == [1, 2, None]
    assert o02.candidates[0].reasons[0] == "同一园区"
    assert [h.helper.key for h in o02.helpers] == ["M01"]
    assert [d.key for d in o02.demo_points] == ["PO1"]
    o07 = entry(res, "O07")
    # PO2 and PO3 share the association O05; PO3 is 2 hops away, PO2 3; PO1 only the town (4 hops)
    assert [(c.party_org.key, c.same_association, c.hops) for c in o07.candidates] == [
        ("PO3", True, 2),
        ("PO2", True, 3),
        ("PO1", False, 4),
    ]


def test_hops_never_through_hubs(fx) -> None:  # type: ignore[no-untyped-def]
    # O03's members relate only to TC1 (a town committee): no graph distance to anyone
    o03 = entry(queries.GAPS(fx), "O03")
    assert all(c.hops is None for c in o03.candidates)
    assert [c.party_org.key for c in o03.candidates] == ["PO1", "PO2", "PO3"]


def test_max_hops_and_candidate_count(fx) -> None:  # type: ignore[no-untyped-def]
    res = queries.GAPS(fx, max_hops=1, candidates=2)
    o07 = entry(res, "O07")
    # no hop counts within 1: association ties then key
    assert [(c.party_org.key, c.hops) for c in o07.candidates] == [("PO2", None), ("PO3", None)]


def test_self_employed_one_plus_x(fx) -> None:  # type: ignore[no-untyped-def]
    o06 = queries.GAPS(fx).self_employed[0]
    assert o06.recommendation.formation == "1+X"
    assert o06.recommendation.host is not None and o06.recommendation.host.key == "PO1"


def test_filters_and_paging(fx) -> None:  # type: ignore[no-untyped-def]
    assert [e.org.key for e in queries.GAPS(fx, park="P1").entries] == ["O03", "O02"]
    assert [e.org.key for e in queries.GAPS(fx, min_employees=40).entries] == ["O07", "O15", "O02"]
    assert [e.org.key for e in queries.GAPS(fx, industry="农业").entries] == ["O13"]
    assert [e.org.key for e in queries.GAPS(fx, category="商会").entries] == ["O16"]
    page = queries.GAPS(fx, limit=2, offset=1)
    assert [e.org.key for e in page.entries] == ["O03", "O15"]
    assert (page.total, page.offset) == (6, 1)
    # partners come from all uncovered organisations, not only the filtered page
    o02 = queries.GAPS(fx, min_employees=40).entries[2]
    assert [p.key for p in o02.recommendation.partners] == ["O03"]


def test_town_scope(fx) -> None:  # type: ignore[no-untyped-def]
    res = queries.GAPS(fx, queries.Scope("T1"))
    assert [e.org.key for e in res.entries] == ["O07", "O03", "O02"]
    o02 = entry(res, "O02")
    assert o02.instructors == []  # I3 serves two towns: district level, not the town's
    res = queries.GAPS(fx, queries.Scope("T2"))
    assert [e.org.key for e in res.entries] == ["O13"]


def test_bad_arguments(fx) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError):
        queries.GAPS(fx, max_hops=0)
    with pytest.raises(InputError):
        queries.GAPS(fx, category="国企")
    with pytest.raises(NotFound):
        queries.GAPS(fx, queries.Scope("T1' OR 1=1 //"))
