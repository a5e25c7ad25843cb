"""Impact (影响分析): what is lost if a demonstration point, instructor, party organisation or a
member holding a post drops out, alone or several together, and the ranking of a kind by it.

Facts (:data:`LOCAL_FACTS`, one Cypher read and one networkx side): the neighbourhood of the
entities asked about (:class:`Focus`): the organisations (not 注销) they cover, serve or help
with every party organisation covering those and every instructor serving them, the
demonstration-point pairings of their targets, the members of the party organisations
involved, their subordinate party organisations and the 帮建 ledger of those organisations.
One entity's impact is thus bounded by its neighbourhood, never a walk over the whole scope; a
ranking fetches the neighbourhoods of every entity of the kind at once. The answer
(:func:`impact`) simulates the removal over those facts; the coverage figures before come from
the coverage question itself and the figures after subtract the organisations that lose
coverage (so the definitions live in :mod:`queries.coverage` only).

Removal means the entity and every relationship touching it are gone:

- an organisation loses its demonstration-point partner when every PAIRED_WITH source of it
  is removed (失去帮扶);
- it loses coverage when every party organisation covering it is removed (失去党组织覆盖), and
  work coverage when, after that, no instructor serves it nor a remaining party organisation
  covering it (失去工作覆盖); it is left without an instructor when it had one and has none;
- members whose organisational relationship is in a removed party organisation need a
  transfer; party organisations reporting to a removed one need a new parent;
- a removed member vacates its post, may leave its party organisation below three full
  members (the constitution's minimum for a standalone one), and may leave an organisation of
  the 帮建 ledger without any helper.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from graph.errors import InputError
from graph.model import (
    DEREGISTERED,
    NONPUBLIC_CATEGORIES,
    SOCIAL_CATEGORIES,
    TWO_NEW_KINDS,
    Label,
    Rel,
)
from graph.schema import label as L
from graph.schema import rel_type as T
from graph.store.base import CypherReader, FactSet, GraphStore
from graph.store.index import GraphIndex
from queries._common import FK, check_scope, not_found, parse_ref, rate
from queries.cache import cached, facts
from queries.coverage import COVERAGE, CoverageParams
from queries.models import CoverageRow, NodeRef
from queries.names import Named
from queries.params import Params
from queries.question import Question, ask, register
from queries.scope import Scope

Kind = Literal["demo_point", "instructor", "party_org", "post_holder"]
KIND_ZH: dict[str, str] = {
    "demo_point": "示范点",
    "instructor": "党建指导员",
    "party_org": "两新党组织",
    "post_holder": "担任党内职务的党员",
}
MAX_KEYS = 50
FULL_MEMBER = "正式党员"
STANDALONE_MIN = 3  # full members a party organisation needs to stand on its own
POST_ORDER = {"书记": 0, "副书记": 1, "委员": 2}
MEMBER_LIST_CAP = 100


class ImpactParams(Params):
    keys: tuple[str, ...] = Field(
        (),
        max_length=MAX_KEYS,
        description="要模拟撤销的对象编码（示范点、党建指导员、党组织或党员；可多个，一并撤销；"
        f"最多 {MAX_KEYS} 个）",
    )
    rank: Kind | None = Field(
        None,
        description="按影响排名的对象类别：demo_point 示范点 / instructor 党建指导员 / "
        "party_org 两新党组织 / post_holder 担任党内职务的党员",
    )
    top: int = Field(20, ge=1, le=1000, description="排名条数")


# --- results ---------------------------------------------------------------------------


class _M(BaseModel):
    model_config = ConfigDict(frozen=False, extra="forbid")


class ImpactEntity(_M):
    node: NodeRef
    kind: str  # demo_point / instructor / party_org / member / other_party_org
    kind_zh: str


class VacatedPost(_M):
    party_org: NodeRef
    post: str
    member: NodeRef


class ImpactFigure(_M):
    """One coverage figure before and after the removal (definitions: the coverage question)."""

    name: Literal["nonpublic", "social", "work_nonpublic", "work_social", "work_two_new"]
    name_zh: str
    total: int
    before: int
    before_rate: float | None
    after: int
    after_rate: float | None


class PlanHandoff(_M):
    """What the coverage plan needs for a re-plan without the removed entities."""

    units: list[str] = Field(default_factory=list)  # organisations left uncovered (uscc)
    forbidden_hosts: list[str] = Field(default_factory=list)  # removed party organisations
    removed_instructors: list[str] = Field(default_factory=list)


class EntityImpact(_M):
    removed: list[ImpactEntity]
    lost_pairing: list[NodeRef]  # left without any demonstration-point partner
    lost_coverage: list[NodeRef]  # left without a covering party organisation
    lost_work_coverage: list[NodeRef]  # left with neither coverage nor an instructor
    lost_instructor: list[NodeRef]  # had an instructor (theirs or their party org's), now none
    members_to_transfer: list[NodeRef]  # organisational relationship in a removed party org (first 100)
    members_to_transfer_total: int = 0
    orphaned_party_orgs: list[NodeRef]  # report to a removed party organisation
    vacated_posts: list[VacatedPost]
    below_standalone: list[NodeRef]  # party orgs falling below three full members
    lost_helper: list[NodeRef]  # 帮建 targets left without any helper
    figures: list[ImpactFigure]
    handoff: PlanHandoff
    summary_zh: list[str]  # one sentence per kind of loss

    def losses(self) -> list[tuple[str, list[NodeRef]]]:
        """The lists of what is lost, each with its Chinese title (as the CLI and dashboard show them)."""
        return [(title, getattr(self, name)) for name, title in LOSSES_ZH.items()]


LOSSES_ZH = {
    "lost_pairing": "失去示范点帮扶",
    "lost_coverage": "失去党组织覆盖",
    "lost_work_coverage": "失去工作覆盖",
    "lost_instructor": "不再有党建指导员",
    "orphaned_party_orgs": "需调整隶属关系的下级党组织",
    "below_standalone": "正式党员不足 3 名的党组织",
    "lost_helper": "无人帮建的帮建对象",
}


class ImpactRankItem(_M):
    rank: int
    entity: ImpactEntity
    score: int  # the kind's headline count
    counts: dict[str, int]
    sentence_zh: str


class ImpactRanking(_M):
    kind: Kind
    kind_zh: str
    total: int  # entities of the kind in the scope
    items: list[ImpactRankItem]  # by score, then the other counts, then key


class ImpactResult(_M):
    town: str | None = None
    impact: EntityImpact | None = None
    ranking: ImpactRanking | None = None


# --- facts -----------------------------------------------------------------------------


# Every entity fact is a Named (key, name, town_code) plus what impact needs of its kind.


@dataclass(frozen=True)
class OrgFact(Named):
    category: str | None
    coverers: tuple[tuple[str, tuple[str, ...]], ...]  # (party org code, its instructors), sorted
    instructors: tuple[str, ...]  # assigned to the organisation itself, sorted


@dataclass(frozen=True)
class PartyOrgFact(Named):
    kind: str | None
    demo_tier: str | None
    parents: tuple[str, ...]


@dataclass(frozen=True)
class PairFact:
    source: str  # the demonstration point's code
    label: str  # the target's label
    key: str
    name: str | None
    town_code: str | None


@dataclass(frozen=True)
class MemberFact(Named):
    member_type: str | None
    post: str | None
    relationship: tuple[str, ...]  # party org codes


@dataclass(frozen=True)
class HelpFact:
    helper: str  # node id "Label:key"
    org: str  # uscc


@dataclass(frozen=True)
class ImpactFacts:
    orgs: tuple[OrgFact, ...]
    party_orgs: tuple[PartyOrgFact, ...]
    pairs: tuple[PairFact, ...]
    members: tuple[MemberFact, ...]
    instructors: tuple[Named, ...]
    helps: tuple[HelpFact, ...]


_O, _PO, _M_, _I = (L(x) for x in (Label.ORGANIZATION, Label.PARTY_ORG, Label.MEMBER, Label.INSTRUCTOR))
_COVERS, _ASSIGNED, _PAIRED = T(Rel.COVERS), T(Rel.ASSIGNED_TO), T(Rel.PAIRED_WITH)
_REL_IN, _REPORTS, _HELPS = T(Rel.RELATIONSHIP_IN), T(Rel.REPORTS_TO), T(Rel.HELPS_BUILD)


def _s(v: Any) -> str | None:
    return None if v is None else str(v)


@dataclass(frozen=True)
class Focus:
    """Whose neighbourhood the facts cover: the entities named by ``keys`` (bare keys, looked up
    as party organisation, instructor and member), or every entity of ``kind`` the scope owns.

    The facts hold everything a removal of any subset of those entities examines (see
    :func:`_simulate`), and nothing else: an entity's impact is a local computation, bounded by
    its neighbourhood, never a walk over the whole scope."""

    scope: Scope
    keys: tuple[str, ...] = ()
    kind: Kind | None = None


def _focus_cypher(f: Focus) -> str:
    """The focus as three lists of nodes: party organisations, instructors, members."""
    sc = f.scope
    if f.kind is None:
        return f"""CALL () {{ MATCH (p:{_PO}) WHERE p.party_org_code IN $keys AND {sc.cypher("p")}
  RETURN collect(p) AS fpos }}
CALL () {{ MATCH (i:{_I}) WHERE i.instructor_id IN $keys AND {sc.cypher("i")} RETURN collect(i) AS fins }}
CALL () {{ MATCH (m:{_M_}) WHERE m.member_id IN $keys AND {sc.cypher("m")} RETURN collect(m) AS fmem }}"""
    which = {
        "demo_point": ("p", Label.PARTY_ORG, "p.demo_tier IS NOT NULL AND p.demo_tier <> ''"),
        "party_org": ("p", Label.PARTY_ORG, "p.kind IN $two_new"),
        "instructor": ("i", Label.INSTRUCTOR, "true"),
        "post_holder": ("m", Label.MEMBER, "m.post IS NOT NULL AND m.post <> ''"),
    }
    var, label, cond = which[f.kind]
    lists = {"p": "fpos", "i": "fins", "m": "fmem"}
    empty = ", ".join(f"[] AS {name}" for v, name in lists.items() if v != var)
    return f"""CALL () {{ {sc.match(var, label)} WHERE {cond} RETURN collect({var}) AS {lists[var]} }}
WITH *, {empty}"""


def _params(f: Focus) -> dict[str, Any]:
    return {
        **f.scope.params(),
        "keys": list(f.keys),
        "deregistered": DEREGISTERED,
        "fk": FK,
        "two_new": sorted(TWO_NEW_KINDS),
    }


def _local_cypher(db: CypherReader, f: Focus) -> ImpactFacts:
    sc = f.scope
    live = f"coalesce(o.status, '') <> $deregistered AND {sc.cypher('o')}"
    ref = "labels(h)[0] + ':' + h[$fk[labels(h)[0]]]"
    text = f"""{_focus_cypher(f)}
CALL (fmem) {{ UNWIND fmem AS m MATCH (m)-[:{_REL_IN}]->(q:{_PO}) RETURN collect(DISTINCT q) AS prel }}
CALL (fpos) {{ UNWIND fpos AS p MATCH (c:{_PO})-[:{_REPORTS}]->(p) RETURN collect(DISTINCT c) AS kids }}
CALL (fpos, prel) {{
  UNWIND fpos + prel AS p MATCH (x:{_M_})-[:{_REL_IN}]->(p) WHERE {sc.cypher("x")}
  WITH DISTINCT x
  RETURN collect([x.member_id, x.name, x.town_code, x.member_type, x.post,
    [(x)-[:{_REL_IN}]->(q:{_PO}) | q.party_org_code]]) AS members }}
CALL (fpos, prel, kids) {{
  UNWIND fpos + prel + kids AS p WITH DISTINCT p WHERE {sc.cypher("p")}
  RETURN collect([p.party_org_code, p.party_org_name, p.town_code, p.kind, p.demo_tier,
    [(p)-[:{_REPORTS}]->(q:{_PO}) | q.party_org_code]]) AS party_orgs }}
CALL (fpos, fins, fmem) {{
  CALL (fpos, fins, fmem) {{
    UNWIND fpos AS p MATCH (p)-[:{_COVERS}]->(o:{_O}) RETURN o
    UNION UNWIND fins AS i MATCH (i)-[:{_ASSIGNED}]->(o:{_O}) RETURN o
    UNION UNWIND fins AS i MATCH (i)-[:{_ASSIGNED}]->(:{_PO})-[:{_COVERS}]->(o:{_O}) RETURN o
    UNION UNWIND fpos + fins + fmem AS h MATCH (h)-[:{_HELPS}]->(o:{_O}) RETURN o
  }}
  WITH o WHERE {live}
  RETURN collect([o.uscc, o.org_name, o.town_code, o.org_category,
    [(o)<-[:{_COVERS}]-(p:{_PO}) | [p.party_org_code, [(p)<-[:{_ASSIGNED}]-(i:{_I}) | i.instructor_id]]],
    [(o)<-[:{_ASSIGNED}]-(i:{_I}) | i.instructor_id],
    [(h)-[:{_HELPS}]->(o) | {ref}]]) AS orgs }}
CALL (fpos) {{
  UNWIND fpos AS s MATCH (s)-[:{_PAIRED}]->(o) WHERE (o:{_O} OR o:{_PO}) AND {live}
  WITH DISTINCT o MATCH (h:{_PO})-[:{_PAIRED}]->(o)
  WITH DISTINCT h, o
  RETURN collect([h.party_org_code, labels(o)[0], o[$fk[labels(o)[0]]],
    coalesce(o.org_name, o.party_org_name), o.town_code]) AS pairs }}
RETURN members, party_orgs, orgs, pairs,
  [i IN fins | [i.instructor_id, i.name, i.town_code]] AS instructors"""
    row = db.read(text, _params(f), "impact_local")[0]
    orgs, helps = [], []
    for u, n, t, c, cov, own, helpers in row["orgs"]:
        coverers: dict[str, set[str]] = defaultdict(set)
        for p, pi in cov:
            coverers[str(p)].update(map(str, pi))
        orgs.append(
            OrgFact(
                str(u),
                _s(n),
                _s(t),
                _s(c),
                tuple((p, tuple(sorted(pi))) for p, pi in sorted(coverers.items())),
                tuple(sorted(set(map(str, own)))),
            )
        )
        helps += [HelpFact(str(h), str(u)) for h in helpers]
    return _assemble(
        orgs,
        [
            PartyOrgFact(str(c), _s(n), _s(t), _s(k), _s(d), tuple(sorted(set(map(str, par)))))
            for c, n, t, k, d, par in row["party_orgs"]
        ],
        [PairFact(str(s), str(lab), str(k), _s(n), _s(t)) for s, lab, k, n, t in row["pairs"]],
        [
            MemberFact(str(i), _s(n), _s(t), _s(mt), _s(p), tuple(sorted(set(map(str, rel)))))
            for i, n, t, mt, p, rel in row["members"]
        ],
        [Named(str(i), _s(n), _s(t)) for i, n, t in row["instructors"]],
        helps,
    )


def _by_key(x: Named) -> str:
    return x.key


def _assemble(
    orgs: Iterable[OrgFact],
    pos: Iterable[PartyOrgFact],
    pairs: Iterable[PairFact],
    members: Iterable[MemberFact],
    ins: Iterable[Named],
    helps: Iterable[HelpFact],
) -> ImpactFacts:
    """Every list in key order, so both sides give equal values."""
    return ImpactFacts(
        tuple(sorted(orgs, key=_by_key)),
        tuple(sorted(pos, key=_by_key)),
        tuple(sorted(set(pairs), key=lambda x: (x.label, x.key, x.source))),
        tuple(sorted(members, key=_by_key)),
        tuple(sorted(ins, key=_by_key)),
        tuple(sorted(set(helps), key=lambda x: (x.org, x.helper))),
    )


_KIND_OF: dict[str, tuple[Label, Callable[[dict[str, Any]], bool]]] = {
    "demo_point": (Label.PARTY_ORG, lambda d: bool(d.get("demo_tier"))),
    "party_org": (Label.PARTY_ORG, lambda d: d.get("kind") in TWO_NEW_KINDS),
    "instructor": (Label.INSTRUCTOR, lambda d: True),
    "post_holder": (Label.MEMBER, lambda d: bool(d.get("post"))),
}


def _kind_nodes(ix: GraphIndex, f: Focus) -> list[str]:
    """Node ids of the focus's kind the scope owns."""
    assert f.kind is not None
    lab, want = _KIND_OF[f.kind]
    return [nid for nid, d in ix.town_nodes(lab.value, f.scope.town) if want(d)]


def _local_nx(ix: GraphIndex, f: Focus) -> ImpactFacts:
    sc = f.scope
    po_l, org_l, ins_l, mem_l = (
        x.value for x in (Label.PARTY_ORG, Label.ORGANIZATION, Label.INSTRUCTOR, Label.MEMBER)
    )

    def key(nid: str) -> str:
        return nid.partition(":")[2]

    def label(nid: str) -> str:
        return str(ix.props(nid)["_label"])

    def admitted(nid: str) -> bool:
        return nid in ix.nodes and sc.admits(label(nid), ix.props(nid))

    def live(nid: str) -> bool:
        return admitted(nid) and ix.props(nid).get("status") != DEREGISTERED

    focus: dict[str, list[str]] = {po_l: [], ins_l: [], mem_l: []}
    if f.kind is None:
        for lab in focus:
            focus[lab] = [f"{lab}:{k}" for k in f.keys if admitted(f"{lab}:{k}")]
    else:
        focus[_KIND_OF[f.kind][0].value] = _kind_nodes(ix, f)
    fpos, fins, fmem = focus[po_l], focus[ins_l], focus[mem_l]

    def fields(nid: str, name: str, **more: str) -> dict[str, Any]:
        """A Named fact's fields of a node (key, name, town_code), then its kind's (field=property)."""
        d = ix.props(nid)
        props = {"name": name, "town_code": "town_code", **more}
        return {"key": key(nid), **{f: _s(d.get(prop)) for f, prop in props.items()}}

    def pos_of(nid: str, rel: str, out: bool = True) -> list[str]:
        return [q for q in (ix.out(nid, rel) if out else ix.inn(nid, rel)) if label(q) == po_l]

    prel = {q for m in fmem for q in pos_of(m, Rel.RELATIONSHIP_IN)}
    kids = {c for p in fpos for c in pos_of(p, Rel.REPORTS_TO, out=False)}
    members = []
    for x in sorted({x for p in {*fpos, *prel} for x in ix.inn(p, Rel.RELATIONSHIP_IN)}):
        if label(x) == mem_l and admitted(x):
            rel = tuple(sorted({key(q) for q in pos_of(x, Rel.RELATIONSHIP_IN)}))
            members.append(
                MemberFact(**fields(x, "name", member_type="member_type", post="post"), relationship=rel)
            )
    pos = []
    for p in sorted({*fpos, *prel, *kids}):
        if admitted(p):
            parents = tuple(sorted({key(q) for q in pos_of(p, Rel.REPORTS_TO)}))
            pos.append(
                PartyOrgFact(
                    **fields(p, "party_org_name", kind="kind", demo_tier="demo_tier"), parents=parents
                )
            )

    def instructors_of(nid: str) -> tuple[str, ...]:
        return tuple(sorted({key(i) for i in ix.inn(nid, Rel.ASSIGNED_TO) if label(i) == ins_l}))

    touched = {o for p in fpos for o in ix.out(p, Rel.COVERS)}
    for i in fins:
        for t in ix.out(i, Rel.ASSIGNED_TO):
            touched |= {t} if label(t) == org_l else set(ix.out(t, Rel.COVERS)) if label(t) == po_l else set()
    touched |= {o for h in (*fpos, *fins, *fmem) for o in ix.out(h, Rel.HELPS_BUILD)}
    orgs, helps = [], []
    for o in sorted(touched):
        if label(o) != org_l or not live(o):
            continue
        cov = tuple(sorted((key(p), instructors_of(p)) for p in set(pos_of(o, Rel.COVERS, out=False))))
        orgs.append(
            OrgFact(
                **fields(o, "org_name", category="org_category"),
                coverers=cov,
                instructors=instructors_of(o),
            )
        )
        helps += [HelpFact(h, key(o)) for h in ix.inn(o, Rel.HELPS_BUILD)]
    pairs = []
    for t in {t for s in fpos for t in ix.out(s, Rel.PAIRED_WITH)}:
        tl = label(t)
        if tl in (org_l, po_l) and live(t):
            d = ix.props(t)
            name = d.get("org_name") if tl == org_l else d.get("party_org_name")
            pairs += [
                PairFact(key(s), tl, key(t), _s(name), _s(d.get("town_code")))
                for s in pos_of(t, Rel.PAIRED_WITH, out=False)
            ]
    ins = [Named(**fields(i, "name")) for i in fins]
    return _assemble(orgs, pos, pairs, members, ins, helps)


LOCAL_FACTS = FactSet("impact.local", cypher=_local_cypher, networkx=_local_nx)


def _candidates_cypher(db: CypherReader, f: Focus) -> tuple[str, ...]:
    text = f"{_focus_cypher(f)}\nRETURN [x IN fpos + fins + fmem | x[$fk[labels(x)[0]]]] AS keys"
    return tuple(sorted(map(str, db.read(text, _params(f), "impact_candidates")[0]["keys"])))


def _candidates_nx(ix: GraphIndex, f: Focus) -> tuple[str, ...]:
    return tuple(sorted(nid.partition(":")[2] for nid in _kind_nodes(ix, f)))


# The keys of a kind's entities the scope owns (a Focus with a kind).
CANDIDATES = FactSet("impact.candidates", cypher=_candidates_cypher, networkx=_candidates_nx)
RANK_BATCH = 500  # entities per read of a district ranking's neighbourhoods


def _kind_facts(store: GraphStore, scope: Scope, kind: Kind) -> ImpactFacts:
    """The neighbourhoods of every entity of a kind: a town's in one read; the district's in
    reads of RANK_BATCH entities (one read of all held the whole district in one transaction:
    at scale 40 it ran out of the server's transaction memory)."""
    if not scope.is_district:
        return store.facts(LOCAL_FACTS, Focus(scope, kind=kind))
    keys = store.facts(CANDIDATES, Focus(scope, kind=kind))
    parts = [
        store.facts(LOCAL_FACTS, Focus(scope, keys=keys[i : i + RANK_BATCH]))
        for i in range(0, len(keys), RANK_BATCH)
    ]
    return _assemble(*(dict.fromkeys(x for p in parts for x in getattr(p, name)) for name in _FIELDS))


_FIELDS = ("orgs", "party_orgs", "pairs", "members", "instructors", "helps")


# --- the model the answer walks (built once per store version and scope) --------------


@dataclass
class _Model:
    f: ImpactFacts
    orgs: dict[str, OrgFact] = field(default_factory=dict)
    pos: dict[str, PartyOrgFact] = field(default_factory=dict)
    members: dict[str, MemberFact] = field(default_factory=dict)
    instructors: dict[str, Named] = field(default_factory=dict)
    covered_by: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # po -> orgs
    served_by: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # instr -> orgs
    partners: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    paired_by: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    targets: dict[tuple[str, str], PairFact] = field(default_factory=dict)
    rel_members: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # po -> members
    children: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    helpers: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # org -> helper ids
    helped_by: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # helper -> orgs


def _model(f: ImpactFacts) -> _Model:
    m = _Model(f)
    for o in f.orgs:
        m.orgs[o.key] = o
        instr = set(o.instructors)
        for code, pi in o.coverers:
            m.covered_by[code].append(o.key)
            instr.update(pi)
        for ins in sorted(instr):
            m.served_by[ins].append(o.key)
    for po in f.party_orgs:
        m.pos[po.key] = po
        for q in po.parents:
            m.children[q].append(po.key)
    for pr in f.pairs:
        t = (pr.label, pr.key)
        m.partners[t].append(pr.source)
        m.paired_by[pr.source].append(t)
        m.targets[t] = pr
    for mf in f.members:
        m.members[mf.key] = mf
        for code in mf.relationship:
            m.rel_members[code].append(mf.key)
    for inf in f.instructors:
        m.instructors[inf.key] = inf
    for h in f.helps:
        m.helpers[h.org].append(h.helper)
        m.helped_by[h.helper].append(h.org)
    return m


def _get_model(store: GraphStore, focus: Focus) -> _Model:
    ver = store.version()
    return cached(store, ("impact.model", focus), lambda: _model(facts(store, LOCAL_FACTS, focus, ver)), ver)


# --- the answer ------------------------------------------------------------------------


def _ref(label: Label, f: Named) -> NodeRef:
    return NodeRef(label=label.value, key=f.key, name=f.name, town_code=f.town_code)


def _org_ref(o: OrgFact) -> NodeRef:
    return _ref(Label.ORGANIZATION, o)


def _po_ref(p: PartyOrgFact) -> NodeRef:
    return _ref(Label.PARTY_ORG, p)


def _member_ref(mf: MemberFact) -> NodeRef:
    return _ref(Label.MEMBER, mf)


def _ins_ref(i: Named) -> NodeRef:
    return _ref(Label.INSTRUCTOR, i)


def _entity(m: _Model, nid: str) -> ImpactEntity:
    lab, _, key = nid.partition(":")
    if lab == Label.INSTRUCTOR.value:
        return ImpactEntity(node=_ins_ref(m.instructors[key]), kind="instructor", kind_zh="党建指导员")
    if lab == Label.MEMBER.value:
        mf = m.members[key]
        kind, zh = ("post_holder", f"党员（{mf.post}）") if mf.post else ("member", "党员")
        return ImpactEntity(node=_member_ref(mf), kind=kind, kind_zh=zh)
    p = m.pos[key]
    if p.demo_tier:
        return ImpactEntity(node=_po_ref(p), kind="demo_point", kind_zh=f"{p.demo_tier}示范点")
    if p.kind in TWO_NEW_KINDS:
        return ImpactEntity(node=_po_ref(p), kind="party_org", kind_zh=p.kind or "党组织")
    return ImpactEntity(node=_po_ref(p), kind="other_party_org", kind_zh=p.kind or "党组织")


def _resolve(m: _Model, ref: str) -> str:
    """The node id of a reference within the scope (NotFound outside it)."""
    lab, key = parse_ref(ref)
    found = []
    if lab in (None, Label.PARTY_ORG) and key in m.pos:
        found.append(f"{Label.PARTY_ORG.value}:{key}")
    if lab in (None, Label.INSTRUCTOR) and key in m.instructors:
        found.append(f"{Label.INSTRUCTOR.value}:{key}")
    if lab in (None, Label.MEMBER) and key in m.members:
        found.append(f"{Label.MEMBER.value}:{key}")
    if lab is not None and lab not in (Label.PARTY_ORG, Label.INSTRUCTOR, Label.MEMBER):
        raise InputError(
            "影响分析只适用于示范点、党建指导员、党组织和党员",
            "impact applies to demonstration points, instructors, party organisations and members",
        )
    if not found:
        raise not_found("对象", key)
    if len(found) > 1:
        raise InputError(
            f"编码 {key} 对应多个对象（{'、'.join(found)}），请写成 类型:编码",
            f"key {key!r} is ambiguous; write Label:key",
        )
    return found[0]


@dataclass
class _Loss:
    lost_pairing: list[tuple[str, str]] = field(default_factory=list)
    lost_coverage: list[str] = field(default_factory=list)
    lost_work: list[str] = field(default_factory=list)
    lost_instructor: list[str] = field(default_factory=list)
    transfer: list[str] = field(default_factory=list)
    orphaned: list[str] = field(default_factory=list)
    vacated: list[tuple[str, str, str]] = field(default_factory=list)  # (po, post, member)
    below: list[str] = field(default_factory=list)
    lost_helper: list[str] = field(default_factory=list)


def _simulate(m: _Model, removed: set[str]) -> _Loss:
    """What is lost when every node id in ``removed`` drops out; only touched entities are examined."""
    rp = {k for lab, _, k in (n.partition(":") for n in removed) if lab == Label.PARTY_ORG.value}
    ri = {k for lab, _, k in (n.partition(":") for n in removed) if lab == Label.INSTRUCTOR.value}
    rm = {k for lab, _, k in (n.partition(":") for n in removed) if lab == Label.MEMBER.value}
    loss = _Loss()
    touched = {o for p in rp for o in m.covered_by.get(p, ())}
    touched |= {o for i in ri for o in m.served_by.get(i, ())}
    for u in sorted(touched):
        o = m.orgs[u]
        cov_before = bool(o.coverers)
        left = [(p, pi) for p, pi in o.coverers if p not in rp]
        cov_after = bool(left)
        ins_before = set(o.instructors).union(*(pi for _, pi in o.coverers))
        ins_after = (set(o.instructors) - ri).union(*(set(pi) - ri for _, pi in left))
        if cov_before and not cov_after:
            loss.lost_coverage.append(u)
        if (cov_before or ins_before) and not (cov_after or ins_after):
            loss.lost_work.append(u)
        if ins_before and not ins_after:
            loss.lost_instructor.append(u)
    targets = sorted({t for p in rp for t in m.paired_by.get(p, ())})
    for t in targets:
        if f"{t[0]}:{t[1]}" in removed:
            continue
        if all(s in rp for s in m.partners[t]):
            loss.lost_pairing.append(t)
    loss.transfer = sorted({x for p in rp for x in m.rel_members.get(p, ()) if x not in rm})
    loss.orphaned = sorted({c for p in rp for c in m.children.get(p, ()) if c not in rp})
    for x in sorted(rm):
        mf = m.members[x]
        if mf.post:
            loss.vacated += [(p, mf.post, x) for p in mf.relationship if p not in rp]
    for p in sorted({p for x in rm for p in m.members[x].relationship if p not in rp}):
        full = [x for x in m.rel_members[p] if m.members[x].member_type == FULL_MEMBER]
        if len(full) >= STANDALONE_MIN and len([x for x in full if x not in rm]) < STANDALONE_MIN:
            loss.below.append(p)
    for u in sorted({u for h in removed for u in m.helped_by.get(h, ())}):
        if all(h in removed for h in m.helpers[u]):
            loss.lost_helper.append(u)
    return loss


def _target_ref(m: _Model, t: tuple[str, str]) -> NodeRef:
    pr = m.targets[t]
    return NodeRef(label=pr.label, key=pr.key, name=pr.name, town_code=pr.town_code)


_FIGURES_ZH = {
    "nonpublic": "非公有制经济组织党组织覆盖率",
    "social": "社会组织党组织覆盖率",
    "work_nonpublic": "非公有制经济组织工作覆盖率",
    "work_social": "社会组织工作覆盖率",
    "work_two_new": "两新组织工作覆盖率",
}


def _figures(store: GraphStore, scope: Scope, m: _Model, loss: _Loss) -> list[ImpactFigure]:
    """Before: the coverage question's own answer; after: minus the organisations that lose it."""
    cov = ask(store, COVERAGE, scope, CoverageParams.parse(limit=1))
    lost_c = [m.orgs[u].category for u in loss.lost_coverage]
    lost_w = [m.orgs[u].category for u in loss.lost_work]

    def fig(name: str, total: int, before: int, lost: int) -> ImpactFigure:
        after = before - lost
        return ImpactFigure(
            name=name,
            name_zh=_FIGURES_ZH[name],
            total=total,
            before=before,
            before_rate=rate(before, total),
            after=after,
            after_rate=rate(after, total),
        )

    def n(cats: list[str | None], group: frozenset[str]) -> int:
        return sum(1 for c in cats if c in group)

    np_, so = cov.nonpublic, cov.social
    two: CoverageRow = CoverageRow(
        group="two_new",
        total=np_.total + so.total,
        covered=np_.covered + so.covered,
        rate=None,
        work_covered=np_.work_covered + so.work_covered,
        work_rate=None,
    )
    return [
        fig("nonpublic", np_.total, np_.covered, n(lost_c, NONPUBLIC_CATEGORIES)),
        fig("social", so.total, so.covered, n(lost_c, SOCIAL_CATEGORIES)),
        fig("work_nonpublic", np_.total, np_.work_covered, n(lost_w, NONPUBLIC_CATEGORIES)),
        fig("work_social", so.total, so.work_covered, n(lost_w, SOCIAL_CATEGORIES)),
        fig(
            "work_two_new",
            two.total,
            two.work_covered,
            n(lost_w, NONPUBLIC_CATEGORIES | SOCIAL_CATEGORIES),
        ),
    ]


def _summary(loss: _Loss, transfer_total: int) -> list[str]:
    out = []
    if loss.lost_pairing:
        out.append(f"{len(loss.lost_pairing)} 家失去示范点帮扶（唯一的结对示范点被撤销）")
    if loss.lost_coverage:
        out.append(f"{len(loss.lost_coverage)} 家失去党组织覆盖")
    if loss.lost_work:
        out.append(f"{len(loss.lost_work)} 家失去工作覆盖（既无党组织覆盖，也无党建指导员）")
    if loss.lost_instructor:
        out.append(f"{len(loss.lost_instructor)} 家不再有党建指导员")
    if transfer_total:
        out.append(f"{transfer_total} 名党员需转接组织关系")
    if loss.orphaned:
        out.append(f"{len(loss.orphaned)} 个下级党组织需调整隶属关系")
    if loss.vacated:
        out.append("空缺职务：" + "、".join(f"{p} {post}" for p, post, _ in loss.vacated))
    if loss.below:
        out.append(f"{len(loss.below)} 个党组织正式党员不足 {STANDALONE_MIN} 名")
    if loss.lost_helper:
        out.append(f"{len(loss.lost_helper)} 家帮建对象无人帮建")
    return out or ["无直接影响：没有组织因此失去帮扶、覆盖或指导员，也没有党员需转接"]


def _entity_impact(store: GraphStore, scope: Scope, m: _Model, keys: tuple[str, ...]) -> EntityImpact:
    ids = sorted({_resolve(m, k) for k in keys})
    removed = set(ids)
    loss = _simulate(m, removed)
    pos = m.pos
    vac = [
        VacatedPost(
            party_org=_po_ref(pos[p]) if p in pos else NodeRef(label=Label.PARTY_ORG.value, key=p),
            post=post,
            member=_member_ref(m.members[x]),
        )
        for p, post, x in sorted(loss.vacated, key=lambda v: (v[0], POST_ORDER.get(v[1], 9), v[2]))
    ]
    summary = _summary(loss, len(loss.transfer))
    vac_text = [f"{v.party_org.name or v.party_org.key}{v.post}" for v in vac]
    if vac_text:
        summary = [s if not s.startswith("空缺职务") else "空缺职务：" + "、".join(vac_text) for s in summary]
    return EntityImpact(
        removed=[_entity(m, n) for n in ids],
        lost_pairing=[_target_ref(m, t) for t in loss.lost_pairing],
        lost_coverage=[_org_ref(m.orgs[u]) for u in loss.lost_coverage],
        lost_work_coverage=[_org_ref(m.orgs[u]) for u in loss.lost_work],
        lost_instructor=[_org_ref(m.orgs[u]) for u in loss.lost_instructor],
        members_to_transfer=[_member_ref(m.members[x]) for x in loss.transfer[:MEMBER_LIST_CAP]],
        members_to_transfer_total=len(loss.transfer),
        orphaned_party_orgs=[_po_ref(pos[c]) for c in loss.orphaned],
        vacated_posts=vac,
        below_standalone=[_po_ref(pos[p]) for p in loss.below if p in pos],
        lost_helper=[_org_ref(m.orgs[u]) for u in loss.lost_helper],
        figures=_figures(store, scope, m, loss),
        handoff=PlanHandoff(
            units=list(loss.lost_coverage),
            forbidden_hosts=[n.partition(":")[2] for n in ids if n.startswith(Label.PARTY_ORG.value + ":")],
            removed_instructors=[
                n.partition(":")[2] for n in ids if n.startswith(Label.INSTRUCTOR.value + ":")
            ],
        ),
        summary_zh=summary,
    )


def _candidates(m: _Model, scope: Scope, kind: str) -> list[str]:
    """Node ids of a kind owned by the scope (a town ranks its own, not the district's)."""
    own = scope.owns
    if kind == "demo_point":
        return [f"PartyOrg:{p.key}" for p in m.pos.values() if p.demo_tier and own(vars(p))]
    if kind == "party_org":
        return [f"PartyOrg:{p.key}" for p in m.pos.values() if p.kind in TWO_NEW_KINDS and own(vars(p))]
    if kind == "instructor":
        return [f"Instructor:{i.key}" for i in m.instructors.values() if own(vars(i))]
    return [f"Member:{x.key}" for x in m.members.values() if x.post and own(vars(x))]


def _counts(loss: _Loss) -> dict[str, int]:
    return {
        "lost_pairing": len(loss.lost_pairing),
        "lost_coverage": len(loss.lost_coverage),
        "lost_work_coverage": len(loss.lost_work),
        "lost_instructor": len(loss.lost_instructor),
        "members_to_transfer": len(loss.transfer),
        "orphaned_party_orgs": len(loss.orphaned),
        "vacated_posts": len(loss.vacated),
        "below_standalone": len(loss.below),
        "lost_helper": len(loss.lost_helper),
    }


# The headline count of each kind, then the counts that break its ties (in order).
_ORDER: dict[str, tuple[str, ...]] = {
    "demo_point": ("lost_pairing", "lost_coverage", "members_to_transfer"),
    "instructor": ("lost_work_coverage", "lost_instructor", "lost_helper"),
    "party_org": ("lost_coverage", "members_to_transfer", "lost_work_coverage", "lost_pairing"),
    "post_holder": ("lost_helper", "below_standalone", "vacated_posts"),
}


def _sentence(kind: str, c: dict[str, int]) -> str:
    if kind == "demo_point":
        s = f"撤销该示范点 → {c['lost_pairing']} 家失去帮扶"
        if c["lost_coverage"]:
            s += f"，{c['lost_coverage']} 家失去党组织覆盖"
        return s
    if kind == "instructor":
        return (
            f"该指导员离任 → {c['lost_work_coverage']} 家失去工作覆盖，{c['lost_instructor']} 家不再有指导员"
        )
    if kind == "party_org":
        return (
            f"撤销该党组织 → {c['lost_coverage']} 家失去党组织覆盖，"
            f"{c['members_to_transfer']} 名党员需转接组织关系"
        )
    s = f"该党员离任 → {c['vacated_posts']} 个职务空缺，{c['lost_helper']} 家帮建对象无人帮建"
    if c["below_standalone"]:
        s += f"，{c['below_standalone']} 个党组织正式党员不足 {STANDALONE_MIN} 名"
    return s


RANK_KEEP = 1000  # ImpactParams.top's maximum: a kept ranking answers every ``top``


RANK_DOC = "impact.ranking"  # documents: the district's ranking of each kind, per data version


def compute_ranking(store: GraphStore, scope: Scope, kind: Kind) -> ImpactRanking:
    """Every entity of the kind the scope owns, by impact (the first RANK_KEEP of them),
    computed from the graph."""
    # the facts of the kind's neighbourhoods, once: the ranking itself is what is kept
    m = _model(_kind_facts(store, scope, kind))
    rows = [(nid, _counts(_simulate(m, {nid}))) for nid in _candidates(m, scope, kind)]
    order = _ORDER[kind]
    rows.sort(key=lambda r: (*(-r[1][k] for k in order), r[0]))
    items = [
        ImpactRankItem(
            rank=i + 1,
            entity=_entity(m, nid),
            score=c[order[0]],
            counts=c,
            sentence_zh=_sentence(kind, c),
        )
        for i, (nid, c) in enumerate(rows[:RANK_KEEP])
    ]
    return ImpactRanking(kind=kind, kind_zh=KIND_ZH[kind], total=len(rows), items=items)


def kept_ranking(store: GraphStore, scope: Scope, kind: Kind) -> ImpactRanking:
    """The ranking, for the district kept as a document per data version: computed on the first
    ask after a change of the data, then read (its size is bounded by RANK_KEEP at any scale).
    A town's is computed: its neighbourhoods are a town's part, found through the index."""
    if not scope.is_district:
        return compute_ranking(store, scope, kind)
    version = store.data_version()  # first: a load meanwhile makes the stamp stale, never wrong
    doc = store.get_doc(RANK_DOC, kind)
    if doc is not None and doc.get("data_version") == version:
        return ImpactRanking.model_validate(doc["ranking"])
    ranking = compute_ranking(store, scope, kind)
    store.put_doc(RANK_DOC, kind, {"data_version": version, "ranking": ranking.model_dump(mode="json")})
    return ranking


def _ranking(store: GraphStore, scope: Scope, kind: Kind, top: int) -> ImpactRanking:
    full = cached(store, ("impact.rank", scope.key, kind), lambda: kept_ranking(store, scope, kind))
    return full.model_copy(update={"items": full.items[:top]})


def impact(store: GraphStore, scope: Scope, p: ImpactParams) -> ImpactResult:
    """What is lost if the given entities drop out together, or the ranking of a kind by impact.

    Example
    -------
    >>> IMPACT(store, Scope("T1"), ImpactParams(keys=("PO1",))).impact.lost_pairing  # doctest: +SKIP
    >>> IMPACT(store, Scope(), ImpactParams(rank="demo_point")).ranking.items[0].sentence_zh  # doctest: +SKIP
    '撤销该示范点 → 7 家失去帮扶'
    """
    check_scope(store, scope)
    if bool(p.keys) == (p.rank is not None):
        raise InputError(
            "请给出要分析的对象编码，或给出排名类别（二者选一）",
            "give either the keys to remove or a kind to rank (one of them)",
        )
    if p.rank is not None:
        return ImpactResult(town=scope.town, ranking=_ranking(store, scope, p.rank, p.top))
    bare = tuple(sorted({parse_ref(k)[1] for k in p.keys}))
    m = _get_model(store, Focus(scope, keys=bare))
    return ImpactResult(town=scope.town, impact=_entity_impact(store, scope, m, p.keys))


IMPACT = register(Question("impact", "影响分析", ImpactParams, ImpactResult, impact, personal=True))
