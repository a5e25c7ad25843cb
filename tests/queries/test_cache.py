"""Cached facts follow the graph: a write (through any store object) changes the next answer."""

from __future__ import annotations

import time

import queries
from graph.model import Label, Rel
from queries.entities import ORG_TREE
from queries.membership import INCONSISTENCIES
from queries.pairing import PAIRING
from queries.scope import Scope


def test_answers_follow_writes(fx) -> None:  # type: ignore[no-untyped-def]
    before = queries.GAPS(fx, queries.Scope("T1"))
    assert [e.org.key for e in before.entries] == ["O07", "O03", "O02"]
    assert queries.COVERAGE(fx, queries.Scope("T1")).nonpublic.covered == 3
    assert queries.centrality(fx, network="pairing", town="T1").node_count == 5
    assert INCONSISTENCIES(fx, Scope("T1")).total == 9

    # another process (another store object on the same data) builds a branch for O07
    if fx.backend == "embedded":
        from graph.store.embedded import EmbeddedStore

        other = EmbeddedStore(fx.home)
    else:
        from graph.store.neo4j import Neo4jStore
        from tests.conftest import neo4j_settings

        s = neo4j_settings()
        other = Neo4jStore(fx.uri, s.neo4j_user, s.neo4j_password.get_secret_value(), fx.database)
    with other.bulk():
        other.upsert_nodes(
            Label.PARTY_ORG,
            [
                {
                    "party_org_code": "PO7",
                    "party_org_name": "己科技公司党支部",
                    "level": "党支部",
                    "kind": "组织党组织",
                    "town_code": "T1",
                    "parent_code": "TC1",
                    "demo_tier": "镇街级",
                }
            ],
        )
        other.upsert_relationships(
            Rel.COVERS, Label.PARTY_ORG, Label.ORGANIZATION, [{"from": "PO7", "to": "O07", "rid": ""}]
        )
        other.upsert_relationships(
            Rel.REPORTS_TO, Label.PARTY_ORG, Label.PARTY_ORG, [{"from": "PO7", "to": "TC1", "rid": ""}]
        )
        other.delete_outgoing(Label.MEMBER, ["M08"], [Rel.RELATIONSHIP_IN])
        other.upsert_relationships(
            Rel.RELATIONSHIP_IN, Label.MEMBER, Label.PARTY_ORG, [{"from": "M08", "to": "PO7", "rid": ""}]
        )
    other.close()
    if fx.backend == "neo4j":
        # another process's write is seen once the reused version expires (at most version_ttl)
        time.sleep(fx.version_ttl)

    after = queries.GAPS(fx, queries.Scope("T1"))
    assert [e.org.key for e in after.entries] == ["O03", "O02"]
    assert queries.COVERAGE(fx, queries.Scope("T1")).nonpublic.covered == 4
    assert [p.key for p in PAIRING(fx, Scope("T1")).unpaired_points] == ["PO3", "PO7"]
    assert ORG_TREE(fx, Scope("T1")).total == 9  # D0 D1 NP TC1 PC1 PO1 PO2 PO3 + PO7
    # M08 now relates to PO7 (which covers O07), the other three members still do not
    items = INCONSISTENCIES(fx, Scope("T1")).items
    assert [(i.member.key, i.code) for i in items if i.member.key in ("M08", "M09")] == [
        ("M09", "relationship_not_covering_employer")
    ]


def test_nested_builds_never_deadlock() -> None:
    # an answer's build asks for facts: two keys that shared a lock stripe (1 and 65 of 64)
    # deadlocked the process; it must finish
    import threading

    from queries.cache import cached

    class Store:
        def version(self) -> str:
            return "v1"

    store, out = Store(), []

    def ask() -> None:
        out.append(cached(store, 1, lambda: cached(store, 65, lambda: "facts") + "+answer"))  # type: ignore[arg-type]

    t = threading.Thread(target=ask, daemon=True)
    t.start()
    t.join(timeout=5)
    assert out == ["facts+answer"]
