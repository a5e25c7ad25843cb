"""The dashboard shows the incomplete-load banner instead of figures (issue 13 item 3)."""

from __future__ import annotations

import pytest

from graph.store.base import LoadState
from tests.fixtures import load_fixture
from tests.loaders.test_load_state import STATE, ZH


def test_dashboard_shows_the_banner(monkeypatch: pytest.MonkeyPatch) -> None:
    from graph.store import open_store
    from tests.dashboard.conftest import app, token

    store = open_store()  # the backend the dashboard opens (Neo4j when NEO4J_URI is set)
    load_fixture(store)
    at = app(token("admin"))
    assert not at.error
    monkeypatch.setattr(type(store), "load_state", lambda self: LoadState(**STATE))
    store.close()
    at = app(token("admin"))
    assert any(ZH in e.value for e in at.error)
    assert not at.metric  # no figures from a half-written graph
    at.switch_page("views/data_import.py").run()  # the way out: the import page still runs
    assert any(ZH in e.value for e in at.error) and not at.exception
