"""Question 17a: five-ones compliance (五个一工作法) of the help-build ledger, per helper and town.

The rules, exactly as issue 17 states them (and as :data:`RULES_ZH` says on the page):

- Pairs: every helper -> target in 帮建 with status 进行中 (two ledger rows of one pair count
  once, from the earliest start date). Contacts from 联系记录.
- 电话 is judged per ISO week, 走访 per calendar month, 业主面谈 per calendar quarter, over a
  window of the ``weeks`` / ``months`` / ``quarters`` periods ending with the one that holds the
  as-of date. A period is judged only when it is complete at the as-of date (its last day is on
  or before it) and does not start before the help-build's start date. The rule is met when
  every judged period holds at least one contact of that kind; with no judged period it is
  not judged yet.
- Overdue: the days since the last contact of that kind (on or before the as-of date), beyond
  the period length: 7 days for 电话, 31 for 走访 (the longest month), 92 for 业主面谈 (the
  longest quarter). A call exactly 7 days ago is not overdue; 8 days ago is 1 day overdue.
  Without any contact of that kind the start date stands in for the last contact; without
  a start date either, the pair is overdue by an unknown number of days (``None``, worst).
- 发展党员 and 建立党组织: per helper, across all its targets, at least one of each in the
  calendar year of the as-of date, or in the previous year when the as-of date is in the
  first quarter.
- A helper's compliance rate is the share of its judged rules that are met (three per pair,
  plus the two yearly ones); a helper is compliant when every judged rule is met.

Facts come through two :class:`FactSet` (pairs, contacts), each with a Cypher and a networkx
side; the town rule is the :class:`Scope`'s (a pair belongs to the town of its target).
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from graph.fields import model_from
from graph.model import Label, Rel
from graph.schema.cypher import CONTACTED, HELPS, INS, MEM, ORG
from graph.store.base import CypherReader, FactSet, GraphStore
from graph.store.index import GraphIndex
from queries._common import check_scope, ref_from
from queries.cache import cached, facts
from queries.models import NodeRef
from queries.params import Params
from queries.question import Question, register
from queries.scope import Scope

ACTIVE = "进行中"
PERIODIC = ("电话", "走访", "业主面谈")
YEARLY = ("发展党员", "建立党组织")
PERIOD_DAYS = {"电话": 7, "走访": 31, "业主面谈": 92}
PERIOD_ZH = {"电话": "每周", "走访": "每月", "业主面谈": "每季度"}

RULES_ZH = (
    "结对：帮建台账中状态为“进行中”的每一对帮建人—帮建对象（同一对多行按最早开始日期计一次）。",
    "电话按 ISO 周、走访按自然月、业主面谈按自然季度评判："
    "默认取截至日期所在周期及之前共 13 周 / 6 个月 / 4 个季度。",
    "截至日期尚未结束的周期不评判；开始于帮建开始日期之前的周期不评判。",
    "每个评判周期至少联系一次即为达标；没有可评判周期的记为“尚未评判”。",
    "逾期：距最近一次该方式联系的天数超过周期长度（电话 7 天、走访 31 天、业主面谈 92 天）；"
    "恰好 7 天前打过电话不算逾期。从未联系的按帮建开始日期计；开始日期也未填的记为逾期（天数不详）。",
    "发展党员、建立党组织按帮建人、按自然年合计其全部帮建对象：截至日期所在年份至少各一次；"
    "截至日期在第一季度时，评判上一年度。",
    "帮建人达标率 = 已达标规则数 / 已评判规则数（每对 3 条，另加每年 2 条）；全部达标即为达标。",
)


# --- parameters and results ---------------------------------------------------------------


class FiveOnesParams(Params):
    as_of: dt.date = Field(default_factory=dt.date.today, description="截至日期（默认今天），YYYY-MM-DD")
    weeks: int = Field(13, ge=1, le=104, description="电话：评判最近多少个 ISO 周（含截至日期所在周）")
    months: int = Field(6, ge=1, le=36, description="走访：评判最近多少个自然月（含截至日期所在月）")
    quarters: int = Field(4, ge=1, le=12, description="业主面谈：评判最近多少个季度（含截至日期所在季度）")
    top: int = Field(20, ge=1, le=500, description="最差情况列出条数")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class KindCheck(_Model):
    """One periodic rule of one pair."""

    kind: str  # 电话 / 走访 / 业主面谈
    judged: int  # complete periods in the window, not before the start date
    met: int  # of them, periods with at least one contact of this kind
    rate: float | None
    ok: bool | None  # None: no judged period yet
    missed: list[str] = Field(default_factory=list)  # labels of the judged periods without a contact
    last_contact: dt.date | None = None
    overdue_days: int | None = None  # days beyond the period length (None when overdue by unknown days)
    overdue: bool = False


class PairCompliance(_Model):
    helper: NodeRef
    target: NodeRef
    since: dt.date | None = None
    checks: list[KindCheck]
    ok: bool | None


class YearCheck(_Model):
    kind: str  # 发展党员 / 建立党组织
    year: int
    count: int
    ok: bool


class OverdueCase(_Model):
    helper: NodeRef
    target: NodeRef
    kind: str
    last_contact: dt.date | None = None
    overdue_days: int | None = None  # None: never contacted and no start date (worst)


class HelperCompliance(_Model):
    helper: NodeRef
    pairs: int
    rules_judged: int
    rules_met: int
    rate: float | None
    ok: bool | None
    yearly: list[YearCheck]
    overdue: int  # overdue pair-kinds
    worst: OverdueCase | None = None


class AreaSummary(_Model):
    """One town (``town_code``) or the district (``town_code`` None)."""

    town_code: str | None = None
    town_name: str | None = None
    pairs: int
    helpers: int
    helpers_judged: int
    helpers_ok: int
    helper_rate: float | None  # compliant helpers / judged helpers
    rules_judged: int
    rules_met: int
    rate: float | None
    overdue: int
    worst: list[OverdueCase] = Field(default_factory=list)


class FiveOnesResult(_Model):
    as_of: dt.date
    town: str | None = None
    year: int  # the year the yearly rules judge
    year_note: str
    windows: dict[str, int]
    rules: list[str]
    district: AreaSummary
    towns: list[AreaSummary]
    helpers: list[HelperCompliance]
    pairs: list[PairCompliance]
    worst: list[OverdueCase]


# --- facts ---------------------------------------------------------------------------------


class PairFact(NamedTuple):
    helper_label: str
    helper_key: str
    helper_name: str | None
    helper_town: str | None
    target_uscc: str
    target_name: str | None
    target_town: str | None
    since: str | None


class ContactFact(NamedTuple):
    helper_label: str
    helper_key: str
    target_uscc: str
    method: str
    date: str


_HELPER_KEY = f"CASE WHEN h:{INS} THEN h.instructor_id ELSE h.member_id END"
_HELPER_LABEL = f"CASE WHEN h:{INS} THEN '{Label.INSTRUCTOR.value}' ELSE '{Label.MEMBER.value}' END"


def _pairs_cypher(db: CypherReader, scope: Scope) -> tuple[PairFact, ...]:
    rows = db.read(
        f"""{scope.match("o", Label.ORGANIZATION)}
MATCH (h)-[r:{HELPS}]->(o) WHERE r.status = $active AND (h:{INS} OR h:{MEM})
RETURN {_HELPER_LABEL} AS hl, {_HELPER_KEY} AS hk, h.name AS hn, h.town_code AS ht,
       o.uscc AS uscc, o.org_name AS name, o.town_code AS town, r.since AS since""",
        {**scope.params(), "active": ACTIVE},
        "fiveones_pairs",
    )
    return tuple(
        sorted(
            PairFact(r["hl"], r["hk"], r["hn"], r["ht"], r["uscc"], r["name"], r["town"], r["since"])
            for r in rows
        )
    )


def _helper_of(ix: GraphIndex, nid: str) -> tuple[str, str] | None:
    lab = ix.props(nid)["_label"]
    if lab == Label.INSTRUCTOR.value:
        return lab, ix.props(nid)["instructor_id"]
    if lab == Label.MEMBER.value:
        return lab, ix.props(nid)["member_id"]
    return None


def _pairs_nx(ix: GraphIndex, scope: Scope) -> tuple[PairFact, ...]:
    out = []
    for oid, o in ix.town_nodes(Label.ORGANIZATION.value, scope.town):
        for hid, r in ix.in_edges(oid, Rel.HELPS_BUILD.value):
            h = _helper_of(ix, hid)
            if h is None or r.get("status") != ACTIVE:
                continue
            hp = ix.props(hid)
            out.append(
                PairFact(
                    h[0],
                    h[1],
                    hp.get("name"),
                    hp.get("town_code"),
                    o["uscc"],
                    o.get("org_name"),
                    o.get("town_code"),
                    r.get("since"),
                )
            )
    return tuple(sorted(out))


def _contacts_cypher(db: CypherReader, scope: Scope) -> tuple[ContactFact, ...]:
    # Every contact of the helpers of the scope's active pairs, whatever the target (the yearly
    # rules count all of a helper's targets); answers name only the scope's own targets.
    rows = db.read(
        f"""{scope.match("o", Label.ORGANIZATION)}
MATCH (h)-[r:{HELPS}]->(o) WHERE r.status = $active AND (h:{INS} OR h:{MEM})
WITH DISTINCT h
MATCH (h)-[c:{CONTACTED}]->(t:{ORG})
RETURN {_HELPER_LABEL} AS hl, {_HELPER_KEY} AS hk, t.uscc AS uscc, c.method AS method, c.date AS date""",
        {**scope.params(), "active": ACTIVE},
        "fiveones_contacts",
    )
    return tuple(sorted(ContactFact(r["hl"], r["hk"], r["uscc"], r["method"], r["date"]) for r in rows))


def _contacts_nx(ix: GraphIndex, scope: Scope) -> tuple[ContactFact, ...]:
    helpers: set[str] = set()
    for oid, _ in ix.town_nodes(Label.ORGANIZATION.value, scope.town):
        for hid, r in ix.in_edges(oid, Rel.HELPS_BUILD.value):
            if r.get("status") == ACTIVE and _helper_of(ix, hid) is not None:
                helpers.add(hid)
    out = []
    for hid in helpers:
        h = _helper_of(ix, hid)
        assert h is not None
        for tid, c in ix.out_edges(hid, Rel.CONTACTED.value):
            if ix.props(tid)["_label"] == Label.ORGANIZATION.value:
                out.append(ContactFact(h[0], h[1], ix.props(tid)["uscc"], c["method"], c["date"]))
    return tuple(sorted(out))


PAIRS: FactSet[Scope, tuple[PairFact, ...]] = FactSet("fiveones.pairs", _pairs_cypher, _pairs_nx)
CONTACTS: FactSet[Scope, tuple[ContactFact, ...]] = FactSet(
    "fiveones.contacts", _contacts_cypher, _contacts_nx
)


# --- the calendar (pure) -------------------------------------------------------------------


def _month_end(y: int, m: int) -> dt.date:
    return dt.date(y, m, calendar.monthrange(y, m)[1])


def _add_months(y: int, m: int, k: int) -> tuple[int, int]:
    n = y * 12 + (m - 1) + k
    return n // 12, n % 12 + 1


def period_of(kind: str, d: dt.date) -> tuple[dt.date, dt.date, str]:
    """The period (first day, last day, label) of a kind that holds a date."""
    if kind == "电话":
        start = d - dt.timedelta(days=d.weekday())
        iy, iw, _ = d.isocalendar()
        return start, start + dt.timedelta(days=6), f"{iy}-W{iw:02d}"
    if kind == "走访":
        return dt.date(d.year, d.month, 1), _month_end(d.year, d.month), f"{d.year}-{d.month:02d}"
    if kind == "业主面谈":
        q = (d.month - 1) // 3
        return dt.date(d.year, 3 * q + 1, 1), _month_end(d.year, 3 * q + 3), f"{d.year}Q{q + 1}"
    raise ValueError(kind)


def window(kind: str, as_of: dt.date, n: int) -> list[tuple[dt.date, dt.date, str]]:
    """The ``n`` periods ending with the one holding ``as_of``, oldest first."""
    out = []
    for k in range(n):
        if kind == "电话":
            d = as_of - dt.timedelta(days=7 * k)
        elif kind == "走访":
            y, m = _add_months(as_of.year, as_of.month, -k)
            d = dt.date(y, m, 1)
        else:
            y, m = _add_months(as_of.year, as_of.month, -3 * k)
            d = dt.date(y, m, 1)
        out.append(period_of(kind, d))
    return out[::-1]


def judged_periods(
    kind: str, as_of: dt.date, n: int, since: dt.date | None
) -> list[tuple[dt.date, dt.date, str]]:
    """Periods of the window that are complete at ``as_of`` and do not start before ``since``."""
    return [
        (a, b, lab) for a, b, lab in window(kind, as_of, n) if b <= as_of and (since is None or a >= since)
    ]


def overdue_days(kind: str, as_of: dt.date, last: dt.date | None, since: dt.date | None) -> int | None:
    """Days beyond the period length since the last contact (or the start date); 0 when in time,
    None when neither is known (overdue by an unknown number of days)."""
    ref = last if last is not None else since
    if ref is None:
        return None
    return max(0, (as_of - ref).days - PERIOD_DAYS[kind])


def judged_year(as_of: dt.date) -> int:
    return as_of.year - 1 if as_of.month <= 3 else as_of.year


def check_kind(
    kind: str,
    dates: Iterable[dt.date],
    as_of: dt.date,
    n: int,
    since: dt.date | None,
    win: list[tuple[dt.date, dt.date, str]] | None = None,
) -> KindCheck:
    """One periodic rule of one pair (``dates``: its contacts of this kind, any order;
    ``win``: :func:`window` of the kind, when the caller has it already)."""
    upto = sorted(d for d in dates if d <= as_of)
    if win is None:
        periods = judged_periods(kind, as_of, n, since)
    else:
        periods = [(a, b, lab) for a, b, lab in win if b <= as_of and (since is None or a >= since)]
    missed = []
    met = 0
    for a, b, lab in periods:
        i = bisect.bisect_left(upto, a)
        if i < len(upto) and upto[i] <= b:
            met += 1
        else:
            missed.append(lab)
    last = upto[-1] if upto else None
    od = overdue_days(kind, as_of, last, since)
    judged = len(periods)
    return KindCheck(
        kind=kind,
        judged=judged,
        met=met,
        rate=_rate(met, judged),
        ok=_all_met(met, judged),
        missed=missed,
        last_contact=last,
        overdue_days=od,
        overdue=od is None or od > 0,
    )


# --- the answer ----------------------------------------------------------------------------


def _date(text: Any) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


def _rate(met: int, judged: int) -> float | None:
    return None if judged == 0 else met / judged


def _all_met(met: int, judged: int) -> bool | None:
    return None if judged == 0 else met == judged


def _rules(pairs: list[PairCompliance], yearly: list[YearCheck]) -> tuple[int, int]:
    """A helper's judged and met rules: its pairs' periodic checks and its yearly rules."""
    judged = sum(1 for p in pairs for c in p.checks if c.ok is not None) + len(yearly)
    met = sum(1 for p in pairs for c in p.checks if c.ok) + sum(1 for y in yearly if y.ok)
    return judged, met


def overdue_cases(helper: NodeRef, target: NodeRef, checks: Iterable[KindCheck]) -> list[OverdueCase]:
    """The overdue checks of one pair, as cases (kind, last contact and days from the check)."""
    return [model_from(OverdueCase, c, helper=helper, target=target) for c in checks if c.overdue]


def _worse(c: OverdueCase) -> tuple[int, int, str, str, int]:
    # None (unknown) is the worst; then more days; ties by keys, then 电话 / 走访 / 业主面谈
    days = c.overdue_days
    return (0 if days is None else 1, -(days or 0), c.helper.key, c.target.key, PERIODIC.index(c.kind))


def _summary(
    town: str | None,
    town_name: str | None,
    pairs: list[PairCompliance],
    yearly: dict[tuple[str, str], list[YearCheck]],
    cases: list[OverdueCase],
    top: int,
) -> AreaSummary:
    by_helper: dict[tuple[str, str], list[PairCompliance]] = defaultdict(list)
    for pc in pairs:
        by_helper[(pc.helper.label, pc.helper.key)].append(pc)
    # each helper within this area: its pairs here plus its yearly rules
    rules = [_rules(by_helper[hk], yearly[hk]) for hk in sorted(by_helper)]
    judged, met = sum(j for j, _ in rules), sum(m for _, m in rules)
    h_judged = sum(1 for j, _ in rules if j)
    h_ok = sum(1 for j, m in rules if j and m == j)
    worst = sorted(cases, key=_worse)
    return AreaSummary(
        town_code=town,
        town_name=town_name,
        pairs=len(pairs),
        helpers=len(rules),
        helpers_judged=h_judged,
        helpers_ok=h_ok,
        helper_rate=_rate(h_ok, h_judged),
        rules_judged=judged,
        rules_met=met,
        rate=_rate(met, judged),
        overdue=len(cases),
        worst=worst[:top],
    )


def five_ones(store: GraphStore, scope: Scope, p: FiveOnesParams) -> FiveOnesResult:
    """Five-ones compliance within the scope.

    Example
    -------
    >>> FIVE_ONES(store, Scope("T01"), FiveOnesParams(as_of="2011-12-31")).district.rate  # doctest: +SKIP
    """
    check_scope(store, scope)
    ver = store.version()
    pair_facts = facts(store, PAIRS, scope, ver)
    contact_facts = facts(store, CONTACTS, scope, ver)
    return evaluate(pair_facts, contact_facts, p, scope, town_names(store, ver))


def town_names(store: GraphStore, version: str | None = None) -> dict[str, str | None]:
    """Town code -> name, once per store version."""
    return cached(
        store,
        ("town_names",),
        lambda: {k: v.get("town_name") for k, v in store.fetch_nodes(Label.TOWN).items()},
        version,
    )


def evaluate(
    pair_facts: Iterable[PairFact],
    contact_facts: Iterable[ContactFact],
    p: FiveOnesParams,
    scope: Scope,
    town_names: dict[str, str | None],
) -> FiveOnesResult:
    """The pure answer over the facts (the calendar rules above)."""
    as_of = p.as_of
    n_of = {"电话": p.weeks, "走访": p.months, "业主面谈": p.quarters}
    # pairs: one per (helper, target), earliest start date
    by_pair: dict[tuple[str, str, str], PairFact] = {}
    since_of: dict[tuple[str, str, str], dt.date | None] = {}
    for f in pair_facts:
        k = (f.helper_label, f.helper_key, f.target_uscc)
        s = _date(f.since)
        if k not in by_pair:
            by_pair[k], since_of[k] = f, s
        elif s is not None and (since_of[k] is None or s < since_of[k]):  # type: ignore[operator]
            since_of[k] = s
    dates: dict[tuple[str, str, str, str], list[dt.date]] = defaultdict(list)
    year = judged_year(as_of)
    year_count: dict[tuple[str, str, str], int] = defaultdict(int)
    for cf in contact_facts:
        d = _date(cf.date)
        if d is None or d > as_of:
            continue
        dates[(cf.helper_label, cf.helper_key, cf.target_uscc, cf.method)].append(d)
        if d.year == year and cf.method in YEARLY:
            year_count[(cf.helper_label, cf.helper_key, cf.method)] += 1

    windows = {kind: window(kind, as_of, n_of[kind]) for kind in PERIODIC}
    pairs: list[PairCompliance] = []
    cases: list[OverdueCase] = []
    for k in sorted(by_pair):
        f, since = by_pair[k], since_of[k]
        helper = ref_from(f.helper_label, f.helper_key, f.helper_name, f.helper_town)
        target = ref_from(Label.ORGANIZATION.value, f.target_uscc, f.target_name, f.target_town)
        checks = [
            check_kind(kind, dates.get((*k, kind), ()), as_of, n_of[kind], since, windows[kind])
            for kind in PERIODIC
        ]
        judged = [c.ok for c in checks if c.ok is not None]
        pairs.append(
            PairCompliance(
                helper=helper, target=target, since=since, checks=checks, ok=all(judged) if judged else None
            )
        )
        cases += overdue_cases(helper, target, checks)

    yearly: dict[tuple[str, str], list[YearCheck]] = {}
    for hk in sorted({(pc.helper.label, pc.helper.key) for pc in pairs}):
        yearly[hk] = [
            YearCheck(kind=kind, year=year, count=year_count[(*hk, kind)], ok=year_count[(*hk, kind)] > 0)
            for kind in YEARLY
        ]

    pairs_of: dict[tuple[str, str], list[PairCompliance]] = defaultdict(list)
    for pc in pairs:
        pairs_of[(pc.helper.label, pc.helper.key)].append(pc)
    cases_of: dict[tuple[str, str], list[OverdueCase]] = defaultdict(list)
    for oc in cases:
        cases_of[(oc.helper.label, oc.helper.key)].append(oc)
    helpers: dict[tuple[str, str], HelperCompliance] = {}
    for hk, ys in yearly.items():
        mine = pairs_of[hk]
        mine_cases = sorted(cases_of[hk], key=_worse)
        j, m = _rules(mine, ys)
        helpers[hk] = HelperCompliance(
            helper=mine[0].helper,
            pairs=len(mine),
            rules_judged=j,
            rules_met=m,
            rate=_rate(m, j),
            ok=_all_met(m, j),
            yearly=ys,
            overdue=len(mine_cases),
            worst=mine_cases[0] if mine_cases else None,
        )

    town_pairs: dict[str, list[PairCompliance]] = defaultdict(list)
    town_cases: dict[str, list[OverdueCase]] = defaultdict(list)
    for pc in pairs:
        if pc.target.town_code is not None:
            town_pairs[pc.target.town_code].append(pc)
    for oc in cases:
        if oc.target.town_code is not None:
            town_cases[oc.target.town_code].append(oc)
    towns = [
        _summary(town, town_names.get(town), town_pairs[town], yearly, town_cases[town], p.top)
        for town in sorted(town_pairs)
    ]
    district = _summary(
        scope.town, town_names.get(scope.town) if scope.town else None, pairs, yearly, cases, p.top
    )
    helper_list = sorted(
        helpers.values(),
        key=lambda h: (h.ok is not False, h.rate if h.rate is not None else 2.0, h.helper.key),
    )
    q1 = as_of.month <= 3
    note = (
        f"截至日期 {as_of.isoformat()} 在第一季度，发展党员、建立党组织按上一年度（{year} 年）评判"
        if q1
        else f"发展党员、建立党组织按截至日期所在年度（{year} 年）评判"
    )
    return FiveOnesResult(
        as_of=as_of,
        town=scope.town,
        year=year,
        year_note=note,
        windows={"电话": p.weeks, "走访": p.months, "业主面谈": p.quarters},
        rules=list(RULES_ZH),
        district=district,
        towns=towns,
        helpers=helper_list,
        pairs=pairs,
        worst=sorted(cases, key=_worse)[: p.top],
    )


FIVE_ONES = register(
    Question("five-ones", "五个一督办", FiveOnesParams, FiveOnesResult, five_ones, personal=True)
)
