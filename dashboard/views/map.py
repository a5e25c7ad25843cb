"""党建地图: towns coloured by coverage, units and party organisations as points, links as lines."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import geo_map
from dashboard.common import header, label_zh, town_filter
from dashboard.entity import show_entity
from queries.map import NO_BOUNDARIES_HINT  # (importing it registers the map questions)

header("党建地图", "镇街覆盖情况、两新组织与党组织分布、结对与村企联建连线（离线地图，不连接互联网）")

c = st.columns([1, 1, 3])
with c[0]:
    town = town_filter("map_town")
with c[1]:
    metric = st.selectbox(
        "镇街着色", list(geo_map.METRICS), format_func=lambda m: geo_map.METRICS[m][0], key="map_metric"
    )
LAYERS = {
    "towns": "镇街",
    "organizations": "两新组织",
    "party_orgs": "党组织",
    "villages": "村（社区）",
    "gap": "空白点→建议依托",
    "示范帮扶": "示范帮扶",
    "村企联建": "村企联建",
}
with c[2]:
    shown = st.multiselect(
        "图层",
        list(LAYERS),
        default=["towns", "organizations", "party_orgs", "gap", "示范帮扶"],
        format_func=LAYERS.get,
        key="map_layers",
    )

picked, points, has_boundaries = geo_map.party_map(
    town, key="party_map", metric=metric, show=tuple(shown), height=680
)
if not has_boundaries:
    st.info(NO_BOUNDARIES_HINT)
st.caption("滚轮缩放、拖动平移；点击点位或连线查看详情。外镇街的连线止于本镇街边界，标为“外镇街”。")

if picked and not picked.startswith("Town:"):
    show_entity(picked, key="map_entity")

if points.unplaced:
    with st.expander(f"无位置信息、未在图上标出的对象（{len(points.unplaced)} 个）"):
        st.dataframe(
            pd.DataFrame(
                [{"类型": label_zh(r.label), "编码": r.key, "名称": r.name or "—"} for r in points.unplaced]
            ),
            hide_index=True,
            use_container_width=True,
        )
