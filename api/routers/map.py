"""The party-building map as GeoJSON layers (for the dashboard, QGIS or an intranet GIS)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from api.answer import Caller, ask, caller
from api.routers.params import Scoped
from queries.map import (
    MAP_LINKS,
    MAP_POINTS,
    MAP_TOWNS,
    Layer,
    MapLinksParams,
    MapPointsParams,
    MapTownsParams,
)

router = APIRouter(prefix="/map", tags=["map 党建地图"])


class TownsQuery(MapTownsParams, Scoped):
    pass


class PointsQuery(MapPointsParams, Scoped):
    pass


class LinksQuery(MapLinksParams, Scoped):
    pass


@router.get(
    "/towns", response_model=Layer, summary="镇街边界与覆盖情况（GeoJSON）/ town polygons with coverage"
)
def towns(c: Annotated[Caller, Depends(caller)], p: Annotated[TownsQuery, Query()]) -> Response:
    return ask(c, MAP_TOWNS, p)


@router.get("/organizations", response_model=Layer, summary="组织、党组织、村（社区）点位 / points")
def points(c: Annotated[Caller, Depends(caller)], p: Annotated[PointsQuery, Query()]) -> Response:
    return ask(c, MAP_POINTS, p)


@router.get("/links", response_model=Layer, summary="空白点→依托、示范帮扶、村企联建连线 / links")
def links(c: Annotated[Caller, Depends(caller)], p: Annotated[LinksQuery, Query()]) -> Response:
    return ask(c, MAP_LINKS, p)
