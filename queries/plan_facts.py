"""Facts of the coverage plan (组建规划) and the pairing plan (示范帮扶), typed, from either backend.

One :class:`PlanFacts` per store version and :class:`~queries.scope.Scope`: the uncovered
organisations with their members, the two-new party organisations (hosts and demonstration
points) with what they cover, the instructors with the towns of their assignments, the
coverage counts and the display names. The Cypher and the networkx sides sit side by side
and must return equal values (the contract test compares them); everything after this is
pure Python (:mod:`queries.plan`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

from graph.model import ASSOCIATION_CATEGORIES, DEREGISTERED, TWO_NEW_KINDS, Label, Rel
from graph.schema import label as L
from graph.schema import rel_type as T
from graph.schema.cypher import covered_cypher, has_in_cypher, instructed_cypher
from graph.store.base import CypherReader, FactSet
from graph.store.index import GraphIndex
from queries.scope import Scope

FULL, PROBATIONARY = "正式党员", "预备党员"
KINDS = sorted(TWO_NEW_KINDS)
ASSOCIATIONS = sorted(ASSOCIATION_CATEGORIES)


def _f(x: Any) -> float | None:
    try:
        return None if x is None else float(x)
    except (TypeError, ValueError):
        return None


def _i(x: Any) -> int | None:
    try:
        return None if x is None else int(x)
    except (TypeError, ValueError):
        return None


def _s(x: Any) -> str | None:
    return None if x is None else str(x)


@dataclass(frozen=True)
class Unit:
    """An uncovered organisation (not 注销) and what placing it depends on."""

    key: str
    name: str | None
    town: str | None
    category: str | None
    industry: str | None
    park: str | None
    association: str | None
    employees: int | None
    status: str | None
    lon: float | None
    lat: float | None
    full: int  # full members working there
    probationary: int
    instructed: bool  # an instructor is assigned to it (work coverage today)
    paired: bool  # a demonstration point is paired with it today


@dataclass(frozen=True)
class Covered:
    """An organisation a party organisation covers (not 注销), as the near rule needs it."""

    key: str
    town: str | None
    park: str | None
    association: str | None
    category: str | None
    industry: str | None
    lon: float | None
    lat: float | None


@dataclass(frozen=True)
class Party:
    """A two-new party organisation (a possible host) or a demonstration point."""

    key: str
    name: str | None
    town: str | None
    kind: str | None
    level: str | None
    formation: str | None
    park: str | None
    demo_tier: str | None
    covers: tuple[Covered, ...]  # in scope, by key
    load: int  # organisations it covers today (all of them)
    partners: int  # distinct PAIRED_WITH targets today
    paired: bool  # a demonstration point is paired with it today


@dataclass(frozen=True)
class Instructor:
    key: str
    name: str | None
    towns: tuple[str | None, ...]  # town of each assignment (organisation or party organisation), sorted

    @property
    def assignments(self) -> int:
        return len(self.towns)

    @property
    def town(self) -> str | None:
        """Where most of its assignments are (ties: the smaller code)."""
        c = Counter(t for t in self.towns if t is not None)
        if not c:
            return None
        return min(c, key=lambda t: (-c[t], t))


@dataclass(frozen=True)
class CoverageCount:
    town: str | None
    category: str | None
    covered: bool
    work: bool
    n: int


@dataclass(frozen=True)
class PlanFacts:
    units: tuple[Unit, ...]
    parties: tuple[Party, ...]
    instructors: tuple[Instructor, ...]  # those whose town is in scope
    counts: tuple[CoverageCount, ...]
    towns: tuple[tuple[str, str | None], ...]  # (code, name) in scope
    parks: tuple[tuple[str, str | None], ...]
    associations: tuple[tuple[str, str | None], ...]  # association organisations in scope: (uscc, name)


_CONVERT: dict[str, Any] = {
    "str": str,
    "str | None": _s,
    "int": int,
    "int | None": _i,
    "float | None": _f,
    "bool": bool,
}


def _record(cls: type[Any], r: Iterable[Any]) -> Any:
    """A fact dataclass from a positional row, each value converted by its field's type."""
    return cls(*(_CONVERT[str(f.type)](x) for f, x in zip(fields(cls), r, strict=True)))


def _unit(r: list[Any]) -> Unit:
    return _record(Unit, r)  # type: ignore[no-any-return]


def _covered(r: list[Any]) -> Covered:
    return _record(Covered, r)  # type: ignore[no-any-return]


def _party(r: list[Any], scope: Scope) -> Party:
    cs = [c for c in (_covered(x) for x in r[8]) if scope.admits(Label.ORGANIZATION, {"town_code": c.town})]
    return Party(
        key=str(r[0]),
        name=_s(r[1]),
        town=_s(r[2]),
        kind=_s(r[3]),
        level=_s(r[4]),
        formation=_s(r[5]),
        park=_s(r[6]),
        demo_tier=_s(r[7]),
        covers=tuple(sorted(cs, key=lambda c: c.key)),
        load=len(r[8]),
        partners=int(r[9]),
        paired=bool(r[10]),
    )


def _instructors(rows: Iterable[tuple[Any, Any, list[Any]]], scope: Scope) -> tuple[Instructor, ...]:
    out = []
    for key, name, towns in rows:
        i = Instructor(
            str(key), _s(name), tuple(sorted((_s(t) for t in towns), key=lambda t: (t is None, t)))
        )
        # An instructor belongs to the town of most of its assignments: the scope judges that town.
        if i.town is not None and scope.owns({"town_code": i.town}):
            out.append(i)
    return tuple(sorted(out, key=lambda i: i.key))


def _assemble(
    units: list[Unit],
    parties: list[Party],
    instructors: tuple[Instructor, ...],
    counts: Iterable[Any],
    towns: Iterable[Any],
    parks: Iterable[Any],
    assocs: Iterable[Any],
) -> PlanFacts:
    return PlanFacts(
        units=tuple(sorted(units, key=lambda u: u.key)),
        parties=tuple(sorted(parties, key=lambda p: p.key)),
        instructors=instructors,
        counts=tuple(
            sorted(
                (CoverageCount(_s(t), _s(c), bool(cov), bool(w), int(n)) for t, c, cov, w, n in counts),
                key=lambda x: (x.town or "", x.category or "", x.covered, x.work),
            )
        ),
        towns=tuple(sorted((str(k), _s(v)) for k, v in towns)),
        parks=tuple(sorted((str(k), _s(v)) for k, v in parks)),
        associations=tuple(sorted((str(k), _s(v)) for k, v in assocs)),
    )


# --- Cypher -----------------------------------------------------------------------------

_O, _PO, _M, _I = L(Label.ORGANIZATION), L(Label.PARTY_ORG), L(Label.MEMBER), L(Label.INSTRUCTOR)
_COVERS, _WORKS, _ASSIGNED, _PAIRED = T(Rel.COVERS), T(Rel.WORKS_AT), T(Rel.ASSIGNED_TO), T(Rel.PAIRED_WITH)
# Degree checks (graph.schema.cypher): the planner reads the degree instead of expanding every
# covering party organisation (the units and counts reads at scale 40 were these expansions).
_COVERED = covered_cypher("o")
_INSTRUCTED = instructed_cypher("o")
_DEMO_PAIRED = f"EXISTS {{ MATCH (d:{_PO})-[:{_PAIRED}]->(x) WHERE d.demo_tier IS NOT NULL }}"


def _units_cypher(
    scope: Scope,
    where: str = f"NOT {_COVERED}",
    instructed: str = has_in_cypher("o", Rel.ASSIGNED_TO, Label.INSTRUCTOR),
) -> str:
    """Unit rows of the organisations in scope (not 注销) that satisfy ``where``."""
    return f"""
{scope.match("o", Label.ORGANIZATION)} WHERE coalesce(o.status, '') <> $deregistered AND {where}
WITH o, COLLECT {{ MATCH (m:{_M})-[:{_WORKS}]->(o) WHERE {scope.cypher("m")}
                  RETURN coalesce(m.member_type, '') }} AS types
RETURN collect([o.uscc, o.org_name, o.town_code, o.org_category, o.industry, o.park_code,
  o.association_uscc, o.employees, o.status, o.lon, o.lat,
  size([t IN types WHERE t = $full]), size([t IN types WHERE t = $probationary]),
  {instructed},
  {_DEMO_PAIRED.replace("(x)", "(o)")}]) AS rows
"""


def _parties_cypher(scope: Scope) -> str:
    return f"""
MATCH (p:{_PO}) WHERE {scope.cypher("p")} AND (p.kind IN $kinds OR p.demo_tier IS NOT NULL)
WITH p, COLLECT {{ MATCH (p)-[:{_COVERS}]->(c:{_O}) WHERE coalesce(c.status, '') <> $deregistered
                  RETURN [c.uscc, c.town_code, c.park_code, c.association_uscc, c.org_category, c.industry,
                          c.lon, c.lat] }} AS cs,
  COUNT {{ MATCH (p)-[:{_PAIRED}]->(x) RETURN DISTINCT x }} AS partners
RETURN collect([p.party_org_code, p.party_org_name, p.town_code, p.kind, p.level, p.formation,
  p.park_code, p.demo_tier, cs, partners, {_DEMO_PAIRED.replace("(x)", "(p)")}]) AS rows
"""


def _instructors_cypher(scope: Scope) -> str:
    owned = f"WHERE EXISTS {{ (i)-[:{_ASSIGNED}]->(x) WHERE {scope.owned('x')} }}"
    where = "" if scope.is_district else owned
    return f"""
MATCH (i:{_I}) {where}
RETURN collect([i.instructor_id, i.name, [(i)-[:{_ASSIGNED}]->(x) | x.town_code]]) AS rows
"""


def _counts_cypher(scope: Scope) -> str:
    return f"""
{scope.match("o", Label.ORGANIZATION)} WHERE coalesce(o.status, '') <> $deregistered
WITH o, {_COVERED} AS covered
WITH o, covered, covered OR {_INSTRUCTED} AS work
WITH o.town_code AS t, o.org_category AS c, covered, work, count(*) AS n
RETURN collect([t, c, covered, work, n]) AS rows
"""


def _names_cypher(scope: Scope) -> str:
    return f"""
CALL {{ {scope.match("t", Label.TOWN)} RETURN collect([t.town_code, t.town_name]) AS towns }}
CALL {{ MATCH (k:{L(Label.PARK)}) RETURN collect([k.park_code, k.park_name]) AS parks }}
CALL {{ MATCH (a:{_O}) WHERE a.org_category IN $associations AND {scope.cypher("a")}
       RETURN collect([a.uscc, a.org_name]) AS assocs }}
RETURN towns, parks, assocs
"""


def _facts_cypher(db: CypherReader, scope: Scope) -> PlanFacts:
    p = {
        **scope.params(),
        "deregistered": DEREGISTERED,
        "full": FULL,
        "probationary": PROBATIONARY,
        "kinds": KINDS,
        "associations": ASSOCIATIONS,
    }
    units = [_unit(r) for r in db.read(_units_cypher(scope), p, "plan_units")[0]["rows"]]
    parties = [_party(r, scope) for r in db.read(_parties_cypher(scope), p, "plan_parties")[0]["rows"]]
    ins = _instructors(
        ((r[0], r[1], r[2]) for r in db.read(_instructors_cypher(scope), p, "plan_instructors")[0]["rows"]),
        scope,
    )
    counts = db.read(_counts_cypher(scope), p, "plan_counts")[0]["rows"]
    names = db.read(_names_cypher(scope), p, "plan_names")[0]
    return _assemble(units, parties, ins, counts, names["towns"], names["parks"], names["assocs"])


# --- networkx ---------------------------------------------------------------------------


def _lab(ix: GraphIndex, nid: str) -> str:
    return str(ix.props(nid)["_label"])


def _demo_paired_nx(ix: GraphIndex, nid: str) -> bool:
    return any(
        _lab(ix, u) == Label.PARTY_ORG.value and ix.props(u).get("demo_tier") is not None
        for u in ix.inn(nid, Rel.PAIRED_WITH)
    )


def _unit_nx(ix: GraphIndex, scope: Scope, nid: str, instructed: bool) -> Unit:
    """The networkx side of :func:`_units_cypher`'s row."""
    d, mem = ix.props(nid), Label.MEMBER.value
    types = [
        ix.props(m).get("member_type") or ""
        for m in ix.inn(nid, Rel.WORKS_AT)
        if _lab(ix, m) == mem and scope.admits(mem, ix.props(m))
    ]
    return _unit(
        [
            *(d.get(k) for k in ("uscc", "org_name", "town_code", "org_category", "industry", "park_code")),
            *(d.get(k) for k in ("association_uscc", "employees", "status", "lon", "lat")),
            sum(1 for t in types if t == FULL),
            sum(1 for t in types if t == PROBATIONARY),
            instructed,
            _demo_paired_nx(ix, nid),
        ]
    )


def _facts_nx(ix: GraphIndex, scope: Scope) -> PlanFacts:
    po, org, ins_l = Label.PARTY_ORG.value, Label.ORGANIZATION.value, Label.INSTRUCTOR.value

    def lab(nid: str) -> str:
        return _lab(ix, nid)

    def covered(nid: str) -> bool:
        return any(lab(u) == po for u in ix.inn(nid, Rel.COVERS))

    def instructed(nid: str) -> bool:
        return any(lab(u) == ins_l for u in ix.inn(nid, Rel.ASSIGNED_TO))

    units: list[Unit] = []
    counts: Counter[tuple[Any, Any, bool, bool]] = Counter()
    for nid, d in ix.town_nodes(org, scope.town):
        if not scope.owns(d) or d.get("status") == DEREGISTERED:
            continue
        cov = covered(nid)
        work = cov or instructed(nid) or any(lab(p) == po and instructed(p) for p in ix.inn(nid, Rel.COVERS))
        counts[(d.get("town_code"), d.get("org_category"), cov, work)] += 1
        if not cov:
            units.append(_unit_nx(ix, scope, nid, instructed(nid)))

    parties: list[Party] = []
    for nid, d in ix.scoped_nodes(po, scope):
        if not scope.admits(po, d) or not (d.get("kind") in TWO_NEW_KINDS or d.get("demo_tier") is not None):
            continue
        cs = []
        for c in ix.out(nid, Rel.COVERS):
            cd = ix.props(c)
            if cd["_label"] == org and cd.get("status") != DEREGISTERED:
                cs.append(
                    [
                        *(cd.get(k) for k in ("uscc", "town_code", "park_code", "association_uscc")),
                        *(cd.get(k) for k in ("org_category", "industry", "lon", "lat")),
                    ]
                )
        partners = len(set(ix.out(nid, Rel.PAIRED_WITH)))
        parties.append(
            _party(
                [
                    *(d.get(k) for k in ("party_org_code", "party_org_name", "town_code", "kind", "level")),
                    *(d.get(k) for k in ("formation", "park_code", "demo_tier")),
                    cs,
                    partners,
                    _demo_paired_nx(ix, nid),
                ],
                scope,
            )
        )

    rows = []
    for nid, d in ix.label_nodes(ins_l):
        towns = [ix.props(x).get("town_code") for x in ix.out(nid, Rel.ASSIGNED_TO)]
        if scope.is_district or scope.town in towns:
            rows.append((d.get("instructor_id"), d.get("name"), towns))

    towns = [(d.get("town_code"), d.get("town_name")) for _, d in ix.town_nodes(Label.TOWN.value, scope.town)]
    parks = [(d.get("park_code"), d.get("park_name")) for _, d in ix.label_nodes(Label.PARK.value)]
    assocs = [
        (d.get("uscc"), d.get("org_name"))
        for _, d in ix.label_nodes(org)
        if d.get("org_category") in ASSOCIATION_CATEGORIES and scope.admits(org, d)
    ]
    return _assemble(
        units,
        parties,
        _instructors(rows, scope),
        [(*k, n) for k, n in counts.items()],
        towns,
        parks,
        assocs,
    )


PLAN_FACTS: FactSet[Scope, PlanFacts] = FactSet("plan.facts", cypher=_facts_cypher, networkx=_facts_nx)


# --- progress of a saved plan: how its units are covered now ----------------------------


@dataclass(frozen=True)
class UnitNow:
    """How one organisation is covered today: by which party organisations (with their
    formation) and which instructors."""

    key: str
    exists: bool
    coverers: tuple[tuple[str, str | None], ...]  # (party_org_code, formation), by code
    instructors: tuple[str, ...]


_NOW_CYPHER = f"""
UNWIND $keys AS k
OPTIONAL MATCH (o:{_O} {{uscc: k}})
RETURN collect([k, o IS NOT NULL AND {{town}},
  COLLECT {{ MATCH (p:{_PO})-[:{_COVERS}]->(o) RETURN [p.party_org_code, p.formation] }},
  COLLECT {{ MATCH (i:{_I})-[:{_ASSIGNED}]->(o) RETURN i.instructor_id }}]) AS rows
"""


def _now_cypher(db: CypherReader, arg: tuple[Scope, tuple[str, ...]]) -> tuple[UnitNow, ...]:
    scope, keys = arg
    text = _NOW_CYPHER.replace("{town}", f"({scope.cypher('o')})")
    rows = db.read(text, {**scope.params(), "keys": list(keys)}, "plan_progress")[0]["rows"]
    return _now(rows)


def _now_nx(ix: GraphIndex, arg: tuple[Scope, tuple[str, ...]]) -> tuple[UnitNow, ...]:
    scope, keys = arg
    rows = []
    for k in keys:
        nid = f"{Label.ORGANIZATION.value}:{k}"
        if nid not in ix.nodes or not scope.admits(Label.ORGANIZATION, ix.props(nid)):
            rows.append([k, False, [], []])
            continue
        cov = [
            [ix.props(p).get("party_org_code"), ix.props(p).get("formation")]
            for p in ix.inn(nid, Rel.COVERS)
            if ix.props(p)["_label"] == Label.PARTY_ORG.value
        ]
        ins = [
            ix.props(i).get("instructor_id")
            for i in ix.inn(nid, Rel.ASSIGNED_TO)
            if ix.props(i)["_label"] == Label.INSTRUCTOR.value
        ]
        rows.append([k, True, cov, ins])
    return _now(rows)


def _now(rows: list[list[Any]]) -> tuple[UnitNow, ...]:
    out = []
    for k, exists, cov, ins in rows:
        out.append(
            UnitNow(
                key=str(k),
                exists=bool(exists),
                coverers=tuple(sorted((str(c), _s(f)) for c, f in cov)) if exists else (),
                instructors=tuple(sorted(str(i) for i in ins)) if exists else (),
            )
        )
    return tuple(sorted(out, key=lambda u: u.key))


UNITS_NOW: FactSet[tuple[Scope, tuple[str, ...]], tuple[UnitNow, ...]] = FactSet(
    "plan.units_now", cypher=_now_cypher, networkx=_now_nx
)


# --- a re-plan as if some party organisations and instructors were gone (impact -> plan) --------


@dataclass(frozen=True)
class Removal:
    """What changes when ``parties`` and ``instructors`` drop out.

    ``units``: organisations in scope (not 注销) covered by no party organisation outside
    ``parties`` that either were covered by one of ``parties`` or had one of ``instructors``;
    their ``instructed`` counts only the instructors left.
    """

    parties: tuple[str, ...]  # the keys recognised as party organisations in scope
    instructors: tuple[str, ...]  # ... as instructors of the scope
    units: tuple[Unit, ...]


_REMOVED_CYPHER = f"""
CALL {{ MATCH (p:{_PO}) WHERE p.party_org_code IN $keys AND {{scope_p}}
       RETURN collect(p.party_org_code) AS parties }}
CALL {{ MATCH (i:{_I}) WHERE i.instructor_id IN $keys
       RETURN collect([i.instructor_id, i.name, [(i)-[:{_ASSIGNED}]->(x) | x.town_code]]) AS ins }}
RETURN parties, ins
"""
_STILL_COVERED = f"EXISTS {{ MATCH (q:{_PO})-[:{_COVERS}]->(o) WHERE NOT q.party_org_code IN $parties }}"
_RELEASED = (
    f"NOT {_STILL_COVERED} AND (EXISTS {{ MATCH (q:{_PO})-[:{_COVERS}]->(o)"
    " WHERE q.party_org_code IN $parties }"
    f" OR EXISTS {{ MATCH (i:{_I})-[:{_ASSIGNED}]->(o) WHERE i.instructor_id IN $instructors }})"
)
_LEFT_INSTRUCTED = (
    f"EXISTS {{ MATCH (i:{_I})-[:{_ASSIGNED}]->(o) WHERE NOT i.instructor_id IN $instructors }}"
)


def _removal(
    scope: Scope, parties: Iterable[Any], ins: Iterable[tuple[Any, Any, list[Any]]]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return tuple(sorted(str(p) for p in parties)), tuple(i.key for i in _instructors(ins, scope))


def _removed_cypher(db: CypherReader, arg: tuple[Scope, tuple[str, ...]]) -> Removal:
    scope, keys = arg
    p = {**scope.params(), "keys": list(keys)}
    head = db.read(_REMOVED_CYPHER.replace("{scope_p}", scope.cypher("p")), p, "plan_removed")[0]
    parties, ins = _removal(scope, head["parties"], ((r[0], r[1], r[2]) for r in head["ins"]))
    q = {
        **p,
        "deregistered": DEREGISTERED,
        "full": FULL,
        "probationary": PROBATIONARY,
        "parties": list(parties),
        "instructors": list(ins),
    }
    rows = db.read(_units_cypher(scope, _RELEASED, _LEFT_INSTRUCTED), q, "plan_released")[0]["rows"]
    return Removal(parties, ins, tuple(sorted((_unit(r) for r in rows), key=lambda u: u.key)))


def _removed_nx(ix: GraphIndex, arg: tuple[Scope, tuple[str, ...]]) -> Removal:
    scope, keys = arg
    po, ins_l, org = Label.PARTY_ORG.value, Label.INSTRUCTOR.value, Label.ORGANIZATION.value
    found_p = [k for k in keys if f"{po}:{k}" in ix.nodes and scope.admits(po, ix.props(f"{po}:{k}"))]
    found_i = [
        (
            k,
            ix.props(f"{ins_l}:{k}").get("name"),
            [ix.props(x).get("town_code") for x in ix.out(f"{ins_l}:{k}", Rel.ASSIGNED_TO)],
        )
        for k in keys
        if f"{ins_l}:{k}" in ix.nodes
    ]
    parties, ins = _removal(scope, found_p, found_i)
    gone_p = {f"{po}:{k}" for k in parties}
    gone_i = {f"{ins_l}:{k}" for k in ins}
    touched = {c for p in gone_p for c in ix.out(p, Rel.COVERS)} | {
        c for i in gone_i for c in ix.out(i, Rel.ASSIGNED_TO)
    }
    units = []
    for nid in sorted(touched):
        d = ix.props(nid)
        if d["_label"] != org or not scope.owns(d) or d.get("status") == DEREGISTERED:
            continue
        if any(_lab(ix, u) == po and u not in gone_p for u in ix.inn(nid, Rel.COVERS)):
            continue
        left = any(_lab(ix, u) == ins_l and u not in gone_i for u in ix.inn(nid, Rel.ASSIGNED_TO))
        units.append(_unit_nx(ix, scope, nid, left))
    return Removal(parties, ins, tuple(sorted(units, key=lambda u: u.key)))


REMOVED: FactSet[tuple[Scope, tuple[str, ...]], Removal] = FactSet(
    "plan.removed", cypher=_removed_cypher, networkx=_removed_nx
)
