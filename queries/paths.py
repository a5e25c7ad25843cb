"""Question 3: how two entities are really connected: shortest paths, named, read as a sentence.

Paths ignore direction and walk only the meaningful relationship types (:data:`DEFAULT_TYPES`;
REPORTS_TO and ACTIVE_IN only when asked). By default they never pass through a hub (a town, a
park, or a structural / district-level party organisation: :func:`queries._common.is_hub`), which
connects everything and so says nothing; when no path avoids the hubs the answer says so and
offers the one through them. With a town scope every node on the path is in scope, so a path
never passes through another town's entities.

Up to ``k`` (<= 5) shortest paths, ordered by length and then by the sequence of node ids, the
same on both backends and every run: each backend's search is bounded and returns the paths'
node sequences; the ordering, the naming and the sentences are the one pure answer. When several
relationships join the same two nodes, the step shows the first by (type, direction, rid).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from itertools import pairwise
from typing import Any, NamedTuple

from pydantic import Field, field_validator

from graph.errors import InputError
from graph.identifiers import mask_name
from graph.model import NODE_KEYS, REL_ZH, Label, Rel
from graph.schema import label as L
from graph.schema import rel_type as T
from graph.store.base import CypherReader, FactSet, GraphStore, split_node_id
from graph.store.index import GraphIndex
from queries._common import FK, NAMES, STRUCTURAL, check_scope, hub_cypher, is_hub, ref, resolve_all
from queries.models import EdgeRef, NodeRef, Path, PathResult
from queries.params import Params
from queries.question import Question, register
from queries.scope import Scope

# The relationship types a path walks unless asked otherwise (issue 15): the ones that say
# something about how two entities work together. REPORTS_TO climbs to the hubs and ACTIVE_IN
# goes through the town committees, so they are walked only when asked.
DEFAULT_TYPES: tuple[Rel, ...] = (
    Rel.COVERS,
    Rel.WORKS_AT,
    Rel.RELATIONSHIP_IN,
    Rel.PAIRED_WITH,
    Rel.JOINT_BUILDS_WITH,
    Rel.HELPS_BUILD,
    Rel.ASSIGNED_TO,
    Rel.IN_ASSOCIATION,
    Rel.SUBSIDIARY_OF,
)
# What the type filter shows (the chain and the sentences use graph.model.REL_ZH).
TYPE_ZH: dict[Rel, str] = {
    Rel.COVERS: "覆盖",
    Rel.WORKS_AT: "工作于",
    Rel.RELATIONSHIP_IN: "组织关系在",
    Rel.PAIRED_WITH: "结对",
    Rel.JOINT_BUILDS_WITH: "联建",
    Rel.HELPS_BUILD: "帮建",
    Rel.ASSIGNED_TO: "派驻",
    Rel.IN_ASSOCIATION: "所属协会",
    Rel.SUBSIDIARY_OF: "子公司",
    Rel.REPORTS_TO: "隶属",
    Rel.ACTIVE_IN: "活动在",
    Rel.LOCATED_IN: "位于",
    Rel.IN_PARK: "入驻园区",
    Rel.CONTACTED: "联系记录",
}
MAX_K = 5
# Neo4j returns at most this many shortest paths to sort; both backends agree below it.
MAX_ENUMERATED = 5000

Ref = Field(min_length=1, max_length=200, description='"类型:编码"（如 Organization:O01）或编码')


class PathParams(Params):
    source: str = Ref
    target: str = Ref
    types: tuple[Rel, ...] = Field(
        DEFAULT_TYPES,
        max_length=len(Rel),
        description="只走这些关系类型（默认：覆盖、工作于、组织关系在、结对、联建、帮建、派驻、所属协会、子公司；"
        "隶属 REPORTS_TO、活动在 ACTIVE_IN 需要时再加）",
    )
    include_hubs: bool = Field(
        False,
        description="允许经过枢纽（区委、区委两新工委、镇街两新党委、园区党工委、非公有制经济组织党委、镇街、园区）",
    )
    k: int = Field(MAX_K, ge=1, le=MAX_K, description="最多列出几条最短路径（1–5）")
    max_hops: int = Field(6, ge=1, le=10, description="最多步数")

    @field_validator("types", mode="before")
    @classmethod
    def _split(cls, v: Any) -> Any:
        """``COVERS,WORKS_AT`` as well as repeated values (command line, query string)."""
        if isinstance(v, str):
            v = [v]
        if isinstance(v, (list, tuple)):
            return tuple(x.strip() for t in v for x in (t.split(",") if isinstance(t, str) else [t]) if x)
        return v


# Labels, key properties and the hop bound are whitelisted / validated before formatting. One
# round trip: the search that avoids hubs, and (when it finds nothing and $fallback) the one through
# them; every node and relationship of the paths is sent once, each path as its node ids.
_SEARCH = """
  MATCH p = allShortestPaths((a)-[:%(types)s*..%(hops)d]-(b))
  WHERE all(n IN nodes(p) WHERE %(scope)s AND (n = a OR n = b OR %(free)s))
  WITH p LIMIT %(cap)d
  RETURN collect(p) AS %(out)s"""
PATH_ALL_SHORTEST = """
MATCH (a:%(la)s {%(ka)s: $a}), (b:%(lb)s {%(kb)s: $b})
CALL (a, b) {%(first)s
}
CALL (a, b, free) {
  WITH a, b, free WHERE size(free) = 0 AND $fallback%(second)s
}
WITH size(free) = 0 AND size(via) > 0 AS through, free + via AS ps
RETURN through,
  [p IN ps | [n IN nodes(p) | labels(n)[0] + ':' + n[$fk[labels(n)[0]]]]] AS seqs,
  COLLECT { UNWIND ps AS p UNWIND nodes(p) AS n WITH DISTINCT n
            RETURN {l: labels(n)[0], k: n[$fk[labels(n)[0]]], n: n[$names[labels(n)[0]]],
                    t: n.town_code, d: n.demo_tier, h: %(hub)s} } AS nodes,
  COLLECT { UNWIND ps AS p UNWIND relationships(p) AS r WITH DISTINCT r
            RETURN {t: type(r),
                    s: labels(startNode(r))[0] + ':' + startNode(r)[$fk[labels(startNode(r))[0]]],
                    e: labels(endNode(r))[0] + ':' + endNode(r)[$fk[labels(endNode(r))[0]]],
                    p: properties(r)} } AS rels
"""


def _chain(nodes: list[NodeRef], rels: list[EdgeRef]) -> str:
    parts = [nodes[0].name or nodes[0].key]
    for i, r in enumerate(rels):
        forward = r.source == nodes[i].id
        parts.append(f"—{r.type_zh}→" if forward else f"←{r.type_zh}—")
        parts.append(nodes[i + 1].name or nodes[i + 1].key)
    return " ".join(parts)


# How a sentence reads one step from node ``a`` to node ``b``: (template, is_noun). A verb
# phrase has ``a`` as its subject, left out when ``a`` is already the topic; a noun phrase
# ("a的党员b") names ``a`` inside and makes ``b`` the topic. Keyed on (type, walked as stored).
_SAY: dict[tuple[Rel, bool], tuple[str, bool]] = {
    (Rel.WORKS_AT, True): ("在{b}工作", False),
    (Rel.WORKS_AT, False): ("{a}的党员{b}", True),
    (Rel.RELATIONSHIP_IN, True): ("组织关系在{b}", False),
    (Rel.RELATIONSHIP_IN, False): ("{a}的党员{b}", True),
    (Rel.ACTIVE_IN, True): ("在{b}参加活动", False),
    (Rel.ACTIVE_IN, False): ("在{a}参加活动的党员{b}", True),
    (Rel.COVERS, True): ("覆盖{b}", False),
    (Rel.COVERS, False): ("由{b}覆盖", False),
    (Rel.PAIRED_WITH, True): ("结对帮扶{b}", False),
    (Rel.PAIRED_WITH, False): ("由{b}结对帮扶", False),
    (Rel.JOINT_BUILDS_WITH, True): ("与{b}村企联建", False),
    (Rel.JOINT_BUILDS_WITH, False): ("与{b}村企联建", False),
    (Rel.HELPS_BUILD, True): ("帮建{b}", False),
    (Rel.HELPS_BUILD, False): ("由{b}帮建", False),
    (Rel.ASSIGNED_TO, True): ("派驻{b}担任党建指导员", False),
    (Rel.ASSIGNED_TO, False): ("由党建指导员{b}指导", False),
    (Rel.IN_ASSOCIATION, True): ("是{b}的会员单位", False),
    (Rel.IN_ASSOCIATION, False): ("{a}的会员单位{b}", True),
    (Rel.SUBSIDIARY_OF, True): ("是{b}的子公司", False),
    (Rel.SUBSIDIARY_OF, False): ("{a}的子公司{b}", True),
    (Rel.REPORTS_TO, True): ("隶属{b}", False),
    (Rel.REPORTS_TO, False): ("{a}的下级党组织{b}", True),
    (Rel.LOCATED_IN, True): ("位于{b}", False),
    (Rel.LOCATED_IN, False): ("位于{a}的{b}", True),
    (Rel.IN_PARK, True): ("入驻{b}", False),
    (Rel.IN_PARK, False): ("入驻{a}的{b}", True),
    (Rel.CONTACTED, True): ("联系过{b}", False),
    (Rel.CONTACTED, False): ("曾由{b}联系", False),
}


def _sentence(nodes: list[NodeRef], rels: list[EdgeRef], tiers: dict[str, str]) -> str:
    """The chain read aloud: "甲公司的党员张**，组织关系在甲支部，甲支部是区级示范点，结对帮扶乙公司。"."""

    def name(n: NodeRef) -> str:
        return n.name or n.key

    def introduce(n: NodeRef) -> str | None:
        tier = tiers.get(n.id)
        return f"{name(n)}是{tier}示范点" if tier else None

    clauses: list[str] = []
    topic: str | None = None
    first = introduce(nodes[0])
    if first:
        clauses.append(first)
        topic = nodes[0].id
    for i, r in enumerate(rels):
        a, b = nodes[i], nodes[i + 1]
        text, noun = _SAY[(Rel(r.type), r.source == a.id)]
        said = text.format(a=name(a), b=name(b))
        if noun:
            clauses.append(said)
            topic = b.id
        else:
            clauses.append(said if topic == a.id else name(a) + said)
            topic = a.id
        note = introduce(b)
        if note:
            clauses.append(note)
            topic = b.id
    return "，".join(clauses) + "。"


def _edge(rtype: str, source: str, target: str, props: dict[str, Any]) -> EdgeRef:
    clean = {k: v for k, v in sorted(props.items()) if k not in ("rid", "_type")}
    return EdgeRef(type=rtype, type_zh=REL_ZH[Rel(rtype)], source=source, target=target, properties=clean)


# --- facts -----------------------------------------------------------------------------


class PathQuery(NamedTuple):
    scope: Scope
    source: str  # node ids
    target: str
    types: tuple[Rel, ...]
    max_hops: int
    want: int  # how many paths the answer may use (the networkx side stops there)
    hubs: bool  # whether the path may pass through hubs (its two ends always may be hubs)
    fallback: bool = False  # when no path avoids the hubs, the paths through them (one is used)


class Step(NamedTuple):
    """One relationship that joins two consecutive nodes of a path."""

    type: str
    start: str
    end: str
    rid: str
    props: dict[str, Any]


@dataclass(frozen=True)
class PathFacts:
    seqs: list[list[str]] = field(default_factory=list)  # node ids of each shortest path, sorted
    refs: dict[str, NodeRef] = field(default_factory=dict)
    steps: dict[frozenset[str], list[Step]] = field(default_factory=dict)  # per pair of nodes
    tiers: dict[str, str] = field(default_factory=dict)  # demonstration points on the paths: tier
    hubs: set[str] = field(default_factory=set)  # hubs on the paths
    through_hubs: bool = False  # no path avoids the hubs: these are the fallback through them


def _canonical(u: str, options: list[Step]) -> EdgeRef:
    """Pick one of the relationships joining a step: first by (type, forward first, rid)."""
    best = min(options, key=lambda o: (o.type, 0 if o.start == u else 1, o.rid))
    return _edge(best.type, best.start, best.end, best.props)


def _paths_cypher(db: CypherReader, q: PathQuery) -> PathFacts:
    (la, ka), (lb, kb) = (split_node_id(q.source), split_node_id(q.target))
    search = {
        "types": "|".join(T(t) for t in q.types),
        "hops": q.max_hops,
        "cap": MAX_ENUMERATED,
        "scope": q.scope.cypher("n"),
    }
    text = PATH_ALL_SHORTEST % {
        "la": L(la),
        "ka": NODE_KEYS[la],
        "lb": L(lb),
        "kb": NODE_KEYS[lb],
        "first": _SEARCH % {**search, "free": "true" if q.hubs else f"NOT {hub_cypher('n')}", "out": "free"},
        "second": _SEARCH % {**search, "free": "true", "out": "via"},
        "hub": hub_cypher("n"),
    }
    params = {
        "a": ka,
        "b": kb,
        **q.scope.params(),
        "fk": FK,
        "names": NAMES,
        "structural": STRUCTURAL,
        "fallback": q.fallback and not q.hubs,
    }
    rows = db.read(text, params, "path_all_shortest")
    if not rows:
        return PathFacts()
    r = rows[0]
    out = PathFacts(
        seqs=[list(x) for x in sorted({tuple(seq) for seq in r["seqs"]})], through_hubs=r["through"]
    )
    for n in r["nodes"]:
        nr = NodeRef(label=n["l"], key=str(n["k"]), name=n["n"], town_code=n["t"])
        out.refs[nr.id] = nr
        if n["d"] is not None:
            out.tiers[nr.id] = str(n["d"])
        if n["h"]:
            out.hubs.add(nr.id)
    for rel in r["rels"]:
        props = dict(rel["p"])
        opt = Step(rel["t"], rel["s"], rel["e"], str(props.get("rid", "")), props)
        lst = out.steps.setdefault(frozenset((rel["s"], rel["e"])), [])
        if opt[:4] not in [o[:4] for o in lst]:
            lst.append(opt)
    return out


def _paths_networkx(ix: GraphIndex, q: PathQuery) -> PathFacts:
    f = _search_networkx(ix, q)
    if f.seqs or q.hubs or not q.fallback:
        return f
    via = _search_networkx(ix, q._replace(want=2, hubs=True))
    return replace(via, through_hubs=bool(via.seqs))


def _search_networkx(ix: GraphIndex, q: PathQuery) -> PathFacts:
    """Bidirectional BFS, then the shortest-path DAG walked in lexicographic order.

    Each step expands, by one whole layer, the side whose frontier has fewer edges to follow,
    so a search never floods the graph through a hub (Town, Park, district-level party org)
    it only needs to touch. Once the two balls meet, D = min(ds + dt) over the meeting nodes
    is the distance; the nodes on shortest paths are recovered by pruning each ball towards the
    cut layer, and the DAG's sorted successor lists give the paths in the same (sorted node id)
    order as Neo4j's answer after sorting.
    """
    scope, types, max_hops, want = q.scope, q.types, q.max_hops, q.want
    s, t = q.source, q.target
    adj = ix.adjacency(types)
    ok: dict[str, bool] = {s: True, t: True}  # the ends are in scope (resolved) and may be hubs
    free = scope.is_district and q.hubs

    def allowed(nid: str) -> bool:
        v = ok.get(nid)
        if v is None:
            d = ix.props(nid)
            lab = d["_label"]
            v = ok[nid] = scope.admits(lab, d) and (q.hubs or not is_hub(lab, d))
        return v

    def cost(frontier: list[str]) -> int:
        return sum(len(adj.get(u, ())) for u in frontier)

    # ds / dt hold exact distances for the whole ball explored from each end (depth da / db).
    ds: dict[str, int] = {s: 0}
    dt: dict[str, int] = {t: 0}
    fs, ft = [s], [t]
    da = db = 0
    best: int | None = None
    while best is None and da + db < max_hops and fs and ft:
        forward = cost(fs) <= cost(ft)
        near, far, frontier = (ds, dt, fs) if forward else (dt, ds, ft)
        depth = (da if forward else db) + 1
        nxt: list[str] = []
        for u in frontier:
            for v in adj.get(u, ()):
                if v in near or (not free and not allowed(v)):
                    continue
                near[v] = depth
                nxt.append(v)
                if v in far:
                    total = depth + far[v]
                    if best is None or total < best:
                        best = total
        if forward:
            fs, da = nxt, depth
        else:
            ft, db = nxt, depth
    if best is None:
        return PathFacts()
    # Every node on a shortest path at position i has ds = i and dt = best - i; since best <= da + db,
    # the cut layer c = min(da, best) lies in the forward ball and best - c in the backward one.
    c = min(da, best)
    cut = [v for v, d in ds.items() if d == c and dt.get(v) == best - c]
    succ: dict[str, set[str]] = {}
    layer = set(cut)
    for i in range(c - 1, -1, -1):  # forward ball: keep the nodes that lead to the cut
        prev: set[str] = set()
        for v in layer:
            for u in adj.get(v, ()):
                if ds.get(u) == i:
                    prev.add(u)
                    succ.setdefault(u, set()).add(v)
        layer = prev
    layer = set(cut)
    for k in range(c, best):  # backward ball: from the cut down to the target
        nxt_layer: set[str] = set()
        for u in layer:
            for v in adj.get(u, ()):
                if dt.get(v) == best - k - 1:
                    nxt_layer.add(v)
                    succ.setdefault(u, set()).add(v)
        layer = nxt_layer
    dag = {u: sorted(vs) for u, vs in succ.items()}
    seqs: list[list[str]] = []

    def walk(path: list[str]) -> None:
        u = path[-1]
        if u == t:
            seqs.append(list(path))
            return
        for v in dag.get(u, ()):
            path.append(v)
            walk(path)
            path.pop()
            if len(seqs) >= want:
                return

    walk([s])
    out = PathFacts(seqs=seqs)
    refs, steps = out.refs, out.steps
    for seq in seqs:
        for nid in seq:
            d = ix.props(nid)
            refs[nid] = ref(d["_label"], d)
            if d.get("demo_tier") is not None:
                out.tiers[nid] = str(d["demo_tier"])
            if is_hub(d["_label"], d):
                out.hubs.add(nid)
        for a, b in pairwise(seq):
            pair = frozenset((a, b))
            if pair in steps:
                continue
            opts = []
            for u, v in ((a, b), (b, a)):
                for _k, e in ix.g.get_edge_data(u, v, default={}).items():
                    if e["_type"] in types:
                        opts.append(Step(e["_type"], u, v, e.get("rid", ""), e))
            steps[pair] = opts
    return out


SHORTEST_PATHS = FactSet("paths.shortest", cypher=_paths_cypher, networkx=_paths_networkx)


# --- the answer --------------------------------------------------------------------------


def _masked(n: NodeRef) -> NodeRef:
    """Members are named by family name only (DESIGN.md: personal data stays masked)."""
    if n.label != Label.MEMBER.value or not n.name:
        return n
    return n.model_copy(update={"name": mask_name(n.name)})


def path_answer(
    a: NodeRef, b: NodeRef, f: PathFacts, p: PathParams, types: tuple[Rel, ...], via_hubs: bool = False
) -> PathResult:
    """Name the first ``p.k`` shortest paths of the facts and read each as a sentence (pure).

    ``via_hubs``: the paths are the fallback through hubs (none avoids them): one is offered.
    """
    base = {
        "source": _masked(a),
        "target": _masked(b),
        "types": [t.value for t in types],
        "include_hubs": p.include_hubs,
    }
    if not f.seqs:
        note = None if p.include_hubs else f"{p.max_hops} 步以内，即使经过枢纽也没有路径"
        return PathResult(**base, found=False, note_zh=note)
    ordered = sorted(f.seqs, key=lambda seq: (len(seq), seq))  # length, then the node ids
    k = 1 if via_hubs else p.k
    out = []
    for seq in ordered[:k]:
        nodes = [_masked(f.refs[n]) for n in seq]
        rels_ = [_canonical(u, f.steps[frozenset((u, v))]) for u, v in pairwise(seq)]
        out.append(
            Path(
                nodes=nodes,
                relationships=rels_,
                chain_zh=_chain(nodes, rels_),
                sentence_zh=_sentence(nodes, rels_, f.tiers),
            )
        )
    on_path = {n.id: n for path_ in out for n in path_.nodes[1:-1] if n.id in f.hubs}
    note = None
    if via_hubs:
        names = "、".join(n.name or n.key for n in on_path.values())
        note = f"没有不经过枢纽的路径；以下一条经过 {names}"
    return PathResult(
        **base,
        found=True,
        length=len(ordered[0]) - 1,
        paths=out,
        truncated=len(ordered) > k,
        through_hubs=via_hubs,
        hubs=[on_path[i] for i in sorted(on_path)],
        note_zh=note,
    )


def path(store: GraphStore, scope: Scope, p: PathParams) -> PathResult:
    """Up to ``k`` shortest paths between two entities, every node and relationship named, each
    read as a Chinese sentence.

    ``source`` / ``target`` are ``"Label:key"`` or a bare key; only ``types`` are walked; hubs
    are avoided unless ``include_hubs`` (when no path avoids them, the one through them is
    offered, ``through_hubs=True``); with a town scope the path never passes through another
    town's entities; ``found=False`` when none exists within ``max_hops``.

    Example
    -------
    >>> PATH(store, Scope(), PathParams(source="O01", target="O02")).paths[0].sentence_zh  # doctest: +SKIP
    '甲机械公司党支部是区级示范点，覆盖甲机械公司，……'
    """
    check_scope(store, scope)
    if not p.types:
        raise InputError("至少指定一种关系类型", "give at least one relationship type")
    types = tuple(sorted(set(p.types)))
    src, dst = resolve_all(store, [p.source, p.target], scope)
    a, b = ref(*src), ref(*dst)
    if a.id == b.id:
        one = _masked(a)
        return PathResult(
            source=one,
            target=one,
            found=True,
            length=0,
            paths=[Path(nodes=[one], relationships=[], chain_zh=one.name or one.key)],
            types=[t.value for t in types],
            include_hubs=p.include_hubs,
        )
    q = PathQuery(scope, a.id, b.id, types, p.max_hops, p.k + 1, p.include_hubs, fallback=True)
    f = store.facts(SHORTEST_PATHS, q)
    return path_answer(a, b, f, p, types, f.through_hubs)


PATH = register(Question("path", "关系路径", PathParams, PathResult, path))
