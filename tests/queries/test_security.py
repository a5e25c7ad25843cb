"""Hostile keys are answered "not found" without running; a town user never sees another town."""

from __future__ import annotations

import re
from typing import Any

import pytest

import queries
from graph.errors import NotFound
from tests.fixtures import INSTRUCTORS, MEMBERS, ORGS, PARKS, PARTY_ORGS, TOWNS, VILLAGES

HOSTILE = [
    "O01' OR '1'='1",
    'O01" RETURN 1 //',
    "back`tick`) DETACH DELETE n //",
    "}) MATCH (x) DETACH DELETE x //",
    "{x: 1}",
    "MATCH (n) DETACH DELETE n",
    "O01;DROP",
    "PO1\n",
    "",
    "x" * 500,
]


@pytest.mark.parametrize("key", HOSTILE)
def test_hostile_keys_are_not_found(fx, key) -> None:  # type: ignore[no-untyped-def]
    before = fx.counts()
    calls = [
        lambda: queries.organization(fx, key),
        lambda: queries.party_org(fx, key),
        lambda: queries.membership(fx, member_id=key),
        lambda: queries.path(fx, source=key, target="O01"),
        lambda: queries.path(fx, source="O01", target=f"Organization:{key}"),
        lambda: queries.ego(fx, key=key),
        lambda: queries.COVERAGE(fx, queries.Scope(key)),
        lambda: queries.GAPS(fx, queries.Scope(key)),
        lambda: queries.GAPS(fx, park=key),
        lambda: queries.pairing(fx, town=key),
        lambda: queries.centrality(fx, town=key),
        lambda: queries.org_tree(fx, town=key),
    ]
    for call in calls:
        with pytest.raises(NotFound):
            call()
    assert fx.counts() == before


def test_search_text_is_only_a_value(fx) -> None:  # type: ignore[no-untyped-def]
    for q in HOSTILE[:6]:
        assert queries.search(fx, q) == []
    assert fx.counts()["nodes"]["Organization"] == 16


# --- town scope ------------------------------------------------------------------------

TOWN_OF: dict[str, str | None] = {}
for rows, label, key in (
    (TOWNS, "Town", "town_code"),
    (PARKS, "Park", "park_code"),
    (VILLAGES, "Village", "village_code"),
    (ORGS, "Organization", "uscc"),
    (PARTY_ORGS, "PartyOrg", "party_org_code"),
    (MEMBERS, "Member", "member_id"),
    (INSTRUCTORS, "Instructor", "instructor_id"),
):
    for r in rows:
        TOWN_OF[f"{label}:{r[key]}"] = r.get("town_code")
_ID = re.compile(r"^(Town|Park|Village|Organization|PartyOrg|Member|Instructor):(.+)$")


def visible(nid: str, town: str) -> bool:
    t = TOWN_OF[nid]
    return t == town or (nid.startswith("PartyOrg:") and t is None)


def entities_in(obj: Any, out: set[str]) -> set[str]:
    """Every entity an answer mentions: NodeRef-shaped dicts and "Label:key" strings."""
    if isinstance(obj, dict):
        if {"label", "key"} <= obj.keys() and obj.get("label") in {
            "Town",
            "Park",
            "Village",
            "Organization",
            "PartyOrg",
            "Member",
            "Instructor",
        }:
            out.add(f"{obj['label']}:{obj['key']}")
        for v in obj.values():
            entities_in(v, out)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            entities_in(v, out)
    elif isinstance(obj, str) and _ID.match(obj):
        out.add(obj)
    return out


def answers_for(store, town):  # type: ignore[no-untyped-def]
    return {
        "coverage": queries.COVERAGE(store, queries.Scope(town), by="association"),
        "gaps": queries.GAPS(store, queries.Scope(town), limit=None),
        "path": queries.path(store, source="M03", target="TC1", town=town, limit=100),
        "path2": queries.path(store, source="O02", target="D0", town=town, limit=100),
        "membership": queries.membership(store, member_id="M03", town=town),
        "inconsistencies": queries.membership_inconsistencies(store, town=town),
        "pairing": queries.pairing(store, town=town),
        "village": queries.pairing(store, town=town, pairing_type="村企联建"),
        "centrality": [
            queries.centrality(store, town=town, network=n, top=1000)
            for n in ("pairing", "organisation", "membership")
        ],
        "ego": queries.ego(store, key="D1", hops=3, town=town),
        "ego2": queries.ego(store, key="T1", hops=3, town=town),
        "organization": queries.organization(store, "O02", town=town),
        "party_org": queries.party_org(store, "D1", town=town),
        "search": queries.search(store, "公司", town=town, limit=100),
        "tree": queries.org_tree(store, town=town),
    }


def test_town_user_never_sees_another_town(fx) -> None:  # type: ignore[no-untyped-def]
    answers = answers_for(fx, "T1")
    for name, ans in answers.items():
        dump = [a.model_dump() for a in ans] if isinstance(ans, list) else ans.model_dump()
        seen = entities_in(dump, set())
        assert seen, name
        leaked = sorted(n for n in seen if not visible(n, "T1"))
        assert leaked == [], f"{name} leaks {leaked}"


def test_unscoped_does_see_them(fx) -> None:  # type: ignore[no-untyped-def]
    # the check above can fail: without a scope the same questions mention other towns
    seen: set[str] = set()
    for ans in answers_for(fx, None).values():
        dump = [a.model_dump() for a in ans] if isinstance(ans, list) else ans.model_dump()
        entities_in(dump, seen)
    assert {"PartyOrg:TC2", "Instructor:I3", "Organization:O09"} <= seen
