"""Question 4: a member's relationship and activity chains, and membership inconsistencies.

The inconsistencies (codes are stable, messages Chinese):

- ``activity_town_mismatch``: the activity party organisation sits in a town other than the
  employer's (both towns known; a district-level activity organisation is no mismatch).
- ``relationship_not_covering_employer``: the member has a relationship organisation and an
  employer, and neither the relationship organisation nor any party organisation above it,
  below the structural bodies (town / park / non-public committees and up), COVERS the
  employer ("关系在企业": a branch of a covering committee is fine).
- ``flagged_without_relationship``: 流动党员 / 隐性党员 with no relationship organisation.
- ``committee_without_post``: marked as a committee (班子) member, that is 交叉任职 = 是
  (cross-appointment is only defined for committee members), but with no 党内职务.
"""

from __future__ import annotations

from typing import Any

from graph.model import MEMBER_FLAGS, STRUCTURAL_KINDS, Label, Rel
from graph.schema import label as L
from graph.schema import rel_type as T
from queries._common import (
    STRUCTURAL,
    check_choice,
    check_town,
    fetch_one,
    in_scope,
    in_town,
    neo4j_cached,
    ref,
    ref_from,
)
from queries.models import ChainStep, Inconsistency, InconsistencyList, MembershipResult, NodeRef

CODES = (
    "activity_town_mismatch",
    "relationship_not_covering_employer",
    "flagged_without_relationship",
    "committee_without_post",
)
MAX_CHAIN = 12  # reporting lines are 3-5 deep; a guard against a cycle in bad data

_PO = L(Label.PARTY_ORG)
_PO_FIELDS = ".party_org_code, .party_org_name, .town_code, .kind, .level"

# One member: the two chains (each ordered upwards), employer and its coverers. Each link is
# the first by key, should bad data hold two (as on the embedded store).
MEMBERSHIP_ONE = f"""
MATCH (m:{L(Label.MEMBER)} {{member_id: $id}})
WITH m,
  head(COLLECT {{ MATCH (m)-[:{T(Rel.RELATIONSHIP_IN)}]->(x:{_PO})
                  RETURN x ORDER BY x.party_org_code }}) AS r,
  head(COLLECT {{ MATCH (m)-[:{T(Rel.ACTIVE_IN)}]->(x:{_PO}) RETURN x ORDER BY x.party_org_code }}) AS a,
  head(COLLECT {{ MATCH (m)-[:{T(Rel.WORKS_AT)}]->(x:{L(Label.ORGANIZATION)})
                  RETURN x ORDER BY x.uscc }}) AS e
RETURN m {{.*}} AS m,
  CASE WHEN r IS NULL THEN [] ELSE COLLECT {{
    MATCH p = (r)-[:{T(Rel.REPORTS_TO)}*0..{MAX_CHAIN}]->(x:{_PO})
    RETURN x {{{_PO_FIELDS}, d: length(p)}} }} END AS rchain,
  CASE WHEN a IS NULL THEN [] ELSE COLLECT {{
    MATCH p = (a)-[:{T(Rel.REPORTS_TO)}*0..{MAX_CHAIN}]->(x:{_PO})
    RETURN x {{{_PO_FIELDS}, d: length(p)}} }} END AS achain,
  e {{.uscc, .org_name, .town_code}} AS employer,
  CASE WHEN e IS NULL THEN [] ELSE COLLECT {{
    MATCH (c:{_PO})-[:{T(Rel.COVERS)}]->(e) RETURN c {{{_PO_FIELDS}}} }} END AS coverers
"""

# Members in scope that fail a check, with what the checks need, in one record. The
# covering check climbs the non-structural part of the relationship organisation's line;
# the direct COVERS case is tried first (CASE is lazy). The Python checks (_check) decide.
MEMBERSHIP_ALL = f"""
MATCH (m:{L(Label.MEMBER)}) WHERE ($town IS NULL OR m.town_code = $town)
WITH m,
  head(COLLECT {{ MATCH (m)-[:{T(Rel.RELATIONSHIP_IN)}]->(x:{_PO})
                  RETURN x ORDER BY x.party_org_code }}) AS r,
  head(COLLECT {{ MATCH (m)-[:{T(Rel.ACTIVE_IN)}]->(x:{_PO}) RETURN x ORDER BY x.party_org_code }}) AS a,
  head(COLLECT {{ MATCH (m)-[:{T(Rel.WORKS_AT)}]->(x:{L(Label.ORGANIZATION)})
                  RETURN x ORDER BY x.uscc }}) AS e
WITH m, r, a, e,
  CASE WHEN r IS NULL OR e IS NULL THEN null
       WHEN EXISTS {{ (r)-[:{T(Rel.COVERS)}]->(e) }} THEN true
       WHEN coalesce(r.kind, '') IN $structural THEN false
       ELSE EXISTS {{
         MATCH p = (r)-[:{T(Rel.REPORTS_TO)}*1..{MAX_CHAIN}]->(x:{_PO})-[:{T(Rel.COVERS)}]->(e)
         WHERE none(y IN nodes(p) WHERE coalesce(y.kind, '') IN $structural) }} END AS rel_covers
WHERE (a.town_code IS NOT NULL AND e.town_code IS NOT NULL AND a.town_code <> e.town_code)
   OR rel_covers = false
   OR (r IS NULL AND m.flag IN $flags)
   OR (m.cross_appointed = true AND coalesce(m.post, '') = '')
RETURN collect({{m: m {{.member_id, .name, .town_code, .flag, .post, .cross_appointed}},
  r: r {{{_PO_FIELDS}}}, a: a {{{_PO_FIELDS}}}, e: e {{.uscc, .org_name, .town_code}},
  rel_covers: rel_covers}}) AS rows
"""


MEMBERSHIP_ALL_IN_TOWN = in_town(MEMBERSHIP_ALL, "m", Label.MEMBER)


def _po_ref(d: dict[str, Any]) -> NodeRef:
    return ref_from(Label.PARTY_ORG.value, d["party_org_code"], d.get("party_org_name"), d.get("town_code"))


def _org_ref(d: dict[str, Any]) -> NodeRef:
    return ref_from(Label.ORGANIZATION.value, d["uscc"], d.get("org_name"), d.get("town_code"))


def _check(
    m: dict[str, Any],
    r: dict[str, Any] | None,
    a: dict[str, Any] | None,
    e: dict[str, Any] | None,
    rel_covers: bool | None,
    town: str | None,
) -> list[Inconsistency]:
    me = ref_from(Label.MEMBER.value, m["member_id"], m.get("name"), m.get("town_code"))
    out = []

    def po_name(x: dict[str, Any]) -> str:
        # A town user never sees another town's entities, not even by name.
        return (
            str(x.get("party_org_name")) if in_scope(Label.PARTY_ORG.value, x, town) else "其他镇街的党组织"
        )

    def org_name(x: dict[str, Any]) -> str:
        return str(x.get("org_name")) if in_scope(Label.ORGANIZATION.value, x, town) else "其他镇街的组织"

    if (
        a is not None
        and e is not None
        and a.get("town_code")
        and e.get("town_code")
        and a["town_code"] != e["town_code"]
    ):
        out.append(
            Inconsistency(
                member=me,
                code="activity_town_mismatch",
                message=f"活动所在党组织（{po_name(a)}）与工作单位（{org_name(e)}）不在同一镇街",
                related=[_po_ref(a), _org_ref(e)],
            )
        )
    if r is not None and e is not None and not rel_covers:
        out.append(
            Inconsistency(
                member=me,
                code="relationship_not_covering_employer",
                message=f"组织关系所在党组织（{po_name(r)}）未覆盖其工作单位（{org_name(e)}）",
                related=[_po_ref(r), _org_ref(e)],
            )
        )
    if r is None and m.get("flag") in MEMBER_FLAGS:
        out.append(
            Inconsistency(
                member=me,
                code="flagged_without_relationship",
                message=f"{m['flag']}尚无组织关系所在党组织",
                related=[_org_ref(e)] if e is not None else [],
            )
        )
    if m.get("cross_appointed") is True and not m.get("post"):
        out.append(
            Inconsistency(
                member=me,
                code="committee_without_post",
                message="标记为交叉任职的班子成员，但未填写党内职务（书记/副书记/委员）",
                related=[_po_ref(r)] if r is not None else [],
            )
        )
    return out


# --- one member -------------------------------------------------------------------------


def _chain_steps(rows: list[dict[str, Any]], town: str | None) -> list[ChainStep]:
    rows = sorted(rows, key=lambda x: x["d"])
    return [
        ChainStep(node=_po_ref(x), kind=x.get("kind"), level=x.get("level"))
        for x in rows
        if in_scope(Label.PARTY_ORG.value, x, town)
    ]


def _one_neo4j(store: Any, member_id: str) -> dict[str, Any]:
    return store.read(MEMBERSHIP_ONE, {"id": member_id}, "membership_one")[0]


def _one_embedded(store: Any, member_id: str) -> dict[str, Any]:
    from queries._embedded import index, props_of

    ix = index(store)
    nid = f"Member:{member_id}"
    po = Label.PARTY_ORG.value

    def first(rel: Rel, lab: str) -> str | None:
        for v in sorted(ix.out(nid, rel)):
            if ix.props(v)["_label"] == lab:
                return v
        return None

    def chain(start: str | None) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        seen: set[str] = set()
        cur, d = start, 0
        while cur is not None and cur not in seen and d <= MAX_CHAIN:
            seen.add(cur)
            p = ix.props(cur)
            out.append(
                {
                    **{
                        k: p.get(k)
                        for k in ("party_org_code", "party_org_name", "town_code", "kind", "level")
                    },
                    "d": d,
                }
            )
            ups = sorted(v for v in ix.out(cur, Rel.REPORTS_TO) if ix.props(v)["_label"] == po)
            cur, d = (ups[0] if ups else None), d + 1
        return out

    e = first(Rel.WORKS_AT, Label.ORGANIZATION.value)
    ep = ix.props(e) if e else None
    return {
        "m": props_of(ix.props(nid)),
        "rchain": chain(first(Rel.RELATIONSHIP_IN, po)),
        "achain": chain(first(Rel.ACTIVE_IN, po)),
        "employer": None if ep is None else {k: ep.get(k) for k in ("uscc", "org_name", "town_code")},
        "coverers": []
        if e is None
        else [
            {
                k: ix.props(c).get(k)
                for k in ("party_org_code", "party_org_name", "town_code", "kind", "level")
            }
            for c in ix.inn(e, Rel.COVERS)
            if ix.props(c)["_label"] == po
        ],
    }


def _covers_via_line(chain: list[dict[str, Any]], coverers: list[dict[str, Any]]) -> bool:
    cov = {c["party_org_code"] for c in coverers}
    for step in sorted(chain, key=lambda x: x["d"]):
        if step.get("kind") in STRUCTURAL_KINDS:
            return False
        if step["party_org_code"] in cov:
            return True
    return False


def membership(store: Any, *, member_id: str, town: str | None = None) -> MembershipResult:
    """See :func:`queries.membership` (the public wrapper)."""
    check_town(store, town)
    fetch_one(store, Label.MEMBER, member_id, town, "党员")
    row = _one_neo4j(store, member_id) if store.backend == "neo4j" else _one_embedded(store, member_id)
    m = row["m"]
    rchain, achain = row["rchain"], row["achain"]
    r = next((x for x in rchain if x["d"] == 0), None)
    a = next((x for x in achain if x["d"] == 0), None)
    e = row["employer"]
    coverers = sorted(row["coverers"], key=lambda c: c["party_org_code"])
    rel_covers = None if r is None or e is None else _covers_via_line(rchain, coverers)
    issues = _check(m, r, a, e, rel_covers, town)
    # Within a town scope, another town's entities are left out of the answer.
    issues = [i.model_copy(update={"related": [x for x in i.related if _visible(x, town)]}) for i in issues]
    employer = _org_ref(e) if e is not None and in_scope(Label.ORGANIZATION.value, e, town) else None
    return MembershipResult(
        member=ref(Label.MEMBER.value, m),
        member_type=m.get("member_type"),
        flag=m.get("flag"),
        post=m.get("post"),
        relationship_chain=_chain_steps(rchain, town),
        activity_chain=_chain_steps(achain, town),
        employer=employer,
        employer_covered_by=[_po_ref(c) for c in coverers if in_scope(Label.PARTY_ORG.value, c, town)],
        inconsistencies=issues,
    )


def _visible(n: NodeRef, town: str | None) -> bool:
    return in_scope(n.label, {"town_code": n.town_code}, town)


# --- the district-wide list -------------------------------------------------------------


def _all_neo4j(store: Any, town: str | None) -> list[dict[str, Any]]:
    params = {"town": town, "structural": STRUCTURAL, "flags": list(MEMBER_FLAGS)}
    rows: list[dict[str, Any]] = neo4j_cached(
        store,
        f"membership_all:{town}",
        lambda: store.read(MEMBERSHIP_ALL_IN_TOWN if town else MEMBERSHIP_ALL, params, "membership_all")[0][
            "rows"
        ],
    )
    return rows


def _all_embedded(store: Any, town: str | None) -> list[dict[str, Any]]:
    from queries._embedded import index

    ix = index(store)
    rows = ix.derived("membership_rows", lambda: _rows_embedded(ix))
    if town is None:
        return rows

    def by_town() -> dict[Any, list[dict[str, Any]]]:
        out: dict[Any, list[dict[str, Any]]] = {}
        for r in rows:
            out.setdefault(r["m"].get("town_code"), []).append(r)
        return out

    return ix.derived("membership_rows_by_town", by_town).get(town, [])


def _rows_embedded(ix: Any) -> list[dict[str, Any]]:
    po, org = Label.PARTY_ORG.value, Label.ORGANIZATION.value
    pf = ("party_org_code", "party_org_name", "town_code", "kind", "level")
    out = []

    def first(nid: str, rel: Rel, lab: str) -> str | None:
        for v in sorted(ix.out(nid, rel)):
            if ix.props(v)["_label"] == lab:
                return v
        return None

    for nid, d in ix.label_nodes(Label.MEMBER.value):
        r, a, e = (
            first(nid, Rel.RELATIONSHIP_IN, po),
            first(nid, Rel.ACTIVE_IN, po),
            first(nid, Rel.WORKS_AT, org),
        )
        rel_covers = None
        if r is not None and e is not None:
            cov = set(ix.inn(e, Rel.COVERS))
            rel_covers = False
            cur: str | None = r
            seen: set[str] = set()
            while cur is not None and cur not in seen and len(seen) <= MAX_CHAIN:
                seen.add(cur)
                if ix.props(cur).get("kind") in STRUCTURAL_KINDS:
                    break
                if cur in cov:
                    rel_covers = True
                    break
                ups = sorted(v for v in ix.out(cur, Rel.REPORTS_TO) if ix.props(v)["_label"] == po)
                cur = ups[0] if ups else None
        out.append(
            {
                "m": {
                    k: d.get(k) for k in ("member_id", "name", "town_code", "flag", "post", "cross_appointed")
                },
                "r": None if r is None else {k: ix.props(r).get(k) for k in pf},
                "a": None if a is None else {k: ix.props(a).get(k) for k in pf},
                "e": None
                if e is None
                else {k: ix.props(e).get(k) for k in ("uscc", "org_name", "town_code")},
                "rel_covers": rel_covers,
            }
        )
    return out


def membership_inconsistencies(
    store: Any, *, town: str | None = None, code: str | None = None
) -> InconsistencyList:
    """See :func:`queries.membership_inconsistencies` (the public wrapper)."""
    check_town(store, town)
    if code is not None:
        check_choice(code, CODES, "code")
    rows = _all_neo4j(store, town) if store.backend == "neo4j" else _all_embedded(store, town)
    items: list[Inconsistency] = []
    for row in rows:
        for i in _check(row["m"], row["r"], row["a"], row["e"], row["rel_covers"], town):
            if code is None or i.code == code:
                items.append(i.model_copy(update={"related": [x for x in i.related if _visible(x, town)]}))
    items.sort(key=lambda i: (i.member.key, CODES.index(i.code)))
    counts = {c: sum(1 for i in items if i.code == c) for c in CODES if code is None or c == code}
    return InconsistencyList(town=town, total=len(items), counts=counts, items=items)
