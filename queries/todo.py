"""Question 17b: the to-do list (待办) per town, each item with its reason and a suggested action.

Kinds (:data:`KINDS`, in the order the list shows them):

- ``standalone_ready``: uncovered organisations (not 注销) with >= 3 full members working there.
- ``split_from_joint``: organisations covered by a 联合建 or 1+X party organisation, other than
  its core unit (the first organisation of 覆盖组织信用代码), with >= 3 full members of their own.
- ``branch_under_three``: 党支部 of kind 组织党组织 / 协会党组织 with fewer than 3 full members whose
  organisational relationship is there.
- ``no_demo_partner``: two-new party organisations that are no demonstration point, and
  uncovered organisations, with no demonstration point paired with them.
- ``membership``: membership inconsistencies (question 4), each with the suggested transfer.
- ``overdue_contact``: overdue five-ones contacts (question 17a, :mod:`queries.fiveones`).
- ``term_ending``: terms (本届届满日期) ending within ``term_months`` months of the as-of date,
  the already ended ones first.
- ``instructor_overload``: instructors holding more than ``instructor_cap`` assignments.
- ``plan_accepted``: accepted rows of saved coverage plans not yet carried out (issue 14); see
  :func:`plan_items` (``queries.plan_saved.open_accepted_rows``).

A full member is a 正式党员. An item belongs to the town of its subject (district-level subjects
have none and show only to district callers); the scope's :meth:`Scope.owns` decides.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any, Literal, NamedTuple, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from graph.model import DEREGISTERED, TWO_NEW_KINDS, TWO_NEW_LEVELS, Label, Rel
from graph.schema.cypher import ASSIGNED, COVERS, MEM, ORG, PAIRED, PO, REL_IN, WORKS, covered_cypher
from graph.store.base import CypherReader, FactSet, GraphStore
from graph.store.index import GraphIndex
from queries._common import check_scope, head, ref_from
from queries.cache import cached, facts
from queries.fiveones import (
    FIVE_ONES,
    FiveOnesParams,
    FiveOnesResult,
    OverdueCase,
    overdue_cases,
    town_names,
)
from queries.models import NodeRef
from queries.params import MAX_PAGE, Params
from queries.plan_saved import open_accepted_rows
from queries.question import Question, ask, register
from queries.scope import Scope

F = TypeVar("F")
FULL = "正式党员"
MIN_FULL = 3  # party constitution: a party organisation of its own needs 3 full members
JOINT_FORMATIONS = ("联合建", "1+X")
BRANCH_LEVEL = "党支部"
BRANCH_KINDS = ("组织党组织", "协会党组织")
TOWN_COMMITTEE = "镇街两新党委"
DEFAULT_KIND = "组织党组织"

TodoKind = Literal[
    "standalone_ready",
    "split_from_joint",
    "branch_under_three",
    "no_demo_partner",
    "membership",
    "overdue_contact",
    "term_ending",
    "instructor_overload",
    "plan_accepted",
]
KINDS: tuple[str, ...] = TodoKind.__args__  # type: ignore[attr-defined]
KIND_ZH = {
    "standalone_ready": "可单独建",
    "split_from_joint": "可单独组建（联合建/1+X）",
    "branch_under_three": "支部正式党员不足3名",
    "no_demo_partner": "无示范点结对",
    "membership": "组织关系不一致",
    "overdue_contact": "五个一联系逾期",
    "term_ending": "换届提醒",
    "instructor_overload": "指导员派驻过多",
    "plan_accepted": "覆盖方案待落实",
}
RULES_ZH = (
    "正式党员指党员类型为“正式党员”者；单独组建党组织须有至少 3 名正式党员。",
    "可单独建：尚未被任何党组织覆盖（不含注销）且有 ≥3 名正式党员在此工作的组织。",
    "可单独组建：被联合建或 1+X 党组织覆盖、但不是其核心单位（覆盖组织信用代码中的第一个）"
    "且自身已有 ≥3 名正式党员的组织。",
    "支部正式党员不足3名：类型为组织党组织或协会党组织的党支部，组织关系在本支部的正式党员少于 3 名。",
    "无示范点结对：非示范点的两新党组织，以及未覆盖的组织（不含注销），没有任何示范点与其结对。",
    "五个一联系逾期：见“五个一”页的定义。",
    "换届提醒：本届届满日期在截至日期后若干个月内（默认 6 个月）的党组织，已届满的排在前面。",
    "指导员派驻过多：派驻对象多于上限（默认 5 个）的党建指导员。",
)


class TodoParams(Params):
    as_of: dt.date = Field(default_factory=dt.date.today, description="截至日期（默认今天），YYYY-MM-DD")
    kinds: list[TodoKind] | None = Field(None, description="只看这些类别（默认全部）")
    overdue_only: bool = Field(False, description="只看已逾期的（联系逾期、已届满）")
    instructor_cap: int = Field(5, ge=1, le=100, description="指导员派驻对象上限")
    term_months: int = Field(6, ge=1, le=36, description="换届提醒：届满日期在多少个月内")
    limit: int = Field(MAX_PAGE, ge=1, le=100_000, description="最多列出条数（计数总是全部）")
    offset: int = Field(0, ge=0, le=1_000_000, description="跳过条数")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TodoItem(_Model):
    kind: str
    kind_zh: str
    town_code: str | None = None
    town_name: str | None = None
    subject: NodeRef
    related: list[NodeRef] = Field(default_factory=list)
    reason: str
    action: str
    overdue: bool = False
    days: int | None = None  # overdue days (contacts, ended terms) or days left (terms)
    due: dt.date | None = None


class TownTodo(_Model):
    town_code: str | None = None  # None: district-level subjects
    town_name: str | None = None
    total: int
    overdue: int
    counts: dict[str, int]


class TodoResult(_Model):
    as_of: dt.date
    town: str | None = None
    total: int  # items after the filters
    overdue: int
    counts: dict[str, int]  # per kind, after the filters
    towns: list[TownTodo]
    items: list[TodoItem]  # one page of the items
    rules: list[str]


# --- facts ---------------------------------------------------------------------------------


class OrgFact(NamedTuple):
    uscc: str
    name: str | None
    town: str | None
    full: int
    demo_partner: bool


class CoveredFact(NamedTuple):
    order: int
    uscc: str
    name: str | None
    town: str | None
    full: int


class JointFact(NamedTuple):
    code: str
    name: str | None
    town: str | None
    formation: str
    covered: tuple[CoveredFact, ...]  # in 覆盖组织信用代码 order (first: the core unit)


class BranchFact(NamedTuple):
    code: str
    name: str | None
    town: str | None
    kind: str
    full: int


class PartyFact(NamedTuple):
    code: str
    name: str | None
    town: str | None
    demo_partner: bool


class TermFact(NamedTuple):
    code: str
    name: str | None
    town: str | None
    level: str | None
    term_ends: str


class InstructorFact(NamedTuple):
    key: str
    name: str | None
    town: str | None
    assignments: int


class CoverFact(NamedTuple):
    uscc: str
    coverer: str  # the covering party organisation (first by code, non-structural preferred)
    coverer_name: str | None
    coverer_town: str | None


class CommitteeFact(NamedTuple):
    town: str
    code: str
    name: str | None


class Placement(NamedTuple):
    covers: tuple[CoverFact, ...]
    committees: tuple[CommitteeFact, ...]


_FULL_AT = f"COUNT {{ MATCH (m:{MEM})-[:{WORKS}]->(o) WHERE m.member_type = $full }}"
_DEMO_PARTNER = f"EXISTS {{ MATCH (d:{PO})-[:{PAIRED}]->(x) WHERE d.demo_tier IS NOT NULL }}"


def _uncovered_cypher(db: CypherReader, scope: Scope) -> tuple[OrgFact, ...]:
    rows = db.read(
        f"""{scope.match("o", Label.ORGANIZATION)}
WHERE coalesce(o.status, '') <> $dereg AND NOT {covered_cypher("o")}
WITH o, {_DEMO_PARTNER.replace("(x)", "(o)")} AS dp
RETURN o.uscc AS uscc, o.org_name AS name, o.town_code AS town, {_FULL_AT} AS full, dp""",
        {**scope.params(), "dereg": DEREGISTERED, "full": FULL},
        "todo_uncovered",
    )
    return tuple(sorted(OrgFact(r["uscc"], r["name"], r["town"], r["full"], r["dp"]) for r in rows))


def _full_at_nx(ix: GraphIndex, oid: str) -> int:
    return sum(1 for m in ix.inn(oid, Rel.WORKS_AT.value) if ix.props(m).get("member_type") == FULL)


def _demo_partner_nx(ix: GraphIndex, nid: str) -> bool:
    return any(
        ix.props(d)["_label"] == Label.PARTY_ORG.value and ix.props(d).get("demo_tier") is not None
        for d in ix.inn(nid, Rel.PAIRED_WITH.value)
    )


def _uncovered_nx(ix: GraphIndex, scope: Scope) -> tuple[OrgFact, ...]:
    out = []
    for oid, o in ix.town_nodes(Label.ORGANIZATION.value, scope.town):
        if o.get("status") == DEREGISTERED:
            continue
        if any(ix.props(c)["_label"] == Label.PARTY_ORG.value for c in ix.inn(oid, Rel.COVERS.value)):
            continue
        out.append(OrgFact(*head(Label.ORGANIZATION, o), _full_at_nx(ix, oid), _demo_partner_nx(ix, oid)))
    return tuple(sorted(out))


def _joint_cypher(db: CypherReader, scope: Scope) -> tuple[JointFact, ...]:
    # the joint party organisations covering an organisation of the scope (wherever they sit)
    rows = db.read(
        f"""{scope.match("o", Label.ORGANIZATION)}
MATCH (p:{PO})-[:{COVERS}]->(o) WHERE p.formation IN $formations
WITH DISTINCT p
RETURN p.party_org_code AS code, p.party_org_name AS name, p.town_code AS town, p.formation AS formation,
  COLLECT {{ MATCH (p)-[c:{COVERS}]->(o:{ORG})
             RETURN [c.order, o.uscc, o.org_name, o.town_code, {_FULL_AT}] }} AS covered""",
        {**scope.params(), "formations": list(JOINT_FORMATIONS), "full": FULL},
        "todo_joint",
    )
    return tuple(
        sorted(
            JointFact(
                r["code"],
                r["name"],
                r["town"],
                r["formation"],
                _ordered(CoveredFact(*c) for c in r["covered"]),
            )
            for r in rows
        )
    )


def _ordered(covered: Any) -> tuple[CoveredFact, ...]:
    # COVERS.order is the position in 覆盖组织信用代码; a graph written without it falls back to the key
    items = [c._replace(order=c.order if c.order is not None else 1_000_000) for c in covered]
    return tuple(sorted(items, key=lambda c: (c.order, c.uscc)))


def _joint_nx(ix: GraphIndex, scope: Scope) -> tuple[JointFact, ...]:
    joint: set[str] = set()
    for oid, _ in ix.town_nodes(Label.ORGANIZATION.value, scope.town):
        for pid in ix.inn(oid, Rel.COVERS.value):
            p = ix.props(pid)
            if p["_label"] == Label.PARTY_ORG.value and p.get("formation") in JOINT_FORMATIONS:
                joint.add(pid)
    out = []
    for pid in joint:
        p = ix.props(pid)
        covered = [
            CoveredFact(
                c.get("order"),  # type: ignore[arg-type]
                *head(Label.ORGANIZATION, ix.props(oid)),
                _full_at_nx(ix, oid),
            )
            for oid, c in ix.out_edges(pid, Rel.COVERS.value)
            if ix.props(oid)["_label"] == Label.ORGANIZATION.value
        ]
        out.append(JointFact(*head(Label.PARTY_ORG, p), p["formation"], _ordered(covered)))
    return tuple(sorted(out))


def _branches_cypher(db: CypherReader, scope: Scope) -> tuple[BranchFact, ...]:
    rows = db.read(
        f"""{scope.match("p", Label.PARTY_ORG)}
WHERE p.level = $level AND coalesce(p.kind, $default_kind) IN $kinds
RETURN p.party_org_code AS code, p.party_org_name AS name, p.town_code AS town,
  coalesce(p.kind, $default_kind) AS kind,
  COUNT {{ MATCH (m:{MEM})-[:{REL_IN}]->(p) WHERE m.member_type = $full }} AS full""",
        {
            **scope.params(),
            "level": BRANCH_LEVEL,
            "kinds": list(BRANCH_KINDS),
            "default_kind": DEFAULT_KIND,
            "full": FULL,
        },
        "todo_branches",
    )
    return tuple(sorted(BranchFact(r["code"], r["name"], r["town"], r["kind"], r["full"]) for r in rows))


def _branches_nx(ix: GraphIndex, scope: Scope) -> tuple[BranchFact, ...]:
    out = []
    for pid, p in ix.town_nodes(Label.PARTY_ORG.value, scope.town):
        kind = p.get("kind") or DEFAULT_KIND
        if p.get("level") != BRANCH_LEVEL or kind not in BRANCH_KINDS:
            continue
        full = sum(
            1 for m in ix.inn(pid, Rel.RELATIONSHIP_IN.value) if ix.props(m).get("member_type") == FULL
        )
        out.append(BranchFact(*head(Label.PARTY_ORG, p), kind, full))
    return tuple(sorted(out))


def _two_new_cypher(db: CypherReader, scope: Scope) -> tuple[PartyFact, ...]:
    rows = db.read(
        f"""{scope.match("p", Label.PARTY_ORG)}
WHERE coalesce(p.kind, $default_kind) IN $kinds AND p.level IN $levels AND p.demo_tier IS NULL
RETURN p.party_org_code AS code, p.party_org_name AS name, p.town_code AS town,
  {_DEMO_PARTNER.replace("(x)", "(p)")} AS dp""",
        {
            **scope.params(),
            "kinds": sorted(TWO_NEW_KINDS),
            "levels": sorted(TWO_NEW_LEVELS),
            "default_kind": DEFAULT_KIND,
        },
        "todo_two_new",
    )
    return tuple(sorted(PartyFact(r["code"], r["name"], r["town"], r["dp"]) for r in rows))


def _two_new_nx(ix: GraphIndex, scope: Scope) -> tuple[PartyFact, ...]:
    out = []
    for pid, p in ix.town_nodes(Label.PARTY_ORG.value, scope.town):
        kind = p.get("kind") or DEFAULT_KIND
        if (
            kind not in TWO_NEW_KINDS
            or p.get("level") not in TWO_NEW_LEVELS
            or p.get("demo_tier") is not None
        ):
            continue
        out.append(PartyFact(*head(Label.PARTY_ORG, p), _demo_partner_nx(ix, pid)))
    return tuple(sorted(out))


def _terms_cypher(db: CypherReader, scope: Scope) -> tuple[TermFact, ...]:
    rows = db.read(
        f"""{scope.match("p", Label.PARTY_ORG)}
WHERE p.term_ends IS NOT NULL
RETURN p.party_org_code AS code, p.party_org_name AS name, p.town_code AS town, p.level AS level,
  p.term_ends AS term_ends""",
        scope.params(),
        "todo_terms",
    )
    return tuple(sorted(TermFact(r["code"], r["name"], r["town"], r["level"], r["term_ends"]) for r in rows))


def _terms_nx(ix: GraphIndex, scope: Scope) -> tuple[TermFact, ...]:
    return tuple(
        sorted(
            TermFact(*head(Label.PARTY_ORG, p), p.get("level"), p["term_ends"])
            for _, p in ix.town_nodes(Label.PARTY_ORG.value, scope.town)
            if p.get("term_ends") is not None
        )
    )


def _instructors_cypher(db: CypherReader, scope: Scope) -> tuple[InstructorFact, ...]:
    rows = db.read(
        f"""{scope.match("i", Label.INSTRUCTOR)}
RETURN i.instructor_id AS key, i.name AS name, i.town_code AS town,
  COUNT {{ MATCH (i)-[:{ASSIGNED}]->(x) RETURN DISTINCT x }} AS n""",
        scope.params(),
        "todo_instructors",
    )
    return tuple(sorted(InstructorFact(r["key"], r["name"], r["town"], r["n"]) for r in rows))


def _instructors_nx(ix: GraphIndex, scope: Scope) -> tuple[InstructorFact, ...]:
    return tuple(
        sorted(
            InstructorFact(*head(Label.INSTRUCTOR, i), len(set(ix.out(iid, Rel.ASSIGNED_TO.value))))
            for iid, i in ix.town_nodes(Label.INSTRUCTOR.value, scope.town)
        )
    )


def _placement_cypher(db: CypherReader, scope: Scope) -> Placement:
    rows = db.read(
        f"""{scope.match("o", Label.ORGANIZATION)}
MATCH (p:{PO})-[:{COVERS}]->(o)
RETURN o.uscc AS uscc, p.party_org_code AS code, p.party_org_name AS name, p.town_code AS town,
  p.kind AS kind""",
        scope.params(),
        "todo_placement",
    )
    tcs = db.read(
        f"""{scope.match("p", Label.PARTY_ORG)}
WHERE p.kind = $tc AND p.town_code IS NOT NULL
RETURN p.town_code AS town, p.party_org_code AS code, p.party_org_name AS name""",
        {**scope.params(), "tc": TOWN_COMMITTEE},
        "todo_committees",
    )
    return _placement(rows, tcs)


def _placement_nx(ix: GraphIndex, scope: Scope) -> Placement:
    rows = []
    for oid, o in ix.town_nodes(Label.ORGANIZATION.value, scope.town):
        for pid in ix.inn(oid, Rel.COVERS.value):
            p = ix.props(pid)
            if p["_label"] == Label.PARTY_ORG.value:
                rows.append(
                    {
                        "uscc": o["uscc"],
                        "code": p["party_org_code"],
                        "name": p.get("party_org_name"),
                        "town": p.get("town_code"),
                        "kind": p.get("kind"),
                    }
                )
    tcs = [
        {"town": p["town_code"], "code": p["party_org_code"], "name": p.get("party_org_name")}
        for _, p in ix.town_nodes(Label.PARTY_ORG.value, scope.town)
        if p.get("kind") == TOWN_COMMITTEE and p.get("town_code") is not None
    ]
    return _placement(rows, tcs)


def _placement(rows: list[dict[str, Any]], tcs: list[dict[str, Any]]) -> Placement:
    from graph.model import STRUCTURAL_KINDS

    best: dict[str, dict[str, Any]] = {}
    for r in sorted(rows, key=lambda r: (r.get("kind") in STRUCTURAL_KINDS, r["code"])):
        best.setdefault(r["uscc"], r)
    committees: dict[str, CommitteeFact] = {}
    for t in sorted(tcs, key=lambda t: t["code"]):
        committees.setdefault(t["town"], CommitteeFact(t["town"], t["code"], t["name"]))
    return Placement(
        tuple(CoverFact(u, r["code"], r["name"], r["town"]) for u, r in sorted(best.items())),
        tuple(committees[t] for t in sorted(committees)),
    )


UNCOVERED: FactSet[Scope, tuple[OrgFact, ...]] = FactSet("todo.uncovered", _uncovered_cypher, _uncovered_nx)
JOINT: FactSet[Scope, tuple[JointFact, ...]] = FactSet("todo.joint", _joint_cypher, _joint_nx)
BRANCHES: FactSet[Scope, tuple[BranchFact, ...]] = FactSet("todo.branches", _branches_cypher, _branches_nx)
TWO_NEW: FactSet[Scope, tuple[PartyFact, ...]] = FactSet("todo.two_new", _two_new_cypher, _two_new_nx)
TERMS: FactSet[Scope, tuple[TermFact, ...]] = FactSet("todo.terms", _terms_cypher, _terms_nx)
INSTRUCTORS: FactSet[Scope, tuple[InstructorFact, ...]] = FactSet(
    "todo.instructors", _instructors_cypher, _instructors_nx
)
PLACEMENT: FactSet[Scope, Placement] = FactSet("todo.placement", _placement_cypher, _placement_nx)


# --- rules (pure) --------------------------------------------------------------------------


def add_months(d: dt.date, k: int) -> dt.date:
    """The same day ``k`` months later (the month's last day when it has fewer days)."""
    n = d.year * 12 + (d.month - 1) + k
    y, m = n // 12, n % 12 + 1
    return dt.date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def _org(uscc: str, name: str | None, town: str | None) -> NodeRef:
    return ref_from(Label.ORGANIZATION.value, uscc, name, town)


def _po(code: str, name: str | None, town: str | None) -> NodeRef:
    return ref_from(Label.PARTY_ORG.value, code, name, town)


def _nm(r: NodeRef) -> str:
    return r.name or r.key


def _item(kind: str, subject: NodeRef, reason: str, action: str, **kw: Any) -> TodoItem:
    return TodoItem(
        kind=kind,
        kind_zh=KIND_ZH[kind],
        town_code=subject.town_code,
        subject=subject,
        reason=reason,
        action=action,
        **kw,
    )


def _each(
    kind: str,
    facts: Iterable[F],
    keep: Callable[[F], bool],
    ref: Callable[[F], NodeRef],
    reason: Callable[[F], str],
    action: str,
) -> list[TodoItem]:
    """One item of ``kind`` about each fact ``keep`` accepts (the rules on one fact at a time)."""
    return [_item(kind, ref(f), reason(f), action) for f in facts if keep(f)]


def _org_ref(o: OrgFact) -> NodeRef:
    return _org(o.uscc, o.name, o.town)


def _po_ref(p: BranchFact | PartyFact) -> NodeRef:
    return _po(p.code, p.name, p.town)


def standalone_items(orgs: tuple[OrgFact, ...]) -> list[TodoItem]:
    return _each(
        "standalone_ready",
        orgs,
        lambda o: o.full >= MIN_FULL,
        _org_ref,
        lambda o: f"尚未建立党组织，已有 {o.full} 名正式党员在此工作（≥{MIN_FULL} 名）",
        "单独建：指导其单独组建党支部",
    )


def split_items(joint: tuple[JointFact, ...]) -> list[TodoItem]:
    out = []
    for j in joint:
        if not j.covered:
            continue
        core = j.covered[0]
        po = _po(j.code, j.name, j.town)
        for c in j.covered[1:]:
            if c.full >= MIN_FULL:
                org = _org(c.uscc, c.name, c.town)
                out.append(
                    _item(
                        "split_from_joint",
                        org,
                        f"由{j.formation}党组织 {_nm(po)} 覆盖（核心单位：{core.name or core.uscc}），"
                        f"自身已有 {c.full} 名正式党员（≥{MIN_FULL} 名）",
                        f"单独组建：从 {_nm(po)} 中分出，单独建立党支部",
                        related=[po, _org(core.uscc, core.name, core.town)],
                    )
                )
    return out


def branch_items(branches: tuple[BranchFact, ...]) -> list[TodoItem]:
    return _each(
        "branch_under_three",
        branches,
        lambda b: b.full < MIN_FULL,
        _po_ref,
        lambda b: f"{b.kind}党支部，组织关系在本支部的正式党员只有 {b.full} 名（少于 {MIN_FULL} 名）",
        "发展党员或转入正式党员；仍不足时改为联合建或挂靠建",
    )


def partner_items(parties: tuple[PartyFact, ...], orgs: tuple[OrgFact, ...]) -> list[TodoItem]:
    def unpaired(f: PartyFact | OrgFact) -> bool:
        return not f.demo_partner

    return _each(
        "no_demo_partner",
        parties,
        unpaired,
        _po_ref,
        lambda _: "非示范点的两新党组织，尚无示范点与其结对",
        "安排一个示范点党组织与其结对帮扶",
    ) + _each(
        "no_demo_partner",
        orgs,
        unpaired,
        _org_ref,
        lambda _: "尚未建立党组织，也无示范点与其结对",
        "安排一个示范点党组织与其结对帮扶（帮建）",
    )


def term_items(terms: tuple[TermFact, ...], as_of: dt.date, months: int) -> list[TodoItem]:
    horizon = add_months(as_of, months)
    out = []
    for t in terms:
        try:
            ends = dt.date.fromisoformat(str(t.term_ends)[:10])
        except ValueError:
            continue
        if ends > horizon:
            continue
        po = _po(t.code, t.name, t.town)
        if ends < as_of:
            days = (as_of - ends).days
            reason, overdue = f"本届任期已于 {ends.isoformat()} 届满，已超期 {days} 天", True
            action = "尽快召开党员大会换届选举"
        else:
            days = (ends - as_of).days
            reason, overdue = f"本届任期将于 {ends.isoformat()} 届满（还有 {days} 天）", False
            action = "提前做好换届准备，按期换届"
        out.append(_item("term_ending", po, reason, action, overdue=overdue, days=days, due=ends))
    return out


def instructor_items(instructors: tuple[InstructorFact, ...], cap: int) -> list[TodoItem]:
    return _each(
        "instructor_overload",
        instructors,
        lambda i: i.assignments > cap,
        lambda i: ref_from(Label.INSTRUCTOR.value, i.key, i.name, i.town),
        lambda i: f"派驻对象 {i.assignments} 个，超过上限 {cap} 个",
        "增派党建指导员，分担其派驻对象",
    )


def membership_items(issues: list[Any], placement: Placement) -> list[TodoItem]:
    """Each inconsistency with the suggested transfer: to the party organisation covering the
    employer, or (none covers it) the activity organisation set to the town committee."""
    cover = {c.uscc: c for c in placement.covers}
    committee = {c.town: c for c in placement.committees}
    out = []
    for i in issues:
        employer = next((r for r in i.related if r.label == Label.ORGANIZATION.value), None)
        town = employer.town_code if employer is not None else i.member.town_code
        tc = committee.get(town) if town else None
        tc_text = f"镇街两新党委（{tc.name or tc.code}）" if tc else "所在镇街两新党委"
        cv = cover.get(employer.key) if employer is not None else None
        related = list(i.related)
        to_committee = False
        if i.code == "committee_without_post":
            action = "补填党内职务（书记/副书记/委员），或更正交叉任职标记"
        elif i.code == "activity_town_mismatch":
            action, to_committee = f"将活动所在党组织调整为工作单位所在的{tc_text}", True
        elif cv is not None:
            action = f"转接组织关系至覆盖其工作单位的党组织 {cv.coverer_name or cv.coverer}"
            related.append(_po(cv.coverer, cv.coverer_name, cv.coverer_town))
        else:
            action = (
                f"工作单位尚无党组织：活动所在党组织设为{tc_text}（关系在企业、活动在区域），"
                "并推动单位建立党组织"
            )
            to_committee = True
        if to_committee and tc is not None:
            related.append(_po(tc.code, tc.name, tc.town))
        out.append(_item("membership", i.member, i.message, action, related=related))
    return out


def overdue_items(cases: list[OverdueCase]) -> list[TodoItem]:
    out = []
    for c in cases:
        if c.overdue_days is None:
            reason = f"{c.kind}：从未联系，帮建开始日期也未填写"
        elif c.last_contact is None:
            reason = f"{c.kind}：自帮建开始从未联系，已逾期 {c.overdue_days} 天"
        else:
            reason = f"{c.kind}：最近一次 {c.last_contact.isoformat()}，已逾期 {c.overdue_days} 天"
        out.append(
            TodoItem(
                kind="overdue_contact",
                kind_zh=KIND_ZH["overdue_contact"],
                town_code=c.target.town_code,
                subject=c.target,
                related=[c.helper],
                reason=f"帮建人 {_nm(c.helper)}，{reason}",
                action=f"请 {_nm(c.helper)} 尽快{'电话联系' if c.kind == '电话' else c.kind}",
                overdue=True,
                days=c.overdue_days,
            )
        )
    return out


def plan_items(store: GraphStore, scope: Scope) -> list[TodoItem]:
    """Accepted rows of saved coverage plans not yet carried out (issue 14, "Coverage plan")."""
    return [
        _item("plan_accepted", r.subject, r.reason, r.action, related=list(r.related))
        for r in open_accepted_rows(store, scope)
    ]


# --- the answer ----------------------------------------------------------------------------


def _sort_key(i: TodoItem) -> tuple[Any, ...]:
    return (
        i.town_code is None,
        i.town_code or "",
        KINDS.index(i.kind),
        not i.overdue,
        # overdue: most days first (unknown days worst); terms ahead: fewest days left first
        (-(i.days if i.days is not None else 10**9)) if i.overdue else (i.days or 0),
        i.subject.label,
        i.subject.key,
        i.reason,
    )


def _membership_issues(store: GraphStore, scope: Scope) -> list[Any]:
    # Question 4's list, through its Question (one answer cache).
    from queries.membership import INCONSISTENCIES

    return list(ask(store, INCONSISTENCIES, scope, INCONSISTENCIES.params.parse({})).items)


def _static_items(store: GraphStore, scope: Scope, ver: str, p: TodoParams) -> tuple[TodoItem, ...]:
    """The items that do not depend on the as-of date (once per store version, scope and cap)."""
    orgs = facts(store, UNCOVERED, scope, ver)
    items = standalone_items(orgs)
    items += partner_items(facts(store, TWO_NEW, scope, ver), orgs)
    items += split_items(facts(store, JOINT, scope, ver))
    items += branch_items(facts(store, BRANCHES, scope, ver))
    items += membership_items(_membership_issues(store, scope), facts(store, PLACEMENT, scope, ver))
    items += instructor_items(facts(store, INSTRUCTORS, scope, ver), p.instructor_cap)
    return tuple(items)


def todo(store: GraphStore, scope: Scope, p: TodoParams) -> TodoResult:
    """The to-do list of the scope.

    Example
    -------
    >>> TODO(store, Scope("T01"), TodoParams(as_of="2011-12-31")).counts  # doctest: +SKIP
    """
    check_scope(store, scope)
    ver = store.version()
    want = set(p.kinds or KINDS)
    static = cached(
        store, ("todo.static", scope.key, p.instructor_cap), lambda: _static_items(store, scope, ver, p), ver
    )
    # shallow copies: the cached items stay as built (fields are only ever replaced, never mutated)
    items: list[TodoItem] = [i.model_copy() for i in static if i.kind in want]
    if "overdue_contact" in want:
        fo = ask(store, FIVE_ONES, scope, FiveOnesParams.parse(as_of=p.as_of, top=1))
        items += overdue_items(_all_cases(fo))
    if "term_ending" in want:
        items += term_items(facts(store, TERMS, scope, ver), p.as_of, p.term_months)
    if "plan_accepted" in want:
        items += plan_items(store, scope)
    names = town_names(store, ver)
    items = [i for i in items if scope.owns({"town_code": i.town_code})]
    for i in items:  # another town's entities are never named to a town caller
        i.related = [r for r in i.related if scope.admits(r.label, {"town_code": r.town_code})]
    if p.overdue_only:
        items = [i for i in items if i.overdue]
    for i in items:
        i.town_name = names.get(i.town_code) if i.town_code else None
    items.sort(key=_sort_key)
    counts = {k: sum(1 for i in items if i.kind == k) for k in KINDS if k in want}
    towns: dict[str | None, TownTodo] = {}
    for i in items:
        t = towns.get(i.town_code)
        if t is None:
            t = towns[i.town_code] = TownTodo(
                town_code=i.town_code, town_name=i.town_name, total=0, overdue=0, counts={}
            )
        t.total += 1
        t.overdue += i.overdue
        t.counts[i.kind] = t.counts.get(i.kind, 0) + 1
    return TodoResult(
        as_of=p.as_of,
        town=scope.town,
        total=len(items),
        overdue=sum(1 for i in items if i.overdue),
        counts=counts,
        towns=[towns[k] for k in sorted(towns, key=lambda t: (t is None, t or ""))],
        items=items[p.offset : p.offset + p.limit],
        rules=list(RULES_ZH),
    )


def _all_cases(fo: FiveOnesResult) -> list[OverdueCase]:
    """Every overdue case of a five-ones answer (its pairs' overdue checks)."""
    return [oc for pc in fo.pairs for oc in overdue_cases(pc.helper, pc.target, pc.checks)]


TODO = register(Question("todo", "待办清单", TodoParams, TodoResult, todo, personal=True))
