"""Centrality answers served from the district's stored summaries (issue 19), on both backends:
equal to a fresh computation, read without recomputing in another process, and never used once
a load has changed the graph."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

from graph.model import Label, Rel
from queries import cache
from queries.scope import Scope
from tests.fixtures import load_fixture

C = importlib.import_module("queries.centrality")  # the module, not queries.centrality()
NETWORKS = ("organisation", "pairing", "membership")


def fresh(store: Any, network: str, metric: str, town: str | None = None, **kw: Any) -> Any:
    """The answer computed from the graph now, bypassing every cache and stored document."""
    scope = Scope(town)
    topo = store.facts(C.TOPOLOGY, (network, scope))
    s = C.summarise(topo, "fresh", lambda ids: store.facts(C.NAMES, ids))[metric]
    p = C.CentralityParams.parse(network=network, metric=metric, **kw)
    return C._answer(s, network, metric, town, p)


def ask(store: Any, network: str, metric: str, town: str | None = None, **kw: Any) -> Any:
    p = C.CentralityParams.parse(network=network, metric=metric, **kw)
    return C.CENTRALITY(store, Scope(town), p)


def never(*_: Any, **__: Any) -> Any:
    raise AssertionError("recomputed although a stored summary was there")


def test_served_answer_equals_a_fresh_computation(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    load_fixture(store)
    C.precompute(store)
    cache.clear()  # another process: nothing in memory, the stored documents only
    monkeypatch.setattr(C, "summarise", never)
    served = {
        (n, m, kw): ask(store, n, m, **dict(kw))
        for n in NETWORKS
        for m in C.METRICS
        for kw in ((), (("top", 1000), ("include_leaves", True), ("cuts", 100)))
    }
    monkeypatch.undo()
    for (n, m, kw), got in served.items():
        assert got == fresh(store, n, m, **dict(kw)), (n, m, kw)
        assert got.items, (n, m)
    # a town's answers are computed on demand and equal a fresh computation too
    for m in C.METRICS:
        assert ask(store, "organisation", m, "T1", top=1000) == fresh(
            store, "organisation", m, "T1", top=1000
        )


def test_a_new_load_makes_the_old_result_unused(store: Any) -> None:
    load_fixture(store)
    C.precompute(store, ["organisation"])
    before = ask(store, "organisation", "degree", top=1000)
    stamp = store.get_doc(C.DOC_KIND, "organisation.degree")["data_version"]
    with store.bulk():  # a load: one more organisation, in 中山路街道
        store.upsert_nodes(Label.ORGANIZATION, [{"uscc": "O99", "org_name": "新单位", "town_code": "T1"}])
        store.upsert_relationships(
            Rel.LOCATED_IN, Label.ORGANIZATION, Label.TOWN, [{"from": "O99", "to": "T1", "rid": ""}]
        )
    after = ask(store, "organisation", "degree", top=1000)  # this process, its cache still warm
    assert after.node_count == before.node_count + 1
    assert "Organization:O99" in {i.node.id for i in after.items}
    assert after == fresh(store, "organisation", "degree", top=1000)
    assert store.get_doc(C.DOC_KIND, "organisation.degree")["data_version"] != stamp
    cache.clear()  # and another process reads the new one
    assert ask(store, "organisation", "degree", top=1000) == after
