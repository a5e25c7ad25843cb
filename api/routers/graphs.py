"""Paths between two entities and the neighbourhood of one (never through another town)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

import queries
from api.answer import Caller, answer, caller
from api.routers.params import Town
from graph.model import Rel
from queries.models import EgoNetwork, PathResult

router = APIRouter(tags=["graph 路径与关系网"])

Ref = Annotated[str, Query(min_length=1, max_length=200, description='"Label:key" 或编码 / or a bare key')]


@router.get("/paths", response_model=PathResult, summary="两个对象之间的最短路径 / shortest paths")
def paths(
    c: Annotated[Caller, Depends(caller)],
    source: Ref,
    target: Ref,
    town: Town = None,
    max_hops: Annotated[int, Query(ge=1, le=10)] = 6,
    rels: Annotated[list[Rel] | None, Query(max_length=len(Rel))] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 5,
) -> Response:
    return answer(
        c,
        queries.path,
        town=town,
        source=source,
        target=target,
        max_hops=max_hops,
        rels=None if rels is None else [r.value for r in rels],
        limit=limit,
    )


@router.get("/ego", response_model=EgoNetwork, summary="一个对象的关系网 / the neighbourhood of one entity")
def ego(
    c: Annotated[Caller, Depends(caller)],
    key: Ref,
    town: Town = None,
    hops: Annotated[int, Query(ge=1, le=3)] = 1,
    cap: Annotated[int, Query(ge=1, le=500)] = 200,
) -> Response:
    return answer(c, queries.ego, town=town, key=key, hops=hops, cap=cap)
