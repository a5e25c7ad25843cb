"""Members' organisational relationships; the admin-only lookup by ID number or phone."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response

import queries
from api.answer import Caller, answer, caller, page_of
from api.auth import admin
from api.lookup import LookupRequest, LookupResult, lookup_members
from api.routers.params import Limit, Offset, Town
from graph.tokens import Principal
from queries.models import InconsistencyList, MembershipResult

router = APIRouter(tags=["membership 党员关系"])


@router.get(
    "/members/{member_id}/membership",
    response_model=MembershipResult,
    summary="党员的组织关系链与活动链 / a member's relationship and activity chains",
)
def membership(
    c: Annotated[Caller, Depends(caller)],
    member_id: Annotated[str, Path(min_length=1, max_length=100)],
) -> Response:
    return answer(c, queries.membership, member_id=member_id)


@router.get(
    "/membership/inconsistencies",
    response_model=InconsistencyList,
    summary="组织关系不一致清单 / membership inconsistencies",
)
def inconsistencies(
    c: Annotated[Caller, Depends(caller)],
    town: Town = None,
    code: Literal[
        "activity_town_mismatch",
        "relationship_not_covering_employer",
        "flagged_without_relationship",
        "committee_without_post",
    ]
    | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Response:
    return answer(
        c,
        queries.membership_inconsistencies,
        cache=True,
        town=town,
        shape=page_of("items", limit, offset),
        code=code,
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
