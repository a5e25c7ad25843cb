"""Single records, search, the organisation tree and the reference figures."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response

from api.answer import Caller, ask, caller, question_route
from queries.entities import (
    MEMBER,
    ORG_TREE,
    ORGANIZATION,
    PARTY_ORG,
    SEARCH,
    VILLAGE,
    MemberParams,
    OrganizationParams,
    PartyOrgParams,
    VillageParams,
)
from queries.figures import FIGURES
from queries.models import (
    MemberDetail,
    OrganizationDetail,
    PartyOrgDetail,
    SearchHit,
    SearchResult,
    VillageDetail,
)

router = APIRouter(tags=["entities 组织与党组织"])

Key = Annotated[str, Path(min_length=1, max_length=100)]


@router.get("/organizations/{uscc}", response_model=OrganizationDetail, summary="一个组织 / one organisation")
def organization(c: Annotated[Caller, Depends(caller)], uscc: Key) -> Response:
    return ask(c, ORGANIZATION, OrganizationParams.parse(uscc=uscc))


@router.get("/party-orgs/{code}", response_model=PartyOrgDetail, summary="一个党组织 / one party org")
def party_org(c: Annotated[Caller, Depends(caller)], code: Key) -> Response:
    return ask(c, PARTY_ORG, PartyOrgParams.parse(code=code))


@router.get(
    "/members/{member_id}", response_model=MemberDetail, summary="一名党员（脱敏）/ one member (masked)"
)
def member(c: Annotated[Caller, Depends(caller)], member_id: Key) -> Response:
    return ask(c, MEMBER, MemberParams.parse(member_id=member_id))


@router.get("/villages/{code}", response_model=VillageDetail, summary="一个村社区 / one village")
def village(c: Annotated[Caller, Depends(caller)], code: Key) -> Response:
    return ask(c, VILLAGE, VillageParams.parse(code=code))


def _hits(res: SearchResult) -> tuple[list[SearchHit], dict[str, str]]:
    return res.items, {"X-Total-Count": str(res.total)}


question_route(
    router,
    "/search",
    SEARCH,
    response_model=list[SearchHit],
    summary="按名称或编码搜索 / search names and codes",
    shape=_hits,
)
question_route(router, "/org-tree", ORG_TREE, summary="四级组织树 / the four-level tree")
question_route(
    router,
    "/figures",
    FIGURES,
    tags=["figures 参考数字"],
    summary="从图中计算的参考数字 / the reference figures, computed from the graph",
)
