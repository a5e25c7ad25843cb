"""路径查询: how two entities are connected, as a drawing and as a sentence."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard import charts
from dashboard.common import header, label_zh, q, ref_text, town_name
from dashboard.entity import category

header("路径查询", "任选两个对象（组织、党组织、党员、村社区……），查看它们之间最短的关系路径")


def _entity_box(col: Any, title: str, key: str) -> str | None:
    with col:
        text = st.text_input(title, key=f"{key}_q", placeholder="名称或编码")
        if not text.strip():
            return None
        hits = q("search", q=text.strip(), limit=30).items
        if not hits:
            st.caption("没有匹配的对象。")
            return None
        by_id = {h.node.id: h for h in hits}
        return st.selectbox(
            "选择",
            list(by_id),
            key=f"{key}_pick",
            label_visibility="collapsed",
            format_func=lambda i: (
                f"{by_id[i].node.name or by_id[i].node.key}（{by_id[i].label_zh}·{by_id[i].node.key}）"
            ),
        )


c = st.columns([1, 1, 0.6])
src = _entity_box(c[0], "起点", "path_src")
dst = _entity_box(c[1], "终点", "path_dst")
with c[2]:
    hops = st.slider("最多几步", 1, 10, 6, key="path_hops")

if not (src and dst):
    st.info("在上面两个框中各输入名称或编码，选择对象后即显示路径。")
    st.stop()
if src == dst:
    st.warning("起点和终点是同一个对象。")
    st.stop()

r = q("path", source=src, target=dst, max_hops=hops)
if not r.found:
    st.warning(
        f"在 {hops} 步以内，{ref_text(r.source)} 与 {ref_text(r.target)} 之间没有关系路径"
        "（或路径会经过您权限以外的对象）。"
    )
    st.stop()

m = st.columns(3)
m[0].metric("最短路径长度", f"{r.length} 步", border=True)
m[1].metric("最短路径条数", f"{len(r.paths)}{'+' if r.truncated else ''}", border=True)
m[2].metric("途经对象", len({n.id for p in r.paths for n in p.nodes}) - 2, border=True)

for i, p in enumerate(r.paths, start=1):
    st.markdown(f"**路径 {i}**：{p.chain_zh}")

first = r.paths[0]
ids = [n.id for n in first.nodes]
nodes = {}
edges = []
for p in r.paths:
    for n in p.nodes:
        nodes[n.id] = (
            n.id,
            n.name or n.key,
            category(n.label),
            f"{label_zh(n.label)} · {town_name(n.town_code)}",
        )
    edges += [(e.source, e.target, e.type_zh) for e in p.relationships]
layout = charts.chain_layout(ids) if len(r.paths) == 1 else None
d = charts.build_drawing(list(nodes.values()), edges, directed_layout=layout)
charts.draw_network(
    d, key="path-graph", height=d.height(1100, lo=220, hi=520), selectable=False, edge_labels=True
)

st.markdown("**路径上的对象**")
st.dataframe(
    pd.DataFrame(
        [
            {
                "序号": i,
                "名称": n.name or n.key,
                "类型": label_zh(n.label),
                "编码": n.key,
                "镇街": town_name(n.town_code),
            }
            for i, n in enumerate(first.nodes, start=1)
        ]
    ),
    hide_index=True,
)
