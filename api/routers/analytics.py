"""The heavy questions (cached per scope and parameters): coverage, gaps, pairings, centrality."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

import queries
from api.answer import Caller, answer, ask, caller, page_of
from api.routers.params import Limit, Offset, Scoped, Text, Town
from queries.models import CentralityResult, CoverageResult, GapsResult, PairingNetwork
from queries.pairing import PAIRING, PairingParams

router = APIRouter()

Category = Literal["非公企业", "个体工商户", "专业市场", "社会组织", "行业协会", "商会"]


@router.get(
    "/coverage",
    response_model=CoverageResult,
    tags=["coverage 覆盖"],
    summary="党组织覆盖率与未覆盖组织 / coverage and the uncovered organisations",
)
def coverage(
    c: Annotated[Caller, Depends(caller)],
    town: Town = None,
    by: Literal["category", "town", "park", "industry", "association"] = "category",
    category: Category | None = None,
    park: Text = None,
    industry: Text = None,
    association: Text = None,
    limit: Annotated[Limit, Query(description="uncovered 列表每页条数 / page size of uncovered")] = 100,
    offset: Offset = 0,
) -> Response:
    return answer(
        c,
        queries.coverage,
        cache=True,
        town=town,
        shape=page_of("uncovered", limit, offset),
        by=by,
        category=category,
        park=park,
        industry=industry,
        association=association,
    )


@router.get(
    "/gaps",
    response_model=GapsResult,
    tags=["gaps 空白点"],
    summary="未建党组织的组织、候选依托与建议 / uncovered organisations, hosts and a recommendation",
)
def gaps(
    c: Annotated[Caller, Depends(caller)],
    town: Town = None,
    park: Text = None,
    industry: Text = None,
    category: Category | None = None,
    min_employees: Annotated[int | None, Query(ge=0, le=10_000_000)] = None,
    max_hops: Annotated[int, Query(ge=1, le=6)] = 4,
    candidates: Annotated[int, Query(ge=0, le=20)] = 5,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Response:
    return answer(
        c,
        queries.gaps,
        cache=True,
        town=town,
        park=park,
        industry=industry,
        category=category,
        min_employees=min_employees,
        max_hops=max_hops,
        candidates=candidates,
        limit=limit,
        offset=offset,
    )


class PairingQuery(PairingParams, Scoped):
    pass


@router.get(
    "/pairings",
    response_model=PairingNetwork,
    tags=["pairing 结对"],
    summary="示范帮扶 / 村企联建网络 / the pairing networks",
)
def pairings(c: Annotated[Caller, Depends(caller)], q: Annotated[PairingQuery, Query()]) -> Response:
    return ask(c, PAIRING, q)


@router.get(
    "/centrality",
    response_model=CentralityResult,
    tags=["centrality 中心性"],
    summary="中心性排名、关节点与桥 / centrality, articulation points, bridges",
)
def centrality(
    c: Annotated[Caller, Depends(caller)],
    town: Town = None,
    network: Literal["pairing", "organisation", "membership"] = "organisation",
    metric: Literal["degree", "betweenness", "pagerank"] = "degree",
    top: Annotated[int, Query(ge=1, le=500)] = 20,
) -> Response:
    return answer(c, queries.centrality, cache=True, town=town, network=network, metric=metric, top=top)
