"""网络分析: what is lost if a demonstration point, instructor, party organisation or post holder
drops out (ranking and simulation), where each network would break, and the scores (高级)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import charts
from dashboard.common import METRIC_ZH, NETWORK_ZH, header, label_zh, pct, q, town_filter, town_name
from dashboard.entity import show_entity

PLAN_FILE = Path(__file__).resolve().parent / "plan.py"
KINDS = {
    "demo_point": "示范点",
    "instructor": "党建指导员",
    "party_org": "两新党组织",
    "post_holder": "担任党内职务的党员",
}

header("网络分析", "撤销一个示范点、指导员或党组织会让谁失去帮扶和覆盖；网络在哪里一断就散")


def _pick(table: pd.DataFrame, key: str, multi: bool = False) -> list[str]:
    """A selectable table (its ``_id`` column hidden); the ids of the chosen rows."""
    ev = st.dataframe(
        table.drop(columns=["_id"]),
        hide_index=True,
        on_select="rerun",
        selection_mode="multi-row" if multi else "single-row",
        key=key,
        height=min(38 + 35 * len(table), 520),
    )
    rows = ev.selection.rows if ev is not None else []
    return [str(table.iloc[i]["_id"]) for i in rows]


def _refs(refs: Any) -> str:
    return "、".join(f"{r.name or r.key}" for r in refs)


def show_impact(im: Any) -> None:
    """One simulated removal: what is lost and the coverage figures before and after."""
    st.markdown("**撤销：** " + "、".join(f"{e.kind_zh} {e.node.name or e.node.key}" for e in im.removed))
    for line in im.summary_zh:
        st.markdown(f"- {line}")
    for title, refs in im.losses():
        if refs:
            st.markdown(f"**{title}（{len(refs)}）：** {_refs(refs)}")
    if im.members_to_transfer_total:
        more = "等" if im.members_to_transfer_total > len(im.members_to_transfer) else ""
        st.markdown(
            f"**需转接组织关系的党员（{im.members_to_transfer_total}）：** "
            f"{_refs(im.members_to_transfer[:30])}{more}"
        )
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "指标": f.name_zh,
                    "撤销前": f"{f.before}/{f.total}（{pct(f.before_rate)}）",
                    "撤销后": f"{f.after}/{f.total}（{pct(f.after_rate)}）",
                    "变化": f.after - f.before,
                }
                for f in im.figures
            ]
        ),
        hide_index=True,
    )
    removed = [*im.handoff.forbidden_hosts, *im.handoff.removed_instructors]
    if removed:
        lost = f"{len(im.handoff.units)} 家失去覆盖的单位" if im.handoff.units else "撤销后的情况"
        st.page_link(
            str(PLAN_FILE),
            label=f"按撤销后的情况重新组建规划（{lost}交“组建规划”重新安排）",
            icon=":material/assignment:",
            query_params={"removed": ",".join(removed)},
        )


tab_impact, tab_cuts = st.tabs(["影响排名", "断开后果"])

with tab_impact:
    f = st.columns([1, 1, 1])
    with f[0]:
        kind = st.selectbox("对象类别", list(KINDS), format_func=KINDS.get, key="imp_kind")
    with f[1]:
        town = town_filter("imp_town")
    with f[2]:
        top = st.slider("显示前几名", 5, 200, 20, step=5, key="imp_top")
    rk = q("impact", town=town, rank=kind, top=top).ranking
    st.caption(
        f"共 {rk.total} 个{rk.kind_zh}，按撤销后的影响从大到小排列。"
        "勾选多行可模拟一并撤销；勾选一行查看明细。"
    )
    table = pd.DataFrame(
        [
            {
                "名次": it.rank,
                "名称": it.entity.node.name or it.entity.node.key,
                "镇街": town_name(it.entity.node.town_code),
                "影响": it.sentence_zh,
                "编码": it.entity.node.key,
                "_id": it.entity.node.id,
            }
            for it in rk.items
        ]
    )
    chosen: list[str] = []
    if table.empty:
        st.caption("该范围内没有此类对象。")
    else:
        chosen = _pick(table, "imp_rank_table", multi=True)
    if chosen:
        st.divider()
        show_impact(q("impact", town=town, keys=sorted(chosen)).impact)

with tab_cuts:
    f = st.columns([1, 1])
    with f[0]:
        network = st.selectbox("网络", list(NETWORK_ZH), format_func=NETWORK_ZH.get, key="cen_net")
    with f[1]:
        leaves = st.checkbox("也列出只断开一个末梢对象的", value=False, key="cen_leaves")
    r = q("centrality", network=network, metric="degree", top=20, include_leaves=leaves, cuts=50)
    m = st.columns(4)
    m[0].metric("节点", r.node_count, border=True)
    m[1].metric("关系", r.edge_count, border=True)
    m[2].metric("关键节点", r.cut_points_total, help="去掉它，会有对象与网络断开", border=True)
    m[3].metric("关键连接（桥）", r.cut_bridges_total, help="断开这条关系，会有对象与网络断开", border=True)
    if r.leaf_cuts_hidden:
        st.caption(f"另有 {r.leaf_cuts_hidden} 处只断开一个末梢对象，未列出（勾选上方选项显示）。")
    points = pd.DataFrame(
        [
            {
                "断开": c.cut_off,
                "名称": c.node.name or c.node.key,
                "类型": label_zh(c.node.label),
                "镇街": town_name(c.node.town_code),
                "后果": c.sentence_zh,
                "_id": c.node.id,
            }
            for c in r.cut_points
        ]
    )
    bridges = pd.DataFrame(
        [{"断开": c.cut_off, "后果": c.sentence_zh, "_id": c.edge[0].id} for c in r.cut_bridges]
    )
    picked: list[str] = []
    st.markdown("**关键节点：去掉后断开的对象**")
    if points.empty:
        st.caption("无。")
    else:
        picked = _pick(points, "cen_points_table")
    st.markdown("**关键连接（桥）：断开后脱离网络的对象**")
    if bridges.empty:
        st.caption("无。")
    else:
        st.dataframe(bridges.drop(columns=["_id"]), hide_index=True, key="cen_bridges_table")
    with st.expander("高级：中心性得分", expanded=False):
        metric = st.selectbox("指标", list(METRIC_ZH), format_func=METRIC_ZH.get, key="cen_metric")
        top = st.slider("显示前几名", 5, 100, 20, step=5, key="cen_top")
        s = q("centrality", network=network, metric=metric, top=top)
        st.caption(s.metric_zh)
        if s.approximate:
            st.caption(
                f"网络较大，中介中心性为抽样近似（{s.sample_size} 个样本，固定随机种子，结果可复现）。"
            )
        ranking = pd.DataFrame(
            [
                {
                    "名次": it.rank,
                    "名称": it.node.name or it.node.key,
                    "类型": label_zh(it.node.label),
                    "镇街": town_name(it.node.town_code),
                    "得分": round(it.score, 4),
                    "编码": it.node.key,
                    "_id": it.node.id,
                }
                for it in s.items
            ]
        )
        if not ranking.empty:
            left, right = st.columns([1.2, 1])
            with left:
                picked = _pick(ranking, "cen_rank_table") or picked
            with right:
                top20 = ranking.head(20)
                charts.draw_bars(
                    list(top20["名称"]),
                    list(top20["得分"]),
                    key="cen-bars",
                    color="#1E88E5",
                    name=METRIC_ZH[metric],
                )
    if picked:
        st.divider()
        show_entity(picked[0], key="cen-entity")
