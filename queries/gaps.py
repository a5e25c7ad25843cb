"""Question 2: uncovered organisations, the party organisations near them, and what to build.

The backends gather the same facts (uncovered organisations with their members and links,
candidate hosts with the organisations they cover, graph distances); the ranking and the
recommendation are shared Python, so both backends answer alike by construction.

"Near" (DESIGN.md): same park, then same association, then same town (closer first by
straight-line km when both have coordinates), then graph distance, then key. Graph distance
walks organisation and membership links and never passes a Town, Park, Instructor or a
district-level / structural party organisation (they connect everything).
"""

from __future__ import annotations

import math
from typing import Any

from graph.model import (
    ASSOCIATION_CATEGORIES,
    DEREGISTERED,
    ORG_CATEGORIES,
    SELF_EMPLOYED_CATEGORY,
    STRUCTURAL_KINDS,
    Label,
    Rel,
)
from graph.schema import label as L
from graph.schema import rel_type as T
from queries._common import (
    STRUCTURAL,
    check_choice,
    check_int,
    check_key,
    check_town,
    coords,
    haversine_km,
    in_scope,
    in_town,
    is_hub,
    neo4j_cached,
    ref_from,
)
from queries.models import Candidate, GapEntry, GapMember, GapsResult, Helper, NodeRef, Recommendation

HOST_LEVELS = ["党委", "党总支", "党支部"]  # a group (党小组) cannot take in another organisation
ASSOCIATIONS = sorted(ASSOCIATION_CATEGORIES)  # what an organisation's association_uscc may name
FULL, PROBATIONARY = "正式党员", "预备党员"
FLOATING, HIDDEN = "流动党员", "隐性党员"
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


def _scope(var: str) -> str:
    po = L(Label.PARTY_ORG)
    return f"($town IS NULL OR {var}.town_code = $town OR ({var}:{po} AND {var}.town_code IS NULL))"


ORG_FIELDS = (
    "uscc", "org_name", "town_code", "org_category", "industry", "park_code", "association_uscc",
    "employees", "status", "lon", "lat",
)  # fmt: skip
HOST_FIELDS = ("party_org_code", "party_org_name", "town_code", "park_code", "kind", "level", "formation")


def _list(var: str, fields: tuple[str, ...]) -> str:
    return "[" + ", ".join(f"{var}.{f}" for f in fields) + "]"


# Phase 1: every uncovered organisation in scope with its member counts, in one record
# (the driver pays per record; details are fetched for the page only).
GAPS_UNCOVERED = f"""
MATCH (o:{L(Label.ORGANIZATION)}) WHERE ($town IS NULL OR o.town_code = $town)
  AND coalesce(o.status, '') <> $deregistered
  AND NOT EXISTS {{ (:{L(Label.PARTY_ORG)})-[:{T(Rel.COVERS)}]->(o) }}
WITH o, COLLECT {{ MATCH (m:{L(Label.MEMBER)})-[:{T(Rel.WORKS_AT)}]->(o) WHERE {_scope("m")}
                  RETURN coalesce(m.member_type, '') }} AS types
RETURN collect({_list("o", ORG_FIELDS)} + [size([t IN types WHERE t = $full]), size(types)]) AS orgs
"""
# Phase 2: the people and points already linked to the organisations on the page.
GAPS_DETAILS = f"""
UNWIND $keys AS k
MATCH (o:{L(Label.ORGANIZATION)} {{uscc: k}})
WITH k,
  COLLECT {{ MATCH (m:{L(Label.MEMBER)})-[:{T(Rel.WORKS_AT)}]->(o) WHERE {_scope("m")}
            RETURN m {{.member_id, .name, .town_code, .member_type, .flag}} }} AS members,
  COLLECT {{ MATCH (d:{L(Label.PARTY_ORG)})-[:{T(Rel.PAIRED_WITH)}]->(o) WHERE {_scope("d")}
            RETURN [d.party_org_code, d.party_org_name, d.town_code] }} AS demos,
  COLLECT {{ MATCH (i:{L(Label.INSTRUCTOR)})-[:{T(Rel.ASSIGNED_TO)}]->(o) WHERE {_scope("i")}
            RETURN [i.instructor_id, i.name, i.town_code] }} AS instructors,
  COLLECT {{ MATCH (h)-[r:{T(Rel.HELPS_BUILD)}]->(o) WHERE {_scope("h")}
            RETURN {{label: labels(h)[0], key: coalesce(h.instructor_id, h.member_id), name: h.name,
                    town_code: h.town_code, since: r.since, status: r.status}} }} AS helpers
RETURN collect({{k: k, members: members, demos: demos, instructors: instructors, helpers: helpers}}) AS rows
"""

GAPS_UNCOVERED_IN_TOWN = in_town(GAPS_UNCOVERED, "o", Label.ORGANIZATION)

# Party organisations that can host: a branch-level or higher organisation's own party
# organisation with a town (structural and district-level bodies excluded), with what the
# near rule needs of the organisations it covers, summarised on the server: their parks,
# their associations and the associations among them, their coordinates.
GAPS_HOSTS = f"""
MATCH (p:{L(Label.PARTY_ORG)}) WHERE ($town IS NULL OR p.town_code = $town)
  AND p.town_code IS NOT NULL AND p.level IN $levels AND NOT coalesce(p.kind, '') IN $structural
WITH p, COLLECT {{ MATCH (p)-[:{T(Rel.COVERS)}]->(c:{L(Label.ORGANIZATION)}) RETURN c }} AS cs
RETURN collect([{_list("p", HOST_FIELDS)},
  [x IN [p.park_code] + [c IN cs | c.park_code] WHERE x IS NOT NULL],
  [x IN [c IN cs | c.association_uscc] WHERE x IS NOT NULL],
  [c IN cs WHERE c.org_category IN $associations | c.uscc],
  [c IN cs WHERE c.lon IS NOT NULL AND c.lat IS NOT NULL | [c.lon, c.lat]]]) AS hosts
"""
GAPS_HOSTS_IN_TOWN = in_town(GAPS_HOSTS, "p", Label.PARTY_ORG)

_NEAR_PATTERN = "|".join(T(r) for r in NEAR_RELS)
# Shortest hop count from each organisation to each host, walking only non-hub nodes in scope.
GAPS_HOPS = f"""
UNWIND $keys AS k
MATCH (o:{L(Label.ORGANIZATION)} {{uscc: k}})
MATCH p = ANY SHORTEST (o)(()-[:{_NEAR_PATTERN}]-(x WHERE NOT x:{L(Label.TOWN)} AND NOT x:{L(Label.PARK)}
    AND NOT x:{L(Label.INSTRUCTOR)}
    AND NOT (x:{L(Label.PARTY_ORG)} AND (x.town_code IS NULL OR coalesce(x.kind, '') IN $structural))
    AND ($town IS NULL OR x.town_code = $town))){{1,%d}}(h:{L(Label.PARTY_ORG)})
WHERE h.party_org_code IN $hosts
RETURN k, h.party_org_code AS code, length(p) AS hops
"""


# --- facts: Neo4j ----------------------------------------------------------------------


Facts = tuple[list[dict[str, Any]], list[dict[str, Any]], "_HostIndex"]


def _facts_neo4j(store: Any, town: str | None) -> Facts:
    def fetch() -> Facts:
        orgs, hosts = _fetch_facts_neo4j(store, town)
        return orgs, hosts, _HostIndex(hosts)

    return neo4j_cached(store, f"gaps_facts:{town}", fetch)


def _fetch_facts_neo4j(store: Any, town: str | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    row = store.read(
        GAPS_UNCOVERED_IN_TOWN if town else GAPS_UNCOVERED,
        {"town": town, "deregistered": DEREGISTERED, "full": FULL},
        "gaps_uncovered",
    )[0]
    orgs = [{**dict(zip(ORG_FIELDS, r[:-2], strict=True)), "_full": r[-2], "_n": r[-1]} for r in row["orgs"]]
    hrow = store.read(
        GAPS_HOSTS_IN_TOWN if town else GAPS_HOSTS,
        {"town": town, "levels": HOST_LEVELS, "structural": STRUCTURAL, "associations": ASSOCIATIONS},
        "gaps_hosts",
    )[0]
    hosts = [
        {
            **dict(zip(HOST_FIELDS, h, strict=True)),
            "_parks": parks,
            "_assocs": assocs,
            "_assoc_orgs": assoc_orgs,
            "_pts": pts,
        }
        for h, parks, assocs, assoc_orgs, pts in hrow["hosts"]
    ]
    return orgs, hosts


def _details_neo4j(store: Any, keys: list[str], town: str | None) -> dict[str, dict[str, Any]]:
    if not keys:
        return {}
    rows = neo4j_cached(
        store,
        f"gaps_details:{town}:{','.join(keys)}",
        lambda: store.read(GAPS_DETAILS, {"keys": keys, "town": town}, "gaps_details")[0]["rows"],
    )
    return {
        r["k"]: {
            "_members": r["members"],
            "_demos": [ref_from(Label.PARTY_ORG.value, *d) for d in r["demos"]],
            "_instructors": [ref_from(Label.INSTRUCTOR.value, *i) for i in r["instructors"]],
            "_helpers": r["helpers"],
        }
        for r in rows
    }


def _hops_neo4j(
    store: Any, keys: list[str], hosts: list[str], town: str | None, max_hops: int
) -> dict[str, dict[str, int]]:
    if not keys or not hosts:
        return {}
    rows = neo4j_cached(
        store,
        f"gaps_hops:{town}:{max_hops}:{','.join(keys)}",
        lambda: store.read(
            GAPS_HOPS % max_hops,
            {"keys": keys, "hosts": hosts, "town": town, "structural": STRUCTURAL},
            "gaps_hops",
        ),
    )
    out: dict[str, dict[str, int]] = {}
    for r in rows:
        out.setdefault(r["k"], {})[r["code"]] = int(r["hops"])
    return out


# --- facts: embedded --------------------------------------------------------------------


def _facts_embedded(store: Any, town: str | None) -> Facts:
    from queries._embedded import index

    ix = index(store)

    def build() -> Facts:
        orgs, hosts = _build_facts_embedded(ix, town)
        return orgs, hosts, _HostIndex(hosts)

    return ix.derived(f"gaps_facts:{town}", build)


def _build_facts_embedded(ix: Any, town: str | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    po, org = Label.PARTY_ORG.value, Label.ORGANIZATION.value

    def node(nid: str) -> tuple[str, dict[str, Any]]:
        d = ix.props(nid)
        return d["_label"], d

    orgs = []
    for nid, d in ix.town_nodes(org, town):
        if (town is not None and d.get("town_code") != town) or d.get("status") == DEREGISTERED:
            continue
        if any(node(u)[0] == po for u in ix.inn(nid, Rel.COVERS)):
            continue
        o = {k: d.get(k) for k in ORG_FIELDS}
        members = []
        for u in ix.inn(nid, Rel.WORKS_AT):
            lab, m = node(u)
            if lab == Label.MEMBER.value and in_scope(lab, m, town):
                members.append(
                    {k: m.get(k) for k in ("member_id", "name", "town_code", "member_type", "flag")}
                )
        o["_members"] = members
        o["_full"] = sum(1 for m in members if m.get("member_type") == FULL)
        o["_n"] = len(members)
        o["_demos"] = [
            ref_from(po, m["party_org_code"], m.get("party_org_name"), m.get("town_code"))
            for lab, m in map(node, ix.inn(nid, Rel.PAIRED_WITH))
            if lab == po and in_scope(lab, m, town)
        ]
        o["_instructors"] = [
            ref_from(lab, m["instructor_id"], m.get("name"), m.get("town_code"))
            for lab, m in map(node, ix.inn(nid, Rel.ASSIGNED_TO))
            if lab == Label.INSTRUCTOR.value and in_scope(lab, m, town)
        ]
        helpers = []
        for u, e in ix.in_edges(nid, Rel.HELPS_BUILD):
            lab, m = node(u)
            if in_scope(lab, m, town):
                helpers.append(
                    {
                        "label": lab,
                        "key": m.get("instructor_id") or m.get("member_id"),
                        "name": m.get("name"),
                        "town_code": m.get("town_code"),
                        "since": e.get("since"),
                        "status": e.get("status"),
                    }
                )
        o["_helpers"] = helpers
        orgs.append(o)

    hosts = []
    for nid, d in ix.town_nodes(po, town):
        if (
            d.get("town_code") is None
            or d.get("level") not in HOST_LEVELS
            or d.get("kind") in STRUCTURAL_KINDS
        ):
            continue
        if town is not None and d.get("town_code") != town:
            continue
        h = {k: d.get(k) for k in HOST_FIELDS}
        cs = [c for lab, c in map(node, ix.out(nid, Rel.COVERS)) if lab == org]
        h["_parks"] = [x for x in [d.get("park_code"), *(c.get("park_code") for c in cs)] if x is not None]
        h["_assocs"] = [c["association_uscc"] for c in cs if c.get("association_uscc") is not None]
        h["_assoc_orgs"] = [c["uscc"] for c in cs if c.get("org_category") in ASSOCIATION_CATEGORIES]
        h["_pts"] = [
            [c["lon"], c["lat"]] for c in cs if c.get("lon") is not None and c.get("lat") is not None
        ]
        hosts.append(h)
    return orgs, hosts


def _near_adjacency(ix: Any) -> dict[str, tuple[str, ...]]:
    """NEAR_RELS adjacency restricted to nodes that may carry a "near" path (no hubs, no instructors)."""

    def ok(nid: str) -> bool:
        d = ix.props(nid)
        return d["_label"] != Label.INSTRUCTOR.value and not is_hub(d["_label"], d)

    full = ix.adjacency(NEAR_RELS)
    keep = {u for u in full if ok(u)}
    return {u: tuple(v for v in nb if v in keep) for u, nb in full.items() if u in keep}


def _hops_embedded(
    store: Any, keys: list[str], hosts: list[str], town: str | None, max_hops: int
) -> dict[str, dict[str, int]]:
    from queries._embedded import index

    ix = index(store)
    near = ix.derived("gaps_near", lambda: _near_adjacency(ix))
    host_ids = {f"PartyOrg:{h}" for h in hosts}
    nodes = ix.nodes

    out: dict[str, dict[str, int]] = {}
    for k in keys:
        start = f"Organization:{k}"
        dist = {start: 0}
        frontier = [start]
        for hop in range(1, max_hops + 1):
            nxt = []
            for u in frontier:
                for v in near.get(u, ()):
                    if v not in dist and (town is None or nodes[v].get("town_code") == town):
                        dist[v] = hop
                        nxt.append(v)
            frontier = nxt
            if not frontier:
                break
        out[k] = {nid[len("PartyOrg:") :]: dv for nid, dv in dist.items() if nid in host_ids}
    return out


# --- shared ranking ----------------------------------------------------------------------


def _org_ref(o: dict[str, Any]) -> NodeRef:
    return ref_from(Label.ORGANIZATION.value, o["uscc"], o.get("org_name"), o.get("town_code"))


def _assoc_related(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Two organisations share an association, or one is the other's association."""
    aa, ba = a.get("association_uscc"), b.get("association_uscc")
    return bool((aa and (aa == ba or aa == b.get("uscc"))) or (ba and ba == a.get("uscc")))


def _km(o: dict[str, Any], others: list[dict[str, Any]]) -> float | None:
    here = coords(o)
    if here is None:
        return None
    best = None
    for c in others:
        there = coords(c)
        if there is not None:
            d = haversine_km(here[0], here[1], there[0], there[1])
            best = d if best is None or d < best else best
    return None if best is None else round(best, 3)


_EARTH_KM = 6371.0088
Point = tuple[float, float, float]  # latitude and longitude in radians, cos(latitude)


def _point(o: dict[str, Any]) -> Point | None:
    xy = coords(o)
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

    def __init__(self, h: dict[str, Any]) -> None:
        self.h = h
        self.code: str = h["party_org_code"]
        self.parks = set(h["_parks"])
        # o shares an association with an organisation c this host covers when o's association
        # is c's, or is c itself (c an association), or when o is c's association.
        self.covered_assocs = set(h["_assocs"])
        self.assoc_keys = self.covered_assocs | set(h["_assoc_orgs"])
        self.pts = [pt for pt in (_point({"lon": x, "lat": y}) for x, y in h["_pts"]) if pt is not None]
        self.ref = ref_from(Label.PARTY_ORG.value, self.code, h.get("party_org_name"), h.get("town_code"))


class _HostIndex:
    """Hosts by town, park and association, so each organisation looks only at its own."""

    def __init__(self, hosts: list[dict[str, Any]]) -> None:
        self.by_code = {h["party_org_code"]: _Host(h) for h in hosts}
        self.by_town: dict[Any, set[str]] = {}
        self.by_park: dict[Any, set[str]] = {}
        self.by_assoc: dict[Any, set[str]] = {}
        for code, host in self.by_code.items():
            self.by_town.setdefault(host.h.get("town_code"), set()).add(code)
            for p in host.parks:
                self.by_park.setdefault(p, set()).add(code)
            for a in host.assoc_keys:
                self.by_assoc.setdefault(a, set()).add(code)

    def near(self, o: dict[str, Any], hop_codes: set[str]) -> list[_Host]:
        codes = set(hop_codes) | self.by_town.get(o.get("town_code"), set())
        if o.get("park_code"):
            codes |= self.by_park.get(o["park_code"], set())
        for a in (o.get("association_uscc"), o.get("uscc")):
            if a:
                codes |= self.by_assoc.get(a, set())
        return [self.by_code[c] for c in sorted(codes) if c in self.by_code]


def _candidates(
    o: dict[str, Any], hosts: _HostIndex, hops: dict[str, dict[str, int]], max_hops: int, top: int
) -> list[Candidate]:
    """The ``top`` nearest hosts by the near rule (models are built for those only)."""
    park, assoc, uscc, town = o.get("park_code"), o.get("association_uscc"), o["uscc"], o.get("town_code")
    here = _point(o)
    mine = hops.get(uscc, {})
    ranked = []
    for host in hosts.near(o, set(mine)):
        same_park = bool(park) and park in host.parks
        same_assoc = bool(assoc and assoc in host.assoc_keys) or uscc in host.covered_assocs
        same_town = host.h.get("town_code") == town
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
        h = host.h
        out.append(
            Candidate(
                party_org=host.ref,
                kind=h.get("kind"),
                level=h.get("level"),
                formation=h.get("formation"),
                same_park=same_park,
                same_association=same_assoc,
                same_town=same_town,
                hops=n,
                distance_km=km,
                reasons=reasons,
            )
        )
    return out


def _neighbours(o: dict[str, Any], pool: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Uncovered organisations near ``o`` with 1–2 full members (partners for 联合建), nearest first."""
    park = o.get("park_code")
    near = []
    for n in pool:
        if n["uscc"] == o["uscc"] or not 1 <= n["_full"] <= 2:
            continue
        same_park = bool(park) and n.get("park_code") == park
        same_assoc = _assoc_related(o, n)
        same_town = n.get("town_code") == o.get("town_code")
        if not (same_park or same_assoc or same_town):
            continue
        km = _km(o, [n])
        near.append(((not same_park, not same_assoc, not same_town, km is None, km or 0.0, n["uscc"]), n))
    near.sort(key=lambda x: x[0])
    return [n for _, n in near]


def _name(r: NodeRef) -> str:
    return r.name or r.key


def _recommend(o: dict[str, Any], cands: list[Candidate], pool: list[dict[str, Any]]) -> Recommendation:
    full = o["_full"]
    host = cands[0] if cands else None
    why = "、".join(r for r in host.reasons if not r.startswith("图上")) if host else ""
    why = why or (host.reasons[0] if host and host.reasons else "")
    instructors = o["_instructors"]
    help_txt = f"（已派驻：{'、'.join(_name(i) for i in instructors)}）" if instructors else ""
    if full >= 3:
        return Recommendation(
            formation="单独建",
            reason=f"有{full}名正式党员在此工作，达到单独组建党组织的条件（至少3名正式党员）",
        )
    if full >= 1:
        partners: list[dict[str, Any]] = []
        total = full
        for n in _neighbours(o, pool):
            partners.append(n)
            total += n["_full"]
            if total >= 3:
                break
        if total >= 3:
            names = "、".join(n.get("org_name") or n["uscc"] for n in partners)
            return Recommendation(
                formation="联合建",
                partners=[_org_ref(n) for n in partners],
                reason=f"有{full}名正式党员，不足3名；与邻近未建组织{names}合计{total}名正式党员，可联合组建",
            )
        if host is not None:
            return Recommendation(
                formation="挂靠建",
                host=host.party_org,
                reason=f"有{full}名正式党员，邻近未建组织合计不足3名；建议挂靠{_name(host.party_org)}（{why}）",
            )
        return Recommendation(
            formation="派驻指导员",
            reason=f"有{full}名正式党员，附近既无可联合的组织也无可挂靠的党组织，建议派驻党建指导员{help_txt}",
        )
    if host is not None:
        return Recommendation(
            formation="1+X",
            host=host.party_org,
            reason=f"无正式党员在此工作；建议纳入{_name(host.party_org)}的“1+X”覆盖（{why}）",
        )
    return Recommendation(
        formation="派驻指导员",
        reason=f"无正式党员在此工作，附近也无可依托的党组织，建议派驻党建指导员{help_txt}",
    )


def _entry(o: dict[str, Any], cands: list[Candidate], pool: list[dict[str, Any]], top: int) -> GapEntry:
    members = sorted(o["_members"], key=lambda m: m["member_id"])
    emp = o.get("employees")
    return GapEntry(
        org=_org_ref(o),
        category=o.get("org_category"),
        industry=o.get("industry"),
        park_code=o.get("park_code"),
        association_uscc=o.get("association_uscc"),
        employees=None if emp is None else int(emp),
        status=o.get("status"),
        members=[
            GapMember(
                member=ref_from(Label.MEMBER.value, m["member_id"], m.get("name"), m.get("town_code")),
                member_type=m.get("member_type"),
                flag=m.get("flag"),
            )
            for m in members
        ],
        full_members=o["_full"],
        probationary_members=sum(1 for m in members if m.get("member_type") == PROBATIONARY),
        floating_members=sum(1 for m in members if m.get("flag") == FLOATING),
        hidden_members=sum(1 for m in members if m.get("flag") == HIDDEN),
        candidates=cands[:top],
        recommendation=_recommend(o, cands, pool),
        demo_points=sorted(o["_demos"], key=lambda r: r.key),
        instructors=sorted(o["_instructors"], key=lambda r: r.key),
        helpers=sorted(
            (
                Helper(
                    helper=ref_from(h["label"], h["key"], h.get("name"), h.get("town_code")),
                    since=h.get("since"),
                    status=h.get("status"),
                )
                for h in o["_helpers"]
            ),
            key=lambda h: (h.helper.label, h.helper.key, h.since or ""),
        ),
    )


def gaps(
    store: Any,
    *,
    town: str | None = None,
    park: str | None = None,
    industry: str | None = None,
    category: str | None = None,
    min_employees: int | None = None,
    max_hops: int = 4,
    candidates: int = 5,
    limit: int | None = 50,
    offset: int = 0,
) -> GapsResult:
    """See :func:`queries.gaps` (the public wrapper)."""
    check_town(store, town)
    if park is not None:
        check_key(park, "园区")
    if category is not None:
        check_choice(category, ORG_CATEGORIES, "category")
    if min_employees is not None:
        check_int(min_employees, "min_employees", 0, 10**9)
    check_int(max_hops, "max_hops", 1, 6)
    check_int(candidates, "candidates", 0, 100)
    check_int(offset, "offset", 0, 10**9)
    if limit is not None:
        check_int(limit, "limit", 0, 10**6)

    neo = store.backend == "neo4j"
    orgs, hosts, hix = _facts_neo4j(store, town) if neo else _facts_embedded(store, town)
    # Partners for 联合建 come from every uncovered organisation in scope, not only the filtered ones.
    # (only those with 1-2 full members can be partners; 3+ build on their own)
    pool = [o for o in orgs if 1 <= o["_full"] <= 2 and o.get("org_category") != SELF_EMPLOYED_CATEGORY]

    def keep(o: dict[str, Any]) -> bool:
        emp = o.get("employees")
        return (
            (park is None or o.get("park_code") == park)
            and (industry is None or o.get("industry") == industry)
            and (category is None or o.get("org_category") == category)
            and (min_employees is None or (emp is not None and int(emp) >= min_employees))
        )

    def order(o: dict[str, Any]) -> tuple[Any, ...]:
        return (-o["_full"], -o["_n"], -int(o.get("employees") or 0), o["uscc"])

    chosen = sorted((o for o in orgs if keep(o)), key=order)
    main = [o for o in chosen if o.get("org_category") != SELF_EMPLOYED_CATEGORY]
    selfemp = [o for o in chosen if o.get("org_category") == SELF_EMPLOYED_CATEGORY]
    end = None if limit is None else offset + limit
    page, page_self = main[offset:end], selfemp[offset:end]

    keys = [o["uscc"] for o in page + page_self]
    if neo:
        details = _details_neo4j(store, keys, town)
        page = [{**o, **details[o["uscc"]]} for o in page]
        page_self = [{**o, **details[o["uscc"]]} for o in page_self]
    host_keys = sorted(h["party_org_code"] for h in hosts)
    hop_fn = _hops_neo4j if neo else _hops_embedded
    hops = hop_fn(store, keys, host_keys, town, max_hops)

    def build(o: dict[str, Any]) -> GapEntry:
        return _entry(o, _candidates(o, hix, hops, max_hops, max(candidates, 1)), pool, candidates)

    return GapsResult(
        town=town,
        total=len(main),
        offset=offset,
        entries=[build(o) for o in page],
        self_employed_total=len(selfemp),
        self_employed=[build(o) for o in page_self],
    )
