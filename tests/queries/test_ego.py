"""Ego networks: neighbourhoods, the cap, and the town scope."""

from __future__ import annotations

import pytest

from graph.errors import InputError, NotFound
from queries.ego import EGO
from queries.scope import Scope


def test_one_hop(fx) -> None:  # type: ignore[no-untyped-def]
    res = EGO(fx, key="O13")
    assert [(n.id, n.attrs["hop"]) for n in res.nodes] == [
        ("Organization:O13", 0),
        ("Instructor:I1", 1),
        ("PartyOrg:PO4", 1),
        ("Town:T2", 1),
    ]
    # I1 -> O13: ASSIGNED_TO, HELPS_BUILD, two CONTACTED; PO4 -> O13; O13 -> T2; I1 -> PO4; PO4 -> T2
    assert [e.type for e in res.edges] == [
        "ASSIGNED_TO",
        "ASSIGNED_TO",
        "CONTACTED",
        "CONTACTED",
        "HELPS_BUILD",
        "LOCATED_IN",
        "LOCATED_IN",
        "PAIRED_WITH",
    ]
    assert [e.properties.get("method") for e in res.edges if e.type == "CONTACTED"] == ["电话", "走访"]
    assert res.capped is False


def test_cap(fx) -> None:  # type: ignore[no-untyped-def]
    res = EGO(fx, key="T1", hops=2, cap=10)
    assert res.capped is True
    assert [n.id for n in res.nodes] == ["Town:T1"] + [
        f"Organization:{k}" for k in ("O01", "O02", "O03", "O04", "O05", "O06", "O07", "O08", "O14")
    ]
    ids = {n.id for n in res.nodes}
    assert all(e.source in ids and e.target in ids for e in res.edges)
    # exactly at the size of the neighbourhood: not capped
    full = EGO(fx, key="T3")
    assert len(full.nodes) == 5 and full.capped is False
    assert EGO(fx, key="T3", cap=5).capped is False
    assert EGO(fx, key="T3", cap=4).capped is True


def test_town_scope(fx) -> None:  # type: ignore[no-untyped-def]
    free = EGO(fx, key="O02")
    assert "Instructor:I3" in {n.id for n in free.nodes}
    scoped = EGO(fx, Scope("T1"), key="O02")
    assert [n.id for n in scoped.nodes] == [
        "Organization:O02",
        "Member:M01",
        "Member:M04",
        "Park:P1",
        "PartyOrg:PO1",
        "Town:T1",
    ]
    deep = EGO(fx, Scope("T1"), key="D1", hops=3)
    assert all(n.node.town_code in ("T1", None) for n in deep.nodes)
    assert all(n.node.town_code == "T1" or n.node.label == "PartyOrg" for n in deep.nodes)
    with pytest.raises(NotFound):
        EGO(fx, Scope("T1"), key="O09")


def test_bad_arguments(fx) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError):
        EGO(fx, key="O01", hops=4)
    with pytest.raises(NotFound):
        EGO(fx, key="Nobody")
