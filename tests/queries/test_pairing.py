"""Pairing networks: 示范帮扶 and 村企联建 on the fixture."""

from __future__ import annotations

import pytest

from graph.errors import InputError
from queries.pairing import PAIRING
from queries.scope import Scope


def test_demo_network(fx) -> None:  # type: ignore[no-untyped-def]
    res = PAIRING(fx)
    assert [n.id for n in res.nodes] == [
        "Organization:O02",
        "Organization:O13",
        "PartyOrg:PO1",
        "PartyOrg:PO2",
        "PartyOrg:PO3",
        "PartyOrg:PO4",
        "PartyOrg:PO5",
    ]
    assert [(e.source, e.target) for e in res.edges] == [
        ("PartyOrg:PO1", "Organization:O02"),
        ("PartyOrg:PO1", "PartyOrg:PO2"),
        ("PartyOrg:PO4", "Organization:O13"),
        ("PartyOrg:PO4", "PartyOrg:PO5"),
    ]
    assert res.edges[0].properties == {"pairing_type": "示范帮扶", "since": "2011-03-01"}
    assert [p.key for p in res.unpaired_points] == ["PO3"]
    assert [o.key for o in res.uncovered_unpaired] == ["O03", "O07", "O15", "O16"]
    assert [(p.source.key, p.demo_tier, p.count) for p in res.partners] == [
        ("PO1", "区级", 2),
        ("PO4", "市级", 2),
        ("PO3", "镇街级", 0),
    ]
    assert res.components == [
        ["Organization:O02", "PartyOrg:PO1", "PartyOrg:PO2"],
        ["Organization:O13", "PartyOrg:PO4", "PartyOrg:PO5"],
        ["PartyOrg:PO3"],
    ]
    attrs = {n.id: n.attrs for n in res.nodes}
    assert attrs["Organization:O02"] == {"kind": "organization", "covered": False}
    assert attrs["PartyOrg:PO2"] == {"kind": "party_org", "demo_tier": None}


def test_tier_and_town(fx) -> None:  # type: ignore[no-untyped-def]
    res = PAIRING(fx, tier="市级")
    assert [p.source.key for p in res.partners] == ["PO4"]
    assert res.unpaired_points == []
    res = PAIRING(fx, Scope("T1"))
    assert [p.key for p in res.unpaired_points] == ["PO3"]
    assert [o.key for o in res.uncovered_unpaired] == ["O03", "O07"]
    assert len(res.components) == 2


def test_village_network(fx) -> None:  # type: ignore[no-untyped-def]
    res = PAIRING(fx, pairing_type="村企联建")
    assert [(e.source, e.target) for e in res.edges] == [
        ("Organization:O01", "Village:V2"),
        ("Organization:O09", "Village:V1"),
        ("Organization:O10", "Village:V1"),
    ]
    assert [v.key for v in res.unpaired_points] == ["V3"]
    assert res.components[0] == ["Organization:O09", "Organization:O10", "Village:V1"]
    assert [(p.source.key, p.count) for p in res.partners] == [("O01", 1), ("O09", 1), ("O10", 1)]
    res = PAIRING(fx, Scope("T3"), pairing_type="村企联建")
    assert (res.edges, [v.key for v in res.unpaired_points]) == ([], ["V3"])


def test_bad_arguments(fx) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError):
        PAIRING(fx, pairing_type="结对")
    with pytest.raises(InputError):
        PAIRING(fx, tier="省级")
