"""Entity pages, search and the four-level tree (for the API and the dashboard).

Neighbours outside the town scope are left out of every list.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from pydantic import Field

from graph.model import LABEL_ZH, MEMBER_FLAGS, NODE_KEYS, POSTS, Label, Rel
from graph.schema import label as L
from graph.schema import rel_type as T
from graph.store.base import CypherReader, FactSet, GraphStore, node_id
from graph.store.index import GraphIndex
from queries._common import LABEL_ORDER, NAMES, check_scope, fetch_one, ref, ref_from
from queries.cache import facts
from queries.models import (
    GapMember,
    Helper,
    JointBuilder,
    MemberDetail,
    MembershipResult,
    NodeRef,
    OrganizationDetail,
    OrgTree,
    PartyOrgDetail,
    SearchHit,
    SearchResult,
    TreeNode,
    VillageDetail,
)
from queries.params import MAX_PAGE, Params
from queries.question import Question, register
from queries.scope import Scope

_PO, _ORG = L(Label.PARTY_ORG), L(Label.ORGANIZATION)
MAX_PARENTS = 12
TOWN_COMMITTEE = "镇街两新党委"  # graph.model.PARTY_KINDS: the town's own committee


class OrganizationParams(Params):
    uscc: str = Field(min_length=1, max_length=100, description="统一社会信用代码")


class PartyOrgParams(Params):
    code: str = Field(min_length=1, max_length=100, description="党组织编码")


class MemberParams(Params):
    member_id: str = Field(min_length=1, max_length=100, description="党员编号")


class VillageParams(Params):
    code: str = Field(min_length=1, max_length=100, description="村社区编码")


class SearchParams(Params):
    q: str = Field(min_length=1, max_length=100, description="编码，或名称中的文字（不区分大小写）")
    limit: int = Field(20, ge=1, le=MAX_PAGE, description="每页条数")
    offset: int = Field(0, ge=0, le=10_000, description="跳过条数")


class OrgTreeParams(Params):
    pass


# Every relationship of one node, both directions, with the other end: the entity pages
# are assembled from this one list on both backends.
ENTITY_NEIGHBOURS = """
MATCH (n:%(label)s {%(key)s: $key})-[r]-(m)
RETURN collect({t: type(r), o: startNode(r) = n, l: labels(m)[0], p: properties(m), r: properties(r)}) AS rows
"""
# The reporting line upwards.
PARTY_ORG_PARENTS = f"""
MATCH p = (n:{_PO} {{party_org_code: $key}})-[:{T(Rel.REPORTS_TO)}*1..{MAX_PARENTS}]->(x:{_PO})
RETURN x {{.party_org_code, .party_org_name, .town_code}} AS x, length(p) AS d ORDER BY d
"""


def uncased_run(q: str) -> str:
    """The longest run of q without cased letters (Chinese, digits...), first on ties: a name
    containing q in any case contains this run as it is, so the name's TEXT index can seek it."""
    runs, cur = [], ""
    for c in q:
        if c.lower() == c.upper():
            cur += c
        else:
            runs.append(cur)
            cur = ""
    runs.append(cur)
    return max(runs, key=len)


def _search_cypher_text(scope: Scope, q: str) -> str:
    """A key equal to q, or a name containing it (case-insensitive), one CALL per label: the
    first ``$limit`` in the answer's order, and how many there are in all.

    A q without cased letters is contained in a name exactly when it is contained in the lowered
    name: the TEXT index answers it. With Latin letters, the index seeks q's longest uncased run
    ($qi) and lowered names are compared after; only a q of Latin letters alone scans the label."""
    if q.lower() == q.upper():
        name = "n.%(name)s CONTAINS $q"
    elif uncased_run(q):
        name = "n.%(name)s CONTAINS $qi AND toLower(n.%(name)s) CONTAINS $ql"
    else:  # a scan: one pass, collected (a second pass for the count would scan twice)
        part = """
CALL {
  MATCH (n:%(label)s)
  WHERE (n.%(key)s = $q OR toLower(n.%(name)s) CONTAINS $ql) AND %(scope)s
  WITH n.%(key)s AS k, n.%(name)s AS nm, n.town_code AS t
  ORDER BY (k = $q) DESC, size(coalesce(nm, '')), k
  WITH collect({k: k, n: nm, t: t}) AS found
  RETURN found[0..$limit] AS %(var)s, size(found) AS c%(var)s
}"""
        name = ""
    if name:
        found = f"""CALL {{
    MATCH (n:%(label)s {{%(key)s: $q}}) WHERE %(scope)s RETURN n
    UNION
    MATCH (n:%(label)s) WHERE {name} AND %(scope)s RETURN n
  }}"""
        # the page by a top-k sort, the total by a count: no list of every match is built
        part = f"""
CALL {{
  {found}
  WITH n.%(key)s AS k, n.%(name)s AS nm, n.town_code AS t
  ORDER BY (k = $q) DESC, size(coalesce(nm, '')), k
  LIMIT $limit
  RETURN collect({{k: k, n: nm, t: t}}) AS %(var)s
}}
CALL {{
  {found}
  RETURN count(n) AS c%(var)s
}}"""
    return (
        "".join(
            part
            % {
                "label": L(lab),
                "key": NODE_KEYS[lab],
                "name": NAMES[lab.value],
                "scope": scope.cypher("n"),
                "var": f"h{i}",
            }
            for i, lab in enumerate(LABEL_ORDER)
        )
        + "\nRETURN "
        + ", ".join(f"h{i}, ch{i}" for i in range(len(LABEL_ORDER)))
    )


def _tree_cypher_text(scope: Scope) -> str:
    """Every party organisation in scope with its parent and how much it covers."""
    return f"""
MATCH (p:{_PO}) WHERE {scope.cypher("p")}
OPTIONAL MATCH (p)-[:{T(Rel.REPORTS_TO)}]->(up:{_PO})
RETURN collect({{p: p {{.party_org_code, .party_org_name, .town_code, .kind, .level, .demo_tier}},
       parent: up.party_org_code, covers: COUNT {{ (p)-[:{T(Rel.COVERS)}]->(:{_ORG}) }}}}) AS rows
"""


# --- facts -----------------------------------------------------------------------------


class Neighbour(NamedTuple):
    """One relationship of a node, with the node at its other end."""

    type: str
    outgoing: bool
    label: str  # of the other end
    props: dict[str, Any]
    rel_props: dict[str, Any]


class NodeQuery(NamedTuple):
    label: Label
    key: str


def _neighbours_cypher(db: CypherReader, q: NodeQuery) -> list[Neighbour]:
    rows = db.read(
        ENTITY_NEIGHBOURS % {"label": L(q.label), "key": NODE_KEYS[q.label]},
        {"key": q.key},
        f"entity_neighbours_{q.label.value}",
    )[0]["rows"]
    return [Neighbour(x["t"], bool(x["o"]), x["l"], dict(x["p"]), _props(dict(x["r"]))) for x in rows]


def _props(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k not in ("_label", "_type", "rid")}


def _neighbours_networkx(ix: GraphIndex, q: NodeQuery) -> list[Neighbour]:
    g = ix.g
    nid = node_id(q.label, q.key)
    out = []
    for _, v, d in g.out_edges(nid, data=True):
        m = g.nodes[v]
        out.append(Neighbour(d["_type"], True, m["_label"], _props(m), _props(d)))
    for u, _, d in g.in_edges(nid, data=True):
        m = g.nodes[u]
        out.append(Neighbour(d["_type"], False, m["_label"], _props(m), _props(d)))
    return out


def _parents_cypher(db: CypherReader, code: str) -> list[dict[str, Any]]:
    return [r["x"] for r in db.read(PARTY_ORG_PARENTS, {"key": code}, "party_org_parents")]


def _parents_networkx(ix: GraphIndex, code: str) -> list[dict[str, Any]]:
    chain: list[dict[str, Any]] = []
    cur, seen = node_id(Label.PARTY_ORG, code), set()
    while len(chain) < MAX_PARENTS:
        seen.add(cur)
        ups = sorted(v for v in ix.out(cur, Rel.REPORTS_TO) if v not in seen)
        if not ups:
            break
        cur = ups[0]
        chain.append(ix.props(cur))
    return chain


class SearchQuery(NamedTuple):
    scope: Scope
    q: str
    fetch: int  # the first this many of each label


class Found(NamedTuple):
    key: str
    name: str | None
    town_code: str | None


@dataclass(frozen=True)
class LabelHits:
    label: Label
    total: int  # every match of the label in scope
    first: list[Found] = field(default_factory=list)  # up to ``fetch``, in the answer's order


def _search_cypher(db: CypherReader, q: SearchQuery) -> list[LabelHits]:
    row = db.read(
        _search_cypher_text(q.scope, q.q),
        {"q": q.q, "ql": q.q.lower(), "qi": uncased_run(q.q), **q.scope.params(), "limit": q.fetch},
        "search",
    )[0]
    return [
        LabelHits(lab, int(row[f"ch{i}"]), [Found(x["k"], x["n"], x["t"]) for x in row[f"h{i}"]])
        for i, lab in enumerate(LABEL_ORDER)
    ]


def _search_networkx(ix: GraphIndex, q: SearchQuery) -> list[LabelHits]:
    ql = q.q.lower()
    out = []
    for lab in LABEL_ORDER:
        key_prop, name_prop = NODE_KEYS[lab], NAMES[lab.value]

        def lowered_names(lab: Label = lab, name_prop: str = name_prop) -> list[Any]:
            return [(d, str(d.get(name_prop) or "").lower()) for _, d in ix.label_nodes(lab.value)]

        lowered = ix.derived(f"search_names:{lab.value}", lowered_names)
        found = [
            Found(d[key_prop], d.get(name_prop), d.get("town_code"))
            for d, low in lowered
            if (d.get(key_prop) == q.q or ql in low) and q.scope.admits(lab, d)
        ]
        found.sort(key=lambda f: (f.key != q.q, len(f.name or ""), str(f.key)))
        out.append(LabelHits(lab, len(found), found[: q.fetch]))
    return out


class TreeRow(NamedTuple):
    party_org: dict[str, Any]  # code, name, town, kind, level, demo tier
    parent: str | None
    covers: int


def _tree_cypher(db: CypherReader, scope: Scope) -> list[TreeRow]:
    rows = db.read(_tree_cypher_text(scope), scope.params(), "org_tree")[0]["rows"]
    return [TreeRow(r["p"], r["parent"], int(r["covers"])) for r in rows]


def _tree_networkx(ix: GraphIndex, scope: Scope) -> list[TreeRow]:
    po = Label.PARTY_ORG.value
    rows = []
    for nid, d in ix.scoped_nodes(po, scope):
        if not scope.admits(po, d):
            continue
        ups = sorted(v for v in ix.out(nid, Rel.REPORTS_TO) if ix.props(v)["_label"] == po)
        keys = ("party_org_code", "party_org_name", "town_code", "kind", "level", "demo_tier")
        rows.append(
            TreeRow(
                {k: d.get(k) for k in keys},
                ix.props(ups[0])["party_org_code"] if ups else None,
                sum(1 for v in ix.out(nid, Rel.COVERS) if ix.props(v)["_label"] == Label.ORGANIZATION.value),
            )
        )
    return rows


NEIGHBOURS = FactSet("entities.neighbours", cypher=_neighbours_cypher, networkx=_neighbours_networkx)
PARENTS = FactSet("entities.parents", cypher=_parents_cypher, networkx=_parents_networkx)
SEARCH_HITS = FactSet("entities.search", cypher=_search_cypher, networkx=_search_networkx)
TREE = FactSet("entities.tree", cypher=_tree_cypher, networkx=_tree_networkx)


# --- the answers -----------------------------------------------------------------------


def _pick(nb: list[Neighbour], rel: Rel, out: bool, label: Label, scope: Scope) -> list[NodeRef]:
    refs = {
        ref(x.label, x.props).id: ref(x.label, x.props)
        for x in nb
        if x.type == rel.value
        and x.outgoing == out
        and x.label == label.value
        and scope.admits(x.label, x.props)
    }
    return [refs[k] for k in sorted(refs)]


def _one(refs: list[NodeRef]) -> NodeRef | None:
    return refs[0] if refs else None


def _member_counts(members: list[dict[str, Any]]) -> dict[str, int]:
    counts = {"正式党员": 0, "预备党员": 0, "流动党员": 0, "隐性党员": 0}
    for m in members:
        if m.get("member_type") in counts:
            counts[m["member_type"]] += 1
        if m.get("flag") in MEMBER_FLAGS:
            counts[m["flag"]] += 1
    counts["合计"] = len(members)
    return counts


def _helpers(nb: list[Neighbour], scope: Scope) -> list[Helper]:
    out = [
        Helper(helper=ref(x.label, x.props), since=x.rel_props.get("since"), status=x.rel_props.get("status"))
        for x in nb
        if x.type == Rel.HELPS_BUILD.value and not x.outgoing and scope.admits(x.label, x.props)
    ]
    return sorted(out, key=lambda h: (h.helper.label, h.helper.key, h.since or ""))


def _ends(nb: list[Neighbour], rel: Rel, scope: Scope) -> list[dict[str, Any]]:
    """Properties of the nodes at the far end of incoming relationships of a type, in scope."""
    return [x.props for x in nb if x.type == rel.value and not x.outgoing and scope.admits(x.label, x.props)]


# Columns naming another organisation: a town user sees the name of one in another town, never its key.
_OTHER_ORG_COLUMNS = ((Rel.IN_ASSOCIATION, "association_uscc", "association_name"),
                      (Rel.SUBSIDIARY_OF, "parent_uscc", "parent_name"))  # fmt: skip


# A member's columns naming an organisation or party organisation: another town's is left out.
_MEMBER_COLUMNS = ((Rel.WORKS_AT, "employer_uscc", None),
                   (Rel.RELATIONSHIP_IN, "relationship_org", None),
                   (Rel.ACTIVE_IN, "activity_org", None))  # fmt: skip


def _outside_named(
    props: dict[str, Any], nb: list[Neighbour], scope: Scope, columns: Any = _OTHER_ORG_COLUMNS
) -> dict[str, Any]:
    """The properties with every key of an entity outside the scope left out (or named, where the
    column says so)."""
    shown = dict(props)
    for rel, key_prop, name_prop in columns:
        for x in nb:
            if x.type == rel.value and x.outgoing and not scope.admits(x.label, x.props):
                shown.pop(key_prop, None)
                if name_prop:
                    shown[name_prop] = x.props.get(NAMES[x.label])
    return shown


def organization_detail(props: dict[str, Any], nb: list[Neighbour], scope: Scope) -> OrganizationDetail:
    """One organisation's page from its neighbours (pure)."""
    O, P = Label.ORGANIZATION, Label.PARTY_ORG  # noqa: E741
    return OrganizationDetail(
        org=ref(O.value, props),
        properties=dict(sorted(_outside_named(props, nb, scope).items())),
        town=_one(_pick(nb, Rel.LOCATED_IN, True, Label.TOWN, scope)),
        park=_one(_pick(nb, Rel.IN_PARK, True, Label.PARK, scope)),
        association=_one(_pick(nb, Rel.IN_ASSOCIATION, True, O, scope)),
        parent=_one(_pick(nb, Rel.SUBSIDIARY_OF, True, O, scope)),
        subsidiaries=_pick(nb, Rel.SUBSIDIARY_OF, False, O, scope),
        association_members=_pick(nb, Rel.IN_ASSOCIATION, False, O, scope),
        covered_by=_pick(nb, Rel.COVERS, False, P, scope),
        instructors=_pick(nb, Rel.ASSIGNED_TO, False, Label.INSTRUCTOR, scope),
        paired_by=_pick(nb, Rel.PAIRED_WITH, False, P, scope),
        villages=_pick(nb, Rel.JOINT_BUILDS_WITH, True, Label.VILLAGE, scope),
        helpers=_helpers(nb, scope),
        member_counts=_member_counts(_ends(nb, Rel.WORKS_AT, scope)),
    )


def _node(
    store: GraphStore, scope: Scope, label: Label, key: str, what: str
) -> tuple[dict[str, Any], list[Neighbour]]:
    """One node of the scope (NotFound otherwise) and its neighbours."""
    check_scope(store, scope)
    return fetch_one(store, label, key, scope, what), store.facts(NEIGHBOURS, NodeQuery(label, key))


def organization(store: GraphStore, scope: Scope, p: OrganizationParams) -> OrganizationDetail:
    """One organisation with its place, coverage, instructors, pairings and member counts.

    Example
    -------
    >>> ORGANIZATION(store, Scope(), OrganizationParams(uscc="O01")).covered_by  # doctest: +SKIP
    """
    return organization_detail(*_node(store, scope, Label.ORGANIZATION, p.uscc, "组织"), scope)


def party_org_detail(
    props: dict[str, Any], nb: list[Neighbour], chain: list[dict[str, Any]], scope: Scope
) -> PartyOrgDetail:
    """One party organisation's page from its neighbours and reporting line (pure)."""
    P = Label.PARTY_ORG
    members = _ends(nb, Rel.RELATIONSHIP_IN, scope)
    committee = sorted(
        (m for m in members if m.get("post") in POSTS),
        key=lambda m: (POSTS.index(m["post"]), m["member_id"]),
    )
    return PartyOrgDetail(
        party_org=ref(P.value, props),
        properties=dict(sorted(props.items())),
        parents=[ref(P.value, x) for x in chain if scope.admits(P, x)],
        children=_pick(nb, Rel.REPORTS_TO, False, P, scope),
        covers=_pick(nb, Rel.COVERS, True, Label.ORGANIZATION, scope),
        instructors=_pick(nb, Rel.ASSIGNED_TO, False, Label.INSTRUCTOR, scope),
        paired_with=sorted(
            _pick(nb, Rel.PAIRED_WITH, True, P, scope)
            + _pick(nb, Rel.PAIRED_WITH, True, Label.ORGANIZATION, scope),
            key=lambda r: r.id,
        ),
        paired_by=_pick(nb, Rel.PAIRED_WITH, False, P, scope),
        member_counts=_member_counts(members),
        committee=[
            GapMember(member=ref(Label.MEMBER.value, m), member_type=m.get("member_type"), flag=m.get("flag"))
            for m in committee
        ],
    )


def party_org(store: GraphStore, scope: Scope, p: PartyOrgParams) -> PartyOrgDetail:
    """One party organisation with its reporting line, children, coverage and committee.

    Example
    -------
    >>> PARTY_ORG(store, Scope(), PartyOrgParams(code="PO1")).parents  # doctest: +SKIP
    """
    props, nb = _node(store, scope, Label.PARTY_ORG, p.code, "党组织")
    return party_org_detail(props, nb, store.facts(PARENTS, p.code), scope)


# Never on a page: keyed hashes of ID numbers and phones, and the key they were made with.
_SECRET = ("_hash", "key_id")


def member_detail(
    props: dict[str, Any], nb: list[Neighbour], membership: MembershipResult, scope: Scope
) -> MemberDetail:
    """One member's page from the member's neighbours and membership answer (pure)."""
    O, P = Label.ORGANIZATION, Label.PARTY_ORG  # noqa: E741
    return MemberDetail(
        member=ref(Label.MEMBER.value, props),
        properties={
            k: v
            for k, v in sorted(_outside_named(props, nb, scope, _MEMBER_COLUMNS).items())
            if not any(x in k for x in _SECRET)
        },
        employer=_one(_pick(nb, Rel.WORKS_AT, True, O, scope)),
        relationship_org=_one(_pick(nb, Rel.RELATIONSHIP_IN, True, P, scope)),
        activity_org=_one(_pick(nb, Rel.ACTIVE_IN, True, P, scope)),
        helps_build=_pick(nb, Rel.HELPS_BUILD, True, O, scope),
        contacts=sum(1 for x in nb if x.type == Rel.CONTACTED.value and scope.admits(x.label, x.props)),
        membership=membership,
    )


def member(store: GraphStore, scope: Scope, p: MemberParams) -> MemberDetail:
    """One member: masked details, employer, relationship and activity organisations with their
    chains, help-build targets and inconsistencies.

    Example
    -------
    >>> MEMBER(store, Scope(), MemberParams(member_id="M01")).relationship_org  # doctest: +SKIP
    """
    from queries.membership import MEMBERSHIP, MembershipParams

    props, nb = _node(store, scope, Label.MEMBER, p.member_id, "党员")
    return member_detail(props, nb, MEMBERSHIP(store, scope, MembershipParams(member_id=p.member_id)), scope)


def village_detail(
    props: dict[str, Any],
    nb: list[Neighbour],
    town_nb: list[Neighbour],
    builders_nb: dict[str, list[Neighbour]],
    scope: Scope,
) -> VillageDetail:
    """One village's page from its neighbours, its town's and its joint builders' (pure)."""
    O, P = Label.ORGANIZATION, Label.PARTY_ORG  # noqa: E741
    links = {
        x.props["uscc"]: x.rel_props
        for x in nb
        if x.type == Rel.JOINT_BUILDS_WITH.value and scope.admits(x.label, x.props)
    }
    committees = sorted(
        (
            ref(P.value, x.props)
            for x in town_nb
            if x.label == P.value and x.props.get("kind") == TOWN_COMMITTEE
        ),
        key=lambda r: r.key,
    )
    return VillageDetail(
        village=ref(Label.VILLAGE.value, props),
        properties=dict(sorted(props.items())),
        town=_one(_pick(nb, Rel.LOCATED_IN, True, Label.TOWN, scope)),
        town_committees=committees,
        joint_builders=[
            JointBuilder(
                org=o,
                covered_by=_pick(builders_nb.get(o.key, []), Rel.COVERS, False, P, scope),
                properties=dict(sorted(links.get(o.key, {}).items())),
            )
            for o in _pick(nb, Rel.JOINT_BUILDS_WITH, False, O, scope)
        ],
    )


def village(store: GraphStore, scope: Scope, p: VillageParams) -> VillageDetail:
    """One village: its town and town committee, the organisations building jointly with it and
    their party organisations.

    Example
    -------
    >>> VILLAGE(store, Scope(), VillageParams(code="V1")).joint_builders  # doctest: +SKIP
    """
    props, nb = _node(store, scope, Label.VILLAGE, p.code, "村社区")
    town = props.get("town_code")
    town_nb = store.facts(NEIGHBOURS, NodeQuery(Label.TOWN, str(town))) if town else []
    builders = sorted(
        x.props["uscc"]
        for x in nb
        if x.type == Rel.JOINT_BUILDS_WITH.value and scope.admits(x.label, x.props)
    )
    builders_nb = {k: store.facts(NEIGHBOURS, NodeQuery(Label.ORGANIZATION, k)) for k in builders}
    return village_detail(props, nb, town_nb, builders_nb, scope)


def search_page(q: str, per_label: list[LabelHits], limit: int, offset: int) -> SearchResult:
    """Exact key matches first, then label order, name length, key; one page and the total (pure)."""
    hits: list[tuple[tuple[Any, ...], SearchHit]] = []
    for rank, lh in enumerate(per_label):
        for f in lh.first:
            exact = f.key == q
            hit = SearchHit(
                node=ref_from(lh.label.value, f.key, f.name, f.town_code),
                label_zh=LABEL_ZH[lh.label],
                matched="key" if exact else "name",
            )
            hits.append(((not exact, rank, len(f.name or ""), str(f.key)), hit))
    hits.sort(key=lambda h: h[0])
    total = sum(lh.total for lh in per_label)
    return SearchResult(total=total, offset=offset, items=[h for _, h in hits[offset : offset + limit]])


def search(store: GraphStore, scope: Scope, p: SearchParams) -> SearchResult:
    """Entities whose key equals or whose name contains ``q`` (case-insensitive): one page of
    hits and how many there are in all.

    Example
    -------
    >>> SEARCH(store, Scope("T01"), SearchParams(q="公司", limit=10)).total  # doctest: +SKIP
    """
    check_scope(store, scope)
    q = p.q.strip()
    if not q:
        return SearchResult(total=0, offset=p.offset, items=[])
    per_label = store.facts(SEARCH_HITS, SearchQuery(scope, q, p.offset + p.limit))
    return search_page(q, per_label, p.limit, p.offset)


def tree(rows: list[TreeRow], scope: Scope) -> OrgTree:
    """The tree from REPORTS_TO, children sorted by key (pure)."""
    by_code = {r.party_org["party_org_code"]: r for r in rows}
    children: dict[str | None, list[str]] = defaultdict(list)
    for code, r in by_code.items():
        parent = r.parent if r.parent in by_code else None
        children[parent].append(code)

    def build(code: str, depth: int) -> TreeNode:
        r = by_code[code]
        p = r.party_org
        kids = [build(c, depth + 1) for c in sorted(children.get(code, []))] if depth < MAX_PARENTS else []
        return TreeNode(
            node=ref_from(Label.PARTY_ORG.value, code, p.get("party_org_name"), p.get("town_code")),
            kind=p.get("kind"),
            level=p.get("level"),
            demo_tier=p.get("demo_tier"),
            covers=r.covers,
            descendants=sum(1 + k.descendants for k in kids),
            children=kids,
        )

    roots = [build(c, 0) for c in sorted(children.get(None, []))]
    return OrgTree(town=scope.town, roots=roots, total=len(by_code))


def org_tree(store: GraphStore, scope: Scope, p: OrgTreeParams) -> OrgTree:
    """The four-level tree: 区委 -> 区委两新工委 -> town / non-public / park committees -> party orgs.

    Example
    -------
    >>> ORG_TREE(store, Scope("T01"), OrgTreeParams()).total  # doctest: +SKIP
    """
    check_scope(store, scope)
    return tree(facts(store, TREE, scope), scope)


ORGANIZATION = register(
    Question("organization", "组织详情", OrganizationParams, OrganizationDetail, organization)
)
PARTY_ORG = register(
    Question("party_org", "党组织详情", PartyOrgParams, PartyOrgDetail, party_org, personal=True)
)
MEMBER = register(Question("member", "党员详情", MemberParams, MemberDetail, member, personal=True))
VILLAGE = register(Question("village", "村社区详情", VillageParams, VillageDetail, village))
SEARCH = register(Question("search", "搜索", SearchParams, SearchResult, search, personal=True))
ORG_TREE = register(Question("org_tree", "组织架构", OrgTreeParams, OrgTree, org_tree))
