"""Single records, search, the organisation tree and the reference figures."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response

from api.answer import Caller, answer, ask, caller
from api.routers.params import Scoped, Town
from queries.entities import (
    ORG_TREE,
    ORGANIZATION,
    PARTY_ORG,
    SEARCH,
    OrganizationParams,
    OrgTreeParams,
    PartyOrgParams,
    SearchParams,
)
from queries.figures import FiguresResult
from queries.figures import figures as figures_fn
from queries.models import OrganizationDetail, OrgTree, PartyOrgDetail, SearchHit, SearchResult

router = APIRouter(tags=["entities 组织与党组织"])

Key = Annotated[str, Path(min_length=1, max_length=100)]


class SearchQuery(SearchParams, Scoped):
    pass


class OrgTreeQuery(OrgTreeParams, Scoped):
    pass


@router.get("/organizations/{uscc}", response_model=OrganizationDetail, summary="一个组织 / one organisation")
def organization(c: Annotated[Caller, Depends(caller)], uscc: Key) -> Response:
    return ask(c, ORGANIZATION, OrganizationParams.parse(uscc=uscc))


@router.get("/party-orgs/{code}", response_model=PartyOrgDetail, summary="一个党组织 / one party org")
def party_org(c: Annotated[Caller, Depends(caller)], code: Key) -> Response:
    return ask(c, PARTY_ORG, PartyOrgParams.parse(code=code))


def _hits(res: SearchResult) -> tuple[list[SearchHit], dict[str, str]]:
    return res.items, {"X-Total-Count": str(res.total)}


@router.get("/search", response_model=list[SearchHit], summary="按名称或编码搜索 / search names and codes")
def search(c: Annotated[Caller, Depends(caller)], q: Annotated[SearchQuery, Query()]) -> Response:
    return ask(c, SEARCH, q, shape=_hits)


@router.get("/org-tree", response_model=OrgTree, summary="四级组织树 / the four-level tree")
def org_tree(c: Annotated[Caller, Depends(caller)], q: Annotated[OrgTreeQuery, Query()]) -> Response:
    return ask(c, ORG_TREE, q)


@router.get(
    "/figures",
    response_model=FiguresResult,
    tags=["figures 参考数字"],
    summary="从图中计算的参考数字 / the reference figures, computed from the graph",
)
def figures(c: Annotated[Caller, Depends(caller)], town: Town = None) -> Response:
    return answer(c, figures_fn, cache=True, town=town)
