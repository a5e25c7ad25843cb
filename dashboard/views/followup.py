"""督办: five-ones compliance and the to-do list per town, with meeting material for printing."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.common import header, pct, q, record, scope, town_filter, town_name
from dashboard.export import XLSX_MIME, file_name
from queries.todo import KIND_ZH, KINDS, TodoParams
from queries.todo_export import filters_text, write_todo_xlsx

header("督办", "“五个一”落实情况与待办清单：每周一看哪些逾期、下一步做什么，按镇街分列")

f = st.columns([1, 1, 2, 1])
with f[0]:
    town = town_filter("fu_town")
with f[1]:
    as_of = st.date_input("截至日期", value=dt.date.today(), key="fu_as_of", format="YYYY-MM-DD")
with f[2]:
    kinds = st.multiselect(
        "类别", list(KINDS), format_func=lambda k: KIND_ZH[k], key="fu_kinds", placeholder="全部类别"
    )
with f[3]:
    overdue_only = st.checkbox("只看已逾期", key="fu_overdue")
    cap = st.number_input("指导员派驻上限", min_value=1, max_value=100, value=5, key="fu_cap")


def _case(c: Any) -> str:
    return f"{c.kind} 逾期 {c.overdue_days if c.overdue_days is not None else '（天数不详）'} 天"


todo_tab, five_tab = st.tabs(["待办清单", "五个一"])

params: dict[str, Any] = {
    "as_of": as_of.isoformat(),
    "kinds": kinds or None,
    "overdue_only": overdue_only,
    "instructor_cap": int(cap),
    "limit": 100_000,
}
res = q("todo", town=town, **params)
record("dashboard.todo", town=town or "", as_of=as_of.isoformat(), items=res.total)

with todo_tab:
    m = st.columns(4)
    m[0].metric("待办事项", res.total, border=True)
    m[1].metric("其中逾期", res.overdue, border=True)
    m[2].metric("涉及镇街", sum(1 for t in res.towns if t.town_code), border=True)
    m[3].metric("五个一联系逾期", res.counts.get("overdue_contact", 0), border=True)
    if res.towns:
        summary = pd.DataFrame(
            [
                {
                    "镇街": t.town_name or t.town_code or "区级",
                    "合计": t.total,
                    "逾期": t.overdue,
                    **{KIND_ZH[k]: t.counts.get(k, 0) for k in res.counts},
                }
                for t in res.towns
            ]
        )
        st.dataframe(summary, hide_index=True, width="stretch")
    rows = [
        {
            "镇街": i.town_name or i.town_code or "区级",
            "类别": i.kind_zh,
            "对象": i.subject.name or i.subject.key,
            "编码": i.subject.key,
            "原因": i.reason,
            "建议措施": i.action,
            "逾期": "是" if i.overdue else "",
            "天数": "" if i.days is None else str(i.days),
            "到期日": i.due.isoformat() if i.due else "",
        }
        for i in res.items
    ]
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="fu_items")
    else:
        st.info("没有符合条件的待办事项。")
    with st.expander("口径说明"):
        for line in res.rules:
            st.markdown(f"- {line}")
    buf = io.BytesIO()
    write_todo_xlsx(
        res,
        buf,
        filters=filters_text(TodoParams.parse(params)),
        scope_name=town_name(town) if town else "全区",
    )
    if st.download_button(
        "导出会议材料（Excel，按镇街分页）",
        buf.getvalue(),
        file_name=file_name(f"督办待办-{town_name(town) if town else '全区'}"),
        mime=XLSX_MIME,
        key="fu_export",
        icon=":material/download:",
    ):
        record("export", what="todo", town=town or "", items=res.total)

with five_tab:
    fo = q("five-ones", town=town, as_of=as_of.isoformat())
    d = fo.district
    m = st.columns(4)
    m[0].metric("进行中的帮建结对", d.pairs, border=True)
    m[1].metric("帮建人达标", f"{d.helpers_ok} / {d.helpers_judged}", border=True)
    m[2].metric("规则达标率", pct(d.rate), border=True)
    m[3].metric("逾期（对象×方式）", d.overdue, border=True)
    st.caption(fo.year_note)
    if fo.towns and scope() is None and town is None:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "镇街": t.town_name or t.town_code,
                        "结对": t.pairs,
                        "帮建人": t.helpers,
                        "达标帮建人": t.helpers_ok,
                        "帮建人达标率": pct(t.helper_rate),
                        "规则达标率": pct(t.rate),
                        "逾期": t.overdue,
                        "最严重逾期": _case(t.worst[0]) if t.worst else "",
                    }
                    for t in fo.towns
                ]
            ),
            hide_index=True,
            width="stretch",
        )
    st.markdown("**帮建人**（未达标的在前）")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "帮建人": h.helper.name or h.helper.key,
                    "编号": h.helper.key,
                    "结对": h.pairs,
                    "达标率": pct(h.rate),
                    "达标": "是" if h.ok else ("否" if h.ok is False else "尚未评判"),
                    "发展党员": next((y.count for y in h.yearly if y.kind == "发展党员"), 0),
                    "建立党组织": next((y.count for y in h.yearly if y.kind == "建立党组织"), 0),
                    "最严重逾期": _case(h.worst) if h.worst else "",
                }
                for h in fo.helpers
            ]
        ),
        hide_index=True,
        width="stretch",
        key="fu_helpers",
    )
    st.markdown("**最严重的逾期**")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "帮建对象": w.target.name or w.target.key,
                    "帮建人": w.helper.name or w.helper.key,
                    "方式": w.kind,
                    "最近一次": w.last_contact.isoformat() if w.last_contact else "从未",
                    "逾期天数": str(w.overdue_days) if w.overdue_days is not None else "不详",
                }
                for w in fo.worst
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    with st.expander("“五个一”评判口径", expanded=False):
        for line in fo.rules:
            st.markdown(f"- {line}")
