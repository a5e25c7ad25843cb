"""Members' organisational relationships; the admin-only lookup by ID number or phone."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response
from pydantic import Field

from api.answer import Caller, ask, caller, question_route
from api.auth import admin
from api.lookup import LookupRequest, LookupResult, lookup_members
from api.routers.params import Scoped
from graph.tokens import Principal
from queries.membership import INCONSISTENCIES, MEMBERSHIP, InconsistencyParams, MembershipParams
from queries.models import MembershipResult
from queries.params import MAX_PAGE

router = APIRouter(tags=["membership 党员关系"])


class InconsistencyQuery(InconsistencyParams, Scoped):
    limit: int = Field(100, ge=1, le=MAX_PAGE, description="每页条数 / page size")
    offset: int = Field(0, ge=0, le=1_000_000, description="跳过条数 / items to skip")


@router.get(
    "/members/{member_id}/membership",
    response_model=MembershipResult,
    summary="党员的组织关系链与活动链 / a member's relationship and activity chains",
)
def membership(
    c: Annotated[Caller, Depends(caller)],
    member_id: Annotated[str, Path(min_length=1, max_length=100)],
) -> Response:
    return ask(c, MEMBERSHIP, MembershipParams.parse(member_id=member_id))


question_route(
    router,
    "/membership/inconsistencies",
    INCONSISTENCIES,
    query=InconsistencyQuery,
    summary="组织关系不一致清单 / membership inconsistencies",
    page="items",
)


@router.post(
    "/members/lookup",
    response_model=LookupResult,
    summary="管理员按身份证号或手机号查找党员（须说明理由，审计）/ admin: find members by ID or phone",
)
def lookup(
    body: LookupRequest,
    c: Annotated[Caller, Depends(caller)],
    _: Annotated[Principal, Depends(admin)],
) -> LookupResult:
    return lookup_members(c, body)
