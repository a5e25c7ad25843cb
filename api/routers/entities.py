"""Single records, search, the organisation tree and the reference figures."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response

import queries
from api.answer import Caller, answer, caller, list_page, question_route
from api.routers.params import Town
from queries.figures import FIGURES
from queries.models import OrganizationDetail, OrgTree, PartyOrgDetail, SearchHit

router = APIRouter(tags=["entities 组织与党组织"])

Key = Annotated[str, Path(min_length=1, max_length=100)]


@router.get("/organizations/{uscc}", response_model=OrganizationDetail, summary="一个组织 / one organisation")
def organization(c: Annotated[Caller, Depends(caller)], uscc: Key) -> Response:
    return answer(c, queries.organization, uscc)


@router.get("/party-orgs/{code}", response_model=PartyOrgDetail, summary="一个党组织 / one party org")
def party_org(c: Annotated[Caller, Depends(caller)], code: Key) -> Response:
    return answer(c, queries.party_org, code)


@router.get("/search", response_model=list[SearchHit], summary="按名称或编码搜索 / search names and codes")
def search(
    c: Annotated[Caller, Depends(caller)],
    q: Annotated[str, Query(min_length=1, max_length=100)],
    town: Town = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> Response:
    return answer(c, queries.search, q, town=town, limit=offset + limit, shape=list_page(limit, offset))


@router.get("/org-tree", response_model=OrgTree, summary="四级组织树 / the four-level tree")
def org_tree(c: Annotated[Caller, Depends(caller)], town: Town = None) -> Response:
    return answer(c, queries.org_tree, cache=True, town=town)


question_route(
    router,
    "/figures",
    FIGURES,
    tags=["figures 参考数字"],
    summary="从图中计算的参考数字 / the reference figures, computed from the graph",
)
