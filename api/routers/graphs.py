"""Paths between two entities and the neighbourhood of one (never through another town)."""

from __future__ import annotations

from fastapi import APIRouter

from api.answer import question_route
from queries.ego import EGO
from queries.paths import PATH

router = APIRouter(tags=["graph 路径与关系网"])

question_route(router, "/paths", PATH, summary="两个对象之间的最短路径 / shortest paths")
question_route(router, "/ego", EGO, summary="一个对象的关系网 / the neighbourhood of one entity")
