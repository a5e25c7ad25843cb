"""Follow-up (督办, issue 17): five-ones compliance and the to-do list, with the Excel export.

The town comes from the token (a town caller sees its own town only); the parameters are the
questions' own models (:class:`queries.fiveones.FiveOnesParams`, :class:`queries.todo.TodoParams`).
"""

from __future__ import annotations

import io
from typing import Annotated
from urllib.parse import quote

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


@router.get(
    "/todo.xlsx",
    tags=["follow-up 督办"],
    summary="待办清单 Excel（按镇街分页的会议材料）/ the to-do list as meeting material (xlsx)",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}}},
)
def todo_xlsx(c: Annotated[Caller, Depends(caller)], p: Annotated[TodoQuery, Query()]) -> Response:
    from queries.todo_export import filters_text, write_todo_xlsx

    whole = p.model_copy(update={"limit": 100_000, "offset": 0})
    res = ask(c, TODO, whole)  # scope from the token, audited like /todo
    result = TodoResult.model_validate_json(res.body)
    buf = io.BytesIO()
    write_todo_xlsx(result, buf, filters=filters_text(whole))
    name = f"督办待办清单-{result.town or '全区'}-{result.as_of.isoformat()}.xlsx"
    return Response(
        buf.getvalue(),
        media_type=XLSX,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )
