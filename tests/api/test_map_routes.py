"""The map's GeoJSON routes (the layers themselves are tested in tests/map)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import API
from tests.fixtures import TOWNS
from tests.map.test_map_faces import _collection


def test_routes_answer_geojson(client: TestClient, tokens: Any, graph_store: Any, tmp_path: Path) -> None:
    from graph.loaders.boundaries import import_boundaries

    path = tmp_path / "towns.geojson"
    path.write_text(json.dumps(_collection([t["town_code"] for t in TOWNS])), encoding="utf-8")
    assert import_boundaries(graph_store, path).ok
    h = {"Authorization": f"Bearer {tokens.district}"}
    towns = client.get(API + "/map/towns", headers=h).json()
    assert towns["type"] == "FeatureCollection"
    assert sorted(f["properties"]["town_code"] for f in towns["features"]) == sorted(
        t["town_code"] for t in TOWNS
    )
    points = client.get(API + "/map/organizations?kinds=Organization", headers=h).json()
    assert points["features"] and {f["properties"]["label"] for f in points["features"]} == {"Organization"}
    assert all(f["geometry"]["type"] == "Point" for f in points["features"])
    links = client.get(API + "/map/links?kinds=村企联建", headers=h).json()
    assert {f["properties"]["kind"] for f in links["features"]} <= {"村企联建"}
    bad = client.get(API + "/map/links?kinds=nonsense", headers=h)
    assert bad.status_code == 422
    # a town token: its own polygon only
    t1 = client.get(API + "/map/towns", headers={"Authorization": f"Bearer {tokens.town1}"}).json()
    assert [f["properties"]["town_code"] for f in t1["features"]] == ["T1"]
