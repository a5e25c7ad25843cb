"""党建地图 page: the registered GeoJSON, the choropleth, the layers, the no-boundaries hint."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from graph.loaders.boundaries import import_boundaries
from tests.dashboard.conftest import all_text, app, chart_data, no_exception, token
from tests.fixtures import TOWNS
from tests.map.test_map_faces import _collection


def test_map_page_without_boundaries_says_how_to_add_them(loaded: Any) -> None:
    at = app(token("admin"), "map")
    no_exception(at)
    text = all_text(at)
    assert "orggraph boundaries import" in text
    data = chart_data(at)
    assert "scatter" in json.dumps(data)


def test_map_page_draws_towns_points_and_lines(loaded: Any, tmp_path: Path) -> None:
    path = tmp_path / "towns.geojson"
    path.write_text(json.dumps(_collection([t["town_code"] for t in TOWNS])), encoding="utf-8")
    assert import_boundaries(loaded, path).ok
    at = app(token("district"), "map")
    no_exception(at)
    blob = json.dumps(chart_data(at), ensure_ascii=False)
    assert "orggraph-towns" in blob  # the town polygons registered locally as a map
    for town in TOWNS:
        assert town["town_name"] in blob
    assert '"type": "map"' in blob and '"type": "lines"' in blob and "visualMap" in blob
    assert "http://" not in blob and "https://" not in blob  # nothing fetched from outside


def test_a_town_user_sees_only_its_own_polygon(loaded: Any, tmp_path: Path) -> None:
    path = tmp_path / "towns.geojson"
    path.write_text(json.dumps(_collection([t["town_code"] for t in TOWNS])), encoding="utf-8")
    assert import_boundaries(loaded, path).ok
    at = app(token("town", town="T1"), "map")
    no_exception(at)
    blob = json.dumps(chart_data(at), ensure_ascii=False)
    names = {t["town_code"]: t["town_name"] for t in TOWNS}
    assert names["T1"] in blob
    assert all(name not in blob for code, name in names.items() if code != "T1")


def test_overview_and_gaps_use_the_map_once_boundaries_exist(loaded: Any, tmp_path: Path) -> None:
    path = tmp_path / "towns.geojson"
    path.write_text(json.dumps(_collection([t["town_code"] for t in TOWNS])), encoding="utf-8")
    assert import_boundaries(loaded, path).ok
    overview = app(token("district"))
    no_exception(overview)
    assert any(
        "orggraph-towns" in json.dumps(chart_data(overview, i))
        for i in range(len(overview.get("bidi_component")))
    )
    gaps = app(token("district"), "gaps")
    no_exception(gaps)
    blobs = [
        json.dumps(chart_data(gaps, i), ensure_ascii=False) for i in range(len(gaps.get("bidi_component")))
    ]
    geo = [b for b in blobs if "orggraph-towns" in b]
    assert geo and "空白点→建议依托" in geo[0]
