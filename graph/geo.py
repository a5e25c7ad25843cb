"""Plane geometry for the party-building map: an equal-aspect projection, town polygons.

Longitude and latitude are not equal lengths away from the equator; every computation here
(nearest town, Voronoi cells, containment) runs on ``x = lon * cos(lat0), y = lat`` so that
what the map draws and what the tests check are the same plane. Pure functions, shapely only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from shapely import affinity
from shapely.geometry import MultiPoint, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import voronoi_diagram

LonLat = tuple[float, float]


def aspect(lat0: float) -> float:
    """Map y/x scale that keeps distances equal near latitude ``lat0`` (ECharts ``aspectScale``)."""
    return math.cos(math.radians(lat0))


def to_plane(geom: BaseGeometry, lat0: float) -> BaseGeometry:
    return affinity.scale(geom, xfact=aspect(lat0), yfact=1.0, origin=(0, 0))


def from_plane(geom: BaseGeometry, lat0: float) -> BaseGeometry:
    return affinity.scale(geom, xfact=1.0 / aspect(lat0), yfact=1.0, origin=(0, 0))


def _xy(p: LonLat, lat0: float) -> tuple[float, float]:
    return p[0] * aspect(lat0), p[1]


def nearest(p: LonLat, centres: Mapping[str, LonLat], lat0: float) -> str:
    """The key of the centre nearest to ``p`` in the plane (ties by key)."""
    x, y = _xy(p, lat0)

    def dist(k: str) -> tuple[float, str]:
        cx, cy = _xy(centres[k], lat0)
        return ((cx - x) ** 2 + (cy - y) ** 2, k)

    return min(centres, key=dist)


def pull_inside(p: LonLat, own: str, centres: Mapping[str, LonLat], lat0: float) -> LonLat:
    """``p`` moved toward its own centre until that centre is the nearest: so it lies in its own
    Voronoi cell. Deterministic; a point already inside is returned unchanged."""
    if nearest(p, centres, lat0) == own:
        return p
    cx, cy = centres[own]
    t = 1.0
    while t > 1e-6:
        t *= 0.8
        q = (cx + (p[0] - cx) * t, cy + (p[1] - cy) * t)
        if nearest(q, centres, lat0) == own:
            return q
    return (cx, cy)


def outline(centres: Mapping[str, LonLat], lat0: float, margin: float = 0.05) -> Polygon:
    """A plausible district outline: the centres' hull, grown by ``margin`` degrees and rounded."""
    hull = MultiPoint([_xy(c, lat0) for c in centres.values()]).convex_hull
    shape = hull.buffer(margin, quad_segs=8).buffer(-margin / 3).buffer(margin / 3)
    return from_plane(shape, lat0)


def voronoi_cells(centres: Mapping[str, LonLat], boundary: Polygon, lat0: float) -> dict[str, BaseGeometry]:
    """Each centre's Voronoi cell (in the equal-aspect plane), clipped to ``boundary``."""
    keys = sorted(centres)
    pts = MultiPoint([_xy(centres[k], lat0) for k in keys])
    area = to_plane(boundary, lat0)
    cells = voronoi_diagram(pts, envelope=area.envelope.buffer(1.0))
    out: dict[str, BaseGeometry] = {}
    for cell in cells.geoms:
        for k in keys:
            if cell.contains(Point(_xy(centres[k], lat0))):
                out[k] = from_plane(cell.intersection(area), lat0)
                break
    return out


def label_point(geom: BaseGeometry) -> LonLat:
    """A point certainly inside the polygon (for labels and for entities placed at their town)."""
    p = geom.representative_point()
    return (round(p.x, 6), round(p.y, 6))


def rounded(coords: Sequence[float], digits: int = 6) -> list[float]:
    return [round(float(c), digits) for c in coords]
