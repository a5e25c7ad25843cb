"""History (issue 16): the snapshot of every load, one snapshot with its changes, and what
changed between two snapshots. A town caller sees its own town's series and changes, the
district totals and its own rank."""

from __future__ import annotations

from inspect import Parameter, Signature
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response

from api.answer import Caller, ask, caller, question_route
from api.routers.params import Scoped, Town
from queries.history import HISTORY, HISTORY_DIFF, HISTORY_SNAPSHOT, ChangeKind, DiffParams, SnapshotParams
from queries.params import Params
from queries.question import Question

router = APIRouter()
TAG = "history 变化趋势"
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
    tags=[TAG],
    summary="每次导入的快照（按数据日期）/ the snapshot of every load, by data date",
)


def _ids_route(path: str, q: Question[Any, Any], query: type[Params], summary: str, **ids: str) -> None:
    """``GET path``: question ``q`` for the caller, its snapshot ids from the path (``ids`` maps a
    path parameter to the question's field) and ``town`` / ``kind`` from the query string."""

    def endpoint(c: Caller, town: str | None = None, kind: str | None = None, **given: str) -> Response:
        return ask(c, q, query.parse({ids[k]: v for k, v in given.items()}, town=town, kind=kind))

    kw = Parameter.KEYWORD_ONLY
    endpoint.__signature__ = Signature(  # type: ignore[attr-defined]
        [
            Parameter("c", kw, annotation=Annotated[Caller, Depends(caller)]),
            *(Parameter(name, kw, annotation=SnapshotId) for name in ids),
            Parameter("town", kw, annotation=Town, default=None),
            Parameter("kind", kw, annotation=Kind, default=None),
        ],
        return_annotation=Response,
    )
    endpoint.__name__ = endpoint.__qualname__ = q.name
    router.get(path, response_model=q.result, tags=[TAG], summary=summary)(endpoint)


_ids_route(
    "/history/{snapshot_id}",
    HISTORY_SNAPSHOT,
    SnapshotQuery,
    "一次导入的快照与变化 / one snapshot and its changes",
    snapshot_id="id",
)
_ids_route(
    "/history/{a}/diff/{b}",
    HISTORY_DIFF,
    DiffQuery,
    "两次导入之间的变化 / what changed between two snapshots",
    a="a",
    b="b",
)
