"""EXPLAIN every Cypher text the product runs, on the real Neo4j (issue 19).

The texts are collected, not listed: every fact set (``graph.store.base.FACT_SETS``, filled as the
``queries`` modules define them) and every public method of ``Neo4jStore`` must have run while the
recorder watched ``read``/``write``; a new one that no call below reaches fails the test until it
is added. Each text is then planned with the parameters it ran with, and the plan must hold no
``AllNodesScan`` (every node of the domain graph has a label, most an index) and no
``CartesianProduct`` whose two sides both scan (a seek, or a side aggregated to one row, is fine).

The plans also name the indexes they read: every index graph/schema builds must be read by some
plan (issue 19: an index no query reads costs every load its upkeep for nothing), except the few in
:data:`UNREAD_ALLOWED`, each with its reason. Retired ones go to ``graph.schema.RETIRED_INDEXES``.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import pytest

import queries
from graph import aggregates
from graph.errors import OrgGraphError
from graph.model import NODE_KEYS, Label, Rel
from graph.schema import INDEXED_PROPERTIES, INDEXED_REL_PROPERTIES, TEXT_INDEXED
from graph.store.base import FACT_SETS
from graph.store.neo4j import Neo4jStore
from queries.question import QUESTIONS as REGISTERED
from queries.scope import Scope
from tests.conftest import _open_neo4j
from tests.fixtures import load_fixture

pytestmark = pytest.mark.neo4j

# Methods that run no text of their own (read/write run everybody's; schema statements are DDL).
NO_TEXT = {"close", "ping", "facts", "bulk", "read", "write", "apply_schema"}
# Plans allowed to read every node: emptying the database takes documents and the load record too.
ALL_NODES_ALLOWED = {"wipe"}
# A side of a CartesianProduct this far above its scan yields one row (or a bounded few).
ROW_BOUNDING = {"EagerAggregation", "OrderedAggregation", "Limit", "Top", "Top1WithTies", "ExhaustiveLimit"}


# Schema indexes no plan reads, each with its reason (keep this short).
UNREAD_ALLOWED: dict[tuple[str, str], str] = {}
# "UNIQUE o:Organization(uscc)", "RANGE INDEX o:Member(name)", "RANGE INDEX (a)-[r:HELPS_BUILD(rid)]->(b)"
_INDEX_RE = re.compile(
    r"(TEXT )?(?:UNIQUE|INDEX) (?:\w+:`?(\w+)`?\(([\w, ]+)\)|\(\w*\)<?-\[\w+:`?(\w+)`?\(([\w, ]+)\)\])"
)


def _op(plan: Mapping[str, Any]) -> str:
    return str(plan["operatorType"]).split("@")[0]


def _scans_unbounded(plan: Mapping[str, Any]) -> bool:
    """Whether some scan leaf reaches this operator without an aggregation or limit between."""
    op = _op(plan)
    if op in ROW_BOUNDING:
        return False
    if op.endswith("Scan") and not plan.get("children"):
        return True
    return any(_scans_unbounded(c) for c in plan.get("children", []))


def plan_problems(plan: Mapping[str, Any]) -> list[str]:
    """What is wrong with one plan (operator names; empty when fine)."""
    out: list[str] = []
    op = _op(plan)
    kids = plan.get("children", [])
    if op == "AllNodesScan":
        out.append("AllNodesScan")
    if op == "CartesianProduct" and len(kids) == 2 and all(_scans_unbounded(k) for k in kids):
        out.append("CartesianProduct of two scans")
    for k in kids:
        out += plan_problems(k)
    return out


def indexes_read(plan: Mapping[str, Any]) -> set[tuple[str, str]]:
    """(label or type, property) of every index some operator of the plan reads."""
    out: set[tuple[str, str]] = set()
    for m in _INDEX_RE.finditer(str(plan.get("args", {}).get("Details", ""))):
        name, props = (m[2], m[3]) if m[2] else (m[4], m[5])
        kind = " (text)" if m[1] else ""  # a TEXT index beside a range one on the same property
        out |= {(name, prop.strip() + kind) for prop in props.split(",")}
    for k in plan.get("children", []):
        out |= indexes_read(k)
    return out


def schema_indexes() -> set[tuple[str, str]]:
    """The indexes graph/schema builds beside its key constraints (a constraint's own index is
    read by every MERGE and key look-up, and is not ours to drop)."""
    nodes = {(lab.value, prop) for lab, props in INDEXED_PROPERTIES.items() for prop in props}
    nodes |= {(lab.value, prop + " (text)") for lab, prop in TEXT_INDEXED.items()}
    return nodes | {(rel.value, prop) for rel, props in INDEXED_REL_PROPERTIES.items() for prop in props}


class Recorder:
    """Wraps a Neo4jStore's ``read``/``write``/``facts`` and public methods: what ran, with what."""

    def __init__(self, store: Neo4jStore) -> None:
        self.store = store
        self.texts: dict[str, tuple[dict[str, Any], str]] = {}  # text -> (first params, name)
        self.fact_sets: set[str] = set()
        self.methods: set[str] = set()
        self.current = ""
        read, write, facts = store.read, store.write, store.facts

        def rec_read(text: str, params: Mapping[str, Any] | None = None, name: str = "read") -> Any:
            self.texts.setdefault(text, (dict(params or {}), self.current or name))
            return read(text, params, name)

        def rec_write(text: str, params: Mapping[str, Any] | None = None, name: str = "write") -> Any:
            if name != "schema":
                self.texts.setdefault(text, (dict(params or {}), self.current or name))
            return write(text, params, name)

        def rec_facts(fs: Any, params: Any) -> Any:
            self.fact_sets.add(fs.name)
            return facts(fs, params)

        store.read, store.write, store.facts = rec_read, rec_write, rec_facts  # type: ignore[method-assign]
        for name in self.public_methods():
            if name not in NO_TEXT:
                setattr(store, name, self._watch(name, getattr(store, name)))

    @staticmethod
    def public_methods() -> set[str]:
        return {n for n, f in vars(Neo4jStore).items() if inspect.isfunction(f) and not n.startswith("_")}

    def _watch(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def run(*a: Any, **kw: Any) -> Any:
            self.methods.add(name)
            outer, self.current = self.current, self.current or name
            try:
                return fn(*a, **kw)
            finally:
                self.current = outer

        return run


def _quiet(fn: Callable[[], Any]) -> None:
    # a scoped question about another town's entity raises: its texts ran all the same
    with contextlib.suppress(OrgGraphError):
        fn()


def _exercise(store: Any) -> None:
    """Everything the product asks of Neo4j, on the fixture graph."""
    from queries.entities import SearchQuery
    from queries.lookup import LookupParams
    from queries.plan_facts import UNITS_NOW
    from tests.queries.test_contract import QUESTIONS

    for m in pkgutil.walk_packages(queries.__path__, "queries."):
        importlib.import_module(m.name)  # every fact set registers itself
    store.begin_load({"started_at": "2026-12-02T00:00:00", "source": "x.xlsx"})
    store.load_state()
    load_fixture(store)
    store.end_load()
    for _name, ask in QUESTIONS:
        _quiet(partial(ask, store))
    for q in REGISTERED.values():
        for town in (None, "T1"):
            _quiet(partial(q, store, Scope(town)))
    # fact sets no question reaches with default parameters
    store.facts(FACT_SETS["history.state"], None)
    hashes = LookupParams(id_hash="a" * 64, phone_hash="b" * 64, key_id="k1")
    store.facts(FACT_SETS["lookup.by_hash"], hashes)
    store.facts(UNITS_NOW, (Scope("T1"), ("O01", "O99")))
    store.facts(FACT_SETS["plan.removed"], (Scope("T1"), ("PO1", "I1", "O99")))
    for q in ("公司", "A公司", "Abc"):  # the TEXT index; it, then lowered names; a label scan
        store.facts(FACT_SETS["entities.search"], SearchQuery(Scope(), q, 20))
    # the store's own texts: loads, reloads, exports, documents
    O, P = Label.ORGANIZATION, Label.PARTY_ORG  # noqa: E741
    store.fetch_nodes(O)
    store.fetch_nodes(O, ["O01", "O99"])
    store.fetch_relationships(Rel.COVERS)
    store.counts()
    store.dump()
    for labels, rels in ((list(Label), list(Rel)), ([P, O], [Rel.COVERS])):
        store.projection(labels, rels)
    store.version()
    aggregates.refresh(store)  # the loader's recount: data version, documents per town
    aggregates.maintained(store, None)
    aggregates.maintained(store, ("T1",))
    store.data_version()
    store.put_doc("explain-test", "a", {"x": 1})
    store.get_doc("explain-test", "a")
    store.list_docs("explain-test")
    store.delete_doc("explain-test", "a")
    # --sync removes only keyless sheets' relationships (rid-indexed): graph/schema INDEXED_REL_PROPERTIES
    for rel in INDEXED_REL_PROPERTIES:
        store.delete_relationships(rel, [{"from": "M1", "to": "O01", "rid": "r0"}])
    store.delete_relationships(Rel.COVERS, [{"from": "PO9", "to": "O01", "rid": ""}])  # no rid stored
    store.create_relationships(Rel.COVERS, P, O, [{"from": "PO1", "to": "O01", "rid": "", "props": {}}])
    store.delete_outgoing(P, ["PO1"], [Rel.COVERS])
    store.delete_nodes(O, ["O01"])
    store.row_hashes()  # the loader's reload bookkeeping (graph/loaders/delta.py)
    store.set_row_hashes({O.value: {"O02": "0123456789abcdef"}})
    store.set_row_hashes(None)
    store.wipe()
    with store.indexes_after():  # a large first load: indexes built after the data
        store.create_nodes(O, [{"uscc": "O98", "org_name": "x"}])


@pytest.fixture(scope="module")
def planned() -> Any:
    """Every text the product runs, recorded while ``_exercise`` ran, and its plan on the fixture
    graph (the exercise ends by emptying the store: the planner chooses by its statistics)."""
    store = _open_neo4j()
    store.wipe()
    store.apply_schema()
    rec = Recorder(store)
    _exercise(store)
    store.wipe()
    load_fixture(store)
    with store.driver.session(database=store.database) as s:
        plans = {
            text: (name, s.run("EXPLAIN " + text, params).consume().plan)
            for text, (params, name) in rec.texts.items()
        }
    yield rec, plans
    store.close()


def test_every_cypher_text_plans_without_all_nodes_scans_or_cartesian_scans(planned: Any) -> None:
    rec, plans = planned
    assert set(FACT_SETS) - rec.fact_sets == set(), "fact sets no call reached: add them to _exercise"
    assert rec.public_methods() - NO_TEXT - rec.methods == set(), "store methods never called: add them"
    assert len(rec.texts) > 100
    bad = {}
    for text, (name, plan) in plans.items():
        problems = plan_problems(plan)
        if name in ALL_NODES_ALLOWED:
            problems = [p for p in problems if p != "AllNodesScan"]
        if problems:
            bad[f"{name}: {' '.join(text.split())[:160]}"] = sorted(set(problems))
    assert bad == {}


def test_every_schema_index_is_read_by_some_plan(planned: Any) -> None:
    _rec, plans = planned
    read = set().union(*(indexes_read(plan) for _name, plan in plans.values()))
    keys = {(lab.value, key) for lab, key in NODE_KEYS.items()}
    assert keys <= read, "a key constraint's index no plan reads: the plans lost their seeks"
    unread = schema_indexes() - read - set(UNREAD_ALLOWED)
    assert unread == set(), "indexes no query reads: move them to graph.schema RETIRED_INDEXES"
    assert set(UNREAD_ALLOWED) <= schema_indexes(), "UNREAD_ALLOWED names an index the schema no longer has"


def test_the_index_reader_reads_plans(neo4j_store: Any) -> None:
    texts = {
        "MATCH (o:`Organization`) WHERE o.town_code = $k RETURN o": {("Organization", "town_code")},
        "MATCH (o:`Organization` {uscc: $k}) RETURN o": {("Organization", "uscc")},
        "MATCH ()-[r:`HELPS_BUILD` {rid: $k}]->() RETURN r": {("HELPS_BUILD", "rid")},
        "MATCH (o:`Organization`) WHERE o.no_index = $k RETURN o": set(),
        "MATCH (o:`Organization`) WHERE o.org_name CONTAINS $k RETURN o": {
            ("Organization", "org_name (text)")
        },
    }
    with neo4j_store.driver.session(database=neo4j_store.database) as s:
        for text, want in texts.items():
            assert indexes_read(s.run("EXPLAIN " + text, {"k": "O01"}).consume().plan) == want, text


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("MATCH (n) WHERE n.uscc = $k RETURN n", "AllNodesScan"),
        (
            "MATCH (a:`Organization`), (b:`Member`) RETURN a.uscc, b.member_id",
            "CartesianProduct of two scans",
        ),
    ],
)
def test_the_check_catches_what_it_names(neo4j_store: Any, text: str, problem: str) -> None:
    with neo4j_store.driver.session(database=neo4j_store.database) as s:
        assert problem in plan_problems(s.run("EXPLAIN " + text, {"k": "O01"}).consume().plan)


def test_the_check_passes_seeks_and_one_row_sides(neo4j_store: Any) -> None:
    ok = (
        "MATCH (a:`Organization` {uscc: $k}), (b:`Member` {member_id: $k}) RETURN a, b",
        "CALL () { MATCH (t:`Town`) RETURN collect(t.town_code) AS ts } "
        "CALL () { MATCH (o:`Organization`) RETURN count(o) AS n } RETURN ts, n",
    )
    with neo4j_store.driver.session(database=neo4j_store.database) as s:
        for text in ok:
            assert plan_problems(s.run("EXPLAIN " + text, {"k": "O01"}).consume().plan) == []
