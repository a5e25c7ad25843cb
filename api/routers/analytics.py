"""The heavy questions (cached per scope and parameters): coverage, gaps, pairings, centrality, impact."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import Field

from api.answer import question_route, total_in
from api.routers.params import Scoped
from queries.centrality import CENTRALITY, CentralityParams
from queries.coverage import COVERAGE
from queries.gaps import GAPS
from queries.impact import IMPACT
from queries.pairing import PAIRING
from queries.params import MAX_PAGE

router = APIRouter()


class CentralityQuery(CentralityParams, Scoped):
    # an API answer holds at most one page (the command line may ask for more)
    top: int = Field(20, ge=1, le=MAX_PAGE, description="排名条数")


question_route(
    router,
    "/coverage",
    COVERAGE,
    tags=["coverage 覆盖"],
    summary="党组织覆盖率与未覆盖组织 / coverage and the uncovered organisations",
    shape=total_in("uncovered_total"),
)
question_route(
    router,
    "/gaps",
    GAPS,
    tags=["gaps 空白点"],
    summary="未建党组织的组织、候选依托与建议 / uncovered organisations, hosts and a recommendation",
    shape=total_in("total"),
)
question_route(
    router,
    "/pairings",
    PAIRING,
    tags=["pairing 结对"],
    summary="示范帮扶 / 村企联建网络 / the pairing networks",
)
question_route(
    router,
    "/centrality",
    CENTRALITY,
    query=CentralityQuery,
    tags=["centrality 中心性"],
    summary="中心性排名、关节点与桥 / centrality, articulation points, bridges",
)
question_route(
    router,
    "/impact",
    IMPACT,
    tags=["impact 影响分析"],
    summary="影响分析：撤销示范点、指导员、党组织或党员会失去什么；按影响排名 / what is lost if entities "
    "drop out; ranking by impact",
)
