"""网络分析: who holds each network together (rankings) and where it would break (single points)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts
from dashboard.common import METRIC_ZH, NETWORK_ZH, header, label_zh, q, town_name
from dashboard.entity import show_entity

header("网络分析", "各网络中最关键的对象，以及一旦缺失就会让网络断开的“单点”")

f = st.columns([1, 1, 1])
with f[0]:
    network = st.selectbox("网络", list(NETWORK_ZH), format_func=NETWORK_ZH.get, key="cen_net")
with f[1]:
    metric = st.selectbox("指标", list(METRIC_ZH), format_func=METRIC_ZH.get, key="cen_metric")
with f[2]:
    top = st.slider("显示前几名", 5, 100, 20, step=5, key="cen_top")

r = q("centrality", network=network, metric=metric, top=top)

m = st.columns(4)
m[0].metric("节点", r.node_count, border=True)
m[1].metric("关系", r.edge_count, border=True)
m[2].metric("单点（割点）", r.articulation_total, help="去掉它，所在的网络就会断成几块", border=True)
m[3].metric("桥（唯一连线）", r.bridges_total, help="去掉这条关系，网络就会断开", border=True)
if r.approximate:
    st.caption(f"网络较大，中介中心性为抽样近似（{r.sample_size} 个样本，固定随机种子，结果可复现）。")

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
        for it in r.items
    ]
)
points = pd.DataFrame(
    [
        {
            "名称": n.name or n.key,
            "类型": label_zh(n.label),
            "镇街": town_name(n.town_code),
            "编码": n.key,
            "_id": n.id,
        }
        for n in r.articulation_points
    ]
)

tab_rank, tab_points = st.tabs([f"{METRIC_ZH[metric]}排名", f"单点故障（{r.articulation_total}）"])


def _pick(table: pd.DataFrame, key: str) -> str | None:
    """Show a selectable table (its ``_id`` column hidden); the id of the clicked row, if any."""
    ev = st.dataframe(
        table.drop(columns=["_id"]),
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key=key,
        height=min(38 + 35 * len(table), 520),
    )
    rows = ev.selection.rows if ev is not None else []
    return str(table.iloc[rows[0]]["_id"]) if rows else None


chosen: str | None = None
with tab_rank:
    if ranking.empty:
        st.caption("该网络没有节点。")
    else:
        left, right = st.columns([1.2, 1])
        with left:
            chosen = _pick(ranking, "cen_rank_table") or chosen
            st.caption("点击一行查看该对象的详情。")
        with right:
            top20 = ranking.head(20)
            charts.draw_bars(
                list(top20["名称"]),
                list(top20["得分"]),
                key="cen-bars",
                color="#1E88E5",
                name=METRIC_ZH[metric],
            )
with tab_points:
    st.caption(
        "这些对象是网络中唯一的连接点：一旦缺失（如党组织撤销、结对中断），就会有对象与其余部分失去联系。"
    )
    if points.empty:
        st.caption("无。")
    else:
        chosen = _pick(points, "cen_points_table") or chosen
        if r.articulation_total > len(points):
            st.caption(f"共 {r.articulation_total} 个，显示前 {len(points)} 个。")

if chosen:
    st.divider()
    show_entity(str(chosen), key="cen-entity")
