"""Question 1: organisational and work coverage, by group, and the uncovered organisations.

Facts (one Cypher and one networkx side each): counts per (category, group, covered, work
covered) and one page of the uncovered organisations by key. The answer (rows, totals,
the three headline sets, the scope's view of association keys) is written once below.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field

from graph.model import (
    DEREGISTERED,
    NONPUBLIC_CATEGORIES,
    SELF_EMPLOYED_CATEGORY,
    SOCIAL_CATEGORIES,
    Label,
    OrgCategory,
    Rel,
)
from graph.store.base import CypherReader, FactSet, GraphStore
from graph.store.index import GraphIndex
from queries._common import check_key, check_scope, covered_cypher, instructed_cypher, rate
from queries.cache import facts
from queries.models import CoverageResult, CoverageRow, NodeRef, UncoveredOrg
from queries.names import association_shown, names
from queries.params import MAX_PAGE, Params
from queries.question import Question, register
from queries.scope import Scope

Grouping = Literal["category", "town", "park", "industry", "association"]
GROUP_PROP: dict[str, str] = {
    "category": "org_category",
    "town": "town_code",
    "park": "park_code",
    "industry": "industry",
    "association": "association_uscc",
}
# Groups whose values are keys of nodes with a display name.
GROUP_LABEL = {"town": Label.TOWN, "park": Label.PARK, "association": Label.ORGANIZATION}


class CoverageParams(Params):
    by: Grouping = Field(
        "category",
        description="分组：category 类别 / town 镇街 / park 园区 / industry 行业 / association 协会",
    )
    category: OrgCategory | None = Field(None, description="只统计该组织类别")
    park: str | None = Field(None, description="只统计该园区（园区编码）")
    industry: str | None = Field(None, max_length=100, description="只统计该行业")
    association: str | None = Field(None, description="只统计该协会/商会的会员（信用代码）")
    limit: int = Field(100, ge=1, le=MAX_PAGE, description=f"未建党组织清单每页条数（最多 {MAX_PAGE}）")
    offset: int = Field(0, ge=0, le=10_000_000, description="未建党组织清单跳过条数")


# --- facts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class OrgFilter:
    scope: Scope
    category: str | None = None
    park: str | None = None
    industry: str | None = None
    association: str | None = None
    group: str = "org_category"  # the property counted by (counts only)


@dataclass(frozen=True)
class UncoveredPage:
    filter: OrgFilter
    offset: int
    limit: int


@dataclass(frozen=True)
class CountFact:
    category: str | None
    group: Any  # the grouping property's value
    covered: bool
    work: bool
    n: int


@dataclass(frozen=True)
class OrgFact:
    """What every list of organisations shows of one (coverage's uncovered, gaps' entries)."""

    uscc: str
    name: str | None
    town_code: str | None
    category: str | None
    industry: str | None
    park_code: str | None
    association_uscc: str | None
    employees: int | None


@dataclass(frozen=True)
class UncoveredFact(OrgFact):
    work: bool  # an instructor serves it, or a party organisation covering it


_FILTER_PROPS = (
    ("category", "org_category"),
    ("park", "park_code"),
    ("industry", "industry"),
    ("association", "association_uscc"),
)
_COVERED, _INSTRUCTED = covered_cypher("o"), instructed_cypher("o")


def _match_orgs(f: OrgFilter) -> str:
    return f"""{f.scope.match("o", Label.ORGANIZATION)}
  WHERE coalesce(o.status, '') <> $deregistered
    AND ($category IS NULL OR o.org_category = $category)
    AND ($park IS NULL OR o.park_code = $park)
    AND ($industry IS NULL OR o.industry = $industry)
    AND ($association IS NULL OR o.association_uscc = $association)"""


def _cypher_params(f: OrgFilter) -> dict[str, Any]:
    return {
        **f.scope.params(),
        "deregistered": DEREGISTERED,
        "category": f.category,
        "park": f.park,
        "industry": f.industry,
        "association": f.association,
        "group": f.group,
    }


def _counts_cypher(db: CypherReader, f: OrgFilter) -> tuple[CountFact, ...]:
    # aggregated on the server into one record, whatever the district's size
    text = f"""{_match_orgs(f)}
WITH o, {_COVERED} AS covered
WITH o, covered, covered OR {_INSTRUCTED} AS work
WITH o.org_category AS c, o[$group] AS g, covered, work, count(*) AS n
RETURN collect([c, g, covered, work, n]) AS counts"""
    row = db.read(text, _cypher_params(f), "coverage")[0]
    return tuple(CountFact(c, g, bool(cov), bool(w), int(n)) for c, g, cov, w, n in row["counts"])


def _uncovered_cypher(db: CypherReader, p: UncoveredPage) -> tuple[UncoveredFact, ...]:
    text = f"""{_match_orgs(p.filter)}
    AND NOT {_COVERED}
WITH o ORDER BY o.uscc SKIP $offset LIMIT $limit
RETURN collect([o.uscc, o.org_name, o.town_code, o.org_category, o.industry, o.park_code,
                o.association_uscc, o.employees, {_INSTRUCTED}]) AS uncovered"""
    params = {**_cypher_params(p.filter), "offset": p.offset, "limit": p.limit}
    row = db.read(text, params, "coverage_uncovered")[0]
    return tuple(_uncovered(*u) for u in row["uncovered"])


def _uncovered(
    uscc: Any, name: Any, town: Any, cat: Any, ind: Any, park: Any, assoc: Any, emp: Any, work: Any
) -> UncoveredFact:
    return UncoveredFact(
        str(uscc), name, town, cat, ind, park, assoc, None if emp is None else int(emp), bool(work)
    )


Flag = tuple[dict[str, Any], bool, bool]  # an organisation's properties, covered, work covered


def _org_flags(ix: GraphIndex) -> list[Flag]:
    """Every organisation not 注销 with (covered, work covered), once per graph version."""
    po, ins = Label.PARTY_ORG.value, Label.INSTRUCTOR.value
    out = []
    for nid, d in ix.label_nodes(Label.ORGANIZATION.value):
        if d.get("status") == DEREGISTERED:
            continue
        coverers = [u for u in ix.inn(nid, Rel.COVERS) if ix.props(u)["_label"] == po]
        covered = bool(coverers)
        work = (
            covered
            or any(ix.props(u)["_label"] == ins for u in ix.inn(nid, Rel.ASSIGNED_TO))
            or any(ix.props(i)["_label"] == ins for p in coverers for i in ix.inn(p, Rel.ASSIGNED_TO))
        )
        out.append((d, covered, work))
    return out


def _flags(ix: GraphIndex, f: OrgFilter) -> Iterable[Flag]:
    every = ix.derived("coverage_flags", lambda: _org_flags(ix))
    org = Label.ORGANIZATION
    scoped = ix.derived(
        f"coverage_flags:{f.scope.key}", lambda: [x for x in every if f.scope.admits(org, x[0])]
    )
    wanted = [(prop, getattr(f, name)) for name, prop in _FILTER_PROPS if getattr(f, name) is not None]
    return (x for x in scoped if all(x[0].get(p) == v for p, v in wanted))


def _counts_nx(ix: GraphIndex, f: OrgFilter) -> tuple[CountFact, ...]:
    agg: dict[tuple[Any, Any, bool, bool], int] = defaultdict(int)
    for d, covered, work in _flags(ix, f):
        agg[(d.get("org_category"), d.get(f.group), covered, work)] += 1
    return tuple(CountFact(*k, n) for k, n in agg.items())


def _uncovered_nx(ix: GraphIndex, p: UncoveredPage) -> tuple[UncoveredFact, ...]:
    unc = sorted((d["uscc"], d, work) for d, covered, work in _flags(ix, p.filter) if not covered)
    return tuple(
        _uncovered(
            k,
            d.get("org_name"),
            d.get("town_code"),
            d.get("org_category"),
            d.get("industry"),
            d.get("park_code"),
            d.get("association_uscc"),
            d.get("employees"),
            work,
        )
        for k, d, work in unc[p.offset : p.offset + p.limit]
    )


COUNTS = FactSet("coverage.counts", cypher=_counts_cypher, networkx=_counts_nx)
UNCOVERED = FactSet("coverage.uncovered", cypher=_uncovered_cypher, networkx=_uncovered_nx)


# --- the answer ------------------------------------------------------------------------


def _row(group: str, name: str | None, counts: list[CountFact]) -> CoverageRow:
    total = sum(c.n for c in counts)
    cov = sum(c.n for c in counts if c.covered)
    work = sum(c.n for c in counts if c.work)
    return CoverageRow(
        group=group,
        group_name=name,
        total=total,
        covered=cov,
        rate=rate(cov, total),
        work_covered=work,
        work_rate=rate(work, total),
    )


def coverage(store: GraphStore, scope: Scope, p: CoverageParams) -> CoverageResult:
    """Organisational (组织覆盖) and work (工作覆盖) coverage, and a page of the uncovered organisations.

    ``rows`` per group (sorted by group value); ``uncovered`` sorted by key, paged by
    ``limit`` / ``offset``; ``uncovered_total`` counts them all. 注销 organisations are excluded.

    Example
    -------
    >>> COVERAGE(store, Scope("T01"), CoverageParams(by="park")).nonpublic.rate  # doctest: +SKIP
    """
    check_scope(store, scope)
    if p.park is not None:
        check_key(p.park, "园区")
    if p.association is not None:
        check_key(p.association, "协会")
    base = OrgFilter(scope, p.category, p.park, p.industry, p.association)
    counts = facts(
        store, COUNTS, OrgFilter(scope, p.category, p.park, p.industry, p.association, GROUP_PROP[p.by])
    )
    unc = facts(store, UNCOVERED, UncoveredPage(base, p.offset, p.limit))

    groups: dict[str, list[CountFact]] = defaultdict(list)
    for c in counts:
        groups["" if c.group is None else str(c.group)].append(c)
    label = GROUP_LABEL.get(p.by)
    found = names(store, label, set(groups)) if label is not None else {}
    assoc = names(store, Label.ORGANIZATION, {u.association_uscc for u in unc if u.association_uscc})

    rows = []
    for g in sorted(groups):
        name = found[g].name if g in found else None
        shown = g
        if p.by == "association" and g:
            key, _ = association_shown(scope, g, found)
            shown = key if key is not None else (name or "（其他镇街协会）")
        rows.append(_row(shown, name or (None if g else "（未填）"), groups[g]))
    rows.sort(key=lambda r: r.group)

    uncovered = []
    for u in unc:
        akey, aname = association_shown(scope, u.association_uscc, assoc)
        uncovered.append(
            UncoveredOrg(
                org=NodeRef(label=Label.ORGANIZATION.value, key=u.uscc, name=u.name, town_code=u.town_code),
                category=u.category,
                industry=u.industry,
                park_code=u.park_code,
                association_uscc=akey,
                association_name=aname,
                employees=u.employees,
                work_covered=u.work,
            )
        )
    return CoverageResult(
        town=scope.town,
        by=p.by,
        nonpublic=_row(
            "nonpublic", "非公有制经济组织", [c for c in counts if c.category in NONPUBLIC_CATEGORIES]
        ),
        social=_row("social", "社会组织", [c for c in counts if c.category in SOCIAL_CATEGORIES]),
        self_employed=_row(
            "self_employed",
            SELF_EMPLOYED_CATEGORY,
            [c for c in counts if c.category == SELF_EMPLOYED_CATEGORY],
        ),
        rows=rows,
        uncovered=uncovered,
        uncovered_total=sum(c.n for c in counts if not c.covered),
        offset=p.offset,
    )


COVERAGE = register(Question("coverage", "覆盖率", CoverageParams, CoverageResult, coverage))
