"""Impact (issue 15): hand-checked removals on the fixture graph, on both backends.

Expected values are read off tests/fixtures.py's tables (pairings, COVERS, ASSIGNED_TO,
members' relationships, HELPS_BUILD), never from the code under test.
"""

from __future__ import annotations

import pytest

from graph.errors import InputError, NotFound
from graph.model import Label, Rel
from queries.coverage import COVERAGE
from queries.impact import IMPACT, ImpactParams
from queries.scope import Scope


def ask(store, town=None, **kw):  # type: ignore[no-untyped-def]
    return IMPACT(store, Scope(town), ImpactParams.parse(kw))


def keys(refs):  # type: ignore[no-untyped-def]
    return [r.key for r in refs]


def fig(res, name):  # type: ignore[no-untyped-def]
    return next(f for f in res.figures if f.name == name)


def test_demo_point_po1(fx) -> None:  # type: ignore[no-untyped-def]
    r = ask(fx, keys=["PO1"]).impact
    assert [(e.node.key, e.kind) for e in r.removed] == [("PO1", "demo_point")]
    # PO1 is the only partner of O02 and of PO2
    assert [(x.label, x.key) for x in r.lost_pairing] == [("Organization", "O02"), ("PartyOrg", "PO2")]
    assert keys(r.lost_coverage) == ["O01"]  # PO1 covers O01 alone
    assert keys(r.lost_work_coverage) == ["O01"]  # no instructor serves O01 or PO1
    assert keys(r.lost_instructor) == []
    assert keys(r.members_to_transfer) == ["M01", "M02", "M03", "M04"]
    assert r.members_to_transfer_total == 4
    assert r.orphaned_party_orgs == []
    assert r.handoff.units == ["O01"] and r.handoff.forbidden_hosts == ["PO1"]
    npub = fig(r, "nonpublic")
    assert (npub.before, npub.after) == (npub.before, npub.before - 1)
    assert "2 家失去示范点帮扶" in r.summary_zh[0]


def test_demo_point_po4_with_instructor_and_children(fx) -> None:  # type: ignore[no-untyped-def]
    r = ask(fx, keys=["PartyOrg:PO4"]).impact
    assert [(x.label, x.key) for x in r.lost_pairing] == [("Organization", "O13"), ("PartyOrg", "PO5")]
    assert keys(r.lost_coverage) == ["O09"]
    # O09 was served by I1 through PO4; with PO4 gone it has neither coverage nor an instructor
    assert keys(r.lost_work_coverage) == ["O09"]
    assert keys(r.lost_instructor) == ["O09"]
    assert keys(r.members_to_transfer) == ["M12"]
    assert keys(r.orphaned_party_orgs) == ["PO5", "PO6"]


def test_instructor(fx) -> None:  # type: ignore[no-untyped-def]
    r = ask(fx, keys=["I1"]).impact
    assert r.removed[0].kind == "instructor"
    # I1 serves O13 directly (uncovered) and O09 through PO4 (still covered by PO4)
    assert keys(r.lost_work_coverage) == ["O13"]
    assert keys(r.lost_instructor) == ["O09", "O13"]
    assert keys(r.lost_coverage) == []
    assert keys(r.lost_helper) == ["O13"]  # I1 is O13's only helper
    assert r.handoff.removed_instructors == ["I1"] and r.handoff.units == []
    w = fig(r, "work_nonpublic")
    assert w.after == w.before - 1


def test_instructor_across_towns(fx) -> None:  # type: ignore[no-untyped-def]
    r = ask(fx, keys=["I3"]).impact
    assert keys(r.lost_work_coverage) == ["O02", "O16"]
    assert fig(r, "work_social").after == fig(r, "work_social").before - 1  # O16 is a 商会
    assert fig(r, "work_nonpublic").after == fig(r, "work_nonpublic").before - 1  # O02


def test_post_holders(fx) -> None:  # type: ignore[no-untyped-def]
    r = ask(fx, keys=["M01"]).impact
    assert [(v.party_org.key, v.post, v.member.key) for v in r.vacated_posts] == [("PO1", "书记", "M01")]
    assert keys(r.lost_helper) == ["O02"]  # M01 is O02's only helper
    assert r.below_standalone == []  # PO1 keeps 3 full members
    assert all(f.before == f.after for f in r.figures)
    both = ask(fx, keys=["M01", "M02"]).impact
    assert keys(both.below_standalone) == ["PO1"]  # 4 full members -> 2
    assert [v.post for v in both.vacated_posts] == ["书记", "委员"]


def test_set_removed_together(fx) -> None:  # type: ignore[no-untyped-def]
    r = ask(fx, keys=["PO1", "PO2"]).impact
    # PO2 is removed itself, so only O02 loses its partner
    assert [x.key for x in r.lost_pairing] == ["O02"]
    assert keys(r.lost_coverage) == ["O01", "O04", "O14"]
    assert r.members_to_transfer_total == 5  # M01-M04 in PO1, M16 in PO2
    assert r.handoff.units == ["O01", "O04", "O14"]
    assert r.handoff.forbidden_hosts == ["PO1", "PO2"]


@pytest.mark.parametrize(
    "removed",
    [
        [("PartyOrg", "PO1")],
        [("PartyOrg", "PO4")],
        [("Instructor", "I1")],
        [("Instructor", "I3")],
        [("PartyOrg", "PO5"), ("Instructor", "I1")],
        [("PartyOrg", "PO1"), ("PartyOrg", "PO2"), ("PartyOrg", "PO3")],
    ],
)
def test_figures_after_equal_coverage_with_the_entities_deleted(fx, removed) -> None:  # type: ignore[no-untyped-def]
    """The simulated figures equal the coverage question's on a graph where they are really gone."""
    res = ask(fx, keys=[f"{lab}:{k}" for lab, k in removed]).impact
    for lab, k in removed:
        fx.delete_nodes(Label(lab), [k])
    cov = COVERAGE(fx, Scope())
    two_total = cov.nonpublic.total + cov.social.total
    expected = {
        "nonpublic": cov.nonpublic.covered,
        "social": cov.social.covered,
        "work_nonpublic": cov.nonpublic.work_covered,
        "work_social": cov.social.work_covered,
        "work_two_new": cov.nonpublic.work_covered + cov.social.work_covered,
    }
    assert {f.name: f.after for f in res.figures} == expected
    assert fig(res, "work_two_new").total == two_total
    assert res.figures[0].before > res.figures[0].after or not res.lost_coverage


def test_ranking_of_demonstration_points(fx) -> None:  # type: ignore[no-untyped-def]
    r = ask(fx, rank="demo_point").ranking
    assert r.total == 3
    # PO1 and PO4 leave 2 partners each; PO1 moves 4 members, PO4 one; PO3 has no partner
    assert [i.entity.node.key for i in r.items] == ["PO1", "PO4", "PO3"]
    assert [i.score for i in r.items] == [2, 2, 0]
    assert r.items[0].sentence_zh.startswith("撤销该示范点 → 2 家失去帮扶")
    town = ask(fx, "T2", rank="demo_point").ranking
    assert [i.entity.node.key for i in town.items] == ["PO4"]
    assert len(ask(fx, rank="demo_point", top=1).ranking.items) == 1


def test_ranking_of_other_kinds(fx) -> None:  # type: ignore[no-untyped-def]
    ins = ask(fx, rank="instructor").ranking
    # I3 leaves O02 and O16 without work coverage, I1 O13, I2 O15
    assert [(i.entity.node.key, i.score) for i in ins.items] == [("I3", 2), ("I1", 1), ("I2", 1)]
    po = ask(fx, "T1", rank="party_org").ranking
    assert [i.entity.node.key for i in po.items] == ["PO2", "PO3", "PO1"]  # 2, 1 (5 members), 1 (4)
    posts = ask(fx, rank="post_holder").ranking
    assert posts.items[0].entity.node.key == "M01"  # the only post holder who is also a helper
    assert {i.entity.node.key for i in posts.items} == {"M01", "M02", "M12", "M14"}


def test_district_ranking_in_batches_equals_one_read(fx, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import queries.impact as qi

    kinds = ("demo_point", "instructor", "party_org", "post_holder")
    monkeypatch.setattr(qi, "RANK_BATCH", 2)
    batched = {k: qi.compute_ranking(fx, Scope(), k) for k in kinds}
    # the kind's neighbourhoods in a single read (what a town's ranking does)
    monkeypatch.setattr(qi, "_kind_facts", lambda st, sc, k: st.facts(qi.LOCAL_FACTS, qi.Focus(sc, kind=k)))
    for k in kinds:
        assert batched[k] == qi.compute_ranking(fx, Scope(), k), k
        assert batched[k].total > 2  # more than one batch


def test_district_ranking_is_kept_per_data_version(fx, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The district's ranking is a document stamped with the data version: read back while the
    data is unchanged (nothing computed), computed again once a domain write changes it."""
    import queries.impact as qi
    from queries.cache import clear

    computed: list[Scope] = []
    real = qi.compute_ranking
    monkeypatch.setattr(qi, "compute_ranking", lambda st, sc, k: computed.append(sc) or real(st, sc, k))
    first = ask(fx, rank="demo_point").ranking
    assert computed == [Scope()]
    assert fx.get_doc(qi.RANK_DOC, "demo_point")["data_version"] == fx.data_version()
    clear(fx)  # a new process, say: the answer cache is empty, the document is there
    assert ask(fx, rank="demo_point").ranking == first
    assert ask(fx, rank="demo_point", top=1).ranking.items == first.items[:1]
    assert computed == [Scope()]
    ask(fx, "T1", rank="demo_point")  # a town's ranking is computed, never kept
    assert computed == [Scope(), Scope("T1")]
    assert fx.get_doc(qi.RANK_DOC, "demo_point")["ranking"] == first.model_dump(mode="json")
    # PO3 (no partner so far) gets one: the data changes, the ranking is computed again
    pair = {"from": "PO3", "to": "O07", "rid": "kept-test", "props": {"pairing_type": "示范帮扶"}}
    fx.create_relationships(Rel.PAIRED_WITH, Label.PARTY_ORG, Label.ORGANIZATION, [pair])
    clear(fx)
    after = ask(fx, rank="demo_point").ranking
    assert computed[-1] == Scope() and len(computed) == 3
    assert {i.entity.node.key: i.score for i in after.items}["PO3"] == 1
    assert {i.entity.node.key: i.score for i in first.items}["PO3"] == 0


def test_town_scope_never_shows_another_town(fx) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFound):
        ask(fx, "T1", keys=["PO4"])
    with pytest.raises(NotFound):
        ask(fx, "T1", keys=["I3"])  # serves two towns: district level
    r = ask(fx, "T1", keys=["D1"]).impact  # a district-level body seen from T1
    seen = [*r.orphaned_party_orgs, *r.lost_coverage, *r.members_to_transfer, *r.lost_pairing]
    assert keys(r.orphaned_party_orgs) == ["NP", "PC1", "TC1"]
    assert all(n.town_code in (None, "T1") for n in seen)
    assert ask(fx, keys=["D1"]).impact.orphaned_party_orgs != r.orphaned_party_orgs


def test_bad_parameters(fx) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError):
        ask(fx)
    with pytest.raises(InputError):
        ask(fx, keys=["PO1"], rank="demo_point")
    with pytest.raises(InputError):
        ask(fx, keys=["Organization:O01"])
    with pytest.raises(InputError):
        ask(fx, rank="village")
    with pytest.raises(NotFound):
        ask(fx, keys=["NOPE"])
    with pytest.raises(InputError):
        ask(fx, keys=[f"K{i}" for i in range(60)])


def _everyone(store, town):  # type: ignore[no-untyped-def]
    """Every party organisation, instructor and member key of the graph (the widest focus)."""
    return tuple(
        sorted(
            {k for lab in (Label.PARTY_ORG, Label.INSTRUCTOR, Label.MEMBER) for k in store.fetch_nodes(lab)}
        )
    )


# Relationships that make neighbourhoods overlap (the fixture's pairings, coverage and helpers
# are one to one): O02 gets a second demonstration point and helper, O01 a second coverer.
SHARED = [
    (Rel.PAIRED_WITH, Label.PARTY_ORG, Label.ORGANIZATION, "PO4", "O02"),
    (Rel.HELPS_BUILD, Label.INSTRUCTOR, Label.ORGANIZATION, "I2", "O02"),
    (Rel.COVERS, Label.PARTY_ORG, Label.ORGANIZATION, "PO3", "O01"),
]


@pytest.mark.parametrize("shared", [False, True])
def test_impact_is_local_to_the_neighbourhood(fx, shared) -> None:  # type: ignore[no-untyped-def]
    """Each removal over its own neighbourhood's facts equals the same removal over the facts of
    every entity at once: the local facts hold all the removal examines."""
    from queries.impact import LOCAL_FACTS, Focus, _entity_impact, _model

    for rel, a, b, x, y in SHARED if shared else []:
        fx.create_relationships(rel, a, b, [{"from": x, "to": y, "rid": f"shared-{x}-{y}", "props": {}}])
    if shared:  # the overlap is there: O02 keeps PO4 when PO1 goes
        assert keys(ask(fx, keys=["PO1"]).impact.lost_pairing) == ["PO2"]
    checked = 0
    for town in (None, "T1", "T2"):
        scope = Scope(town)
        everyone = _model(fx.facts(LOCAL_FACTS, Focus(scope, keys=_everyone(fx, town))))
        sets = [(k,) for k in sorted(everyone.pos) + sorted(everyone.instructors) + sorted(everyone.members)]
        sets += [("PO1", "PO2"), ("M01", "M02"), ("PO5", "I1"), ("PO1", "M01")]
        for ks in sets:
            try:
                whole = _entity_impact(fx, scope, everyone, ks)
            except NotFound:
                continue  # another town's entity (a party organisation's member, say)
            local = fx.facts(LOCAL_FACTS, Focus(scope, keys=ks))
            assert len(local.orgs) <= len(everyone.f.orgs)
            assert _entity_impact(fx, scope, _model(local), ks) == whole, (town, ks)
            checked += 1
    assert checked > 60
    # bounded: one demonstration point's facts are a part of the graph, not all of it
    one = fx.facts(LOCAL_FACTS, Focus(Scope(), keys=("PO3",)))
    assert 0 < len(one.party_orgs) < len(everyone.f.party_orgs)


@pytest.mark.neo4j
def test_facts_equal_on_both_backends(embedded_store, neo4j_store) -> None:  # type: ignore[no-untyped-def]
    from queries.impact import LOCAL_FACTS, Focus
    from tests.fixtures import load_fixture

    load_fixture(embedded_store)
    load_fixture(neo4j_store)
    for town in (None, "T1", "T2", "T3"):
        scope = Scope(town)
        focuses = [Focus(scope, kind=k) for k in ("demo_point", "instructor", "party_org", "post_holder")]
        focuses += [
            Focus(scope, keys=_everyone(embedded_store, town)),
            Focus(scope, keys=("D1", "I3", "M01")),
        ]
        for f in focuses:
            a = embedded_store.facts(LOCAL_FACTS, f)
            assert a == neo4j_store.facts(LOCAL_FACTS, f), f
        assert embedded_store.facts(LOCAL_FACTS, focuses[4]).orgs  # every entity: the scope's organisations
    assert (
        len(embedded_store.facts(LOCAL_FACTS, Focus(Scope(), kind="demo_point")).pairs) == 4
    )  # four pairings
