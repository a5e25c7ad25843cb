"""The relationship ends the degree checks rely on (queries._common.has_in_cypher, issue 19).

``EXISTS { (o)<-[:COVERS]-() }`` stands for "some party organisation covers o" only because every
COVERS starts at a party organisation: graph.model.REL_ENDS, checked here on what the fixture and
the loader write, on both backends.
"""

from __future__ import annotations

from typing import Any

import pytest

from graph.model import REL_ENDS, Label, Rel
from graph.schema.cypher import covered_cypher, has_in_cypher, instructed_cypher
from tests.fixtures import load_fixture


def _ends_outside_model(store: Any) -> list[tuple[str, str, str]]:
    _nodes, rels = store.dump()
    bad = []
    for r in rels:
        starts, ends = REL_ENDS[Rel(r["type"])]
        if Label(r["from"].split(":")[0]) not in starts or Label(r["to"].split(":")[0]) not in ends:
            bad.append((r["type"], r["from"], r["to"]))
    return bad


def test_fixture_relationships_keep_to_their_model_ends(store: Any) -> None:
    load_fixture(store)
    assert _ends_outside_model(store) == []


def test_demo_load_keeps_to_the_model_ends(embedded_store: Any, tmp_path: Any) -> None:
    from graph.loaders.demo import generate
    from graph.loaders.load import load_roster

    book = tmp_path / "demo.xlsx"
    generate(book, scale=1, seed=2011)
    load_roster(book, embedded_store)
    assert embedded_store.counts()["relationships"]["COVERS"] > 0
    assert _ends_outside_model(embedded_store) == []


def test_degree_checks_only_where_one_label_starts_the_type() -> None:
    assert covered_cypher("o") == "EXISTS { (o)<-[:`COVERS`]-() }"
    assert "ASSIGNED_TO" in instructed_cypher("o")
    with pytest.raises(ValueError):
        has_in_cypher("o", Rel.HELPS_BUILD, Label.MEMBER)  # members and instructors both start it
    with pytest.raises(ValueError):
        has_in_cypher("o", Rel.COVERS, Label.ORGANIZATION)
