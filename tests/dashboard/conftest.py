"""Dashboard tests: the shared fixture graph in the isolated ORGGRAPH_HOME, tokens per role,
and AppTest helpers (AppTest runs the app in-process, so its open_store() sees that home)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from google.protobuf.json_format import MessageToDict
from streamlit.testing.v1 import AppTest

import dashboard
from graph.store import open_store
from graph.tokens import TokenStore
from tests.fixtures import load_fixture

APP = str(Path(dashboard.__file__).resolve().parent / "app.py")
PAGES = {
    "overview": "views/overview.py",
    "gaps": "views/gaps.py",
    "followup": "views/followup.py",
    "trend": "views/trend.py",
    "pairing": "views/pairing.py",
    "membership": "views/membership.py",
    "paths": "views/paths.py",
    "centrality": "views/centrality.py",
    "entity": "views/entity.py",
    "map": "views/map.py",
    "import": "views/data_import.py",
}


@pytest.fixture
def loaded(_isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The fixture graph in the embedded store under this test's ORGGRAPH_HOME (even when
    NEO4J_URI is set, as under `make test`: the shared server holds other tests' data; the
    Neo4j pages are tested with `loaded_neo4j`, on a wiped graph)."""
    from graph.settings import get_settings

    monkeypatch.setenv("ORGGRAPH_BACKEND", "embedded")
    get_settings.cache_clear()
    store = open_store()
    load_fixture(store)
    yield store
    store.close()


def token(role: str, town: str | None = None) -> str:
    tok, _ = TokenStore().create(role, town=town)
    return tok


def session_for(tok: str) -> str:
    """A dashboard session id for a token, as a login would open it."""
    from dashboard.session import SessionStore

    return SessionStore().create(TokenStore().verify(tok))


def app(tok: str | None, page: str | None = None) -> AppTest:
    """The app, logged in with ``tok`` (when given), run once, on ``page`` (when given)."""
    at = AppTest.from_file(APP, default_timeout=60)
    if tok:
        at.session_state["og_sid"] = session_for(tok)
    at.run()
    if page:
        at.switch_page(PAGES[page]).run()
    return at


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _walk(node: Any) -> Iterator[Any]:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


def all_text(at: AppTest) -> str:
    """Everything the page would show: element protos, tables, chart data, widget options."""
    parts: list[str] = []
    for node in _walk(at.main):
        if node.type == "dataframe":
            parts.append(node.value.to_csv())
            continue
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        d = MessageToDict(proto)
        if node.type == "bidi_component" and "json" in d:
            d["json"] = json.loads(d["json"])
        parts.append(json.dumps(d, ensure_ascii=False))
    for node in _walk(at.sidebar):
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(json.dumps(MessageToDict(proto), ensure_ascii=False))
    return "\n".join(parts)


def chart_data(at: AppTest, index: int = 0) -> dict[str, Any]:
    el = at.get("bidi_component")[index]
    return json.loads(el.proto.json)


@pytest.fixture
def loaded_neo4j(neo4j_store: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The fixture graph in the (wiped) Neo4j server, and the app's settings pointing at it."""
    from graph.settings import get_settings
    from tests.conftest import neo4j_settings

    load_fixture(neo4j_store)
    # the dashboard's own store may reuse the previous test's version for up to a second
    # (Neo4jStore.version_ttl): answers cached under it would describe the previous graph
    from queries.cache import clear

    clear()
    s = neo4j_settings()
    monkeypatch.setenv("ORGGRAPH_BACKEND", "neo4j")
    monkeypatch.setenv("NEO4J_URI", s.resolved_neo4j_uri)
    monkeypatch.setenv("NEO4J_USER", s.neo4j_user)
    monkeypatch.setenv("NEO4J_PASSWORD", s.neo4j_password.get_secret_value())
    get_settings.cache_clear()
    yield neo4j_store
    get_settings.cache_clear()
