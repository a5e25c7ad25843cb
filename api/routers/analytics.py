"""The heavy questions (cached per scope and parameters): coverage, gaps, pairings, centrality."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

import queries
from api.answer import Caller, answer, ask, caller
from api.routers.params import Scoped, Town
from queries.coverage import COVERAGE, CoverageParams
from queries.gaps import GAPS, GapsParams
from queries.models import CentralityResult, CoverageResult, GapsResult, PairingNetwork
from queries.pairing import PAIRING, PairingParams
from queries.params import Params
from queries.question import Question
from queries.scope import Scope

router = APIRouter()


class CoverageQuery(CoverageParams, Scoped):
    pass


class GapsQuery(GapsParams, Scoped):
    pass


class PairingQuery(PairingParams, Scoped):
    pass


def _asked(q: Question[Any, Any], p: Params) -> Callable[..., Any]:
    """``q`` as the ``answer`` plumbing calls it: (store, town=<the caller's scope>)."""
    params = q.params.model_validate(p.model_dump(include=set(q.params.model_fields)))
    return lambda store, town: q(store, Scope(town), params)


def _total(field: str) -> Callable[[Any], tuple[Any, dict[str, str]]]:
    return lambda res: (res, {"X-Total-Count": str(getattr(res, field))})


@router.get(
    "/coverage",
    response_model=CoverageResult,
    tags=["coverage 覆盖"],
    summary="党组织覆盖率与未覆盖组织 / coverage and the uncovered organisations",
)
def coverage(c: Annotated[Caller, Depends(caller)], p: Annotated[CoverageQuery, Query()]) -> Response:
    return answer(c, _asked(COVERAGE, p), cache=True, town=p.town, shape=_total("uncovered_total"))


@router.get(
    "/gaps",
    response_model=GapsResult,
    tags=["gaps 空白点"],
    summary="未建党组织的组织、候选依托与建议 / uncovered organisations, hosts and a recommendation",
)
def gaps(c: Annotated[Caller, Depends(caller)], p: Annotated[GapsQuery, Query()]) -> Response:
    return answer(c, _asked(GAPS, p), cache=True, town=p.town, shape=_total("total"))


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
