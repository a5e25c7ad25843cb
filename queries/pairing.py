"""Question 5: the 示范帮扶 and 村企联建 networks.

示范帮扶: every demonstration point in scope (of the tier, if given) and the partners it
is PAIRED_WITH; ``unpaired_points`` are points without partners; ``uncovered_unpaired``
are uncovered organisations (not 注销, not 个体工商户) that no demonstration point pairs.
村企联建: organisations and the villages they JOINT_BUILDS_WITH; ``unpaired_points`` are
villages in scope nobody builds with (the tier filter does not apply).
With a town scope, nodes and edges outside it are left out.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import networkx as nx

from graph.model import DEMO_TIERS, DEREGISTERED, PAIRING_TYPES, REL_ZH, SELF_EMPLOYED_CATEGORY, Label, Rel
from graph.schema import label as L
from graph.schema import rel_type as T
from queries._common import FK, NAMES, check_choice, check_town, in_scope, in_town, neo4j_cached, ref_from
from queries.models import EdgeRef, NetworkNode, NodeRef, PairingNetwork, PartnerCount

_PO, _ORG, _VIL = L(Label.PARTY_ORG), L(Label.ORGANIZATION), L(Label.VILLAGE)
_SCOPE_T = "($town IS NULL OR t.town_code = $town OR (t:`PartyOrg` AND t.town_code IS NULL))"

# Demonstration points in scope with their in-scope partners.
PAIRING_DEMO = f"""
MATCH (d:{_PO}) WHERE d.demo_tier IS NOT NULL AND ($tier IS NULL OR d.demo_tier = $tier)
  AND ($town IS NULL OR d.town_code = $town OR d.town_code IS NULL)
WITH d, COLLECT {{ MATCH (d)-[r:{T(Rel.PAIRED_WITH)}]->(t) WHERE {_SCOPE_T}
            RETURN {{l: labels(t)[0], k: t[$fk[labels(t)[0]]], n: t[$names[labels(t)[0]]], t: t.town_code,
                    tier: t.demo_tier, covered: EXISTS {{ (:{_PO})-[:{T(Rel.COVERS)}]->(t) }},
                    p: properties(r)}} }} AS partners
RETURN collect({{d: d {{.party_org_code, .party_org_name, .town_code, .demo_tier}},
                 partners: partners}}) AS rows
"""
# Uncovered organisations in scope that nobody pairs with.
PAIRING_UNCOVERED_UNPAIRED = f"""
MATCH (o:{_ORG}) WHERE ($town IS NULL OR o.town_code = $town)
  AND coalesce(o.status, '') <> $deregistered AND coalesce(o.org_category, '') <> $self_employed
  AND NOT EXISTS {{ (:{_PO})-[:{T(Rel.COVERS)}]->(o) }}
  AND NOT EXISTS {{ (:{_PO})-[:{T(Rel.PAIRED_WITH)}]->(o) }}
RETURN collect([o.uscc, o.org_name, o.town_code]) AS rows
"""
# Enterprise–village joint building in scope.
PAIRING_JOINT = f"""
MATCH (o:{_ORG}) WHERE ($town IS NULL OR o.town_code = $town)
MATCH (o)-[r:{T(Rel.JOINT_BUILDS_WITH)}]->(v:{_VIL})
WHERE $town IS NULL OR v.town_code = $town
RETURN collect({{o: o {{.uscc, .org_name, .town_code, .above_scale}},
                 v: v {{.village_code, .village_name, .town_code}}, p: properties(r)}}) AS rows
"""
PAIRING_VILLAGES = f"""
MATCH (v:{_VIL}) WHERE ($town IS NULL OR v.town_code = $town)
RETURN collect({{k: v.village_code, n: v.village_name, t: v.town_code,
                 built: EXISTS {{ (:{_ORG})-[:{T(Rel.JOINT_BUILDS_WITH)}]->(v) }}}}) AS rows
"""


PAIRING_UNCOVERED_UNPAIRED_IN_TOWN = in_town(PAIRING_UNCOVERED_UNPAIRED, "o", Label.ORGANIZATION)
PAIRING_JOINT_IN_TOWN = in_town(PAIRING_JOINT, "o", Label.ORGANIZATION)
PAIRING_VILLAGES_IN_TOWN = in_town(PAIRING_VILLAGES, "v", Label.VILLAGE)


def _clean(props: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in sorted(props.items()) if k not in ("rid", "_type")}


# --- facts -----------------------------------------------------------------------------
# Both return (points, edges, unpaired, uncovered_unpaired):
#   points: [(NodeRef, attrs)], edges: [(src NodeRef, dst NodeRef, dst attrs, props)].


def _demo_neo4j(store: Any, town: str | None, tier: str | None) -> tuple[Any, Any, Any, Any]:
    rows = store.read(PAIRING_DEMO, {"town": town, "tier": tier, "fk": FK, "names": NAMES}, "pairing_demo")[
        0
    ]["rows"]
    points, edges = [], []
    for r in rows:
        d = r["d"]
        src = ref_from(Label.PARTY_ORG.value, d["party_org_code"], d["party_org_name"], d["town_code"])
        points.append((src, {"kind": "demo_point", "demo_tier": d["demo_tier"]}))
        for p in r["partners"]:
            dst = ref_from(p["l"], p["k"], p["n"], p["t"])
            edges.append((src, dst, _partner_attrs(p["l"], p["tier"], p["covered"]), _clean(p["p"])))
    unc = store.read(
        PAIRING_UNCOVERED_UNPAIRED_IN_TOWN if town else PAIRING_UNCOVERED_UNPAIRED,
        {"town": town, "deregistered": DEREGISTERED, "self_employed": SELF_EMPLOYED_CATEGORY},
        "pairing_uncovered_unpaired",
    )[0]["rows"]
    uncovered = [ref_from(Label.ORGANIZATION.value, *u) for u in unc]
    unpaired = [src for src, _ in points if not any(e[0].key == src.key for e in edges)]
    return points, edges, unpaired, uncovered


def _partner_attrs(label: str, tier: Any, covered: bool) -> dict[str, Any]:
    if label == Label.PARTY_ORG.value:
        return {"kind": "demo_point" if tier else "party_org", "demo_tier": tier}
    return {"kind": "organization", "covered": bool(covered)}


def _demo_embedded(store: Any, town: str | None, tier: str | None) -> tuple[Any, Any, Any, Any]:
    from queries._embedded import index

    ix = index(store)
    po, org = Label.PARTY_ORG.value, Label.ORGANIZATION.value
    points, edges = [], []
    for nid, d in ix.scoped_nodes(po, town):
        if d.get("demo_tier") is None or (tier is not None and d.get("demo_tier") != tier):
            continue
        if not in_scope(po, d, town):
            continue
        src = ref_from(po, d["party_org_code"], d.get("party_org_name"), d.get("town_code"))
        points.append((src, {"kind": "demo_point", "demo_tier": d["demo_tier"]}))
        for v, e in ix.out_edges(nid, Rel.PAIRED_WITH):
            t = ix.props(v)
            lab = t["_label"]
            if not in_scope(lab, t, town):
                continue
            covered = any(ix.props(c)["_label"] == po for c in ix.inn(v, Rel.COVERS))
            dst = ref_from(lab, t[FK[lab]], t.get(NAMES[lab]), t.get("town_code"))
            edges.append((src, dst, _partner_attrs(lab, t.get("demo_tier"), covered), _clean(e)))
    uncovered = []
    for nid, d in ix.town_nodes(org, town):
        if (
            (town is not None and d.get("town_code") != town)
            or d.get("status") == DEREGISTERED
            or d.get("org_category") == SELF_EMPLOYED_CATEGORY
        ):
            continue
        if any(ix.props(c)["_label"] == po for c in ix.inn(nid, Rel.COVERS)):
            continue
        if any(ix.props(c)["_label"] == po for c in ix.inn(nid, Rel.PAIRED_WITH)):
            continue
        uncovered.append(ref_from(org, d["uscc"], d.get("org_name"), d.get("town_code")))
    unpaired = [src for src, _ in points if not any(e[0].key == src.key for e in edges)]
    return points, edges, unpaired, uncovered


def _joint_neo4j(store: Any, town: str | None) -> tuple[Any, Any, Any, Any]:
    rows = store.read(PAIRING_JOINT_IN_TOWN if town else PAIRING_JOINT, {"town": town}, "pairing_joint")[0][
        "rows"
    ]
    edges = []
    for r in rows:
        o, v = r["o"], r["v"]
        src = ref_from(Label.ORGANIZATION.value, o["uscc"], o["org_name"], o["town_code"])
        dst = ref_from(Label.VILLAGE.value, v["village_code"], v["village_name"], v["town_code"])
        edges.append((src, dst, {"kind": "village"}, _clean(r["p"])))
    vil = store.read(
        PAIRING_VILLAGES_IN_TOWN if town else PAIRING_VILLAGES, {"town": town}, "pairing_villages"
    )[0]["rows"]
    unpaired = [ref_from(Label.VILLAGE.value, x["k"], x["n"], x["t"]) for x in vil if not x["built"]]
    return [], edges, unpaired, []


def _joint_embedded(store: Any, town: str | None) -> tuple[Any, Any, Any, Any]:
    from queries._embedded import index

    ix = index(store)
    org, vil = Label.ORGANIZATION.value, Label.VILLAGE.value
    edges = []
    for nid, d in ix.town_nodes(org, town):
        for v, e in ix.out_edges(nid, Rel.JOINT_BUILDS_WITH):
            t = ix.props(v)
            if t["_label"] != vil:
                continue
            if town is not None and not (d.get("town_code") == town and t.get("town_code") == town):
                continue
            src = ref_from(org, d["uscc"], d.get("org_name"), d.get("town_code"))
            dst = ref_from(vil, t["village_code"], t.get("village_name"), t.get("town_code"))
            edges.append((src, dst, {"kind": "village"}, _clean(e)))
    unpaired = [
        ref_from(vil, d["village_code"], d.get("village_name"), d.get("town_code"))
        for nid, d in ix.town_nodes(vil, town)
        if (town is None or d.get("town_code") == town)
        and not any(ix.props(u)["_label"] == org for u in ix.inn(nid, Rel.JOINT_BUILDS_WITH))
    ]
    return [], edges, unpaired, []


# --- shared assembly ---------------------------------------------------------------------


def pairing(
    store: Any, *, town: str | None = None, pairing_type: str = "示范帮扶", tier: str | None = None
) -> PairingNetwork:
    """See :func:`queries.pairing` (the public wrapper)."""
    check_town(store, town)
    check_choice(pairing_type, PAIRING_TYPES, "pairing_type")
    if tier is not None:
        check_choice(tier, DEMO_TIERS, "tier")
    neo = store.backend == "neo4j"
    if pairing_type == "示范帮扶":
        rel = Rel.PAIRED_WITH
        points, edges, unpaired, uncovered = (
            neo4j_cached(store, f"pairing_demo:{town}:{tier}", lambda: _demo_neo4j(store, town, tier))
            if neo
            else _demo_embedded(store, town, tier)
        )
    else:
        rel, tier = Rel.JOINT_BUILDS_WITH, None
        points, edges, unpaired, uncovered = (
            neo4j_cached(store, f"pairing_joint:{town}", lambda: _joint_neo4j(store, town))
            if neo
            else _joint_embedded(store, town)
        )

    nodes: dict[str, NetworkNode] = {}
    for r, attrs in points:
        nodes[r.id] = NetworkNode(id=r.id, node=r, attrs=attrs)
    for src, dst, dattrs, _ in edges:
        if src.id not in nodes:
            nodes[src.id] = NetworkNode(id=src.id, node=src, attrs={"kind": "organization"})
        if dst.id not in nodes or nodes[dst.id].attrs.get("kind") != "demo_point":
            nodes[dst.id] = NetworkNode(id=dst.id, node=dst, attrs=dattrs)
    if rel is Rel.JOINT_BUILDS_WITH:
        for v in unpaired:
            nodes.setdefault(v.id, NetworkNode(id=v.id, node=v, attrs={"kind": "village"}))

    edge_refs = sorted(
        (
            EdgeRef(type=rel.value, type_zh=REL_ZH[rel], source=s.id, target=d.id, properties=p)
            for s, d, _, p in edges
        ),
        key=lambda e: (e.source, e.target),
    )
    by_src: dict[str, list[NodeRef]] = defaultdict(list)
    src_ref: dict[str, NodeRef] = {}
    for s, d, _, _ in edges:
        by_src[s.id].append(d)
        src_ref[s.id] = s
    for r, _ in points:
        src_ref.setdefault(r.id, r)
        by_src.setdefault(r.id, [])
    partners = [
        PartnerCount(
            source=src_ref[sid],
            demo_tier=nodes[sid].attrs.get("demo_tier"),
            partners=sorted(by_src[sid], key=lambda x: x.id),
            count=len(by_src[sid]),
        )
        for sid in sorted(by_src, key=lambda s: (-len(by_src[s]), s))
    ]

    g = nx.Graph()
    g.add_nodes_from(sorted(nodes))
    g.add_edges_from((e.source, e.target) for e in edge_refs)
    comps = sorted((sorted(c) for c in nx.connected_components(g)), key=lambda c: (-len(c), c[0]))

    return PairingNetwork(
        pairing_type=pairing_type,  # type: ignore[arg-type]
        town=town,
        tier=tier,
        nodes=[nodes[k] for k in sorted(nodes)],
        edges=edge_refs,
        unpaired_points=sorted(unpaired, key=lambda x: x.key),
        uncovered_unpaired=sorted(uncovered, key=lambda x: x.key),
        partners=partners,
        components=comps,
    )
