"""Entity pages, search and the four-level tree (for the API and the dashboard).

Neighbours outside the town scope are left out of every list.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from graph.model import LABEL_ZH, MEMBER_FLAGS, NODE_KEYS, POSTS, Label, Rel
from graph.schema import label as L
from graph.schema import rel_type as T
from queries._common import (
    LABEL_ORDER,
    NAMES,
    check_int,
    check_town,
    fetch_one,
    in_scope,
    neo4j_cached,
    ref,
    ref_from,
)
from queries.models import (
    GapMember,
    Helper,
    NodeRef,
    OrganizationDetail,
    OrgTree,
    PartyOrgDetail,
    SearchHit,
    TreeNode,
)

_PO, _ORG = L(Label.PARTY_ORG), L(Label.ORGANIZATION)

# Every relationship of one node, both directions, with the other end: the entity pages
# are assembled from this one list on both backends.
ENTITY_NEIGHBOURS = """
MATCH (n:%(label)s {%(key)s: $key})-[r]-(m)
RETURN collect([type(r), startNode(r) = n, labels(m)[0], properties(m), properties(r)]) AS rows
"""
# The reporting line upwards.
PARTY_ORG_PARENTS = f"""
MATCH p = (n:{_PO} {{party_org_code: $key}})-[:{T(Rel.REPORTS_TO)}*1..12]->(x:{_PO})
RETURN x {{.party_org_code, .party_org_name, .town_code}} AS x, length(p) AS d ORDER BY d
"""
# Search: a key equal to q, or a name containing it (case-insensitive), one CALL per label.
_SEARCH_PART = """
CALL {
  MATCH (n:%(label)s)
  WHERE (n.%(key)s = $q OR toLower(n.%(name)s) CONTAINS $ql)
    AND ($town IS NULL OR n.town_code = $town OR (n:`PartyOrg` AND n.town_code IS NULL))
  WITH n.%(key)s AS k, n.%(name)s AS nm, n.town_code AS t
  ORDER BY (k = $q) DESC, size(coalesce(nm, '')), k LIMIT $limit
  RETURN collect([k, nm, t]) AS %(var)s
}"""
SEARCH = (
    "".join(
        _SEARCH_PART % {"label": L(lab), "key": NODE_KEYS[lab], "name": NAMES[lab.value], "var": f"h{i}"}
        for i, lab in enumerate(LABEL_ORDER)
    )
    + "\nRETURN "
    + ", ".join(f"h{i}" for i in range(len(LABEL_ORDER)))
)
# The tree: every party organisation in scope with its parent and how much it covers.
ORG_TREE = f"""
MATCH (p:{_PO}) WHERE $town IS NULL OR p.town_code = $town OR p.town_code IS NULL
OPTIONAL MATCH (p)-[:{T(Rel.REPORTS_TO)}]->(up:{_PO})
RETURN collect({{p: p {{.party_org_code, .party_org_name, .town_code, .kind, .level, .demo_tier}},
       parent: up.party_org_code, covers: COUNT {{ (p)-[:{T(Rel.COVERS)}]->(:{_ORG}) }}}}) AS rows
"""


def _neighbours(
    store: Any, label: Label, key: str
) -> list[tuple[str, bool, str, dict[str, Any], dict[str, Any]]]:
    """(type, outgoing, other label, other properties, relationship properties)."""
    if store.backend == "neo4j":
        rows = store.read(
            ENTITY_NEIGHBOURS % {"label": L(label), "key": NODE_KEYS[label]},
            {"key": key},
            f"entity_neighbours_{label.value}",
        )[0]["rows"]
        return [(t, bool(o), lab, dict(p), dict(rp)) for t, o, lab, p, rp in rows]
    from queries._embedded import index, props_of

    ix = index(store)
    g = ix.g
    nid = f"{label.value}:{key}"
    out = []
    for _, v, d in g.out_edges(nid, data=True):
        m = g.nodes[v]
        out.append((d["_type"], True, m["_label"], props_of(m), props_of(d)))
    for u, _, d in g.in_edges(nid, data=True):
        m = g.nodes[u]
        out.append((d["_type"], False, m["_label"], props_of(m), props_of(d)))
    return out


def _pick(nb: list[Any], rel: Rel, out: bool, label: Label, town: str | None) -> list[NodeRef]:
    refs = {
        ref(lab, p).id: ref(lab, p)
        for t, o, lab, p, _ in nb
        if t == rel.value and o == out and lab == label.value and in_scope(lab, p, town)
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


def _helpers(nb: list[Any], town: str | None) -> list[Helper]:
    out = [
        Helper(helper=ref(lab, p), since=rp.get("since"), status=rp.get("status"))
        for t, o, lab, p, rp in nb
        if t == Rel.HELPS_BUILD.value and not o and in_scope(lab, p, town)
    ]
    return sorted(out, key=lambda h: (h.helper.label, h.helper.key, h.since or ""))


def organization(store: Any, uscc: str, town: str | None = None) -> OrganizationDetail:
    """See :func:`queries.organization` (the public wrapper)."""
    check_town(store, town)
    props = fetch_one(store, Label.ORGANIZATION, uscc, town, "组织")
    nb = _neighbours(store, Label.ORGANIZATION, uscc)
    O, P = Label.ORGANIZATION, Label.PARTY_ORG  # noqa: E741
    members = [p for t, o, lab, p, _ in nb if t == Rel.WORKS_AT.value and not o and in_scope(lab, p, town)]
    return OrganizationDetail(
        org=ref(O.value, props),
        properties=dict(sorted(props.items())),
        town=_one(_pick(nb, Rel.LOCATED_IN, True, Label.TOWN, town)),
        park=_one(_pick(nb, Rel.IN_PARK, True, Label.PARK, town)),
        association=_one(_pick(nb, Rel.IN_ASSOCIATION, True, O, town)),
        parent=_one(_pick(nb, Rel.SUBSIDIARY_OF, True, O, town)),
        subsidiaries=_pick(nb, Rel.SUBSIDIARY_OF, False, O, town),
        association_members=_pick(nb, Rel.IN_ASSOCIATION, False, O, town),
        covered_by=_pick(nb, Rel.COVERS, False, P, town),
        instructors=_pick(nb, Rel.ASSIGNED_TO, False, Label.INSTRUCTOR, town),
        paired_by=_pick(nb, Rel.PAIRED_WITH, False, P, town),
        villages=_pick(nb, Rel.JOINT_BUILDS_WITH, True, Label.VILLAGE, town),
        helpers=_helpers(nb, town),
        member_counts=_member_counts(members),
    )


def party_org(store: Any, code: str, town: str | None = None) -> PartyOrgDetail:
    """See :func:`queries.party_org` (the public wrapper)."""
    check_town(store, town)
    props = fetch_one(store, Label.PARTY_ORG, code, town, "党组织")
    nb = _neighbours(store, Label.PARTY_ORG, code)
    P = Label.PARTY_ORG
    if store.backend == "neo4j":
        chain = [r["x"] for r in store.read(PARTY_ORG_PARENTS, {"key": code}, "party_org_parents")]
    else:
        from queries._embedded import index

        ix = index(store)
        chain, cur, seen = [], f"PartyOrg:{code}", set()
        while len(chain) < 12:
            seen.add(cur)
            ups = sorted(v for v in ix.out(cur, Rel.REPORTS_TO) if v not in seen)
            if not ups:
                break
            cur = ups[0]
            chain.append(ix.props(cur))
    parents = [ref(P.value, x) for x in chain if in_scope(P.value, x, town)]
    members = [
        p for t, o, lab, p, _ in nb if t == Rel.RELATIONSHIP_IN.value and not o and in_scope(lab, p, town)
    ]
    committee = sorted(
        (m for m in members if m.get("post") in POSTS),
        key=lambda m: (POSTS.index(m["post"]), m["member_id"]),
    )
    return PartyOrgDetail(
        party_org=ref(P.value, props),
        properties=dict(sorted(props.items())),
        parents=parents,
        children=_pick(nb, Rel.REPORTS_TO, False, P, town),
        covers=_pick(nb, Rel.COVERS, True, Label.ORGANIZATION, town),
        instructors=_pick(nb, Rel.ASSIGNED_TO, False, Label.INSTRUCTOR, town),
        paired_with=sorted(
            _pick(nb, Rel.PAIRED_WITH, True, P, town)
            + _pick(nb, Rel.PAIRED_WITH, True, Label.ORGANIZATION, town),
            key=lambda r: r.id,
        ),
        paired_by=_pick(nb, Rel.PAIRED_WITH, False, P, town),
        member_counts=_member_counts(members),
        committee=[
            GapMember(member=ref(Label.MEMBER.value, m), member_type=m.get("member_type"), flag=m.get("flag"))
            for m in committee
        ],
    )


def search(store: Any, q: str, town: str | None = None, limit: int = 20) -> list[SearchHit]:
    """See :func:`queries.search` (the public wrapper)."""
    check_town(store, town)
    check_int(limit, "limit", 1, 500)
    if not isinstance(q, str) or not q.strip() or len(q) > 100:
        return []
    q = q.strip()
    ql = q.lower()
    hits: list[tuple[tuple[Any, ...], SearchHit]] = []
    if store.backend == "neo4j":
        row = store.read(SEARCH, {"q": q, "ql": ql, "town": town, "limit": limit}, "search")[0]
        found_by = [[tuple(x) for x in row[f"h{i}"]] for i in range(len(LABEL_ORDER))]
    else:
        from queries._embedded import index

        ix = index(store)
        found_by = []
        for lab in LABEL_ORDER:
            key_prop, name_prop = NODE_KEYS[lab], NAMES[lab.value]

            def lowered_names(lab: Label = lab, name_prop: str = name_prop) -> list[Any]:
                return [(d, str(d.get(name_prop) or "").lower()) for _, d in ix.label_nodes(lab.value)]

            lowered = ix.derived(f"search_names:{lab.value}", lowered_names)
            found_by.append(
                [
                    (d[key_prop], d.get(name_prop), d.get("town_code"))
                    for d, low in lowered
                    if (d.get(key_prop) == q or ql in low) and in_scope(lab.value, d, town)
                ]
            )
    for rank, (lab, found) in enumerate(zip(LABEL_ORDER, found_by, strict=True)):
        for k, n, t in found:
            exact = k == q
            hit = SearchHit(
                node=ref_from(lab.value, k, n, t), label_zh=LABEL_ZH[lab], matched="key" if exact else "name"
            )
            hits.append(((not exact, rank, len(n or ""), str(k)), hit))
    hits.sort(key=lambda h: h[0])
    return [h for _, h in hits[:limit]]


def org_tree(store: Any, town: str | None = None) -> OrgTree:
    """See :func:`queries.org_tree` (the public wrapper)."""
    check_town(store, town)
    if store.backend == "neo4j":
        rows = neo4j_cached(
            store, f"org_tree:{town}", lambda: store.read(ORG_TREE, {"town": town}, "org_tree")[0]["rows"]
        )
    else:
        from queries._embedded import index

        ix = index(store)
        rows = []
        for nid, d in ix.scoped_nodes(Label.PARTY_ORG.value, town):
            if not in_scope(Label.PARTY_ORG.value, d, town):
                continue
            ups = sorted(v for v in ix.out(nid, Rel.REPORTS_TO) if ix.props(v)["_label"] == "PartyOrg")
            rows.append(
                {
                    "p": {
                        k: d.get(k)
                        for k in (
                            "party_org_code",
                            "party_org_name",
                            "town_code",
                            "kind",
                            "level",
                            "demo_tier",
                        )
                    },
                    "parent": ix.props(ups[0])["party_org_code"] if ups else None,
                    "covers": sum(
                        1 for v in ix.out(nid, Rel.COVERS) if ix.props(v)["_label"] == "Organization"
                    ),
                }
            )
    by_code = {r["p"]["party_org_code"]: r for r in rows}
    children: dict[str | None, list[str]] = defaultdict(list)
    for code, r in by_code.items():
        parent = r["parent"] if r["parent"] in by_code else None
        children[parent].append(code)

    def build(code: str, depth: int) -> TreeNode:
        r = by_code[code]
        p = r["p"]
        kids = [build(c, depth + 1) for c in sorted(children.get(code, []))] if depth < 12 else []
        return TreeNode(
            node=ref_from(Label.PARTY_ORG.value, code, p.get("party_org_name"), p.get("town_code")),
            kind=p.get("kind"),
            level=p.get("level"),
            demo_tier=p.get("demo_tier"),
            covers=int(r["covers"]),
            descendants=sum(1 + k.descendants for k in kids),
            children=kids,
        )

    roots = [build(c, 0) for c in sorted(children.get(None, []))]
    return OrgTree(town=town, roots=roots, total=len(by_code))
