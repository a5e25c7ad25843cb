"""Question 2: uncovered organisations, the party organisations near them, and what to build.

The uncovered organisations with their member counts come from the district aggregates the
loader keeps (graph/aggregates.py, exactly a recount); the backends gather the other typed
facts (details of the page's organisations, candidate hosts with what they cover, graph distances,
coordinates for the map) through fact sets, one Cypher and one networkx side each; the
ranking and the recommendation are written once, so both backends answer alike by construction.

"Near" (DESIGN.md): same park, then same association, then same town (closer first by
straight-line km when both have coordinates), then graph distance, then key. Graph distance
walks organisation and membership links and never passes a Town, Park, Instructor or a
district-level / structural party organisation (they connect everything).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import Field

from graph.aggregates import HostRow, UncoveredRow
from graph.fields import model_from
from graph.model import (
    DEREGISTERED,
    SELF_EMPLOYED_CATEGORY,
    Label,
    OrgCategory,
    Rel,
)
from graph.schema import label as L
from graph.schema import rel_type as T
from graph.schema.cypher import covered_cypher
from graph.store.base import CypherReader, FactSet, GraphStore
from graph.store.index import GraphIndex
from queries._common import (
    STRUCTURAL,
    check_key,
    check_scope,
    coords,
    haversine_km,
    head,
    is_hub,
    ref_from,
)
from queries.cache import cached, facts
from queries.coverage import OrgFact, scope_rows
from queries.models import (
    Candidate,
    GapEntry,
    GapMember,
    GapsResult,
    Helper,
    MapPoint,
    NodeRef,
    Recommendation,
)
from queries.names import association_shown, names
from queries.params import MAX_PAGE, Params
from queries.question import Question, register
from queries.scope import Scope

FULL, PROBATIONARY = "正式党员", "预备党员"
FLOATING, HIDDEN = "流动党员", "隐性党员"
MAX_HOPS = 6
MAX_CANDIDATES = 20
# Links that make two organisations "near" in the graph (Town / Park links excluded: hubs).
NEAR_RELS = [
    Rel.ACTIVE_IN,
    Rel.COVERS,
    Rel.IN_ASSOCIATION,
    Rel.JOINT_BUILDS_WITH,
    Rel.PAIRED_WITH,
    Rel.RELATIONSHIP_IN,
    Rel.REPORTS_TO,
    Rel.SUBSIDIARY_OF,
    Rel.WORKS_AT,
]


class GapsParams(Params):
    park: str | None = Field(None, description="只看该园区（园区编码）")
    industry: str | None = Field(None, max_length=100, description="只看该行业")
    category: OrgCategory | None = Field(None, description="只看该组织类别")
    min_employees: int | None = Field(None, ge=0, le=10_000_000, description="从业人员不少于")
    max_hops: int = Field(4, ge=1, le=MAX_HOPS, description=f"图上相距几步以内算邻近（1–{MAX_HOPS}）")
    candidates: int = Field(
        5, ge=0, le=MAX_CANDIDATES, description=f"每个组织列出的候选依托党组织数（最多 {MAX_CANDIDATES}）"
    )
    limit: int | None = Field(
        50, ge=1, le=MAX_PAGE, description=f"每页条数（最多 {MAX_PAGE}；不传则为 50）；个体工商户同样分页"
    )
    offset: int = Field(0, ge=0, le=1_000_000, description="跳过条数")
    with_map: bool = Field(False, description="同时给出范围内有经纬度的组织（分布图用）")


# --- facts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class GapOrgFact(OrgFact):
    """An uncovered organisation in scope, with the members working there (in scope)."""

    status: str | None
    xy: tuple[float, float] | None  # lon, lat
    full: int  # full members working there
    n: int  # all members working there


@dataclass(frozen=True)
class MemberFact:
    member_id: str
    name: str | None
    town_code: str | None
    member_type: str | None
    flag: str | None


@dataclass(frozen=True)
class HelperFact:
    label: str
    key: str | None
    name: str | None
    town_code: str | None
    since: str | None
    status: str | None


@dataclass(frozen=True)
class OrgDetails:
    members: tuple[MemberFact, ...]
    demos: tuple[NodeRef, ...]
    instructors: tuple[NodeRef, ...]
    helpers: tuple[HelperFact, ...]


@dataclass(frozen=True)
class HostFact:
    """A party organisation that can host, with what the near rule needs of what it covers."""

    code: str
    name: str | None
    town_code: str | None
    kind: str | None
    level: str | None
    formation: str | None
    parks: tuple[str, ...]  # its own park and those of the organisations it covers
    assocs: tuple[str, ...]  # the associations of the organisations it covers
    assoc_orgs: tuple[str, ...]  # the associations among the organisations it covers
    pts: tuple[tuple[float, float], ...]  # lon, lat of the organisations it covers


@dataclass(frozen=True)
class PointFact:
    uscc: str
    name: str | None
    town_code: str | None
    park_code: str | None
    xy: tuple[float, float]


@dataclass(frozen=True)
class DetailQuery:
    scope: Scope
    keys: tuple[str, ...]


@dataclass(frozen=True)
class HopQuery:
    scope: Scope
    keys: tuple[str, ...]
    hosts: tuple[str, ...]
    max_hops: int


ORG_FIELDS = (
    "uscc", "org_name", "town_code", "org_category", "industry", "park_code", "association_uscc",
    "employees", "status", "lon", "lat",
)  # fmt: skip
HOST_FIELDS = ("party_org_code", "party_org_name", "town_code", "kind", "level", "formation")


def _list(var: str, fields: tuple[str, ...]) -> str:
    return "[" + ", ".join(f"{var}.{f}" for f in fields) + "]"


def _int(v: Any) -> int | None:
    return None if v is None else int(v)


def _xy(lon: Any, lat: Any) -> tuple[float, float] | None:
    return coords({"lon": lon, "lat": lat})


def _gap_org(u: UncoveredRow, district: bool) -> GapOrgFact:
    """An uncovered organisation with the members working there that the scope sees (a town sees
    its own members only)."""
    return GapOrgFact(
        u.uscc,
        u.name,
        u.town_code,
        category=u.category,
        industry=u.industry,
        park_code=u.park_code,
        association_uscc=u.association_uscc,
        employees=_int(u.employees),
        status=u.status,
        xy=_xy(u.lon, u.lat),
        full=u.full if district else u.full_town,
        n=u.n if district else u.n_town,
    )


@dataclass(frozen=True)
class _Ranked:
    """A scope's uncovered organisations in entry order, and the partners for 联合建 (once per version)."""

    rows: tuple[UncoveredRow, ...]  # by full members (desc), all members (desc), employees (desc), key
    pool: list[GapOrgFact]


def _ranked(store: GraphStore, scope: Scope) -> _Ranked:
    d = scope.is_district
    unc = scope_rows(store, scope, "uncovered")
    counts = {u.uscc: (u.full, u.n) if d else (u.full_town, u.n_town) for u in unc}
    rows = sorted(
        unc, key=lambda u: (-counts[u.uscc][0], -counts[u.uscc][1], -(_int(u.employees) or 0), u.uscc)
    )
    # Partners for 联合建 come from every uncovered organisation in scope, not only the filtered
    # ones (only those with 1-2 full members can be partners; 3+ build on their own).
    pool = [
        _gap_org(u, d) for u in rows if 1 <= counts[u.uscc][0] <= 2 and u.category != SELF_EMPLOYED_CATEGORY
    ]
    return _Ranked(tuple(rows), pool)


def _hosts(rows: Iterable[HostRow]) -> tuple[HostFact, ...]:
    """The scope's hosts, from the district aggregates (graph/aggregates.py)."""
    return tuple(_host(dict(zip(HOST_FIELDS, h[:6], strict=True)), *h[6:]) for h in rows)


def _host(p: dict[str, Any], parks: Any, assocs: Any, assoc_orgs: Any, pts: Any) -> HostFact:
    return HostFact(
        *head(Label.PARTY_ORG, p),
        kind=p.get("kind"),
        level=p.get("level"),
        formation=p.get("formation"),
        parks=tuple(parks),
        assocs=tuple(assocs),
        assoc_orgs=tuple(assoc_orgs),
        pts=tuple(xy for xy in (_xy(x, y) for x, y in pts) if xy is not None),
    )


def _member(m: dict[str, Any]) -> MemberFact:
    return MemberFact(m["member_id"], m.get("name"), m.get("town_code"), m.get("member_type"), m.get("flag"))


# --- facts: Cypher ------------------------------------------------------------------------


def _details_cypher(db: CypherReader, q: DetailQuery) -> dict[str, OrgDetails]:
    s = q.scope
    text = f"""UNWIND $keys AS k
MATCH (o:{L(Label.ORGANIZATION)} {{uscc: k}})
WITH k,
  COLLECT {{ MATCH (m:{L(Label.MEMBER)})-[:{T(Rel.WORKS_AT)}]->(o) WHERE {s.cypher("m")}
            RETURN m {{.member_id, .name, .town_code, .member_type, .flag}} }} AS members,
  COLLECT {{ MATCH (d:{L(Label.PARTY_ORG)})-[:{T(Rel.PAIRED_WITH)}]->(o) WHERE {s.cypher("d")}
            RETURN [d.party_org_code, d.party_org_name, d.town_code] }} AS demos,
  COLLECT {{ MATCH (i:{L(Label.INSTRUCTOR)})-[:{T(Rel.ASSIGNED_TO)}]->(o) WHERE {s.cypher("i")}
            RETURN [i.instructor_id, i.name, i.town_code] }} AS instructors,
  COLLECT {{ MATCH (h)-[r:{T(Rel.HELPS_BUILD)}]->(o) WHERE {s.cypher("h")}
            RETURN {{label: labels(h)[0], key: coalesce(h.instructor_id, h.member_id), name: h.name,
                    town_code: h.town_code, since: r.since, status: r.status}} }} AS helpers
RETURN collect({{k: k, members: members, demos: demos, instructors: instructors,
                 helpers: helpers}}) AS rows"""
    rows = db.read(text, {**s.params(), "keys": list(q.keys)}, "gaps_details")[0]["rows"]
    return {
        r["k"]: OrgDetails(
            members=tuple(_member(m) for m in r["members"]),
            demos=tuple(ref_from(Label.PARTY_ORG.value, *d) for d in r["demos"]),
            instructors=tuple(ref_from(Label.INSTRUCTOR.value, *i) for i in r["instructors"]),
            helpers=tuple(
                HelperFact(h["label"], h["key"], h["name"], h["town_code"], h["since"], h["status"])
                for h in r["helpers"]
            ),
        )
        for r in rows
    }


def _hops_cypher(db: CypherReader, q: HopQuery) -> dict[str, dict[str, int]]:
    # shortest hop count from each organisation to each host, walking only non-hub nodes in scope
    near = "|".join(T(r) for r in NEAR_RELS)
    text = f"""UNWIND $keys AS k
MATCH (o:{L(Label.ORGANIZATION)} {{uscc: k}})
MATCH p = ANY SHORTEST (o)(()-[:{near}]-(x WHERE NOT x:{L(Label.TOWN)} AND NOT x:{L(Label.PARK)}
    AND NOT x:{L(Label.INSTRUCTOR)}
    AND NOT (x:{L(Label.PARTY_ORG)} AND (x.town_code IS NULL OR coalesce(x.kind, '') IN $structural))
    AND {q.scope.cypher("x")})){{1,{int(q.max_hops)}}}(h:{L(Label.PARTY_ORG)})
WHERE h.party_org_code IN $hosts
RETURN k, h.party_org_code AS code, length(p) AS hops"""
    params = {**q.scope.params(), "keys": list(q.keys), "hosts": list(q.hosts), "structural": STRUCTURAL}
    out: dict[str, dict[str, int]] = {}
    for r in db.read(text, params, "gaps_hops"):
        out.setdefault(r["k"], {})[r["code"]] = int(r["hops"])
    return out


def _points_cypher(db: CypherReader, scope: Scope) -> tuple[PointFact, ...]:
    text = f"""{scope.match("o", Label.ORGANIZATION)}
  WHERE coalesce(o.status, '') <> $deregistered AND o.lon IS NOT NULL AND o.lat IS NOT NULL
  AND {covered_cypher("o")}
RETURN collect([o.uscc, o.org_name, o.town_code, o.park_code, o.lon, o.lat]) AS pts"""
    row = db.read(text, {**scope.params(), "deregistered": DEREGISTERED}, "gaps_points")[0]
    return _point_facts(row["pts"])


def _point_facts(rows: Any) -> tuple[PointFact, ...]:
    out = []
    for k, name, town, park, lon, lat in rows:
        xy = _xy(lon, lat)
        if xy is not None:
            out.append(PointFact(str(k), name, town, park, xy))
    return tuple(sorted(out, key=lambda p: p.uscc))


# --- facts: networkx ----------------------------------------------------------------------


def _covered(ix: GraphIndex, nid: str) -> bool:
    po = Label.PARTY_ORG.value
    return any(ix.props(u)["_label"] == po for u in ix.inn(nid, Rel.COVERS))


def _details_nx(ix: GraphIndex, q: DetailQuery) -> dict[str, OrgDetails]:
    s, po, ins, mem = q.scope, Label.PARTY_ORG.value, Label.INSTRUCTOR.value, Label.MEMBER.value
    out = {}
    for k in q.keys:
        nid = f"{Label.ORGANIZATION.value}:{k}"
        if nid not in ix.nodes:
            continue
        members = [
            _member(m)
            for m in map(ix.props, ix.inn(nid, Rel.WORKS_AT))
            if m["_label"] == mem and s.admits(mem, m)
        ]
        demos = [
            ref_from(po, m["party_org_code"], m.get("party_org_name"), m.get("town_code"))
            for m in map(ix.props, ix.inn(nid, Rel.PAIRED_WITH))
            if m["_label"] == po and s.admits(po, m)
        ]
        instructors = [
            ref_from(ins, m["instructor_id"], m.get("name"), m.get("town_code"))
            for m in map(ix.props, ix.inn(nid, Rel.ASSIGNED_TO))
            if m["_label"] == ins and s.admits(ins, m)
        ]
        helpers = []
        for u, e in ix.in_edges(nid, Rel.HELPS_BUILD):
            m = ix.props(u)
            if s.admits(m["_label"], m):
                key = m.get("instructor_id") or m.get("member_id")
                helpers.append(
                    HelperFact(
                        m["_label"], key, m.get("name"), m.get("town_code"), e.get("since"), e.get("status")
                    )
                )
        out[k] = OrgDetails(tuple(members), tuple(demos), tuple(instructors), tuple(helpers))
    return out


def _near_adjacency(ix: GraphIndex) -> dict[str, tuple[str, ...]]:
    """NEAR_RELS adjacency restricted to nodes that may carry a "near" path (no hubs, no instructors)."""

    def ok(nid: str) -> bool:
        d = ix.props(nid)
        return d["_label"] != Label.INSTRUCTOR.value and not is_hub(d["_label"], d)

    full = ix.adjacency(NEAR_RELS)
    keep = {u for u in full if ok(u)}
    return {u: tuple(v for v in nb if v in keep) for u, nb in full.items() if u in keep}


def _hops_nx(ix: GraphIndex, q: HopQuery) -> dict[str, dict[str, int]]:
    near = ix.derived("gaps_near", lambda: _near_adjacency(ix))
    prefix = f"{Label.PARTY_ORG.value}:"
    host_ids = {prefix + h for h in q.hosts}
    nodes, scope = ix.nodes, q.scope
    out: dict[str, dict[str, int]] = {}
    for k in q.keys:
        start = f"{Label.ORGANIZATION.value}:{k}"
        dist = {start: 0}
        frontier = [start]
        for hop in range(1, q.max_hops + 1):
            nxt = []
            for u in frontier:
                for v in near.get(u, ()):
                    if v not in dist and scope.admits(nodes[v]["_label"], nodes[v]):
                        dist[v] = hop
                        nxt.append(v)
            frontier = nxt
            if not frontier:
                break
        out[k] = {nid[len(prefix) :]: dv for nid, dv in dist.items() if nid in host_ids}
    return out


def _points_nx(ix: GraphIndex, scope: Scope) -> tuple[PointFact, ...]:
    org = Label.ORGANIZATION
    rows = [
        (d["uscc"], d.get("org_name"), d.get("town_code"), d.get("park_code"), d.get("lon"), d.get("lat"))
        for nid, d in ix.scoped_nodes(org.value, scope)
        if scope.admits(org, d)
        and d.get("status") != DEREGISTERED
        and d.get("lon") is not None
        and d.get("lat") is not None
        and _covered(ix, nid)
    ]
    return _point_facts(rows)


DETAILS = FactSet("gaps.details", cypher=_details_cypher, networkx=_details_nx)
HOPS = FactSet("gaps.hops", cypher=_hops_cypher, networkx=_hops_nx)
POINTS = FactSet("gaps.points", cypher=_points_cypher, networkx=_points_nx)


# --- the answer: ranking and recommendation, written once -----------------------------------


def _org_ref(o: GapOrgFact) -> NodeRef:
    return ref_from(Label.ORGANIZATION.value, o.uscc, o.name, o.town_code)


def _assoc_related(a: GapOrgFact, b: GapOrgFact) -> bool:
    """Two organisations share an association, or one is the other's association."""
    aa, ba = a.association_uscc, b.association_uscc
    return bool((aa and (aa == ba or aa == b.uscc)) or (ba and ba == a.uscc))


def _km(a: GapOrgFact, b: GapOrgFact) -> float | None:
    if a.xy is None or b.xy is None:
        return None
    return round(haversine_km(a.xy[0], a.xy[1], b.xy[0], b.xy[1]), 3)


_EARTH_KM = 6371.0088
Point = tuple[float, float, float]  # latitude and longitude in radians, cos(latitude)


def _point(xy: tuple[float, float] | None) -> Point | None:
    if xy is None:
        return None
    lat = math.radians(xy[1])
    return lat, math.radians(xy[0]), math.cos(lat)


def _min_km(here: Point | None, pts: list[Point]) -> float | None:
    """Haversine distance to the nearest point (the same formula as queries._common)."""
    if here is None or not pts:
        return None
    lat1, lon1, c1 = here
    a = min(
        math.sin((lat2 - lat1) / 2) ** 2 + c1 * c2 * math.sin((lon2 - lon1) / 2) ** 2
        for lat2, lon2, c2 in pts
    )
    return round(2 * _EARTH_KM * math.asin(math.sqrt(a)), 3)


class _Host:
    """A host with what the near rule asks of it, computed once."""

    __slots__ = ("assoc_keys", "code", "covered_assocs", "h", "parks", "pts", "ref")

    def __init__(self, h: HostFact) -> None:
        self.h = h
        self.code = h.code
        self.parks = set(h.parks)
        # o shares an association with an organisation c this host covers when o's association
        # is c's, or is c itself (c an association), or when o is c's association.
        self.covered_assocs = set(h.assocs)
        self.assoc_keys = self.covered_assocs | set(h.assoc_orgs)
        self.pts = [pt for pt in map(_point, h.pts) if pt is not None]
        self.ref = ref_from(Label.PARTY_ORG.value, h.code, h.name, h.town_code)


class _HostIndex:
    """Hosts by town, park and association, so each organisation looks only at its own."""

    def __init__(self, hosts: tuple[HostFact, ...]) -> None:
        self.by_code = {h.code: _Host(h) for h in hosts}
        self.by_town: dict[Any, set[str]] = {}
        self.by_park: dict[Any, set[str]] = {}
        self.by_assoc: dict[Any, set[str]] = {}
        for code, host in self.by_code.items():
            self.by_town.setdefault(host.h.town_code, set()).add(code)
            for p in host.parks:
                self.by_park.setdefault(p, set()).add(code)
            for a in host.assoc_keys:
                self.by_assoc.setdefault(a, set()).add(code)

    def near(self, o: GapOrgFact, hop_codes: set[str]) -> list[_Host]:
        codes = set(hop_codes) | self.by_town.get(o.town_code, set())
        if o.park_code:
            codes |= self.by_park.get(o.park_code, set())
        for a in (o.association_uscc, o.uscc):
            if a:
                codes |= self.by_assoc.get(a, set())
        return [self.by_code[c] for c in sorted(codes) if c in self.by_code]


def _candidates(
    o: GapOrgFact, hosts: _HostIndex, hops: dict[str, dict[str, int]], max_hops: int, top: int
) -> list[Candidate]:
    """The ``top`` nearest hosts by the near rule (models are built for those only)."""
    park, assoc, uscc, town = o.park_code, o.association_uscc, o.uscc, o.town_code
    here = _point(o.xy)
    mine = hops.get(uscc, {})
    ranked = []
    for host in hosts.near(o, set(mine)):
        same_park = bool(park) and park in host.parks
        same_assoc = bool(assoc and assoc in host.assoc_keys) or uscc in host.covered_assocs
        same_town = host.h.town_code == town
        n = mine.get(host.code)
        if not (same_park or same_assoc or same_town or (n is not None and n <= max_hops)):
            continue
        km = _min_km(here, host.pts)
        key = (
            not same_park,
            not same_assoc,
            not same_town,
            km is None,
            km or 0.0,
            n is None,
            n or 0,
            host.code,
        )
        ranked.append((key, host, same_park, same_assoc, same_town, n, km))
    ranked.sort(key=lambda x: x[0])
    out = []
    for _, host, same_park, same_assoc, same_town, n, km in ranked[:top]:
        reasons = []
        if same_park:
            reasons.append("同一园区")
        if same_assoc:
            reasons.append("同一协会/商会")
        if same_town:
            reasons.append("同一镇街")
        if n is not None:
            reasons.append(f"图上相距{n}步")
        if km is not None:
            reasons.append(f"直线距离{km:.1f}公里")
        out.append(
            model_from(
                Candidate,
                host.h,  # kind, level, formation
                party_org=host.ref,
                same_park=same_park,
                same_association=same_assoc,
                same_town=same_town,
                hops=n,
                distance_km=km,
                reasons=reasons,
            )
        )
    return out


def _neighbours(o: GapOrgFact, pool: list[GapOrgFact]) -> list[GapOrgFact]:
    """Uncovered organisations near ``o`` with 1–2 full members (partners for 联合建), nearest first."""
    park = o.park_code
    near = []
    for n in pool:
        if n.uscc == o.uscc or not 1 <= n.full <= 2:
            continue
        same_park = bool(park) and n.park_code == park
        same_assoc = _assoc_related(o, n)
        same_town = n.town_code == o.town_code
        if not (same_park or same_assoc or same_town):
            continue
        km = _km(o, n)
        near.append(((not same_park, not same_assoc, not same_town, km is None, km or 0.0, n.uscc), n))
    near.sort(key=lambda x: x[0])
    return [n for _, n in near]


def _name(r: NodeRef) -> str:
    return r.name or r.key


def _recommend(
    o: GapOrgFact, instructors: tuple[NodeRef, ...], cands: list[Candidate], pool: list[GapOrgFact]
) -> Recommendation:
    full = o.full
    host = cands[0] if cands else None
    why = "、".join(r for r in host.reasons if not r.startswith("图上")) if host else ""
    why = why or (host.reasons[0] if host and host.reasons else "")
    help_txt = f"（已派驻：{'、'.join(_name(i) for i in instructors)}）" if instructors else ""
    host_name = _name(host.party_org) if host else ""

    def host_or_instructor(formation: str, hosted: str, alone: str) -> Recommendation:
        # lean on the nearest host; with none near, the district sends an instructor
        if host is None:
            return Recommendation(formation="派驻指导员", reason=f"{alone}，建议派驻党建指导员{help_txt}")
        return Recommendation(formation=formation, host=host.party_org, reason=f"{hosted}（{why}）")

    if full >= 3:
        return Recommendation(
            formation="单独建",
            reason=f"有{full}名正式党员在此工作，达到单独组建党组织的条件（至少3名正式党员）",
        )
    if full >= 1:
        partners: list[GapOrgFact] = []
        total = full
        for n in _neighbours(o, pool):
            partners.append(n)
            total += n.full
            if total >= 3:
                break
        if total >= 3:
            names_ = "、".join(n.name or n.uscc for n in partners)
            return Recommendation(
                formation="联合建",
                partners=[_org_ref(n) for n in partners],
                reason=f"有{full}名正式党员，不足3名；与邻近未建组织{names_}合计{total}名正式党员，可联合组建",
            )
        return host_or_instructor(
            "挂靠建",
            f"有{full}名正式党员，邻近未建组织合计不足3名；建议挂靠{host_name}",
            f"有{full}名正式党员，附近既无可联合的组织也无可挂靠的党组织",
        )
    return host_or_instructor(
        "1+X",
        f"无正式党员在此工作；建议纳入{host_name}的“1+X”覆盖",
        "无正式党员在此工作，附近也无可依托的党组织",
    )


def _entry(
    o: GapOrgFact,
    det: OrgDetails,
    cands: list[Candidate],
    pool: list[GapOrgFact],
    top: int,
    association: tuple[str | None, str | None],
) -> GapEntry:
    members = sorted(det.members, key=lambda m: m.member_id)
    instructors = tuple(sorted(det.instructors, key=lambda r: r.key))
    return GapEntry(
        org=_org_ref(o),
        category=o.category,
        industry=o.industry,
        park_code=o.park_code,
        association_uscc=association[0],
        association_name=association[1],
        employees=o.employees,
        status=o.status,
        members=[
            GapMember(
                member=ref_from(Label.MEMBER.value, m.member_id, m.name, m.town_code),
                member_type=m.member_type,
                flag=m.flag,
            )
            for m in members
        ],
        full_members=o.full,
        probationary_members=sum(1 for m in members if m.member_type == PROBATIONARY),
        floating_members=sum(1 for m in members if m.flag == FLOATING),
        hidden_members=sum(1 for m in members if m.flag == HIDDEN),
        candidates=cands[:top],
        recommendation=_recommend(o, det.instructors, cands, pool),
        demo_points=sorted(det.demos, key=lambda r: r.key),
        instructors=list(instructors),
        helpers=sorted(
            (
                Helper(
                    helper=ref_from(h.label, str(h.key), h.name, h.town_code),
                    since=h.since,
                    status=h.status,
                )
                for h in det.helpers
            ),
            key=lambda h: (h.helper.label, h.helper.key, h.since or ""),
        ),
    )


_NO_DETAILS = OrgDetails((), (), (), ())


def _map_points(orgs: tuple[GapOrgFact, ...], covered: tuple[PointFact, ...]) -> list[MapPoint]:
    pts = [
        MapPoint(org=_org_ref(o), lon=o.xy[0], lat=o.xy[1], park_code=o.park_code, covered=False)
        for o in orgs
        if o.xy is not None
    ]
    pts += [
        MapPoint(
            org=ref_from(Label.ORGANIZATION.value, p.uscc, p.name, p.town_code),
            lon=p.xy[0],
            lat=p.xy[1],
            park_code=p.park_code,
            covered=True,
        )
        for p in covered
    ]
    return sorted(pts, key=lambda p: p.org.key)


def gaps(store: GraphStore, scope: Scope, p: GapsParams) -> GapsResult:
    """Uncovered organisations ranked for action, each with hosts, members and a recommendation.

    Entries are ordered by full members (desc), all members (desc), employees (desc), key;
    candidates rank by DESIGN.md's "near" rule; the recommendation follows its default.
    ``self_employed`` (个体工商户) is paged like ``entries``.

    Example
    -------
    >>> GAPS(store, Scope("T01"), GapsParams(limit=10)).entries[0].recommendation  # doctest: +SKIP
    """
    check_scope(store, scope)
    if p.park is not None:
        check_key(p.park, "园区")
    ver = store.version()
    ranked = cached(store, ("gaps.ranked", scope.key), lambda: _ranked(store, scope), ver)
    kept_hosts = scope_rows(store, scope, "hosts")
    hosts = cached(store, ("gaps.hosts", scope.key), lambda: _hosts(kept_hosts), ver)
    hix = cached(store, ("gaps.host_index", scope.key), lambda: _HostIndex(hosts), ver)
    pool = ranked.pool

    def keep(o: UncoveredRow) -> bool:
        return (
            (p.park is None or o.park_code == p.park)
            and (p.industry is None or o.industry == p.industry)
            and (p.category is None or o.category == p.category)
            and (p.min_employees is None or (o.employees is not None and int(o.employees) >= p.min_employees))
        )

    chosen = [o for o in ranked.rows if keep(o)]
    main = [o for o in chosen if o.category != SELF_EMPLOYED_CATEGORY]
    selfemp = [o for o in chosen if o.category == SELF_EMPLOYED_CATEGORY]
    end = None if p.limit is None else p.offset + p.limit
    district = scope.is_district
    page = [_gap_org(o, district) for o in main[p.offset : end]]
    page_self = [_gap_org(o, district) for o in selfemp[p.offset : end]]

    keys = tuple(o.uscc for o in page + page_self)
    details = facts(store, DETAILS, DetailQuery(scope, keys), ver) if keys else {}
    host_keys = tuple(sorted(h.code for h in hosts))
    hops = facts(store, HOPS, HopQuery(scope, keys, host_keys, p.max_hops), ver) if keys and host_keys else {}
    assoc = names(
        store, Label.ORGANIZATION, {o.association_uscc for o in page + page_self if o.association_uscc}
    )

    def build(o: GapOrgFact) -> GapEntry:
        cands = _candidates(o, hix, hops, p.max_hops, max(p.candidates, 1))
        shown = association_shown(scope, o.association_uscc, assoc)
        return _entry(o, details.get(o.uscc, _NO_DETAILS), cands, pool, p.candidates, shown)

    return GapsResult(
        town=scope.town,
        total=len(main),
        offset=p.offset,
        entries=[build(o) for o in page],
        self_employed_total=len(selfemp),
        self_employed=[build(o) for o in page_self],
        map_points=_map_points(
            tuple(_gap_org(o, district) for o in ranked.rows if o.lon is not None and o.lat is not None),
            facts(store, POINTS, scope, ver),
        )
        if p.with_map
        else None,
    )


GAPS = register(Question("gaps", "覆盖缺口", GapsParams, GapsResult, gaps))
