"""The embedded store refuses graphs past the size it serves well (ORGGRAPH_EMBEDDED_MAX_ITEMS), with a
Chinese message pointing to Neo4j; a refused load leaves the previous graph whole. Small configured
limits here: the measured default (scale ~10) is never generated in a test."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.errors import StoreTooLarge
from graph.loaders.load import load_roster
from graph.settings import Settings
from graph.store import open_store
from graph.store.embedded import GRAPH_FILE, EmbeddedStore
from tests.loaders.workbooks import uscc, write_xlsx

TOWNS = [["镇街编码", "镇街名称"], ["T01", "甲街道"], ["T02", "乙镇"]]
ORG_HEAD = ["统一社会信用代码", "组织名称", "组织类别", "所在镇街编码"]
SMALL = {"镇街": TOWNS, "组织": [ORG_HEAD, [uscc(301), "甲", "非公企业", "T01"]]}
BIGGER = {
    "镇街": TOWNS,
    "组织": [ORG_HEAD] + [[uscc(310 + i), f"乙{i}", "非公企业", "T02"] for i in range(5)],
}


def _items(store: EmbeddedStore) -> int:
    return store.graph.number_of_nodes() + store.graph.number_of_edges()


@pytest.fixture
def loaded(tmp_path: Path) -> tuple[Path, int]:
    home = tmp_path / "home"
    store = EmbeddedStore(home)
    assert load_roster(write_xlsx(tmp_path / "small.xlsx", SMALL), store).exit_code == 0
    return home, _items(store)


def test_a_load_past_the_limit_is_refused_and_the_previous_graph_stays(
    loaded: tuple[Path, int], tmp_path: Path
) -> None:
    home, n = loaded
    before = (home / GRAPH_FILE).read_bytes()
    store = EmbeddedStore(home, max_items=n)  # exactly at the limit: opens
    dump = store.dump()
    res = load_roster(write_xlsx(tmp_path / "bigger.xlsx", BIGGER), store)
    assert res.exit_code == 3
    assert "Neo4j" in res.message_zh and "NEO4J_URI" in res.message_zh and "上限" in res.message_zh
    assert "再次运行同一命令" not in res.message_zh  # rerunning would not help
    assert (home / GRAPH_FILE).read_bytes() == before
    assert store.dump() == dump and EmbeddedStore(home).dump() == dump


def test_a_file_past_the_limit_is_refused_on_open(loaded: tuple[Path, int]) -> None:
    home, n = loaded
    with pytest.raises(StoreTooLarge) as err:
        EmbeddedStore(home, max_items=n - 1)
    assert "Neo4j" in err.value.message_zh and f"{n:,}" in err.value.message_zh
    assert err.value.status == 503


def test_open_store_takes_the_limit_from_the_settings(loaded: tuple[Path, int]) -> None:
    home, n = loaded
    base = {"ORGGRAPH_HOME": str(home), "ORGGRAPH_BACKEND": "embedded"}
    with pytest.raises(StoreTooLarge):
        open_store(Settings(**base, ORGGRAPH_EMBEDDED_MAX_ITEMS=n - 1))
    assert (
        open_store(Settings(**base, ORGGRAPH_EMBEDDED_MAX_ITEMS=0)).counts() == EmbeddedStore(home).counts()
    )
    assert Settings(**base).embedded_max_items > n  # the default serves a district
