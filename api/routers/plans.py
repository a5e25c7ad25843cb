"""Coverage plan (组建规划) and pairing plan (示范帮扶): /api/v1/plans. The town comes from the token."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from api.answer import Caller, caller, record_read, route_template
from api.routers.params import Scoped, Town
from queries.plan import (
    PAIRING_PLAN,
    PLAN,
    PairingParams,
    PairingResult,
    PlanOptions,
    PlanParams,
    PlanResult,
)
from queries.plan_saved import (
    AcceptResult,
    PlanProgress,
    SavedPlanInfo,
    accept_rows,
    list_plans,
    plan_progress,
    save_plan,
)
from queries.scope import Scope

router = APIRouter(prefix="/plans", tags=["plans 组建规划"])


def _audit(c: Caller, res: PlanResult) -> None:
    # Rows name instructors (people): a read of personal data, like any other answer naming them.
    people = sorted({f"Instructor:{r.instructor}" for r in res.rows if r.instructor})
    if people:
        record_read(c, route_template(c.request), people)


async def _plan(c: Caller, scope: Scope, p: PlanParams) -> PlanResult:
    res: PlanResult = await run_in_threadpool(PLAN, c.store, scope, p)
    _audit(c, res)
    return res


class PlanQuery(PlanOptions, Scoped):
    """The plan's options as query parameters (accepted rows need the POST body)."""


@router.get("", response_model=PlanResult, summary="组建规划（默认参数可调）/ the coverage plan")
async def plan(c: Annotated[Caller, Depends(caller)], p: Annotated[PlanQuery, Query()]) -> PlanResult:
    values = p.model_dump()
    town = values.pop("town")
    return await _plan(c, c.scope(town), PlanParams.model_validate(values))


@router.post(
    "", response_model=PlanResult, summary="组建规划（含锁定：已确认行、不得挂靠、排除）/ plan with locks"
)
async def plan_with_locks(
    c: Annotated[Caller, Depends(caller)],
    params: Annotated[PlanParams, Body()],
    town: Town = None,
) -> PlanResult:
    return await _plan(c, c.scope(town), params)


class SaveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100, description="方案名称")
    params: PlanParams = Field(default_factory=PlanParams, description="规划参数（含锁定）")


@router.get("/saved", response_model=list[SavedPlanInfo], summary="已保存的规划方案 / saved plans")
async def saved(c: Annotated[Caller, Depends(caller)], town: Town = None) -> Any:
    return await run_in_threadpool(list_plans, c.store, c.scope(town))


@router.post("/saved", response_model=SavedPlanInfo, status_code=201, summary="保存规划方案 / save a plan")
async def save(
    c: Annotated[Caller, Depends(caller)], body: Annotated[SaveRequest, Body()], town: Town = None
) -> Any:
    return await run_in_threadpool(save_plan, c.store, c.scope(town), body.name, body.params, c.who.who)


@router.get(
    "/saved/{plan_id}", response_model=PlanProgress, summary="方案及落实进度 / a saved plan and its progress"
)
async def saved_one(
    c: Annotated[Caller, Depends(caller)],
    plan_id: Annotated[str, Path(max_length=100)],
    town: Town = None,
) -> Any:
    return await run_in_threadpool(plan_progress, c.store, c.scope(town), plan_id)


class AcceptRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    orgs: list[str] = Field(
        min_length=1, max_length=2000, description="确认这些单位在方案中的行（联合建含全组）"
    )


@router.post(
    "/saved/{plan_id}/accept",
    response_model=AcceptResult,
    summary="确认已保存方案中的行（列入待办）/ accept rows of a saved plan",
)
async def saved_accept(
    c: Annotated[Caller, Depends(caller)],
    plan_id: Annotated[str, Path(max_length=100)],
    body: Annotated[AcceptRequest, Body()],
    town: Town = None,
) -> Any:
    return await run_in_threadpool(accept_rows, c.store, c.scope(town), plan_id, body.orgs)


class PairingQuery(PairingParams, Scoped):
    """The pairing plan's parameters as query parameters."""


@router.get("/pairing", response_model=PairingResult, summary="示范帮扶结对规划 / the pairing plan")
async def pairing(c: Annotated[Caller, Depends(caller)], p: Annotated[PairingQuery, Query()]) -> Any:
    values = p.model_dump()
    town = values.pop("town")
    return await run_in_threadpool(PAIRING_PLAN, c.store, c.scope(town), PairingParams.model_validate(values))
