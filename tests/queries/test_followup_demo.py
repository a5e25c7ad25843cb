"""Issue 17 on the demo district at 2011-12-31: the to-do counts equal counts made straight from
the roster rows (pandas over the workbook, no graph), and the page has something to say."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

from graph.loaders.demo import generate
from graph.loaders.load import load_roster
from graph.store.embedded import EmbeddedStore
from queries.fiveones import FIVE_ONES, FiveOnesParams
from queries.membership import INCONSISTENCIES
from queries.scope import Scope
from queries.todo import TODO, TodoParams

AS_OF = dt.date(2011, 12, 31)
LIMIT = {"电话": 7, "走访": 31, "业主面谈": 92}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, dict[str, pd.DataFrame]]]:
    home = tmp_path_factory.mktemp("followup_demo")
    wb = generate(home / "demo.xlsx")
    store = EmbeddedStore(home / "embedded")
    assert load_roster(wb, store).exit_code == 0
    sheets = pd.read_excel(wb, sheet_name=None, dtype=str, keep_default_na=False, engine="calamine")
    yield store, sheets
    store.close()


def _split(cell: str) -> list[str]:
    return [x for x in cell.replace(",", ";").split(";") if x]


def _from_rows(s: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Each to-do count, made from the workbook's rows."""
    orgs, party, members = s["组织"], s["党组织"], s["党员"]
    inst, pairs, ledger, contacts = s["党建指导员"], s["结对"], s["帮建"], s["联系记录"]
    full = members[members["党员类型"] == "正式党员"]
    full_at = full["工作单位信用代码"].value_counts()
    full_in = full["组织关系所在党组织编码"].value_counts()
    covers = party["覆盖组织信用代码"].map(_split)
    covered = {u for lst in covers for u in lst}
    live = orgs[orgs["经营状态"] != "注销"]
    uncovered = [u for u in live["统一社会信用代码"] if u not in covered]
    out: dict[str, int] = {}
    out["standalone_ready"] = sum(1 for u in uncovered if full_at.get(u, 0) >= 3)
    joint = party["组建方式"].isin(["联合建", "1+X"])
    out["split_from_joint"] = sum(1 for lst in covers[joint] for u in lst[1:] if full_at.get(u, 0) >= 3)
    kind = party["类型"].replace("", "组织党组织")
    branch = (party["层级"] == "党支部") & kind.isin(["组织党组织", "协会党组织"])
    out["branch_under_three"] = sum(1 for c in party.loc[branch, "党组织编码"] if full_in.get(c, 0) < 3)
    tier = dict(zip(party["党组织编码"], party["示范等级"], strict=True))
    dp = pairs[(pairs["结对类型"] == "示范帮扶") & pairs["发起方编码"].map(lambda c: bool(tier.get(c)))]
    partnered = set(dp["对象编码"])
    two_new = kind.isin(["组织党组织", "协会党组织"]) & party["层级"].isin(["党委", "党总支", "党支部"])
    non_demo = party[two_new & (party["示范等级"] == "")]
    out["no_demo_partner"] = sum(1 for c in non_demo["党组织编码"] if c not in partnered) + sum(
        1 for u in uncovered if u not in partnered
    )
    ends = pd.to_datetime(party["本届届满日期"].replace("", None))
    out["term_ending"] = int((ends <= pd.Timestamp("2012-06-30")).sum())
    out["instructor_overload"] = sum(1 for cell in inst["派驻对象"] if len(set(_split(cell))) > 5)
    # overdue: the last contact per active pair and kind, else the start date, against the limit
    active = ledger[ledger["状态"] == "进行中"]
    c = contacts.assign(d=pd.to_datetime(contacts["日期"]))
    c = c[c["d"] <= pd.Timestamp(AS_OF)]
    last = c.groupby(["帮建人编号", "对象信用代码", "方式"])["d"].max()
    since = active.assign(s=pd.to_datetime(active["开始日期"].replace("", None)))
    since = since.groupby(["帮建人编号", "帮建对象信用代码"])["s"].min()
    overdue = 0
    for (helper, org), start in since.items():
        for kind_, limit in LIMIT.items():
            ref = last.get((helper, org, kind_), start)
            overdue += pd.isna(ref) or (pd.Timestamp(AS_OF) - ref).days > limit
    out["overdue_contact"] = overdue
    return out


def test_todo_counts_equal_the_rows(demo: tuple[Any, dict[str, pd.DataFrame]]) -> None:

    store, sheets = demo
    res = TODO(store, Scope(), TodoParams.parse(as_of=AS_OF))
    expected = _from_rows(sheets)
    got = {k: res.counts[k] for k in expected}
    assert got == expected
    assert res.counts["membership"] == INCONSISTENCIES(store).total
    # the demo gives the page something to say
    assert expected["overdue_contact"] >= 5 and 3 <= expected["term_ending"] <= 30
    assert res.total == sum(res.counts.values())
    # per town: the towns add up to the district
    assert sum(t.total for t in res.towns) == res.total
    # and a town caller sees exactly its town's part of the district's list
    for t in res.towns:
        if t.town_code is not None:
            mine = TODO(store, Scope(t.town_code), TodoParams.parse(as_of=AS_OF))
            assert (mine.total, mine.towns[0].counts) == (t.total, t.counts), t.town_code


def test_five_ones_on_the_demo(demo: tuple[Any, dict[str, pd.DataFrame]]) -> None:
    store, sheets = demo
    res = FIVE_ONES(store, Scope(), FiveOnesParams.parse(as_of=AS_OF))
    active = sheets["帮建"][sheets["帮建"]["状态"] == "进行中"]
    assert res.district.pairs == len(active.drop_duplicates(["帮建人编号", "帮建对象信用代码"]))
    d = res.district
    assert d.helper_rate is not None and 0.6 <= d.helper_rate < 1.0  # most helpers compliant, not all
    days = [w.overdue_days for w in res.worst if w.overdue_days is not None]
    assert any(x <= 20 for x in days) and any(x >= 60 for x in days)  # overdue by days and by months
    assert sum(t.pairs for t in res.towns) == d.pairs
