"""The reference figures of domain/FACTS.md, computed from the loaded graph.

Each "graph" figure (F1–F6, F8–F17, F20–F22) is one query with FACTS.md's definition: a
Cypher constant for Neo4j beside its networkx twin for the embedded store. The only numbers
typed in here are the article's values (``article``), the reference that computed values
are compared against with FACTS.md's agreement rule (:func:`agrees`). Named organisations
(箕山电煤, 通达运输, 渝永建设) and structural bodies (区委两新工委, 园区党工委, ...) are found in
the graph by name and kind, never by key.

Values: counts are ints; percentages are in percent (``72.52`` means 72.52%), rounded to 4
decimals for output, while agreement is decided on the exact fraction. A compound figure
has a ``value`` dict keyed like its ``parts``: one part per number the article prints, in
the article's order (F20: staff, branches, members, in management, its share, titled, its
share).

Town scope (``town=...``, the API's town users): the article's figures describe the whole
district, so a town's values are never compared with them (``agrees`` and ``all_agree`` are
``None``). Figures that count entities are computed over the town's own entities (those whose
``town_code`` is the town; "covered" still means any party organisation COVERS it). The
district-only figures F4 (organisations the district working committee manages directly) and
F20–F22 (the article's named organisations) are left out and listed in ``omitted``.

Example
-------
>>> from graph.store import open_store
>>> res = figures(open_store())  # doctest: +SKIP
>>> res.all_agree, res.figures[0].id, res.figures[0].value  # doctest: +SKIP
(True, 'F1', 23)
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from graph.model import (
    DEMO_TIERS,
    DEREGISTERED,
    MEMBER_FLAGS,
    NONPUBLIC_CATEGORIES,
    PARTY_KINDS,
    POSTS,
    SOCIAL_CATEGORIES,
    TWO_NEW_KINDS,
    TWO_NEW_LEVELS,
    Label,
    Rel,
)
from graph.schema import label as L
from graph.schema import rel_type as T
from queries._common import cached, check_town

if TYPE_CHECKING:
    from queries._embedded import Index

__all__ = [
    "ContextFigure",
    "Figure",
    "FigurePart",
    "FiguresResult",
    "agrees",
    "agrees_all",
    "article_tokens",
    "figures",
]

# --- vocabulary (kinds and levels the definitions name) ------------------------------------

TOWN_COMMITTEE = "镇街两新党委"
PARK_COMMITTEE = "园区党工委"
NONPUBLIC_COMMITTEE = "非公有制经济组织党委"
WORKING_COMMITTEE = "区委两新工委"
ORG_KIND = "组织党组织"
ASSOC_KIND = "协会党组织"
PROJECT_GROUP = "项目党小组"
BRANCH = "党支部"
SECRETARY = "书记"
TOP_LEVELS = ("党委", "党总支")  # a company's own committee (F20, F21)
assert {TOWN_COMMITTEE, PARK_COMMITTEE, NONPUBLIC_COMMITTEE, WORKING_COMMITTEE, ORG_KIND, ASSOC_KIND} <= set(
    PARTY_KINDS
)
TIER_KEYS = {"市级": "city", "区级": "district", "镇街级": "town"}
assert set(TIER_KEYS) == set(DEMO_TIERS)
# The named organisations of the article, found by a part of their name.
JISHAN, TONGDA, YUYONG = "箕山电煤", "通达运输", "渝永建设"

# --- the agreement rule (FACTS.md) ---------------------------------------------------------

_TOKEN = re.compile(r"\d+(?:\.\d+)?[%+]?")
Number = int | float | Fraction | Decimal


def article_tokens(article: str) -> list[str]:
    """The numbers an article value prints, in order: ``"420+ / 82.7%"`` -> ``["420+", "82.7%"]``.

    Words and annotations between them (``"3 (凤凰湖, 港桥, 三教)"``) are not numbers.
    """
    return _TOKEN.findall(article)


def _exact(x: Number) -> Decimal:
    if isinstance(x, Fraction):
        with localcontext() as ctx:
            ctx.prec = 50
            return Decimal(x.numerator) / Decimal(x.denominator)
    if isinstance(x, float):
        return Decimal(repr(x))  # the number as written, not its binary expansion
    return Decimal(x)


def agrees(value: Number | None, token: str) -> bool:
    """Whether a computed value agrees with one number the article prints (FACTS.md's rule).

    - ``"N+"``: ``N <= x < N + 10**(digits(N) - 1)`` ("500+" is 500–599, "420+" is 420–519);
    - ``"P%"``: ``x`` (in percent) rounded half-up to the decimals printed equals ``P``;
    - a plain number: equal.

    Example
    -------
    >>> agrees(599, "500+"), agrees(600, "500+"), agrees(Fraction(136700, 1885), "72.52%")
    (True, False, True)
    """
    if value is None or isinstance(value, bool):
        return False
    t = token.strip()
    x = _exact(value)
    if t.endswith("+"):
        n = int(t[:-1])
        return n <= x < n + 10 ** (len(str(n)) - 1)
    if t.endswith("%"):
        printed = Decimal(t[:-1])
        step = Decimal(1).scaleb(printed.as_tuple().exponent)  # type: ignore[arg-type]
        with localcontext() as ctx:
            ctx.prec = 60
            return x.quantize(step, rounding=ROUND_HALF_UP) == printed
    return x == Decimal(t)


def agrees_all(values: Sequence[Number | None], article: str) -> bool:
    """A compound figure agrees when every part agrees with its number, in order."""
    tokens = article_tokens(article)
    return len(tokens) == len(values) and all(agrees(v, t) for v, t in zip(values, tokens, strict=True))


# --- results -------------------------------------------------------------------------------

Value = int | float | None


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FigurePart(_Model):
    """One number of a figure, beside the article's number it is compared with."""

    key: str
    label_zh: str
    unit: Literal["count", "percent"]
    value: Value
    article: str
    agrees: bool | None
    # A percentage's counts (e.g. 392 of 474); None for a count.
    numerator: int | None = None
    denominator: int | None = None


class Figure(_Model):
    """One reference figure computed from the graph."""

    id: str
    title_zh: str
    title_en: str
    value: Value | dict[str, Value]
    value_text: str  # the computed value as the table shows it
    article: str  # the article's value as FACTS.md prints it
    agrees: bool | None  # None when the scope is a town (not comparable with the district)
    definition: str
    parts: list[FigurePart]
    detail: list[str] = Field(default_factory=list)  # names behind the number (parks, branches ...)


class ContextFigure(_Model):
    """A figure of the article with no place in the graph model (shown for completeness)."""

    id: str
    title_zh: str
    title_en: str
    article: str
    note: str = "图模型中没有对应数据，仅作背景参考"


class FiguresResult(_Model):
    town: str | None = None
    figures: list[Figure]
    all_agree: bool | None  # None for a town scope
    context: list[ContextFigure]
    omitted: list[str] = Field(default_factory=list)  # district-only figures left out of a town's answer


# --- Cypher ----------------------------------------------------------------------------------

_PO, _ORG, _MEM = L(Label.PARTY_ORG), L(Label.ORGANIZATION), L(Label.MEMBER)
_INS, _PARK, _VIL = L(Label.INSTRUCTOR), L(Label.PARK), L(Label.VILLAGE)
_COVERS, _IN_PARK, _REPORTS = T(Rel.COVERS), T(Rel.IN_PARK), T(Rel.REPORTS_TO)
_REL_IN, _ASSIGNED, _PAIRED = T(Rel.RELATIONSHIP_IN), T(Rel.ASSIGNED_TO), T(Rel.PAIRED_WITH)
_HELPS, _JOINT, _SUB = T(Rel.HELPS_BUILD), T(Rel.JOINT_BUILDS_WITH), T(Rel.SUBSIDIARY_OF)


def _tw(v: str) -> str:
    return f"($town IS NULL OR {v}.town_code = $town)"


_LIVE = "coalesce(o.status, '') <> $deregistered"
_COVERED = f"EXISTS {{ MATCH (:{_PO})-[:{_COVERS}]->(o) }}"

F1_CYPHER = f"""
RETURN COUNT {{ MATCH (p:{_PO} {{kind: $town_committee}}) WHERE {_tw("p")} }} AS count
"""
F2_CYPHER = f"""
MATCH (k:{_PARK}) WHERE {_tw("k")}
  AND EXISTS {{ MATCH (:{_PO} {{kind: $park_committee}})-[:{_IN_PARK}]->(k) }}
RETURN k.park_code AS code, k.park_name AS name
"""
F3_CYPHER = f"""
RETURN
  COUNT {{ MATCH (p:{_PO}) WHERE p.level = $branch AND p.kind = $org_kind AND {_tw("p")}
           AND EXISTS {{ MATCH (p)-[:{_IN_PARK}]->(:{_PARK}) }} }} AS branches,
  COUNT {{ MATCH (p:{_PO} {{kind: $project_group}}) WHERE {_tw("p")}
           AND EXISTS {{ MATCH (p)-[:{_IN_PARK}]->(:{_PARK}) }} }} AS project_groups,
  COUNT {{ MATCH (o:{_ORG}) WHERE {_LIVE} AND {_tw("o")}
           AND EXISTS {{ MATCH (o)-[:{_IN_PARK}]->(:{_PARK}) }} }} AS park_orgs,
  COUNT {{ MATCH (o:{_ORG}) WHERE {_LIVE} AND {_tw("o")}
           AND EXISTS {{ MATCH (o)-[:{_IN_PARK}]->(:{_PARK}) }} AND {_COVERED} }} AS park_covered
"""
F4_CYPHER = f"""
MATCH (:{_PO} {{kind: $working_committee}})<-[:{_REPORTS}]-(p:{_PO})
WHERE NOT coalesce(p.kind, '') IN $structure
RETURN DISTINCT p.party_org_code AS code, p.party_org_name AS name
"""
F5_CYPHER = f"""
MATCH (p:{_PO}) WHERE p.demo_tier IS NOT NULL AND {_tw("p")}
RETURN p.demo_tier AS tier, count(*) AS n
"""
F6_CYPHER = f"""
RETURN
  COUNT {{ MATCH (t:{_PO}) WHERE t.demo_tier IS NULL AND {_tw("t")}
           AND EXISTS {{ MATCH ()-[:{_PAIRED}]->(t) }} }} AS party_orgs,
  COUNT {{ MATCH (o:{_ORG}) WHERE {_tw("o")}
           AND EXISTS {{ MATCH ()-[:{_PAIRED}]->(o) }} AND NOT {_COVERED} }} AS orgs
"""
F8_CYPHER = f"""
RETURN COUNT {{ MATCH (o:{_ORG}) WHERE o.org_category IN $nonpublic AND {_LIVE} AND {_tw("o")}
                AND NOT {_COVERED} }} AS count
"""
F9_CYPHER = f"""
RETURN COUNT {{ MATCH (m:{_MEM}) WHERE m.flag IN $flags AND {_tw("m")} }} AS count
"""
F10_CYPHER = f"""
RETURN COUNT {{ MATCH (o:{_ORG}) WHERE {_tw("o")} AND EXISTS {{ MATCH ()-[:{_HELPS}]->(o) }} }} AS count
"""
F11_CYPHER = f"""
RETURN COUNT {{ MATCH (p:{_PO}) WHERE p.kind IN $two_new_kinds AND p.level IN $two_new_levels
                AND {_tw("p")} }} AS count
"""


def _coverage_cypher(categories: str) -> str:
    return f"""
MATCH (o:{_ORG}) WHERE o.org_category IN ${categories} AND {_LIVE} AND {_tw("o")}
RETURN count(o) AS total, count(CASE WHEN {_COVERED} THEN 1 END) AS covered
"""


F12_CYPHER = _coverage_cypher("nonpublic")
F13_CYPHER = _coverage_cypher("social")
F14_CYPHER = f"""
MATCH (o:{_ORG}) WHERE o.org_category IN $two_new_categories AND {_LIVE} AND {_tw("o")}
WITH count(o) AS total, count(CASE WHEN {_COVERED}
    OR EXISTS {{ MATCH (:{_INS})-[:{_ASSIGNED}]->(o) }}
    OR EXISTS {{ MATCH (:{_INS})-[:{_ASSIGNED}]->(:{_PO})-[:{_COVERS}]->(o) }} THEN 1 END) AS work_covered
RETURN COUNT {{ MATCH (i:{_INS}) WHERE {_tw("i")} }} AS instructors, total, work_covered
"""
F15_CYPHER = f"""
MATCH (m:{_MEM}) WHERE m.post IN $posts AND {_tw("m")}
  AND EXISTS {{ MATCH (m)-[:{_REL_IN}]->(p:{_PO})
                WHERE p.kind IN $two_new_kinds AND p.level IN $two_new_levels }}
RETURN count(m) AS members, count(CASE WHEN m.cross_appointed = true THEN 1 END) AS cross_appointed
"""
F16_CYPHER = f"""
RETURN
  COUNT {{ MATCH (m:{_MEM} {{post: $secretary}}) WHERE {_tw("m")}
           AND EXISTS {{ MATCH (m)-[:{_REL_IN}]->(:{_PO} {{kind: $assoc_kind}}) }} }} AS assoc_secretaries,
  COUNT {{ MATCH (m:{_MEM}) WHERE m.owner = true AND m.post IN $posts AND {_tw("m")} }} AS owners
"""
F17_CYPHER = f"""
RETURN
  COUNT {{ MATCH (o:{_ORG}) WHERE {_tw("o")} AND EXISTS {{ MATCH (o)-[:{_JOINT}]->(:{_VIL}) }} }} AS orgs,
  COUNT {{ MATCH (v:{_VIL}) WHERE {_tw("v")} AND EXISTS {{ MATCH (:{_ORG})-[:{_JOINT}]->(v) }} }} AS villages,
  COUNT {{ MATCH (o:{_ORG}) WHERE {_tw("o")} AND o.above_scale = true
           AND EXISTS {{ MATCH (o)-[:{_JOINT}]->(:{_VIL}) }} }} AS above_scale
"""
# The named organisation: the shortest name containing the needle (a scaled demo adds "·2" copies).
_NAMED = f"""
MATCH (o:{_ORG}) WHERE o.org_name CONTAINS $needle
WITH o ORDER BY size(o.org_name), o.uscc LIMIT 1
"""
# Its committee covers it and is the top of the company's tree (its parent does not cover it too).
COMPANY_CYPHER = f"""{_NAMED}
OPTIONAL MATCH (c:{_PO})-[:{_COVERS}]->(o)
WHERE c.level IN $top_levels AND NOT EXISTS {{ MATCH (c)-[:{_REPORTS}]->(:{_PO})-[:{_COVERS}]->(o) }}
WITH o, c ORDER BY c.party_org_code LIMIT 1
OPTIONAL MATCH (b:{_PO})-[:{_REPORTS}]->(c) WHERE b.level = $branch
WITH o, c, collect(DISTINCT b) AS bs
UNWIND CASE WHEN c IS NULL THEN [null] ELSE [c] + bs END AS u
OPTIONAL MATCH (m:{_MEM})-[:{_REL_IN}]->(u)
WITH o, c, bs, collect(DISTINCT m) AS ms
RETURN o.org_name AS org_name, o.employees AS staff, c.party_org_name AS committee,
  [b IN bs | [b.party_org_code, b.party_org_name]] AS branch_names, size(bs) AS branches, size(ms) AS members,
  size([m IN ms WHERE m.in_management = true]) AS in_management,
  size([m IN ms WHERE m.title IS NOT NULL AND m.title <> '']) AS titled
"""
F22_CYPHER = f"""{_NAMED}
OPTIONAL MATCH (s:{_ORG})-[:{_SUB}]->(o)
WITH o, collect(DISTINCT s) AS subs
RETURN o.org_name AS org_name, [s IN subs | s.org_name] AS names, size(subs) AS count
"""

PARAMS: dict[str, Any] = {
    "deregistered": DEREGISTERED,
    "nonpublic": sorted(NONPUBLIC_CATEGORIES),
    "social": sorted(SOCIAL_CATEGORIES),
    "two_new_categories": sorted(NONPUBLIC_CATEGORIES | SOCIAL_CATEGORIES),
    "town_committee": TOWN_COMMITTEE,
    "park_committee": PARK_COMMITTEE,
    "working_committee": WORKING_COMMITTEE,
    "structure": sorted({TOWN_COMMITTEE, PARK_COMMITTEE, NONPUBLIC_COMMITTEE}),
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

# --- networkx twins (over queries._embedded.Index) -------------------------------------------

_POL, _ORGL, _MEML = Label.PARTY_ORG.value, Label.ORGANIZATION.value, Label.MEMBER.value
_INSL, _PARKL, _VILL = Label.INSTRUCTOR.value, Label.PARK.value, Label.VILLAGE.value
Raw = dict[str, Any]


def _here(d: dict[str, Any], town: str | None) -> bool:
    return town is None or d.get("town_code") == town


def _nodes(ix: Index, label: str, town: str | None) -> list[tuple[str, dict[str, Any]]]:
    return [(nid, d) for nid, d in ix.label_nodes(label) if _here(d, town)]


def _is(ix: Index, nid: str, label: str) -> bool:
    return bool(ix.props(nid)["_label"] == label)


def _covered(ix: Index, nid: str) -> bool:
    return any(_is(ix, u, _POL) for u in ix.inn(nid, Rel.COVERS))


def _in_park(ix: Index, nid: str) -> bool:
    return any(_is(ix, k, _PARKL) for k in ix.out(nid, Rel.IN_PARK))


def _live_orgs(ix: Index, town: str | None, categories: frozenset[str] | None = None) -> list[str]:
    return [
        nid
        for nid, d in _nodes(ix, _ORGL, town)
        if d.get("status") != DEREGISTERED and (categories is None or d.get("org_category") in categories)
    ]


def _f1(ix: Index, town: str | None) -> Raw:
    return {"count": sum(1 for _, d in _nodes(ix, _POL, town) if d.get("kind") == TOWN_COMMITTEE)}


def _f2(ix: Index, town: str | None) -> Raw:
    parks = [
        d
        for nid, d in _nodes(ix, _PARKL, town)
        if any(
            _is(ix, u, _POL) and ix.props(u).get("kind") == PARK_COMMITTEE for u in ix.inn(nid, Rel.IN_PARK)
        )
    ]
    return _f2_shape([{"code": d["park_code"], "name": d.get("park_name")} for d in parks])


def _f2_shape(rows: list[dict[str, Any]]) -> Raw:
    rows = sorted(rows, key=lambda r: r["code"])
    return {"count": len(rows), "detail": [r["name"] or r["code"] for r in rows]}


def _f3(ix: Index, town: str | None) -> Raw:
    pos = [(nid, d) for nid, d in _nodes(ix, _POL, town) if _in_park(ix, nid)]
    orgs = [nid for nid in _live_orgs(ix, town) if _in_park(ix, nid)]
    return {
        "branches": sum(1 for _, d in pos if d.get("level") == BRANCH and d.get("kind") == ORG_KIND),
        "project_groups": sum(1 for _, d in pos if d.get("kind") == PROJECT_GROUP),
        "park_orgs": len(orgs),
        "park_covered": sum(1 for nid in orgs if _covered(ix, nid)),
    }


def _f4(ix: Index, town: str | None) -> Raw:
    structure = set(PARAMS["structure"])
    found: dict[str, dict[str, Any]] = {}
    for w, d in ix.label_nodes(_POL):
        if d.get("kind") != WORKING_COMMITTEE:
            continue
        for p in ix.inn(w, Rel.REPORTS_TO):
            pd = ix.props(p)
            if pd["_label"] == _POL and (pd.get("kind") or "") not in structure:
                found[pd["party_org_code"]] = {"code": pd["party_org_code"], "name": pd.get("party_org_name")}
    return _f4_shape(list(found.values()))


def _f4_shape(rows: list[dict[str, Any]]) -> Raw:
    rows = sorted(rows, key=lambda r: r["code"])
    return {"count": len(rows), "detail": [r["name"] or r["code"] for r in rows]}


def _f5(ix: Index, town: str | None) -> Raw:
    tiers = Counter(d["demo_tier"] for _, d in _nodes(ix, _POL, town) if d.get("demo_tier") is not None)
    return _f5_shape([{"tier": t, "n": n} for t, n in tiers.items()])


def _f5_shape(rows: list[dict[str, Any]]) -> Raw:
    out: Raw = {"total": sum(int(r["n"]) for r in rows)}
    for tier, key in TIER_KEYS.items():
        out[key] = sum(int(r["n"]) for r in rows if r["tier"] == tier)
    return out


def _f6(ix: Index, town: str | None) -> Raw:
    return {
        "party_orgs": sum(
            1
            for nid, d in _nodes(ix, _POL, town)
            if d.get("demo_tier") is None and ix.has_in(nid, Rel.PAIRED_WITH)
        ),
        "orgs": sum(
            1
            for nid, _ in _nodes(ix, _ORGL, town)
            if ix.has_in(nid, Rel.PAIRED_WITH) and not _covered(ix, nid)
        ),
    }


def _f8(ix: Index, town: str | None) -> Raw:
    return {"count": sum(1 for nid in _live_orgs(ix, town, NONPUBLIC_CATEGORIES) if not _covered(ix, nid))}


def _f9(ix: Index, town: str | None) -> Raw:
    return {"count": sum(1 for _, d in _nodes(ix, _MEML, town) if d.get("flag") in MEMBER_FLAGS)}


def _f10(ix: Index, town: str | None) -> Raw:
    return {"count": sum(1 for nid, _ in _nodes(ix, _ORGL, town) if ix.has_in(nid, Rel.HELPS_BUILD))}


def _two_new(d: dict[str, Any]) -> bool:
    return d.get("kind") in TWO_NEW_KINDS and d.get("level") in TWO_NEW_LEVELS


def _f11(ix: Index, town: str | None) -> Raw:
    return {"count": sum(1 for _, d in _nodes(ix, _POL, town) if _two_new(d))}


def _coverage_twin(categories: frozenset[str]) -> Callable[[Index, str | None], Raw]:
    def run(ix: Index, town: str | None) -> Raw:
        orgs = _live_orgs(ix, town, categories)
        return {"total": len(orgs), "covered": sum(1 for nid in orgs if _covered(ix, nid))}

    return run


def _f14(ix: Index, town: str | None) -> Raw:
    def served(nid: str) -> bool:
        if _covered(ix, nid) or any(_is(ix, i, _INSL) for i in ix.inn(nid, Rel.ASSIGNED_TO)):
            return True
        return any(
            _is(ix, i, _INSL)
            for p in ix.inn(nid, Rel.COVERS)
            if _is(ix, p, _POL)
            for i in ix.inn(p, Rel.ASSIGNED_TO)
        )

    orgs = _live_orgs(ix, town, NONPUBLIC_CATEGORIES | SOCIAL_CATEGORIES)
    return {
        "instructors": len(_nodes(ix, _INSL, town)),
        "total": len(orgs),
        "work_covered": sum(1 for nid in orgs if served(nid)),
    }


def _f15(ix: Index, town: str | None) -> Raw:
    holders = [
        d
        for nid, d in _nodes(ix, _MEML, town)
        if d.get("post") in POSTS
        and any(_is(ix, p, _POL) and _two_new(ix.props(p)) for p in ix.out(nid, Rel.RELATIONSHIP_IN))
    ]
    return {
        "members": len(holders),
        "cross_appointed": sum(1 for d in holders if d.get("cross_appointed") is True),
    }


def _f16(ix: Index, town: str | None) -> Raw:
    members = _nodes(ix, _MEML, town)
    return {
        "assoc_secretaries": sum(
            1
            for nid, d in members
            if d.get("post") == SECRETARY
            and any(
                _is(ix, p, _POL) and ix.props(p).get("kind") == ASSOC_KIND
                for p in ix.out(nid, Rel.RELATIONSHIP_IN)
            )
        ),
        "owners": sum(1 for _, d in members if d.get("owner") is True and d.get("post") in POSTS),
    }


def _f17(ix: Index, town: str | None) -> Raw:
    orgs = [
        d
        for nid, d in _nodes(ix, _ORGL, town)
        if any(_is(ix, v, _VILL) for v in ix.out(nid, Rel.JOINT_BUILDS_WITH))
    ]
    villages = [
        nid
        for nid, _ in _nodes(ix, _VILL, town)
        if any(_is(ix, o, _ORGL) for o in ix.inn(nid, Rel.JOINT_BUILDS_WITH))
    ]
    return _f17_shape(
        {
            "orgs": len(orgs),
            "villages": len(villages),
            "above_scale": sum(1 for d in orgs if d.get("above_scale") is True),
        }
    )


def _f17_shape(row: dict[str, Any]) -> Raw:
    return {**row, "detail": [f"其中规上企业 {row['above_scale']} 家"]}


def _named_org(ix: Index, needle: str) -> str | None:
    found = sorted(
        (len(d["org_name"]), d["uscc"], nid)
        for nid, d in ix.label_nodes(_ORGL)
        if needle in (d.get("org_name") or "")
    )
    return found[0][2] if found else None


def _company_twin(needle: str) -> Callable[[Index, str | None], Raw]:
    def run(ix: Index, town: str | None) -> Raw:
        o = _named_org(ix, needle)
        if o is None:
            return _company_shape(needle, [])
        tops = sorted(
            c
            for c in ix.inn(o, Rel.COVERS)
            if _is(ix, c, _POL)
            and ix.props(c).get("level") in TOP_LEVELS
            and not any(_is(ix, x, _POL) and o in ix.out(x, Rel.COVERS) for x in ix.out(c, Rel.REPORTS_TO))
        )
        row: dict[str, Any] = {
            "org_name": ix.props(o).get("org_name"),
            "staff": ix.props(o).get("employees"),
            "committee": None,
            "branch_names": [],
            "branches": 0,
            "members": 0,
            "in_management": 0,
            "titled": 0,
        }
        if tops:
            c = tops[0]
            bs = sorted(
                {
                    b
                    for b in ix.inn(c, Rel.REPORTS_TO)
                    if _is(ix, b, _POL) and ix.props(b).get("level") == BRANCH
                }
            )
            ms = {m for u in [c, *bs] for m in ix.inn(u, Rel.RELATIONSHIP_IN) if _is(ix, m, _MEML)}
            row.update(
                committee=ix.props(c).get("party_org_name"),
                branch_names=[[ix.props(b)["party_org_code"], ix.props(b).get("party_org_name")] for b in bs],
                branches=len(bs),
                members=len(ms),
                in_management=sum(1 for m in ms if ix.props(m).get("in_management") is True),
                titled=sum(1 for m in ms if ix.props(m).get("title")),
            )
        return _company_shape(needle, [row])

    return run


def _company_shape(needle: str, rows: list[dict[str, Any]]) -> Raw:
    if not rows:
        return {"detail": [f"图中没有名称含“{needle}”的组织"]}
    r = dict(rows[0])
    org = r.get("org_name") or ""
    if r.get("committee") is None:
        r["detail"] = [f"{org}：没有覆盖它的党委或党总支"]
        return r
    # "永川区箕山电煤有限责任公司机关党支部" -> "机关": the article names branches that way.
    names = [name or code for code, name in sorted(r.pop("branch_names"))]
    r["detail"] = [n.removeprefix(org).removesuffix(BRANCH) or n for n in names]
    return r


def _f22(ix: Index, town: str | None) -> Raw:
    o = _named_org(ix, YUYONG)
    if o is None:
        return _f22_shape([])
    subs = {s for s in ix.inn(o, Rel.SUBSIDIARY_OF) if _is(ix, s, _ORGL)}
    names = [ix.props(s).get("org_name") for s in subs]
    return _f22_shape([{"org_name": ix.props(o).get("org_name"), "names": names, "count": len(subs)}])


def _f22_shape(rows: list[dict[str, Any]]) -> Raw:
    if not rows:
        return {"detail": [f"图中没有名称含“{YUYONG}”的组织"]}
    r = rows[0]
    return {"count": r["count"], "detail": sorted(n for n in r["names"] if n)}


# --- the figures -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Part:
    key: str
    label_zh: str
    ratio: tuple[str, str] | None = None  # percent = 100 * raw[num] / raw[den]


@dataclass(frozen=True)
class _Spec:
    id: str
    title_zh: str
    title_en: str
    article: str
    definition: str
    parts: tuple[_Part, ...]
    cypher: str
    twin: Callable[[Index, str | None], Raw]
    # Neo4j rows -> raw values; default: the single row as it is.
    shape: Callable[[list[dict[str, Any]]], Raw] | None = None
    params: dict[str, Any] = field(default_factory=dict)
    district_only: bool = False


_COUNT = (_Part("count", "数量"),)


def _named(needle: str) -> Callable[[list[dict[str, Any]]], Raw]:
    return lambda rows: _company_shape(needle, rows)


SPECS: tuple[_Spec, ...] = (
    _Spec(
        "F1",
        "镇街两新党委",
        "town/street two-new committees",
        "23",
        "类型为“镇街两新党委”的党组织数（每个镇街一个）。",
        _COUNT,
        F1_CYPHER,
        _f1,
    ),
    _Spec(
        "F2",
        "建立党工委的工业园区",
        "industrial parks with a park working committee",
        "3 (凤凰湖, 港桥, 三教)",
        "有“园区党工委”类党组织入驻（IN_PARK）的园区数。",
        _COUNT,
        F2_CYPHER,
        _f2,
        shape=_f2_shape,
    ),
    _Spec(
        "F3",
        "园区：企业党支部 / 项目党小组 / 覆盖率",
        "in the parks: enterprise branches / project groups / coverage",
        "27 / 17 / 100%",
        "入驻园区的党组织中层级为党支部且类型为组织党组织的个数、类型为项目党小组的个数；"
        "园区内组织（不含注销）被党组织覆盖（COVERS）的比例。",
        (
            _Part("branches", "企业党支部"),
            _Part("project_groups", "项目党小组"),
            _Part("coverage", "园区组织覆盖率", ("park_covered", "park_orgs")),
        ),
        F3_CYPHER,
        _f3,
    ),
    _Spec(
        "F4",
        "区委两新工委直管党组织",
        "organisations managed directly by the district working committee",
        "12 (incl. 渝西矿业集团党委)",
        "直接隶属（REPORTS_TO）“区委两新工委”的党组织，镇街两新党委、园区党工委和非公有制经济组织党委除外。",
        _COUNT,
        F4_CYPHER,
        _f4,
        shape=_f4_shape,
        district_only=True,
    ),
    _Spec(
        "F5",
        "示范点（市级 + 区级 + 镇街级）",
        "demonstration points (city + district + town tier)",
        "207 = 12 + 57 + 138",
        "有示范等级的党组织数，合计及按等级（市级 / 区级 / 镇街级）。",
        (
            _Part("total", "合计"),
            _Part("city", "市级"),
            _Part("district", "区级"),
            _Part("town", "镇街级"),
        ),
        F5_CYPHER,
        _f5,
        shape=_f5_shape,
    ),
    _Spec(
        "F6",
        "示范点结对帮扶对象",
        "pairing targets of demonstration points",
        "168 non-demo party orgs + 157 orgs without a party org",
        "结对帮扶（PAIRED_WITH）的不同对象：没有示范等级的党组织数、未被任何党组织覆盖的组织数。",
        (_Part("party_orgs", "非示范点党组织"), _Part("orgs", "未建党组织的组织")),
        F6_CYPHER,
        _f6,
    ),
    _Spec(
        "F8",
        "排查出的未建党组织的非公有制经济组织",
        "non-public organisations without a party organisation",
        "500+",
        "非公企业和专业市场（不含注销）中未被任何党组织覆盖的组织数。",
        _COUNT,
        F8_CYPHER,
        _f8,
    ),
    _Spec(
        "F9",
        "排查出的流动党员和隐性党员",
        "floating and hidden members found",
        "167",
        "身份标记为流动党员或隐性党员的党员数。",
        _COUNT,
        F9_CYPHER,
        _f9,
    ),
    _Spec(
        "F10",
        "帮建对象",
        "help-build targets",
        "100+",
        "帮建（HELPS_BUILD）指向的不同组织数。",
        _COUNT,
        F10_CYPHER,
        _f10,
    ),
    _Spec(
        "F11",
        "两新组织党组织",
        "two-new party organisations",
        "375",
        "类型为组织党组织或协会党组织、层级为党委 / 党总支 / 党支部的党组织数。",
        _COUNT,
        F11_CYPHER,
        _f11,
    ),
    _Spec(
        "F12",
        "非公有制经济组织党组织覆盖率",
        "party-organisation coverage of non-public organisations",
        "72.52%",
        "非公企业和专业市场（不含注销）中被党组织覆盖的比例。",
        (_Part("coverage", "覆盖率", ("covered", "total")),),
        F12_CYPHER,
        _coverage_twin(NONPUBLIC_CATEGORIES),
    ),
    _Spec(
        "F13",
        "社会组织党组织覆盖率",
        "party-organisation coverage of social organisations",
        "50%",
        "社会组织、行业协会和商会（不含注销）中被党组织覆盖的比例。",
        (_Part("coverage", "覆盖率", ("covered", "total")),),
        F13_CYPHER,
        _coverage_twin(SOCIAL_CATEGORIES),
    ),
    _Spec(
        "F14",
        "党建指导员 / 工作覆盖率",
        "instructors / work coverage",
        "290 / 100%",
        "党建指导员人数；非公和社会组织（不含注销）中被党组织覆盖、或有指导员派驻到它或覆盖它的党组织的比例。",
        (_Part("instructors", "党建指导员"), _Part("work_coverage", "工作覆盖率", ("work_covered", "total"))),
        F14_CYPHER,
        _f14,
    ),
    _Spec(
        "F15",
        "班子成员 / 交叉任职比例",
        "committee members / share cross-appointed",
        "420+ / 82.7%",
        "党内职务为书记、副书记或委员且组织关系在两新组织党组织（F11）的党员数；其中交叉任职为“是”的比例。",
        (_Part("members", "班子成员"), _Part("cross_share", "交叉任职比例", ("cross_appointed", "members"))),
        F15_CYPHER,
        _f15,
    ),
    _Spec(
        "F16",
        "协会党组织书记 / 业主进班子",
        "association secretaries / owners in party leadership",
        "23 / 73",
        "组织关系在协会党组织且职务为书记的党员数；是业主且有党内职务的党员数。",
        (_Part("assoc_secretaries", "协会党组织书记"), _Part("owners", "业主任班子成员")),
        F16_CYPHER,
        _f16,
    ),
    _Spec(
        "F17",
        "村企联建：企业 / 村",
        "enterprise–village joint building: organisations / villages",
        "129 orgs with 173 villages",
        "村企联建（JOINT_BUILDS_WITH）的不同企业数（应全部为规上企业）和不同村（社区）数。",
        (_Part("orgs", "联建企业"), _Part("villages", "联建村")),
        F17_CYPHER,
        _f17,
        shape=lambda rows: _f17_shape(rows[0]),
    ),
    _Spec(
        "F20",
        "箕山电煤：职工 / 党支部 / 党员 / 管理岗位 / 有职称",
        "箕山电煤: staff / branches / members / in management / with titles",
        "610 / 5 / 105 / 38 (36.19%) / 16 (15.24%)",
        "名称含“箕山电煤”的组织：从业人员数；隶属其党委的党支部数；组织关系在党委或这些支部的党员数，"
        "其中在管理岗位的人数及比例、有专业技术职称的人数及比例。",
        (
            _Part("staff", "职工"),
            _Part("branches", "党支部"),
            _Part("members", "党员"),
            _Part("in_management", "管理岗位"),
            _Part("in_management_share", "管理岗位占比", ("in_management", "members")),
            _Part("titled", "有职称"),
            _Part("titled_share", "有职称占比", ("titled", "members")),
        ),
        COMPANY_CYPHER,
        _company_twin(JISHAN),
        shape=_named(JISHAN),
        params={"needle": JISHAN},
        district_only=True,
    ),
    _Spec(
        "F21",
        "通达运输党委：党支部 / 党员",
        "通达运输 party committee: branches / members",
        "5 (机关, 客出, 物业, 装卸, 退休) / 100",
        "名称含“通达运输”的组织：隶属其党委的党支部数；组织关系在党委或这些支部的党员数。",
        (_Part("branches", "党支部"), _Part("members", "党员")),
        COMPANY_CYPHER,
        _company_twin(TONGDA),
        shape=_named(TONGDA),
        params={"needle": TONGDA},
        district_only=True,
    ),
    _Spec(
        "F22",
        "渝永建设：子公司",
        "渝永建设: subsidiaries",
        "6",
        "上级单位（SUBSIDIARY_OF）为名称含“渝永建设”的组织的组织数。",
        _COUNT,
        F22_CYPHER,
        _f22,
        shape=_f22_shape,
        params={"needle": YUYONG},
        district_only=True,
    ),
)

CONTEXT: tuple[ContextFigure, ...] = (
    ContextFigure(
        id="F7",
        title_zh="结对帮扶建立的活动阵地",
        title_en="activity venues set up through pairing",
        article="23",
    ),
    ContextFigure(
        id="F18",
        title_zh="共建活动 / 就业岗位 / 帮扶资金",
        title_en="co-building activities / jobs / aid",
        article="500+ / 2000+ / 13 million+ yuan",
    ),
    ContextFigure(
        id="F19",
        title_zh="积分评星指标（组织 / 党员）",
        title_en="points-and-stars indicators",
        article="58 organisation, 48 member",
    ),
    ContextFigure(
        id="F23",
        title_zh="2011 年非公经济增加值 / 占 GDP 比重 / GDP",
        title_en="non-public economy 2011: value added / share of GDP / GDP",
        article="25.7 bn yuan / 67.6% / 38.02 bn yuan",
    ),
)

for _s in SPECS:  # each part is one number of the article, percentages against percentages
    _toks = article_tokens(_s.article)
    assert len(_toks) == len(_s.parts), _s.id
    assert all(t.endswith("%") == (p.ratio is not None) for t, p in zip(_toks, _s.parts, strict=True)), _s.id


# --- evaluation ------------------------------------------------------------------------------


def _raw_neo4j(store: Any, spec: _Spec, town: str | None) -> Raw:
    rows = store.read(spec.cypher, {**PARAMS, **spec.params, "town": town}, f"figures_{spec.id}")
    if spec.shape is not None:
        return spec.shape(rows)
    return dict(rows[0]) if rows else {}


def _pct_text(x: Fraction, decimals: int) -> str:
    q = _exact(x).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return f"{q}%"


def _evaluate(spec: _Spec, raw: Raw, compare: bool) -> Figure:
    parts: list[FigurePart] = []
    texts: list[str] = []
    for part, token in zip(spec.parts, article_tokens(spec.article), strict=True):
        exact: Number | None
        num = den = None
        if part.ratio is not None:
            num, den = raw.get(part.ratio[0]), raw.get(part.ratio[1])
            num, den = (None if num is None else int(num)), (None if den is None else int(den))
            exact = Fraction(100 * num, den) if num is not None and den else None
            shown: Value = None if exact is None else round(float(exact), 4)
            # Shown to the decimals the article prints (what the comparison uses); a town: 2.
            decimals = -Decimal(token[:-1]).as_tuple().exponent if compare else 2  # type: ignore[operator]
            texts.append("—" if exact is None else _pct_text(exact, int(decimals)))
            unit: Literal["count", "percent"] = "percent"
        else:
            v = raw.get(part.key)
            exact = None if v is None else int(v)
            shown = exact
            texts.append("—" if exact is None else str(exact))
            unit = "count"
        parts.append(
            FigurePart(
                key=part.key,
                label_zh=part.label_zh,
                unit=unit,
                value=shown,
                article=token,
                agrees=agrees(exact, token) if compare else None,
                numerator=num,
                denominator=den,
            )
        )
    value: Value | dict[str, Value] = parts[0].value if len(parts) == 1 else {p.key: p.value for p in parts}
    return Figure(
        id=spec.id,
        title_zh=spec.title_zh,
        title_en=spec.title_en,
        value=value,
        value_text=" / ".join(texts),
        article=spec.article,
        agrees=all(bool(p.agrees) for p in parts) if compare else None,
        definition=spec.definition,
        parts=parts,
        detail=[str(x) for x in raw.get("detail", [])],
    )


def _compute(store: Any, town: str | None) -> FiguresResult:
    if store.backend == "neo4j":

        def raw_of(spec: _Spec) -> Raw:
            return _raw_neo4j(store, spec, town)

    else:
        from queries._embedded import index

        ix = index(store)

        def raw_of(spec: _Spec) -> Raw:
            return spec.twin(ix, town)

    compare = town is None
    specs = [s for s in SPECS if compare or not s.district_only]
    out = [_evaluate(s, raw_of(s), compare) for s in specs]
    return FiguresResult(
        town=town,
        figures=out,
        all_agree=all(bool(f.agrees) for f in out) if compare else None,
        context=[c.model_copy() for c in CONTEXT],
        omitted=[] if compare else [s.id for s in SPECS if s.district_only],
    )


def figures(store: Any, *, town: str | None = None) -> FiguresResult:
    """The reference figures of FACTS.md computed from the graph, each beside the article's value.

    Parameters
    ----------
    store : GraphStore
    town : str, optional
        A town code: the town's own values, not compared with the article (``agrees`` is
        None) and without the district-only figures F4, F20–F22 (``omitted``).

    Returns
    -------
    FiguresResult
        ``figures`` in id order (F1 ... F22, graph figures only), ``all_agree``, and the
        context figures (F7, F18, F19, F23) with the article's value only.
    """
    check_town(store, town)
    res = cached(store, f"figures:{town}", lambda: _compute(store, town))
    return res.model_copy(deep=True)
