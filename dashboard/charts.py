"""Network and scatter drawings (ECharts through streamlit-echarts, bundled: works offline).

Charts take plain data (ids, names, pairs); layouts come from :mod:`queries.layout`, computed
on the server with fixed seeds, so a view looks the same on every visit and the browser never
runs a force simulation over thousands of nodes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from queries.layout import MAX_DRAWN, cap_nodes, degrees, pack_layout

# One palette for every page, so a colour means the same thing everywhere.
COLORS = {
    "市级示范点": "#B71C1C",
    "区级示范点": "#E65100",
    "镇街级示范点": "#F9A825",
    "党组织": "#1E88E5",
    "区级党组织": "#0D47A1",
    "已建党组织的组织": "#43A047",
    "未建党组织的组织": "#8E24AA",
    "组织": "#43A047",
    "村社区": "#6D4C41",
    "镇街": "#546E7A",
    "园区": "#78909C",
    "党员": "#00897B",
    "党建指导员": "#5E35B1",
    "其他": "#9E9E9E",
}

# Exposes the live chart to the page so a browser test can find a node's pixel position;
# returns nothing, so it never triggers a rerun.
_EXPOSE = (
    "function(){ window.__orggraphCharts = window.__orggraphCharts || {};"
    " window.__orggraphCharts[%s] = chart; }"
)


@dataclass
class Drawing:
    """A network ready to draw: nodes with category and size, links, and what was left out."""

    nodes: list[dict[str, Any]] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    total_nodes: int = 0
    truncated: bool = False
    aspect: float = 1.6  # width / height of the laid-out drawing

    def height(self, width: int = 900, lo: int = 320, hi: int = 680) -> int:
        """The chart height at which a ``width``-pixel-wide chart fills both ways: ECharts
        fits the drawing into 80% of the limiting side, keeping its aspect ratio."""
        return int(min(max(0.8 * width / max(self.aspect, 0.2) + 48 + 24, lo), hi))


# --- drawing ----------------------------------------------------------------------------


def build_drawing(
    nodes: Sequence[tuple[str, str, str, str]],
    edges: Iterable[tuple[str, str, str]],
    *,
    cap: int = MAX_DRAWN,
    directed_layout: dict[str, tuple[float, float]] | None = None,
) -> Drawing:
    """``nodes`` are (id, name, category, tooltip); ``edges`` are (source, target, text)."""
    meta = {}
    for nid, name, cat, tip in sorted(nodes):
        meta[nid] = (name, cat, tip)
    edge_text: dict[tuple[str, str], str] = {}
    for u, v, text in edges:
        if u in meta and v in meta and u != v:
            edge_text[(u, v)] = text
    total = len(meta)
    kept, truncated = cap_nodes(meta, edge_text, cap)
    inside = set(kept)
    pairs = [(u, v) for u, v in edge_text if u in inside and v in inside]
    pos = directed_layout or pack_layout(kept, pairs)
    deg = degrees(kept, pairs)
    cats: list[str] = []
    for nid in kept:
        if meta[nid][1] not in cats:
            cats.append(meta[nid][1])
    cats.sort(key=lambda c: list(COLORS).index(c) if c in COLORS else len(COLORS))
    big = len(kept) > 300
    # Labels for everything in small drawings; in large ones only for the best-connected few.
    labelled = set(sorted(kept, key=lambda n: (-deg[n], n))[: (12 if big else 60)])
    drawn_nodes = []
    for nid in kept:
        name, cat, tip = meta[nid]
        size = min(10 + 3 * math.sqrt(deg[nid]), 34) if not big else min(7 + 2.5 * math.sqrt(deg[nid]), 26)
        x, y = pos.get(nid, (0.0, 0.0))
        drawn_nodes.append(
            {
                "id": nid,
                "name": name,
                "value": tip,
                "category": cats.index(cat),
                "symbolSize": round(size, 1),
                "x": round(x * 100, 1),
                "y": round(y * 100, 1),
                **({"label": {"show": True}} if nid in labelled else {}),
            }
        )
    links = [
        {"source": u, "target": v, "value": text}
        for (u, v), text in sorted(edge_text.items())
        if u in inside and v in inside
    ]
    xs = [n["x"] for n in drawn_nodes] or [0.0]
    ys = [n["y"] for n in drawn_nodes] or [0.0]
    aspect = (max(xs) - min(xs) + 60) / (max(ys) - min(ys) + 60)
    return Drawing(drawn_nodes, links, cats, total, truncated, aspect)


TITLE_PREFIX = "title:"  # ids of group titles drawn among the nodes (never a node of the graph)


def add_titles(d: Drawing, titles: dict[str, tuple[str, tuple[float, float]]]) -> None:
    """Group titles (e.g. each town's name above its part of the network): label-only points
    placed in the drawing's coordinates, so they move with zoom and pan."""
    for key, (text, (x, y)) in sorted(titles.items()):
        d.nodes.append(
            {
                "id": TITLE_PREFIX + key,
                "name": text,
                "value": text,
                "x": round(x * 100, 1),
                "y": round(y * 100, 1),
                "symbolSize": 0,
                "silent": True,
                "tooltip": {"show": False},
                "label": {
                    "show": True,
                    "position": "right",
                    "fontSize": 14,
                    "fontWeight": "bold",
                    "color": "#37474F",
                },
            }
        )


def node_ids(d: Drawing) -> list[str]:
    """The drawing's graph nodes (titles left out)."""
    return [str(n["id"]) for n in d.nodes if not str(n["id"]).startswith(TITLE_PREFIX)]


def graph_options(
    d: Drawing, *, arrows: bool = True, edge_labels: bool = False, zoom: float = 1.0
) -> dict[str, Any]:
    """ECharts options for a drawing. Small drawings (chains, neighbourhoods) put names under
    the nodes and may name the edges; large ones label only hubs, beside them."""
    small = len(d.nodes) <= 40
    series_extra: dict[str, Any] = {}
    if edge_labels:
        series_extra["edgeLabel"] = {"show": True, "formatter": "{c}", "fontSize": 11, "color": "#5f6368"}
    if not small:
        series_extra["labelLayout"] = {"hideOverlap": True}
    return {
        "backgroundColor": "#FFFFFF",
        "tooltip": {"trigger": "item", "formatter": "{b}<br/>{c}", "confine": True},
        "legend": [{"data": d.categories, "top": 4, "left": "center", "itemGap": 14}],
        "animation": False,
        "series": [
            {
                "type": "graph",
                "layout": "none",
                "roam": True,
                "draggable": False,
                # Only top and left: with width and height free, ECharts keeps the drawing's
                # aspect ratio (all four sides would stretch circles into ellipses).
                "top": 48,
                "left": "center",
                "zoom": zoom,
                "data": d.nodes,
                "links": d.links,
                "categories": [
                    {"name": c, "itemStyle": {"color": COLORS.get(c, COLORS["其他"])}} for c in d.categories
                ],
                "label": {
                    "position": "bottom" if small else "right",
                    "fontSize": 12 if small else 11,
                    "color": "#333",
                    "width": 150 if small else 220,
                    "overflow": "break",
                },
                **series_extra,
                "lineStyle": {"color": "#9aa5b1", "width": 1, "opacity": 0.7, "curveness": 0.05},
                "edgeSymbol": ["none", "arrow"] if arrows else ["none", "none"],
                "edgeSymbolSize": 6,
                "emphasis": {"focus": "adjacency", "lineStyle": {"width": 2.5}},
                "select": {"itemStyle": {"borderColor": "#000", "borderWidth": 2}},
                "selectedMode": "single",
                "scaleLimit": {"min": 0.2, "max": 12},
            }
        ],
    }


def draw_network(
    d: Drawing,
    *,
    key: str,
    height: int | None = None,
    selectable: bool = True,
    edge_labels: bool = False,
    zoom: float = 1.0,
) -> str | None:
    """Draw a network; return the id of the node the user clicked (None if none)."""
    from streamlit_echarts import st_echarts

    height = height or d.height()
    result = st_echarts(
        graph_options(d, edge_labels=edge_labels, zoom=zoom),
        height=f"{height}px",
        key=key,
        events={"finished": _EXPOSE % repr(key)},
        on_select="rerun" if selectable else "ignore",
        selection_mode=("points",),
    )
    return clicked_node(result, d)


def clicked_node(result: Any, d: Drawing) -> str | None:
    """The node behind a selection. A graph series reports nodes and edges by index in their
    own arrays, so the name must match too (edges carry no name)."""
    try:
        sel = result["selection"] if isinstance(result, dict) else getattr(result, "selection", None)
        points = (sel or {}).get("points") or []
    except (KeyError, TypeError, AttributeError):
        return None
    if not points:
        return None
    p = points[0]
    idx, name = p.get("point_index"), p.get("name")
    if isinstance(idx, int) and 0 <= idx < len(d.nodes) and name is not None and d.nodes[idx]["name"] == name:
        nid = str(d.nodes[idx]["id"])
        return None if nid.startswith(TITLE_PREFIX) else nid
    return None


def chain_layout(ids: Sequence[str]) -> dict[str, tuple[float, float]]:
    """Left to right, as a path or a chain reads."""
    return {nid: (i * 2.2, 0.0) for i, nid in enumerate(ids)}


def ring_layout(center: str, rings: Sequence[Sequence[str]]) -> dict[str, tuple[float, float]]:
    """The centre in the middle, each further hop on a wider ring (a neighbourhood view)."""
    pos = {center: (0.0, 0.0)}
    for r, ring in enumerate(rings, start=1):
        n = max(len(ring), 1)
        for i, nid in enumerate(ring):
            a = 2 * math.pi * i / n - math.pi / 2
            pos[nid] = (r * 2.0 * math.cos(a), r * 2.0 * math.sin(a))
    return pos


def radial_labels(d: Drawing, center: str) -> None:
    """Names pointing outwards along the radius, as ECharts' circular layout draws them, so a
    ring of names does not pile up."""
    c = next((n for n in d.nodes if n["id"] == center), None)
    if c is None:
        return
    for n in d.nodes:
        if n is c:
            n["label"] = {"show": True, "position": "bottom", "fontWeight": "bold"}
            continue
        dx, dy = n["x"] - c["x"], n["y"] - c["y"]
        deg = math.degrees(math.atan2(dy, dx))  # screen y points down: clockwise from +x
        left = 90 < deg % 360 < 270
        n["label"] = {
            "show": True,
            "position": "left" if left else "right",
            "rotate": (180 - deg) if left else -deg,
            "width": 130,
            "overflow": "truncate",
        }


def chains_layout(
    member: str, rel: Sequence[str], act: Sequence[str], employer: str | None, covering: Sequence[str]
) -> dict[str, tuple[float, float]]:
    """Two chains upwards from a member, as rows from the top (区委) down: the relationship
    chain on the left, the activity chain on the right, shared superiors in the middle; the
    employer and the party organisations covering it further right."""
    depth: dict[str, int] = {}
    for chain in (rel, act):
        for i, nid in enumerate(reversed(chain)):
            depth[nid] = max(depth.get(nid, 0), i)
    bottom = max(depth.values(), default=-1) + 1
    pos: dict[str, tuple[float, float]] = {member: (0.0, bottom * 1.2)}
    for nid, dep in depth.items():
        x = 0.0 if (nid in rel and nid in act) else (-1.6 if nid in rel else 1.6)
        pos[nid] = (x, dep * 1.2)
    if employer:
        pos.setdefault(employer, (3.4, bottom * 1.2))
        for i, po in enumerate(covering):
            pos.setdefault(po, (3.4 + i * 1.6, (bottom - 1) * 1.2))
    return pos


def scatter_options(series: list[tuple[str, str, float, list[list[Any]]]]) -> dict[str, Any]:
    """``series`` are (name, colour, symbol size, [[lon, lat, name, extra], ...]). Plain axes,
    no map tiles: an intranet has no tile server."""
    return {
        "backgroundColor": "#FFFFFF",
        "animation": False,
        "legend": {"top": 4},
        "grid": {"left": 56, "right": 24, "top": 40, "bottom": 44},
        "tooltip": {"trigger": "item", "formatter": "{b}", "confine": True},
        "xAxis": {"type": "value", "name": "经度", "nameLocation": "middle", "nameGap": 26, "scale": True},
        "yAxis": {"type": "value", "name": "纬度", "nameLocation": "middle", "nameGap": 40, "scale": True},
        "dataZoom": [{"type": "inside", "xAxisIndex": 0}, {"type": "inside", "yAxisIndex": 0}],
        "series": [
            {
                "name": name,
                "type": "scatter",
                "symbolSize": size,
                "itemStyle": {"color": color, "opacity": 0.85},
                "data": [{"name": p[2], "value": [p[0], p[1]]} for p in points],
                "emphasis": {"scale": 1.6},
            }
            for name, color, size, points in series
        ],
    }


def draw_scatter(
    series: list[tuple[str, str, float, list[list[Any]]]], *, key: str, height: int = 420
) -> None:
    from streamlit_echarts import st_echarts

    st_echarts(scatter_options(series), height=f"{height}px", key=key)


Series = tuple[str, str, Sequence[float]]  # (name, colour, one value per label)


def bars_options(
    labels: Sequence[str], series: Sequence[Series], *, unit: str = "", max_value: float | None = None
) -> dict[str, Any]:
    """Horizontal bars: one row per label (the first at the top), one bar per series; a legend
    when there are several series."""
    many = len(series) > 1
    return {
        "backgroundColor": "#FFFFFF",
        "animation": False,
        **({"legend": {"top": 0}} if many else {}),
        "grid": {"left": 8, "right": 56, "top": 28 if many else 8, "bottom": 24, "containLabel": True},
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "xAxis": {"type": "value", "max": max_value, "name": unit, "nameGap": 6},
        "yAxis": {"type": "category", "data": list(labels), "inverse": True, "axisLabel": {"interval": 0}},
        "series": [
            {
                "name": name,
                "type": "bar",
                "data": list(values),
                "itemStyle": {"color": color, "borderRadius": [0, 3, 3, 0]},
                "barMaxWidth": 18,
                "label": {"show": True, "position": "right", "fontSize": 11},
            }
            for name, color, values in series
        ],
    }


def bar_options(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    color: str,
    name: str,
    unit: str = "",
    max_value: float | None = None,
) -> dict[str, Any]:
    """Horizontal bars, largest on top (ECharts: the chart library is loaded anyway)."""
    pairs = sorted(zip(labels, values, strict=True), key=lambda p: -p[1])
    return bars_options(
        [p[0] for p in pairs], [(name, color, [p[1] for p in pairs])], unit=unit, max_value=max_value
    )


def draw_bars(
    labels: Sequence[str], values: Sequence[float], *, key: str, color: str, name: str, unit: str = "",
    max_value: float | None = None,
) -> None:  # fmt: skip
    _draw_bars(bar_options(labels, values, color=color, name=name, unit=unit, max_value=max_value), key)


def draw_grouped_bars(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    key: str,
    unit: str = "",
    max_value: float | None = None,
) -> None:
    """Several series side by side per label (e.g. before and after), labels in the given order."""
    _draw_bars(bars_options(labels, series, unit=unit, max_value=max_value), key)


def _draw_bars(options: dict[str, Any], key: str) -> None:
    from streamlit_echarts import st_echarts

    rows = len(options["yAxis"]["data"]) * len(options["series"])
    height = 40 + 24 * max(rows, 3) + (20 if len(options["series"]) > 1 else 0)
    st_echarts(options, height=f"{height}px", key=key, events={"finished": _EXPOSE % repr(key)})


def legend_note(d: Drawing) -> None:
    if d.truncated:
        st.caption(
            f"网络共有 {d.total_nodes} 个节点，为保证流畅只绘制了其中 {len(d.nodes)} 个"
            "（最大的连通部分优先）；可用上方筛选缩小范围。"
        )


def line_options(
    x: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], *, unit: str = ""
) -> dict[str, Any]:
    """Lines over ``x`` (one point per category); the first series is drawn bold (the total).
    ``None`` leaves a gap: a town without organisations has no rate."""
    return {
        "backgroundColor": "#FFFFFF",
        "animation": False,
        "legend": {"type": "scroll", "top": 2},
        "grid": {"left": 8, "right": 24, "top": 40, "bottom": 8, "containLabel": True},
        "tooltip": {"trigger": "axis", "confine": True},
        "xAxis": {"type": "category", "data": list(x), "boundaryGap": False},
        "yAxis": {"type": "value", "name": unit, "scale": True},
        "series": [
            {
                "name": name,
                "type": "line",
                "data": list(values),
                "connectNulls": False,
                "symbolSize": 7 if i == 0 else 5,
                "lineStyle": {"width": 3 if i == 0 else 1.5},
                **({"itemStyle": {"color": "#B71C1C"}} if i == 0 else {}),
            }
            for i, (name, values) in enumerate(series)
        ],
    }


def draw_lines(
    x: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    key: str,
    unit: str = "",
    height: int = 320,
) -> None:
    from streamlit_echarts import st_echarts

    st_echarts(line_options(x, series, unit=unit), height=f"{height}px", key=key)
