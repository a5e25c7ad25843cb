"""Question 1: organisational and work coverage, by group, and the uncovered organisations.

Facts: the district aggregates the loader keeps per town (graph/aggregates.py: organisation
counts per category, park, industry, association, covered, work covered; the uncovered
organisations), exactly a recount, read for the scope's towns. The answer (rows, totals, the
three headline sets, one page of the uncovered, the scope's view of association keys) is
written once below.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from pydantic import Field

from graph import aggregates
from graph.model import NONPUBLIC_CATEGORIES, SELF_EMPLOYED_CATEGORY, SOCIAL_CATEGORIES, Label, OrgCategory
from graph.store.base import GraphStore
from queries._common import check_key, check_scope, rate
from queries.cache import cached
from queries.models import CoverageResult, CoverageRow, NodeRef, UncoveredOrg
from queries.names import association_shown, names
from queries.params import MAX_PAGE, Params
from queries.question import Question, register
from queries.scope import Scope

Grouping = Literal["category", "town", "park", "industry", "association"]
R = TypeVar("R", aggregates.CountRow, aggregates.UncoveredRow)
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


# --- facts: the district aggregates kept with the graph (graph/aggregates.py) ---------------------


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


def scope_rows(store: GraphStore, scope: Scope, part: str) -> tuple[Any, ...]:
    """One part of the district aggregates (graph/aggregates.PARTS: counts, uncovered by key,
    hosts) for the scope's towns, once per store version: read from what the loader keeps (a few
    documents instead of a pass over every organisation), or recounted from the graph when it
    is not kept for the data version (then exactly the same values: tests/contract/test_aggregates.py)."""

    def build() -> tuple[Any, ...]:
        codes = scope.town_codes(Label.ORGANIZATION)
        kept = aggregates.maintained(store, codes, (part,))
        if kept is None:
            every = cached(store, ("aggregates.recount",), lambda: aggregates.recount(store))
            kept = {t: a for t, a in every.items() if codes is None or t in codes}
        rows = [r for a in kept.values() for r in getattr(a, part)]
        return tuple(sorted(rows, key=lambda u: u.uscc) if part == "uncovered" else rows)

    return cached(store, ("aggregates", part, scope.key), build)


_FILTER_PROPS = ("category", "park_code", "industry", "association_uscc")
GROUP_FIELD = {"category": "category", "town": "town_code", "park": "park_code", "industry": "industry",
               "association": "association_uscc"}  # fmt: skip


def _filtered(rows: Iterable[R], p: CoverageParams) -> list[R]:
    values = (p.category, p.park, p.industry, p.association)
    wanted = [(f, v) for f, v in zip(_FILTER_PROPS, values, strict=True) if v is not None]
    return [r for r in rows if all(getattr(r, f) == v for f, v in wanted)]


def _counts(rows: tuple[aggregates.CountRow, ...], p: CoverageParams) -> list[CountFact]:
    out: dict[tuple[Any, Any, bool, bool], int] = defaultdict(int)
    field = GROUP_FIELD[p.by]
    for c in _filtered(rows, p):
        out[(c.category, getattr(c, field), c.covered, c.work)] += c.n
    return [CountFact(*k, n) for k, n in out.items()]


def _district_view(store: GraphStore, view: str) -> list[Any] | None:
    return cached(store, ("aggregates.view", view), lambda: aggregates.district_view(store, view))


def _uncovered_page(store: GraphStore, offset: int, limit: int) -> list[aggregates.UncoveredRow] | None:
    """One page of the district's uncovered organisations by key, from the chunks it spans."""
    first, last = offset // aggregates.CHUNK, (offset + limit - 1) // aggregates.CHUNK
    rows: list[aggregates.UncoveredRow] = []
    for i in range(first, last + 1):
        chunk = _district_view(store, f"uncovered:{i}")
        if chunk is None:
            return None
        rows += chunk
    start = offset - first * aggregates.CHUNK
    return rows[start : start + limit]


def _uncovered(u: aggregates.UncoveredRow) -> UncoveredFact:
    return UncoveredFact(
        u.uscc, u.name, u.town_code, u.category, u.industry, u.park_code, u.association_uscc,
        None if u.employees is None else int(u.employees), u.work,
    )  # fmt: skip


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
    # the whole district without park / industry / association filters: the district views
    plain = scope.is_district and p.park is None and p.industry is None and p.association is None
    view = _district_view(store, f"by:{p.by}") if plain else None
    if view is not None:
        counts = [CountFact(c, g, cov, w, n) for c, g, cov, w, n in view if p.category in (None, c)]
    else:
        counts = _counts(scope_rows(store, scope, "counts"), p)
    page = _uncovered_page(store, p.offset, p.limit) if plain and p.category is None else None
    if page is None:
        page = _filtered(scope_rows(store, scope, "uncovered"), p)[p.offset : p.offset + p.limit]
    unc = [_uncovered(u) for u in page]

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
