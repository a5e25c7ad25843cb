"""Follow-up (督办, issue 17): five-ones compliance and the to-do list (the Excel meeting material
is the CLI's ``orggraph todo --out`` and the dashboard's export).

The town comes from the token (a town caller sees its own town only); the parameters are the
questions' own models (:class:`queries.fiveones.FiveOnesParams`, :class:`queries.todo.TodoParams`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from api.answer import Caller, ask, caller
from api.routers.params import Scoped
from queries.fiveones import FIVE_ONES, FiveOnesParams, FiveOnesResult
from queries.todo import TODO, TodoParams, TodoResult

router = APIRouter()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class FiveOnesQuery(FiveOnesParams, Scoped):
    pass


class TodoQuery(TodoParams, Scoped):
    pass


@router.get(
    "/five-ones",
    response_model=FiveOnesResult,
    tags=["follow-up 督办"],
    summary="五个一落实情况：每名帮建人的达标率与最严重逾期，镇街与全区汇总 / five-ones compliance",
)
def five_ones(c: Annotated[Caller, Depends(caller)], p: Annotated[FiveOnesQuery, Query()]) -> Response:
    return ask(c, FIVE_ONES, p)


@router.get(
    "/todo",
    response_model=TodoResult,
    tags=["follow-up 督办"],
    summary="待办清单：每项附原因与建议措施 / the to-do list, each item with its reason and action",
)
def todo(c: Annotated[Caller, Depends(caller)], p: Annotated[TodoQuery, Query()]) -> Response:
    return ask(c, TODO, p, shape=lambda r: (r, {"X-Total-Count": str(r.total)}))
