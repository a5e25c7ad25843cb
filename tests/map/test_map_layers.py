"""The map layers on the demo district: same on both backends, inside the polygons, scoped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from shapely.geometry import LineString, Point, shape

from graph.store.embedded import EmbeddedStore
from queries.map import (
    FOREIGN,
    MAP_LINKS,
    MAP_POINTS,
    MAP_TOWNS,
    MapLinksParams,
    MapPointsParams,
    MapTownsParams,
)
from queries.question import ask
from queries.scope import Scope
from tests.conftest import load_demo


def _layers(store: Any, scope: Scope) -> tuple[Any, Any, Any]:
    return (
        ask(store, MAP_TOWNS, scope, MapTownsParams()),
        ask(store, MAP_POINTS, scope, MapPointsParams()),
        ask(store, MAP_LINKS, scope, MapLinksParams()),
    )


TOWN = "500118001"


@pytest.mark.neo4j
@pytest.mark.slow
def test_both_backends_give_the_same_layers(embedded_demo: Any, neo4j_demo: Any) -> None:
    for scope in (Scope(), Scope(TOWN)):
        assert [x.model_dump() for x in _layers(embedded_demo, scope)] == [
            x.model_dump() for x in _layers(neo4j_demo, scope)
        ]


def test_points_lie_in_their_towns_polygons(embedded_demo: Any) -> None:
    towns, points, links = _layers(embedded_demo, Scope())
    polys = {f.properties["town_code"]: shape(f.geometry) for f in towns.features}
    assert len(polys) == 23
    orgs = [f for f in points.features if f.properties["label"] == "Organization"]
    assert len(orgs) > 1500
    org_at = {tuple(f.geometry["coordinates"]) for f in orgs}
    for f in points.features:
        if f.properties["label"] == "PartyOrg":  # stands at its core unit (which may be elsewhere)
            assert tuple(f.geometry["coordinates"]) in org_at, f.id
        else:
            assert polys[f.properties["town_code"]].intersects(Point(f.geometry["coordinates"])), f.id
    # the organisations without coordinates are listed, not drawn at a guessed place
    assert {r.label for r in points.unplaced} >= {"Organization"}
    assert not {r.id for r in points.unplaced} & {f.id for f in points.features}
    kinds = {f.properties["kind"] for f in links.features}
    assert kinds == {"gap", "示范帮扶", "村企联建"}


def test_choropleth_values_come_from_the_graph(embedded_demo: Any) -> None:
    from queries.coverage import COVERAGE, CoverageParams

    towns = ask(embedded_demo, MAP_TOWNS, Scope(), MapTownsParams())
    cov = ask(embedded_demo, COVERAGE, Scope(), CoverageParams(by="town", limit=1))
    by_town = {r.group: r for r in cov.rows}
    for f in towns.features:
        r = by_town[f.properties["town_code"]]
        assert f.properties["coverage_rate"] == r.rate and f.properties["organizations"] == r.total
    assert sum(f.properties["demonstration_points"] for f in towns.features) <= 207


def test_a_town_user_sees_its_own_town_and_links_cut_at_its_edge(embedded_demo: Any) -> None:
    towns, points, links = _layers(embedded_demo, Scope(TOWN))
    assert [f.properties["town_code"] for f in towns.features] == [TOWN]
    own = shape(towns.features[0].geometry)
    for f in points.features:
        assert f.properties["town_code"] in (TOWN, None)
        # party organisations stand at a core unit of this town: no other town's place shows
        assert own.intersects(Point(f.geometry["coordinates"]).buffer(1e-9)), f.id
    foreign = [f for f in links.features if f.properties["target_name"] == FOREIGN]
    assert foreign, "the demo pairs some of this town's units with other towns"
    for f in foreign:
        assert f.properties["target"] is None  # no key of the other town's entity
        line = LineString(f.geometry["coordinates"])
        assert own.buffer(1e-6).contains(line), f.id  # stops at the town's edge
    for f in links.features:
        assert f.properties["target_name"] == FOREIGN or f.properties["target"] is not None


def test_without_boundaries_points_only_with_a_hint(demo_workbook: Path, tmp_path: Path) -> None:
    store = load_demo(EmbeddedStore(tmp_path), demo_workbook, tmp_path, boundaries=False)
    towns = ask(store, MAP_TOWNS, Scope(), MapTownsParams())
    points = ask(store, MAP_POINTS, Scope(), MapPointsParams())
    assert towns.features == [] and "boundaries import" in (towns.note or "")
    assert len(points.features) > 1500
    # villages have no town label point to fall back on: those without coordinates are unplaced
    assert any(r.label == "Village" for r in points.unplaced)
