"""Follow-up (督办, issue 17): five-ones compliance and the to-do list (the Excel meeting material
is the CLI's ``orggraph todo --out`` and the dashboard's export).

The town comes from the token (a town caller sees its own town only); the parameters are the
questions' own models (:class:`queries.fiveones.FiveOnesParams`, :class:`queries.todo.TodoParams`).
"""

from __future__ import annotations

from fastapi import APIRouter

from api.answer import question_route, total_in
from queries.fiveones import FIVE_ONES
from queries.todo import TODO

router = APIRouter(tags=["follow-up 督办"])

question_route(
    router,
    "/five-ones",
    FIVE_ONES,
    summary="五个一落实情况：每名帮建人的达标率与最严重逾期，镇街与全区汇总 / five-ones compliance",
)
question_route(
    router,
    "/todo",
    TODO,
    summary="待办清单：每项附原因与建议措施 / the to-do list, each item with its reason and action",
    shape=total_in("total"),
)
