"""A half-written graph is never served silently (issue 13 item 3).

The loader records a load state before its first write and clears it after its last; the store
reports it (``load_state``); the API answers 503 with the Chinese reason (English beside), the
dashboard shows the banner, and the CLI query commands print it and exit 3. The embedded store
needs no record: a load becomes visible all at once (one rename), and a failed one leaves the
previous file. The kill -9 proof is bench/kill_bench.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from graph.errors import LoadIncomplete
from graph.loaders.load import load_roster
from graph.model import Label
from graph.store.base import LoadState, require_complete
from tests.fixtures import load_fixture

ZH = "数据正在导入或上次导入未完成，请重新运行导入"
STATE = {"started_at": "2026-12-02 08:00:00", "source": "roster.xlsx", "pid": 123, "host": "h"}


def _mark_incomplete(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a killed load leaves: on Neo4j the real record; the embedded store never has one
    (its loads are atomic), so there the state is pretended, with a write so the version moves."""
    store.begin_load(STATE)
    if store.backend == "embedded":
        monkeypatch.setattr(store, "load_state", lambda: LoadState(**STATE))
        store.upsert_nodes(Label.TOWN, [{"town_code": "T0", "town_name": "零镇"}])


def _roster(tmp_path: Path) -> Path:
    """The demo district as a CSV folder without its contact log (quick, still many batches)."""
    from graph.loaders.demo import generate

    folder = generate(tmp_path / "demo", scale=1, seed=3, progress=False)
    (folder / "联系记录.csv").unlink()
    return folder


def test_load_state_is_outside_the_domain_graph(store: Any) -> None:
    load_fixture(store)
    before = (store.counts(), store.dump())
    assert store.load_state() is None
    store.begin_load(STATE)
    if store.backend == "neo4j":
        assert store.load_state() == LoadState(**STATE)
        with pytest.raises(LoadIncomplete) as err:
            require_complete(store)
        assert err.value.message_zh.startswith(ZH) and "roster.xlsx" in err.value.message_zh
    else:
        assert store.load_state() is None  # atomic: nothing half-visible to record
    assert (store.counts(), store.dump()) == before  # never counted, never dumped
    store.end_load()
    assert store.load_state() is None
    require_complete(store)


def test_a_load_failing_midway(store: Any, tmp_path: Path) -> None:
    roster = _roster(tmp_path)
    assert load_roster(roster, store).exit_code == 0
    assert store.load_state() is None
    complete = store.dump()

    class Killed(Exception):
        pass

    def die(done: int, total: int, stage: str) -> None:
        if stage.startswith("relationships:") and done > total // 2:
            raise Killed

    store.wipe()
    with pytest.raises(Killed):
        load_roster(roster, store, batch_size=200, progress=die)
    if store.backend == "neo4j":
        assert store.load_state() is not None  # half written, and every reader is told
        assert 0 < len(store.dump()[1]) < len(complete[1])
    else:
        assert store.load_state() is None and store.dump() == ([], [])  # the previous (wiped) graph
    assert load_roster(roster, store).exit_code == 0  # a rerun completes it and clears the state
    assert store.load_state() is None and store.dump() == complete


def test_cli_query_commands_say_it_and_exit_3(monkeypatch: pytest.MonkeyPatch) -> None:
    from cli.main import app
    from graph.store import open_store
    from graph.store.embedded import EmbeddedStore

    store = open_store(backend="embedded")
    load_fixture(store)
    store.close()
    ok = CliRunner().invoke(app, ["query", "coverage", "--backend", "embedded"])
    assert ok.exit_code == 0, ok.output
    monkeypatch.setattr(EmbeddedStore, "load_state", lambda self: LoadState(**STATE))
    for args in (["query", "coverage"], ["figures"], ["export", "x.json"], ["stats"]):
        res = CliRunner().invoke(app, [*args, "--backend", "embedded"])
        assert res.exit_code == 3, (args, res.output)
        assert ZH in res.output, args
