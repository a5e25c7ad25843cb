"""对象详情: find any entity by name or code; its details and neighbourhood (?id=Label:key)."""

from __future__ import annotations

import streamlit as st

from dashboard.common import header, q
from dashboard.entity import show_entity

header("对象详情", "按名称或编码查找组织、党组织、村社区、党员等，查看详情与周边关系")

preset = st.query_params.get("id")
text = st.text_input("名称或编码", key="ent_q", placeholder="例如：建设集团、党支部，或信用代码")
chosen = None
if text.strip():
    hits = q("search", q=text.strip(), limit=30).items
    if not hits:
        st.warning("没有匹配的对象（或不在您的权限范围内）。")
    else:
        by_id = {h.node.id: h for h in hits}
        chosen = st.selectbox(
            f"匹配结果（{len(hits)}）",
            list(by_id),
            key="ent_pick",
            format_func=lambda i: (
                f"{by_id[i].node.name or by_id[i].node.key}（{by_id[i].label_zh}·{by_id[i].node.key}）"
            ),
        )
elif preset:
    chosen = preset

if chosen:
    show_entity(chosen, key="entity-page")
else:
    st.info("输入名称或编码开始查找。")
