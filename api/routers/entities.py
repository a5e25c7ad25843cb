"""Single records, search, the organisation tree and the reference figures."""

from __future__ import annotations

import importlib
from typing import Annotated, Any, get_type_hints

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response

from api.answer import Caller, answer, ask, caller
from api.problems import NotImplementedYet
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


def _figures_fn() -> Any:
    try:
        return importlib.import_module("queries.figures").figures
    except ModuleNotFoundError as exc:
        if exc.name == "queries.figures":
            return None
        raise


def _figures_model() -> Any:
    # Only the schema depends on this: a broken or missing module must not stop the API.
    try:
        fn = _figures_fn()
        return None if fn is None else get_type_hints(fn).get("return")
    except Exception:
        return None


@router.get(
    "/figures",
    response_model=_figures_model(),
    tags=["figures 参考数字"],
    summary="从图中计算的参考数字 / the reference figures, computed from the graph",
)
def figures(c: Annotated[Caller, Depends(caller)], town: Town = None) -> Response:
    fn = _figures_fn()
    if fn is None:
        raise NotImplementedYet("参考数字查询尚未实现", "the figures query is not available")
    return answer(c, fn, cache=True, town=town)
