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

import base64
import datetime as dt
import json
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, TypeVar, cast

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
from graph.schema.cypher import instructed_cypher
from graph.store.base import CypherReader, FactSet, GraphStore
from graph.store.index import GraphIndex
from queries.params import Params
from queries.question import Question, register
from queries.scope import Scope

SNAPSHOT, CHANGES, STATE_DOC, STATE_ID = "snapshot", "changes", "history_state", "latest"
Row = TypeVar("Row")
STATE_FORMAT = 2  # 1: rows as JSON lists; 2: the same rows as one zlib-compressed JSON text

# --- the state a load leaves: compact, typed, JSON-friendly ----------------------------------
# Facts are named tuples: they are their own JSON rows (no field names stored), hash and compare
# in C, so a diff finds the few changed rows by set difference.


class OrgFact(NamedTuple):
    uscc: str
    name: str
    category: str
    status: str
    town: str | None
    covered_by: tuple[str, ...]  # party organisation codes, sorted
    worked: bool  # covered, or an instructor assigned to it or to a party org covering it


class PartyFact(NamedTuple):
    code: str
    name: str
    town: str | None
    kind: str
    level: str
    tier: str


class LinkFact(NamedTuple):
    type: str  # PAIRED_WITH | JOINT_BUILDS_WITH
    src: str  # node id "Label:key"
    dst: str
    town: str | None  # the source's town


class MemberFact(NamedTuple):
    member_id: str
    masked: str
    town: str | None
    relationship: str | None
    activity: str | None


class LedgerFact(NamedTuple):
    """One 帮建 row: identified by helper (node id), target (uscc) and start date; the status
    may change. ``town`` is the target's."""

    helper: str
    target: str
    since: str
    status: str
    town: str | None


class ContactFact(NamedTuple):
    """联系记录 of one helper and target pair, counted (a work log, not entities)."""

    helper: str
    target: str
    n: int
    town: str | None


_ROWS = ("orgs", "parties", "links", "members", "ledger", "contacts")


@dataclass(frozen=True)
class State:
    towns: tuple[tuple[str, str], ...]
    orgs: Mapping[str, OrgFact]  # rows with a node key are kept by it, in key order
    parties: Mapping[str, PartyFact]
    links: tuple[LinkFact, ...]
    members: Mapping[str, MemberFact]
    ledger: tuple[LedgerFact, ...]
    contacts: tuple[ContactFact, ...]
    instructors: int

    def to_doc(self) -> dict[str, Any]:
        """One compressed JSON text of the rows (about a fifth of the plain rows' bytes)."""
        body = {"towns": self.towns, "instructors": self.instructors}
        for name in _ROWS:
            rows = getattr(self, name)
            body[name] = list(rows.values()) if isinstance(rows, Mapping) else rows
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), check_circular=False)
        return {"format": STATE_FORMAT, "zlib": base64.b64encode(zlib.compress(text.encode(), 1)).decode()}

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> State:
        body = json.loads(zlib.decompress(base64.b64decode(doc["zlib"]))) if "zlib" in doc else doc
        return cls(
            towns=tuple((c, n) for c, n in body.get("towns", ())),
            orgs=_keyed(
                OrgFact(u, n, c, s, t, tuple(by), w) for u, n, c, s, t, by, w in body.get("orgs", ())
            ),
            parties=_keyed(PartyFact._make(r) for r in body.get("parties", ())),
            links=tuple(LinkFact._make(r) for r in body.get("links", ())),
            members=_keyed(MemberFact._make(r) for r in body.get("members", ())),
            ledger=tuple(LedgerFact._make(r) for r in body.get("ledger", ())),
            contacts=tuple(ContactFact._make(r) for r in body.get("contacts", ())),
            instructors=int(body.get("instructors", 0)),
        )

    @classmethod
    def empty(cls) -> State:
        return cls((), {}, {}, (), {}, (), (), 0)


Keyed = TypeVar("Keyed", OrgFact, PartyFact, MemberFact)


def _keyed(rows: Iterable[Keyed]) -> dict[str, Keyed]:
    """Rows by their first field (their node's key), in key order."""
    return {r[0]: r for r in sorted(rows, key=lambda r: r[0])}


def _s(v: Any) -> str:
    return "" if v is None else str(v)


def _t(v: Any) -> str | None:
    return None if v is None or v == "" else str(v)


def _by_ends(x: LinkFact | LedgerFact | ContactFact) -> tuple[str, ...]:
    """Sort key: the two ends first (unique with the type or start date for a link or ledger row)."""
    return (x[0], x[1], _s(x[2]), _s(x[3]))


def _state_of(raw: Mapping[str, Any]) -> State:
    """The state from raw rows, in the facts' field order, as both backends read them:
    members carry their name and every relationship / activity code, contacts one row per
    helper-target pair with its count. Normalised and sorted here, once for both sides."""
    return State(
        towns=tuple(sorted({(_s(c), _s(n)) for c, n in raw["towns"]})),
        orgs=_keyed(
            OrgFact(_s(u), _s(n), _s(c), _s(s), _t(t), tuple(sorted(set(by))), bool(w))
            for u, n, c, s, t, by, w in raw["orgs"]
        ),
        parties=_keyed(
            PartyFact(_s(k), _s(n), _t(t), _s(kd), _s(lv), _s(tr)) for k, n, t, kd, lv, tr in raw["parties"]
        ),
        links=tuple(sorted({LinkFact(ty, s, d, _t(t)) for ty, s, d, t in raw["links"]}, key=_by_ends)),
        members=_keyed(
            MemberFact(_s(k), mask_name(_s(n)), _t(t), _t(min(r, default=None)), _t(min(a, default=None)))
            for k, n, t, r, a in raw["members"]
        ),
        ledger=tuple(
            sorted(
                {LedgerFact(hp, _s(o), _s(sn), _s(st), _t(t)) for hp, o, sn, st, t in raw["ledger"]},
                key=_by_ends,
            )
        ),
        contacts=tuple(
            sorted((ContactFact(hp, _s(o), int(n), _t(t)) for hp, o, n, t in raw["contacts"]), key=_by_ends)
        ),
        instructors=int(raw["instructors"]),
    )


# --- facts: Cypher (one read: every part a subquery returning its rows as one list) -------------

_FK = {lab.value: key for lab, key in NODE_KEYS.items()}


def _nid(v: str) -> str:
    """The node id ``Label:key`` of a variable, in Cypher (as :func:`node_id` writes it)."""
    return f"labels({v})[0] + ':' + toString({v}[$fk[labels({v})[0]]])"


def _state_cypher(db: CypherReader, _params: None) -> State:
    org, po, ins = L(Label.ORGANIZATION), L(Label.PARTY_ORG), L(Label.INSTRUCTOR)
    covers = T(Rel.COVERS)
    parts = {
        "towns": f"MATCH (t:{L(Label.TOWN)}) RETURN collect([t.town_code, t.town_name]) AS towns",
        "orgs": f"MATCH (o:{org}) WITH o, [(p:{po})-[:{covers}]->(o) | p.party_org_code] AS by "
        "RETURN collect([o.uscc, o.org_name, o.org_category, o.status, o.town_code, by, "
        f"size(by) > 0 OR {instructed_cypher('o')}]) AS orgs",
        "parties": f"MATCH (p:{po}) RETURN collect([p.party_org_code, p.party_org_name, p.town_code, "
        "p.kind, p.level, p.demo_tier]) AS parties",
        "links": f"MATCH (a)-[r:{T(Rel.PAIRED_WITH)}|{T(Rel.JOINT_BUILDS_WITH)}]->(b) "
        f"RETURN collect([type(r), {_nid('a')}, {_nid('b')}, a.town_code]) AS links",
        "members": f"MATCH (m:{L(Label.MEMBER)}) RETURN collect([m.member_id, m.name, m.town_code, "
        f"[(m)-[:{T(Rel.RELATIONSHIP_IN)}]->(r:{po}) | r.party_org_code], "
        f"[(m)-[:{T(Rel.ACTIVE_IN)}]->(a:{po}) | a.party_org_code]]) AS members",
        "ledger": f"MATCH (h)-[r:{T(Rel.HELPS_BUILD)}]->(o:{org}) "
        f"RETURN collect([{_nid('h')}, o.uscc, r.since, r.status, o.town_code]) AS ledger",
        "contacts": f"MATCH (h)-[r:{T(Rel.CONTACTED)}]->(o:{org}) WITH h, o, count(r) AS n "
        f"RETURN collect([{_nid('h')}, o.uscc, n, o.town_code]) AS contacts",
        "instructors": f"MATCH (i:{ins}) RETURN count(i) AS instructors",
    }
    text = " ".join(f"CALL {{ {q} }}" for q in parts.values()) + " RETURN " + ", ".join(parts)
    return _state_of(db.read(text, {"fk": _FK}, name="history_state")[0])


# --- facts: networkx ---------------------------------------------------------------------------


def _state_nx(ix: GraphIndex, _params: None) -> State:
    org, po = Label.ORGANIZATION.value, Label.PARTY_ORG.value
    covers, assigned = Rel.COVERS.value, Rel.ASSIGNED_TO.value
    instructed = {v for _u, v, _d in ix.edges(assigned)}

    rel_in, active_in, po_ = Rel.RELATIONSHIP_IN.value, Rel.ACTIVE_IN.value, po + ":"

    def codes(nids: Iterable[str]) -> list[str]:
        return [x.partition(":")[2] for x in nids if x.startswith(po_)]

    def town(nid: str) -> Any:
        return ix.props(nid).get("town_code")

    orgs = []
    for nid, d in ix.label_nodes(org):
        by = codes(ix.inn(nid, covers))
        worked = bool(by) or nid in instructed or any(f"{po}:{p}" in instructed for p in by)
        orgs.append(
            (
                d.get("uscc"),
                d.get("org_name"),
                d.get("org_category"),
                d.get("status"),
                d.get("town_code"),
                by,
                worked,
            )
        )
    counted: Counter[tuple[str, str]] = Counter(
        (u, v) for u, v, _d in ix.edges(Rel.CONTACTED.value) if v.startswith(org + ":")
    )
    raw = {
        "towns": [(d.get("town_code"), d.get("town_name")) for _n, d in ix.label_nodes(Label.TOWN.value)],
        "orgs": orgs,
        "parties": [
            (
                d.get("party_org_code"),
                d.get("party_org_name"),
                d.get("town_code"),
                d.get("kind"),
                d.get("level"),
                d.get("demo_tier"),
            )
            for _nid, d in ix.label_nodes(po)
        ],
        "links": [
            (rel.value, u, v, town(u))
            for rel in (Rel.PAIRED_WITH, Rel.JOINT_BUILDS_WITH)
            for u, v, _d in ix.edges(rel.value)
        ],
        "members": [
            (
                d.get("member_id"),
                d.get("name"),
                d.get("town_code"),
                codes(ix.out(nid, rel_in)),
                codes(ix.out(nid, active_in)),
            )
            for nid, d in ix.label_nodes(Label.MEMBER.value)
        ],
        "ledger": [
            (u, v.partition(":")[2], d.get("since"), d.get("status"), town(v))
            for u, v, d in ix.edges(Rel.HELPS_BUILD.value)
            if v.startswith(org + ":")
        ],
        "contacts": [(u, v.partition(":")[2], n, town(v)) for (u, v), n in counted.items()],
        "instructors": len(ix.by_label.get(Label.INSTRUCTOR.value, ())),
    }
    return _state_of(raw)


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
    """(district, per town, per category {total, covered}) from one state, in one pass over
    each kind of row; the district is the sum of the towns (and of rows without a town)."""
    names = dict(state.towns)
    acc: defaultdict[str | None, Counter[str]] = defaultdict(Counter)
    cats: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for o in state.orgs.values():
        if o.status == DEREGISTERED:
            continue
        cov = int(bool(o.covered_by))
        cat = cats[o.category]
        cat[0] += 1
        cat[1] += cov
        group = "nonpublic" if o.category in NONPUBLIC_CATEGORIES else "social"
        if o.category in TWO_NEW:
            c = acc[o.town]
            c["orgs"] += 1
            c["covered"] += cov
            c["worked"] += int(o.worked)
            c[group] += 1
            c[group + "_covered"] += cov
    for p in state.parties.values():
        c = acc[p.town]
        c["party_orgs"] += 1
        c["demo_points"] += int(p.tier in DEMO_TIERS)
    for link in state.links:
        acc[link.town]["pairings" if link.type == Rel.PAIRED_WITH.value else "joint"] += 1
    for m in state.members.values():
        acc[m.town]["members"] += 1
    total: Counter[str] = Counter()
    for c in acc.values():
        total.update(c)
    codes = sorted(set(names) | {k for k in acc if k is not None})
    towns = {t: Tally(name=names.get(t, t), **acc.get(t, Counter())) for t in codes}
    categories = {k: {"total": cats[k][0], "covered": cats[k][1]} for k in sorted(cats)}
    return Tally(name="全区", **total), towns, categories


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
_PRESENCE: dict[str, tuple[str, int]] = {"org_covered": ("covered", 1), "org_uncovered": ("covered", -1)}
for _family in ("org", "party_org", "pairing", "joint", "member", "ledger"):
    _PRESENCE.update({f"{_family}_added": (_family, 1), f"{_family}_removed": (_family, -1)})


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
    names = {p.code: p.name for p in (*prev.parties.values(), *cur.parties.values())}
    names.update({f"{Label.PARTY_ORG.value}:{k}": v for k, v in names.items()})
    names.update(
        {f"{Label.ORGANIZATION.value}:{o.uscc}": o.name for o in (*prev.orgs.values(), *cur.orgs.values())}
    )

    # organisations (only the rows that differ can change anything)
    a, b = prev.orgs, cur.orgs
    for k in sorted({o.uscc for o in _differ(a.values(), b.values())}):
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
        same = {"key": k, "name": y.name, "town": y.town}
        if x.category != y.category:
            add(Change(kind="org_category", before=x.category, after=y.category, **same))
        if x.status != y.status:
            add(Change(kind="org_status", before=x.status, after=y.status, **same))
        if bool(x.covered_by) != bool(y.covered_by):
            kind: ChangeKind = "org_covered" if y.covered_by else "org_uncovered"
            add(Change(kind=kind, key=k, name=y.name, town=y.town, by=y.covered_by or x.covered_by))

    # party organisations
    pa, pb = prev.parties, cur.parties
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
    ma, mb = prev.members, cur.members
    removed: Counter[str | None] = Counter(ma[k].town for k in ma.keys() - mb.keys())
    for town, n in sorted(removed.items(), key=lambda x: _s(x[0])):
        add(Change(kind="member_removed", town=town, count=n, sync=sync))
    for k in sorted(mb.keys() - ma.keys()):
        m = mb[k]
        add(
            Change(kind="member_added", key=k, name=m.masked, town=m.town, after=m.relationship, members=(k,))
        )
    for k in sorted({m.member_id for m in _differ(ma.values(), mb.values())} & ma.keys() & mb.keys()):
        mx, my = ma[k], mb[k]
        who: dict[str, Any] = {"key": k, "name": my.masked, "town": my.town, "members": (k,)}
        if mx.relationship != my.relationship:
            add(Change(kind="member_relationship", before=mx.relationship, after=my.relationship, **who))
        if mx.activity != my.activity:
            add(Change(kind="member_activity", before=mx.activity, after=my.activity, **who))

    # 帮建 ledger: a row whose status changed is one change, not a removal and an addition
    ga = _ledger(prev.ledger)
    gb = _ledger(cur.ledger)
    for gk in sorted({(r.helper, r.target, r.since) for r in _differ(prev.ledger, cur.ledger)}):
        x2, y2 = ga.get(gk), gb.get(gk)
        ref = y2 or x2
        assert ref is not None
        row: dict[str, Any] = {
            "key": f"{ref.helper}>{ref.target}|{ref.since}",
            "name": names.get(f"{Label.ORGANIZATION.value}:{ref.target}", ref.target),
            "town": ref.town,
            "members": _member_ids(ref.helper),
        }
        if x2 is None:
            add(Change(kind="ledger_added", after=ref.status, **row))
        elif y2 is None:
            add(Change(kind="ledger_removed", before=ref.status, sync=sync, **row))
        elif x2.status != y2.status:
            add(Change(kind="ledger_status", before=x2.status, after=y2.status, **row))

    # 联系记录: counted per helper and target
    ca = {(c.helper, c.target): c for c in prev.contacts}
    cb = {(c.helper, c.target): c for c in cur.contacts}
    for h, tg in sorted({(c.helper, c.target) for c in _differ(prev.contacts, cur.contacts)}):
        x3, y3 = ca.get((h, tg)), cb.get((h, tg))
        n0, n1 = (x3.n if x3 else 0), (y3.n if y3 else 0)
        ref3 = y3 or x3
        if n0 != n1 and ref3 is not None:
            org_name = names.get(f"{Label.ORGANIZATION.value}:{tg}", tg)
            pair = {"key": f"{h}>{tg}", "name": org_name, "town": ref3.town, "members": _member_ids(h)}
            add(Change(kind="contacts", before=str(n0), after=str(n1), sync=sync and n1 < n0, **pair))
    out.sort(key=_sort_key)
    return out


def _differ(a: Iterable[Row], b: Iterable[Row]) -> set[Row]:
    """The rows in one of ``a`` and ``b`` but not in both."""
    return set(a).symmetric_difference(b)


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
    return set(prev.members.keys() - cur.members.keys())


def redact(changes: Sequence[Change], gone: set[str]) -> tuple[list[Change], Counter[str]]:
    """Changes with every detail of the ``gone`` members replaced by counts; and how many,
    by town ("" for none: a town caller may learn its own count only)."""
    out: list[Change] = []
    n: Counter[str] = Counter()
    for c in changes:
        if gone.intersection(c.members):
            out.append(Change(kind=c.kind, town=c.town, count=c.count, sync=c.sync))
            n[c.town or ""] += 1
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
    redacted_towns: dict[str, int] = Field(default_factory=dict)  # the same, by town
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


def _scoped(store: GraphStore, s: Snapshot, scope: Scope) -> Snapshot:
    if scope.is_district:
        return s
    own = {k: v for k, v in s.towns.items() if scope.owns({"town_code": k})}
    ranked = sorted(s.towns.items(), key=lambda kv: (-(kv[1].coverage or 0.0), kv[0]))
    rank = next((i for i, (k, _v) in enumerate(ranked, 1) if k == scope.town), None)
    # the counts of the changes the caller may see (another town's are not even a number)
    counts = counts_of(_visible(stored_changes(store, s.id), scope))
    redacted = {k: v for k, v in s.redacted_towns.items() if scope.owns({"town_code": k})}
    return s.model_copy(
        update={
            "towns": own,
            "rank": rank,
            "categories": {},
            "change_counts": counts,
            "redacted": sum(redacted.values()),
            "redacted_towns": redacted,
        }
    )


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
    return HistoryResult(town=scope.town, snapshots=[_scoped(store, s, scope) for s in _snapshots(store)])


def snapshot(store: GraphStore, scope: Scope, params: SnapshotParams) -> SnapshotDetail:
    s = find(store, params.id)
    changes = _visible(stored_changes(store, s.id), scope)
    if params.kind is not None:
        changes = [c for c in changes if c.kind == params.kind]
    return SnapshotDetail(snapshot=_scoped(store, s, scope), changes=changes)


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
