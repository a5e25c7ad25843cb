"""Neo4j first load: nodes and relationships created without lookups, the secondary indexes built
after the data (all ONLINE when the load returns), retired indexes dropped; the graph is the same."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import graph.loaders.load as load_mod
from graph.loaders.load import load_roster
from graph.schema import RETIRED_INDEXES, index_names
from tests.loaders.test_reload_delta import A
from tests.loaders.workbooks import write_xlsx

pytestmark = pytest.mark.neo4j


def _indexes(store: Any) -> dict[str, str]:
    return {r["name"]: r["state"] for r in store.read("SHOW INDEXES YIELD name, state RETURN name, state")}


def test_indexes_built_after_the_data_are_online_and_the_graph_is_the_same(
    neo4j_store: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_xlsx(tmp_path / "a.xlsx", A)
    assert load_roster(path, neo4j_store).exit_code == 0  # small: indexes kept up as it writes
    plain = neo4j_store.dump()
    neo4j_store.wipe()
    dropped: list[str] = []
    real_write = neo4j_store.write

    def spy(text: str, *args: Any, **kw: Any) -> Any:
        if text.startswith("DROP INDEX"):
            dropped.append(text.split()[2])
        return real_write(text, *args, **kw)

    monkeypatch.setattr(neo4j_store, "write", spy)
    monkeypatch.setattr(load_mod, "INDEXES_AFTER_ITEMS", 0)  # as a large first load does
    assert load_roster(path, neo4j_store).exit_code == 0
    assert set(index_names()) <= set(dropped)
    state = _indexes(neo4j_store)
    assert all(state.get(name) == "ONLINE" for name in index_names()), state
    assert not set(RETIRED_INDEXES) & set(state)
    assert neo4j_store.dump() == plain


def test_a_retired_index_is_dropped_by_apply_schema(neo4j_store: Any) -> None:
    name = RETIRED_INDEXES[0]
    rel = name.removeprefix("rel_").removesuffix("_rid").upper()
    neo4j_store.write(f"CREATE INDEX {name} IF NOT EXISTS FOR ()-[r:`{rel}`]-() ON (r.rid)")
    assert name in _indexes(neo4j_store)
    neo4j_store.apply_schema()
    assert name not in _indexes(neo4j_store)


def test_a_first_load_finds_the_ends_it_created_by_id_and_the_rest_by_key(
    neo4j_store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graph.model import Label, Rel

    org, town = Label.ORGANIZATION, Label.TOWN
    neo4j_store.apply_schema()
    neo4j_store.upsert_nodes(town, [{"town_code": "T0", "town_name": "旧镇"}])  # there before the load
    texts: list[str] = []
    real_write = neo4j_store.write

    def spy(text: str, *args: Any, **kw: Any) -> Any:
        texts.append(text)
        return real_write(text, *args, **kw)

    monkeypatch.setattr(neo4j_store, "write", spy)
    rows = [
        {"from": "O1", "to": "T1", "rid": "", "props": {}},
        {"from": "O2", "to": "T0", "rid": "", "props": {}},  # an end the load did not create
        {"from": "O2", "to": "T1", "rid": "r9", "props": {"since": "2011-01-01", "x": None}},
        {"from": "O1", "to": "T1", "rid": "", "props": {}},  # a repeat: written once
    ]
    with neo4j_store.bulk():
        neo4j_store.create_nodes(town, [{"town_code": "T1", "town_name": "新镇"}])
        neo4j_store.create_nodes(org, [{"uscc": "O1", "org_name": "甲"}, {"uscc": "O2", "org_name": "乙"}])
        assert neo4j_store.create_relationships(Rel.LOCATED_IN, org, town, rows) == 3
    assert not neo4j_store._created  # forgotten with the load
    assert any("id(a) = row[0]" in t for t in texts) and any("row.from" in t for t in texts)
    assert neo4j_store.fetch_relationships(Rel.LOCATED_IN) == [
        ("Organization:O1", "Town:T1", "", {}),
        ("Organization:O2", "Town:T0", "", {}),
        ("Organization:O2", "Town:T1", "r9", {"since": "2011-01-01"}),
    ]
    # an empty rid is not stored (readers take a missing one as ""); a real one is
    stored = neo4j_store.read("MATCH ()-[r:LOCATED_IN]->() RETURN r.rid AS rid ORDER BY rid")
    assert [r["rid"] for r in stored] == ["r9", None, None]


def test_apply_schema_writes_only_what_is_missing(neo4j_store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    neo4j_store.apply_schema()
    ddl: list[str] = []
    real_write = neo4j_store.write

    def spy(text: str, *args: Any, **kw: Any) -> Any:
        if text.startswith(("CREATE", "DROP")):
            ddl.append(text)
        return real_write(text, *args, **kw)

    monkeypatch.setattr(neo4j_store, "write", spy)
    neo4j_store.apply_schema()
    assert ddl == []  # up to date: nothing but the look at the names
    gone = index_names()[0]
    real_write(f"DROP INDEX {gone}", name="schema")
    neo4j_store.write(f"CREATE INDEX {RETIRED_INDEXES[0]} IF NOT EXISTS FOR ()-[r:`COVERS`]-() ON (r.rid)")
    ddl.clear()
    neo4j_store.apply_schema()
    assert [t.split()[2] for t in ddl] == [RETIRED_INDEXES[0], gone]
    state = _indexes(neo4j_store)
    assert gone in state and RETIRED_INDEXES[0] not in state
