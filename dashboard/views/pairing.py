"""结对网络: 示范帮扶 and 村企联建 as an interactive network; click a node for its details."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard import charts
from dashboard.common import (
    effective_town,
    header,
    label_zh,
    names,
    q,
    store_target,
    town_filter,
    town_name,
    version,
)
from dashboard.entity import category, drawn, link_to, ref_rows, show_entity
from graph.model import DEMO_TIERS, PAIRING_TYPES
from queries.layout import group_layout

header("结对网络", "示范点结对帮扶与村企联建：谁和谁结对、哪些示范点还没有结对、哪些未建组织无人帮扶")

f = st.columns([1.2, 1, 1])
with f[0]:
    ptype = (
        st.segmented_control(
            "结对类型", list(PAIRING_TYPES), default=PAIRING_TYPES[0], key="pair_type", required=True
        )
        or "示范帮扶"
    )
with f[1]:
    town = town_filter("pair_town")
with f[2]:
    tier = None
    if ptype == "示范帮扶":
        tier = st.selectbox(
            "示范等级",
            [None, *DEMO_TIERS],
            key="pair_tier",
            format_func=lambda t: "全部等级" if t is None else t,
        )

net = q("pairing", town=town, pairing_type=ptype, tier=tier)
# A new network (type, town or tier) starts with no node chosen: a node of the previous one is stale.
view = (ptype, town, tier)
fresh = st.session_state.get("pair_view") != view
if fresh:
    st.session_state["pair_view"] = view
    st.session_state.pop("pair_node", None)

m = st.columns(5)
sources = {p.source.id for p in net.partners if p.count}
if ptype == "示范帮扶":
    points = sources | {u.id for u in net.unpaired_points}
    m[0].metric("示范点", len(points), border=True)
    m[1].metric("结对关系", len(net.edges), border=True)
    m[2].metric("结对对象", len({e.target for e in net.edges}), border=True)
    m[3].metric("未结对示范点", len(net.unpaired_points), border=True)
    m[4].metric("无人结对的未建组织", len(net.uncovered_unpaired), border=True)
else:
    m[0].metric("联建组织", len(sources), border=True)
    m[1].metric("联建关系", len(net.edges), border=True)
    m[2].metric("联建村社区", len({e.target for e in net.edges}), border=True)
    m[3].metric("无联建的村社区", len(net.unpaired_points), border=True)
    m[4].metric("连通片", len(net.components), border=True)

lonely = "未结对示范点" if ptype == "示范帮扶" else "无联建的村社区"
show_lonely = st.toggle(
    f"在图中显示{lonely}（{len(net.unpaired_points)} 个）",
    value=False,
    key="pair_lonely",
    help="它们没有任何连线，默认不画，以免占满画面；下方表格中始终列出。",
)
hidden = set() if show_lonely else {u.id for u in net.unpaired_points}
node_by_id = {n.id: n for n in net.nodes}


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def _drawing(key: tuple[Any, ...], _net: Any, _hidden: frozenset[str]) -> charts.Drawing:
    """The laid-out drawing of one answer (``key`` names it: store, version, scope, filters).
    The district is grouped by town, each town's part packed on its own, filling the width."""
    shown = [n for n in _net.nodes if n.id not in _hidden]
    nodes = [drawn(n, f"{category(n.node.label, n.attrs)} · {town_name(n.node.town_code)}") for n in shown]
    edges = [(e.source, e.target, e.type_zh) for e in _net.edges]
    if _net.town is not None:
        return charts.build_drawing(nodes, edges)
    groups: dict[str, list[str]] = {}
    for n in shown:
        groups.setdefault(n.node.town_code or "", []).append(n.id)
    pos, corners = group_layout(groups, [(u, v) for u, v, _ in edges], aspect=2.2)
    d = charts.build_drawing(nodes, edges, directed_layout=pos)
    titles = {t: (town_name(t) if t else "区级（不属于某一镇街）", xy) for t, xy in corners.items()}
    charts.add_titles(d, titles)
    return d


drawing = _drawing(
    (*store_target(), version(), effective_town(town), ptype, tier, show_lonely), net, frozenset(hidden)
)

left, right = st.columns([3, 1.1])
with left:
    if not drawing.nodes:
        st.info("当前筛选条件下没有结对关系。")
        clicked = None
    else:
        clicked = charts.draw_network(
            drawing, key=f"pair-graph-{ptype}", height=drawing.height(1100, lo=420, hi=760)
        )
        charts.legend_note(drawing)
        st.caption(
            "按镇街分组；滚轮缩放、拖动平移；点击节点查看详情与结对对象。"
            if town is None
            else "滚轮缩放、拖动平移；点击节点查看详情与结对对象。"
        )

# The chart's click and the selectbox below both choose the node; the click wins when new.
# A chart keeps its last selection: on a fresh view it is not new.
ids = charts.node_ids(drawing)
last = None if fresh else st.session_state.get("pair_last_click")
if fresh:
    st.session_state["pair_last_click"] = clicked
elif clicked and clicked != last:
    st.session_state["pair_last_click"] = clicked
    st.session_state["pair_node"] = clicked
if st.session_state.get("pair_node") not in ids:
    st.session_state.pop("pair_node", None)

with right:
    chosen = st.selectbox(
        "查看节点",
        ids,
        index=None,
        key="pair_node",
        placeholder="在图中点击节点，或在此搜索",
        format_func=lambda i: (
            f"{node_by_id[i].node.name or node_by_id[i].node.key}（{label_zh(node_by_id[i].node.label)}）"
        ),
    )
    if chosen:
        n = node_by_id[chosen]
        cat = category(n.node.label, n.attrs)
        st.markdown(f"#### {n.node.name or n.node.key}")
        st.caption(f"{cat} · {town_name(n.node.town_code)} · 编码 {n.node.key}")
        nb = sorted(
            {e.target for e in net.edges if e.source == chosen}
            | {e.source for e in net.edges if e.target == chosen}
        )
        refs = [node_by_id[x].node for x in nb if x in node_by_id]
        st.markdown(f"**{'结对对象' if ptype == '示范帮扶' else '联建对象'}**（{len(refs)}）")
        if refs:
            st.dataframe(ref_rows(refs), hide_index=True, height=min(38 + 35 * len(refs), 300))
        else:
            st.caption("尚无结对。")
        if n.node.label in ("Organization", "PartyOrg"):
            link_to(chosen, "打开对象详情")
    else:
        st.info("点击图中的节点，这里会显示它的详情和结对对象。")

tabs = st.tabs(
    ["未结对示范点" if ptype == "示范帮扶" else "无联建的村社区", "无人结对的未建组织", "结对明细", "连通片"]
)
with tabs[0]:
    df = ref_rows(net.unpaired_points)
    if not df.empty:
        st.dataframe(df, hide_index=True)
    else:
        st.caption("无。")
with tabs[1]:
    if ptype == "示范帮扶":
        df = ref_rows(net.uncovered_unpaired)
        st.caption("尚未建立党组织、也没有示范点与之结对的组织，可优先安排结对帮扶。")
        if not df.empty:
            st.dataframe(df, hide_index=True)
        else:
            st.caption("无。")
    else:
        st.caption("仅适用于示范帮扶。")
with tabs[2]:
    rows = [
        {
            "示范点" if ptype == "示范帮扶" else "组织": p.source.name or p.source.key,
            "等级": p.demo_tier or "",
            "结对数": p.count,
            "结对对象": names(p.partners),
        }
        for p in net.partners
    ]
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True)
    else:
        st.caption("无。")
with tabs[3]:
    st.caption("互相连通的结对群（最大的在前）。")
    comp_rows = [
        {
            "序号": i,
            "节点数": len(c),
            "成员": "、".join((node_by_id[x].node.name or x) for x in c[:12] if x in node_by_id)
            + ("…" if len(c) > 12 else ""),
        }
        for i, c in enumerate(net.components[:200], start=1)
    ]
    if comp_rows:
        st.dataframe(pd.DataFrame(comp_rows), hide_index=True)
    else:
        st.caption("无。")

if chosen and node_by_id[chosen].node.label in ("Organization", "PartyOrg"):
    with st.expander("对象详情", expanded=False):
        show_entity(chosen, ego_graph=False, key="pair-entity")
