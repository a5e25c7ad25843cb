"""路径查询: how two entities are connected, as a drawing and as a sentence."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard import charts
from dashboard.common import header, label_zh, q, record, ref_text, town_name
from dashboard.entity import category
from dashboard.export import XLSX_MIME, export_info, file_name, to_xlsx
from queries.paths import DEFAULT_TYPES, MAX_K, TYPE_ZH

# the filter's choices as plain text (widget state survives reruns), shown in Chinese
TYPES = {str(t): zh for t, zh in TYPE_ZH.items()}

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

o = st.columns([2.2, 0.8, 0.6])
with o[0]:
    types = st.multiselect(
        "关系类型",
        list(TYPES),
        default=[str(t) for t in DEFAULT_TYPES],
        format_func=lambda t: TYPES[t],
        key="path_types",
        help="默认只走说明实际联系的关系；“隶属”“活动在”需要时再加。",
    )
with o[1]:
    hubs = st.toggle(
        "允许经过枢纽",
        value=False,
        key="path_hubs",
        help="枢纽：区委、区委两新工委、镇街两新党委、园区党工委、非公有制经济组织党委、镇街、园区。"
        "它们几乎连着所有对象，经过它们的路径说明不了实际联系。",
    )
with o[2]:
    k = st.number_input("最多几条", min_value=1, max_value=MAX_K, value=MAX_K, step=1, key="path_k")

if not (src and dst):
    st.info("在上面两个框中各输入名称或编码，选择对象后即显示路径。")
    st.stop()
if src == dst:
    st.warning("起点和终点是同一个对象。")
    st.stop()
if not types:
    st.warning("请至少选择一种关系类型。")
    st.stop()

r = q("path", source=src, target=dst, max_hops=hops, types=tuple(types), include_hubs=hubs, k=int(k))
if r.note_zh:
    (st.info if r.found else st.warning)(r.note_zh)
if not r.found:
    st.warning(
        f"在 {hops} 步以内，{ref_text(r.source)} 与 {ref_text(r.target)} 之间没有关系路径"
        "（或路径会经过您权限以外的对象）。可以增加步数或关系类型再试。"
    )
    st.stop()

m = st.columns(3)
m[0].metric("最短路径长度", f"{r.length} 步", border=True)
m[1].metric("最短路径条数", f"{len(r.paths)}{'+' if r.truncated else ''}", border=True)
m[2].metric("途经对象", len({n.id for p in r.paths for n in p.nodes}) - 2, border=True)

for i, p in enumerate(r.paths, start=1):
    st.markdown(f"**路径 {i}**：{p.sentence_zh or p.chain_zh}")
    st.caption(p.chain_zh)

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

rows = [
    {
        "路径": i,
        "步数": len(p.relationships),
        "怎样相连": p.sentence_zh or p.chain_zh,
        "关系链": p.chain_zh,
        "途经枢纽": "、".join(n.name or n.key for n in r.hubs if n in p.nodes[1:-1]) or "—",
    }
    for i, p in enumerate(r.paths, start=1)
]
info = export_info(
    f"关系路径：{ref_text(r.source)} — {ref_text(r.target)}",
    [
        ("关系类型", "、".join(TYPES[t] for t in types)),
        ("枢纽", "允许经过" if hubs else "不经过（无路径时给出经过枢纽的一条）"),
        ("最多步数", str(hops)),
    ],
)
st.download_button(
    "导出路径（Excel，可直接打印）",
    data=lambda: to_xlsx({"关系路径": pd.DataFrame(rows)}, info),
    file_name=file_name("关系路径"),
    mime=XLSX_MIME,
    icon=":material/download:",
    on_click=lambda: record("dashboard.export", what="paths", rows=len(rows)),
    key="path_export",
)
