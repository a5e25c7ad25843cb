"""党员关系: one member's relationship chain and activity chain; the list of inconsistencies."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard import charts
from dashboard.common import INCONSISTENCY_ZH, header, names, pick, q, record, scope, town_filter, town_name
from dashboard.export import XLSX_MIME, file_name, to_xlsx
from graph.errors import NotFound

header("党员关系", "“关系在企业、活动在区域”：党员的组织关系链与活动链，以及全区的不一致情况")

tab_one, tab_list = st.tabs(["查询党员", "不一致清单"])


def _chain_text(member: str, verb: str, steps: list[Any]) -> str:
    if not steps:
        return f"{member} —{verb}→ （无）"
    return f"{member} —{verb}→ " + " → ".join(s.node.name or s.node.key for s in steps)


with tab_one:
    text = st.text_input("党员编号或姓名", key="mem_q", placeholder="例如：张三，或党员编号")
    member_id = None
    if text.strip():
        hits = [h for h in q("search", q=text.strip(), limit=50).items if h.node.label == "Member"]
        if not hits:
            st.warning("没有找到匹配的党员（或不在您的权限范围内）。")
        else:
            by_key = {h.node.key: h.node for h in hits}
            member_id = st.selectbox(
                f"匹配的党员（{len(hits)}）",
                list(by_key),
                key="mem_pick",
                format_func=lambda k: f"{by_key[k].name or k} · 编号 {k} · {town_name(by_key[k].town_code)}",
            )
    if member_id:
        try:
            r = q("membership", member_id=member_id)
        except NotFound:
            st.warning("没有找到该党员（或不在您的权限范围内）。")
            r = None
        if r is not None:
            if st.session_state.get("mem_audited") != member_id:  # one audit entry per member viewed
                record("dashboard.membership", member=member_id)
                st.session_state["mem_audited"] = member_id
            nm = r.member.name or r.member.key
            c = st.columns(4)
            c[0].metric("党员", nm, border=True)
            c[1].metric("类型", r.member_type or "—", border=True)
            c[2].metric("身份标记", r.flag or "无", border=True)
            c[3].metric("党内职务", r.post or "无", border=True)
            st.markdown(
                f"**工作单位**：{r.employer.name if r.employer else '（未填）'}"
                + (
                    f"　·　覆盖该单位的党组织：{names(r.employer_covered_by)}"
                    if r.employer_covered_by
                    else ("　·　该单位尚未建立党组织" if r.employer else "")
                )
            )
            st.markdown("**组织关系链**：" + _chain_text(nm, "组织关系在", r.relationship_chain))
            st.markdown("**活动链**：" + _chain_text(nm, "活动在", r.activity_chain))
            for inc in r.inconsistencies:
                st.warning(f"{INCONSISTENCY_ZH.get(inc.code, inc.code)}：{inc.message}")
            if not r.inconsistencies:
                st.success("关系链与活动链一致，未发现问题。")

            # The member, both chains upwards, and the employer: a small drawing.
            mid = r.member.id
            nodes = {mid: (mid, nm, "党员", "党员")}
            edges: list[tuple[str, str, str]] = []
            for steps, verb in ((r.relationship_chain, "组织关系在"), (r.activity_chain, "活动在")):
                prev, first = mid, True
                for s in steps:
                    sid = s.node.id
                    cat = "区级党组织" if not s.node.town_code else "党组织"
                    nodes.setdefault(
                        sid, (sid, s.node.name or s.node.key, cat, f"{s.kind or ''} {s.level or ''}")
                    )
                    edges.append((prev, sid, verb if first else "隶属"))
                    prev, first = sid, False
            if r.employer:
                eid = r.employer.id
                nodes[eid] = (eid, r.employer.name or r.employer.key, "组织", "工作单位")
                edges.append((mid, eid, "工作于"))
                for po in r.employer_covered_by:
                    nodes.setdefault(po.id, (po.id, po.name or po.key, "党组织", "覆盖工作单位"))
                    edges.append((po.id, eid, "覆盖"))
            layout = charts.chains_layout(
                mid,
                [s.node.id for s in r.relationship_chain],
                [s.node.id for s in r.activity_chain],
                r.employer.id if r.employer else None,
                [po.id for po in r.employer_covered_by],
            )
            d = charts.build_drawing(list(nodes.values()), edges, directed_layout=layout)
            st.caption(
                "左列为组织关系链，右列为活动链，两链在共同的上级汇合；最右为工作单位及覆盖它的党组织。"
            )
            charts.draw_network(
                d, key="mem-graph", height=d.height(1000, lo=360, hi=560), selectable=False, edge_labels=True
            )
    elif not text.strip():
        st.info("输入党员编号或姓名开始查询。身份证号、手机号只显示脱敏后的值。")

with tab_list:
    f = st.columns([1, 1.4, 1.4])
    with f[0]:
        town = town_filter("inc_town")
    with f[1]:
        code = pick("问题类型", INCONSISTENCY_ZH, key="inc_code", all_text="全部类型")
    with f[2]:
        needle = st.text_input("按姓名或组织筛选", key="inc_text")
    res = q("membership_inconsistencies", town=town, code=code)
    c = st.columns(1 + len(INCONSISTENCY_ZH))
    c[0].metric("不一致合计", res.total, border=True)
    for i, (k, zh) in enumerate(INCONSISTENCY_ZH.items(), start=1):
        c[i].metric(zh, res.counts.get(k, 0), border=True)
    rows = [
        {
            "党员": it.member.name or it.member.key,
            "党员编号": it.member.key,
            "镇街": town_name(it.member.town_code),
            "问题类型": INCONSISTENCY_ZH.get(it.code, it.code),
            "说明": it.message,
            "相关对象": names(it.related),
        }
        for it in res.items
    ]
    df = pd.DataFrame(rows)
    if needle.strip() and not df.empty:
        n = needle.strip()
        df = df[
            df["党员"].str.contains(n, regex=False)
            | df["相关对象"].str.contains(n, regex=False)
            | df["说明"].str.contains(n, regex=False)
        ]
    if df.empty:
        st.success("当前筛选条件下没有不一致。")
    else:
        st.dataframe(df, hide_index=True, height=min(38 + 35 * len(df), 560))
        st.download_button(
            "导出不一致清单（Excel）",
            data=lambda: to_xlsx({"党员关系不一致": df}),
            file_name=file_name("党员关系不一致"),
            mime=XLSX_MIME,
            icon=":material/download:",
            on_click=lambda: record("dashboard.export", what="membership_inconsistencies", rows=len(df)),
            key="inc_export",
        )
    if scope():
        st.caption("仅显示本镇街的党员。")
