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


# The lists an entity page shows, by the answer's field (whichever the entity's answer has).
LISTS = {
    "covered_by": "覆盖它的党组织",
    "children": "下级党组织",
    "covers": "覆盖的组织",
    "instructors": "党建指导员",
    "paired_with": "结对帮扶对象",
    "paired_by": "结对它的示范点",
    "villages": "联建村社区",
    "subsidiaries": "下属子公司",
    "association_members": "协会成员",
    "helps_build": "帮建对象",
    "town_committees": "镇街两新党委",
}


def _lists(d: Any) -> None:
    for field, title in LISTS.items():
        refs = getattr(d, field, None)
        if refs:
            st.markdown(f"**{title}**（{len(refs)}）：{names(refs)}")


def _all_fields(props: dict[str, Any]) -> None:
    with st.expander("全部字段"):
        st.dataframe(pd.DataFrame(props_table(props)), hide_index=True, width="stretch")


def drawn(n: Any, tip: str) -> tuple[str, str, str, str]:
    """A network answer's node as charts.build_drawing takes it: (id, name, category, tooltip)."""
    return (n.id, n.node.name or n.node.key, category(n.node.label, n.attrs), tip)


def show_entity(node_id: str, *, ego_graph: bool = True, key: str = "entity") -> None:
    """Details of one node, then its one-hop neighbourhood as a small graph."""
    label, _, code = node_id.partition(":")
    try:
        if label == "Organization":
            _organization(code)
        elif label == "PartyOrg":
            _party_org(code)
        elif label == "Member":
            if st.session_state.get("entity_audited") != node_id:
                record("dashboard.entity", member=code)  # a member's page is personal data
                st.session_state["entity_audited"] = node_id
            _member(code)
        elif label == "Village":
            _village(code)
        else:
            st.markdown(f"#### {label_zh(label)} · {code}")
        if ego_graph:
            _ego(node_id, key)
    except NotFound:
        st.warning("未找到该对象，或不在您的权限范围内。")


def _head(title: str, caption: str, metrics: int) -> list[Any]:
    """The panel's title, what it is, and the columns for its headline figures."""
    st.markdown(f"#### {title}")
    st.caption(caption)
    return list(st.columns(metrics))


def _organization(uscc: str) -> None:
    d = q("organization", uscc=uscc)
    covered = bool(d.covered_by)
    c = _head(d.org.name or uscc, f"组织 · 统一社会信用代码 {uscc}", 4)
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
    _lists(d)
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
    _all_fields(d.properties)


def _party_org(code: str) -> None:
    d = q("party_org", code=code)
    p = d.properties
    c = _head(d.party_org.name or code, f"党组织 · 编码 {code}", 4)
    c[0].metric("层级", str(p.get("level") or "—"))
    c[1].metric("类型", str(p.get("kind") or "—"))
    c[2].metric("组建方式", str(p.get("formation") or "—"))
    c[3].metric("示范等级", str(p.get("demo_tier") or "非示范点"))
    if d.parents:
        st.markdown("**隶属关系**：" + " → ".join(x.name or x.key for x in [d.party_org, *d.parents]))
    _lists(d)
    if d.member_counts:
        st.markdown("**组织关系在此的党员**：" + "，".join(f"{k} {v}" for k, v in d.member_counts.items()))
    if d.committee:
        st.markdown("**班子成员**：" + "、".join(f"{m.member.name or m.member.key}" for m in d.committee))
    _all_fields(p)


def _chain(first: Any, steps: Any) -> str:
    return " → ".join(x.name or x.key for x in [first, *(s.node for s in steps)])


def _member(member_id: str) -> None:
    d = q("member", member_id=member_id)
    p, ms = d.properties, d.membership
    c = _head(d.member.name or member_id, f"党员 · 编号 {member_id} · {town_name(d.member.town_code)}", 4)
    c[0].metric("党员类别", str(p.get("member_type") or "—"))
    c[1].metric("职务", str(p.get("post") or "—"))
    c[2].metric("流动/隐性", str(p.get("flag") or "否"))
    c[3].metric("交叉任职", "是" if p.get("cross_appointed") else "否")
    st.markdown(
        f"**身份证号**：{p.get('id_masked') or '—'}　**手机**：{p.get('phone_masked') or '—'}（已脱敏）"
    )
    for title, x in (
        ("工作单位", d.employer),
        ("组织关系在", d.relationship_org),
        ("活动在", d.activity_org),
    ):
        st.markdown(f"**{title}**：{ref_text(x) if x else '—'}")
    if ms.relationship_chain:
        st.markdown("**组织关系链**：" + _chain(d.member, ms.relationship_chain))
    if ms.activity_chain:
        st.markdown("**活动链**：" + _chain(d.member, ms.activity_chain))
    for i in ms.inconsistencies:
        st.warning(i.message)
    _lists(d)
    if d.contacts:
        st.markdown(f"**联系记录**：{d.contacts} 条")
    _all_fields(p)


def _village(code: str) -> None:
    d = q("village", code=code)
    c = _head(d.village.name or code, f"村社区 · 编码 {code}", 3)
    c[0].metric("所在镇街", d.town.name if d.town and d.town.name else town_name(d.village.town_code))
    c[1].metric("联建组织", len(d.joint_builders))
    c[2].metric("联建组织的党组织", len({p.id for j in d.joint_builders for p in j.covered_by}))
    _lists(d)
    if d.joint_builders:
        st.markdown("**村企联建**")
        rows = [
            {
                "组织": j.org.name or j.org.key,
                "编码": j.org.key,
                "组织的党组织": names(j.covered_by) or "未建党组织",
                "联建起始": j.properties.get("since") or "—",
            }
            for j in d.joint_builders
        ]
        st.dataframe(pd.DataFrame(rows), hide_index=True)
    else:
        st.caption("尚无组织与该村社区联建。")
    _all_fields(d.properties)


def _ego(node_id: str, key: str) -> None:
    e = q("ego", key=node_id, hops=1, cap=80)
    nodes = [drawn(n, f"{label_zh(n.node.label)} · {n.node.key}") for n in e.nodes]
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
