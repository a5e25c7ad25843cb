"""A load whose Neo4j dies midway (kill -9) exits 3; run again, it ends in the same graph as an
uninterrupted load. Runs against its own Neo4j instance on another port, never the shared one."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graph.loaders.load import load_roster

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "deploy" / "neo4j" / "neo4j.sh"

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class OwnNeo4j:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.port = _free_port()
        self.env = {
            **os.environ,
            "NEO4J_BOLT_PORT": str(self.port),
            "NEO4J_HOME_DIR": str(home),
            "NEO4J_HEAP": "1g",
        }

    @property
    def uri(self) -> str:
        return f"neo4j://127.0.0.1:{self.port}"

    def run(self, action: str) -> None:
        proc = subprocess.run(
            ["bash", str(SCRIPT), action], env=self.env, capture_output=True, text=True, timeout=300
        )
        if proc.returncode != 0:
            raise RuntimeError(f"neo4j.sh {action} failed: {proc.stdout}\n{proc.stderr}")

    def kill9(self) -> None:
        pid = int((self.home / "run" / "neo4j.pid").read_text().strip())
        os.kill(pid, signal.SIGKILL)
        for _ in range(200):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)


@pytest.fixture
def own_neo4j(tmp_path: Path) -> Iterator[OwnNeo4j]:
    if not SCRIPT.exists() or not (REPO / "deploy" / "neo4j" / "target" / "lib").exists():
        msg = "NEO4J NOT REACHABLE: deploy/neo4j is not built; the kill-and-rerun test needs its own server"
        pytest.fail(msg)
    server = OwnNeo4j(tmp_path / "neo4j-kill")
    server.run("start")
    try:
        yield server
    finally:
        with contextlib.suppress(RuntimeError):
            server.run("stop")


def _store(server: OwnNeo4j) -> Any:
    from graph.store.neo4j import Neo4jStore

    return Neo4jStore(server.uri, "neo4j", "orggraph-dev")


def test_killed_load_exits_3_and_a_rerun_completes_it(own_neo4j: OwnNeo4j, tmp_path: Path) -> None:
    from graph.loaders.demo import generate
    from graph.store.embedded import EmbeddedStore

    roster = generate(tmp_path / "demo.xlsx", scale=1, seed=7)
    reference = EmbeddedStore(tmp_path / "embedded")
    assert load_roster(roster, reference).exit_code == 0
    expected = reference.dump()

    store = _store(own_neo4j)
    killed: list[tuple[int, int, str]] = []

    def kill_midway(done: int, total: int, stage: str) -> None:
        # after every node and some relationships are written
        if not killed and stage.startswith("relationships:") and done > total // 2:
            killed.append((done, total, stage))
            own_neo4j.kill9()

    first = load_roster(roster, store, batch_size=500, progress=kill_midway)
    store.close()
    assert killed, "the load never reached the kill point"
    assert first.exit_code == 3
    assert "Neo4j" in first.message_zh and "again" in first.message_en

    own_neo4j.run("start")  # recovers from its transaction log
    store = _store(own_neo4j)
    try:
        _nodes, partial_rels = store.dump()
        assert 0 < len(partial_rels) < len(expected[1])  # it really died midway
        second = load_roster(roster, store, batch_size=500)
        assert second.exit_code == 0
        assert store.dump() == expected  # the same graph as an uninterrupted load
    finally:
        store.close()
