"""Saved plans (issue 14): kept with the graph on both backends, outside every count and dump,
scoped by town, and their progress after later changes of the graph."""

from __future__ import annotations

from typing import Any

import pytest

from graph.errors import NotFound
from graph.model import Label, Rel
from queries.plan import PlanParams
from queries.plan_saved import list_plans, plan_progress, save_plan
from queries.scope import Scope


def test_saved_plan_and_its_progress(fx: Any) -> None:
    counts, dump = fx.counts(), fx.dump()
    info = save_plan(fx, Scope(), "全区方案", PlanParams(), "tester")
    t1 = save_plan(fx, Scope("T1"), "一镇方案", PlanParams(host_cap=1), "town-user")
    assert fx.counts() == counts and fx.dump() == dump  # no question may count a saved plan
    assert {p.id for p in list_plans(fx, Scope())} == {info.id, t1.id}
    assert [p.id for p in list_plans(fx, Scope("T1"))] == [t1.id]
    assert list_plans(fx, Scope("T2")) == []
    with pytest.raises(NotFound):
        plan_progress(fx, Scope("T2"), t1.id)
    with pytest.raises(NotFound):
        plan_progress(fx, Scope(), "no-such-plan")

    pr = plan_progress(fx, Scope(), info.id)
    assert pr.info.name == "全区方案" and pr.info.author == "tester"
    assert pr.info.params == PlanParams().model_dump(mode="json")
    assert {r.status for r in pr.rows} == {"未完成"} and pr.done == 0 and pr.open == len(pr.rows) > 0

    # Later: one planned host covers its unit (done); another unit is covered by someone else.
    host_row = next(r.row for r in pr.rows if r.row.host)
    other_row = next(r.row for r in pr.rows if r.row.org != host_row.org)
    parties = fx.fetch_nodes(Label.PARTY_ORG)
    elsewhere = next(k for k in sorted(parties) if k not in (host_row.host, other_row.host))
    fx.upsert_relationships(
        Rel.COVERS,
        Label.PARTY_ORG,
        Label.ORGANIZATION,
        [
            {"from": host_row.host, "to": host_row.org, "rid": "", "props": {}},
            {"from": elsewhere, "to": other_row.org, "rid": "", "props": {}},
        ],
    )
    after = plan_progress(fx, Scope(), info.id)
    status = {r.row.org: r.status for r in after.rows}
    assert status[host_row.org] == "已完成"
    assert status[other_row.org] == "以其他方式覆盖"
    assert after.done == 1 and after.otherwise == 1
    assert after.progress == pytest.approx(1 / len(after.rows), abs=1e-6)
