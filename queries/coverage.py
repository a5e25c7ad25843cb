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
from queries._common import check_choice, check_key, check_town, rate
from queries.models import CoverageResult, CoverageRow, NodeRef, UncoveredOrg

GROUPINGS = ("category", "town", "park", "industry", "association")
_GROUP_PROP = {
    "category": "org_category",
    "town": "town_code",
    "park": "park_code",
    "industry": "industry",
    "association": "association_uscc",
}

# One row per organisation in scope (注销 excluded), with both coverage flags. The town
# filter is written into the MATCH so the town_code index serves it.
COVERAGE_ORGS = f"""
MATCH (o:{L(Label.ORGANIZATION)}) WHERE ($town IS NULL OR o.town_code = $town)
  AND coalesce(o.status, '') <> $deregistered
  AND ($category IS NULL OR o.org_category = $category)
  AND ($park IS NULL OR o.park_code = $park)
  AND ($industry IS NULL OR o.industry = $industry)
  AND ($association IS NULL OR o.association_uscc = $association)
WITH o, EXISTS {{ (:{L(Label.PARTY_ORG)})-[:{T(Rel.COVERS)}]->(o) }} AS covered
RETURN o.uscc AS uscc, o.org_name AS name, o.town_code AS town_code, o.org_category AS category,
       o.industry AS industry, o.park_code AS park_code, o.association_uscc AS association_uscc,
       o.employees AS employees, covered,
       covered OR EXISTS {{ (:{L(Label.INSTRUCTOR)})-[:{T(Rel.ASSIGNED_TO)}]->(o) }}
               OR EXISTS {{ (:{L(Label.INSTRUCTOR)})-[:{T(Rel.ASSIGNED_TO)}]->(:{L(Label.PARTY_ORG)})
                            -[:{T(Rel.COVERS)}]->(o) }} AS work_covered
"""
COVERAGE_ORGS_IN_TOWN = COVERAGE_ORGS.replace(
    f"MATCH (o:{L(Label.ORGANIZATION)}) WHERE ($town IS NULL OR o.town_code = $town)",
    f"MATCH (o:{L(Label.ORGANIZATION)} {{town_code: $town}}) WHERE true",
)
# Display names of the groups (towns, parks, associations).
GROUP_NAMES = {
    "town": f"MATCH (n:{L(Label.TOWN)}) WHERE n.town_code IN $keys RETURN n.town_code AS k, n.town_name AS v",
    "park": f"MATCH (n:{L(Label.PARK)}) WHERE n.park_code IN $keys RETURN n.park_code AS k, n.park_name AS v",
    "association": (
        f"MATCH (n:{L(Label.ORGANIZATION)}) WHERE n.uscc IN $keys RETURN n.uscc AS k, n.org_name AS v"
    ),
}


def _orgs_neo4j(store: Any, params: dict[str, Any]) -> list[dict[str, Any]]:
    text = COVERAGE_ORGS_IN_TOWN if params["town"] is not None else COVERAGE_ORGS
    return store.read(text, params, "coverage_orgs")


def _orgs_embedded(store: Any, params: dict[str, Any]) -> list[dict[str, Any]]:
    from queries._embedded import index

    ix = index(store)
    org_l, po_l, ins_l = Label.ORGANIZATION.value, Label.PARTY_ORG.value, Label.INSTRUCTOR.value
    out = []
    filters = [
        (p, params[k])
        for k, p in (
            ("town", "town_code"),
            ("category", "org_category"),
            ("park", "park_code"),
            ("industry", "industry"),
            ("association", "association_uscc"),
        )
        if params[k] is not None
    ]
    for nid, d in ix.label_nodes(org_l):
        if d.get("status") == DEREGISTERED or any(d.get(p) != v for p, v in filters):
            continue
        coverers = [u for u in ix.inn(nid, Rel.COVERS) if ix.props(u)["_label"] == po_l]
        covered = bool(coverers)
        work = (
            covered
            or any(ix.props(u)["_label"] == ins_l for u in ix.inn(nid, Rel.ASSIGNED_TO))
            or any(ix.props(i)["_label"] == ins_l for p in coverers for i in ix.inn(p, Rel.ASSIGNED_TO))
        )
        out.append(
            {
                "uscc": d["uscc"],
                "name": d.get("org_name"),
                "town_code": d.get("town_code"),
                "category": d.get("org_category"),
                "industry": d.get("industry"),
                "park_code": d.get("park_code"),
                "association_uscc": d.get("association_uscc"),
                "employees": d.get("employees"),
                "covered": covered,
                "work_covered": work,
            }
        )
    return out


def _group_names(store: Any, by: str, keys: list[str]) -> dict[str, str]:
    if by not in GROUP_NAMES or not keys:
        return {}
    if store.backend == "neo4j":
        return {r["k"]: r["v"] for r in store.read(GROUP_NAMES[by], {"keys": keys}, f"coverage_names_{by}")}
    lab = {"town": Label.TOWN, "park": Label.PARK, "association": Label.ORGANIZATION}[by]
    prop = {"town": "town_name", "park": "park_name", "association": "org_name"}[by]
    return {k: p.get(prop) for k, p in store.fetch_nodes(lab, keys).items()}


def _row(group: str, name: str | None, rows: list[dict[str, Any]]) -> CoverageRow:
    total = len(rows)
    cov = sum(1 for r in rows if r["covered"])
    work = sum(1 for r in rows if r["work_covered"])
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
) -> CoverageResult:
    """See :func:`queries.coverage` (the public wrapper)."""
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
    }
    rows = _orgs_neo4j(store, params) if store.backend == "neo4j" else _orgs_embedded(store, params)
    rows.sort(key=lambda r: r["uscc"])

    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    prop = _GROUP_PROP[by]
    key_of = {"org_category": "category"}.get(prop, prop)
    for r in rows:
        g = r.get(key_of)
        groups["" if g is None else str(g)].append(r)
    names = _group_names(store, by, sorted(k for k in groups if k))
    out_rows = [_row(g, names.get(g) or (None if g else "（未填）"), groups[g]) for g in sorted(groups)]

    uncovered = [
        UncoveredOrg(
            org=NodeRef(
                label=Label.ORGANIZATION.value, key=r["uscc"], name=r["name"], town_code=r["town_code"]
            ),
            category=r["category"],
            industry=r["industry"],
            park_code=r["park_code"],
            association_uscc=r["association_uscc"],
            employees=None if r["employees"] is None else int(r["employees"]),
            work_covered=bool(r["work_covered"]),
        )
        for r in rows
        if not r["covered"]
    ]
    return CoverageResult(
        town=town,
        by=by,  # type: ignore[arg-type]
        nonpublic=_row(
            "nonpublic", "非公有制经济组织", [r for r in rows if r["category"] in NONPUBLIC_CATEGORIES]
        ),
        social=_row("social", "社会组织", [r for r in rows if r["category"] in SOCIAL_CATEGORIES]),
        self_employed=_row(
            "self_employed",
            SELF_EMPLOYED_CATEGORY,
            [r for r in rows if r["category"] == SELF_EMPLOYED_CATEGORY],
        ),
        rows=out_rows,
        uncovered=uncovered,
    )
