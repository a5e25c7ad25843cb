"""The coverage plan and the pairing plan: the same facts and the same plan on both backends
(the demo district), and the same plan on a second run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graph.loaders.demo import generate
from graph.loaders.load import load_roster
from graph.model import Label
from graph.settings import Settings
from graph.store.embedded import EmbeddedStore
from queries import cache
from queries.plan import PAIRING_PLAN, PLAN, PairingParams, PlanParams
from queries.plan_facts import PLAN_FACTS, REMOVED, UNITS_NOW
from queries.scope import Scope

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]
SECRET = "test-secret-key-0123456789abcdef-0123456789"


def _load(store: Any, wb: Path, home: Path) -> Any:
    settings = Settings(ORGGRAPH_HOME=home, ORGGRAPH_SECRET_KEY=SECRET, ORGGRAPH_ENV="development")
    store.apply_schema()
    assert load_roster(wb, store, settings=settings).exit_code == 0
    return store


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any]]:
    from tests.conftest import _open_neo4j

    wb = generate(tmp_path_factory.mktemp("demo") / "demo.xlsx", scale=1, seed=2011)
    home = tmp_path_factory.mktemp("home")
    emb = _load(EmbeddedStore(home), wb, home)
    neo = _open_neo4j()
    neo.wipe()
    _load(neo, wb, tmp_path_factory.mktemp("neo4j_home"))
    yield emb, neo
    emb.close()
    neo.close()


def _plain(res: Any) -> dict[str, Any]:
    d = res.model_dump(mode="json")
    d["solver"].pop("seconds")
    return d


def test_same_facts_on_both_backends(stores: tuple[Any, Any]) -> None:
    emb, neo = stores
    towns = sorted(emb.fetch_nodes(Label.TOWN))
    for scope in (Scope(), Scope(towns[0]), Scope(towns[7])):
        assert emb.facts(PLAN_FACTS, scope) == neo.facts(PLAN_FACTS, scope)
    keys = (*tuple(u.key for u in emb.facts(PLAN_FACTS, Scope()).units[:20]), "NOPE")
    assert emb.facts(UNITS_NOW, (Scope(), keys)) == neo.facts(UNITS_NOW, (Scope(), keys))


def test_same_plan_on_both_backends_and_on_a_second_run(stores: tuple[Any, Any]) -> None:
    emb, neo = stores
    p = PlanParams()
    a = _plain(PLAN(emb, Scope(), p))
    b = _plain(PLAN(neo, Scope(), p))
    assert a == b
    cache.clear(neo)
    assert _plain(PLAN(neo, Scope(), p)) == b
    town = sorted(emb.fetch_nodes(Label.TOWN))[5]
    tight = PlanParams(host_cap=1, distance_km=1.5, instructor_cap=4)
    assert _plain(PLAN(emb, Scope(town), tight)) == _plain(PLAN(neo, Scope(town), tight))


def test_same_pairing_plan_on_both_backends(stores: tuple[Any, Any]) -> None:
    emb, neo = stores
    assert _plain(PAIRING_PLAN(emb, Scope(), PairingParams())) == _plain(
        PAIRING_PLAN(neo, Scope(), PairingParams())
    )


def test_same_plan_without_removed_entities_on_both_backends(stores: tuple[Any, Any]) -> None:
    emb, neo = stores
    f = emb.facts(PLAN_FACTS, Scope())
    hosts = [x.key for x in f.parties if x.covers][:3]
    keys = (*hosts, f.instructors[0].key, "NOPE")
    for scope in (Scope(), Scope(sorted(emb.fetch_nodes(Label.TOWN))[0])):
        a, b = emb.facts(REMOVED, (scope, keys)), neo.facts(REMOVED, (scope, keys))
        assert a == b
    assert a.parties == () or set(a.parties) <= set(hosts)
    full = emb.facts(REMOVED, (Scope(), keys))
    assert full.parties == tuple(sorted(hosts)) and full.instructors == (f.instructors[0].key,) and full.units
    p = PlanParams(removed=keys)
    assert _plain(PLAN(emb, Scope(), p)) == _plain(PLAN(neo, Scope(), p))
