"""The 督办 page (issue 17): its numbers are the questions' answers, filters narrow them, a town
user sees its own town only, the export is there."""

from __future__ import annotations

import datetime as dt
from typing import Any

from queries.fiveones import FIVE_ONES, FiveOnesParams
from queries.scope import Scope
from queries.todo import TODO, TodoParams
from tests.dashboard.conftest import all_text, app, metrics, no_exception, token

AS_OF = dt.date(2011, 12, 31)


def test_followup_page_numbers_and_filters(loaded: Any) -> None:
    at = app(token("district"), "followup")
    no_exception(at)
    at.date_input(key="fu_as_of").set_value(AS_OF).run()
    no_exception(at)
    todo = TODO(loaded, Scope(), TodoParams.parse(as_of=AS_OF, limit=100_000))
    fo = FIVE_ONES(loaded, Scope(), FiveOnesParams.parse(as_of=AS_OF))
    m = metrics(at)
    assert m["待办事项"] == str(todo.total) and m["其中逾期"] == str(todo.overdue)
    assert m["进行中的帮建结对"] == str(fo.district.pairs)
    assert "导出会议材料" in all_text(at) or at.get("download_button")
    at.multiselect(key="fu_kinds").set_value(["term_ending", "overdue_contact"]).run()
    no_exception(at)
    narrowed = TODO(loaded, Scope(), TodoParams.parse(as_of=AS_OF, kinds=["term_ending", "overdue_contact"]))
    assert metrics(at)["待办事项"] == str(narrowed.total)


def test_followup_page_for_a_town_user(loaded: Any) -> None:
    at = app(token("town", town="T1"), "followup")
    at.date_input(key="fu_as_of").set_value(AS_OF).run()
    no_exception(at)
    mine = TODO(loaded, Scope("T1"), TodoParams.parse(as_of=AS_OF))
    assert metrics(at)["待办事项"] == str(mine.total)
    assert "青峰镇" not in all_text(at)
