"""总览: headline figures computed from the graph, the reference figures beside them, the tree."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import charts, geo_map
from dashboard.common import header, pct, q, scope, town_name
from dashboard.export import data_date_text
from graph.model import DEMO_TIERS, TWO_NEW_KINDS, TWO_NEW_LEVELS
from queries.map import NO_BOUNDARIES_HINT

header(
    "总览",
    "全区两新组织党建情况，均由图谱实时计算"
    if not scope()
    else f"{town_name(scope())}两新组织党建情况，由图谱实时计算",
)

cov = q("coverage", by="category")
tree = q("org_tree")
demo = q("pairing", pairing_type="示范帮扶")
joint = q("pairing", pairing_type="村企联建")
fig = q("figures")
ds = q("dataset")

# Which data this is: the last load's date and file (recorded by the loader with the load).
st.caption(f"数据来源：{data_date_text(ds.last_load)}" + ("" if ds.last_load else "，请先导入台账"))
if ds.standing is not None:
    ts = ds.standing
    st.subheader("本镇街在全区的位置")
    c = st.columns(3)
    c[0].metric("本镇街党组织覆盖率", pct(ts.rate), border=True)
    c[1].metric(
        "在全区镇街中的名次",
        "—" if ts.rank is None else f"第 {ts.rank} 名",
        help="按党组织覆盖率从高到低排名，并列同名次；不显示其他镇街的数值",
        border=True,
    )
    c[1].caption(f"共 {ts.towns} 个镇街")
    c[2].metric("全区镇街平均覆盖率", pct(ts.district_average), border=True)
    c[2].caption(f"全区合计覆盖率 {pct(ts.district_rate)}")

# The article's values as FACTS.md prints them (English in places), said in Chinese here.
ARTICLE_ZH = {
    "12 (incl. 渝西矿业集团党委)": "12（含渝西矿业集团党委）",
    "168 non-demo party orgs + 157 orgs without a party org": "非示范党组织 168 个 + 未建党组织的组织 157 家",
    "129 orgs with 173 villages": "129 家企业联建 173 个村（社区）",
    "500+ / 2000+ / 13 million+ yuan": "500+ 次 / 2000+ 个 / 1300 万+ 元",
    "58 organisation, 48 member": "组织 58 项、党员 48 项",
    "25.7 bn yuan / 67.6% / 38.02 bn yuan": "257 亿元 / 67.6% / 380.2 亿元",
}


def _article(text: str) -> str:
    return ARTICLE_ZH.get(text, text)


def _definition(text: str) -> str:
    """A figure's definition without the relationship codes in brackets (the Chinese word is there)."""
    return re.sub(r"（[A-Z_]+）", "", text)


def _walk(nodes: list[Any], depth: int = 0) -> list[tuple[int, Any]]:
    out: list[tuple[int, Any]] = []
    for n in nodes:
        out.append((depth, n))
        out.extend(_walk(n.children, depth + 1))
    return out


all_nodes = [n for _, n in _walk(tree.roots)]
two_new = [n for n in all_nodes if n.kind in TWO_NEW_KINDS and n.level in TWO_NEW_LEVELS]
tiers = Counter(n.demo_tier for n in all_nodes if n.demo_tier)
n_demo = sum(tiers.values())


# The article's figures beside the computed ones, when the loaded graph is the demo district
# (every figure agrees): against a real district, Yongchuan's 2011 values would only confuse.
figs = {f.id: f for f in fig.figures}
show_ref = bool(fig.all_agree)


def _part(fid: str, key: str) -> Any:
    f = figs.get(fid)
    return next((p for p in f.parts if p.key == key), None) if f else None


def _ref(fid: str, key: str) -> str:
    p = _part(fid, key)
    if not show_ref or p is None:
        return ""
    return f"　·　原文 {p.article} {'✓' if p.agrees else '✗'}"


instr = _part("F14", "instructors")
n_instructors = "—" if instr is None else str(instr.value)
unc_nonpublic = cov.nonpublic.total - cov.nonpublic.covered
unc_social = cov.social.total - cov.social.covered

st.subheader("党组织覆盖")
c = st.columns(5)
c[0].metric(
    "非公经济组织覆盖率",
    pct(cov.nonpublic.rate),
    help="非公企业、专业市场中有党组织覆盖的比例（注销除外）",
    border=True,
)
c[0].caption(f"{cov.nonpublic.covered} / {cov.nonpublic.total} 家{_ref('F12', 'coverage')}")
c[1].metric(
    "社会组织覆盖率", pct(cov.social.rate), help="社会组织、行业协会、商会中有党组织覆盖的比例", border=True
)
c[1].caption(f"{cov.social.covered} / {cov.social.total} 家{_ref('F13', 'coverage')}")
work_total = cov.nonpublic.total + cov.social.total
work_cov = cov.nonpublic.work_covered + cov.social.work_covered
c[2].metric(
    "工作覆盖率",
    pct(work_cov / work_total if work_total else None),
    help="有党组织覆盖，或派驻了党建指导员",
    border=True,
)
c[2].caption(f"{work_cov} / {work_total} 家{_ref('F14', 'work_coverage')}")
c[3].metric(
    "非公未建党组织", f"{unc_nonpublic}", help="非公企业、专业市场中没有党组织覆盖的（注销除外）", border=True
)
c[3].caption(f"另有社会组织 {unc_social} 家{_ref('F8', 'count')}")
c[4].metric("个体工商户", f"{cov.self_employed.total}", help="单独统计，不计入覆盖率", border=True)
c[4].caption(f"其中有党组织覆盖 {cov.self_employed.covered} 户")

st.subheader("党组织与结对")
c = st.columns(5)
c[0].metric(
    "两新党组织", f"{len(two_new)}", help="组织党组织、协会党组织中的党委、党总支、党支部", border=True
)
c[0].caption(f"党组织体系共 {tree.total} 个{_ref('F11', 'count')}")
c[1].metric("示范点", f"{n_demo}", border=True)
c[1].caption(" · ".join(f"{t} {tiers.get(t, 0)}" for t in DEMO_TIERS) + _ref("F5", "total"))
partner_pos = {p.id for p in demo.nodes if p.node.label == "PartyOrg" and not p.attrs.get("demo_tier")}
partner_orgs = {p.id for p in demo.nodes if p.node.label == "Organization"}
c[2].metric("示范帮扶结对", f"{len(demo.edges)}", border=True)
c[2].caption(f"帮扶非示范党组织 {len(partner_pos)} 个、未建组织 {len(partner_orgs)} 家")
j_orgs = {e.source for e in joint.edges}
j_vill = {e.target for e in joint.edges}
c[3].metric("村企联建", f"{len(joint.edges)}", border=True)
c[3].caption(f"{len(j_orgs)} 家组织联建 {len(j_vill)} 个村社区")
c[4].metric("党建指导员", n_instructors, border=True)
c[4].caption("派驻到组织或党组织" + _ref("F14", "instructors"))
if show_ref:
    st.caption("“原文”为永川区 2011 年底的参考值（演示数据与之逐项一致时显示）；详见“参考指标核对”。")

tab_cov, tab_map, tab_tree, tab_ref = st.tabs(["覆盖率明细", "党建地图", "组织体系", "参考指标核对"])

with tab_map:
    _metric = st.radio(
        "镇街着色",
        list(geo_map.METRICS),
        format_func=lambda m: geo_map.METRICS[m][0],
        horizontal=True,
        key="overview_map_metric",
    )
    _, _, _has_map = geo_map.party_map(
        scope(), key="overview_map", metric=_metric, show=("towns",), height=520, only_with_boundaries=True
    )
    if not _has_map:
        st.info(NO_BOUNDARIES_HINT)

with tab_cov:
    left, right = st.columns([1, 1.3])
    with left:
        st.markdown("**按组织类别**")
        df = pd.DataFrame(
            [
                {
                    "类别": r.group_name or r.group,
                    "组织数": r.total,
                    "已覆盖": r.covered,
                    "覆盖率": pct(r.rate),
                    "工作覆盖": r.work_covered,
                    "工作覆盖率": pct(r.work_rate),
                }
                for r in cov.rows
            ]
        )
        st.dataframe(df, hide_index=True)
    with right:
        # A town user has one town: show its industries instead of a single bar.
        by_town = q("coverage", by="industry" if scope() else "town")
        st.markdown("**按镇街**" if not scope() else "**本镇街按行业**")
        tdf = pd.DataFrame(
            [
                {
                    "镇街": r.group_name or r.group,
                    "组织数": r.total,
                    "已覆盖": r.covered,
                    "覆盖率": round((r.rate or 0) * 100, 2),
                }
                for r in by_town.rows
            ]
        )
        if not tdf.empty:
            charts.draw_bars(
                list(tdf["镇街"]),
                list(tdf["覆盖率"]),
                key="ov-town-bars",
                color="#B71C1C",
                name="覆盖率（%）",
                unit="%",
                max_value=100,
            )

with tab_tree:
    st.caption(
        "区委 → 区委两新工委 → 镇街两新党委 / 园区党工委 / 非公有制经济组织党委 → 各组织党组织。"
        "展开查看下属党组织。"
    )

    def _row(depth: int, n: Any) -> dict[str, Any]:
        return {
            "党组织": "\u3000" * depth + (n.node.name or n.node.key),
            "层级": n.level or "",
            "类型": n.kind or "",
            "示范等级": n.demo_tier or "",
            "覆盖组织": n.covers,
            "下属": n.descendants,
            "编码": n.node.key,
        }

    def _tree_block(n: Any) -> None:
        label = f"{n.node.name or n.node.key}　·　{n.kind or n.level or ''}　·　下属党组织 {n.descendants}"
        # Lazy: a closed expander costs nothing; the table is built when someone opens it.
        box = st.expander(label, key=f"tree_{n.node.key}", on_change="rerun")
        if not box.open:
            return
        with box:
            rows = [_row(d, x) for d, x in _walk(n.children)]
            if rows:
                st.dataframe(pd.DataFrame(rows), hide_index=True, height=min(38 + 35 * len(rows), 420))
            else:
                st.caption("无下属党组织")

    for root in tree.roots:
        # Walk down the single-child spine (区委 → 区委两新工委) and show it as a heading line.
        spine = [root]
        while len(spine[-1].children) == 1 and spine[-1].kind not in ("镇街两新党委", "园区党工委"):
            spine.append(spine[-1].children[0])
        st.markdown("**" + " → ".join(x.node.name or x.node.key for x in spine) + "**")
        top = spine[-1]
        structural = [x for x in top.children if x.children or x.kind not in TWO_NEW_KINDS]
        direct = [x for x in top.children if x not in structural]
        for child in sorted(structural, key=lambda x: (x.kind or "", x.node.key)):
            _tree_block(child)
        if direct:
            box = st.expander(
                f"{top.node.name or top.node.key}直接管理的党组织　·　{len(direct)} 个",
                key=f"tree_direct_{top.node.key}",
                on_change="rerun",
            )
            if box.open:
                rows = [_row(d, x) for d, x in _walk(direct)]
                with box:
                    st.dataframe(pd.DataFrame(rows), hide_index=True, height=min(38 + 35 * len(rows), 420))

with tab_ref:
    if fig.all_agree:
        st.success(f"全部 {len(fig.figures)} 项图谱指标与原文（永川区，2011 年底）一致。")
    elif fig.all_agree is False:
        n_bad = sum(1 for f in fig.figures if f.agrees is False)
        st.warning(f"{n_bad} 项指标与原文不一致（导入的不是演示数据时，这是正常的）。")
    else:
        st.caption("镇街范围内的数值不与全区原文比较。")
    ref_df = pd.DataFrame(
        [
            {
                "编号": f.id,
                "指标": f.title_zh,
                "图谱计算值": f.value_text,
                "原文": _article(f.article),
                "一致": "" if f.agrees is None else ("✓" if f.agrees else "✗"),
                "口径": _definition(f.definition),
            }
            for f in fig.figures
        ]
    )
    st.dataframe(ref_df, hide_index=True, column_config={"口径": st.column_config.TextColumn(width="large")})
    if fig.context:
        st.markdown("**背景数字**（图模型中没有对应数据，仅作参考）")
        st.dataframe(
            pd.DataFrame(
                [{"编号": x.id, "指标": x.title_zh, "原文": _article(x.article)} for x in fig.context]
            ),
            hide_index=True,
        )
    if fig.omitted:
        st.caption("镇街范围不含的全区指标：" + "、".join(fig.omitted))
