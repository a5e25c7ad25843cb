"""The party-building map as GeoJSON layers (for the dashboard, QGIS or an intranet GIS)."""

from __future__ import annotations

from fastapi import APIRouter

from api.answer import question_route
from queries.map import MAP_LINKS, MAP_POINTS, MAP_TOWNS

router = APIRouter(prefix="/map", tags=["map 党建地图"])

question_route(
    router, "/towns", MAP_TOWNS, summary="镇街边界与覆盖情况（GeoJSON）/ town polygons with coverage"
)
question_route(router, "/organizations", MAP_POINTS, summary="组织、党组织、村（社区）点位 / points")
question_route(router, "/links", MAP_LINKS, summary="空白点→依托、示范帮扶、村企联建连线 / links")
