"""The store contract: both backends, same input, same answers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from graph.errors import StoreUnavailable
from graph.model import Label, Rel
from graph.store.base import export_dump

TOWNS = [
    {"town_code": "T1", "town_name": "中山路街道", "town_type": "街道"},
    {"town_code": "T2", "town_name": "青峰镇", "town_type": "镇"},
]
ORGS = [
    {"uscc": "O1", "org_name": "甲公司", "org_category": "非公企业", "town_code": "T1", "employees": 12},
    {"uscc": "O2", "org_name": "乙协会", "org_category": "行业协会", "town_code": "T2", "lat": 29.3},
]
HOSTILE = [
    "quote \" and ' here",
    "back`tick`) DETACH DELETE n //",
    "}) MATCH (x) DETACH DELETE x //",
    '=HYPERLINK("http://x","y")',
    "MERGE (n:Town {town_code:'X'}) RETURN n",
]


def load_small(store) -> None:  # type: ignore[no-untyped-def]
    store.apply_schema()
    with store.bulk():
        store.upsert_nodes(Label.TOWN, TOWNS)
        store.upsert_nodes(Label.ORGANIZATION, ORGS)
        store.upsert_relationships(
            Rel.LOCATED_IN,
            Label.ORGANIZATION,
            Label.TOWN,
            [{"from": "O1", "to": "T1", "rid": ""}, {"from": "O2", "to": "T2", "rid": ""}],
        )
        store.upsert_relationships(
            Rel.IN_ASSOCIATION, Label.ORGANIZATION, Label.ORGANIZATION, [{"from": "O1", "to": "O2"}]
        )


def test_counts_after_upsert(store) -> None:  # type: ignore[no-untyped-def]
    load_small(store)
    c = store.counts()
    assert c["nodes"]["Town"] == 2
    assert c["nodes"]["Organization"] == 2
    assert c["nodes"]["Member"] == 0
    assert c["relationships"]["LOCATED_IN"] == 2
    assert c["relationships"]["IN_ASSOCIATION"] == 1


def test_upserts_are_idempotent(store) -> None:  # type: ignore[no-untyped-def]
    load_small(store)
    first = store.dump()
    load_small(store)
    assert store.dump() == first


def test_upsert_replaces_properties(store) -> None:  # type: ignore[no-untyped-def]
    load_small(store)
    store.upsert_nodes(
        Label.ORGANIZATION, [{"uscc": "O1", "org_name": "甲公司（新）", "org_category": "非公企业"}]
    )
    props = store.fetch_nodes(Label.ORGANIZATION, ["O1"])["O1"]
    assert props == {"uscc": "O1", "org_name": "甲公司（新）", "org_category": "非公企业"}


def test_relationships_with_rid_are_distinct(store) -> None:  # type: ignore[no-untyped-def]
    load_small(store)
    store.upsert_nodes(Label.INSTRUCTOR, [{"instructor_id": "I1", "name": "张三"}])
    rows = [
        {
            "from": "I1",
            "to": "O1",
            "rid": "2011-01-05|电话",
            "props": {"date": "2011-01-05", "method": "电话"},
        },
        {
            "from": "I1",
            "to": "O1",
            "rid": "2011-02-05|走访",
            "props": {"date": "2011-02-05", "method": "走访"},
        },
    ]
    assert store.upsert_relationships(Rel.CONTACTED, Label.INSTRUCTOR, Label.ORGANIZATION, rows) == 2
    store.upsert_relationships(Rel.CONTACTED, Label.INSTRUCTOR, Label.ORGANIZATION, rows)
    assert store.counts()["relationships"]["CONTACTED"] == 2
    assert store.delete_relationships(Rel.CONTACTED, rows[:1]) == 1
    rels = store.fetch_relationships(Rel.CONTACTED)
    assert rels == [
        ("Instructor:I1", "Organization:O1", "2011-02-05|走访", {"date": "2011-02-05", "method": "走访"})
    ]


def test_missing_end_writes_nothing(store) -> None:  # type: ignore[no-untyped-def]
    load_small(store)
    n = store.upsert_relationships(
        Rel.LOCATED_IN, Label.ORGANIZATION, Label.TOWN, [{"from": "O1", "to": "NOPE"}]
    )
    assert n == 0


def test_delete_outgoing_and_nodes(store) -> None:  # type: ignore[no-untyped-def]
    load_small(store)
    assert store.delete_outgoing(Label.ORGANIZATION, ["O1"], [Rel.LOCATED_IN]) == 1
    c = store.counts()["relationships"]
    assert (c["LOCATED_IN"], c["IN_ASSOCIATION"]) == (1, 1)
    assert store.delete_nodes(Label.ORGANIZATION, ["O2"]) == 1
    c = store.counts()
    assert c["nodes"]["Organization"] == 1
    assert c["relationships"]["IN_ASSOCIATION"] == 0
    assert c["relationships"]["LOCATED_IN"] == 0


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_values_are_stored_verbatim(store, text: str) -> None:  # type: ignore[no-untyped-def]
    load_small(store)
    store.upsert_nodes(Label.TOWN, [{"town_code": text, "town_name": text}])
    got = store.fetch_nodes(Label.TOWN, [text])
    assert got == {text: {"town_code": text, "town_name": text}}
    assert store.counts()["nodes"]["Town"] == 3
    assert store.counts()["nodes"]["Organization"] == 2


def test_keys_are_unique(store) -> None:  # type: ignore[no-untyped-def]
    load_small(store)
    store.upsert_nodes(
        Label.TOWN, [{"town_code": "T1", "town_name": "x"}, {"town_code": "T1", "town_name": "y"}]
    )
    assert store.counts()["nodes"]["Town"] == 2
    assert store.fetch_nodes(Label.TOWN, ["T1"])["T1"]["town_name"] == "y"


def test_projection_is_deterministic(store) -> None:  # type: ignore[no-untyped-def]
    load_small(store)
    g = store.projection([Label.TOWN, Label.ORGANIZATION], [Rel.LOCATED_IN, Rel.IN_ASSOCIATION])
    assert list(g.nodes) == ["Organization:O1", "Organization:O2", "Town:T1", "Town:T2"]
    assert sorted(g.edges) == [
        ("Organization:O1", "Organization:O2"),
        ("Organization:O1", "Town:T1"),
        ("Organization:O2", "Town:T2"),
    ]
    assert g.nodes["Organization:O1"]["name"] == "甲公司"


@pytest.mark.parametrize("fmt", ["json", "graphml"])
def test_export_readable(store, tmp_path: Path, fmt: str) -> None:  # type: ignore[no-untyped-def]
    load_small(store)
    out = tmp_path / f"g.{fmt}"
    export_dump(*store.dump(), fmt, out)
    if fmt == "json":
        data = json.loads(out.read_text(encoding="utf-8"))
        assert len(data["nodes"]) == 4 and len(data["relationships"]) == 3
    else:
        g = nx.read_graphml(out)
        assert g.number_of_nodes() == 4 and g.number_of_edges() == 3
        assert g.nodes["Organization:O2"]["lat"] == 29.3


def test_version_changes_on_write(store) -> None:  # type: ignore[no-untyped-def]
    load_small(store)
    before = store.version()
    assert store.version() == before
    store.upsert_nodes(Label.TOWN, [{"town_code": "T9", "town_name": "新镇"}])
    assert store.version() != before


def test_backends_agree(embedded_store, neo4j_store) -> None:  # type: ignore[no-untyped-def]
    load_small(embedded_store)
    load_small(neo4j_store)
    assert embedded_store.counts() == neo4j_store.counts()
    assert embedded_store.dump() == neo4j_store.dump()


test_backends_agree = pytest.mark.neo4j(test_backends_agree)


@pytest.mark.neo4j
def test_unreachable_neo4j_raises_store_unavailable() -> None:
    from graph.store.neo4j import Neo4jStore

    store = Neo4jStore("neo4j://127.0.0.1:1", "neo4j", "x", connection_timeout=1.0)
    with pytest.raises(StoreUnavailable) as info:
        store.counts()
    assert "127.0.0.1:1" in info.value.message_zh
    store.close()


@pytest.mark.neo4j
def test_wipe_refuses_remote() -> None:
    from graph.errors import ConfigError
    from graph.store.neo4j import Neo4jStore

    store = Neo4jStore("neo4j://db.example.org:7687", "neo4j", "x")
    with pytest.raises(ConfigError):
        store.wipe()
    store.close()


@pytest.mark.neo4j
def test_dead_neo4j_fails_fast_with_default_timeouts() -> None:
    import time

    from graph.store.neo4j import Neo4jStore

    store = Neo4jStore("neo4j://127.0.0.1:1", "neo4j", "x")
    start = time.monotonic()
    with pytest.raises(StoreUnavailable):
        store.fetch_nodes(Label.TOWN, ["T1"])
    assert time.monotonic() - start < 6.0  # short retry, so an API answers 503 within seconds
    store.close()


@pytest.mark.neo4j
def test_neo4j_timeouts_are_configurable() -> None:
    import time

    from graph.errors import ConfigError
    from graph.store.neo4j import Neo4jStore

    store = Neo4jStore(
        "neo4j://127.0.0.1:1",
        "neo4j",
        "x",
        connection_acquisition_timeout=2.0,
        max_transaction_retry_time=1.0,
    )
    start = time.monotonic()
    with pytest.raises(StoreUnavailable):
        store.counts()
    assert time.monotonic() - start < 4.0
    store.close()
    with pytest.raises(ConfigError):
        Neo4jStore("neo4j://127.0.0.1:1", "neo4j", "x", max_transaction_retry_time=-1)


def test_documents_round_trip_outside_the_domain_graph(store) -> None:  # type: ignore[no-untyped-def]
    load_small(store)
    before_counts, before_dump = store.counts(), store.dump()
    doc = {"name": "方案一", "rows": [{"org": "O1", "formation": "单独建"}], "n": 3}
    store.put_doc("plan", "p1", doc)
    store.put_doc("plan", "p0", {"name": "方案零"})
    store.put_doc("note", "T1", {"type": "Feature"})
    assert store.get_doc("plan", "p1") == doc
    assert [d["name"] for d in store.list_docs("plan")] == ["方案零", "方案一"]  # sorted by id
    assert store.get_doc("plan", "missing") is None
    # documents are invisible to every domain read
    assert store.counts() == before_counts
    assert store.dump() == before_dump
    store.put_doc("plan", "p1", {"name": "方案一（改）"})
    assert store.get_doc("plan", "p1") == {"name": "方案一（改）"}
    assert store.delete_doc("plan", "p0") is True
    assert store.delete_doc("plan", "p0") is False
    assert [d["name"] for d in store.list_docs("plan")] == ["方案一（改）"]
    assert store.list_docs("note") == [{"type": "Feature"}]


def test_documents_persist_across_reopen(tmp_path: Path) -> None:
    from graph.store.embedded import EmbeddedStore

    first = EmbeddedStore(tmp_path)
    first.put_doc("plan", "p1", {"name": "方案一"})
    first.close()
    assert EmbeddedStore(tmp_path).get_doc("plan", "p1") == {"name": "方案一"}


def test_a_relationship_without_rid_is_deleted_by_its_ends(store: Any) -> None:
    # a node sheet's relationship has rid "" (not stored on Neo4j): deleting it names its ends
    store.upsert_nodes(Label.PARTY_ORG, [{"party_org_code": "PZ1", "party_org_name": "甲"}])
    orgs = [{"uscc": "OZ1", "org_name": "乙"}, {"uscc": "OZ2", "org_name": "丙"}]
    store.upsert_nodes(Label.ORGANIZATION, orgs)
    rows = [{"from": "PZ1", "to": k, "rid": "", "props": {}} for k in ("OZ1", "OZ2")]
    store.upsert_relationships(Rel.COVERS, Label.PARTY_ORG, Label.ORGANIZATION, rows)
    assert store.delete_relationships(Rel.COVERS, [{"from": "PZ1", "to": "OZ1", "rid": ""}]) == 1
    assert [(u, v) for u, v, _r, _p in store.fetch_relationships(Rel.COVERS)] == [
        ("PartyOrg:PZ1", "Organization:OZ2")
    ]
