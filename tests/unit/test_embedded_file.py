"""The embedded store's file: SQLite (no pickle), versioned, private, atomic; the old pickle is
never read except by an explicit ``orggraph migrate`` of the caller's own file."""

from __future__ import annotations

import json
import os
import pickle
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from typer.testing import CliRunner

from graph.errors import StoreUnavailable
from graph.model import Label, Rel
from graph.store.embedded import GRAPH_FILE, LEGACY_FILE, EmbeddedStore, LegacyStoreFile
from graph.store.migrate import MigrationRefused, migrate

REPO = Path(__file__).resolve().parents[2]


def _fill(store: EmbeddedStore) -> None:
    with store.bulk():
        store.upsert_nodes(Label.TOWN, [{"town_code": "T1", "town_name": "一镇", "n": 3, "f": 1.5}])
        store.upsert_nodes(
            Label.ORGANIZATION,
            [
                {"uscc": "C1", "org_name": "甲公司", "town_code": "T1", "tags": ["a", "b"], "ok": True},
                {"uscc": "C2", "org_name": "乙", "town_code": "T1", "empty": None},
            ],
        )
        store.upsert_relationships(
            Rel.LOCATED_IN, Label.ORGANIZATION, Label.TOWN, [{"from": "C1", "to": "T1", "rid": ""}]
        )
        store.upsert_relationships(
            Rel.CONTACTED,
            Label.ORGANIZATION,
            Label.ORGANIZATION,
            [
                {"from": "C1", "to": "C2", "rid": "r1", "props": {"date": "2024-01-02"}},
                {"from": "C1", "to": "C2", "rid": "r2", "props": {"date": "2024-02-03"}},
            ],
        )


class Marker:
    """A pickle payload that writes a file when unpickled (what a planted pickle would do)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, (f"touch {self.path}",))


def _plant(home: Path, marker: Path) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    p = home / LEGACY_FILE
    p.write_bytes(pickle.dumps({"format": 1, "graph": Marker(marker)}))
    return p


def _old_format(home: Path, g: nx.MultiDiGraph) -> Path:
    """Exactly what the previous EmbeddedStore wrote."""
    home.mkdir(parents=True, exist_ok=True)
    p = home / LEGACY_FILE
    with p.open("wb") as fh:
        pickle.dump({"format": 1, "graph": g}, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return p


def test_file_is_sqlite_with_json_and_a_format_version(tmp_path: Path) -> None:
    home = tmp_path / "h"
    _fill(EmbeddedStore(home))
    raw = (home / GRAPH_FILE).read_bytes()
    assert raw.startswith(b"SQLite format 3\0")
    assert b"\x80\x04" not in raw[:2] and not list(home.glob("*.pickle"))
    con = sqlite3.connect(home / GRAPH_FILE)
    meta = dict(con.execute("SELECT key, value FROM meta"))
    assert meta["format"] == "orggraph-embedded" and meta["format_version"] == "1"
    assert (meta["nodes"], meta["relationships"]) == ("3", "3")
    props = dict(con.execute("SELECT id, props FROM nodes"))
    assert json.loads(props["Organization:C1"]) == {
        "uscc": "C1",
        "org_name": "甲公司",
        "town_code": "T1",
        "tags": ["a", "b"],
        "ok": True,
    }
    rels = con.execute("SELECT * FROM relationships_by_id ORDER BY rid").fetchall()
    assert rels[-1] == ("CONTACTED", "Organization:C1", "Organization:C2", "r2", '{"date":"2024-02-03"}')


def test_reopen_in_another_process_gives_the_same_graph(tmp_path: Path) -> None:
    home = tmp_path / "h"
    store = EmbeddedStore(home)
    _fill(store)
    store.put_doc("boundary", "T1", {"type": "Polygon", "coordinates": [[[1, 2], [3, 4], [1, 2]]]})
    code = (
        "import json,sys; from graph.store.embedded import EmbeddedStore; "
        "s = EmbeddedStore(sys.argv[1]); print(json.dumps([s.dump(), s.list_docs('boundary')]))"
    )
    # the child's stderr reaches the test's output (a traceback shows on failure)
    out = subprocess.check_output(
        [sys.executable, "-c", code, str(home)], text=True, env={**os.environ, "PYTHONPATH": str(REPO)}
    )
    assert json.loads(out) == json.loads(json.dumps([store.dump(), store.list_docs("boundary")]))


def test_newer_format_version_is_refused_in_chinese(tmp_path: Path) -> None:
    home = tmp_path / "h"
    _fill(EmbeddedStore(home))
    con = sqlite3.connect(home / GRAPH_FILE)
    con.execute("UPDATE meta SET value = '99' WHERE key = 'format_version'")
    con.commit()
    con.close()
    with pytest.raises(StoreUnavailable, match="格式版本 99"):
        EmbeddedStore(home)


def test_modes_file_0600_home_0700(tmp_path: Path) -> None:
    home = tmp_path / "h"
    home.mkdir(mode=0o755)
    os.chmod(home, 0o755)
    _fill(EmbeddedStore(home))
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    for f in home.iterdir():
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f.name
    # a second load replaces the file and keeps the mode
    _fill(EmbeddedStore(home))
    assert stat.S_IMODE((home / GRAPH_FILE).stat().st_mode) == 0o600


def test_readers_reload_when_another_store_writes(tmp_path: Path) -> None:
    home = tmp_path / "h"
    reader, writer = EmbeddedStore(home), EmbeddedStore(home)
    v0 = reader.version()
    _fill(writer)
    assert reader.version() != v0
    assert reader.counts()["nodes"]["Organization"] == 2
    v1 = reader.version()
    assert reader.version() == v1  # stable while nothing changes


def test_a_failed_load_leaves_the_previous_file(tmp_path: Path) -> None:
    home = tmp_path / "h"
    store = EmbeddedStore(home)
    _fill(store)
    before = (home / GRAPH_FILE).read_bytes()
    with pytest.raises(RuntimeError), store.bulk():
        store.upsert_nodes(Label.TOWN, [{"town_code": "T9", "town_name": "九镇"}])
        raise RuntimeError("killed")
    assert (home / GRAPH_FILE).read_bytes() == before
    assert "Town:T9" not in store.graph
    assert store.load_state() is None


def test_a_planted_pickle_is_never_executed(tmp_path: Path) -> None:
    home, marker = tmp_path / "h", tmp_path / "marker"
    pickle.loads(pickle.dumps(Marker(tmp_path / "probe")))  # the payload does work when unpickled
    assert (tmp_path / "probe").exists()
    _plant(home, marker)
    with pytest.raises(LegacyStoreFile) as err:
        EmbeddedStore(home)
    assert "orggraph migrate" in err.value.message_zh and "旧格式" in err.value.message_zh
    # migrate reads only graph classes: the payload is refused, not run, and the file stays
    with pytest.raises(MigrationRefused):
        migrate(home, say=lambda s: None)
    assert not marker.exists()
    assert (home / LEGACY_FILE).exists()


def test_legacy_file_blocks_a_store_already_open(tmp_path: Path) -> None:
    home = tmp_path / "h"
    store = EmbeddedStore(home)
    _fill(store)
    _plant(home, tmp_path / "marker")
    with pytest.raises(LegacyStoreFile):
        store.version()
    assert not (tmp_path / "marker").exists()


def test_migrate_refuses_a_file_owned_by_another_user(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home, marker = tmp_path / "h", tmp_path / "marker"
    g = nx.MultiDiGraph()
    g.add_node("Town:T1", _label="Town", town_code="T1")
    legacy = _old_format(home, g)
    other = os.getuid() + 4242
    if os.getuid() == 0:
        os.chown(legacy, other, -1)
    else:  # not root: pretend the file is someone else's
        real_lstat = os.lstat

        def lstat(p: Any, *a: Any, **k: Any) -> Any:
            st = real_lstat(p, *a, **k)
            if Path(p) == legacy:
                return os.stat_result((*st[:4], other, *st[5:]))
            return st

        monkeypatch.setattr(os, "lstat", lstat)
    with pytest.raises(MigrationRefused, match=f"uid {other}"):
        migrate(home, say=lambda s: None)
    assert legacy.exists() and not (home / GRAPH_FILE).exists() and not marker.exists()


def test_migrate_refuses_a_symlink(tmp_path: Path) -> None:
    home = tmp_path / "h"
    home.mkdir()
    g = nx.MultiDiGraph()
    _old_format(tmp_path / "elsewhere", g)
    (home / LEGACY_FILE).symlink_to(tmp_path / "elsewhere" / LEGACY_FILE)
    with pytest.raises(MigrationRefused, match="不是普通文件"):
        migrate(home, say=lambda s: None)


def test_migrate_round_trip(tmp_path: Path) -> None:
    src = EmbeddedStore(tmp_path / "src")
    _fill(src)
    src.put_doc("plan", "p1", {"name": "方案一", "orgs": ["C1"]})
    expected = src.dump()
    home = tmp_path / "h"
    _old_format(home, src.graph)
    said: list[str] = []
    done = migrate(home, say=said.append)
    assert done is not None and (done.nodes, done.relationships) == (3, 3)
    assert any("正在读取旧格式文件" in s for s in said) and any("已删除旧文件" in s for s in said)
    assert not (home / LEGACY_FILE).exists()
    assert stat.S_IMODE((home / GRAPH_FILE).stat().st_mode) == 0o600
    assert EmbeddedStore(home).dump() == expected
    assert EmbeddedStore(home).list_docs("plan") == [{"name": "方案一", "orgs": ["C1"]}]
    assert migrate(home, say=said.append) is None  # nothing left to do


def test_migrate_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cli.main import app

    src = EmbeddedStore(tmp_path / "src")
    _fill(src)
    home = tmp_path / "h"
    _old_format(home, src.graph)
    monkeypatch.setenv("ORGGRAPH_HOME", str(home))
    from graph.settings import get_settings

    get_settings.cache_clear()
    res = CliRunner().invoke(app, ["migrate"])
    assert res.exit_code == 0, res.output
    assert "迁移完成" in res.output
    assert EmbeddedStore(home).dump() == src.dump()
    _plant(home, tmp_path / "marker")
    (home / GRAPH_FILE).unlink()
    res = CliRunner().invoke(app, ["migrate"])
    assert res.exit_code == 2 and not (tmp_path / "marker").exists()
