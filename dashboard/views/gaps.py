"""覆盖缺口: uncovered organisations ranked for action, where they are, and an Excel export."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import charts, geo_map
from dashboard.common import (
    FORMATION_ZH_HELP,
    group_names,
    header,
    names,
    pick,
    q,
    record,
    town_filter,
    town_name,
)
from dashboard.entity import link_to
from dashboard.export import DASH, XLSX_MIME, export_info, file_name, to_xlsx
from graph.model import NONPUBLIC_CATEGORIES, SOCIAL_CATEGORIES

header("覆盖缺口", "尚未建立党组织的两新组织，按可行动性排序，并给出建议的组建方式与依托党组织")

f = st.columns([1, 1, 1, 1, 1])
with f[0]:
    town = town_filter("gaps_town")
with f[1]:
    park = pick("园区", group_names("park"), key="gaps_park")
with f[2]:
    industry = pick("行业", group_names("industry"), key="gaps_industry")
with f[3]:
    cats = sorted(NONPUBLIC_CATEGORIES) + sorted(SOCIAL_CATEGORIES)
    category = pick("组织类别", {c: c for c in cats}, key="gaps_category")
with f[4]:
    min_emp = st.number_input("从业人员不少于", min_value=0, value=0, step=10, key="gaps_min_emp")

res = q(
    "gaps",
    town=town,
    park=park,
    industry=industry,
    category=category,
    min_employees=int(min_emp) or None,
    limit=None,
    with_map=True,
)

formations = Counter(e.recommendation.formation for e in res.entries)
m = st.columns(6)
m[0].metric("未建党组织", res.total, border=True)
for i, name in enumerate(("单独建", "联合建", "挂靠建", "1+X", "派驻指导员"), start=1):
    m[i].metric(f"建议{name}" if len(name) <= 3 else name, formations.get(name, 0), border=True)
    m[i].caption(FORMATION_ZH_HELP[name])


def _row(rank: int, e: Any) -> dict[str, Any]:
    rec = e.recommendation
    host = rec.host.name if rec.host else ""
    if rec.partners:
        host = (host + "；" if host else "") + "联合：" + names(rec.partners)
    return {
        "序号": rank,
        "组织名称": e.org.name or e.org.key,
        "建议方式": rec.formation,
        "依托党组织": host or DASH,
        "理由": rec.reason or DASH,
        "正式党员": e.full_members,
        "预备党员": e.probationary_members,
        "流动/隐性": e.floating_members + e.hidden_members,
        "从业人员": DASH if e.employees is None else e.employees,
        "镇街": town_names.get(e.org.town_code or "", e.org.town_code or DASH),
        "园区": park_names.get(e.park_code or "", e.park_code or DASH),
        "类别": e.category or DASH,
        "行业": e.industry or DASH,
        "结对示范点": names(e.demo_points) or DASH,
        "指导员": names(e.instructors) or DASH,
        "帮建人": names([h.helper for h in e.helpers]) or DASH,
        "统一社会信用代码": e.org.key,
    }


def _candidates(e: Any) -> list[dict[str, Any]]:
    return [
        {
            "候选党组织": c.party_org.name or c.party_org.key,
            "层级": c.level or DASH,
            "组建方式": c.formation or DASH,
            "图距离": DASH if c.hops is None else c.hops,
            "直线距离（公里）": DASH if c.distance_km is None else f"{c.distance_km:.2f}",
            "依据": "、".join(c.reasons) or DASH,
        }
        for c in e.candidates
    ]


def _details(e: Any, row: dict[str, Any]) -> None:
    """One organisation's recommendation in full: the text the table has to cut short."""
    with st.container(border=True):
        st.markdown(f"#### {row['组织名称']}")
        st.caption(f"统一社会信用代码 {row['统一社会信用代码']}　·　{row['镇街']}　·　{row['类别']}")
        a, b = st.columns([1, 2])
        a.metric("建议方式", row["建议方式"])
        b.markdown(f"**依托党组织**：{row['依托党组织']}")
        b.markdown(f"**理由**：{row['理由']}")
        st.markdown(
            f"**党员**：正式 {row['正式党员']}，预备 {row['预备党员']}，流动/隐性 {row['流动/隐性']}"
            f"　**从业人员**：{row['从业人员']}"
        )
        st.markdown(
            f"**结对示范点**：{row['结对示范点']}　**指导员**：{row['指导员']}　**帮建人**：{row['帮建人']}"
        )
        cand = _candidates(e)
        if cand:
            st.markdown(f"**候选依托党组织**（{len(cand)}）")
            st.dataframe(pd.DataFrame(cand), hide_index=True)
        link_to(e.org.id, "在“对象详情”中查看", key=f"gaps_open_{e.org.key}")


# Rows taller than 4rem let Streamlit wrap long text: host and reason show in full (3 lines).
ROW_H = 70
town_names = group_names("town")
park_names = group_names("park")
rows = [_row(i, e) for i, e in enumerate(res.entries, start=1)]
df = pd.DataFrame(rows)

tab_list, tab_map, tab_self = st.tabs(["排序清单", "分布图", f"个体工商户（{res.self_employed_total}）"])

with tab_list:
    if df.empty:
        st.success("当前筛选条件下没有未建党组织的两新组织。")
    else:
        st.caption("点选一行查看该组织的完整建议、理由和候选依托党组织。")
        ev = st.dataframe(
            df,
            hide_index=True,
            height=min(40 + ROW_H * len(df), 640),
            on_select="rerun",
            selection_mode="single-row",
            key="gaps_table",
            row_height=ROW_H,
            column_config={
                "序号": st.column_config.NumberColumn(width=50),
                "组织名称": st.column_config.TextColumn(width=220, pinned=True),
                "建议方式": st.column_config.TextColumn(width=90),
                "依托党组织": st.column_config.TextColumn(width=260),
                "理由": st.column_config.TextColumn(width=420),
                "从业人员": st.column_config.TextColumn(width=80),
            },
        )
        picked = ev.selection.rows if ev is not None else []
        if picked:
            i = picked[0]
            _details(res.entries[i], rows[i])
        filters = [
            ("镇街", town_name(town) if town else "全区"),
            ("园区", park_names.get(park, park) if park else "全部"),
            ("行业", industry or "全部"),
            ("组织类别", category or "全部"),
            ("从业人员不少于", str(int(min_emp))),
        ]
        info = export_info("覆盖缺口清单", filters)  # here: the download callback runs outside the page
        st.download_button(
            "导出当前清单（Excel，可直接打印）",
            # built only when someone downloads
            data=lambda: to_xlsx({"覆盖缺口": df}, info),
            file_name=file_name("覆盖缺口"),
            mime=XLSX_MIME,
            icon=":material/download:",
            on_click=lambda: record("dashboard.export", what="gaps", rows=len(df)),
            key="gaps_export",
        )


with tab_map:
    # with town boundaries: the party-building map, gaps and the hosts they are recommended to
    _, _, has_boundaries = geo_map.party_map(
        town,
        key="gaps_geo",
        metric="gaps",
        show=("towns", "organizations", "party_orgs", "gap"),
        height=560,
        only_with_boundaries=True,
    )
    if has_boundaries:
        st.caption("镇街按未建党组织数着色；虚线连接未建组织与建议依托的党组织。完整图层见“党建地图”。")
    # every organisation in scope with coordinates comes with the gaps answer
    listed = {e.org.key for e in res.entries}
    filtered = [p for p in res.map_points or [] if (park is None or p.park_code == park)]
    red = [[p.lon, p.lat, p.org.name or p.org.key] for p in filtered if p.org.key in listed]
    other_unc = [
        [p.lon, p.lat, p.org.name or p.org.key] for p in filtered if not p.covered and p.org.key not in listed
    ]
    grey = [[p.lon, p.lat, p.org.name or p.org.key] for p in filtered if p.covered]
    if has_boundaries:
        pass
    elif not filtered:
        st.info("当前范围内的组织没有填写经纬度。")
    else:
        charts.draw_scatter(
            [
                ("已建党组织", "#90A4AE", 5, grey),
                ("未建（不在当前清单）", "#CE93D8", 6, other_unc),
                ("未建（当前清单）", "#C62828", 8, red),
            ],
            key="gaps_map",
            height=460,
        )
        st.caption(
            f"按经纬度绘制，共 {len(filtered)} 家有坐标的组织，其中当前清单 {len(red)} 家以红色突出；"
            "不使用在线地图，内网可用。滚轮缩放。"
        )

with tab_self:
    st.caption("个体工商户单独统计，不计入覆盖率；通常通过“1+X”或非公有制经济组织党委覆盖。")
    se = pd.DataFrame(
        [
            {
                "名称": e.org.name or e.org.key,
                "信用代码": e.org.key,
                "镇街": town_names.get(e.org.town_code or "", e.org.town_code or DASH),
                "从业人员": DASH if e.employees is None else e.employees,
                "建议方式": e.recommendation.formation,
                "依托党组织": e.recommendation.host.name if e.recommendation.host else DASH,
            }
            for e in res.self_employed
        ]
    )
    if se.empty:
        st.caption("无。")
    else:
        st.dataframe(se, hide_index=True)
