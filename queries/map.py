"""The party-building map (党建地图): towns, points and links as GeoJSON layers.

Where each kind stands (only organisations and villages have coordinates in the roster): an
organisation at its own coordinates; a party organisation at its core unit (the first
organisation it covers that has coordinates); a village at its own coordinates, else at its
town's label point (when boundaries exist). Nothing is drawn at a guessed place: an entity
with no position is listed in ``unplaced``.

Town scope: a town user sees its own polygon and points; a link from its town to another
town's entity is cut at its town's edge and labelled 外镇街, without that entity's name or key.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field
from shapely.geometry import LineString, Point, shape

from graph import geo
from graph.loaders.boundaries import stored_boundaries
from graph.model import Label, Rel
from graph.schema import label as L
from graph.schema import rel_type as T
from graph.store.base import CypherReader, FactSet, GraphStore
from graph.store.index import GraphIndex
from queries._common import check_scope
from queries.cache import facts
from queries.coverage import COVERAGE, CoverageParams
from queries.gaps import GAPS, GapsParams
from queries.models import NodeRef, _Model
from queries.params import MAX_PAGE, Params
from queries.question import Question, ask, register
from queries.scope import Scope

FOREIGN = "外镇街"
LinkKind = Literal["gap", "示范帮扶", "村企联建"]
NO_BOUNDARIES_HINT = "尚未导入镇街边界：运行 orggraph boundaries import towns.geojson 后可显示镇街轮廓"


class Feature(_Model):
    type: Literal["Feature"] = "Feature"
    id: str
    geometry: dict[str, Any] | None
    properties: dict[str, Any]


class Layer(_Model):
    """A GeoJSON FeatureCollection (readable by QGIS and any intranet GIS) plus what could not
    be drawn."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[Feature]
    unplaced: list[NodeRef] = Field(default_factory=list)  # entities with no position
    note: str | None = None  # e.g. how to add boundaries


class MapTownsParams(Params):
    pass


class MapPointsParams(Params):
    kinds: tuple[Literal["Organization", "PartyOrg", "Village"], ...] = Field(
        ("Organization", "PartyOrg", "Village"), description="点位类型"
    )


class MapLinksParams(Params):
    kinds: tuple[LinkKind, ...] = Field(
        ("gap", "示范帮扶", "村企联建"), description="连线：gap 空白点→建议依托 / 示范帮扶 / 村企联建"
    )


# --- facts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    label: str
    key: str
    name: str | None
    town_code: str | None
    lon: float | None = None
    lat: float | None = None
    demo_tier: str | None = None
    category: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class LinkFact:
    kind: str  # 示范帮扶 / 村企联建
    source: tuple[str, str]  # (label, key)
    target: tuple[str, str]
    since: str | None


@dataclass(frozen=True)
class MapFacts:
    places: tuple[Place, ...]  # in scope
    links: tuple[LinkFact, ...]  # pairing links with at least one end in scope


def _float(v: Any) -> float | None:
    try:
        return None if v is None else float(v)
    except (TypeError, ValueError):
        return None


def _place(label: str, d: dict[str, Any]) -> Place:
    key = {"Organization": "uscc", "PartyOrg": "party_org_code", "Village": "village_code"}[label]
    name = {"Organization": "org_name", "PartyOrg": "party_org_name", "Village": "village_name"}[label]
    return Place(
        label=label,
        key=str(d[key]),
        name=d.get(name),
        town_code=d.get("town_code"),
        lon=_float(d.get("lon")),
        lat=_float(d.get("lat")),
        demo_tier=d.get("demo_tier"),
        category=d.get("org_category"),
        status=d.get("status"),
    )


_LABELS = (Label.ORGANIZATION, Label.PARTY_ORG, Label.VILLAGE)
_PAIRING = {Rel.PAIRED_WITH: "示范帮扶", Rel.JOINT_BUILDS_WITH: "村企联建"}


def _facts_cypher(db: CypherReader, scope: Scope) -> MapFacts:
    places: list[Place] = []
    for lab in _LABELS:
        # party organisations: the town's own and the district-level ones above it (no town_code)
        match = f"MATCH (n:{L(lab)})" if lab is Label.PARTY_ORG else scope.match("n", lab)
        rows = db.read(
            f"{match} WHERE {scope.cypher('n')} RETURN properties(n) AS p",
            scope.params(),
            "map_places",
        )
        places += [_place(lab.value, r["p"]) for r in rows]
    fk = {"Organization": "uscc", "PartyOrg": "party_org_code", "Village": "village_code"}
    links: list[LinkFact] = []
    for rel, kind in _PAIRING.items():
        rows = db.read(
            f"MATCH (a)-[r:{T(rel)}]->(b) WHERE {scope.cypher('a')} OR {scope.cypher('b')} "
            "RETURN labels(a)[0] AS al, a[$fk[labels(a)[0]]] AS ak, labels(b)[0] AS bl, "
            "b[$fk[labels(b)[0]]] AS bk, r.since AS since",
            {**scope.params(), "fk": fk},
            "map_links",
        )
        links += [LinkFact(kind, (r["al"], str(r["ak"])), (r["bl"], str(r["bk"])), r["since"]) for r in rows]
    return _sorted(places, links)


def _facts_nx(ix: GraphIndex, scope: Scope) -> MapFacts:
    places = [
        _place(lab.value, d)
        for lab in _LABELS
        for _, d in ix.scoped_nodes(lab.value, scope)
        if scope.admits(lab.value, d)
    ]
    links: list[LinkFact] = []
    for rel, kind in _PAIRING.items():
        for u, v, d in ix.edges(rel.value):
            a, b = ix.props(u), ix.props(v)
            if scope.admits(a["_label"], a) or scope.admits(b["_label"], b):
                ua, ub = u.split(":", 1), v.split(":", 1)
                links.append(LinkFact(kind, (ua[0], ua[1]), (ub[0], ub[1]), d.get("since")))
    return _sorted(places, links)


def _sorted(places: Iterable[Place], links: Iterable[LinkFact]) -> MapFacts:
    return MapFacts(
        places=tuple(sorted(places, key=lambda p: (p.label, p.key))),
        links=tuple(sorted(set(links), key=lambda x: (x.kind, x.source, x.target, x.since or ""))),
    )


MAP_FACTS = FactSet("map.facts", cypher=_facts_cypher, networkx=_facts_nx)


def _ordered(pairs: Iterable[tuple[str, str, Any]]) -> dict[str, tuple[str, ...]]:
    """Covered organisations per party organisation in roster order (the core unit first);
    rows loaded before the order was recorded fall back to key order."""
    out: dict[str, list[tuple[bool, int, str]]] = {}
    for po, org, order in pairs:
        out.setdefault(po, []).append((order is None, int(order or 0), org))
    return {po: tuple(o for *_, o in sorted(v)) for po, v in out.items()}


def _covers_cypher(db: CypherReader, codes: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    rows = db.read(
        f"UNWIND $codes AS c MATCH (p:{L(Label.PARTY_ORG)} {{party_org_code: c}})-[r:{T(Rel.COVERS)}]->"
        f"(o:{L(Label.ORGANIZATION)}) RETURN c, o.uscc AS o, r.order AS i",
        {"codes": list(codes)},
        "map_covers",
    )
    return _ordered((r["c"], str(r["o"]), r["i"]) for r in rows)


def _covers_nx(ix: GraphIndex, codes: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    pairs = []
    for c in codes:
        nid = f"{Label.PARTY_ORG.value}:{c}"
        if nid in ix.nodes:
            for v, d in ix.out_edges(nid, Rel.COVERS.value):
                if v.startswith(f"{Label.ORGANIZATION.value}:"):
                    pairs.append((c, v.split(":", 1)[1], d.get("order")))
    return _ordered(pairs)


# The organisations each party organisation covers, in roster order (where it stands on the map).
MAP_COVERS = FactSet("map.covers", cypher=_covers_cypher, networkx=_covers_nx)


# --- positions -------------------------------------------------------------------------


class _Positions:
    """Where each entity stands, by node id, within what the caller may see."""

    def __init__(self, store: GraphStore, scope: Scope, mf: MapFacts, towns: dict[str, Any]) -> None:
        self.store, self.scope, self.towns = store, scope, towns
        self.places = {f"{p.label}:{p.key}": p for p in mf.places}
        codes = tuple(p.key for p in mf.places if p.label == Label.PARTY_ORG.value)
        self.covers = facts(store, MAP_COVERS, codes)
        self.org_xy = {
            p.key: (p.lon, p.lat) for p in mf.places if p.label == "Organization" and p.lon is not None
        }

    def of(self, nid: str) -> tuple[float, float] | None:
        p = self.places.get(nid)
        return None if p is None else self._pos(p, self.org_xy, self.covers.get(p.key, ()))

    def _pos(self, p: Place, org_xy: dict[str, Any], covers: tuple[str, ...]) -> tuple[float, float] | None:
        if p.lon is not None and p.lat is not None:
            return (p.lon, p.lat)
        if p.label == "PartyOrg":
            for u in covers:
                if u in org_xy:
                    xy: tuple[float, float] = org_xy[u]
                    return xy
            return None
        if p.label == "Village" and p.town_code in self.towns:
            point: tuple[float, float] = self.towns[p.town_code]["label_point"]
            return point
        return None

    def foreign(self, label: str, key: str) -> tuple[float, float] | None:
        """Position of an entity outside the scope: used only for a line's direction, never shown."""
        d = self.store.fetch_nodes(Label(label), [key]).get(key)
        if d is None:
            return None
        p = _place(label, d)
        xy: dict[str, Any] = {}
        covers: tuple[str, ...] = ()
        if p.label == "PartyOrg":
            covers = self.store.facts(MAP_COVERS, (key,)).get(key, ())
            xy = {
                k: (_float(v.get("lon")), _float(v.get("lat")))
                for k, v in self.store.fetch_nodes(Label.ORGANIZATION, list(covers)).items()
                if v.get("lon") is not None and v.get("lat") is not None
            }
        return self._pos(p, xy, covers)


def _towns(store: GraphStore, scope: Scope) -> dict[str, dict[str, Any]]:
    out = {}
    for code, doc in stored_boundaries(store).items():
        if not scope.owns({"town_code": code}):
            continue
        g = shape(doc["geometry"])
        out[code] = {"doc": doc, "shape": g, "label_point": geo.label_point(g)}
    return out


def _ref(p: Place) -> NodeRef:
    return NodeRef(label=p.label, key=p.key, name=p.name, town_code=p.town_code)


# --- answers -------------------------------------------------------------------------


def _all_gaps(store: GraphStore, scope: Scope) -> list[Any]:
    entries: list[Any] = []
    offset = 0
    while True:
        page = ask(store, GAPS, scope, GapsParams(limit=MAX_PAGE, offset=offset, candidates=1))
        entries += page.entries
        offset += MAX_PAGE
        if offset >= page.total:
            return entries


def map_towns(store: GraphStore, scope: Scope, p: MapTownsParams) -> Layer:
    """Town polygons with what the choropleth colours by: organisation and work coverage,
    the number of gaps and of demonstration points."""
    check_scope(store, scope)
    towns = _towns(store, scope)
    if not towns:
        return Layer(features=[], note=NO_BOUNDARIES_HINT)
    cov = ask(store, COVERAGE, scope, CoverageParams(by="town", limit=1))
    rows = {r.group: r for r in cov.rows}
    gaps: dict[str | None, int] = {}
    for e in _all_gaps(store, scope):
        gaps[e.org.town_code] = gaps.get(e.org.town_code, 0) + 1
    demos: dict[str | None, int] = {}
    for pl in facts(store, MAP_FACTS, scope).places:
        if pl.label == "PartyOrg" and pl.demo_tier:
            demos[pl.town_code] = demos.get(pl.town_code, 0) + 1
    features = []
    for code, t in sorted(towns.items()):
        r = rows.get(code)
        features.append(
            Feature(
                id=f"Town:{code}",
                geometry=t["doc"]["geometry"],
                properties={
                    "town_code": code,
                    "town_name": t["doc"].get("town_name"),
                    "label_point": list(t["label_point"]),
                    "organizations": r.total if r else 0,
                    "coverage_rate": r.rate if r else None,
                    "work_coverage_rate": r.work_rate if r else None,
                    "gaps": gaps.get(code, 0),
                    "demonstration_points": demos.get(code, 0),
                },
            )
        )
    return Layer(features=features)


def map_points(store: GraphStore, scope: Scope, p: MapPointsParams) -> Layer:
    """Organisations (covered, or uncovered with their recommended formation), party
    organisations at their core unit, villages; the ones with no position listed apart."""
    check_scope(store, scope)
    mf = facts(store, MAP_FACTS, scope)
    towns = _towns(store, scope)
    pos = _Positions(store, scope, mf, towns)
    rec = {e.org.key: e.recommendation.formation for e in _all_gaps(store, scope)}
    features, unplaced = [], []
    for pl in mf.places:
        if pl.label not in p.kinds or (pl.label == "Organization" and pl.status == "注销"):
            continue
        xy = pos.of(f"{pl.label}:{pl.key}")
        if xy is None:
            unplaced.append(_ref(pl))
            continue
        props: dict[str, Any] = {"label": pl.label, "key": pl.key, "name": pl.name, "town_code": pl.town_code}
        if pl.label == "Organization":
            props |= {"category": pl.category, "covered": pl.key not in rec, "formation": rec.get(pl.key)}
        elif pl.label == "PartyOrg":
            props |= {"demo_tier": pl.demo_tier}
        else:
            props |= {"at_town_label": pl.lon is None}
        features.append(
            Feature(
                id=f"{pl.label}:{pl.key}",
                geometry={"type": "Point", "coordinates": list(xy)},
                properties=props,
            )
        )
    note = None if towns else NO_BOUNDARIES_HINT
    return Layer(features=features, unplaced=unplaced, note=note)


def _line(a: tuple[float, float], b: tuple[float, float], town: Any | None) -> tuple[list[list[float]], bool]:
    """The segment a→b; when b lies outside the caller's town polygon, cut at its edge."""
    seg = LineString([a, b])
    if town is None or town["shape"].contains(Point(b)):
        return [list(a), list(b)], False
    inside = seg.intersection(town["shape"])
    end = a
    for part in getattr(inside, "geoms", [inside]):
        for c in getattr(part, "coords", []):
            if Point(c).distance(Point(a)) > Point(end).distance(Point(a)):
                end = (c[0], c[1])
    return [list(a), [round(end[0], 6), round(end[1], 6)]], True


def map_links(store: GraphStore, scope: Scope, p: MapLinksParams) -> Layer:
    """Lines: each gap to its recommended host, 示范帮扶 pairs, 村企联建 pairs. A line whose other
    end lies in another town (town scope) stops at the town's edge, labelled 外镇街."""
    check_scope(store, scope)
    mf = facts(store, MAP_FACTS, scope)
    towns = _towns(store, scope)
    own = towns.get(scope.town) if scope.town else None
    pos = _Positions(store, scope, mf, towns)
    features: list[Feature] = []

    def add(kind: str, src: tuple[str, str], dst: tuple[str, str], extra: dict[str, Any]) -> None:
        a_in, b_in = f"{src[0]}:{src[1]}" in pos.places, f"{dst[0]}:{dst[1]}" in pos.places
        if not a_in and not b_in:
            return
        if not a_in:  # draw from the visible end
            src, dst = dst, src
        a = pos.of(f"{src[0]}:{src[1]}")
        b = pos.of(f"{dst[0]}:{dst[1]}") if (a_in and b_in) else pos.foreign(*dst)
        if a is None or b is None:
            return
        coords, cut = _line(a, b, own) if not (a_in and b_in) else ([list(a), list(b)], False)
        src_pl = pos.places[f"{src[0]}:{src[1]}"]
        props: dict[str, Any] = {
            "kind": kind,
            "source": f"{src[0]}:{src[1]}",
            "source_name": src_pl.name,
            **extra,
        }
        if a_in and b_in:
            props |= {"target": f"{dst[0]}:{dst[1]}", "target_name": pos.places[f"{dst[0]}:{dst[1]}"].name}
        else:
            props |= {"target": None, "target_name": FOREIGN, "cut_at_edge": cut}
        features.append(
            Feature(
                id=f"{kind}:{props['source']}->{props['target'] or FOREIGN}:{len(features)}",
                geometry={"type": "LineString", "coordinates": coords},
                properties=props,
            )
        )

    if "gap" in p.kinds:
        for e in _all_gaps(store, scope):
            host = e.recommendation.host
            if host is not None:
                add(
                    "gap",
                    ("Organization", e.org.key),
                    ("PartyOrg", host.key),
                    {"formation": e.recommendation.formation},
                )
    for lk in mf.links:
        if lk.kind in p.kinds:
            add(lk.kind, lk.source, lk.target, {"since": lk.since})
    return Layer(features=features)


MAP_TOWNS = register(Question("map_towns", "党建地图·镇街", MapTownsParams, Layer, map_towns))
MAP_POINTS = register(Question("map_points", "党建地图·点位", MapPointsParams, Layer, map_points))
MAP_LINKS = register(Question("map_links", "党建地图·连线", MapLinksParams, Layer, map_links))
