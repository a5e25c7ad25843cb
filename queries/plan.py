"""Question 14: the coverage plan (组建规划) and the pairing plan (示范帮扶).

Facts come once per store version and scope (:data:`queries.plan_facts.PLAN_FACTS`); the plan
is a pure function of them (:func:`solve_plan`), so both backends give the same plan.

The rules (issue 14, DESIGN.md "near"):

- Units: uncovered non-public and social organisations in operation (个体工商户 optional).
- Near: a unit and a host are near when they share a park or an association, or when the
  unit lies within ``distance_km`` of the nearest organisation the host covers; a unit
  without coordinates is near every host of its town (its row is flagged 无坐标). Two units
  are near by the same rule (park, association, distance; no coordinates: same town).
- 单独建: at least 3 full members. 联合建: 2..``max_units`` units of one town, each with a full
  member, at least 3 full members together, every pair near. 挂靠建 (the unit has members) /
  1+X (none): a 党支部/党总支/党委 of kind 组织党组织 or 协会党组织 of the unit's town that is near
  it, or an association's party organisation covering the unit's association (any town);
  at most ``host_cap`` new units per host. 派驻指导员 (work coverage only): a unit no party
  organisation takes in the plan and no instructor serves today gets an instructor of its town
  (the town of most of its assignments), at most ``instructor_cap`` assignments in all.
- Objective, tier by tier: (1) units covered by a party organisation (or their employees),
  (2) units with work coverage, (3) the constitution's preference per unit (单独建 > 联合建 >
  挂靠建 > 1+X) -- solved to proven optimality as one weighted sum whose optimum is the
  lexicographic one, then fixed -- and (4) total distance, then (5) balanced load of hosts and
  instructors, one weighted sum started from a complete plan (the attached units' hosts by a
  min-cost flow) and solved to within 1% of its bound (TIER4_GAP).
  CP-SAT with one worker, a fixed seed and deterministic limits: the same facts give the same
  plan on every machine. Towns are solved apart unless an association's party organisation may
  host units of several of them. Each part takes the cheapest exact way (:func:`_solve_part`):
  flows when no joint group is possible; when the hosts' capacity does not bind, CP-SAT over the
  formations only, tier 4 by Benders cuts from the hosts' prices and the hosts by flow; else the
  whole model above.
"""

from __future__ import annotations

import math
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Literal, NamedTuple

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from graph.fields import model_from
from graph.model import (
    ASSOCIATION_CATEGORIES,
    NONPUBLIC_CATEGORIES,
    SELF_EMPLOYED_CATEGORY,
    SOCIAL_CATEGORIES,
    TWO_NEW_KINDS,
    TWO_NEW_LEVELS,
)
from graph.store.base import GraphStore
from queries._common import check_scope
from queries.cache import facts as cached_facts
from queries.params import Params
from queries.plan_facts import PLAN_FACTS, REMOVED, CoverageCount, Instructor, Party, PlanFacts, Removal, Unit
from queries.question import Question, register
from queries.scope import Scope

IN_OPERATION = "在营"
ASSOC_KIND = "协会党组织"
HOST_LEVELS = frozenset({"党委", "党总支", "党支部"})
MIN_FULL = 3  # party constitution: three full members to set up a party organisation
Formation = Literal["单独建", "联合建", "挂靠建", "1+X", "派驻指导员"]
FORMATIONS: tuple[str, ...] = ("单独建", "联合建", "挂靠建", "1+X", "派驻指导员")
PREFERENCE = {"单独建": 4, "联合建": 3, "挂靠建": 2, "1+X": 1}
TIERS = ("组织覆盖", "工作覆盖", "组建方式", "总距离", "负载均衡")
SEED = 20111231
TIER4_GAP = 0.01  # the last tier (distance, then balance) stops within 1% of its bound (issue 14)
TIER_DET_TIME = 120.0  # deterministic time units per tier (a safety net; small towns need far less)


# --- parameters -------------------------------------------------------------------------


class AcceptedRow(Params):
    """A row the planner accepted: kept as it is when planning again."""

    org: str = Field(max_length=100, description="单位统一社会信用代码")
    formation: Formation = Field(description="组建方式")
    host: str | None = Field(None, max_length=100, description="挂靠的党组织编码（挂靠建、1+X）")
    group: tuple[str, ...] = Field((), max_length=20, description="联合建的全部成员单位（含本单位）")
    instructor: str | None = Field(None, max_length=100, description="派驻的党建指导员编号")

    @classmethod
    def of(cls, row: PlanRow) -> AcceptedRow:
        """Accept a row as the plan gives it."""
        return cls(
            org=row.org,
            formation=row.formation,
            host=row.host,
            group=tuple(row.group),
            instructor=row.instructor,
        )


class PlanOptions(Params):
    """The plan's parameters a query string or a command line can carry (every face's options)."""

    distance_km: float = Field(3.0, ge=0.1, le=50.0, description="“邻近”的直线距离（公里）")
    max_units: int = Field(5, ge=2, le=10, description="联合建每组最多单位数")
    host_cap: int = Field(4, ge=0, le=50, description="每个党组织最多新增挂靠单位数")
    instructor_cap: int = Field(5, ge=0, le=50, description="每名党建指导员最多派驻处数（含现有）")
    include_individual: bool = Field(False, description="是否纳入个体工商户")
    weight: Literal["units", "employees"] = Field(
        "units", description="组织覆盖的计量：units 按单位数 / employees 按从业人数"
    )
    accept: tuple[str, ...] = Field(
        (), max_length=2000, description="确认这些单位在本方案中的行（锁定后再规划）"
    )
    forbidden_hosts: tuple[str, ...] = Field((), max_length=2000, description="不得挂靠的党组织编码")
    excluded: tuple[str, ...] = Field((), max_length=5000, description="不纳入规划的单位")
    removed: tuple[str, ...] = Field(
        (),
        max_length=200,
        description="视为已撤销的党组织或党建指导员（其覆盖或派驻的单位一并纳入规划；影响分析转来）",
    )


class PlanParams(PlanOptions):
    """Every parameter of the plan: the options and the accepted rows (the POST body)."""

    accepted: tuple[AcceptedRow, ...] = Field((), max_length=2000, description="已确认的行（锁定）")


class PairingParams(Params):
    pairing_cap: int = Field(3, ge=0, le=50, description="每个示范点最多结对数（含现有）")
    include_individual: bool = Field(False, description="是否纳入个体工商户")
    excluded: tuple[str, ...] = Field((), max_length=5000, description="不纳入结对的单位或党组织")
    forbidden_points: tuple[str, ...] = Field((), max_length=2000, description="不再安排新结对的示范点")
    accept: tuple[str, ...] = Field(
        (), max_length=2000, description="确认这些单位或党组织在本方案中的结对（锁定后再规划）"
    )


# --- results ----------------------------------------------------------------------------


class _M(BaseModel):
    model_config = ConfigDict(frozen=True)


class Rate(_M):
    total: int = 0
    covered: int = 0
    rate: float | None = None
    work_covered: int = 0
    work_rate: float | None = None


class CoverageLine(_M):
    town: str | None = None  # None: the whole scope
    town_name: str | None = None
    nonpublic: Rate
    social: Rate


class Coverage(_M):
    district: CoverageLine  # the whole scope (the district, or the town of a town scope)
    towns: list[CoverageLine]


class PlanRow(_M):
    org: str
    org_name: str | None = None
    town: str | None = None
    category: str | None = None
    formation: Formation
    host: str | None = None
    host_name: str | None = None
    host_town: str | None = None  # an association's party organisation may be of another town
    host_town_name: str | None = None
    group: list[str] = Field(default_factory=list)  # every unit of the joint organisation, this one included
    group_names: list[str] = Field(default_factory=list)
    instructor: str | None = None
    instructor_name: str | None = None
    distance_km: float | None = None
    no_coords: bool = False  # 无坐标: near by the town rule
    full_members: int = 0
    probationary_members: int = 0
    employees: int | None = None
    locked: bool = False
    reason: str


class Unplaced(_M):
    org: str
    org_name: str | None = None
    town: str | None = None
    category: str | None = None
    full_members: int = 0
    rule: str  # excluded / not_in_operation / no_host / hosts_full / locked
    reason: str


class SolverInfo(_M):
    status: str  # OPTIMAL when every tier was proven, else FEASIBLE
    objective: list[float]  # per tier (TIERS), summed over the independent parts
    bound: list[float]
    seconds: float
    tiers: list[str] = Field(default_factory=lambda: list(TIERS))
    parts: int = 0  # independently solved parts (towns, or towns joined by an association host)
    engine: str = "cp-sat"


class PlanResult(_M):
    town: str | None = None
    parameters: dict[str, Any]
    before: Coverage
    after: Coverage
    rows: list[PlanRow]
    unplaced: list[Unplaced]
    solver: SolverInfo
    notes: list[str] = Field(default_factory=list)


class PairingRow(_M):
    target: str
    target_label: Literal["PartyOrg", "Organization"]
    target_name: str | None = None
    town: str | None = None
    phase: Literal["两新党组织", "未建单位"]
    point: str
    point_name: str | None = None
    point_tier: str | None = None
    point_town: str | None = None
    match: Literal["同镇街或园区", "同行业", "其他"]
    locked: bool = False
    reason: str


class PairingUnpaired(_M):
    target: str
    target_label: str
    target_name: str | None = None
    phase: str
    reason: str


class PairingResult(_M):
    town: str | None = None
    parameters: dict[str, Any]
    points: int
    places_before: int  # places left on demonstration points before the plan
    rows: list[PairingRow]
    unpaired: list[PairingUnpaired]
    solver: SolverInfo
    notes: list[str] = Field(default_factory=list)


# --- the near rule ----------------------------------------------------------------------

_EARTH_KM = 6371.0088


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Haversine distance between (lon, lat) points (the formula of queries._common)."""
    lon1, lat1 = math.radians(a[0]), math.radians(a[1])
    lon2, lat2 = math.radians(b[0]), math.radians(b[1])
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * _EARTH_KM * math.asin(math.sqrt(h))


def _pt(x: Unit | Any) -> tuple[float, float] | None:
    return None if x.lon is None or x.lat is None else (x.lon, x.lat)


@dataclass
class Host:
    """A party organisation that may take in units, with what the near rule asks of it."""

    p: Party
    parks: frozenset[str]
    assoc_keys: frozenset[str]  # associations of its covered organisations, and associations it covers
    assoc_orgs: frozenset[str]  # association organisations it covers
    covered_assocs: frozenset[str]
    pts: tuple[tuple[float, float], ...]
    key: str = ""  # p.key, read ~1 M times at scale 40

    def __post_init__(self) -> None:
        self.key = self.p.key

    @classmethod
    def of(cls, p: Party) -> Host:
        covered_assocs = frozenset(c.association for c in p.covers if c.association)
        assoc_orgs = frozenset(c.key for c in p.covers if c.category in ASSOCIATION_CATEGORIES)
        return cls(
            p=p,
            parks=frozenset([*([p.park] if p.park else []), *(c.park for c in p.covers if c.park)]),
            assoc_keys=covered_assocs | assoc_orgs,
            assoc_orgs=assoc_orgs,
            covered_assocs=covered_assocs,
            pts=tuple(pt for pt in (_pt(c) for c in p.covers) if pt is not None),
        )


def is_host(p: Party) -> bool:
    return p.kind in TWO_NEW_KINDS and p.level in HOST_LEVELS


class Link(NamedTuple):
    """Why a unit and a host (or two units) are near (a named tuple: ~0.5 M of them at scale 40)."""

    same_park: bool
    same_assoc: bool
    km: float | None  # straight-line distance when both ends have coordinates
    no_coords: bool
    via_association_host: bool = False  # an association's party organisation, any town


class _Points:
    """The covered organisations' points of some hosts, as arrays: the nearest point of each host
    to a unit in one vectorised haversine (the near rule's cost at scale 40 was these distances)."""

    def __init__(self, hosts: Iterable[Host]) -> None:
        with_pts = [h for h in hosts if h.pts]
        self.keys = [h.key for h in with_pts]
        self.starts = np.cumsum([0] + [len(h.pts) for h in with_pts[:-1]], dtype=np.intp)
        pts = np.radians(np.array([q for h in with_pts for q in h.pts], dtype=np.float64).reshape(-1, 2))
        self.lon, self.lat = pts[:, 0], pts[:, 1]
        self.cos_lat = np.cos(self.lat)

    def nearest(self, here: tuple[float, float] | None) -> dict[str, float]:
        """Host -> km to its nearest covered organisation (rounded to metres; :func:`km`'s formula)."""
        if here is None or not self.keys:
            return {}
        lon1, lat1 = math.radians(here[0]), math.radians(here[1])
        h = (
            np.sin((self.lat - lat1) / 2) ** 2
            + math.cos(lat1) * self.cos_lat * np.sin((self.lon - lon1) / 2) ** 2
        )
        d = np.minimum.reduceat(2 * _EARTH_KM * np.arcsin(np.sqrt(h)), self.starts)
        return dict(zip(self.keys, np.round(d, 3).tolist(), strict=True))


def host_link(u: Unit, h: Host, distance_km: float, nearest: dict[str, float] | None = None) -> Link | None:
    """The near rule for a unit and a host (None: the host cannot take the unit); ``nearest``:
    the unit's distances to hosts already computed (:class:`_Points`)."""
    same_park = bool(u.park) and u.park in h.parks
    same_assoc = bool(u.association and u.association in h.assoc_keys) or u.key in h.covered_assocs
    here = _pt(u)
    if nearest is None or (here is not None and h.pts and h.key not in nearest):
        nearest = _Points([h]).nearest(here)
    d = nearest.get(h.key)
    if h.p.town == u.town and u.town is not None:
        if same_park or same_assoc or here is None or (d is not None and d <= distance_km):
            return Link(same_park, same_assoc, d, here is None)
        return None
    if h.p.kind == ASSOC_KIND and u.association and u.association in h.assoc_orgs:
        return Link(same_park, True, d, here is None, via_association_host=True)
    return None


def unit_link(a: Unit, b: Unit, distance_km: float) -> Link | None:
    """The near rule for two units of one town."""
    if a.town is None or a.town != b.town:
        return None
    same_park = bool(a.park) and a.park == b.park
    same_assoc = bool(
        (a.association and (a.association == b.association or a.association == b.key))
        or (b.association and b.association == a.key)
    )
    pa, pb = _pt(a), _pt(b)
    d = None if pa is None or pb is None else round(km(pa, pb), 3)
    if same_park or same_assoc or d is None or d <= distance_km:
        return Link(same_park, same_assoc, d, pa is None or pb is None)
    return None


def plan_units(f: PlanFacts, p: PlanParams) -> list[Unit]:
    """The units to place, by key (excluded ones and those not in operation left out)."""
    cats = NONPUBLIC_CATEGORIES | SOCIAL_CATEGORIES
    if p.include_individual:
        cats = cats | {SELF_EMPLOYED_CATEGORY}
    ex = set(p.excluded)
    return [u for u in f.units if u.category in cats and u.status == IN_OPERATION and u.key not in ex]


# --- the problem, as a pure structure both the solver and the greedy baseline read ---------


@dataclass
class Problem:
    """Units, their options and capacities (one scope, all towns)."""

    params: PlanParams
    units: dict[str, Unit]
    hosts: dict[str, Host]
    instructors: dict[str, Instructor]
    host_opts: dict[str, dict[str, Link]]  # unit -> host -> link
    mates: dict[str, dict[str, Link]]  # unit (with a full member) -> near units with a full member
    ins_opts: dict[str, list[str]]  # unit -> instructors of its town with room left
    ins_room: dict[str, int]
    blocked_hosts: dict[str, int]  # unit -> near hosts forbidden by the planner
    town_instructors: dict[str | None, int]  # instructors per town (for the reasons)

    @cached_property
    def weight(self) -> dict[str, int]:
        if self.params.weight == "employees":
            return {k: max(1, u.employees or 0) for k, u in self.units.items()}
        return dict.fromkeys(self.units, 1)


def build_problem(f: PlanFacts, p: PlanParams) -> Problem:
    units = {u.key: u for u in plan_units(f, p)}
    forbidden = set(p.forbidden_hosts)
    all_hosts = [Host.of(x) for x in f.parties if is_host(x)]
    hosts = {h.key: h for h in all_hosts if h.key not in forbidden}
    by_town: dict[str | None, list[Host]] = defaultdict(list)
    by_assoc: dict[str, list[Host]] = defaultdict(list)
    for h in all_hosts:
        by_town[h.p.town].append(h)
        if h.p.kind == ASSOC_KIND:
            for a in h.assoc_orgs:
                by_assoc[a].append(h)
    host_opts: dict[str, dict[str, Link]] = {}
    blocked: dict[str, int] = {}
    town_hosts = {t: {h.key: h for h in hs} for t, hs in by_town.items() if t is not None}
    town_pts = {t: _Points(hs.values()) for t, hs in town_hosts.items()}
    for u in units.values():
        cands = dict(town_hosts.get(u.town, {})) if u.town is not None else {}
        near = town_pts[u.town].nearest(_pt(u)) if u.town in town_pts else {}
        if u.association:
            cands.update({h.key: h for h in by_assoc.get(u.association, [])})
        opts: dict[str, Link] = {}
        n_blocked = 0
        for code in sorted(cands):
            link = host_link(u, cands[code], p.distance_km, near)
            if link is None:
                continue
            if code in forbidden:
                n_blocked += 1
            else:
                opts[code] = link
        host_opts[u.key] = opts
        blocked[u.key] = n_blocked
    mates: dict[str, dict[str, Link]] = {}
    with_full: dict[str | None, list[Unit]] = defaultdict(list)
    for u in units.values():
        if u.full >= 1:
            with_full[u.town].append(u)
    for town_units in with_full.values():
        for ua in town_units:
            mates[ua.key] = {}
        for n, ua in enumerate(town_units):
            for ub in town_units[n + 1 :]:
                ln = unit_link(ua, ub, p.distance_km)
                if ln is not None:
                    mates[ua.key][ub.key] = ln
                    mates[ub.key][ua.key] = ln
    instructors = {i.key: i for i in f.instructors}
    room = {k: max(0, p.instructor_cap - i.assignments) for k, i in instructors.items()}
    ins_town: dict[str | None, list[str]] = defaultdict(list)
    for k, ins in sorted(instructors.items()):
        ins_town[ins.town].append(k)
    ins_opts = {
        u.key: [k for k in ins_town.get(u.town, []) if room[k] > 0] if not u.instructed else []
        for u in units.values()
    }
    return Problem(
        params=p,
        units=units,
        hosts=hosts,
        instructors=instructors,
        host_opts=host_opts,
        mates=mates,
        ins_opts=ins_opts,
        ins_room=room,
        blocked_hosts=blocked,
        town_instructors={t: len(v) for t, v in ins_town.items()},
    )


# --- assignments: what a plan decides, before it is written up ------------------------------


@dataclass
class Assignment:
    """A plan as decisions: unit -> (formation, host | leader | instructor)."""

    standalone: set[str] = field(default_factory=set)
    groups: dict[str, list[str]] = field(default_factory=dict)  # leader -> members (sorted, leader first)
    attached: dict[str, str] = field(default_factory=dict)  # unit -> host
    instructed: dict[str, str] = field(default_factory=dict)  # unit -> instructor

    def covered(self) -> set[str]:
        return self.standalone | {m for g in self.groups.values() for m in g} | set(self.attached)


def _attach_formation(u: Unit) -> str:
    return "挂靠建" if u.full + u.probationary > 0 else "1+X"


# --- greedy baseline ---------------------------------------------------------------------


def greedy_assignment(pb: Problem) -> Assignment:
    """The obvious plan, one decision at a time (the baseline the solver must never fall below).

    Standalone for 3+ full members; joint groups grown from the units with most full members
    among near units; the rest attached to the nearest host with room; then instructors.
    """
    p = pb.params
    a = Assignment()
    units = pb.units
    done: set[str] = set()
    for k, u in units.items():
        if u.full >= MIN_FULL:
            a.standalone.add(k)
            done.add(k)
    seeds = sorted((k for k in pb.mates if k not in done), key=lambda k: (-units[k].full, k))
    for s in seeds:
        if s in done:
            continue
        group, total = [s], units[s].full
        for m in sorted(pb.mates[s], key=lambda k: (-units[k].full, pb.mates[s][k].km or 0.0, k)):
            if m in done or len(group) >= p.max_units or total >= MIN_FULL:
                continue
            if all(m in pb.mates[g] for g in group):
                group.append(m)
                total += units[m].full
        if total >= MIN_FULL and len(group) >= 2:
            members = sorted(group)
            a.groups[members[0]] = members
            done.update(group)
    load: dict[str, int] = defaultdict(int)
    order = sorted(
        (k for k in units if k not in done),
        key=lambda k: (-(units[k].full + units[k].probationary), -(units[k].employees or 0), k),
    )
    for k in order:
        opts = [
            (link.km if link.km is not None else p.distance_km, h)
            for h, link in pb.host_opts[k].items()
            if load[h] < p.host_cap
        ]
        if opts:
            _, h = min(opts)
            a.attached[k] = h
            load[h] += 1
            done.add(k)
    room = dict(pb.ins_room)
    for k in order:
        if k in done:
            continue
        opts2 = [i for i in pb.ins_opts[k] if room[i] > 0]
        if opts2:
            i = min(opts2, key=lambda i: (pb.instructors[i].assignments + pb.ins_room[i] - room[i], i))
            a.instructed[k] = i
            room[i] -= 1
    return a


# --- the CP-SAT model --------------------------------------------------------------------


def _parts(pb: Problem) -> list[list[str]]:
    """Units in independent parts: by town, towns joined when one host may take units of both."""
    parent: dict[Any, Any] = {}

    def find(x: Any) -> Any:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    host_towns: dict[str, set[Any]] = defaultdict(set)
    for k, opts in pb.host_opts.items():
        for h in opts:
            host_towns[h].add(pb.units[k].town)
    for k in pb.units:
        find(pb.units[k].town)
    for towns in host_towns.values():
        t0, *rest = sorted(towns, key=lambda t: (t is None, t))
        for t in rest:
            parent[find(t)] = find(t0)
    out: dict[Any, list[str]] = defaultdict(list)
    for k in sorted(pb.units):
        out[find(pb.units[k].town)].append(k)
    return [out[r] for r in sorted(out, key=lambda t: (t is None, t))]


@dataclass
class _Locks:
    standalone: set[str] = field(default_factory=set)
    groups: list[list[str]] = field(default_factory=list)
    attached: dict[str, str] = field(default_factory=dict)
    instructed: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def units(self) -> set[str]:
        return (
            self.standalone | {m for g in self.groups for m in g} | set(self.attached) | set(self.instructed)
        )


def _check_locks(pb: Problem) -> _Locks:
    """Accepted rows that still hold become constraints; the others are reported."""
    out = _Locks()
    seen: set[str] = set()
    for i, r in enumerate(pb.params.accepted, start=1):
        u = pb.units.get(r.org)

        def bad(why: str, r: AcceptedRow = r, i: int = i) -> None:
            out.notes.append(f"已确认的第{i}行（{r.org}，{r.formation}）不再可行：{why}，已按未确认重新规划")

        if u is None:
            bad("该单位已不在待规划范围内（已覆盖、已注销、已排除或不在本镇街）")
            continue
        if r.org in seen and r.formation != "联合建":
            bad("同一单位被确认了多次")
            continue
        if r.formation == "单独建":
            if u.full < MIN_FULL:
                bad(f"正式党员只有{u.full}名")
                continue
            out.standalone.add(r.org)
        elif r.formation == "联合建":
            g = sorted(set(r.group) | {r.org})
            if any(g == x for x in out.groups):
                seen.add(r.org)
                continue
            ok = (
                2 <= len(g) <= pb.params.max_units
                and all(m in pb.mates for m in g)
                and all(b in pb.mates[a] for a in g for b in g if a != b)
                and sum(pb.units[m].full for m in g) >= MIN_FULL
                and not (set(g) & out.units())
            )
            if not ok:
                bad("联合组建的成员已变化或不再满足联合建条件")
                continue
            out.groups.append(g)
        elif r.formation in ("挂靠建", "1+X"):
            if r.host is None or r.host not in pb.host_opts[r.org]:
                bad("该党组织已不能挂靠（不再邻近、已被排除或已不存在）")
                continue
            out.attached[r.org] = r.host
        else:
            if r.instructor is None or r.instructor not in pb.ins_opts.get(r.org, []):
                bad("该党建指导员已无派驻名额或该单位已有指导员")
                continue
            out.instructed[r.org] = r.instructor
        seen.add(r.org)
    return out


@dataclass
class _TierOutcome:
    objective: list[float]
    bound: list[float]
    optimal: bool


def _balanced_flow(
    opts: dict[str, dict[str, int]], base: dict[str, int], room: dict[str, int]
) -> dict[str, str] | None:
    """Every unit of ``opts`` (unit -> owner -> cost) to one owner, at most ``room`` new units per
    owner, at least total cost + the convex load cost of the owners (the n-th new unit of an owner
    costs 2(base + n) - 1): a min-cost flow, exact. None when the units do not all fit."""
    from ortools.graph.python import min_cost_flow

    ks = sorted(opts)
    owners = sorted({o for k in ks for o in opts[k]})
    oi = {o: len(ks) + n for n, o in enumerate(owners)}
    sink = len(ks) + len(owners)
    demand: Counter[str] = Counter(o for k in ks for o in opts[k])
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = []
    for n, k in enumerate(ks):
        for o in sorted(opts[k]):
            arcs.append((flow.add_arc_with_capacity_and_unit_cost(n, oi[o], 1, opts[k][o]), k, o))
        flow.set_node_supply(n, 1)
    for o in owners:
        for step in range(1, min(demand[o], room[o]) + 1):
            flow.add_arc_with_capacity_and_unit_cost(oi[o], sink, 1, 2 * (base[o] + step) - 1)
    flow.set_node_supply(sink, -len(ks))
    if ks and flow.solve() != flow.OPTIMAL:
        return None
    return {k: o for arc, k, o in arcs if flow.flow(arc) > 0}


def _attach_flow(
    pb: Problem, a: Iterable[tuple[str, str]], locks: _Locks, metres: Any, big: int
) -> dict[str, str] | None:
    """Hosts for units that must each be attached (``a``: their (unit, host) options, the
    accepted host only for a locked unit), by distance * big + the hosts' convex load cost."""
    opts: dict[str, dict[str, int]] = defaultdict(dict)
    for k, h in a:
        if locks.attached.get(k, h) == h:
            opts[k][h] = metres(pb.host_opts[k][h]) * big
    hosts = {h for o in opts.values() for h in o}
    return _balanced_flow(
        opts, {h: pb.hosts[h].p.load for h in hosts}, dict.fromkeys(hosts, pb.params.host_cap)
    )


def _ladder_cost(base: int, n: int) -> int:
    """The convex load cost of n new units on an owner carrying ``base`` (sum of 2(base + j) - 1)."""
    return sum(2 * (base + j) - 1 for j in range(1, n + 1))


def _group_leaders(pb: Problem, keys: Iterable[str]) -> dict[str, list[str]]:
    """Possible joint groups of a part, each named by its smallest member (its leader): leader ->
    the leader and its near units after it, when together they could reach three full members."""
    inside = set(keys)
    out = {}
    for j in sorted(inside):
        if j not in pb.mates:
            continue
        cands = [j] + [x for x in sorted(pb.mates[j]) if x > j and x in inside]
        if len(cands) >= 2 and sum(pb.units[x].full for x in cands) >= MIN_FULL:
            out[j] = cands
    return out


def _split_part(
    pb: Problem, keys: list[str], locks: _Locks, metres: Any
) -> tuple[Assignment, _TierOutcome] | None:
    """A part where no joint group is possible, solved by two min-cost flows, exactly, when every
    unit can reach its own maximum of tiers 1-3 (the bound the whole model proves them against):
    3+ full members build alone, every other unit with a host is attached and every unit without
    one gets an instructor when it may. With the formations fixed so, tiers 4-5 separate into the
    attached units' hosts and the instructors: each flow is exact. None when a unit cannot reach
    its maximum or a lock says otherwise (CP-SAT decides then)."""
    units = pb.units
    alone = [k for k in keys if units[k].full >= MIN_FULL]
    rest = [k for k in keys if units[k].full < MIN_FULL]
    attach = [k for k in rest if pb.host_opts[k]]
    instruct = [k for k in rest if not pb.host_opts[k] and pb.ins_opts[k]]
    if any(k in locks.attached or k in locks.instructed for k in alone) or any(
        k in locks.instructed for k in attach
    ):
        return None
    done = _slack_hosts(
        pb,
        Assignment(
            standalone=set(alone), attached=dict.fromkeys(attach, ""), instructed=dict.fromkeys(instruct, "")
        ),
        locks,
        metres,
        None,
    )
    if done is None:
        return None
    w = pb.weight
    first = [
        float(sum(w[k] for k in [*alone, *attach])),
        float(len(alone) + len(attach) + len(instruct)),
        float(
            PREFERENCE["单独建"] * len(alone) + sum(PREFERENCE[_attach_formation(units[k])] for k in attach)
        ),
    ]
    out, tiers = done
    return out, _TierOutcome([*first, *tiers.objective[3:]], [*first, *tiers.bound[3:]], True)


def _group_model(m: Any, pb: Problem, keys: Iterable[str], locks: _Locks) -> dict[tuple[str, str], Any]:
    """The joint groups of a part in a CP-SAT model: g[(unit, leader)] with the rules (2..max_units
    units, 3 full members together, every pair near) and the accepted groups kept. Every group is
    named by its smallest member (its leader), so each has one encoding and no two leaders compete."""
    units = pb.units
    g: dict[tuple[str, str], Any] = {}
    for j, xs in _group_leaders(pb, keys).items():
        for x in xs:
            g[(x, j)] = m.new_bool_var(f"g|{x}|{j}")
        lead = g[(j, j)]
        others = xs[1:]
        for x in others:
            m.add(g[(x, j)] <= lead)
        size = sum(g[(x, j)] for x in xs)
        m.add(size >= 2 * lead)
        m.add(size <= pb.params.max_units * lead)
        m.add(sum(units[x].full * g[(x, j)] for x in xs) >= MIN_FULL * lead)
        for i1, x in enumerate(others):
            for y in others[i1 + 1 :]:
                if y not in pb.mates[x]:
                    m.add(g[(x, j)] + g[(y, j)] <= 1)
    for grp in locks.groups:
        j = grp[0]
        if (j, j) in g:
            for x in grp:
                m.add(g[(x, j)] == 1)
            m.add(sum(v for (_, lead), v in g.items() if lead == j) == len(grp))
    return g


def _new_solver() -> Any:
    """CP-SAT as the plan runs it: one worker, a fixed seed and deterministic limits."""
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = SEED
    solver.parameters.max_deterministic_time = TIER_DET_TIME
    # The LP with every linear constraint and cuts: the distance tier is a transportation
    # problem with side constraints, proven at once with it (~10x less work than the default).
    solver.parameters.linearization_level = 2
    return solver


def _solve_part(pb: Problem, keys: list[str], locks: _Locks) -> tuple[Assignment, _TierOutcome]:
    """One part: by flows when no group is possible, else by CP-SAT over the formations with the
    hosts left to flows when their capacity does not bind (:func:`_cp_part` ``slack``), else by
    the whole CP-SAT model. Each way proves tiers 1-3 and tier 4 within TIER4_GAP."""
    far = round(pb.params.distance_km * 1000)

    def metres(link: Link | None) -> int:
        return far if link is None or link.km is None else round(link.km * 1000)

    out = _split_part(pb, keys, locks, metres) if not _group_leaders(pb, keys) else None
    attachable = ((k, h) for k in keys for h in pb.host_opts[k])
    if out is None and _attach_flow(pb, attachable, locks, metres, 1) is not None:
        out = _cp_part(pb, keys, locks, metres, slack=True)
    return out or _cp_part(pb, keys, locks, metres, slack=False)  # type: ignore[return-value]


def _cp_part(
    pb: Problem, keys: list[str], locks: _Locks, metres: Any, slack: bool
) -> tuple[Assignment, _TierOutcome] | None:
    """The CP-SAT model of a part. ``slack``: every unit with a host option fits its hosts at once
    (a flow said so), so any set of them does: one "attached" variable per unit stands for its
    hosts (tiers 1-3 are then exactly those of the whole model), tier 4 is relaxed to each unit's
    nearest host (a lower bound), and the hosts come from a min-cost flow afterwards; None when
    that plan is not within TIER4_GAP of the bound (the whole model decides then)."""
    from ortools.sat.python import cp_model

    p = pb.params
    units = pb.units
    inside = set(keys)
    w = pb.weight
    m = cp_model.CpModel()
    s: dict[str, Any] = {}
    a: dict[tuple[str, str], Any] = {}
    t: dict[tuple[str, str], Any] = {}
    for k in keys:
        if units[k].full >= MIN_FULL:
            s[k] = m.new_bool_var(f"s|{k}")
    g = _group_model(m, pb, keys, locks)
    acost: dict[tuple[str, str], int] = {}  # (unit, host or "" in slack mode) -> metres
    for k in keys:
        opts = {h: metres(ln) for h, ln in pb.host_opts[k].items() if locks.attached.get(k, h) == h}
        for h, c in opts.items() if not slack else [("", min(opts.values()))] if opts else []:
            a[(k, h)] = m.new_bool_var(f"a|{k}|{h}")
            acost[(k, h)] = c
        for i in pb.ins_opts[k]:
            t[(k, i)] = m.new_bool_var(f"t|{k}|{i}")
    by_unit_org: dict[str, list[Any]] = defaultdict(list)  # a party organisation covers it
    for k, v in s.items():
        by_unit_org[k].append(v)
    for (x, _), v in [*g.items(), *a.items()]:
        by_unit_org[x].append(v)
    by_unit: dict[str, list[Any]] = defaultdict(list, {k: list(vs) for k, vs in by_unit_org.items()})
    for (x, _), v in t.items():
        by_unit[x].append(v)
    for vs in by_unit.values():
        m.add(sum(vs) <= 1)
    per_host: dict[str, list[Any]] = defaultdict(list)
    for (_, h), v in a.items():
        per_host[h].append(v)
    if slack:
        per_host.clear()
    for vs in per_host.values():
        m.add(sum(vs) <= p.host_cap)
    per_ins: dict[str, list[Any]] = defaultdict(list)
    for (_, i), v in t.items():
        per_ins[i].append(v)
    for i, vs in per_ins.items():
        m.add(sum(vs) <= pb.ins_room[i])
    # Locks: accepted rows stay as they are.
    for k in locks.standalone & inside:
        m.add(s[k] == 1)
    for k, h in locks.attached.items():
        if k in inside:
            m.add(a[(k, "" if slack else h)] == 1)
    for k, i in locks.instructed.items():
        if k in inside:
            m.add(t[(k, i)] == 1)

    def covered(k: str) -> Any:
        return sum(by_unit_org[k])

    # Each of the first three tiers is a sum over units; when a tier reaches the sum of the
    # units' own maxima, each unit is fixed at its maximum (exact, and far easier for the
    # search than one long equality); otherwise the tier's sum is fixed.
    per1 = {k: (w[k] * covered(k), w[k] if by_unit_org[k] else 0) for k in keys}
    per2 = {k: (sum(by_unit[k]), 1 if by_unit[k] else 0) for k in keys}
    prefs: dict[str, list[tuple[int, Any]]] = defaultdict(list)
    for k, v in s.items():
        prefs[k].append((PREFERENCE["单独建"], v))
    for (x, _), v in g.items():
        prefs[x].append((PREFERENCE["联合建"], v))
    for (x, _), v in a.items():
        prefs[x].append((PREFERENCE[_attach_formation(units[x])], v))
    per3 = {k: (sum(c * v for c, v in prefs[k]), max((c for c, _ in prefs[k]), default=0)) for k in keys}
    dist = [acost[xh] * v for xh, v in a.items()]
    dist += [metres(pb.mates[x].get(j)) * v for (x, j), v in g.items() if x != j]
    tier4 = sum(dist)
    # Balance: a convex cost per host / instructor of its load after the plan, as a ladder of
    # booleans (the k-th new unit costs 2(load + k) - 1), so the solver fills the least loaded first.
    ladder = []
    ladders: dict[tuple[str, str], list[Any]] = {}  # ("h", host) / ("i", instructor) -> its steps
    for owner, vs, base, room in [
        *((("h", h), vs, pb.hosts[h].p.load, p.host_cap) for h, vs in per_host.items()),
        *((("i", i), vs, pb.instructors[i].assignments, pb.ins_room[i]) for i, vs in per_ins.items()),
    ]:
        steps = ladders[owner] = [
            m.new_bool_var(f"l|{owner[1]}|{n}") for n in range(1, min(len(vs), room) + 1)
        ]
        m.add(sum(steps) == sum(vs))
        ladder += [(2 * (base + n) - 1) * y for n, y in enumerate(steps, start=1)]
    tier5 = sum(ladder)
    # Distance, then balance: one solve of distance * big + balance (big exceeds any balance
    # value), which is the exact lexicographic optimum of the two and far cheaper than two solves.
    big = sum(2 * (pb.hosts[h].p.load + len(vs)) + 1 for h, vs in per_host.items()) * (p.host_cap + 1)
    big += sum(2 * (pb.instructors[i].assignments + len(vs)) + 1 for i, vs in per_ins.items()) * (
        max(pb.ins_room.values(), default=0) + 1
    )
    big = max(big, 1)

    solver = _new_solver()
    objective: list[float] = []
    bound: list[float] = []
    all_vars = [*s.values(), *g.values(), *a.values(), *t.values()]
    if not all_vars:
        return Assignment(), _TierOutcome([0.0] * len(TIERS), [0.0] * len(TIERS), True)
    # Tiers 1-3 in one solve: their sums weighted so that the optimum is the lexicographic one.
    pers = (per1, per2, per3)
    maxima = [sum(mx for _, mx in per.values()) for per in pers]
    weights = [(maxima[2] + 1) * (maxima[1] + 1), maxima[2] + 1, 1]
    sums = [sum(e for e, _ in per.values()) for per in pers]
    m.maximize(sum(wt * x for wt, x in zip(weights, sums, strict=True)))
    status = solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise RuntimeError(f"CP-SAT tiers 1-3: {solver.status_name(status)}")
    optimal = status == cp_model.OPTIMAL
    rest, hi = round(solver.objective_value), math.floor(solver.best_objective_bound)
    for n, (per, wt) in enumerate(zip(pers, weights, strict=True)):
        value, rest = divmod(rest, wt)
        objective.append(float(value))
        top, hi = divmod(hi, wt)
        bound.append(float(top))
        if optimal and value == maxima[n]:
            # each unit at its own maximum: exact, and far easier for the search than one sum
            for e, mx in per.values():
                if not isinstance(e, int):
                    m.add(e == mx)
        else:
            m.add(sums[n] >= value)
    # Tier 4 starts from a complete, good plan: the formations found above, the attached units'
    # hosts by a min-cost flow (distance, then the convex load cost; exact for that set), each
    # load ladder filled from the bottom. The solver then stops within TIER4_GAP of its bound.
    if slack:
        first = _TierOutcome(objective, bound, optimal)
        return _slack_tier4(pb, m, solver, (s, g, a, t), locks, metres, first)
    keep = {kh for kh, v in a.items() if solver.boolean_value(v)}
    mine = {k for k, _ in keep}
    flow = _attach_flow(pb, [kh for kh in a if kh[0] in mine], locks, metres, big)
    if flow is None:
        raise RuntimeError("min-cost flow: the attached units do not fit their hosts")
    keep = set(flow.items())
    hint = {v: solver.boolean_value(v) for v in [*s.values(), *g.values(), *t.values()]}
    hint.update({v: kh in keep for kh, v in a.items()})
    new_load: Counter[tuple[str, str]] = Counter(("h", h) for _, h in keep)
    new_load.update(("i", i) for (_, i), v in t.items() if hint[v])
    for owner, steps in ladders.items():
        hint.update({y: n <= new_load[owner] for n, y in enumerate(steps, start=1)})
    m.clear_hints()  # type: ignore[no-untyped-call]  # ortools leaves it unannotated
    for v, on in hint.items():
        m.add_hint(v, on)
    solver.parameters.relative_gap_limit = TIER4_GAP
    m.minimize(tier4 * big + tier5)
    status = solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise RuntimeError(f"CP-SAT tier 4: {solver.status_name(status)}")
    optimal = optimal and status == cp_model.OPTIMAL
    value, lo = round(solver.objective_value), math.floor(solver.best_objective_bound)
    objective += [float(value // big), float(value % big)]
    bound += [float(lo // big), float(lo % big) if lo // big == value // big else 0.0]
    return _read(solver, (s, g, a, t)), _TierOutcome(objective, bound, optimal)


_Vars = tuple[
    dict[str, Any], dict[tuple[str, str], Any], dict[tuple[str, str], Any], dict[tuple[str, str], Any]
]
BENDERS_ROUNDS = 8


def _read(solver: Any, v: _Vars) -> Assignment:
    """The assignment a solved model holds (standalone, groups, attached, instructed variables)."""
    s, g, a, t = v
    out = Assignment()
    out.standalone = {k for k, x in s.items() if solver.boolean_value(x)}
    for (x, j), y in sorted(g.items()):
        if solver.boolean_value(y):
            out.groups.setdefault(j, []).append(x)
    out.attached = {x: h for (x, h), y in a.items() if solver.boolean_value(y)}
    out.instructed = {x: i for (x, i), y in t.items() if solver.boolean_value(y)}
    return out


def _host_prices(pb: Problem, hosts: dict[str, str], locks: _Locks, metres: Any) -> dict[str, int]:
    """Prices of the hosts (the capacity duals of the distance-only transportation problem) at an
    optimal assignment ``hosts``: shortest distances in its residual graph (Bellman-Ford)."""
    cap = pb.params.host_cap
    nodes = {k: n for n, k in enumerate(sorted(hosts))}
    tails, heads, costs = [], [], []
    load = Counter(hosts.values())
    for k, mine in hosts.items():
        for h, ln in pb.host_opts[k].items():
            if locks.attached.get(k, h) != h:
                continue
            nodes.setdefault("h|" + h, len(nodes))
            arc = (
                (nodes["h|" + h], nodes[k], -metres(ln))
                if h == mine
                else (nodes[k], nodes["h|" + h], metres(ln))
            )
            tails.append(arc[0])
            heads.append(arc[1])
            costs.append(arc[2])
    sink = nodes.setdefault("", len(nodes))
    for key, n in nodes.items():
        if key.startswith("h|"):
            ends = [(n, sink)] if load[key[2:]] < cap else []
            ends += [(sink, n)] if load[key[2:]] > 0 else []
            for tail, head in ends:
                tails.append(tail)
                heads.append(head)
                costs.append(0)
    tl, hd, cs = (
        np.array(tails, dtype=np.int64),
        np.array(heads, dtype=np.int64),
        np.array(costs, dtype=np.int64),
    )
    d = np.zeros(len(nodes), dtype=np.int64)
    for _ in range(len(nodes)):
        nd = d.copy()
        np.minimum.at(nd, hd, d[tl] + cs)
        if np.array_equal(nd, d):
            break
        d = nd
    return {key[2:]: max(0, int(d[sink] - d[n])) for key, n in nodes.items() if key.startswith("h|")}


def _slack_tier4(
    pb: Problem, m: Any, solver: Any, v: _Vars, locks: _Locks, metres: Any, first: _TierOutcome
) -> tuple[Assignment, _TierOutcome] | None:
    """Tier 4 with the formations free and the hosts by flow (Benders): minimise group distance +
    theta, theta bounding the attached units' distance from below by cuts (each unit's nearest host
    first, then each plan's host prices: LP duality makes every cut valid for every set of units);
    each round's formations get their hosts by a min-cost flow, until the best plan is within
    TIER4_GAP of the bound. None when it is not after BENDERS_ROUNDS (the whole model decides)."""
    from ortools.sat.python import cp_model

    s, g, a, t = v
    cap = pb.params.host_cap
    opts = {
        k: {h: metres(ln) for h, ln in pb.host_opts[k].items() if locks.attached.get(k, h) == h} for k, _ in a
    }
    theta = m.new_int_var(0, 10**12, "theta")
    m.add(theta >= sum(min(opts[k].values()) * y for (k, _), y in a.items()))
    m.minimize(sum(metres(pb.mates[x].get(j)) * y for (x, j), y in g.items() if x != j) + theta)
    solver.parameters.relative_gap_limit = 0.0
    best: tuple[int, Assignment] | None = None
    lo = 0
    for _ in range(BENDERS_ROUNDS):
        status = solver.solve(m)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        lo = max(lo, math.ceil(solver.best_objective_bound - 1e-6))
        plan = _read(solver, v)
        hosts = _attach_flow(pb, ((k, h) for k in plan.attached for h in opts[k]), locks, metres, 1)
        if hosts is None:
            return None
        value = sum(metres(pb.host_opts[k][h]) for k, h in hosts.items())
        value += sum(metres(pb.mates[x].get(j)) for j, xs in plan.groups.items() for x in xs if x != j)
        if best is None or value < best[0]:
            best = (value, plan)
        if best[0] - lo <= TIER4_GAP * max(1, best[0]):
            break
        w = _host_prices(pb, hosts, locks, metres)
        u = {k: min(c + w.get(h, 0) for h, c in o.items()) for k, o in opts.items()}
        m.add(theta >= sum(u[k] * y for (k, _), y in a.items()) - cap * sum(w.values()))
        m.clear_hints()
        for y in [*s.values(), *g.values(), *a.values(), *t.values()]:
            m.add_hint(y, solver.boolean_value(y))
    else:
        return None
    assert best is not None
    bound = [*first.bound[:3], float(lo), 0.0]
    return _slack_hosts(
        pb, best[1], locks, metres, _TierOutcome([*first.objective[:3], 0.0, 0.0], bound, first.optimal)
    )


def _slack_hosts(
    pb: Problem, out: Assignment, locks: _Locks, metres: Any, tiers: _TierOutcome | None
) -> tuple[Assignment, _TierOutcome] | None:
    """The hosts and instructors of a plan whose formations are decided (:func:`_cp_part` with
    ``slack``): min-cost flows, exact for those sets; tier 4 is checked against the relaxed bound."""
    units = list(out.attached)
    load = Counter(h for k in units for h in pb.host_opts[k])
    big = max(1, sum(2 * (pb.hosts[h].p.load + n) + 1 for h, n in load.items()) * (pb.params.host_cap + 1))
    hosts = _attach_flow(pb, ((k, h) for k in units for h in pb.host_opts[k]), locks, metres, big)
    ins_opts = {k: {i: 0 for i in pb.ins_opts[k] if locks.instructed.get(k, i) == i} for k in out.instructed}
    assignments = {i: pb.instructors[i].assignments for o in ins_opts.values() for i in o}
    teachers = _balanced_flow(ins_opts, assignments, pb.ins_room)
    if hosts is None or teachers is None:
        return None
    dist = sum(metres(pb.host_opts[k][h]) for k, h in hosts.items())
    dist += sum(metres(pb.mates[x].get(j)) for j, xs in out.groups.items() for x in xs if x != j)
    balance = sum(_ladder_cost(pb.hosts[h].p.load, n) for h, n in Counter(hosts.values()).items())
    balance += sum(_ladder_cost(assignments[i], n) for i, n in Counter(teachers.values()).items())
    out = replace(out, attached=hosts, instructed=teachers)
    if tiers is None:  # the formations were the only ones possible: the flows are the optimum
        exact = [0.0, 0.0, 0.0, float(dist), float(balance)]
        return out, _TierOutcome(exact, list(exact), True)
    lo = tiers.bound[3]
    if dist * big + balance - lo * big > TIER4_GAP * max(1, dist * big + balance):
        return None
    objective = [*tiers.objective[:3], float(dist), float(balance)]
    bound = [*tiers.bound[:3], lo, 0.0]  # the formations were free: balance is not proven
    return out, _TierOutcome(objective, bound, tiers.optimal)


def solve_assignment(pb: Problem) -> tuple[Assignment, SolverInfo, list[str]]:
    """The optimal plan of a problem, part by part."""
    t0 = time.perf_counter()
    locks = _check_locks(pb)
    total = Assignment()
    obj = [0.0] * len(TIERS)
    bnd = [0.0] * len(TIERS)
    optimal = True
    parts = _parts(pb)
    for keys in parts:
        a, o = _solve_part(pb, keys, locks)
        total.standalone |= a.standalone
        total.groups.update(a.groups)
        total.attached.update(a.attached)
        total.instructed.update(a.instructed)
        obj = [x + y for x, y in zip(obj, o.objective, strict=True)]
        bnd = [x + y for x, y in zip(bnd, o.bound, strict=True)]
        optimal &= o.optimal
    info = SolverInfo(
        status="OPTIMAL" if optimal else "FEASIBLE",
        objective=obj,
        bound=bnd,
        seconds=round(time.perf_counter() - t0, 3),
        parts=len(parts),
    )
    return total, info, locks.notes


# --- writing the plan up ------------------------------------------------------------------


@dataclass
class _Names:
    towns: dict[str, str | None]
    parks: dict[str, str | None]
    assocs: dict[str, str | None]

    @classmethod
    def of(cls, f: PlanFacts) -> _Names:
        return cls(dict(f.towns), dict(f.parks), dict(f.associations))

    def park(self, code: str) -> str:
        return self.parks.get(code) or code

    def assoc(self, key: str) -> str:
        return self.assocs.get(key) or key


def _uname(u: Unit) -> str:
    return u.name or u.key


def _pname(p: Party) -> str:
    return p.name or p.key


def _members_text(u: Unit) -> str:
    extra = f"（另有预备党员{u.probationary}名）" if u.probationary else ""
    return f"正式党员{u.full}名{extra}"


def _link_text(link: Link, names: _Names, u: Unit, other_park: str | None, other_assoc: str | None) -> str:
    parts = []
    if link.same_park and u.park:
        parts.append(f"同属{names.park(u.park)}")
    if link.same_assoc:
        a = u.association or other_assoc
        parts.append(f"同属{names.assoc(a)}" if a else "同属一个协会/商会")
    if link.km is not None:
        parts.append(f"相距{link.km:.1f}公里")
    if link.no_coords:
        parts.append("无坐标，按同镇街视为邻近")
    return "，".join(parts)


def _group_link_text(members: list[Unit], pb: Problem, names: _Names) -> str:
    parks = {m.park for m in members}
    if len(parks) == 1 and None not in parks:
        return f"同属{names.park(next(iter(parks)))}"  # type: ignore[arg-type]
    assocs = {m.association for m in members}
    if len(assocs) == 1 and None not in assocs:
        return f"同属{names.assoc(next(iter(assocs)))}"  # type: ignore[arg-type]
    kms = [
        pb.mates[x.key][y.key].km
        for i, x in enumerate(members)
        for y in members[i + 1 :]
        if pb.mates[x.key][y.key].km is not None
    ]
    txt = "相互邻近"
    if kms:
        txt += f"（最远相距{max(kms):.1f}公里）"  # type: ignore[type-var]
    if any(_pt(x) is None for x in members):
        txt += "，部分单位无坐标，按同镇街视为邻近"
    return txt


def _blocked_reason(pb: Problem, u: Unit, a: Assignment) -> tuple[str, list[str], str | None]:
    """Why no party organisation takes a unit in this plan: (rule, reasons, work-coverage note)."""
    p = pb.params
    opts = pb.host_opts[u.key]
    parts = []
    if u.full >= MIN_FULL:
        return "locked", ["已确认的其他行占用了其组建条件"], None
    if 1 <= u.full < MIN_FULL:
        mates = pb.mates.get(u.key, {})
        if not mates:
            parts.append(f"正式党员{u.full}名，不足{MIN_FULL}名，邻近没有其他有正式党员的未建单位可联合组建")
        else:
            parts.append(
                f"正式党员{u.full}名，不足{MIN_FULL}名，邻近的{len(mates)}个有党员的未建单位"
                f"已另行组建或合计不足{MIN_FULL}名"
            )
    if not opts:
        extra = f"（另有{pb.blocked_hosts[u.key]}个已被设为不得挂靠）" if pb.blocked_hosts[u.key] else ""
        parts.append(f"本镇街没有可挂靠的党组织与其同园区、同协会或相距{p.distance_km:g}公里以内{extra}")
        rule = "no_host"
    else:
        parts.append(f"邻近可挂靠的{len(opts)}个党组织在本方案中均已新增{p.host_cap}个单位，达到上限")
        rule = "hosts_full"
    work = None
    if u.instructed:
        work = "已有党建指导员（已实现工作覆盖）"
    elif u.key not in a.instructed:
        if not pb.town_instructors.get(u.town):
            work = "本镇街没有党建指导员可派驻"
        else:
            work = f"本镇街党建指导员均已达到{p.instructor_cap}处派驻上限"
    return rule, parts, work


def write_rows(
    pb: Problem, a: Assignment, f: PlanFacts, locks: _Locks | None = None
) -> tuple[list[PlanRow], list[Unplaced]]:
    names = _Names.of(f)
    units = pb.units
    p = pb.params
    locked = locks.units() if locks is not None else set()
    rows: list[PlanRow] = []
    load: dict[str, int] = defaultdict(int)
    for h in a.attached.values():
        load[h] += 1
    ins_load: dict[str, int] = defaultdict(int)
    for i in a.instructed.values():
        ins_load[i] += 1

    def base(u: Unit) -> dict[str, Any]:
        return {
            "org": u.key,
            "org_name": u.name,
            "town": u.town,
            "category": u.category,
            "no_coords": _pt(u) is None,
            "full_members": u.full,
            "probationary_members": u.probationary,
            "employees": u.employees,
            "locked": u.key in locked,
        }

    for k in sorted(a.standalone):
        u = units[k]
        rows.append(
            PlanRow(
                **base(u),
                formation="单独建",
                reason=f"有{_members_text(u)}在此工作，达到单独组建党组织的条件（至少{MIN_FULL}名正式党员），建议单独组建",
            )
        )
    for members in a.groups.values():
        ms = [units[x] for x in members]
        total = sum(x.full for x in ms)
        why = _group_link_text(ms, pb, names)
        for u in ms:
            others = [x for x in ms if x.key != u.key]
            kms = [pb.mates[u.key][x.key].km for x in others]
            known = [d for d in kms if d is not None]
            rows.append(
                PlanRow(
                    **base(u),
                    formation="联合建",
                    group=[x.key for x in ms],
                    group_names=[_uname(x) for x in ms],
                    distance_km=max(known) if known else None,
                    reason=(
                        f"与{'、'.join(_uname(x) for x in others)}联合组建，合计正式党员{total}名，{why}"
                    ),
                )
            )
    for k, h in sorted(a.attached.items()):
        u, host = units[k], pb.hosts[h]
        link = pb.host_opts[k][h]
        why = _link_text(link, names, u, None, None)
        if link.via_association_host:
            why = (
                f"其所属协会/商会的党组织，可跨镇街挂靠；{why}"
                if why
                else "其所属协会/商会的党组织，可跨镇街挂靠"
            )
        form = _attach_formation(u)
        now = host.p.load
        if form == "挂靠建":
            head = f"有{_members_text(u)}，不足{MIN_FULL}名且无法联合组建" if u.full < MIN_FULL else ""
            head = head or f"有{_members_text(u)}"
            txt = f"{head}；挂靠到{_pname(host.p)}（{why}），该党组织现覆盖{now}个单位，本方案新增{load[h]}个"
        else:
            txt = (
                f"无党员在此工作；纳入{_pname(host.p)}的“1+X”覆盖（{why}），"
                f"该党组织现覆盖{now}个单位，本方案新增{load[h]}个"
            )
        rows.append(
            PlanRow(
                **base(u),
                formation=form,
                host=h,
                host_name=host.p.name,
                host_town=host.p.town,
                host_town_name=names.towns.get(host.p.town) if host.p.town else None,
                distance_km=link.km,
                reason=txt,
            )
        )
    for k, i in sorted(a.instructed.items()):
        u, ins = units[k], pb.instructors[i]
        _, org_why, _ = _blocked_reason(pb, u, a)
        rows.append(
            PlanRow(
                **base(u),
                formation="派驻指导员",
                instructor=i,
                instructor_name=ins.name,
                reason=(
                    f"暂无党组织可以覆盖（{'；'.join(org_why)}）；派驻本镇街党建指导员{ins.name or i}"
                    f"（现派驻{ins.assignments}处，本方案新增{ins_load[i]}处），实现工作覆盖"
                ),
            )
        )
    rows.sort(
        key=lambda r: (r.town or "", FORMATIONS.index(r.formation), r.group[0] if r.group else "", r.org)
    )
    placed = a.covered() | set(a.instructed)
    unplaced = []
    for k in sorted(units):
        if k in placed:
            continue
        u = units[k]
        rule, reasons, work = _blocked_reason(pb, u, a)
        unplaced.append(
            Unplaced(
                org=k, org_name=u.name, town=u.town, category=u.category, full_members=u.full,
                rule=rule, reason="；".join([*reasons, *([work] if work else [])]),
            )
        )  # fmt: skip
    cats = (
        NONPUBLIC_CATEGORIES
        | SOCIAL_CATEGORIES
        | ({SELF_EMPLOYED_CATEGORY} if p.include_individual else set())
    )
    ex = set(p.excluded)
    for u in f.units:
        if u.category not in cats:
            continue
        if u.key in ex:
            unplaced.append(
                Unplaced(
                    org=u.key, org_name=u.name, town=u.town, category=u.category, full_members=u.full,
                    rule="excluded", reason="规划人员已将其排除在本次规划之外",
                )
            )  # fmt: skip
        elif u.status != IN_OPERATION:
            unplaced.append(
                Unplaced(
                    org=u.key, org_name=u.name, town=u.town, category=u.category, full_members=u.full,
                    rule="not_in_operation", reason=f"状态为“{u.status or '未填'}”，不在营，暂不纳入规划",
                )
            )  # fmt: skip
    unplaced.sort(key=lambda x: (x.town or "", x.org))
    return rows, unplaced


def _rate(total: int, covered: int, work: int) -> Rate:
    return Rate(
        total=total,
        covered=covered,
        rate=None if total == 0 else round(covered / total, 6),
        work_covered=work,
        work_rate=None if total == 0 else round(work / total, 6),
    )


def coverage(f: PlanFacts, org_new: Iterable[Unit] = (), work_new: Iterable[Unit] = ()) -> Coverage:
    """Coverage before a plan (no new units) or after it (the units it covers / serves)."""
    acc: dict[tuple[str | None, str], list[int]] = defaultdict(lambda: [0, 0, 0])

    def kind(category: str | None) -> str | None:
        if category in NONPUBLIC_CATEGORIES:
            return "nonpublic"
        if category in SOCIAL_CATEGORIES:
            return "social"
        return None

    for c in f.counts:
        kd = kind(c.category)
        if kd is None:
            continue
        x = acc[(c.town, kd)]
        x[0] += c.n
        x[1] += c.n if c.covered else 0
        x[2] += c.n if c.work else 0
    for u in org_new:
        kd = kind(u.category)
        if kd is not None:
            acc[(u.town, kd)][1] += 1
            if not u.instructed:
                acc[(u.town, kd)][2] += 1
    for u in work_new:
        kd = kind(u.category)
        if kd is not None and not u.instructed:
            acc[(u.town, kd)][2] += 1
    names = dict(f.towns)
    towns = sorted({t for t, _ in acc} | set(names), key=lambda t: (t is None, t))

    def line(town: str | None, keys: Sequence[str | None]) -> CoverageLine:
        np_, so = [0, 0, 0], [0, 0, 0]
        for t in keys:
            for tgt, kd in ((np_, "nonpublic"), (so, "social")):
                v = acc.get((t, kd))
                if v:
                    tgt[0] += v[0]
                    tgt[1] += v[1]
                    tgt[2] += v[2]
        return CoverageLine(
            town=town, town_name=names.get(town) if town else None, nonpublic=_rate(*np_), social=_rate(*so)
        )

    return Coverage(district=line(None, towns), towns=[line(t, [t]) for t in towns if t is not None])


def plan_from_facts(f: PlanFacts, p: PlanParams, town: str | None = None) -> PlanResult:
    """The coverage plan over facts (pure: no store)."""
    pb = build_problem(f, p)
    a, info, notes = solve_assignment(pb)
    return _result(f, p, pb, a, info, notes, town)


def greedy_from_facts(f: PlanFacts, p: PlanParams, town: str | None = None) -> PlanResult:
    """The greedy baseline written up like a plan (bench, tests)."""
    pb = build_problem(f, p)
    t0 = time.perf_counter()
    a = greedy_assignment(pb)
    n = len(a.covered())
    info = SolverInfo(
        status="FEASIBLE",
        objective=[float(n)],
        bound=[float(n)],
        seconds=round(time.perf_counter() - t0, 3),
        tiers=["组织覆盖"],
        engine="greedy",
    )
    return _result(f, p, pb, a, info, [], town)


def _result(
    f: PlanFacts,
    p: PlanParams,
    pb: Problem,
    a: Assignment,
    info: SolverInfo,
    notes: list[str],
    town: str | None,
) -> PlanResult:
    locks = _check_locks(pb)
    rows, unplaced = write_rows(pb, a, f, locks)
    org_new = [pb.units[k] for k in sorted(a.covered())]
    work_new = [pb.units[k] for k in sorted(a.instructed)]
    return PlanResult(
        town=town,
        parameters=p.model_dump(mode="json"),
        before=coverage(f),
        after=coverage(f, org_new, work_new),
        rows=rows,
        unplaced=unplaced,
        solver=info,
        notes=notes,
    )


def plan_facts(store: GraphStore, scope: Scope) -> PlanFacts:
    return cached_facts(store, PLAN_FACTS, scope)


def without(f: PlanFacts, r: Removal) -> PlanFacts:
    """The facts as if ``r``'s party organisations and instructors had dropped out (pure)."""
    old = {u.key: u for u in f.units}
    n: Counter[tuple[str | None, str | None, bool, bool]] = Counter(
        {(c.town, c.category, c.covered, c.work): c.n for c in f.counts}
    )
    for u in r.units:
        was = old.get(u.key)
        n[(u.town, u.category, was is None, was is None or was.instructed)] -= 1
        n[(u.town, u.category, False, u.instructed)] += 1
    units = {**old, **{u.key: u for u in r.units}}
    gone_p, gone_i = set(r.parties), set(r.instructors)
    return replace(
        f,
        units=tuple(units[k] for k in sorted(units)),
        parties=tuple(x for x in f.parties if x.key not in gone_p),
        instructors=tuple(x for x in f.instructors if x.key not in gone_i),
        counts=tuple(
            CoverageCount(*k, v)
            for k, v in sorted(n.items(), key=lambda kv: (kv[0][0] or "", kv[0][1] or "", kv[0][2], kv[0][3]))
            if v > 0
        ),
    )


def _removal_notes(p: PlanParams, r: Removal) -> list[str]:
    found = set(r.parties) | set(r.instructors)
    out = [
        f"按撤销后的情况规划：视为已撤销党组织{len(r.parties)}个、党建指导员{len(r.instructors)}名，"
        f"{len(r.units)}个单位因此失去党组织覆盖或党建指导员，一并纳入规划"
    ]
    missing = [k for k in p.removed if k not in found]
    if missing:
        out.append(f"未找到以下党组织或党建指导员（或不在本范围），已忽略：{'、'.join(missing)}")
    return out


def resolve_accept(f: PlanFacts, p: PlanParams, town: str | None) -> tuple[PlanParams, list[str]]:
    """``accept`` (units) as accepted rows: each unit's row in the plan without them (pure)."""
    done = {r.org for r in p.accepted}
    base = plan_from_facts(f, p.model_copy(update={"accept": ()}), town)
    rows = {r.org: r for r in base.rows}
    new: list[AcceptedRow] = []
    notes = []
    for k in p.accept:
        if k in done:
            continue
        row = rows.get(k)
        if row is None:
            notes.append(f"单位{k}在本方案中没有组建行（已覆盖、已排除、未安排或不在本范围），无法确认")
            continue
        new.append(AcceptedRow.of(row))
        done.update([k, *row.group])
    values = {**p.model_dump(), "accept": (), "accepted": [*p.accepted, *new]}
    return PlanParams.model_validate(values), notes


def plan(store: GraphStore, scope: Scope, p: PlanParams) -> PlanResult:
    """The coverage plan of the scope.

    ``removed`` plans as if those party organisations and instructors were gone (their units
    become units to place); ``accept`` keeps the listed units' rows and plans the rest again.

    Example
    -------
    >>> res = PLAN(store, Scope("500118001"), PlanParams(host_cap=3))  # doctest: +SKIP
    >>> res.after.district.nonpublic.rate  # doctest: +SKIP
    """
    check_scope(store, scope)
    f = plan_facts(store, scope)
    notes: list[str] = []
    if p.removed:
        r = cached_facts(store, REMOVED, (scope, tuple(sorted(set(p.removed)))))
        f = without(f, r)
        notes += _removal_notes(p, r)
    if p.accept:
        p, more = resolve_accept(f, p, scope.town)
        notes += more
    res = plan_from_facts(f, p, scope.town)
    return res.model_copy(update={"notes": [*notes, *res.notes]}) if notes else res


def accepted_open(store: GraphStore, scope: Scope) -> list[Any]:
    """Accepted rows of saved plans not carried out yet: the to-do list's hook (queries.todo)."""
    from queries.plan_saved import open_accepted_rows  # saved plans build on this module

    return open_accepted_rows(store, scope)


PLAN = register(Question("plan", "组建规划", PlanParams, PlanResult, plan))


# --- pairing plan (示范帮扶) ----------------------------------------------------------------


def _party_industries(p: Party) -> frozenset[str]:
    return frozenset(c.industry for c in p.covers if c.industry)


def _party_parks(p: Party) -> frozenset[str]:
    return frozenset([*([p.park] if p.park else []), *(c.park for c in p.covers if c.park)])


@dataclass(frozen=True)
class _Target:
    target: str  # named as PairingRow's fields (model_from)
    target_label: Literal["PartyOrg", "Organization"]
    target_name: str | None
    town: str | None
    parks: frozenset[str]
    industries: frozenset[str]
    phase: Literal["两新党组织", "未建单位"]


def pairing_from_facts(
    f: PlanFacts, p: PairingParams, town: str | None = None, fixed: dict[str, str] | None = None
) -> PairingResult:
    """The pairing plan (pure). Min-cost flow: targets -> demonstration points with room.

    The tiers are lexicographic and combined exactly into one cost: every two-new party
    organisation first (weight A), then uncovered units by priority (members, then employees,
    then key: distinct weights, so the best set is the priority-greedy one of the transversal
    matroid), then the preference (same town or park 0, same industry 1, else 2) at unit weight.
    ``fixed``: accepted pairs (target -> point), kept and counted against the points' places;
    ``forbidden_points`` take no new partner.
    """
    from ortools.graph.python import min_cost_flow

    t0 = time.perf_counter()
    ex = set(p.excluded)
    fixed = fixed or {}
    points = [x for x in f.parties if x.demo_tier is not None]
    room = {x.key: max(0, p.pairing_cap - x.partners) for x in points}
    places = sum(room.values())
    for pk in fixed.values():
        room[pk] = max(0, room[pk] - 1)
    for pk in set(p.forbidden_points) & set(room):
        room[pk] = 0
    targets: list[_Target] = []
    for x in f.parties:
        if (
            x.kind in TWO_NEW_KINDS
            and x.level in TWO_NEW_LEVELS
            and x.demo_tier is None
            and not x.paired
            and x.key not in ex
        ):
            targets.append(
                _Target(
                    x.key, "PartyOrg", x.name, x.town, _party_parks(x), _party_industries(x), "两新党组织"
                )
            )
    cats = (
        NONPUBLIC_CATEGORIES
        | SOCIAL_CATEGORIES
        | ({SELF_EMPLOYED_CATEGORY} if p.include_individual else set())
    )
    units = sorted(
        (
            u
            for u in f.units
            if u.category in cats and u.status == IN_OPERATION and not u.paired and u.key not in ex
        ),
        key=lambda u: (-(u.full + u.probationary), -(u.employees or 0), u.key),
    )
    for u in units:
        targets.append(
            _Target(
                u.key,
                "Organization",
                u.name,
                u.town,
                frozenset([u.park] if u.park else []),
                frozenset([u.industry] if u.industry else []),
                "未建单位",
            )
        )
    kept = [tg for tg in targets if tg.target in fixed]
    targets = [tg for tg in targets if tg.target not in fixed]
    n1 = sum(1 for tg in targets if tg.phase == "两新党组织")
    n2 = len(targets) - n1
    tt = len(targets)
    b = 2 * tt + 1
    big_a = b * (n2 * (n2 + 1) // 2) + 2 * tt + 1
    value = [big_a] * n1 + [b * (n2 - r) for r in range(n2)]
    pinfo = {x.key: (x.town, _party_parks(x), _party_industries(x)) for x in points}

    def pref(tg: _Target, pk: str) -> int:
        ptown, pparks, pind = pinfo[pk]
        if (tg.town is not None and tg.town == ptown) or (tg.parks & pparks):
            return 0
        if tg.industries & pind:
            return 1
        return 2

    # Targets reach points through group nodes (a town, a park, an industry, "any"), each arc
    # costing the preference of its group: arcs grow with targets + points, not their product.
    open_points = [x for x in points if room[x.key] > 0]
    members: dict[tuple[str, str], list[int]] = defaultdict(list)
    for pi, x in enumerate(open_points):
        ptown, pparks, pind = pinfo[x.key]
        if ptown is not None:
            members[("town", ptown)].append(pi)
        for pk in sorted(pparks):
            members[("park", pk)].append(pi)
        for ind in sorted(pind):
            members[("industry", ind)].append(pi)
        members[("any", "")].append(pi)
    gkeys = sorted(members)
    gidx = {gk: n for n, gk in enumerate(gkeys)}
    flow = min_cost_flow.SimpleMinCostFlow()
    g0, p0 = 1 + tt, 1 + tt + len(gkeys)
    src, sink = 0, p0 + len(open_points)
    for ti, tg in enumerate(targets):
        flow.add_arc_with_capacity_and_unit_cost(src, 1 + ti, 1, 0)
        links = [(("town", tg.town), 0)] if tg.town is not None else []
        links += [(("park", pk), 0) for pk in sorted(tg.parks)]
        links += [(("industry", ind), 1) for ind in sorted(tg.industries)]
        links += [(("any", ""), 2)]
        for gk, c in links:
            if gk in gidx:
                flow.add_arc_with_capacity_and_unit_cost(1 + ti, g0 + gidx[gk], 1, -value[ti] + c)
    for gk in gkeys:
        for pi in members[gk]:
            flow.add_arc_with_capacity_and_unit_cost(g0 + gidx[gk], p0 + pi, room[open_points[pi].key], 0)
    for pi, x in enumerate(open_points):
        flow.add_arc_with_capacity_and_unit_cost(p0 + pi, sink, room[x.key], 0)
    chosen: dict[int, int] = {}
    if targets and open_points:
        flow.set_node_supply(src, tt)
        flow.set_node_supply(sink, -tt)
        st = flow.solve_max_flow_with_min_cost()
        if st != flow.OPTIMAL:
            raise RuntimeError(f"min-cost flow: status {st}")
        # Decompose the flow through each group node: targets in key order take its points in order.
        into: dict[int, list[int]] = defaultdict(list)
        out: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for arc in range(flow.num_arcs()):
            f_ = flow.flow(arc)
            if f_ <= 0:
                continue
            tail, head = flow.tail(arc), flow.head(arc)
            if 1 <= tail <= tt and g0 <= head < p0:
                into[head].append(tail - 1)
            elif g0 <= tail < p0 and p0 <= head < sink:
                out[tail].append((head - p0, f_))
        for gnode, tis in into.items():
            slots = [
                pi for pi, n in sorted(out[gnode], key=lambda x: open_points[x[0]].key) for _ in range(n)
            ]
            for ti, pi in zip(sorted(tis, key=lambda t: targets[t].target), slots, strict=True):
                chosen[ti] = pi
    by_key = {x.key: x for x in points}
    pairs = [(targets[ti], open_points[chosen[ti]], False) for ti in sorted(chosen)]
    pairs += [(tg, by_key[fixed[tg.target]], True) for tg in kept]
    rows = []
    for tg, x, locked in pairs:
        pr = pref(tg, x.key)
        match: Literal["同镇街或园区", "同行业", "其他"] = ("同镇街或园区", "同行业", "其他")[pr]
        why = {0: "同镇街或同园区", 1: "同行业", 2: "本镇街、园区及同行业示范点已无名额，就近安排其他示范点"}[
            pr
        ]
        lead = "尚无示范点结对的两新党组织" if tg.phase == "两新党组织" else "尚未建立党组织的单位"
        lead = f"已确认；{lead}" if locked else lead
        reason = (
            f"{lead}；由{x.demo_tier}示范点{x.name or x.key}结对帮扶（{why}，该示范点现有{x.partners}个结对）"
        )
        point = {"point": x.key, "point_name": x.name, "point_tier": x.demo_tier, "point_town": x.town}
        rows.append(model_from(PairingRow, tg, match=match, reason=reason, locked=locked, **point))
    rows.sort(key=lambda r: (r.phase != "两新党组织", r.town or "", r.target))
    unpaired = []
    for ti, tg in enumerate(targets):
        if ti in chosen:
            continue
        why = (
            "本范围内没有示范点"
            if not points
            else f"示范点名额已用完（每个示范点最多{p.pairing_cap}个结对，含现有）"
            + ("；部分示范点已设为不再安排新结对" if p.forbidden_points else "")
        )
        unpaired.append(model_from(PairingUnpaired, tg, reason=why))
    n_first = sum(1 for ti in chosen if ti < n1)
    info = SolverInfo(
        status="OPTIMAL",
        objective=[
            float(n_first),
            float(len(chosen) - n_first),
            float(sum(pref(targets[t], open_points[q].key) for t, q in chosen.items())),
        ],
        bound=[
            float(n_first),
            float(len(chosen) - n_first),
            float(sum(pref(targets[t], open_points[q].key) for t, q in chosen.items())),
        ],
        seconds=round(time.perf_counter() - t0, 3),
        tiers=["两新党组织结对", "未建单位结对", "就近程度"],
        parts=1,
        engine="min-cost-flow",
    )
    return PairingResult(
        town=town,
        parameters=p.model_dump(mode="json"),
        points=len(points),
        places_before=places,
        rows=rows,
        unpaired=unpaired,
        solver=info,
    )


def pairing_plan(store: GraphStore, scope: Scope, p: PairingParams) -> PairingResult:
    """The pairing plan of the scope; ``accept`` keeps the listed targets' pairs (as the plan
    without them gives them) and plans the rest again, ``forbidden_points`` take no new partner."""
    check_scope(store, scope)
    f = plan_facts(store, scope)
    if not p.accept:
        return pairing_from_facts(f, p, scope.town)
    base = {
        r.target: r.point for r in pairing_from_facts(f, p.model_copy(update={"accept": ()}), scope.town).rows
    }
    fixed = {k: base[k] for k in p.accept if k in base}
    notes = [
        f"{k}在本方案中没有结对（已排除、名额已满或不在本范围），无法确认" for k in p.accept if k not in base
    ]
    res = pairing_from_facts(f, p, scope.town, fixed)
    return res.model_copy(update={"notes": notes}) if notes else res


PAIRING_PLAN = register(
    Question("plan_pairing", "示范帮扶结对规划", PairingParams, PairingResult, pairing_plan)
)
