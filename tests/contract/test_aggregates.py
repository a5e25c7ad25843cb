"""The district aggregates kept with the graph (graph/aggregates.py) are exactly a full recount after
every kind of load, on both backends; the data version changes with domain writes only."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from graph import aggregates
from graph.loaders.load import load_roster
from graph.model import Label
from tests.loaders.test_reload_delta import A, _changed
from tests.loaders.workbooks import write_xlsx


def _exact(store: Any) -> None:
    assert aggregates.differences(store) == []
    assert aggregates.maintained(store, None) is not None  # the questions read these, not a recount


def test_every_kind_of_load_keeps_them_exact(store: Any, tmp_path: Path) -> None:
    a, b = write_xlsx(tmp_path / "a.xlsx", A), write_xlsx(tmp_path / "b.xlsx", _changed())
    assert load_roster(a, store).exit_code == 0  # first load
    _exact(store)
    kept = aggregates.maintained(store, None)
    assert kept is not None and set(kept) == {"T01", "T02"}
    assert any(c.covered for t in kept.values() for c in t.counts)
    version = store.data_version()
    assert load_roster(a, store).exit_code == 0  # reload, nothing changed (row-hash delta on Neo4j)
    _exact(store)
    assert store.data_version() != version  # a load is a domain write, changed or not
    assert load_roster(b, store).exit_code == 0  # reload with changed rows (U[3] is no longer covered)
    _exact(store)
    after = aggregates.maintained(store, None)
    assert after is not None and after != kept
    assert any(u.n for t in after.values() for u in t.uncovered)  # M2 counted: the test can fail
    assert load_roster(b, store, sync=True).exit_code == 0  # --sync removes the stale keyless rows
    _exact(store)
    assert load_roster(a, store, sync=True).exit_code == 0
    _exact(store)
    assert aggregates.maintained(store, None) == kept


def test_a_failed_load_leaves_them_stale_and_a_rerun_exact(
    store: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = write_xlsx(tmp_path / "a.xlsx", A), write_xlsx(tmp_path / "b.xlsx", _changed())
    assert load_roster(a, store).exit_code == 0
    real = store.upsert_relationships
    calls: list[int] = []

    def dies(*args: Any, **kw: Any) -> int:
        calls.append(1)
        if len(calls) > 1:
            raise OSError("the server went away")
        return real(*args, **kw)

    monkeypatch.setattr(store, "upsert_relationships", dies)
    monkeypatch.setattr(store, "create_relationships", dies)
    assert load_roster(b, store, sync=True).exit_code == 3
    if store.load_state() is not None:  # Neo4j: half written; never answered from the old figures
        assert aggregates.maintained(store, None) is None
    monkeypatch.setattr(store, "upsert_relationships", real)
    monkeypatch.undo()
    assert load_roster(b, store, sync=True).exit_code == 0  # the rerun completes it
    _exact(store)


def test_a_wrong_kept_value_is_caught(store: Any, tmp_path: Path) -> None:
    assert load_roster(write_xlsx(tmp_path / "a.xlsx", A), store).exit_code == 0
    _exact(store)
    unc, counts = f"{aggregates.TOWN_KIND}.uncovered", f"{aggregates.TOWN_KIND}.counts"
    doc = store.get_doc(unc, "T02")
    assert doc is not None and doc["rows"]
    doc["rows"][0][11] = not doc["rows"][0][11]  # one organisation's work-covered flag
    store.put_doc(unc, "T02", doc)  # a document: the data version stays
    assert any("T02" in d and "uncovered" in d for d in aggregates.differences(store))
    doc = store.get_doc(counts, "T01")
    doc["rows"][0][7] += 1  # one count
    store.put_doc(counts, "T01", doc)
    assert any("T01" in d and "counts" in d for d in aggregates.differences(store))
    hosts = f"{aggregates.TOWN_KIND}.hosts"
    doc = store.get_doc(hosts, "T01")
    assert doc is not None and doc["rows"]
    doc["rows"][0][6] = ["P9"]  # a host's parks
    store.put_doc(hosts, "T01", doc)
    assert any("T01" in d and "hosts" in d for d in aggregates.differences(store))


def test_a_direct_domain_write_makes_them_stale(store: Any, tmp_path: Path) -> None:
    assert load_roster(write_xlsx(tmp_path / "a.xlsx", A), store).exit_code == 0
    kept = aggregates.maintained(store, ("T01",))
    assert kept is not None and set(kept) == {"T01"}
    org = store.fetch_nodes(Label.ORGANIZATION, [A["组织"][1][0]])[A["组织"][1][0]]
    store.upsert_nodes(Label.ORGANIZATION, [{**org, "town_code": "T02"}])  # outside any load
    assert aggregates.maintained(store, None) is None  # readers recount instead
    assert aggregates.differences(store) == ["aggregates not kept for the current data version"]
    aggregates.refresh(store)
    _exact(store)


def test_the_data_version_moves_with_domain_writes_only(store: Any) -> None:
    store.apply_schema()
    v0, d0 = store.version(), store.data_version()
    store.put_doc("note", "n1", {"x": 1})
    assert store.data_version() == d0 and store.version() != v0  # documents: not data
    store.upsert_nodes(Label.TOWN, [{"town_code": "T9", "town_name": "九"}])
    d1 = store.data_version()
    assert d1 != d0
    with store.bulk():
        store.upsert_nodes(Label.TOWN, [{"town_code": "T8", "town_name": "八"}])
        store.delete_nodes(Label.TOWN, ["T9"])
    d2 = store.data_version()
    assert d2 != d1
    store.delete_doc("note", "n1")
    assert store.data_version() == d2
    store.wipe()
    assert store.data_version() != d2


def test_recount_sides_agree_on_the_demo(embedded_demo: Any) -> None:
    kept = aggregates.maintained(embedded_demo, None)
    assert kept is not None and len(kept) > 1
    _exact(embedded_demo)
    rows = [u for t in kept.values() for u in t.uncovered]
    assert any(u.paired for u in rows) and any(u.work for u in rows) and any(u.full >= 3 for u in rows)


@pytest.mark.neo4j
def test_recount_sides_agree_on_the_demo_neo4j(neo4j_demo: Any, embedded_demo: Any) -> None:
    _exact(neo4j_demo)
    assert aggregates.maintained(neo4j_demo, None) == aggregates.maintained(embedded_demo, None)
    a, b = aggregates.recount(neo4j_demo), aggregates.recount(embedded_demo)
    assert a == b
    t = next(iter(a))
    assert replace(a[t], counts=()) != a[t] or not a[t].counts


def test_the_district_coverage_from_its_views_equals_the_one_from_the_rows(
    store: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from queries import cache
    from queries.coverage import CoverageParams, coverage
    from queries.scope import Scope

    monkeypatch.setattr(aggregates, "CHUNK", 1)  # a page spans several chunks
    assert load_roster(write_xlsx(tmp_path / "b.xlsx", _changed()), store).exit_code == 0
    _exact(store)
    asked = [CoverageParams(by=by, offset=o, limit=2) for by in aggregates.GROUPINGS for o in range(3)]
    asked.append(CoverageParams(category="非公企业"))
    cache.clear()
    got = [coverage(store, Scope(None), p) for p in asked]
    assert any(g.uncovered for g in got)
    monkeypatch.setattr(aggregates, "district_view", lambda store, view: None)  # the rows' path
    cache.clear()
    assert [coverage(store, Scope(None), p) for p in asked] == got
