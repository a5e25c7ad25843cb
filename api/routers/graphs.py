"""Paths between two entities and the neighbourhood of one (never through another town)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from api.answer import Caller, ask, caller
from api.routers.params import Scoped
from queries.ego import EGO, EgoParams
from queries.models import EgoNetwork, PathResult
from queries.paths import PATH, PathParams

router = APIRouter(tags=["graph 路径与关系网"])


class PathQuery(PathParams, Scoped):
    pass


class EgoQuery(EgoParams, Scoped):
    pass


@router.get("/paths", response_model=PathResult, summary="两个对象之间的最短路径 / shortest paths")
def paths(c: Annotated[Caller, Depends(caller)], q: Annotated[PathQuery, Query()]) -> Response:
    return ask(c, PATH, q)


@router.get("/ego", response_model=EgoNetwork, summary="一个对象的关系网 / the neighbourhood of one entity")
def ego(c: Annotated[Caller, Depends(caller)], q: Annotated[EgoQuery, Query()]) -> Response:
    return ask(c, EGO, q)
