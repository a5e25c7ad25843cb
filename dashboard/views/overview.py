"""总览: headline figures computed from the graph, the reference figures beside them, the tree."""

from __future__ import annotations

from collections import Counter
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from dashboard.common import has_figures, header, pct, q, scope, town_name
from graph.model import DEMO_TIERS, TWO_NEW_KINDS, TWO_NEW_LEVELS

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
fig = q("figures") if has_figures() else None


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
uncovered_two_new = cov.nonpublic.total - cov.nonpublic.covered + cov.social.total - cov.social.covered


def _figure_rows(fig: Any) -> list[dict[str, Any]]:
    """The figures answer as plain rows, whatever its exact field names."""
    data = fig.model_dump() if hasattr(fig, "model_dump") else fig
    if isinstance(data, dict):
        for k in ("figures", "items", "rows"):
            if isinstance(data.get(k), list):
                data = data[k]
                break
    return [x for x in data if isinstance(x, dict)] if isinstance(data, list) else []


def _first(row: dict[str, Any], *keys: str) -> Any:
    for k in keys:
        if k in row and row[k] is not None:
            return row[k]
    return None


fig_rows = _figure_rows(fig) if fig is not None else []
fig_by_id = {str(_first(r, "id", "code", "number", "key")): r for r in fig_rows}


def _instructors() -> str:
    r = fig_by_id.get("F14")
    v = _first(r, "value", "computed", "actual") if r else None
    if isinstance(v, dict):
        v = next(iter(v.values()), None)
    if isinstance(v, (list, tuple)):
        v = v[0] if v else None
    return "—" if v is None else str(v)


st.subheader("党组织覆盖")
c = st.columns(5)
c[0].metric(
    "非公经济组织覆盖率",
    pct(cov.nonpublic.rate),
    help="非公企业、专业市场中有党组织覆盖的比例（注销除外）",
    border=True,
)
c[0].caption(f"{cov.nonpublic.covered} / {cov.nonpublic.total} 家")
c[1].metric(
    "社会组织覆盖率", pct(cov.social.rate), help="社会组织、行业协会、商会中有党组织覆盖的比例", border=True
)
c[1].caption(f"{cov.social.covered} / {cov.social.total} 家")
work_total = cov.nonpublic.total + cov.social.total
work_cov = cov.nonpublic.work_covered + cov.social.work_covered
c[2].metric(
    "工作覆盖率",
    pct(work_cov / work_total if work_total else None),
    help="有党组织覆盖，或派驻了党建指导员",
    border=True,
)
c[2].caption(f"{work_cov} / {work_total} 家")
c[3].metric("未建党组织的两新组织", f"{uncovered_two_new}", border=True)
c[3].caption("详见“覆盖缺口”")
c[4].metric("个体工商户", f"{cov.self_employed.total}", help="单独统计，不计入覆盖率", border=True)
c[4].caption(f"其中有党组织覆盖 {cov.self_employed.covered} 户")

st.subheader("党组织与结对")
c = st.columns(5)
c[0].metric(
    "两新党组织", f"{len(two_new)}", help="组织党组织、协会党组织中的党委、党总支、党支部", border=True
)
c[0].caption(f"党组织体系共 {tree.total} 个")
c[1].metric("示范点", f"{n_demo}", border=True)
c[1].caption(" · ".join(f"{t} {tiers.get(t, 0)}" for t in DEMO_TIERS))
partner_pos = {p.id for p in demo.nodes if p.node.label == "PartyOrg" and not p.attrs.get("demo_tier")}
partner_orgs = {p.id for p in demo.nodes if p.node.label == "Organization"}
c[2].metric("示范帮扶结对", f"{len(demo.edges)}", border=True)
c[2].caption(f"帮扶非示范党组织 {len(partner_pos)} 个、未建组织 {len(partner_orgs)} 家")
j_orgs = {e.source for e in joint.edges}
j_vill = {e.target for e in joint.edges}
c[3].metric("村企联建", f"{len(joint.edges)}", border=True)
c[3].caption(f"{len(j_orgs)} 家组织联建 {len(j_vill)} 个村社区")
c[4].metric("党建指导员", _instructors(), border=True)
c[4].caption("派驻到组织或党组织")

tab_cov, tab_tree, tab_ref = st.tabs(["覆盖率明细", "组织体系", "参考指标核对"])

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
        by_town = q("coverage", by="town")
        st.markdown("**按镇街**" if not scope() else "**本镇街**")
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
            chart = (
                alt.Chart(tdf)
                .mark_bar(color="#B71C1C", cornerRadiusEnd=3)
                .encode(
                    x=alt.X("覆盖率:Q", title="覆盖率（%）", scale=alt.Scale(domain=[0, 100])),
                    y=alt.Y(
                        "镇街:N", sort="-x", title=None, axis=alt.Axis(labelOverlap=False, labelLimit=180)
                    ),
                    tooltip=["镇街", "组织数", "已覆盖", "覆盖率"],
                )
                .properties(height=alt.Step(24))
            )
            st.altair_chart(chart)

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
        rows = [_row(d, x) for d, x in _walk(n.children)]
        label = f"{n.node.name or n.node.key}　·　{n.kind or n.level or ''}　·　下属党组织 {n.descendants}"
        with st.expander(label):
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
            rows = [_row(d, x) for d, x in _walk(direct)]
            with st.expander(f"{top.node.name or top.node.key}直接管理的党组织　·　{len(direct)} 个"):
                st.dataframe(pd.DataFrame(rows), hide_index=True, height=min(38 + 35 * len(rows), 420))

with tab_ref:
    if fig is None:
        st.info("参考指标核对需要 queries.figures（尚未安装）。")
    elif not fig_rows:
        st.json(fig.model_dump() if hasattr(fig, "model_dump") else fig)
    else:
        st.caption("左为由图谱计算的数值，右为原文（永川区，2011 年底）的参考值。")
        out = []
        for r in fig_rows:
            agrees = _first(r, "agrees", "ok", "match", "matches")
            out.append(
                {
                    "编号": _first(r, "id", "code", "number", "key"),
                    "指标": _first(r, "name_zh", "title_zh", "name", "title", "label"),
                    "计算值": _first(r, "display", "value_text", "value", "computed", "actual"),
                    "参考值": _first(r, "reference_text", "reference", "expected", "article"),
                    "是否一致": "" if agrees is None else ("✓ 一致" if agrees else "✗ 不一致"),
                }
            )
        df = pd.DataFrame(out)
        df = df.astype({c: str for c in ("计算值", "参考值")})
        st.dataframe(df, hide_index=True)
