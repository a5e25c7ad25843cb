"""Question 1: organisational and work coverage, by group, and the uncovered organisations."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from graph.model import (
    DEREGISTERED,
    NONPUBLIC_CATEGORIES,
    ORG_CATEGORIES,
    SELF_EMPLOYED_CATEGORY,
    SOCIAL_CATEGORIES,
    Label,
    Rel,
)
from graph.schema import label as L
from graph.schema import rel_type as T
from queries._common import check_choice, check_int, check_key, check_town, in_town, neo4j_cached, rate
from queries.models import CoverageResult, CoverageRow, NodeRef, UncoveredOrg

GROUPINGS = ("category", "town", "park", "industry", "association")
_GROUP_PROP = {
    "category": "org_category",
    "town": "town_code",
    "park": "park_code",
    "industry": "industry",
    "association": "association_uscc",
}

_MATCH_ORGS = f"""
  MATCH (o:{L(Label.ORGANIZATION)}) WHERE ($town IS NULL OR o.town_code = $town)
    AND coalesce(o.status, '') <> $deregistered
    AND ($category IS NULL OR o.org_category = $category)
    AND ($park IS NULL OR o.park_code = $park)
    AND ($industry IS NULL OR o.industry = $industry)
    AND ($association IS NULL OR o.association_uscc = $association)"""
_PO, _INS = L(Label.PARTY_ORG), L(Label.INSTRUCTOR)
_COVERS, _ASSIGNED = T(Rel.COVERS), T(Rel.ASSIGNED_TO)
_COVERED = "EXISTS { (:" + _PO + ")-[:" + _COVERS + "]->(o) }"
# An instructor serves the organisation, or a party organisation covering it.
_INSTRUCTED = (
    "EXISTS { (:" + _INS + ")-[:" + _ASSIGNED + "]->(o) }"
    " OR EXISTS { (:" + _INS + ")-[:" + _ASSIGNED + "]->(:" + _PO + ")-[:" + _COVERS + "]->(o) }"
)
# Counts per (category, group, covered, work covered), aggregated on the server, and the
# first $limit uncovered organisations by key: one record, whatever the district's size.
_COVERAGE = f"""
CALL {{{_MATCH_ORGS}
  WITH o, {_COVERED} AS covered
  WITH o, covered, covered OR {_INSTRUCTED} AS work
  WITH o.org_category AS c, o[$group] AS g, covered, work, count(*) AS n
  RETURN collect([c, g, covered, work, n]) AS counts
}}
CALL {{{_MATCH_ORGS}
    AND NOT {_COVERED}
  WITH o ORDER BY o.uscc LIMIT $limit
  RETURN collect([o.uscc, o.org_name, o.town_code, o.org_category, o.industry, o.park_code,
                  o.association_uscc, o.employees, {_INSTRUCTED}]) AS uncovered
}}
RETURN counts, uncovered
"""
COVERAGE = _COVERAGE
# With a town, the town_code index serves the MATCH.
COVERAGE_IN_TOWN = in_town(_COVERAGE, "o", Label.ORGANIZATION)
# Display names of the groups (towns, parks, associations).
GROUP_NAMES = {
    "town": f"MATCH (n:{L(Label.TOWN)}) WHERE n.town_code IN $keys RETURN n.town_code AS k, n.town_name AS v",
    "park": f"MATCH (n:{L(Label.PARK)}) WHERE n.park_code IN $keys RETURN n.park_code AS k, n.park_name AS v",
    "association": (
        f"MATCH (n:{L(Label.ORGANIZATION)}) WHERE n.uscc IN $keys RETURN n.uscc AS k, n.org_name AS v"
    ),
}


Counts = list[tuple[Any, Any, bool, bool, int]]  # (category, group value, covered, work covered, n)
Uncovered = list[
    tuple[Any, ...]
]  # (uscc, name, town, category, industry, park, association, employees, work)
_FILTERS = (
    ("town", "town_code"),
    ("category", "org_category"),
    ("park", "park_code"),
    ("industry", "industry"),
    ("association", "association_uscc"),
)


Facts = tuple[Counts, Uncovered, int]  # counts, the first `limit` uncovered by key, all uncovered


def _facts_neo4j(store: Any, params: dict[str, Any], limit: int | None) -> Facts:
    def fetch() -> Facts:
        text = COVERAGE_IN_TOWN if params["town"] is not None else COVERAGE
        row = store.read(text, {**params, "limit": 10**9 if limit is None else limit}, "coverage")[0]
        counts = [(c, g, bool(cov), bool(work), int(n)) for c, g, cov, work, n in row["counts"]]
        total = sum(n for _, _, cov, _, n in counts if not cov)
        return counts, [tuple(u) for u in row["uncovered"]], total

    return neo4j_cached(store, f"coverage:{limit}:" + repr(sorted(params.items())), fetch)


def _org_flags(ix: Any) -> list[tuple[dict[str, Any], bool, bool]]:
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


def _facts_embedded(store: Any, params: dict[str, Any], limit: int | None) -> Facts:
    from queries._embedded import index

    ix = index(store)
    filtered = any(params[k] is not None for k, _ in _FILTERS if k != "town")
    if filtered:
        counts, unc = _aggregate(ix, params)
    else:
        # The unfiltered answers (district or one town, per grouping) are kept per graph version.
        counts, unc = ix.derived(
            f"coverage:{params['town']}:{params['group']}", lambda: _aggregate(ix, params)
        )
    return counts, unc[:limit], len(unc)


def _aggregate(ix: Any, params: dict[str, Any]) -> tuple[Counts, Uncovered]:
    flags = ix.derived("coverage_flags", lambda: _org_flags(ix))
    if params["town"] is not None:

        def by_town() -> dict[Any, list[tuple[dict[str, Any], bool, bool]]]:
            out: dict[Any, list[tuple[dict[str, Any], bool, bool]]] = {}
            for f in flags:
                out.setdefault(f[0].get("town_code"), []).append(f)
            return out

        flags = ix.derived("coverage_flags_by_town", by_town).get(params["town"], [])
    filters = [(prop, params[k]) for k, prop in _FILTERS if params[k] is not None]
    agg: dict[tuple[Any, Any, bool, bool], int] = defaultdict(int)
    uncovered = []
    gprop = params["group"]
    for d, covered, work in flags:
        if any(d.get(p) != v for p, v in filters):
            continue
        agg[(d.get("org_category"), d.get(gprop), covered, work)] += 1
        if not covered:
            uncovered.append(
                (
                    d["uscc"],
                    d.get("org_name"),
                    d.get("town_code"),
                    d.get("org_category"),
                    d.get("industry"),
                    d.get("park_code"),
                    d.get("association_uscc"),
                    d.get("employees"),
                    work,
                )
            )
    uncovered.sort(key=lambda u: u[0])
    return [(*k, n) for k, n in agg.items()], uncovered


def _group_names(store: Any, by: str, keys: list[str]) -> dict[str, str]:
    if by not in GROUP_NAMES or not keys:
        return {}
    if store.backend == "neo4j":
        return {r["k"]: r["v"] for r in store.read(GROUP_NAMES[by], {"keys": keys}, f"coverage_names_{by}")}
    lab = {"town": Label.TOWN, "park": Label.PARK, "association": Label.ORGANIZATION}[by]
    prop = {"town": "town_name", "park": "park_name", "association": "org_name"}[by]
    return {k: p.get(prop) for k, p in store.fetch_nodes(lab, keys).items()}


def _row(group: str, name: str | None, counts: Counts) -> CoverageRow:
    total = sum(n for *_, n in counts)
    cov = sum(n for _, _, c, _, n in counts if c)
    work = sum(n for _, _, _, w, n in counts if w)
    return CoverageRow(
        group=group,
        group_name=name,
        total=total,
        covered=cov,
        rate=rate(cov, total),
        work_covered=work,
        work_rate=rate(work, total),
    )


def coverage(
    store: Any,
    *,
    town: str | None = None,
    by: str = "category",
    category: str | None = None,
    park: str | None = None,
    industry: str | None = None,
    association: str | None = None,
    limit: int | None = 1000,
) -> CoverageResult:
    """See :func:`queries.coverage` (the public wrapper)."""
    if limit is not None:
        check_int(limit, "limit", 0, 10**7)
    check_town(store, town)
    check_choice(by, GROUPINGS, "by")
    if category is not None:
        check_choice(category, ORG_CATEGORIES, "category")
    if park is not None:
        check_key(park, "园区")
    if association is not None:
        check_key(association, "协会")
    params = {
        "town": town,
        "category": category,
        "park": park,
        "industry": industry,
        "association": association,
        "deregistered": DEREGISTERED,
        "group": _GROUP_PROP[by],
    }
    facts = _facts_neo4j if store.backend == "neo4j" else _facts_embedded
    counts, unc, unc_total = facts(store, params, limit)

    groups: dict[str, Counts] = defaultdict(list)
    for c in counts:
        groups["" if c[1] is None else str(c[1])].append(c)
    names = _group_names(store, by, sorted(k for k in groups if k))
    out_rows = [_row(g, names.get(g) or (None if g else "（未填）"), groups[g]) for g in sorted(groups)]
    uncovered = [
        UncoveredOrg(
            org=NodeRef(label=Label.ORGANIZATION.value, key=u[0], name=u[1], town_code=u[2]),
            category=u[3],
            industry=u[4],
            park_code=u[5],
            association_uscc=u[6],
            employees=None if u[7] is None else int(u[7]),
            work_covered=bool(u[8]),
        )
        for u in unc
    ]
    return CoverageResult(
        town=town,
        by=by,  # type: ignore[arg-type]
        nonpublic=_row("nonpublic", "非公有制经济组织", [c for c in counts if c[0] in NONPUBLIC_CATEGORIES]),
        social=_row("social", "社会组织", [c for c in counts if c[0] in SOCIAL_CATEGORIES]),
        self_employed=_row(
            "self_employed", SELF_EMPLOYED_CATEGORY, [c for c in counts if c[0] == SELF_EMPLOYED_CATEGORY]
        ),
        rows=out_rows,
        uncovered=uncovered,
        uncovered_total=unc_total,
    )
