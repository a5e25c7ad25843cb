"""The 组建规划 page: the plan with its numbers, locks, a town user's own town only, saved plans."""

from __future__ import annotations

from typing import Any

from streamlit.testing.v1 import AppTest

from queries.plan import PLAN, PlanParams
from queries.plan_saved import get_plan, list_plans
from queries.scope import Scope
from tests.dashboard.conftest import APP, all_text, metrics, no_exception, session_for, token
from tests.dashboard.test_pages import OTHER_TOWNS


def _page(tok: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["og_sid"] = session_for(tok)
    at.run()
    at.switch_page("views/plan.py").run()
    return at


def test_plan_page_shows_the_plan(loaded: Any) -> None:
    at = _page(token("district"))
    no_exception(at)
    res = PLAN(loaded, Scope(), PlanParams())
    m = metrics(at)
    assert m["单独建"] == str(sum(1 for r in res.rows if r.formation == "单独建"))
    assert m["未安排"] == str(len(res.unplaced))
    text = all_text(at)
    assert "组建方案" in text and "导出会议材料" in text
    assert any(b.label.startswith("下载") for b in at.get("download_button")) or "下载" in text


def test_plan_page_town_user_sees_only_its_town(loaded: Any) -> None:
    at = _page(token("town", "T1"))
    no_exception(at)
    text = all_text(at)
    for name in OTHER_TOWNS:
        assert name not in text, name


def test_plan_page_saves_a_plan(loaded: Any) -> None:
    at = _page(token("district"))
    at.text_input(key="plan_save_name").input("一季度计划").run()
    next(b for b in at.button if b.label == "保存当前方案").click().run()
    no_exception(at)
    assert "一季度计划" in all_text(at)
    assert "完成率" in all_text(at)


def test_plan_page_plans_without_removed_entities(loaded: Any) -> None:
    # the impact panel of 网络分析 links here with ?removed=...
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["og_sid"] = session_for(token("district"))
    at.run()
    at.query_params["removed"] = "PO1,PO2"
    at.switch_page("views/plan.py").run()
    no_exception(at)
    text = all_text(at)
    assert "按撤销后的情况规划" in text and "PO1、PO2" in text
    res = PLAN(loaded, Scope(), PlanParams(removed=("PO1", "PO2")))
    assert metrics(at)["未安排"] == str(len(res.unplaced))
    assert any(res.notes[0] in w.value for w in at.warning)


def test_plan_page_accepts_rows_of_a_saved_plan(loaded: Any) -> None:
    at = _page(token("district"))
    at.text_input(key="plan_save_name").input("后确认计划").run()
    next(b for b in at.button if b.label == "保存当前方案").click().run()
    saved = next(x for x in list_plans(loaded, Scope()) if x.name == "后确认计划")
    next(b for b in at.selectbox if b.label == "查看方案明细").set_value(saved.id).run()
    key = get_plan(loaded, Scope(), saved.id).plan.rows[0].org
    pick = next(m for m in at.multiselect if m.label.startswith("确认方案中的行"))
    pick.set_value([key]).run()
    next(b for b in at.button if b.label == "确认选中的行").click().run()
    no_exception(at)
    assert [r.org for r in get_plan(loaded, Scope(), saved.id).plan.rows if r.locked] == [key]
    assert "已确认" in all_text(at)
