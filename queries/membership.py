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

from dataclasses import dataclass
from typing import Any, get_args

from pydantic import Field

from graph.model import MEMBER_FLAGS, STRUCTURAL_KINDS, Label, Rel
from graph.schema import label as L
from graph.schema import rel_type as T
from graph.store.base import CypherReader, FactSet, GraphStore, node_id
from graph.store.index import GraphIndex
from queries._common import STRUCTURAL, check_key, check_scope, not_found, ref, ref_from, visible
from queries.cache import facts
from queries.models import (
    ChainStep,
    Inconsistency,
    InconsistencyCode,
    InconsistencyList,
    MembershipResult,
    NodeRef,
)
from queries.params import Params
from queries.question import Question, register
from queries.scope import Scope

CODES: tuple[str, ...] = get_args(InconsistencyCode)
CODE_ZH: dict[str, str] = {
    "activity_town_mismatch": "活动地与所在镇街不一致",
    "relationship_not_covering_employer": "关系所在党组织未覆盖工作单位",
    "flagged_without_relationship": "流动/隐性党员无组织关系",
    "committee_without_post": "交叉任职但无党内职务",
}
MAX_CHAIN = 12  # reporting lines are 3-5 deep; a guard against a cycle in bad data


class MembershipParams(Params):
    member_id: str = Field(min_length=1, max_length=100, description="党员编号")


class InconsistencyParams(Params):
    code: InconsistencyCode | None = Field(None, description="只看某类不一致（不填则全部）")


_PO = L(Label.PARTY_ORG)
_PO_KEYS = ("party_org_code", "party_org_name", "town_code", "kind", "level")
_PO_FIELDS = ", ".join(f".{k}" for k in _PO_KEYS)
_ORG_KEYS = ("uscc", "org_name", "town_code")
_MEMBER_KEYS = ("member_id", "name", "town_code", "flag", "post", "cross_appointed")

# A member's first relationship org, activity org and employer (each the first by key, should bad
# data hold two, as on the embedded store).
_LINKS = f"""WITH m,
  head(COLLECT {{ MATCH (m)-[:{T(Rel.RELATIONSHIP_IN)}]->(x:{_PO})
                  RETURN x ORDER BY x.party_org_code }}) AS r,
  head(COLLECT {{ MATCH (m)-[:{T(Rel.ACTIVE_IN)}]->(x:{_PO}) RETURN x ORDER BY x.party_org_code }}) AS a,
  head(COLLECT {{ MATCH (m)-[:{T(Rel.WORKS_AT)}]->(x:{L(Label.ORGANIZATION)})
                  RETURN x ORDER BY x.uscc }}) AS e"""

# One member: the two chains (each ordered upwards), employer and its coverers.
MEMBERSHIP_ONE = f"""
MATCH (m:{L(Label.MEMBER)} {{member_id: $id}})
{_LINKS}
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


def _all_cypher_text(scope: Scope) -> str:
    """Members in scope that fail a check, with what the checks need, in one record. The
    covering check climbs the non-structural part of the relationship organisation's line;
    the direct COVERS case is tried first (CASE is lazy). The Python checks (_check) decide."""
    return f"""
{scope.match("m", Label.MEMBER)}
{_LINKS}
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


# --- facts -----------------------------------------------------------------------------
# Party organisations, employers and members are carried as their properties (the keys
# above), as both sides read them.


@dataclass(frozen=True)
class MemberLinks:
    """A member with its first relationship org, activity org and employer."""

    m: dict[str, Any]
    r: dict[str, Any] | None
    a: dict[str, Any] | None
    e: dict[str, Any] | None
    rel_covers: bool | None  # the relationship line covers the employer (None: nothing to check)


@dataclass(frozen=True)
class MemberChains:
    """One member: both chains upwards (each step with its depth ``d``), employer, coverers."""

    m: dict[str, Any]
    rchain: list[dict[str, Any]]
    achain: list[dict[str, Any]]
    employer: dict[str, Any] | None
    coverers: list[dict[str, Any]]


def _pick(p: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: p.get(k) for k in keys}


def _one_cypher(db: CypherReader, member_id: str) -> MemberChains | None:
    rows = db.read(MEMBERSHIP_ONE, {"id": member_id}, "membership_one")
    if not rows:
        return None
    r = rows[0]
    return MemberChains(r["m"], r["rchain"], r["achain"], r["employer"], r["coverers"])


def _first(ix: GraphIndex, nid: str, rel: Rel, lab: str) -> str | None:
    for v in sorted(ix.out(nid, rel)):
        if ix.props(v)["_label"] == lab:
            return v
    return None


def _ups(ix: GraphIndex, nid: str) -> str | None:
    ups = sorted(v for v in ix.out(nid, Rel.REPORTS_TO) if ix.props(v)["_label"] == Label.PARTY_ORG.value)
    return ups[0] if ups else None


def _one_networkx(ix: GraphIndex, member_id: str) -> MemberChains | None:
    nid = node_id(Label.MEMBER, member_id)
    if nid not in ix.nodes:
        return None
    po = Label.PARTY_ORG.value

    def chain(start: str | None) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        seen: set[str] = set()
        cur, d = start, 0
        while cur is not None and cur not in seen and d <= MAX_CHAIN:
            seen.add(cur)
            out.append({**_pick(ix.props(cur), _PO_KEYS), "d": d})
            cur, d = _ups(ix, cur), d + 1
        return out

    e = _first(ix, nid, Rel.WORKS_AT, Label.ORGANIZATION.value)
    return MemberChains(
        m={k: v for k, v in ix.props(nid).items() if k not in ("_label", "_type", "rid")},
        rchain=chain(_first(ix, nid, Rel.RELATIONSHIP_IN, po)),
        achain=chain(_first(ix, nid, Rel.ACTIVE_IN, po)),
        employer=None if e is None else _pick(ix.props(e), _ORG_KEYS),
        coverers=[]
        if e is None
        else [_pick(ix.props(c), _PO_KEYS) for c in ix.inn(e, Rel.COVERS) if ix.props(c)["_label"] == po],
    )


def _all_cypher(db: CypherReader, scope: Scope) -> list[MemberLinks]:
    params = {**scope.params(), "structural": STRUCTURAL, "flags": list(MEMBER_FLAGS)}
    rows = db.read(_all_cypher_text(scope), params, "membership_all")[0]["rows"]
    return [MemberLinks(r["m"], r["r"], r["a"], r["e"], r["rel_covers"]) for r in rows]


def _links(ix: GraphIndex, nid: str, d: dict[str, Any]) -> MemberLinks:
    po, org = Label.PARTY_ORG.value, Label.ORGANIZATION.value
    r, a, e = (
        _first(ix, nid, Rel.RELATIONSHIP_IN, po),
        _first(ix, nid, Rel.ACTIVE_IN, po),
        _first(ix, nid, Rel.WORKS_AT, org),
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
            cur = _ups(ix, cur)
    return MemberLinks(
        m=_pick(d, _MEMBER_KEYS),
        r=None if r is None else _pick(ix.props(r), _PO_KEYS),
        a=None if a is None else _pick(ix.props(a), _PO_KEYS),
        e=None if e is None else _pick(ix.props(e), _ORG_KEYS),
        rel_covers=rel_covers,
    )


def _all_networkx(ix: GraphIndex, scope: Scope) -> list[MemberLinks]:
    # Every member once per graph version; a town's are the ones it owns.
    rows: list[MemberLinks] = ix.derived(
        "membership_rows", lambda: [_links(ix, nid, d) for nid, d in ix.label_nodes(Label.MEMBER.value)]
    )
    return [x for x in rows if scope.owns(x.m)]


MEMBER_CHAINS = FactSet("membership.one", cypher=_one_cypher, networkx=_one_networkx)
MEMBER_LINKS = FactSet("membership.all", cypher=_all_cypher, networkx=_all_networkx)


# --- the answers -----------------------------------------------------------------------


def _po_ref(d: dict[str, Any]) -> NodeRef:
    return ref_from(Label.PARTY_ORG.value, d["party_org_code"], d.get("party_org_name"), d.get("town_code"))


def _org_ref(d: dict[str, Any]) -> NodeRef:
    return ref_from(Label.ORGANIZATION.value, d["uscc"], d.get("org_name"), d.get("town_code"))


def _check(x: MemberLinks, scope: Scope) -> list[Inconsistency]:
    m, r, a, e = x.m, x.r, x.a, x.e
    me = ref_from(Label.MEMBER.value, m["member_id"], m.get("name"), m.get("town_code"))
    out: list[Inconsistency] = []

    def add(code: str, message: str, related: list[NodeRef]) -> None:
        out.append(Inconsistency(member=me, code=code, message=message, related=related))

    def po_name(p: dict[str, Any]) -> str:
        # A town user never sees another town's entities, not even by name.
        return str(p.get("party_org_name")) if scope.admits(Label.PARTY_ORG, p) else "其他镇街的党组织"

    def org_name(o: dict[str, Any]) -> str:
        return str(o.get("org_name")) if scope.admits(Label.ORGANIZATION, o) else "其他镇街的组织"

    if (
        a is not None
        and e is not None
        and a.get("town_code")
        and e.get("town_code")
        and a["town_code"] != e["town_code"]
    ):
        add(
            "activity_town_mismatch",
            f"活动所在党组织（{po_name(a)}）与工作单位（{org_name(e)}）不在同一镇街",
            [_po_ref(a), _org_ref(e)],
        )
    if r is not None and e is not None and not x.rel_covers:
        add(
            "relationship_not_covering_employer",
            f"组织关系所在党组织（{po_name(r)}）未覆盖其工作单位（{org_name(e)}）",
            [_po_ref(r), _org_ref(e)],
        )
    if r is None and m.get("flag") in MEMBER_FLAGS:
        add(
            "flagged_without_relationship",
            f"{m['flag']}尚无组织关系所在党组织",
            [_org_ref(e)] if e is not None else [],
        )
    if m.get("cross_appointed") is True and not m.get("post"):
        add(
            "committee_without_post",
            "标记为交叉任职的班子成员，但未填写党内职务（书记/副书记/委员）",
            [_po_ref(r)] if r is not None else [],
        )
    # Within a town scope, another town's entities are left out of the answer.
    return [i.model_copy(update={"related": [n for n in i.related if visible(n, scope)]}) for i in out]


def _chain_steps(rows: list[dict[str, Any]], scope: Scope) -> list[ChainStep]:
    rows = sorted(rows, key=lambda x: x["d"])
    return [
        ChainStep(node=_po_ref(x), kind=x.get("kind"), level=x.get("level"))
        for x in rows
        if scope.admits(Label.PARTY_ORG, x)
    ]


def _covers_via_line(chain: list[dict[str, Any]], coverers: list[dict[str, Any]]) -> bool:
    cov = {c["party_org_code"] for c in coverers}
    for step in sorted(chain, key=lambda x: x["d"]):
        if step.get("kind") in STRUCTURAL_KINDS:
            return False
        if step["party_org_code"] in cov:
            return True
    return False


def member_answer(f: MemberChains, scope: Scope) -> MembershipResult:
    """One member's chains, employer and inconsistencies from the facts (pure)."""
    r = next((x for x in f.rchain if x["d"] == 0), None)
    a = next((x for x in f.achain if x["d"] == 0), None)
    e = f.employer
    coverers = sorted(f.coverers, key=lambda c: c["party_org_code"])
    rel_covers = None if r is None or e is None else _covers_via_line(f.rchain, coverers)
    links = MemberLinks(f.m, None if r is None else _pick(r, _PO_KEYS), a, e, rel_covers)
    return MembershipResult(
        member=ref(Label.MEMBER.value, f.m),
        member_type=f.m.get("member_type"),
        flag=f.m.get("flag"),
        post=f.m.get("post"),
        relationship_chain=_chain_steps(f.rchain, scope),
        activity_chain=_chain_steps(f.achain, scope),
        employer=_org_ref(e) if e is not None and scope.admits(Label.ORGANIZATION, e) else None,
        employer_covered_by=[_po_ref(c) for c in coverers if scope.admits(Label.PARTY_ORG, c)],
        inconsistencies=_check(links, scope),
    )


def membership(store: GraphStore, scope: Scope, p: MembershipParams) -> MembershipResult:
    """One member's relationship chain, activity chain, employer and inconsistencies.

    Example
    -------
    >>> MEMBERSHIP(store, Scope("T01"), MembershipParams(member_id="M0001")).employer  # doctest: +SKIP
    """
    check_scope(store, scope)
    check_key(p.member_id, "党员")
    # the member's own properties come with the chains (one round trip): the scope is checked on them
    f = store.facts(MEMBER_CHAINS, p.member_id)
    if f is None or not scope.admits(Label.MEMBER, f.m):
        raise not_found("党员", p.member_id)
    return member_answer(f, scope)


def inconsistency_list(rows: list[MemberLinks], scope: Scope, code: str | None) -> InconsistencyList:
    """The list, sorted by member key then code, with counts per code (pure)."""
    items = [i for x in rows for i in _check(x, scope) if code is None or i.code == code]
    items.sort(key=lambda i: (i.member.key, CODES.index(i.code)))
    counts = {c: sum(1 for i in items if i.code == c) for c in CODES if code is None or c == code}
    return InconsistencyList(town=scope.town, total=len(items), counts=counts, items=items)


def membership_inconsistencies(store: GraphStore, scope: Scope, p: InconsistencyParams) -> InconsistencyList:
    """The district-wide (or one town's) list of membership inconsistencies.

    Example
    -------
    >>> INCONSISTENCIES(store, Scope(), InconsistencyParams(code="committee_without_post"))  # doctest: +SKIP
    """
    check_scope(store, scope)
    return inconsistency_list(facts(store, MEMBER_LINKS, scope), scope, p.code)


MEMBERSHIP = register(
    Question("membership", "党员组织关系", MembershipParams, MembershipResult, membership, personal=True)
)
INCONSISTENCIES = register(
    Question(
        "membership_inconsistencies",
        "组织关系不一致清单",
        InconsistencyParams,
        InconsistencyList,
        membership_inconsistencies,
        personal=True,
    )
)
