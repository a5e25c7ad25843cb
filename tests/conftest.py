"""Shared fixtures: one ``store`` fixture parametrised over both backends.

The Neo4j half needs a real server named by NEO4J_URI (``make test`` starts the local one and
sets it). Without one its tests fail, never skip: deselect them with ``-m "not neo4j"``. There is
no default port: a test wipes the server it is given, so it must never guess one (CI's, 7687,
was wiped once by a targeted run beside a CI run).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graph.settings import LOCAL_NEO4J_PASSWORD, Settings
from graph.store.embedded import EmbeddedStore

SECRET = "test-secret-key-0123456789abcdef-0123456789"
_neo4j_problem: str | None = None
_neo4j_checked = False


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own ORGGRAPH_HOME, so no test sees another's store or tokens."""
    home = tmp_path / "home"
    monkeypatch.setenv("ORGGRAPH_HOME", str(home))
    monkeypatch.setenv("ORGGRAPH_SECRET_KEY", SECRET)
    from graph.settings import get_settings

    get_settings.cache_clear()
    yield home
    get_settings.cache_clear()


def neo4j_settings() -> Settings:
    uri = os.environ.get("NEO4J_URI")
    if not uri:
        pytest.fail(
            "NEO4J_URI 未设置：Neo4j 测试会清空所给的库，不猜端口 / NEO4J_URI is not set: Neo4j tests wipe "
            'the server they are given and never guess a port (make test sets it; or -m "not neo4j")'
        )
    return Settings(
        NEO4J_URI=uri,
        NEO4J_USER=os.environ.get("NEO4J_USER", "neo4j"),
        NEO4J_PASSWORD=os.environ.get("NEO4J_PASSWORD", LOCAL_NEO4J_PASSWORD),
        ORGGRAPH_BACKEND="neo4j",
    )


def _open_neo4j():  # type: ignore[no-untyped-def]
    global _neo4j_problem, _neo4j_checked
    from graph.errors import StoreUnavailable
    from graph.store.neo4j import Neo4jStore

    s = neo4j_settings()
    if _neo4j_checked and _neo4j_problem:
        _neo4j_missing(_neo4j_problem)
    store = Neo4jStore(
        s.resolved_neo4j_uri, s.neo4j_user, s.neo4j_password.get_secret_value(), s.neo4j_database
    )
    try:
        store.ping()
    except StoreUnavailable as exc:
        _neo4j_checked, _neo4j_problem = True, str(exc)
        store.close()
        _neo4j_missing(str(exc))
    _neo4j_checked = True
    return store


def _neo4j_missing(reason: str) -> None:
    pytest.fail(f'NEO4J NOT REACHABLE ({reason}): make test starts one; or deselect with -m "not neo4j"')


@pytest.fixture
def neo4j_store() -> Iterator[object]:
    store = _open_neo4j()
    store.wipe()
    store.apply_schema()
    yield store
    store.close()


@pytest.fixture
def embedded_store(tmp_path: Path) -> Iterator[EmbeddedStore]:
    store = EmbeddedStore(tmp_path / "embedded")
    yield store
    store.close()


@pytest.fixture(params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def store(request: pytest.FixtureRequest) -> object:
    """Each contract test runs once per backend."""
    return request.getfixturevalue(f"{request.param}_store")


def load_demo(store: Any, workbook: Path, home: Path, *, boundaries: bool = True) -> Any:
    """The demo workbook loaded into ``store`` (schema first), with its town polygons."""
    from graph.loaders.boundaries import import_boundaries
    from graph.loaders.demo import boundaries_path
    from graph.loaders.load import load_roster

    settings = Settings(ORGGRAPH_HOME=home, ORGGRAPH_SECRET_KEY=SECRET, ORGGRAPH_ENV="development")
    store.apply_schema()
    res = load_roster(workbook, store, settings=settings)
    assert res.exit_code == 0, (res.message_en, res.fatal, res.rejected_rows)
    if boundaries:
        assert import_boundaries(store, boundaries_path(workbook)).ok
    return store


# The scale-1 demo district, once per module that asks for it (loading it into Neo4j takes a
# while); a test that changes it puts it back before it ends.


@pytest.fixture(scope="module")
def demo_workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from graph.loaders.demo import generate

    return generate(tmp_path_factory.mktemp("demo") / "demo.xlsx", scale=1, seed=2011)


@pytest.fixture(scope="module")
def embedded_demo(demo_workbook: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    home = tmp_path_factory.mktemp("embedded_home")
    store = EmbeddedStore(home)
    yield load_demo(store, demo_workbook, home)
    store.close()


@pytest.fixture(scope="module")
def neo4j_demo(demo_workbook: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    store = _open_neo4j()
    store.wipe()
    yield load_demo(store, demo_workbook, tmp_path_factory.mktemp("neo4j_home"))
    store.close()


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # type: ignore[no-untyped-def]
    skipped = terminalreporter.stats.get("skipped", [])
    n = sum(1 for r in skipped if "NEO4J NOT REACHABLE" in str(r.longrepr))
    if n:
        terminalreporter.write_sep("!", f"{n} Neo4j tests SKIPPED: no Neo4j server reachable", red=True)
