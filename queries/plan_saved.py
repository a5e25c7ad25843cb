"""Saved plans, carried through: a plan kept with the graph (a document outside the domain
graph, see GraphStore.put_doc), and its progress after later loads.

Each row of a saved plan shows 已完成 (the unit is now covered by the planned formation),
未完成 (not yet) or 以其他方式覆盖 (covered otherwise); the plan's progress is the share of
rows done. A town sees only the plans saved for its own town.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from graph.errors import InputError, NotFound
from graph.store.base import GraphStore
from queries.cache import facts as cached_facts
from queries.plan import PLAN, PlanParams, PlanResult, PlanRow
from queries.plan_facts import UNITS_NOW, UnitNow
from queries.scope import Scope

KIND = "plan"
Status = Literal["已完成", "未完成", "以其他方式覆盖"]


class _M(BaseModel):
    model_config = ConfigDict(frozen=True)


class SavedPlanInfo(_M):
    id: str
    name: str
    town: str | None = None
    author: str
    created: str  # ISO date and time
    params: dict[str, Any]
    rows: int
    unplaced: int


class SavedPlan(SavedPlanInfo):
    plan: PlanResult


class RowProgress(_M):
    row: PlanRow
    status: Status
    now: str  # what covers the unit today, in words


class PlanProgress(_M):
    info: SavedPlanInfo
    rows: list[RowProgress]
    done: int
    otherwise: int
    open: int
    progress: float | None  # done / rows
    covered_share: float | None  # (done + otherwise) / rows


def _visible(doc: dict[str, Any], scope: Scope) -> bool:
    return scope.owns({"town_code": doc.get("town")})


def save_plan(store: GraphStore, scope: Scope, name: str, params: PlanParams, author: str) -> SavedPlanInfo:
    """Plan with these parameters (locks included) and keep it with the graph under ``name``."""
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise InputError("方案名称应为1至100个字符", "a plan's name has 1 to 100 characters")
    res = PLAN(store, scope, params)
    created = dt.datetime.now().isoformat(timespec="seconds")
    digest = hashlib.sha256(f"{scope.key}|{name}|{created}|{params.key()}".encode()).hexdigest()[:10]
    doc_id = f"{created[:10]}-{digest}"
    info = SavedPlanInfo(
        id=doc_id,
        name=name,
        town=scope.town,
        author=author,
        created=created,
        params=params.model_dump(mode="json"),
        rows=len(res.rows),
        unplaced=len(res.unplaced),
    )
    store.put_doc(KIND, doc_id, SavedPlan(**info.model_dump(), plan=res).model_dump(mode="json"))
    return info


def list_plans(store: GraphStore, scope: Scope) -> list[SavedPlanInfo]:
    out = []
    for d in store.list_docs(KIND):
        if _visible(d, scope):
            out.append(SavedPlanInfo(**{k: v for k, v in d.items() if k != "plan"}))
    return sorted(out, key=lambda x: (x.created, x.id), reverse=True)


def get_plan(store: GraphStore, scope: Scope, plan_id: str) -> SavedPlan:
    d = store.get_doc(KIND, plan_id) if len(plan_id) <= 100 else None
    if d is None or not _visible(d, scope):
        raise NotFound(f"未找到规划方案：{plan_id}", f"saved plan not found: {plan_id!r}")
    return SavedPlan.model_validate(d)


def row_status(row: PlanRow, now: UnitNow) -> tuple[Status, str]:
    """已完成 / 未完成 / 以其他方式覆盖 of one row, from how its unit is covered today."""
    codes = [c for c, _ in now.coverers]
    forms = {f for _, f in now.coverers}
    covered_txt = "、".join(f"{c}（{f or '未填组建方式'}）" for c, f in now.coverers)
    if not now.exists:
        return "以其他方式覆盖", "该单位已不在图中（可能已注销或不在本范围）"
    if row.formation in ("挂靠建", "1+X"):
        if row.host in codes:
            return "已完成", f"已由{row.host}覆盖"
    elif row.formation == "单独建":
        if "单独建" in forms:
            return "已完成", f"已单独组建：{covered_txt}"
    elif row.formation == "联合建":
        if "联合建" in forms:
            return "已完成", f"已联合组建：{covered_txt}"
    elif row.instructor in now.instructors:
        return "已完成", f"已派驻党建指导员{row.instructor}"
    if now.coverers:
        return "以其他方式覆盖", f"已由{covered_txt}覆盖"
    if row.formation == "派驻指导员" and now.instructors:
        return "以其他方式覆盖", f"已派驻其他党建指导员：{'、'.join(now.instructors)}"
    return "未完成", "尚未覆盖"


def plan_progress(store: GraphStore, scope: Scope, plan_id: str) -> PlanProgress:
    saved = get_plan(store, scope, plan_id)
    keys = tuple(sorted({r.org for r in saved.plan.rows}))
    now = {u.key: u for u in cached_facts(store, UNITS_NOW, (scope, keys))}
    rows = []
    for r in saved.plan.rows:
        st, txt = row_status(r, now[r.org])
        rows.append(RowProgress(row=r, status=st, now=txt))
    n = len(rows)
    done = sum(1 for r in rows if r.status == "已完成")
    other = sum(1 for r in rows if r.status == "以其他方式覆盖")
    return PlanProgress(
        info=SavedPlanInfo(**saved.model_dump(exclude={"plan"})),
        rows=rows,
        done=done,
        otherwise=other,
        open=n - done - other,
        progress=None if n == 0 else round(done / n, 6),
        covered_share=None if n == 0 else round((done + other) / n, 6),
    )


def delete_plan(store: GraphStore, scope: Scope, plan_id: str) -> None:
    get_plan(store, scope, plan_id)
    store.delete_doc(KIND, plan_id)


__all__ = [
    "PlanProgress",
    "RowProgress",
    "SavedPlan",
    "SavedPlanInfo",
    "delete_plan",
    "get_plan",
    "list_plans",
    "plan_progress",
    "row_status",
    "save_plan",
]
