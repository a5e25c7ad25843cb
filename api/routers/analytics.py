"""The heavy questions (cached per scope and parameters): coverage, gaps, pairings, centrality."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import Field

from api.answer import Caller, ask, caller
from api.routers.params import Scoped
from queries.centrality import CENTRALITY, CentralityParams
from queries.coverage import COVERAGE, CoverageParams
from queries.gaps import GAPS, GapsParams
from queries.impact import IMPACT, ImpactParams, ImpactResult
from queries.models import CentralityResult, CoverageResult, GapsResult, PairingNetwork
from queries.pairing import PAIRING, PairingParams
from queries.params import MAX_PAGE

router = APIRouter()


class CoverageQuery(CoverageParams, Scoped):
    pass


class GapsQuery(GapsParams, Scoped):
    pass


class PairingQuery(PairingParams, Scoped):
    pass


class CentralityQuery(CentralityParams, Scoped):
    # an API answer holds at most one page (the command line may ask for more)
    top: int = Field(20, ge=1, le=MAX_PAGE, description="排名条数")


class ImpactQuery(ImpactParams, Scoped):
    pass


def _total(field: str) -> Callable[[Any], tuple[Any, dict[str, str]]]:
    return lambda res: (res, {"X-Total-Count": str(getattr(res, field))})


@router.get(
    "/coverage",
    response_model=CoverageResult,
    tags=["coverage 覆盖"],
    summary="党组织覆盖率与未覆盖组织 / coverage and the uncovered organisations",
)
def coverage(c: Annotated[Caller, Depends(caller)], p: Annotated[CoverageQuery, Query()]) -> Response:
    return ask(c, COVERAGE, p, shape=_total("uncovered_total"))


@router.get(
    "/gaps",
    response_model=GapsResult,
    tags=["gaps 空白点"],
    summary="未建党组织的组织、候选依托与建议 / uncovered organisations, hosts and a recommendation",
)
def gaps(c: Annotated[Caller, Depends(caller)], p: Annotated[GapsQuery, Query()]) -> Response:
    return ask(c, GAPS, p, shape=_total("total"))


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
def centrality(c: Annotated[Caller, Depends(caller)], p: Annotated[CentralityQuery, Query()]) -> Response:
    return ask(c, CENTRALITY, p)


@router.get(
    "/impact",
    response_model=ImpactResult,
    tags=["impact 影响分析"],
    summary="影响分析：撤销示范点、指导员、党组织或党员会失去什么；按影响排名 / what is lost if entities "
    "drop out; ranking by impact",
)
def impact(c: Annotated[Caller, Depends(caller)], p: Annotated[ImpactQuery, Query()]) -> Response:
    return ask(c, IMPACT, p)
