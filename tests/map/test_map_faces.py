"""The map's faces: `orggraph boundaries import`, the GeoJSON routes, the dashboard page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli import app
from graph.audit import read_audit
from graph.loaders.boundaries import stored_boundaries
from graph.store import open_store
from tests.fixtures import TOWNS, load_fixture

runner = CliRunner()


def _square(x: float, y: float, d: float = 0.05) -> dict[str, Any]:
    ring = [[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def _collection(codes: list[str]) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"镇街编码": c}, "geometry": _square(105.85 + 0.06 * i, 29.3)}
            for i, c in enumerate(codes)
        ],
    }


def test_boundaries_import_from_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from graph.settings import get_settings

    monkeypatch.setenv("ORGGRAPH_BACKEND", "embedded")  # the command's store, even when NEO4J_URI is set
    get_settings.cache_clear()
    store = open_store(backend="embedded")
    load_fixture(store)
    store.close()
    good = tmp_path / "towns.geojson"
    good.write_text(json.dumps(_collection([t["town_code"] for t in TOWNS])), encoding="utf-8")

    r = runner.invoke(app, ["boundaries", "import", str(good), "--dry-run"])
    assert r.exit_code == 0 and "校验通过" in r.stdout
    assert stored_boundaries(open_store(backend="embedded")) == {}

    r = runner.invoke(app, ["boundaries", "import", str(good), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["imported"] == sorted(t["town_code"] for t in TOWNS)
    assert "boundaries.import" in [e["action"] for e in read_audit()]

    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps(_collection(["T1", "NOPE"])), encoding="utf-8")
    r = runner.invoke(app, ["boundaries", "import", str(bad)])
    assert r.exit_code == 1
    assert "第 2 个要素（镇街编码 NOPE）" in r.stderr and "未做任何更改" in r.stderr
    assert sorted(stored_boundaries(open_store(backend="embedded"))) == sorted(t["town_code"] for t in TOWNS)

    junk = tmp_path / "junk.geojson"
    junk.write_text("{not json", encoding="utf-8")
    r = runner.invoke(app, ["boundaries", "import", str(junk)])
    assert r.exit_code == 2 and "边界文件无法使用" in r.stderr
