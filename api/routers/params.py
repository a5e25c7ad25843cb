"""Query parameters shared by several routers (bounds and help text in one place)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from pydantic import Field

from queries.params import MAX_PAGE, Params

MAX_LIMIT = MAX_PAGE
TOWN_HELP = (
    "只看一个镇街（镇街令牌总是限于本镇街，传其他镇街返回 404）/ one town only "
    "(a town token is always confined to its own town; another town answers 404)"
)

Town = Annotated[str | None, Query(max_length=100, description=TOWN_HELP)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"每页条数（最多 {MAX_LIMIT}）/ page size")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="跳过条数 / items to skip")]
Text = Annotated[str | None, Query(max_length=100)]


class Scoped(Params):
    """The town a district caller may narrow a question to (a town token is always confined to
    its own town: see :meth:`queries.scope.Scope.for_caller`). Mixed into a question's
    parameters model to make the route's query parameters."""

    town: str | None = Field(None, max_length=100, description=TOWN_HELP)
