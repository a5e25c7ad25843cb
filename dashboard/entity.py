"""One entity's detail panel (organisation, party organisation, or any node's neighbourhood),
shared by the pairing, centrality, paths and entity pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import charts
from dashboard.common import label_zh, names, props_table, q, record, ref_text, town_name
from graph.errors import NotFound

ENTITY_FILE = Path(__file__).resolve().parent / "views" / "entity.py"


def category(label: str, attrs: dict[str, Any] | None = None, props: dict[str, Any] | None = None) -> str:
    """The drawing category of a node (colour legend)."""
    a = {**(props or {}), **(attrs or {})}
    if label == "PartyOrg":
        tier = a.get("demo_tier")
        if tier:
            return f"{tier}示范点"
        return "党组织"
    if label == "Organization":
        covered = a.get("covered")
        if covered is None:
            return "组织"
        return "已建党组织的组织" if covered else "未建党组织的组织"
    return label_zh(label) if label_zh(label) in charts.COLORS else "其他"


def ref_rows(refs: Any) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "名称": r.name or r.key,
                "类型": label_zh(r.label),
                "编码": r.key,
                "镇街": town_name(r.town_code),
            }
            for r in refs or []
        ]
    )


def link_to(node_id: str, text: str | None = None, key: str | None = None) -> None:
    """A link to the entity page for one node."""
    st.page_link(
        str(ENTITY_FILE),
        label=text or "查看详情",
        icon=":material/open_in_new:",
        query_params={"id": node_id},
    )


def _list(title: str, refs: Any) -> None:
    if refs:
        st.markdown(f"**{title}**（{len(refs)}）：{names(refs)}")


def show_entity(node_id: str, *, ego_graph: bool = True, key: str = "entity") -> None:
    """Details of one node, then its one-hop neighbourhood as a small graph."""
    label, _, code = node_id.partition(":")
    try:
        if label == "Organization":
            _organization(code)
        elif label == "PartyOrg":
            _party_org(code)
        else:
            if label == "Member" and st.session_state.get("entity_audited") != node_id:
                record("dashboard.entity", member=code)  # a member's neighbourhood is personal data
                st.session_state["entity_audited"] = node_id
            st.markdown(f"#### {label_zh(label)} · {code}")
        if ego_graph:
            _ego(node_id, key)
    except NotFound:
        st.warning("未找到该对象，或不在您的权限范围内。")


def _organization(uscc: str) -> None:
    d = q("organization", uscc=uscc)
    covered = bool(d.covered_by)
    st.markdown(f"#### {d.org.name or uscc}")
    st.caption(f"组织 · 统一社会信用代码 {uscc}")
    c = st.columns(4)
    c[0].metric("组织类别", str(d.properties.get("org_category") or "—"))
    c[1].metric(
        "从业人员", str(d.properties.get("employees") if d.properties.get("employees") is not None else "—")
    )
    c[2].metric("党组织覆盖", "已覆盖" if covered else "未覆盖")
    c[3].metric("在此工作的党员", str(d.member_counts.get("合计", 0)))
    place = [x for x in (d.town, d.park) if x]
    if place:
        st.markdown("**所在**：" + " · ".join(ref_text(x) for x in place))
    if d.association:
        st.markdown(f"**所属协会**：{ref_text(d.association)}")
    if d.parent:
        st.markdown(f"**上级单位**：{ref_text(d.parent)}")
    _list("覆盖它的党组织", d.covered_by)
    _list("党建指导员", d.instructors)
    _list("结对示范点", d.paired_by)
    _list("联建村社区", d.villages)
    _list("下属子公司", d.subsidiaries)
    _list("协会成员", d.association_members)
    if d.helpers:
        st.markdown(
            "**帮建人**："
            + "、".join(
                f"{h.helper.name or h.helper.key}（{h.status or '—'}，{h.since or '—'} 起）"
                for h in d.helpers
            )
        )
    if d.member_counts:
        st.markdown("**党员**：" + "，".join(f"{k} {v}" for k, v in d.member_counts.items()))
    with st.expander("全部字段"):
        st.dataframe(pd.DataFrame(props_table(d.properties)), hide_index=True, width="stretch")


def _party_org(code: str) -> None:
    d = q("party_org", code=code)
    p = d.properties
    st.markdown(f"#### {d.party_org.name or code}")
    st.caption(f"党组织 · 编码 {code}")
    c = st.columns(4)
    c[0].metric("层级", str(p.get("level") or "—"))
    c[1].metric("类型", str(p.get("kind") or "—"))
    c[2].metric("组建方式", str(p.get("formation") or "—"))
    c[3].metric("示范等级", str(p.get("demo_tier") or "非示范点"))
    if d.parents:
        st.markdown("**隶属关系**：" + " → ".join(x.name or x.key for x in [d.party_org, *d.parents]))
    _list("下级党组织", d.children)
    _list("覆盖的组织", d.covers)
    _list("党建指导员", d.instructors)
    _list("结对帮扶对象", d.paired_with)
    _list("结对它的示范点", d.paired_by)
    if d.member_counts:
        st.markdown("**组织关系在此的党员**：" + "，".join(f"{k} {v}" for k, v in d.member_counts.items()))
    if d.committee:
        st.markdown("**班子成员**：" + "、".join(f"{m.member.name or m.member.key}" for m in d.committee))
    with st.expander("全部字段"):
        st.dataframe(pd.DataFrame(props_table(p)), hide_index=True, width="stretch")


def _ego(node_id: str, key: str) -> None:
    e = q("ego", key=node_id, hops=1, cap=80)
    nodes = [
        (
            n.id,
            n.node.name or n.node.key,
            category(n.node.label, n.attrs),
            f"{label_zh(n.node.label)} · {n.node.key}",
        )
        for n in e.nodes
    ]
    edges = [(x.source, x.target, x.type_zh) for x in e.edges]
    order = {
        lab: i for i, lab in enumerate(("PartyOrg", "Organization", "Village", "Town", "Park", "Instructor"))
    }
    ring = sorted(
        (n for n in e.nodes if n.id != node_id),
        key=lambda n: (n.attrs.get("hop", 1), order.get(n.node.label, 9), n.node.name or "", n.id),
    )
    layout = charts.ring_layout(node_id, [[n.id for n in ring]])
    d = charts.build_drawing(nodes, edges, directed_layout=layout)
    charts.radial_labels(d, node_id)
    st.markdown(f"**周边关系**（{len(e.nodes) - 1} 个相邻对象{'，已截取' if e.capped else ''}）")
    left, right = st.columns([1.25, 1])
    with left:
        # Zoomed out so the names around the ring stay inside the chart.
        charts.draw_network(d, key=f"{key}-ego", height=540, selectable=False, zoom=0.58)
    neighbours = [n.node for n in e.nodes if n.id != node_id]
    rel_of: dict[str, list[str]] = {}
    for x in e.edges:
        other = x.target if x.source == node_id else x.source
        rel_of.setdefault(other, []).append(x.type_zh)
    df = ref_rows(neighbours)
    if not df.empty:
        df.insert(
            0, "关系", ["、".join(sorted(set(rel_of.get(f"{r.label}:{r.key}", [])))) for r in neighbours]
        )
        with right:
            st.dataframe(df, hide_index=True, height=520)
