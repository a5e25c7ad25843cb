"""The facts behind each reference figure: one Cypher and one networkx side per figure.

Every fact set takes the :class:`~queries.scope.Scope` and returns a typed value; counting
"the town's own entities" is ``scope.match`` in Cypher and ``scope.owns`` in Python. The
district-only figures (F4, F20–F22) are asked for the district only. Both sides return
equal values for equal graphs (tests/figures runs both).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from graph.model import (
    DEREGISTERED,
    MEMBER_FLAGS,
    NONPUBLIC_CATEGORIES,
    POSTS,
    SOCIAL_CATEGORIES,
    TWO_NEW_KINDS,
    TWO_NEW_LEVELS,
    Label,
    Rel,
)
from graph.schema import label as L
from graph.schema import rel_type as T
from graph.schema.cypher import covered_cypher, instructed_cypher
from graph.store.base import CypherReader, FactSet
from graph.store.index import GraphIndex
from queries.figures.definitions import (
    ASSOC_KIND,
    BRANCH,
    JISHAN,
    ORG_KIND,
    PARK_COMMITTEE,
    PROJECT_GROUP,
    SECRETARY,
    STRUCTURE,
    TONGDA,
    TOP_LEVELS,
    TOWN_COMMITTEE,
    WORKING_COMMITTEE,
    YUYONG,
)
from queries.scope import Scope

# --- fact types ------------------------------------------------------------------------------


Counts = dict[str, int]
"""Named counts, keyed like the figure's parts and the counts its ratios name (F3's
``park_covered`` of ``park_orgs``)."""


@dataclass(frozen=True)
class Named:
    """A node a figure names: its key and display name."""

    code: str
    name: str | None


@dataclass(frozen=True)
class TierCount:
    tier: str
    n: int


@dataclass(frozen=True)
class Company:
    """An organisation of the article and its own committee (None when nothing covers it)."""

    org_name: str
    staff: int | None
    committee: str | None
    branches: tuple[Named, ...]  # sorted by code
    members: int
    in_management: int
    titled: int


@dataclass(frozen=True)
class Subsidiaries:
    org_name: str
    names: tuple[str | None, ...]  # one per subsidiary, sorted


# --- Cypher ----------------------------------------------------------------------------------

_PO, _ORG, _MEM = L(Label.PARTY_ORG), L(Label.ORGANIZATION), L(Label.MEMBER)
_PARK, _VIL = L(Label.PARK), L(Label.VILLAGE)
_COVERS, _IN_PARK, _REPORTS = T(Rel.COVERS), T(Rel.IN_PARK), T(Rel.REPORTS_TO)
_REL_IN, _ASSIGNED, _PAIRED = T(Rel.RELATIONSHIP_IN), T(Rel.ASSIGNED_TO), T(Rel.PAIRED_WITH)
_HELPS, _JOINT, _SUB = T(Rel.HELPS_BUILD), T(Rel.JOINT_BUILDS_WITH), T(Rel.SUBSIDIARY_OF)
_LIVE = "coalesce(o.status, '') <> $deregistered"
_COVERED = covered_cypher("o")

VOCABULARY: dict[str, Any] = {
    "deregistered": DEREGISTERED,
    "nonpublic": sorted(NONPUBLIC_CATEGORIES),
    "social": sorted(SOCIAL_CATEGORIES),
    "two_new_categories": sorted(NONPUBLIC_CATEGORIES | SOCIAL_CATEGORIES),
    "town_committee": TOWN_COMMITTEE,
    "park_committee": PARK_COMMITTEE,
    "working_committee": WORKING_COMMITTEE,
    "structure": sorted(STRUCTURE),
    "org_kind": ORG_KIND,
    "assoc_kind": ASSOC_KIND,
    "project_group": PROJECT_GROUP,
    "branch": BRANCH,
    "secretary": SECRETARY,
    "top_levels": list(TOP_LEVELS),
    "two_new_kinds": sorted(TWO_NEW_KINDS),
    "two_new_levels": sorted(TWO_NEW_LEVELS),
    "flags": list(MEMBER_FLAGS),
    "posts": list(POSTS),
}


def _rows(db: CypherReader, text: str, s: Scope, name: str, **extra: Any) -> list[dict[str, Any]]:
    return db.read(text, {**VOCABULARY, **s.params(), **extra}, f"figures_{name}")


def _one(db: CypherReader, text: str, s: Scope, name: str) -> dict[str, Any]:
    rows = _rows(db, text, s, name)
    return rows[0] if rows else {}


def _counts(db: CypherReader, text: str, s: Scope, name: str) -> Counts:
    """The one row of a counting query, every column a count."""
    return {k: int(v or 0) for k, v in _one(db, text, s, name).items()}


def _named_rows(rows: list[dict[str, Any]]) -> tuple[Named, ...]:
    return tuple(sorted({Named(str(r["code"]), r["name"]) for r in rows}, key=lambda n: n.code))


def _f1_cypher(db: CypherReader, s: Scope) -> Counts:
    text = f"RETURN COUNT {{ {s.match('p', Label.PARTY_ORG)} WHERE p.kind = $town_committee }} AS count"
    return _counts(db, text, s, "F1")


def _f2_cypher(db: CypherReader, s: Scope) -> tuple[Named, ...]:
    text = f"""{s.match("k", Label.PARK)}
WHERE EXISTS {{ MATCH (:{_PO} {{kind: $park_committee}})-[:{_IN_PARK}]->(k) }}
RETURN k.park_code AS code, k.park_name AS name"""
    return _named_rows(_rows(db, text, s, "F2"))


def _in_park_cypher(var: str) -> str:
    return f"EXISTS {{ MATCH ({var})-[:{_IN_PARK}]->(:{_PARK}) }}"


def _f3_cypher(db: CypherReader, s: Scope) -> Counts:
    po, org = s.match("p", Label.PARTY_ORG), s.match("o", Label.ORGANIZATION)
    text = f"""RETURN
  COUNT {{ {po} WHERE p.level = $branch AND p.kind = $org_kind AND {_in_park_cypher("p")} }} AS branches,
  COUNT {{ {po} WHERE p.kind = $project_group AND {_in_park_cypher("p")} }} AS project_groups,
  COUNT {{ {org} WHERE {_LIVE} AND {_in_park_cypher("o")} }} AS park_orgs,
  COUNT {{ {org} WHERE {_LIVE} AND {_in_park_cypher("o")} AND {_COVERED} }} AS park_covered"""
    return _counts(db, text, s, "F3")


def _f4_cypher(db: CypherReader, s: Scope) -> tuple[Named, ...]:
    text = f"""MATCH (:{_PO} {{kind: $working_committee}})<-[:{_REPORTS}]-(p:{_PO})
WHERE NOT coalesce(p.kind, '') IN $structure
RETURN DISTINCT p.party_org_code AS code, p.party_org_name AS name"""
    return _named_rows(_rows(db, text, s, "F4"))


def _f5_cypher(db: CypherReader, s: Scope) -> tuple[TierCount, ...]:
    text = f"""{s.match("p", Label.PARTY_ORG)} WHERE p.demo_tier IS NOT NULL
RETURN p.demo_tier AS tier, count(*) AS n"""
    return _tiers((str(r["tier"]), int(r["n"])) for r in _rows(db, text, s, "F5"))


def _f6_cypher(db: CypherReader, s: Scope) -> Counts:
    text = f"""RETURN
  COUNT {{ {s.match("t", Label.PARTY_ORG)} WHERE t.demo_tier IS NULL
           AND EXISTS {{ MATCH ()-[:{_PAIRED}]->(t) }} }} AS party_orgs,
  COUNT {{ {s.match("o", Label.ORGANIZATION)}
           WHERE EXISTS {{ MATCH ()-[:{_PAIRED}]->(o) }} AND NOT {_COVERED} }} AS orgs"""
    return _counts(db, text, s, "F6")


def _count_cypher(name: str, where: Callable[[Scope], str]) -> Callable[[CypherReader, Scope], Counts]:
    def run(db: CypherReader, s: Scope) -> Counts:
        return _counts(db, f"RETURN COUNT {{ {where(s)} }} AS count", s, name)

    return run


_f8_cypher = _count_cypher(
    "F8",
    lambda s: (
        f"{s.match('o', Label.ORGANIZATION)} WHERE o.org_category IN $nonpublic AND {_LIVE}"
        f" AND NOT {_COVERED}"
    ),
)
_f9_cypher = _count_cypher("F9", lambda s: f"{s.match('m', Label.MEMBER)} WHERE m.flag IN $flags")
_f10_cypher = _count_cypher(
    "F10", lambda s: f"{s.match('o', Label.ORGANIZATION)} WHERE EXISTS {{ MATCH ()-[:{_HELPS}]->(o) }}"
)
_f11_cypher = _count_cypher(
    "F11",
    lambda s: (
        f"{s.match('p', Label.PARTY_ORG)} WHERE p.kind IN $two_new_kinds AND p.level IN $two_new_levels"
    ),
)


def _coverage_cypher(name: str, categories: str) -> Callable[[CypherReader, Scope], Counts]:
    def run(db: CypherReader, s: Scope) -> Counts:
        text = f"""{s.match("o", Label.ORGANIZATION)} WHERE o.org_category IN ${categories} AND {_LIVE}
RETURN count(o) AS total, count(CASE WHEN {_COVERED} THEN 1 END) AS covered"""
        return _counts(db, text, s, name)

    return run


def _f14_cypher(db: CypherReader, s: Scope) -> Counts:
    text = f"""{s.match("o", Label.ORGANIZATION)} WHERE o.org_category IN $two_new_categories AND {_LIVE}
WITH count(o) AS total, count(CASE WHEN {_COVERED} OR {instructed_cypher("o")} THEN 1 END) AS work_covered
RETURN COUNT {{ {s.match("i", Label.INSTRUCTOR)} }} AS instructors, total, work_covered"""
    return _counts(db, text, s, "F14")


def _f15_cypher(db: CypherReader, s: Scope) -> Counts:
    text = f"""{s.match("m", Label.MEMBER)} WHERE m.post IN $posts
  AND EXISTS {{ MATCH (m)-[:{_REL_IN}]->(p:{_PO})
                WHERE p.kind IN $two_new_kinds AND p.level IN $two_new_levels }}
RETURN count(m) AS members, count(CASE WHEN m.cross_appointed = true THEN 1 END) AS cross_appointed"""
    return _counts(db, text, s, "F15")


def _f16_cypher(db: CypherReader, s: Scope) -> Counts:
    mem = s.match("m", Label.MEMBER)
    text = f"""RETURN
  COUNT {{ {mem} WHERE m.post = $secretary
           AND EXISTS {{ MATCH (m)-[:{_REL_IN}]->(:{_PO} {{kind: $assoc_kind}}) }} }} AS assoc_secretaries,
  COUNT {{ {mem} WHERE m.owner = true AND m.post IN $posts }} AS owners"""
    return _counts(db, text, s, "F16")


def _f17_cypher(db: CypherReader, s: Scope) -> Counts:
    org, joint = s.match("o", Label.ORGANIZATION), f"EXISTS {{ MATCH (o)-[:{_JOINT}]->(:{_VIL}) }}"
    text = f"""RETURN
  COUNT {{ {org} WHERE {joint} }} AS orgs,
  COUNT {{ {s.match("v", Label.VILLAGE)} WHERE EXISTS {{ MATCH (:{_ORG})-[:{_JOINT}]->(v) }} }} AS villages,
  COUNT {{ {org} WHERE o.above_scale = true AND {joint} }} AS above_scale"""
    return _counts(db, text, s, "F17")


# The named organisation: the shortest name containing the needle (a scaled demo adds "·2" copies).
_NAMED = f"""
MATCH (o:{_ORG}) WHERE o.org_name CONTAINS $needle
WITH o ORDER BY size(o.org_name), o.uscc LIMIT 1
"""
# Its committee covers it and is the top of the company's tree (its parent does not cover it too).
_COMPANY = f"""{_NAMED}
OPTIONAL MATCH (c:{_PO})-[:{_COVERS}]->(o)
WHERE c.level IN $top_levels AND NOT EXISTS {{ MATCH (c)-[:{_REPORTS}]->(:{_PO})-[:{_COVERS}]->(o) }}
WITH o, c ORDER BY c.party_org_code LIMIT 1
OPTIONAL MATCH (b:{_PO})-[:{_REPORTS}]->(c) WHERE b.level = $branch
WITH o, c, collect(DISTINCT b) AS bs
UNWIND CASE WHEN c IS NULL THEN [null] ELSE [c] + bs END AS u
OPTIONAL MATCH (m:{_MEM})-[:{_REL_IN}]->(u)
WITH o, c, bs, collect(DISTINCT m) AS ms
RETURN o.org_name AS org_name, o.employees AS staff, c.party_org_name AS committee,
  [b IN bs | {{code: b.party_org_code, name: b.party_org_name}}] AS branches, size(ms) AS members,
  size([m IN ms WHERE m.in_management = true]) AS in_management,
  size([m IN ms WHERE m.title IS NOT NULL AND m.title <> '']) AS titled
"""
_SUBSIDIARIES = f"""{_NAMED}
OPTIONAL MATCH (s:{_ORG})-[:{_SUB}]->(o)
RETURN o.org_name AS org_name, [x IN collect(DISTINCT s) | x.org_name] AS names
"""


def _company_cypher(needle: str) -> Callable[[CypherReader, Scope], Company | None]:
    def run(db: CypherReader, s: Scope) -> Company | None:
        rows = _rows(db, _COMPANY, s, "company", needle=needle)
        if not rows:
            return None
        r = rows[0]
        staff = r["staff"]
        return Company(
            org_name=str(r["org_name"]),
            staff=None if staff is None else int(staff),
            committee=r["committee"],
            branches=_named_rows(r["branches"]) if r["committee"] is not None else (),
            members=int(r["members"]),
            in_management=int(r["in_management"]),
            titled=int(r["titled"]),
        )

    return run


def _subsidiaries_cypher(db: CypherReader, s: Scope) -> Subsidiaries | None:
    rows = _rows(db, _SUBSIDIARIES, s, "F22", needle=YUYONG)
    if not rows:
        return None
    return Subsidiaries(str(rows[0]["org_name"]), _name_order(rows[0]["names"]))


def _tiers(counts: Iterable[tuple[str, int]]) -> tuple[TierCount, ...]:
    return tuple(TierCount(t, n) for t, n in sorted(counts))


def _name_order(names: list[str | None]) -> tuple[str | None, ...]:
    return tuple(sorted(names, key=lambda n: (n is None, n or "")))


# --- networkx --------------------------------------------------------------------------------

_POL, _ORGL, _MEML = Label.PARTY_ORG.value, Label.ORGANIZATION.value, Label.MEMBER.value
_INSL, _PARKL, _VILL = Label.INSTRUCTOR.value, Label.PARK.value, Label.VILLAGE.value
Props = dict[str, Any]


def _own(ix: GraphIndex, label: str, s: Scope) -> Iterator[tuple[str, Props]]:
    return ((nid, d) for nid, d in ix.label_nodes(label) if s.owns(d))


def _is(ix: GraphIndex, nid: str, label: str) -> bool:
    return bool(ix.props(nid)["_label"] == label)


def _covered(ix: GraphIndex, nid: str) -> bool:
    return any(_is(ix, u, _POL) for u in ix.inn(nid, Rel.COVERS))


def _in_park(ix: GraphIndex, nid: str) -> bool:
    return any(_is(ix, k, _PARKL) for k in ix.out(nid, Rel.IN_PARK))


def _live_orgs(ix: GraphIndex, s: Scope, categories: frozenset[str] | None = None) -> list[str]:
    return [
        nid
        for nid, d in _own(ix, _ORGL, s)
        if d.get("status") != DEREGISTERED and (categories is None or d.get("org_category") in categories)
    ]


def _two_new(d: Props) -> bool:
    return d.get("kind") in TWO_NEW_KINDS and d.get("level") in TWO_NEW_LEVELS


def _named(rows: list[Props], code: str, name: str) -> tuple[Named, ...]:
    return _named_rows([{"code": d[code], "name": d.get(name)} for d in rows])


def _f1_nx(ix: GraphIndex, s: Scope) -> Counts:
    return {"count": sum(1 for _, d in _own(ix, _POL, s) if d.get("kind") == TOWN_COMMITTEE)}


def _f2_nx(ix: GraphIndex, s: Scope) -> tuple[Named, ...]:
    parks = [
        d
        for nid, d in _own(ix, _PARKL, s)
        if any(
            _is(ix, u, _POL) and ix.props(u).get("kind") == PARK_COMMITTEE for u in ix.inn(nid, Rel.IN_PARK)
        )
    ]
    return _named(parks, "park_code", "park_name")


def _f3_nx(ix: GraphIndex, s: Scope) -> Counts:
    pos = [d for nid, d in _own(ix, _POL, s) if _in_park(ix, nid)]
    orgs = [nid for nid in _live_orgs(ix, s) if _in_park(ix, nid)]
    return dict(
        branches=sum(1 for d in pos if d.get("level") == BRANCH and d.get("kind") == ORG_KIND),
        project_groups=sum(1 for d in pos if d.get("kind") == PROJECT_GROUP),
        park_orgs=len(orgs),
        park_covered=sum(1 for nid in orgs if _covered(ix, nid)),
    )


def _f4_nx(ix: GraphIndex, s: Scope) -> tuple[Named, ...]:
    found = [
        ix.props(p)
        for w, d in ix.label_nodes(_POL)
        if d.get("kind") == WORKING_COMMITTEE
        for p in ix.inn(w, Rel.REPORTS_TO)
        if _is(ix, p, _POL) and (ix.props(p).get("kind") or "") not in STRUCTURE
    ]
    return _named(found, "party_org_code", "party_org_name")


def _f5_nx(ix: GraphIndex, s: Scope) -> tuple[TierCount, ...]:
    tiers = Counter(str(d["demo_tier"]) for _, d in _own(ix, _POL, s) if d.get("demo_tier") is not None)
    return _tiers(tiers.items())


def _f6_nx(ix: GraphIndex, s: Scope) -> Counts:
    return dict(
        party_orgs=sum(
            1
            for nid, d in _own(ix, _POL, s)
            if d.get("demo_tier") is None and ix.has_in(nid, Rel.PAIRED_WITH)
        ),
        orgs=sum(
            1 for nid, _ in _own(ix, _ORGL, s) if ix.has_in(nid, Rel.PAIRED_WITH) and not _covered(ix, nid)
        ),
    )


def _f8_nx(ix: GraphIndex, s: Scope) -> Counts:
    return {"count": sum(1 for nid in _live_orgs(ix, s, NONPUBLIC_CATEGORIES) if not _covered(ix, nid))}


def _f9_nx(ix: GraphIndex, s: Scope) -> Counts:
    return {"count": sum(1 for _, d in _own(ix, _MEML, s) if d.get("flag") in MEMBER_FLAGS)}


def _f10_nx(ix: GraphIndex, s: Scope) -> Counts:
    return {"count": sum(1 for nid, _ in _own(ix, _ORGL, s) if ix.has_in(nid, Rel.HELPS_BUILD))}


def _f11_nx(ix: GraphIndex, s: Scope) -> Counts:
    return {"count": sum(1 for _, d in _own(ix, _POL, s) if _two_new(d))}


def _coverage_nx(categories: frozenset[str]) -> Callable[[GraphIndex, Scope], Counts]:
    def run(ix: GraphIndex, s: Scope) -> Counts:
        orgs = _live_orgs(ix, s, categories)
        return dict(total=len(orgs), covered=sum(1 for nid in orgs if _covered(ix, nid)))

    return run


def _f14_nx(ix: GraphIndex, s: Scope) -> Counts:
    def served(nid: str) -> bool:
        if _covered(ix, nid) or any(_is(ix, i, _INSL) for i in ix.inn(nid, Rel.ASSIGNED_TO)):
            return True
        return any(
            _is(ix, i, _INSL)
            for p in ix.inn(nid, Rel.COVERS)
            if _is(ix, p, _POL)
            for i in ix.inn(p, Rel.ASSIGNED_TO)
        )

    orgs = _live_orgs(ix, s, NONPUBLIC_CATEGORIES | SOCIAL_CATEGORIES)
    return dict(
        instructors=sum(1 for _ in _own(ix, _INSL, s)),
        total=len(orgs),
        work_covered=sum(1 for nid in orgs if served(nid)),
    )


def _f15_nx(ix: GraphIndex, s: Scope) -> Counts:
    holders = [
        d
        for nid, d in _own(ix, _MEML, s)
        if d.get("post") in POSTS
        and any(_is(ix, p, _POL) and _two_new(ix.props(p)) for p in ix.out(nid, Rel.RELATIONSHIP_IN))
    ]
    return dict(
        members=len(holders), cross_appointed=sum(1 for d in holders if d.get("cross_appointed") is True)
    )


def _f16_nx(ix: GraphIndex, s: Scope) -> Counts:
    def in_assoc(nid: str) -> bool:
        return any(
            _is(ix, p, _POL) and ix.props(p).get("kind") == ASSOC_KIND
            for p in ix.out(nid, Rel.RELATIONSHIP_IN)
        )

    members = list(_own(ix, _MEML, s))
    return dict(
        assoc_secretaries=sum(1 for nid, d in members if d.get("post") == SECRETARY and in_assoc(nid)),
        owners=sum(1 for _, d in members if d.get("owner") is True and d.get("post") in POSTS),
    )


def _f17_nx(ix: GraphIndex, s: Scope) -> Counts:
    orgs = [
        d
        for nid, d in _own(ix, _ORGL, s)
        if any(_is(ix, v, _VILL) for v in ix.out(nid, Rel.JOINT_BUILDS_WITH))
    ]
    villages = [
        nid
        for nid, _ in _own(ix, _VILL, s)
        if any(_is(ix, o, _ORGL) for o in ix.inn(nid, Rel.JOINT_BUILDS_WITH))
    ]
    return dict(
        orgs=len(orgs),
        villages=len(villages),
        above_scale=sum(1 for d in orgs if d.get("above_scale") is True),
    )


def _named_org(ix: GraphIndex, needle: str) -> str | None:
    found = sorted(
        (len(d["org_name"]), d["uscc"], nid)
        for nid, d in ix.label_nodes(_ORGL)
        if needle in (d.get("org_name") or "")
    )
    return found[0][2] if found else None


def _company_nx(needle: str) -> Callable[[GraphIndex, Scope], Company | None]:
    def run(ix: GraphIndex, s: Scope) -> Company | None:
        o = _named_org(ix, needle)
        if o is None:
            return None
        org = ix.props(o)
        tops = sorted(
            c
            for c in ix.inn(o, Rel.COVERS)
            if _is(ix, c, _POL)
            and ix.props(c).get("level") in TOP_LEVELS
            and not any(_is(ix, x, _POL) and o in ix.out(x, Rel.COVERS) for x in ix.out(c, Rel.REPORTS_TO))
        )
        staff = org.get("employees")
        company = Company(str(org["org_name"]), None if staff is None else int(staff), None, (), 0, 0, 0)
        if not tops:
            return company
        c = tops[0]
        bs = sorted(
            {b for b in ix.inn(c, Rel.REPORTS_TO) if _is(ix, b, _POL) and ix.props(b).get("level") == BRANCH}
        )
        ms = {m for u in [c, *bs] for m in ix.inn(u, Rel.RELATIONSHIP_IN) if _is(ix, m, _MEML)}
        return Company(
            org_name=company.org_name,
            staff=company.staff,
            committee=ix.props(c).get("party_org_name"),
            branches=_named([ix.props(b) for b in bs], "party_org_code", "party_org_name"),
            members=len(ms),
            in_management=sum(1 for m in ms if ix.props(m).get("in_management") is True),
            titled=sum(1 for m in ms if ix.props(m).get("title")),
        )

    return run


def _subsidiaries_nx(ix: GraphIndex, s: Scope) -> Subsidiaries | None:
    o = _named_org(ix, YUYONG)
    if o is None:
        return None
    subs = {x for x in ix.inn(o, Rel.SUBSIDIARY_OF) if _is(ix, x, _ORGL)}
    return Subsidiaries(
        str(ix.props(o)["org_name"]), _name_order([ix.props(x).get("org_name") for x in subs])
    )


# --- the fact sets ---------------------------------------------------------------------------

F1 = FactSet("figures.F1", cypher=_f1_cypher, networkx=_f1_nx)
F2 = FactSet("figures.F2", cypher=_f2_cypher, networkx=_f2_nx)
F3 = FactSet("figures.F3", cypher=_f3_cypher, networkx=_f3_nx)
F4 = FactSet("figures.F4", cypher=_f4_cypher, networkx=_f4_nx)
F5 = FactSet("figures.F5", cypher=_f5_cypher, networkx=_f5_nx)
F6 = FactSet("figures.F6", cypher=_f6_cypher, networkx=_f6_nx)
F8 = FactSet("figures.F8", cypher=_f8_cypher, networkx=_f8_nx)
F9 = FactSet("figures.F9", cypher=_f9_cypher, networkx=_f9_nx)
F10 = FactSet("figures.F10", cypher=_f10_cypher, networkx=_f10_nx)
F11 = FactSet("figures.F11", cypher=_f11_cypher, networkx=_f11_nx)
F12 = FactSet(
    "figures.F12", cypher=_coverage_cypher("F12", "nonpublic"), networkx=_coverage_nx(NONPUBLIC_CATEGORIES)
)
F13 = FactSet(
    "figures.F13", cypher=_coverage_cypher("F13", "social"), networkx=_coverage_nx(SOCIAL_CATEGORIES)
)
F14 = FactSet("figures.F14", cypher=_f14_cypher, networkx=_f14_nx)
F15 = FactSet("figures.F15", cypher=_f15_cypher, networkx=_f15_nx)
F16 = FactSet("figures.F16", cypher=_f16_cypher, networkx=_f16_nx)
F17 = FactSet("figures.F17", cypher=_f17_cypher, networkx=_f17_nx)
F20 = FactSet("figures.F20", cypher=_company_cypher(JISHAN), networkx=_company_nx(JISHAN))
F21 = FactSet("figures.F21", cypher=_company_cypher(TONGDA), networkx=_company_nx(TONGDA))
F22 = FactSet("figures.F22", cypher=_subsidiaries_cypher, networkx=_subsidiaries_nx)
