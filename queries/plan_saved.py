"""Saved plans, carried through: a plan kept with the graph (a document outside the domain
graph, see GraphStore.put_doc), and its progress after later loads.

Each row of a saved plan shows 已完成 (the unit is now covered by the planned formation),
未完成 (not yet) or 以其他方式覆盖 (covered otherwise); the plan's progress is the share of
rows done. A town sees only the plans saved for its own town.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from graph.errors import InputError, NotFound
from graph.model import Label
from graph.store.base import GraphStore
from queries.cache import facts as cached_facts
from queries.models import NodeRef
from queries.plan import PLAN, AcceptedRow, PlanParams, PlanResult, PlanRow
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
        params=res.parameters,  # the accepted rows as resolved (``accept`` -> ``accepted``)
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


class OpenAccepted(_M):
    """An accepted row of a saved plan not yet carried out: one item of the town's to-do list."""

    subject: NodeRef
    related: list[NodeRef]
    reason: str
    action: str


def _related(r: PlanRow) -> list[NodeRef]:
    out = []
    if r.host:
        out.append(NodeRef(label=Label.PARTY_ORG.value, key=r.host, name=r.host_name, town_code=r.host_town))
    for k, n in zip(r.group, r.group_names, strict=False):
        if k != r.org:
            out.append(NodeRef(label=Label.ORGANIZATION.value, key=k, name=n, town_code=r.town))
    if r.instructor:
        out.append(
            NodeRef(label=Label.INSTRUCTOR.value, key=r.instructor, name=r.instructor_name, town_code=r.town)
        )
    return out


_ACTION = {
    "单独建": "指导其单独组建党组织",
    "联合建": "推动与{others}联合组建党组织",
    "挂靠建": "推动挂靠到{host}",
    "1+X": "推动纳入{host}的“1+X”覆盖",
    "派驻指导员": "派驻党建指导员{ins}",
}


def open_accepted_rows(store: GraphStore, scope: Scope) -> list[OpenAccepted]:
    """Accepted (locked) rows of the saved plans whose unit is in the scope's own town and still
    未完成; a unit accepted in several plans counts once, from the latest plan."""
    latest: dict[str, tuple[SavedPlan, PlanRow]] = {}
    docs = sorted(store.list_docs(KIND), key=lambda d: (str(d.get("created")), str(d.get("id"))))
    for d in docs:
        saved = SavedPlan.model_validate(d)
        for r in saved.plan.rows:
            if r.locked and scope.owns({"town_code": r.town}):
                latest[r.org] = (saved, r)
    keys = tuple(sorted(latest))
    if not keys:
        return []
    now = {u.key: u for u in cached_facts(store, UNITS_NOW, (scope, keys))}
    out = []
    for k in keys:
        saved, r = latest[k]
        status, _ = row_status(r, now[k])
        if status != "未完成":
            continue
        others = "、".join(n for x, n in zip(r.group, r.group_names, strict=False) if x != r.org)
        host = r.host_name or r.host
        if host and (r.host_town_name or r.host_town):
            host = f"{r.host_town_name or r.host_town}{host}"  # the town first: it may be another town's
        action = _ACTION[r.formation].format(others=others, host=host, ins=r.instructor_name or r.instructor)
        out.append(
            OpenAccepted(
                subject=NodeRef(label=Label.ORGANIZATION.value, key=r.org, name=r.org_name, town_code=r.town),
                related=_related(r),
                reason=f"规划方案《{saved.name}》（{saved.created[:10]}）已确认：{r.formation}，尚未落实",
                action=f"{r.formation}：{action}",
            )
        )
    return out


class AcceptResult(_M):
    info: SavedPlanInfo
    accepted: list[str]  # units whose rows are accepted now (joint groups whole), this call's and earlier
    missing: int  # units named that have no row in the plan (ignored)


def accept_rows(store: GraphStore, scope: Scope, plan_id: str, orgs: Sequence[str]) -> AcceptResult:
    """Accept rows of a saved plan after saving (确认): each named unit's row, with its whole joint
    group, is locked and joins the plan's accepted rows; the to-do list takes it from there. Units
    without a row are counted, not named (they may be another town's); none with a row: an error."""
    saved = get_plan(store, scope, plan_id)
    by_org = {r.org: r for r in saved.plan.rows}
    found = sorted({k for k in orgs if k in by_org})
    if not found or len(orgs) > 2000:
        raise InputError(
            f"方案《{saved.name}》中没有所列单位的组建行，无法确认",
            "the saved plan has no row for any of the units given",
        )
    params = PlanParams.model_validate(saved.params)
    done = {m for a in params.accepted for m in (a.org, *a.group)}
    new = []
    for k in found:
        if k not in done:
            new.append(AcceptedRow.of(by_org[k]))
            done.update([k, *by_org[k].group])
    params = params.model_copy(update={"accepted": (*params.accepted, *new)})
    rows = [r.model_copy(update={"locked": True}) if r.org in done else r for r in saved.plan.rows]
    values = params.model_dump(mode="json")
    plan = saved.plan.model_copy(update={"rows": rows, "parameters": values})
    doc = saved.model_copy(update={"params": values, "plan": plan})
    store.put_doc(KIND, plan_id, doc.model_dump(mode="json"))
    return AcceptResult(
        info=SavedPlanInfo(**doc.model_dump(exclude={"plan"})),
        accepted=sorted(r.org for r in rows if r.locked),
        missing=len(set(orgs) - set(found)),
    )


def delete_plan(store: GraphStore, scope: Scope, plan_id: str) -> None:
    get_plan(store, scope, plan_id)
    store.delete_doc(KIND, plan_id)


__all__ = [
    "AcceptResult",
    "OpenAccepted",
    "PlanProgress",
    "RowProgress",
    "SavedPlan",
    "SavedPlanInfo",
    "accept_rows",
    "delete_plan",
    "get_plan",
    "list_plans",
    "open_accepted_rows",
    "plan_progress",
    "row_status",
    "save_plan",
]
