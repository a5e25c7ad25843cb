"""组建规划: the optimised coverage plan, its locks, before/after coverage, saved plans and their
progress, and the plan as meeting material (会议材料)."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import charts
from dashboard.common import ROLE_ZH, header, me, pct, q, record, store, town_filter, town_name
from dashboard.export import XLSX_MIME, file_name
from queries import plan as _plan  # registers the plan questions
from queries.plan_export import coverage_lines, param_lines, write_plan_workbook
from queries.plan_saved import accept_rows, list_plans, plan_progress, save_plan
from queries.scope import Scope

header(
    "组建规划", "为每个未建党组织的单位给出最优组建方案：单独建、联合建、挂靠建、1+X 或派驻指导员，并说明理由"
)

LOCKS = "plan_locks"
locks: dict[str, Any] = st.session_state.setdefault(LOCKS, {"accepted": {}, "forbidden": [], "excluded": []})

with st.expander("规划参数", expanded=True):
    c = st.columns(6)
    with c[0]:
        town = town_filter("plan_town")
    distance_km = c[1].number_input("邻近距离（公里）", 0.1, 50.0, 3.0, 0.5, key="plan_km")
    max_units = c[2].number_input("联合建每组最多", 2, 10, 5, 1, key="plan_max_units")
    host_cap = c[3].number_input("每个党组织最多新增", 0, 50, 4, 1, key="plan_host_cap")
    instructor_cap = c[4].number_input("每名指导员最多派驻", 0, 50, 5, 1, key="plan_ins_cap")
    with c[5]:
        individual = st.checkbox("纳入个体工商户", key="plan_individual")
        # Chinese options: Streamlit labels each radio input with the raw option for screen readers
        weight_zh = st.radio("组织覆盖计量", ["按单位数", "按从业人数"], horizontal=True, key="plan_weight")
        weight = "units" if weight_zh == "按单位数" else "employees"

# Handed over from 网络分析's impact panel: plan as if these were gone.
removed = [k for k in st.query_params.get("removed", "").split(",") if k]
if removed:
    rc = st.columns([5, 1])
    rc[0].info(
        f"按撤销后的情况规划：视为已撤销 {len(removed)} 个对象"
        f"（{'、'.join(removed)}，来自网络分析的影响分析）"
    )
    if rc[1].button("取消撤销假设"):
        del st.query_params["removed"]
        st.rerun()

params: dict[str, Any] = {
    "distance_km": float(distance_km),
    "max_units": int(max_units),
    "host_cap": int(host_cap),
    "instructor_cap": int(instructor_cap),
    "include_individual": bool(individual),
    "weight": weight,
    "accepted": list(locks["accepted"].values()),
    "forbidden_hosts": sorted(locks["forbidden"]),
    "excluded": sorted(locks["excluded"]),
    "removed": removed,
}
with st.spinner("正在求解……"):
    res = q(_plan.PLAN.name, town=town, **params)

counts = Counter(r.formation for r in res.rows)
m = st.columns(6)
for i, name in enumerate(("单独建", "联合建", "挂靠建", "1+X", "派驻指导员")):
    m[i].metric(name, counts.get(name, 0), border=True)
m[5].metric("未安排", len(res.unplaced), border=True)
for n in res.notes:
    st.warning(n)

# --- before -> after ------------------------------------------------------------------------
st.subheader("覆盖率：规划前 → 规划后")
b, a = res.before.district, res.after.district
k = st.columns(4)
k[0].metric("非公企业 组织覆盖", pct(a.nonpublic.rate), f"规划前 {pct(b.nonpublic.rate)}", border=True)
k[1].metric("社会组织 组织覆盖", pct(a.social.rate), f"规划前 {pct(b.social.rate)}", border=True)
k[2].metric(
    "非公企业 工作覆盖", pct(a.nonpublic.work_rate), f"规划前 {pct(b.nonpublic.work_rate)}", border=True
)
k[3].metric("社会组织 工作覆盖", pct(a.social.work_rate), f"规划前 {pct(b.social.work_rate)}", border=True)
if res.before.towns:
    st.caption("各镇街非公企业党组织覆盖率（%）：规划前与规划后")
    charts.draw_grouped_bars(
        [tb.town_name or tb.town or "" for tb in res.before.towns],
        [
            ("规划前", "#9E9E9E", [round((t.nonpublic.rate or 0) * 100, 2) for t in res.before.towns]),
            ("规划后", "#B71C1C", [round((t.nonpublic.rate or 0) * 100, 2) for t in res.after.towns]),
        ],
        key="plan-town-bars",
        unit="%",
        max_value=100,
    )

# --- the plan table, with lock controls -------------------------------------------------------
st.subheader(f"组建方案（{len(res.rows)} 行）")
table = pd.DataFrame(
    [
        {
            "锁定": "✔" if r.locked else "",
            "单位": r.org_name or r.org,
            "镇街": town_name(r.town),
            "组建方式": r.formation,
            "依托/联合/指导员": r.host_name or r.host or "、".join(r.group_names) or r.instructor_name or "",
            "距离(公里)": r.distance_km,
            "无坐标": "是" if r.no_coords else "",
            "正式党员": r.full_members,
            "理由": r.reason,
        }
        for r in res.rows
    ]
)
sel = st.dataframe(table, hide_index=True, width="stretch", on_select="rerun", selection_mode="multi-row",
                   key="plan_table", height=420)  # fmt: skip
chosen = [res.rows[i] for i in (sel.selection.rows if sel else [])]
bc = st.columns(4)
if bc[0].button("确认所选行（锁定）", disabled=not chosen):
    for r in chosen:
        locks["accepted"][r.org] = _plan.AcceptedRow.of(r).model_dump(mode="json")
    st.rerun()
if bc[1].button("排除所选单位", disabled=not chosen):
    locks["excluded"] = sorted(set(locks["excluded"]) | {r.org for r in chosen})
    st.rerun()
if bc[2].button("所选行的党组织不得挂靠", disabled=not any(r.host for r in chosen)):
    locks["forbidden"] = sorted(set(locks["forbidden"]) | {r.host for r in chosen if r.host})
    st.rerun()
if bc[3].button("清除全部锁定", disabled=not (locks["accepted"] or locks["excluded"] or locks["forbidden"])):
    st.session_state[LOCKS] = {"accepted": {}, "forbidden": [], "excluded": []}
    st.rerun()
st.caption(
    f"已确认 {len(locks['accepted'])} 行；不得挂靠 {len(locks['forbidden'])} 个党组织；"
    f"排除 {len(locks['excluded'])} 个单位。锁定后方案会重新求解。"
)

if res.unplaced:
    st.subheader(f"未安排的单位（{len(res.unplaced)}）")
    st.dataframe(
        pd.DataFrame(
            [{"单位": u.org_name or u.org, "镇街": town_name(u.town), "原因": u.reason} for u in res.unplaced]
        ),
        hide_index=True,
        width="stretch",
    )
s = res.solver
SOLVER_ZH = {
    "OPTIMAL": "最优解",
    "FEASIBLE": "可行解",
    "INFEASIBLE": "无解",
    "UNKNOWN": "未求出",
    "MODEL_INVALID": "模型无效",
}
st.caption(
    f"求解：{SOLVER_ZH.get(s.status, s.status)}（{'、'.join(s.tiers)} 逐级最优），"
    f"{s.parts} 个独立部分，{s.seconds:.1f} 秒"
)

# --- export as meeting material -----------------------------------------------------------------
st.subheader("导出会议材料")
e = st.columns([3, 1])
title = e[0].text_input("标题", value="两新组织党组织组建规划", key="plan_title")
scope_name = town_name(res.town) if res.town else "全区"
with tempfile.TemporaryDirectory() as tmp:
    path = write_plan_workbook(
        res, Path(tmp) / "plan.xlsx", title=title, scope_name=scope_name, author=me().who
    )
    data = path.read_bytes()
if e[1].download_button("下载 会议材料.xlsx", data, file_name=file_name("组建规划"), mime=XLSX_MIME):
    record("export", what="plan", town=res.town)
with st.expander("打印预览"):
    st.markdown(f"### {title}")
    author_zh = f"{ROLE_ZH.get(me().role, me().role)}（令牌 {me().token_id}）"
    st.markdown(f"范围：{scope_name}　日期：{pd.Timestamp.today().date()}　编制：{author_zh}")
    weight_words = {"units": "按单位数", "employees": "按从业人数"}
    lines = [(k, weight_words.get(str(v), v)) for k, v in param_lines(res.parameters)]
    st.table(pd.DataFrame(lines, columns=["参数", "取值"]))
    cov = coverage_lines(res)[:2]
    st.table(
        pd.DataFrame(cov, columns=["范围", "类别", "总数", "现组织覆盖", "规划后", "现工作覆盖", "规划后 "])
    )

# --- saved plans and their progress -----------------------------------------------------------------
st.subheader("已保存的方案与落实进度")
scope = Scope.for_caller(me().scope_town, town)
sv = st.columns([3, 1])
name = sv[0].text_input("方案名称", key="plan_save_name", placeholder="如：2012年一季度组建计划")
if sv[1].button("保存当前方案", disabled=not name.strip()):
    info = save_plan(store(), scope, name, _plan.PlanParams.parse(params), me().who)
    record("plan_save", plan=info.id, town=scope.town)
    st.success(f"已保存：{info.name}（{info.id}）")
saved = list_plans(store(), scope)
if not saved:
    st.caption("暂无已保存的方案。")
else:
    progress = {x.id: plan_progress(store(), scope, x.id) for x in saved}
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "名称": x.name,
                    "范围": town_name(x.town) if x.town else "全区",
                    "编制人": x.author,
                    "日期": x.created,
                    "行数": x.rows,
                    "已完成": progress[x.id].done,
                    "以其他方式覆盖": progress[x.id].otherwise,
                    "未完成": progress[x.id].open,
                    "完成率": pct(progress[x.id].progress),
                }
                for x in saved
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    pick_id = st.selectbox(
        "查看方案明细", [x.id for x in saved], format_func=lambda i: next(x.name for x in saved if x.id == i)
    )
    pr = progress[pick_id]
    st.progress(pr.progress or 0.0, text=f"完成率 {pct(pr.progress)}")
    names = {r.row.org: r.row.org_name or r.row.org for r in pr.rows}
    ac = st.columns([3, 1])
    to_accept = ac[0].multiselect(
        "确认方案中的行（确认后未落实的列入镇街待办）",
        [r.row.org for r in pr.rows if not r.row.locked],
        format_func=lambda k: names[k],
        key=f"plan_accept_{pick_id}",
    )
    if ac[1].button("确认选中的行", disabled=not to_accept):
        accept_rows(store(), scope, pick_id, to_accept)
        record("plan_accept", plan=pick_id, town=scope.town)
        st.success(f"已确认 {len(to_accept)} 行")
        st.rerun()
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "单位": r.row.org_name or r.row.org,
                    "组建方式": r.row.formation,
                    "状态": r.status,
                    "现状": r.now,
                    "已确认": "是" if r.row.locked else "",
                }
                for r in pr.rows
            ]
        ),
        hide_index=True,
        width="stretch",
    )
