"""History: every load is a snapshot; what changed between loads; progress over time.

A snapshot (document kind ``snapshot``) holds the load's data date, source, rows, every
reference figure, coverage per town and per category and a few counts. Its changes (kind
``changes``) are the entity-level differences from the previous load's state, computed from
two :class:`State` values: the state the previous load left (kept as one document, kind
``history_state``) and the state after this load (one fact set, Cypher and networkx side by
side). Recording is done by the loading workflow (``workflows/loading.py``); this module holds
the facts, the pure diff and summary functions and the read questions.

Personal data: a member shows only as ``member_id`` and a masked name; a member removed
with ``--sync`` leaves only counts behind (:func:`redact`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field

from graph.errors import InputError, NotFound
from graph.identifiers import mask_name
from graph.model import (
    DEMO_TIERS,
    DEREGISTERED,
    NODE_KEYS,
    NONPUBLIC_CATEGORIES,
    SOCIAL_CATEGORIES,
    Label,
    Rel,
)
from graph.schema import label as L
from graph.schema import rel_type as T
from graph.store.base import CypherReader, FactSet, GraphStore, node_id
from graph.store.index import GraphIndex
from queries.params import Params
from queries.question import Question, register
from queries.scope import Scope

SNAPSHOT, CHANGES, STATE_DOC, STATE_ID = "snapshot", "changes", "history_state", "latest"
STATE_FORMAT = 1

# --- the state a load leaves: compact, typed, JSON-friendly ----------------------------------


@dataclass(frozen=True)
class OrgFact:
    uscc: str
    name: str
    category: str
    status: str
    town: str | None
    covered_by: tuple[str, ...]  # party organisation codes, sorted
    worked: bool  # covered, or an instructor assigned to it or to a party org covering it


@dataclass(frozen=True)
class PartyFact:
    code: str
    name: str
    town: str | None
    kind: str
    level: str
    tier: str


@dataclass(frozen=True)
class LinkFact:
    type: str  # PAIRED_WITH | JOINT_BUILDS_WITH
    src: str  # node id "Label:key"
    dst: str
    town: str | None  # the source's town


@dataclass(frozen=True)
class MemberFact:
    member_id: str
    masked: str
    town: str | None
    relationship: str | None
    activity: str | None


@dataclass(frozen=True)
class LedgerFact:
    """One 帮建 row: identified by helper, target and start date; the status may change."""

    helper: str  # node id
    target: str  # uscc
    since: str
    status: str
    town: str | None  # the target's town


@dataclass(frozen=True)
class ContactFact:
    """联系记录 of one helper and target pair, counted (a work log, not entities)."""

    helper: str
    target: str
    n: int
    town: str | None


@dataclass(frozen=True)
class State:
    towns: tuple[tuple[str, str], ...]
    orgs: tuple[OrgFact, ...]
    parties: tuple[PartyFact, ...]
    links: tuple[LinkFact, ...]
    members: tuple[MemberFact, ...]
    ledger: tuple[LedgerFact, ...]
    contacts: tuple[ContactFact, ...]
    instructors: int

    _FIELDS = (
        ("orgs", OrgFact),
        ("parties", PartyFact),
        ("links", LinkFact),
        ("members", MemberFact),
        ("ledger", LedgerFact),
        ("contacts", ContactFact),
    )

    def to_doc(self) -> dict[str, Any]:
        """Rows as lists (no repeated field names): the document stays small."""
        doc: dict[str, Any] = {"format": STATE_FORMAT, "towns": [list(t) for t in self.towns]}
        doc["instructors"] = self.instructors
        for name, _cls in self._FIELDS:
            doc[name] = [
                [list(v) if isinstance(v, tuple) else v for v in _values(x)] for x in getattr(self, name)
            ]
        return doc

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> State:
        kw: dict[str, Any] = {"towns": tuple(tuple(t) for t in doc.get("towns", ()))}
        kw["instructors"] = int(doc.get("instructors", 0))
        for name, fact in cls._FIELDS:
            make = cast(Any, fact)
            kw[name] = tuple(
                make(*[tuple(v) if isinstance(v, list) else v for v in row]) for row in doc.get(name, ())
            )
        return cls(**kw)

    @classmethod
    def empty(cls) -> State:
        return cls((), (), (), (), (), (), (), 0)


def _values(x: Any) -> list[Any]:
    return [getattr(x, f) for f in x.__dataclass_fields__]


def _sorted_state(
    towns: Iterable[tuple[str, str]],
    orgs: Iterable[OrgFact],
    parties: Iterable[PartyFact],
    links: Iterable[LinkFact],
    members: Iterable[MemberFact],
    ledger: Iterable[LedgerFact],
    contacts: Iterable[ContactFact],
    instructors: int,
) -> State:
    def key(x: Any) -> tuple[str, ...]:
        return tuple("" if v is None else str(v) for v in _values(x))

    return State(
        towns=tuple(sorted(set(towns))),
        orgs=tuple(sorted(orgs, key=lambda o: o.uscc)),
        parties=tuple(sorted(parties, key=lambda p: p.code)),
        links=tuple(sorted(set(links), key=key)),
        members=tuple(sorted(members, key=lambda m: m.member_id)),
        ledger=tuple(sorted(set(ledger), key=key)),
        contacts=tuple(sorted(contacts, key=key)),
        instructors=instructors,
    )


def _s(v: Any) -> str:
    return "" if v is None else str(v)


def _t(v: Any) -> str | None:
    return None if v is None or v == "" else str(v)


# --- facts: Cypher ----------------------------------------------------------------------------

_FK = {lab.value: key for lab, key in NODE_KEYS.items()}


def _state_cypher(db: CypherReader, _params: None) -> State:
    org, po, town = L(Label.ORGANIZATION), L(Label.PARTY_ORG), L(Label.TOWN)
    mem, ins = L(Label.MEMBER), L(Label.INSTRUCTOR)
    covers, assigned = T(Rel.COVERS), T(Rel.ASSIGNED_TO)
    towns = db.read(f"MATCH (t:{town}) RETURN t.town_code AS c, t.town_name AS n", name="history_towns")
    orgs = db.read(
        f"MATCH (o:{org}) "
        f"OPTIONAL MATCH (p:{po})-[:{covers}]->(o) "
        "WITH o, collect(DISTINCT p.party_org_code) AS by "
        f"RETURN o.uscc AS k, o.org_name AS n, o.org_category AS c, o.status AS s, o.town_code AS t, by, "
        f"size(by) > 0 OR EXISTS {{ MATCH (:{ins})-[:{assigned}]->(o) }} "
        f"OR EXISTS {{ MATCH (:{ins})-[:{assigned}]->(:{po})-[:{covers}]->(o) }} AS w",
        name="history_orgs",
    )
    parties = db.read(
        f"MATCH (p:{po}) RETURN p.party_org_code AS k, p.party_org_name AS n, p.town_code AS t, "
        "p.kind AS kind, p.level AS level, p.demo_tier AS tier",
        name="history_parties",
    )
    links = db.read(
        f"MATCH (a)-[r:{T(Rel.PAIRED_WITH)}|{T(Rel.JOINT_BUILDS_WITH)}]->(b) "
        "RETURN type(r) AS type, labels(a)[0] AS al, a[$fk[labels(a)[0]]] AS ak, a.town_code AS t, "
        "labels(b)[0] AS bl, b[$fk[labels(b)[0]]] AS bk",
        {"fk": _FK},
        name="history_links",
    )
    members = db.read(
        f"MATCH (m:{mem}) "
        f"OPTIONAL MATCH (m)-[:{T(Rel.RELATIONSHIP_IN)}]->(r:{po}) "
        f"OPTIONAL MATCH (m)-[:{T(Rel.ACTIVE_IN)}]->(a:{po}) "
        "RETURN m.member_id AS k, m.name AS n, m.town_code AS t, "
        "min(r.party_org_code) AS r, min(a.party_org_code) AS a",
        name="history_members",
    )
    ledger = db.read(
        f"MATCH (h)-[r:{T(Rel.HELPS_BUILD)}]->(o:{org}) "
        "RETURN labels(h)[0] AS hl, h[$fk[labels(h)[0]]] AS hk, o.uscc AS o, o.town_code AS t, "
        "r.since AS since, r.status AS status",
        {"fk": _FK},
        name="history_ledger",
    )
    contacts = db.read(
        f"MATCH (h)-[r:{T(Rel.CONTACTED)}]->(o:{org}) "
        "RETURN labels(h)[0] AS hl, h[$fk[labels(h)[0]]] AS hk, o.uscc AS o, o.town_code AS t, "
        "count(r) AS n",
        {"fk": _FK},
        name="history_contacts",
    )
    n_ins = db.read(f"MATCH (i:{ins}) RETURN count(i) AS n", name="history_instructors")
    return _sorted_state(
        ((_s(r["c"]), _s(r["n"])) for r in towns),
        (
            OrgFact(
                _s(r["k"]),
                _s(r["n"]),
                _s(r["c"]),
                _s(r["s"]),
                _t(r["t"]),
                tuple(sorted(r["by"])),
                bool(r["w"]),
            )
            for r in orgs
        ),
        (
            PartyFact(_s(r["k"]), _s(r["n"]), _t(r["t"]), _s(r["kind"]), _s(r["level"]), _s(r["tier"]))
            for r in parties
        ),
        (
            LinkFact(r["type"], node_id(r["al"], _s(r["ak"])), node_id(r["bl"], _s(r["bk"])), _t(r["t"]))
            for r in links
        ),
        (MemberFact(_s(r["k"]), mask_name(_s(r["n"])), _t(r["t"]), _t(r["r"]), _t(r["a"])) for r in members),
        (
            LedgerFact(node_id(r["hl"], _s(r["hk"])), _s(r["o"]), _s(r["since"]), _s(r["status"]), _t(r["t"]))
            for r in ledger
        ),
        (ContactFact(node_id(r["hl"], _s(r["hk"])), _s(r["o"]), int(r["n"]), _t(r["t"])) for r in contacts),
        int(n_ins[0]["n"]) if n_ins else 0,
    )


# --- facts: networkx ---------------------------------------------------------------------------


def _state_nx(ix: GraphIndex, _params: None) -> State:
    org, po = Label.ORGANIZATION.value, Label.PARTY_ORG.value
    covers, assigned = Rel.COVERS.value, Rel.ASSIGNED_TO.value
    instructed = {v for _u, v, _d in ix.edges(assigned)}

    def key(nid: str) -> str:
        return nid.partition(":")[2]

    orgs = []
    for nid, d in ix.label_nodes(org):
        by = sorted({key(p) for p in ix.inn(nid, covers) if p.startswith(po + ":")})
        worked = bool(by) or nid in instructed or any(f"{po}:{p}" in instructed for p in by)
        orgs.append(
            OrgFact(
                _s(d.get("uscc")),
                _s(d.get("org_name")),
                _s(d.get("org_category")),
                _s(d.get("status")),
                _t(d.get("town_code")),
                tuple(by),
                worked,
            )
        )
    parties = [
        PartyFact(
            _s(d.get("party_org_code")),
            _s(d.get("party_org_name")),
            _t(d.get("town_code")),
            _s(d.get("kind")),
            _s(d.get("level")),
            _s(d.get("demo_tier")),
        )
        for _nid, d in ix.label_nodes(po)
    ]
    links = [
        LinkFact(rel.value, u, v, _t(ix.props(u).get("town_code")))
        for rel in (Rel.PAIRED_WITH, Rel.JOINT_BUILDS_WITH)
        for u, v, _d in ix.edges(rel.value)
    ]
    members = []
    for nid, d in ix.label_nodes(Label.MEMBER.value):
        rel = sorted(key(x) for x in ix.out(nid, Rel.RELATIONSHIP_IN.value) if x.startswith(po + ":"))
        act = sorted(key(x) for x in ix.out(nid, Rel.ACTIVE_IN.value) if x.startswith(po + ":"))
        members.append(
            MemberFact(
                _s(d.get("member_id")),
                mask_name(_s(d.get("name"))),
                _t(d.get("town_code")),
                rel[0] if rel else None,
                act[0] if act else None,
            )
        )
    ledger = [
        LedgerFact(u, key(v), _s(d.get("since")), _s(d.get("status")), _t(ix.props(v).get("town_code")))
        for u, v, d in ix.edges(Rel.HELPS_BUILD.value)
        if v.startswith(org + ":")
    ]
    counted: Counter[tuple[str, str]] = Counter(
        (u, v) for u, v, _d in ix.edges(Rel.CONTACTED.value) if v.startswith(org + ":")
    )
    contacts = [ContactFact(u, key(v), n, _t(ix.props(v).get("town_code"))) for (u, v), n in counted.items()]
    towns = [(_s(d.get("town_code")), _s(d.get("town_name"))) for _n, d in ix.label_nodes(Label.TOWN.value)]
    return _sorted_state(
        towns,
        orgs,
        parties,
        links,
        members,
        ledger,
        contacts,
        len(ix.by_label.get(Label.INSTRUCTOR.value, ())),
    )


STATE: FactSet[None, State] = FactSet("history.state", cypher=_state_cypher, networkx=_state_nx)


def capture(store: GraphStore) -> State:
    """The state of the graph now (straight from the store: a load has just written it)."""
    return store.facts(STATE, None)


# --- summaries: coverage per town and category, counts -------------------------------------------

TWO_NEW = NONPUBLIC_CATEGORIES | SOCIAL_CATEGORIES


class Tally(BaseModel):
    """Coverage and counts of one town (or of the district)."""

    model_config = ConfigDict(extra="forbid")

    name: str = ""
    orgs: int = 0  # live non-public and social organisations (the rates' base)
    covered: int = 0
    worked: int = 0  # covered by a party organisation or an instructor (F14 work coverage)
    nonpublic: int = 0
    nonpublic_covered: int = 0
    social: int = 0
    social_covered: int = 0
    party_orgs: int = 0
    demo_points: int = 0
    pairings: int = 0
    joint: int = 0
    members: int = 0

    @property
    def coverage(self) -> float | None:
        return _rate(self.covered, self.orgs)

    @property
    def work_coverage(self) -> float | None:
        return _rate(self.worked, self.orgs)


def _rate(a: int, b: int) -> float | None:
    return round(100.0 * a / b, 2) if b else None


def tallies(state: State) -> tuple[Tally, dict[str, Tally], dict[str, dict[str, int]]]:
    """(district, per town, per category {total, covered}) from one state."""
    names = dict(state.towns)
    acc: dict[str | None, Counter[str]] = defaultdict(Counter)  # None: the district

    def bump(town: str | None, **fields: int) -> None:
        for key in (None, town) if town is not None else (None,):
            acc[key].update(fields)

    cats: dict[str, dict[str, int]] = defaultdict(lambda: {"total": 0, "covered": 0})
    for o in state.orgs:
        if o.status == DEREGISTERED:
            continue
        cov = int(bool(o.covered_by))
        c = cats[o.category]
        c["total"] += 1
        c["covered"] += cov
        if o.category in NONPUBLIC_CATEGORIES:
            bump(o.town, orgs=1, covered=cov, worked=int(o.worked), nonpublic=1, nonpublic_covered=cov)
        elif o.category in SOCIAL_CATEGORIES:
            bump(o.town, orgs=1, covered=cov, worked=int(o.worked), social=1, social_covered=cov)
    for p in state.parties:
        bump(p.town, party_orgs=1, demo_points=int(p.tier in DEMO_TIERS))
    for link in state.links:
        bump(link.town, **({"pairings": 1} if link.type == Rel.PAIRED_WITH.value else {"joint": 1}))
    for m in state.members:
        bump(m.town, members=1)
    district = Tally(name="全区", **acc.pop(None, Counter()))
    codes = sorted(set(names) | {k for k in acc if k is not None})
    towns = {t: Tally(name=names.get(t, t), **acc.get(t, Counter())) for t in codes}
    return district, towns, {k: cats[k] for k in sorted(cats)}


# --- changes ----------------------------------------------------------------------------------

ChangeKind = Literal[
    "org_added",
    "org_removed",
    "org_category",
    "org_status",
    "org_covered",
    "org_uncovered",
    "party_org_added",
    "party_org_removed",
    "pairing_added",
    "pairing_removed",
    "joint_added",
    "joint_removed",
    "member_added",
    "member_removed",
    "member_relationship",
    "member_activity",
    "ledger_added",
    "ledger_removed",
    "ledger_status",
    "contacts",
]

KIND_ZH: dict[str, str] = {
    "org_added": "新增组织",
    "org_removed": "移除组织",
    "org_category": "组织类别变化",
    "org_status": "经营状态变化",
    "org_covered": "新覆盖（建立党组织）",
    "org_uncovered": "不再被覆盖",
    "party_org_added": "新建党组织",
    "party_org_removed": "撤销党组织",
    "pairing_added": "新增结对帮扶",
    "pairing_removed": "结对帮扶解除",
    "joint_added": "新增村企联建",
    "joint_removed": "村企联建解除",
    "member_added": "新增党员",
    "member_removed": "党员移除",
    "member_relationship": "组织关系转移",
    "member_activity": "活动党组织变化",
    "ledger_added": "新增帮建",
    "ledger_removed": "帮建移除",
    "ledger_status": "帮建状态变化",
    "contacts": "联系记录变化",
}
# kind -> (family, sign): an entity's presence in a family; attribute changes have sign 0
_PRESENCE: dict[str, tuple[str, int]] = {
    "org_added": ("org", 1),
    "org_removed": ("org", -1),
    "org_covered": ("covered", 1),
    "org_uncovered": ("covered", -1),
    "party_org_added": ("party_org", 1),
    "party_org_removed": ("party_org", -1),
    "pairing_added": ("pairing", 1),
    "pairing_removed": ("pairing", -1),
    "joint_added": ("joint", 1),
    "joint_removed": ("joint", -1),
    "member_added": ("member", 1),
    "member_removed": ("member", -1),
    "ledger_added": ("ledger", 1),
    "ledger_removed": ("ledger", -1),
}


class Change(BaseModel):
    """One entity-level change (or, once personal details are removed, a count of them)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: ChangeKind
    key: str | None = None  # None: a count whose details were removed (personal data)
    name: str = ""
    town: str | None = None
    before: str | None = None
    after: str | None = None
    by: tuple[str, ...] = ()  # the party organisations that cover (or covered) it
    count: int = 1
    sync: bool = False  # removed by ``--sync``
    members: tuple[str, ...] = ()  # member ids named by this change (redaction)

    @property
    def kind_zh(self) -> str:
        return KIND_ZH[self.kind]


def _sort_key(c: Change) -> tuple[str, str, str]:
    return (c.kind, c.key or "", c.town or "")


def diff(prev: State, cur: State, *, sync: bool = False) -> list[Change]:
    """Entity-level changes from ``prev`` to ``cur``, sorted by (kind, key).

    Example
    -------
    >>> diff(State.empty(), State.empty())
    []
    """
    out: list[Change] = []
    add = out.append
    names = {p.code: p.name for p in (*prev.parties, *cur.parties)}
    names.update({f"{Label.PARTY_ORG.value}:{p.code}": p.name for p in (*prev.parties, *cur.parties)})
    names.update({f"{Label.ORGANIZATION.value}:{o.uscc}": o.name for o in (*prev.orgs, *cur.orgs)})

    # organisations
    a = {o.uscc: o for o in prev.orgs}
    b = {o.uscc: o for o in cur.orgs}
    for k in sorted(a.keys() | b.keys()):
        x, y = a.get(k), b.get(k)
        if x is None and y is not None:
            add(Change(kind="org_added", key=k, name=y.name, town=y.town, after=y.category))
            if y.covered_by:
                add(Change(kind="org_covered", key=k, name=y.name, town=y.town, by=y.covered_by))
            continue
        if y is None and x is not None:
            add(Change(kind="org_removed", key=k, name=x.name, town=x.town, before=x.category, sync=sync))
            continue
        assert x is not None and y is not None
        if x.category != y.category:
            add(
                Change(
                    kind="org_category", key=k, name=y.name, town=y.town, before=x.category, after=y.category
                )
            )
        if x.status != y.status:
            add(Change(kind="org_status", key=k, name=y.name, town=y.town, before=x.status, after=y.status))
        if bool(x.covered_by) != bool(y.covered_by):
            kind: ChangeKind = "org_covered" if y.covered_by else "org_uncovered"
            add(Change(kind=kind, key=k, name=y.name, town=y.town, by=y.covered_by or x.covered_by))

    # party organisations
    pa = {p.code: p for p in prev.parties}
    pb = {p.code: p for p in cur.parties}
    for k in sorted(pa.keys() - pb.keys()):
        p = pa[k]
        add(Change(kind="party_org_removed", key=k, name=p.name, town=p.town, before=p.kind, sync=sync))
    for k in sorted(pb.keys() - pa.keys()):
        p = pb[k]
        add(Change(kind="party_org_added", key=k, name=p.name, town=p.town, after=p.kind))

    # pairings and joint building
    la = {(x.type, x.src, x.dst): x for x in prev.links}
    lb = {(x.type, x.src, x.dst): x for x in cur.links}
    for t, s, d in sorted(la.keys() ^ lb.keys()):
        link = la.get((t, s, d)) or lb[(t, s, d)]
        gone = (t, s, d) in la
        lkind = cast(
            ChangeKind,
            ("pairing" if t == Rel.PAIRED_WITH.value else "joint") + ("_removed" if gone else "_added"),
        )
        nm = f"{names.get(s, s.partition(':')[2])} → {names.get(d, d.partition(':')[2])}"
        add(Change(kind=lkind, key=f"{s}>{d}", name=nm, town=link.town, sync=sync and gone))

    # members (masked; a removed member leaves a count only)
    ma = {m.member_id: m for m in prev.members}
    mb = {m.member_id: m for m in cur.members}
    removed: Counter[str | None] = Counter(ma[k].town for k in ma.keys() - mb.keys())
    for town, n in sorted(removed.items(), key=lambda x: _s(x[0])):
        add(Change(kind="member_removed", town=town, count=n, sync=sync))
    for k in sorted(mb.keys() - ma.keys()):
        m = mb[k]
        add(
            Change(kind="member_added", key=k, name=m.masked, town=m.town, after=m.relationship, members=(k,))
        )
    for k in sorted(ma.keys() & mb.keys()):
        mx, my = ma[k], mb[k]
        moves: tuple[tuple[ChangeKind, str | None, str | None], ...] = (
            ("member_relationship", mx.relationship, my.relationship),
            ("member_activity", mx.activity, my.activity),
        )
        for mkind, before, after in moves:
            if before != after:
                add(
                    Change(
                        kind=mkind,
                        key=k,
                        name=my.masked,
                        town=my.town,
                        before=before,
                        after=after,
                        members=(k,),
                    )
                )

    # 帮建 ledger: a row whose status changed is one change, not a removal and an addition
    ga = _ledger(prev.ledger)
    gb = _ledger(cur.ledger)
    for gk in sorted(ga.keys() | gb.keys()):
        x2, y2 = ga.get(gk), gb.get(gk)
        ref = y2 or x2
        assert ref is not None
        who = _member_ids(ref.helper)
        lkey = f"{ref.helper}>{ref.target}|{ref.since}"
        nm = names.get(f"{Label.ORGANIZATION.value}:{ref.target}", ref.target)
        if x2 is None:
            add(Change(kind="ledger_added", key=lkey, name=nm, town=ref.town, after=ref.status, members=who))
        elif y2 is None:
            add(
                Change(
                    kind="ledger_removed",
                    key=lkey,
                    name=nm,
                    town=ref.town,
                    before=ref.status,
                    sync=sync,
                    members=who,
                )
            )
        elif x2.status != y2.status:
            add(
                Change(
                    kind="ledger_status",
                    key=lkey,
                    name=nm,
                    town=ref.town,
                    before=x2.status,
                    after=y2.status,
                    members=who,
                )
            )

    # 联系记录: counted per helper and target
    ca = {(c.helper, c.target): c for c in prev.contacts}
    cb = {(c.helper, c.target): c for c in cur.contacts}
    for h, tg in sorted(ca.keys() | cb.keys()):
        x3, y3 = ca.get((h, tg)), cb.get((h, tg))
        n0, n1 = (x3.n if x3 else 0), (y3.n if y3 else 0)
        if n0 != n1:
            ref3 = y3 or x3
            assert ref3 is not None
            add(
                Change(
                    kind="contacts",
                    key=f"{h}>{tg}",
                    name=names.get(f"{Label.ORGANIZATION.value}:{tg}", tg),
                    town=ref3.town,
                    before=str(n0),
                    after=str(n1),
                    sync=sync and n1 < n0,
                    members=_member_ids(h),
                )
            )
    out.sort(key=_sort_key)
    return out


def _ledger(rows: Iterable[LedgerFact]) -> dict[tuple[str, str, str], LedgerFact]:
    """Keyless rows by their identity (helper, target, start date); status is what may change.
    Two rows with one identity (a changed status kept beside the old row, no --sync): the
    later status in sort order stands for both."""
    out: dict[tuple[str, str, str], LedgerFact] = {}
    for r in sorted(rows, key=lambda r: (r.helper, r.target, r.since, r.status)):
        out[(r.helper, r.target, r.since)] = r
    return out


def _member_ids(nid: str) -> tuple[str, ...]:
    lab, _, key = nid.partition(":")
    return (key,) if lab == Label.MEMBER.value else ()


def removed_members(prev: State, cur: State) -> set[str]:
    return {m.member_id for m in prev.members} - {m.member_id for m in cur.members}


def redact(changes: Sequence[Change], gone: set[str]) -> tuple[list[Change], int]:
    """Changes with every detail of the ``gone`` members replaced by counts; and how many."""
    out: list[Change] = []
    n = 0
    for c in changes:
        if gone.intersection(c.members):
            out.append(Change(kind=c.kind, town=c.town, count=c.count, sync=c.sync))
            n += 1
        else:
            out.append(c)
    return out, n


def compose(steps: Sequence[Sequence[Change]]) -> list[Change]:
    """The net change over consecutive steps (oldest first): what differs from the first
    state to the last. An entity added then removed disappears; an attribute keeps its first
    ``before`` and its last ``after``. Count-only entries add up."""
    net: dict[tuple[str, str], list[Change]] = {}
    counts: Counter[tuple[str, str | None, bool]] = Counter()
    for step in steps:
        for c in step:
            if c.key is None:
                counts[(c.kind, c.town, c.sync)] += c.count
                continue
            fam = _PRESENCE.get(c.kind, (c.kind, 0))[0]
            net.setdefault((fam, c.key), []).append(c)
    out: list[Change] = []
    for chain in net.values():
        out += _net(chain)
    out += [Change(kind=k, town=t, count=n, sync=s) for (k, t, s), n in counts.items()]
    out.sort(key=_sort_key)
    return out


def _net(chain: list[Change]) -> list[Change]:
    first, last = chain[0], chain[-1]
    sign0 = _PRESENCE.get(first.kind, ("", 0))[1]
    if sign0:
        # present before the chain iff its first change removed it
        before_present = sign0 < 0
        after_present = _PRESENCE[last.kind][1] > 0
        return [] if before_present == after_present else [last]
    before, after = first.before, last.after
    if before == after:
        return []
    return [last.model_copy(update={"before": before})]


def invert(changes: Sequence[Change]) -> list[Change]:
    """The same changes seen backwards (from the later state to the earlier)."""
    flip = {}
    for k, (fam, sign) in _PRESENCE.items():
        for k2, (fam2, sign2) in _PRESENCE.items():
            if fam == fam2 and sign2 == -sign:
                flip[k] = k2
    out = [
        c.model_copy(update={"kind": flip.get(c.kind, c.kind), "before": c.after, "after": c.before})
        for c in changes
    ]
    out.sort(key=_sort_key)
    return out


# --- documents -> answers -----------------------------------------------------------------------


class FigureValue(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    title_zh: str
    value_text: str
    article: str
    agrees: bool | None


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    sha256: str


class Snapshot(BaseModel):
    """One load as recorded (a town caller sees its own town and the district totals)."""

    model_config = ConfigDict(extra="forbid")

    id: str
    seq: int
    as_of: dt.date
    loaded_at: str
    operator: str
    source: Source
    rows_loaded: int
    rows_rejected: int
    sync: bool = False
    previous: str | None = None  # the load before this one (its changes are relative to it)
    figures: list[FigureValue] = Field(default_factory=list)
    district: Tally
    towns: dict[str, Tally] = Field(default_factory=dict)
    categories: dict[str, dict[str, int]] = Field(default_factory=dict)
    instructors: int = 0
    change_counts: dict[str, int] = Field(default_factory=dict)
    redacted: int = 0  # changes whose personal details were removed later (--sync)
    rank: int | None = None  # a town caller's coverage rank among the towns (1 = highest)


class SnapshotDetail(BaseModel):
    model_config = ConfigDict(extra="forbid")

    snapshot: Snapshot
    changes: list[Change]


class DiffResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    a: str
    b: str
    a_as_of: dt.date
    b_as_of: dt.date
    changes: list[Change]
    counts: dict[str, int]


class HistoryResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    town: str | None = None
    snapshots: list[Snapshot]


def counts_of(changes: Iterable[Change]) -> dict[str, int]:
    c: Counter[str] = Counter()
    for x in changes:
        c[x.kind] += x.count
    return dict(sorted(c.items()))


def _snapshots(store: GraphStore) -> list[Snapshot]:
    snaps = [Snapshot.model_validate(d) for d in store.list_docs(SNAPSHOT)]
    snaps.sort(key=lambda s: (s.as_of, s.seq))
    return snaps


def _scoped(s: Snapshot, scope: Scope) -> Snapshot:
    if scope.is_district:
        return s
    own = {k: v for k, v in s.towns.items() if scope.owns({"town_code": k})}
    ranked = sorted(s.towns.items(), key=lambda kv: (-(kv[1].coverage or 0.0), kv[0]))
    rank = next((i for i, (k, _v) in enumerate(ranked, 1) if k == scope.town), None)
    return s.model_copy(update={"towns": own, "rank": rank, "categories": {}})


def _visible(changes: Iterable[Change], scope: Scope) -> list[Change]:
    return [c for c in changes if scope.owns({"town_code": c.town})]


def find(store: GraphStore, ref: str) -> Snapshot:
    """A snapshot by id ("3" and "0003" name the same one)."""
    ref = ref.strip()
    key = f"{int(ref):04d}" if ref.isdigit() else ref
    doc = store.get_doc(SNAPSHOT, key)
    if doc is None:
        raise NotFound(f"未找到快照：{ref}", f"snapshot not found: {ref!r}")
    return Snapshot.model_validate(doc)


def stored_changes(store: GraphStore, snap_id: str) -> list[Change]:
    doc = store.get_doc(CHANGES, snap_id)
    return [Change.model_validate(c) for c in (doc or {}).get("changes", [])]


# --- questions ---------------------------------------------------------------------------------


class HistoryParams(Params):
    """The snapshot series (no parameters: the scope decides what a caller sees)."""


class SnapshotParams(Params):
    id: str = Field(min_length=1, max_length=20, description="快照编号")
    kind: ChangeKind | None = Field(default=None, description="只看这一类变化")


class DiffParams(Params):
    a: str = Field(min_length=1, max_length=20, description="较早的快照编号")
    b: str = Field(min_length=1, max_length=20, description="较晚的快照编号")
    kind: ChangeKind | None = Field(default=None, description="只看这一类变化")


def history(store: GraphStore, scope: Scope, _params: HistoryParams) -> HistoryResult:
    """Every snapshot ordered by data date (then load order), in the caller's scope."""
    return HistoryResult(town=scope.town, snapshots=[_scoped(s, scope) for s in _snapshots(store)])


def snapshot(store: GraphStore, scope: Scope, params: SnapshotParams) -> SnapshotDetail:
    s = find(store, params.id)
    changes = _visible(stored_changes(store, s.id), scope)
    if params.kind is not None:
        changes = [c for c in changes if c.kind == params.kind]
    return SnapshotDetail(snapshot=_scoped(s, scope), changes=changes)


def changes_between(store: GraphStore, scope: Scope, params: DiffParams) -> DiffResult:
    """What changed from snapshot ``a`` to snapshot ``b`` (either order), composed from the
    changes recorded with every load between them."""
    sa, sb = find(store, params.a), find(store, params.b)
    lo, hi = sorted((sa, sb), key=lambda s: s.seq)
    chain = sorted(
        (d for d in store.list_docs(SNAPSHOT) if lo.seq < d["seq"] <= hi.seq), key=lambda d: d["seq"]
    )
    steps = [stored_changes(store, d["id"]) for d in chain]
    net = compose(steps)
    if sa.seq > sb.seq:
        net = invert(net)
    net = _visible(net, scope)
    if params.kind is not None:
        net = [c for c in net if c.kind == params.kind]
    return DiffResult(
        a=sa.id, b=sb.id, a_as_of=sa.as_of, b_as_of=sb.as_of, changes=net, counts=counts_of(net)
    )


HISTORY = register(Question("history", "变化趋势", HistoryParams, HistoryResult, history))
HISTORY_SNAPSHOT = register(
    Question(
        "history_snapshot", "一次导入的快照与变化", SnapshotParams, SnapshotDetail, snapshot, personal=True
    )
)
HISTORY_DIFF = register(
    Question("history_diff", "两次导入之间的变化", DiffParams, DiffResult, changes_between, personal=True)
)


def check_as_of(text: str | None) -> dt.date | None:
    if text is None or text == "":
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"数据日期格式应为 YYYY-MM-DD：{text}", f"--as-of must be a date YYYY-MM-DD: {text!r}"
        ) from None
