"""History (issue 16): the snapshot of every load, one snapshot with its changes, and what
changed between two snapshots. A town caller sees its own town's series and changes, the
district totals and its own rank."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response

from api.answer import Caller, ask, caller, question_route
from api.routers.params import Scoped, Town
from queries.history import (
    HISTORY,
    HISTORY_DIFF,
    HISTORY_SNAPSHOT,
    ChangeKind,
    DiffParams,
    DiffResult,
    SnapshotDetail,
    SnapshotParams,
)

router = APIRouter()
SnapshotId = Annotated[str, Path(min_length=1, max_length=20, description="快照编号 / snapshot id")]
Kind = Annotated[ChangeKind | None, Query(description="只看这一类变化 / only this kind of change")]


class SnapshotQuery(SnapshotParams, Scoped):
    pass


class DiffQuery(DiffParams, Scoped):
    pass


question_route(
    router,
    "/history",
    HISTORY,
    tags=["history 变化趋势"],
    summary="每次导入的快照（按数据日期）/ the snapshot of every load, by data date",
)


@router.get(
    "/history/{snapshot_id}",
    response_model=SnapshotDetail,
    tags=["history 变化趋势"],
    summary="一次导入的快照与变化 / one snapshot and its changes",
)
def snapshot(
    c: Annotated[Caller, Depends(caller)], snapshot_id: SnapshotId, town: Town = None, kind: Kind = None
) -> Response:
    return ask(c, HISTORY_SNAPSHOT, SnapshotQuery.parse(id=snapshot_id, town=town, kind=kind))


@router.get(
    "/history/{a}/diff/{b}",
    response_model=DiffResult,
    tags=["history 变化趋势"],
    summary="两次导入之间的变化 / what changed between two snapshots",
)
def diff(
    c: Annotated[Caller, Depends(caller)], a: SnapshotId, b: SnapshotId, town: Town = None, kind: Kind = None
) -> Response:
    return ask(c, HISTORY_DIFF, DiffQuery.parse(a=a, b=b, town=town, kind=kind))
