"""The party-building map (党建地图): ECharts geo with the towns' GeoJSON registered locally.

No tile server and nothing from the internet: the polygons come from the graph (boundaries
imported with ``orggraph boundaries import``), the points and lines from the map questions.
Plain data in (the layers' GeoJSON dicts), ECharts options out; the page draws them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

MAP_NAME = "orggraph-towns"
METRICS: dict[str, tuple[str, bool]] = {  # property: (legend, is a rate)
    "coverage_rate": ("组织覆盖率", True),
    "work_coverage_rate": ("工作覆盖率", True),
    "gaps": ("未建党组织数", False),
    "demonstration_points": ("示范点数", False),
}
FORMATION_COLOURS = {
    "单独建": "#d4380d",
    "联合建": "#fa8c16",
    "挂靠建": "#faad14",
    "1+X": "#a0d911",
    "派驻指导员": "#8c8c8c",
}
ALL_LAYERS = ("towns", "organizations", "party_orgs", "villages", "gap", "示范帮扶", "村企联建")
LINK_STYLE: dict[str, tuple[str, str, str]] = {
    "gap": ("空白点→建议依托", "#fa8c16", "dashed"),
    "示范帮扶": ("示范帮扶", "#c41d2f", "solid"),
    "村企联建": ("村企联建", "#08979c", "solid"),
}


# Light areas so the points stay readable on them: blue for rates, purple for counts.
RATE_COLOURS = ["#f0f5ff", "#adc6ff", "#597ef7"]
COUNT_COLOURS = ["#f9f0ff", "#d3adf7", "#9254de"]


def _town_feature(f: dict[str, Any]) -> dict[str, Any]:
    name = f["properties"]["town_name"] or f["properties"]["town_code"]
    return {"type": "Feature", "properties": {"name": name}, "geometry": f["geometry"]}


def _shown(v: float | None, is_rate: bool) -> float | None:
    return None if v is None else round(v * 100 if is_rate else v, 2)


def _link_name(r: dict[str, Any]) -> str:
    p = r["properties"]
    return f"{p.get('source_name') or ''} → {p.get('target_name') or ''}"


@dataclass
class MapView:
    options: dict[str, Any]
    geojson: dict[str, Any]
    series_items: list[list[str]] = field(default_factory=list)  # per series: the id of each data item


def _bbox(points: list[list[float]]) -> list[list[float]] | None:
    if not points:
        return None
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    pad = 0.01
    return [[min(xs) - pad, max(ys) + pad], [max(xs) + pad, min(ys) - pad]]


def map_view(
    towns: dict[str, Any],
    points: dict[str, Any],
    links: dict[str, Any],
    *,
    metric: str = "coverage_rate",
    show: tuple[str, ...] = (
        "towns",
        "organizations",
        "party_orgs",
        "villages",
        "gap",
        "示范帮扶",
        "村企联建",
    ),
) -> MapView:
    """ECharts options for the layers (dicts in the API's GeoJSON shape) and the switches."""
    legend, is_rate = METRICS[metric]
    feats = towns.get("features", []) if "towns" in show else []
    town_features = [_town_feature(f) for f in feats]
    geojson = {"type": "FeatureCollection", "features": town_features}
    all_xy = [f["geometry"]["coordinates"] for f in points.get("features", [])]
    lat0 = sum(p[1] for p in all_xy) / len(all_xy) if all_xy else 29.3
    geo: dict[str, Any] = {
        "map": MAP_NAME,
        "roam": True,
        "aspectScale": round(math.cos(math.radians(lat0)), 4),  # equal-aspect at the district
        "label": {"show": bool(feats), "fontSize": 10, "color": "#595959"},
        "itemStyle": {"areaColor": "#f5f5f5", "borderColor": "#8c8c8c"},
        "emphasis": {"label": {"show": True}, "itemStyle": {"areaColor": "#ffe58f"}},
        "selectedMode": False,
    }
    if not feats:
        box = _bbox(all_xy)
        if box:
            geo["boundingCoords"] = box
    series: list[dict[str, Any]] = []
    items: list[list[str]] = []
    visual: list[dict[str, Any]] = []
    if feats:
        values = [f["properties"].get(metric) for f in feats]
        nums = [v for v in values if v is not None]
        # the colour scale spans the towns' own range, so close values still look different
        lo, hi = (min(nums), max(nums)) if nums else (0, 1)
        series.append(
            {
                "name": legend,
                "type": "map",
                "geoIndex": 0,
                "data": [
                    {"name": g["properties"]["name"], "value": _shown(v, is_rate)}
                    for g, v in zip(town_features, values, strict=True)
                ],
            }
        )  # fmt: skip
        items.append([f["id"] for f in feats])
        visual.append(
            {
                "type": "continuous",
                "seriesIndex": 0,
                "min": _shown(lo, is_rate),
                "max": max(_shown(hi, is_rate) or 0, (_shown(lo, is_rate) or 0) + 1),
                "text": [f"{legend}{'（%）' if is_rate else ''} 高", "低"],
                "inRange": {"color": RATE_COLOURS if is_rate else COUNT_COLOURS},
                "calculable": True,
                "left": 10,
                "bottom": 10,
            }
        )  # fmt: skip

    def scatter(
        name: str, colour: str, rows: list[dict[str, Any]], size: int = 5, symbol: str = "circle"
    ) -> None:
        if not rows:
            return
        series.append(
            {
                "name": name,
                "type": "scatter",
                "coordinateSystem": "geo",
                "symbol": symbol,
                "symbolSize": size,
                "itemStyle": {"color": colour},
                "data": [{"name": r["properties"].get("name") or r["properties"]["key"],
                          "value": r["geometry"]["coordinates"]} for r in rows],
                "tooltip": {"formatter": "{b}"},
            }
        )  # fmt: skip
        items.append([r["id"] for r in rows])

    pts = points.get("features", [])
    if "organizations" in show:
        orgs = [f for f in pts if f["properties"]["label"] == "Organization"]
        scatter("已覆盖组织", "#389e0d", [f for f in orgs if f["properties"].get("covered")], 4)
        for formation, colour in FORMATION_COLOURS.items():
            rows = [
                f
                for f in orgs
                if not f["properties"].get("covered") and f["properties"].get("formation") == formation
            ]
            scatter(f"未覆盖·建议{formation}", colour, rows, 6, "diamond")
    if "party_orgs" in show:
        pos = [f for f in pts if f["properties"]["label"] == "PartyOrg"]
        scatter("示范点", "#c41d2f", [f for f in pos if f["properties"].get("demo_tier")], 9, "pin")
        scatter("党组织", "#cf1322", [f for f in pos if not f["properties"].get("demo_tier")], 5, "triangle")
    if "villages" in show:
        scatter("村（社区）", "#08979c", [f for f in pts if f["properties"]["label"] == "Village"], 5, "rect")
    for kind, (name, colour, style) in LINK_STYLE.items():
        rows = [f for f in links.get("features", []) if f["properties"]["kind"] == kind]
        if kind not in show or not rows:
            continue
        series.append(
            {
                "name": name,
                "type": "lines",
                "coordinateSystem": "geo",
                "polyline": False,
                "lineStyle": {"color": colour, "type": style, "width": 1, "opacity": 0.6},
                "data": [{"name": _link_name(r), "coords": r["geometry"]["coordinates"]} for r in rows],
                "tooltip": {"formatter": "{b}"},
            }
        )  # fmt: skip
        items.append([r["id"] for r in rows])
    options = {
        "tooltip": {"trigger": "item"},
        "legend": {"top": 5, "type": "scroll", "data": [s["name"] for s in series if s["type"] != "map"]},
        "geo": geo,
        "series": series,
    }
    if visual:
        options["visualMap"] = visual
    return MapView(options=options, geojson=geojson, series_items=items)


def clicked(result: Any, view: MapView) -> str | None:
    """The id (``Label:key`` or ``Town:code``) behind the user's click, if any."""
    try:
        sel = result["selection"] if isinstance(result, dict) else getattr(result, "selection", None)
        pts = (sel or {}).get("points") or []
    except (KeyError, TypeError, AttributeError):
        return None
    for p in pts:
        s, i = p.get("series_index"), p.get("point_index")
        if isinstance(s, int) and isinstance(i, int) and 0 <= s < len(view.series_items):
            ids = view.series_items[s]
            if 0 <= i < len(ids):
                return ids[i]
    return None


def draw_map(view: MapView, *, key: str, height: int = 640) -> str | None:
    """Draw the map; return the id of what the user clicked."""
    from streamlit_echarts import Map, st_echarts

    result = st_echarts(
        view.options,
        height=f"{height}px",
        key=key,
        map=Map(MAP_NAME, view.geojson),
        on_select="rerun",
        selection_mode=("points",),
    )
    return clicked(result, view)


def party_map(
    town: str | None,
    *,
    key: str,
    metric: str = "coverage_rate",
    show: tuple[str, ...] = ALL_LAYERS,
    height: int = 640,
    only_with_boundaries: bool = False,
) -> tuple[str | None, Any, bool]:
    """Ask the map questions for the logged-in user and draw them: (clicked id, the points
    layer, whether boundaries exist). Used by the map page, the overview and the gaps page;
    ``only_with_boundaries``: draw nothing when no town polygons were imported."""
    from dashboard.common import q

    towns = q("map_towns", town=town)
    if only_with_boundaries and not towns.features:
        return None, None, False
    points = q("map_points", town=town)
    links = q("map_links", town=town)
    view = map_view(towns.model_dump(), points.model_dump(), links.model_dump(), metric=metric, show=show)
    return draw_map(view, key=key, height=height), points, bool(towns.features)
