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
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

import networkx as nx
from pydantic import Field

from graph.model import REL_ZH, SELF_EMPLOYED_CATEGORY, Label, Rel
from graph.schema import label as L
from graph.schema import rel_type as T
from graph.schema.cypher import covered_cypher, has_in_cypher
from graph.store.base import CypherReader, FactSet, GraphStore
from graph.store.index import GraphIndex
from queries._common import FK, NAMES, check_scope, ref_from
from queries.cache import facts
from queries.coverage import scope_rows
from queries.models import DemoTier, EdgeRef, NetworkNode, NodeRef, PairingNetwork, PairingType, PartnerCount
from queries.params import Params
from queries.question import Question, register
from queries.scope import Scope

_PO, _ORG, _VIL = L(Label.PARTY_ORG), L(Label.ORGANIZATION), L(Label.VILLAGE)


class PairingParams(Params):
    pairing_type: PairingType = Field("示范帮扶", description="结对类型：示范帮扶 / 村企联建")
    tier: DemoTier | None = Field(None, description="示范点等级（仅示范帮扶）：市级 / 区级 / 镇街级")


# --- facts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Pair:
    """One pairing relationship, with what the answer needs to know of its target."""

    source: NodeRef
    target: NodeRef
    props: dict[str, Any]
    target_tier: str | None = None  # a partner party organisation's demonstration tier
    target_covered: bool = False  # a partner organisation some party organisation COVERS


@dataclass(frozen=True)
class PairingFacts:
    points: list[tuple[NodeRef, str]] = field(default_factory=list)  # demonstration points, tier
    pairs: list[Pair] = field(default_factory=list)
    unpaired: list[NodeRef] = field(default_factory=list)  # points / villages nobody pairs
    # uncovered organisations nobody pairs: added by the answer from the district aggregates
    uncovered: list[NodeRef] = field(default_factory=list)


class DemoQuery(NamedTuple):
    scope: Scope
    tier: str | None


def _clean(props: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in sorted(props.items()) if k not in ("rid", "_type")}


def _demo_cypher(db: CypherReader, p: DemoQuery) -> PairingFacts:
    scope = p.scope
    # Demonstration points in scope with their in-scope partners.
    demo = f"""
MATCH (d:{_PO}) WHERE d.demo_tier IS NOT NULL AND ($tier IS NULL OR d.demo_tier = $tier)
  AND {scope.cypher("d")}
WITH d, COLLECT {{ MATCH (d)-[r:{T(Rel.PAIRED_WITH)}]->(t) WHERE {scope.cypher("t")}
            RETURN {{l: labels(t)[0], k: t[$fk[labels(t)[0]]], n: t[$names[labels(t)[0]]], t: t.town_code,
                    tier: t.demo_tier, covered: {covered_cypher("t")},
                    p: properties(r)}} }} AS partners
RETURN collect({{d: d {{.party_org_code, .party_org_name, .town_code, .demo_tier}},
                 partners: partners}}) AS rows
"""
    params = {**scope.params(), "tier": p.tier, "fk": FK, "names": NAMES}
    rows = db.read(demo, params, "pairing_demo")[0]["rows"]
    out = PairingFacts()
    for r in rows:
        d = r["d"]
        src = ref_from(Label.PARTY_ORG.value, d["party_org_code"], d["party_org_name"], d["town_code"])
        out.points.append((src, d["demo_tier"]))
        for x in r["partners"]:
            dst = ref_from(x["l"], x["k"], x["n"], x["t"])
            out.pairs.append(Pair(src, dst, _clean(x["p"]), x["tier"], bool(x["covered"])))
    out.unpaired.extend(_unpaired_points(out))
    return out


def _demo_networkx(ix: GraphIndex, p: DemoQuery) -> PairingFacts:
    scope, tier = p.scope, p.tier
    po = Label.PARTY_ORG.value
    out = PairingFacts()
    for nid, d in ix.scoped_nodes(po, scope):
        if d.get("demo_tier") is None or (tier is not None and d.get("demo_tier") != tier):
            continue
        if not scope.admits(po, d):
            continue
        src = ref_from(po, d["party_org_code"], d.get("party_org_name"), d.get("town_code"))
        out.points.append((src, d["demo_tier"]))
        for v, e in ix.out_edges(nid, Rel.PAIRED_WITH):
            t = ix.props(v)
            lab = t["_label"]
            if not scope.admits(lab, t):
                continue
            covered = any(ix.props(c)["_label"] == po for c in ix.inn(v, Rel.COVERS))
            dst = ref_from(lab, t[FK[lab]], t.get(NAMES[lab]), t.get("town_code"))
            out.pairs.append(Pair(src, dst, _clean(e), t.get("demo_tier"), covered))
    out.unpaired.extend(_unpaired_points(out))
    return out


def _unpaired_points(f: PairingFacts) -> list[NodeRef]:
    paired = {x.source.key for x in f.pairs}
    return [src for src, _ in f.points if src.key not in paired]


def _joint_cypher(db: CypherReader, scope: Scope) -> PairingFacts:
    # Enterprise–village joint building in scope, and the villages in scope.
    joint = f"""
{scope.match("o", Label.ORGANIZATION)}
MATCH (o)-[r:{T(Rel.JOINT_BUILDS_WITH)}]->(v:{_VIL})
WHERE {scope.cypher("v")}
RETURN collect({{o: o {{.uscc, .org_name, .town_code, .above_scale}},
                 v: v {{.village_code, .village_name, .town_code}}, p: properties(r)}}) AS rows
"""
    villages = f"""
{scope.match("v", Label.VILLAGE)}
RETURN collect({{k: v.village_code, n: v.village_name, t: v.town_code,
                 built: {has_in_cypher("v", Rel.JOINT_BUILDS_WITH, Label.ORGANIZATION)}}}) AS rows
"""
    out = PairingFacts()
    for r in db.read(joint, scope.params(), "pairing_joint")[0]["rows"]:
        o, v = r["o"], r["v"]
        src = ref_from(Label.ORGANIZATION.value, o["uscc"], o["org_name"], o["town_code"])
        dst = ref_from(Label.VILLAGE.value, v["village_code"], v["village_name"], v["town_code"])
        out.pairs.append(Pair(src, dst, _clean(r["p"])))
    vil = db.read(villages, scope.params(), "pairing_villages")[0]["rows"]
    out.unpaired.extend(ref_from(Label.VILLAGE.value, x["k"], x["n"], x["t"]) for x in vil if not x["built"])
    return out


def _joint_networkx(ix: GraphIndex, scope: Scope) -> PairingFacts:
    org, vil = Label.ORGANIZATION.value, Label.VILLAGE.value
    out = PairingFacts()
    for nid, d in ix.town_nodes(org, scope.town):
        for v, e in ix.out_edges(nid, Rel.JOINT_BUILDS_WITH):
            t = ix.props(v)
            if t["_label"] != vil or not (scope.owns(d) and scope.owns(t)):
                continue
            src = ref_from(org, d["uscc"], d.get("org_name"), d.get("town_code"))
            dst = ref_from(vil, t["village_code"], t.get("village_name"), t.get("town_code"))
            out.pairs.append(Pair(src, dst, _clean(e)))
    out.unpaired.extend(
        ref_from(vil, d["village_code"], d.get("village_name"), d.get("town_code"))
        for nid, d in ix.town_nodes(vil, scope.town)
        if scope.owns(d) and not any(ix.props(u)["_label"] == org for u in ix.inn(nid, Rel.JOINT_BUILDS_WITH))
    )
    return out


DEMO_PAIRS = FactSet("pairing.demo", cypher=_demo_cypher, networkx=_demo_networkx)
JOINT_PAIRS = FactSet("pairing.joint", cypher=_joint_cypher, networkx=_joint_networkx)


# --- the answer --------------------------------------------------------------------------


def _partner_attrs(label: str, tier: Any, covered: bool) -> dict[str, Any]:
    if label == Label.PARTY_ORG.value:
        return {"kind": "demo_point" if tier else "party_org", "demo_tier": tier}
    return {"kind": "organization", "covered": bool(covered)}


def network(f: PairingFacts, pairing_type: PairingType, scope: Scope, tier: str | None) -> PairingNetwork:
    """The network, its partners and components from the facts (pure)."""
    rel = Rel.PAIRED_WITH if pairing_type == "示范帮扶" else Rel.JOINT_BUILDS_WITH
    nodes: dict[str, NetworkNode] = {}
    for r, t in f.points:
        nodes[r.id] = NetworkNode(id=r.id, node=r, attrs={"kind": "demo_point", "demo_tier": t})
    for x in f.pairs:
        src, dst = x.source, x.target
        dattrs = (
            _partner_attrs(dst.label, x.target_tier, x.target_covered)
            if rel is Rel.PAIRED_WITH
            else {"kind": "village"}
        )
        if src.id not in nodes:
            nodes[src.id] = NetworkNode(id=src.id, node=src, attrs={"kind": "organization"})
        if dst.id not in nodes or nodes[dst.id].attrs.get("kind") != "demo_point":
            nodes[dst.id] = NetworkNode(id=dst.id, node=dst, attrs=dattrs)
    if rel is Rel.JOINT_BUILDS_WITH:
        for v in f.unpaired:
            nodes.setdefault(v.id, NetworkNode(id=v.id, node=v, attrs={"kind": "village"}))

    edge_refs = sorted(
        (
            EdgeRef(
                type=rel.value,
                type_zh=REL_ZH[rel],
                source=x.source.id,
                target=x.target.id,
                properties=x.props,
            )
            for x in f.pairs
        ),
        key=lambda e: (e.source, e.target),
    )
    by_src: dict[str, list[NodeRef]] = defaultdict(list)
    src_ref: dict[str, NodeRef] = {}
    for x in f.pairs:
        by_src[x.source.id].append(x.target)
        src_ref[x.source.id] = x.source
    for r, _ in f.points:
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
        pairing_type=pairing_type,
        town=scope.town,
        tier=tier,
        nodes=[nodes[k] for k in sorted(nodes)],
        edges=edge_refs,
        unpaired_points=sorted(f.unpaired, key=lambda x: x.key),
        uncovered_unpaired=sorted(f.uncovered, key=lambda x: x.key),
        partners=partners,
        components=comps,
    )


def pairing(store: GraphStore, scope: Scope, p: PairingParams) -> PairingNetwork:
    """The 示范帮扶 or 村企联建 network with unpaired points, partners and components.

    Example
    -------
    >>> PAIRING(store, Scope("T01"), PairingParams(tier="市级")).unpaired_points  # doctest: +SKIP
    """
    check_scope(store, scope)
    if p.pairing_type == "示范帮扶":
        demo = facts(store, DEMO_PAIRS, DemoQuery(scope, p.tier))
        # uncovered organisations nobody pairs with: from the district aggregates (graph/aggregates.py)
        lonely = [
            ref_from(Label.ORGANIZATION.value, u.uscc, u.name, u.town_code)
            for u in scope_rows(store, scope, "uncovered")
            if not u.paired
            and u.category != SELF_EMPLOYED_CATEGORY
            and scope.owns({"town_code": u.town_code})
        ]
        return network(replace(demo, uncovered=lonely), p.pairing_type, scope, p.tier)
    return network(facts(store, JOINT_PAIRS, scope), p.pairing_type, scope, None)


PAIRING = register(Question("pairing", "结对网络", PairingParams, PairingNetwork, pairing))
