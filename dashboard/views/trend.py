"""变化趋势: every load is a snapshot; the trend lines over the snapshots and what changed between two.

Every figure comes from the history questions' answers in the caller's scope (a town user's
answer holds the district totals, its own town and its own rank): the page only draws them.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import charts
from dashboard.common import header, pick, q, record, scope, town_filter, town_name
from dashboard.export import DASH, XLSX_MIME, export_info, file_name, to_xlsx
from graph.model import Label
from queries.history import KIND_ZH, Change, Snapshot, Tally

header("变化趋势", "每次导入台账记录一次快照：覆盖率、示范点、结对随时间的变化，以及两次导入之间具体变了什么")

NEED_TWO = "至少导入两次台账后才能看到变化。"
own = scope()
hist = q("history")
snaps: list[Snapshot] = hist.snapshots

# (title, unit, value of a tally, text of a value)
METRICS: list[tuple[str, str, Any]] = [
    ("党组织覆盖率", "%", lambda t: t.coverage),
    ("工作覆盖率", "%", lambda t: t.work_coverage),
    ("示范点", "个", lambda t: t.demo_points),
    ("结对帮扶", "对", lambda t: t.pairings),
]


def _text(v: float | int | None, unit: str) -> str:
    if v is None:
        return DASH
    return f"{v:.2f}%" if unit == "%" else str(v)


def _label(s: Snapshot) -> str:
    return f"{s.id} · {s.as_of.isoformat()} · {s.source.name or DASH}"


def _own(s: Snapshot) -> Tally | None:
    return s.towns.get(own) if own else None


def _trend_rows() -> list[dict[str, Any]]:
    rows = []
    for s in snaps:
        row: dict[str, Any] = {
            "快照": s.id,
            "数据日期": s.as_of.isoformat(),
            "台账文件": s.source.name or DASH,
        }
        for title, unit, get in METRICS:
            row[f"全区{title}"] = _text(get(s.district), unit)
        if own:
            t = _own(s)
            for title, unit, get in METRICS:
                row[f"本镇街{title}"] = _text(get(t), unit) if t is not None else DASH
            row["本镇街覆盖率名次"] = f"第 {s.rank} 名" if s.rank else DASH
        row["变化项数"] = "基线" if s.previous is None else str(sum(s.change_counts.values()))
        rows.append(row)
    return rows


trend_df = pd.DataFrame(_trend_rows())

if len(snaps) < 2:
    st.info(
        ("还没有导入记录。" if not snaps else "目前只有一次导入记录。")
        + NEED_TWO
        + "每次成功导入台账（不含试导入）都会记录一次快照。"
    )
    if snaps:
        st.dataframe(trend_df, hide_index=True)
    st.stop()

# --- the latest snapshot against the one before ------------------------------------------------

last, before = snaps[-1], snaps[-2]
st.caption(f"最近一次：{_label(last)}；与上一次（{_label(before)}）相比。")


def _delta(now: float | int | None, then: float | int | None, unit: str) -> str | None:
    if now is None or then is None:
        return None
    d = now - then
    return f"{d:+.2f} 个百分点" if unit == "%" else f"{d:+d}"


cols = st.columns(len(METRICS))
for c, (title, unit, get) in zip(cols, METRICS, strict=True):
    c.metric(
        f"全区{title}",
        _text(get(last.district), unit),
        _delta(get(last.district), get(before.district), unit),
        border=True,
    )
if own:
    mine, mine0 = _own(last), _own(before)
    cols = st.columns(len(METRICS) + 1)
    for c, (title, unit, get) in zip(cols, METRICS, strict=False):
        now = get(mine) if mine is not None else None
        then = get(mine0) if mine0 is not None else None
        c.metric(f"本镇街{title}", _text(now, unit), _delta(now, then, unit), border=True)
    cols[-1].metric("本镇街覆盖率名次", f"第 {last.rank} 名" if last.rank else DASH, border=True)
    cols[-1].caption("在全区各镇街中按党组织覆盖率排名（1 为最高）")

# --- trend lines -------------------------------------------------------------------------------

x = [s.as_of.isoformat() for s in snaps]
if len(set(x)) < len(x):  # two loads with one data date: keep the points apart
    x = [f"{s.as_of.isoformat()}（{s.id}）" for s in snaps]
towns = sorted({code: t.name for s in snaps for code, t in s.towns.items()}.items())

tab_lines, tab_table = st.tabs(["趋势图", "各次导入"])
with tab_lines:
    st.caption(
        "按数据日期排列；粗线为全区，"
        + ("另一条为本镇街。" if own else "细线为各镇街（点击图例可隐藏）。")
        + "覆盖率以非公企业和社会组织（不含注销、个体工商户）为基数；工作覆盖率另计党建指导员联系的组织。"
    )
    for i, (title, unit, get) in enumerate(METRICS):
        if i % 2 == 0:
            grid = st.columns(2)  # one row per pair: the charts read in order
        series: list[tuple[str, list[Any]]] = [("全区", [get(s.district) for s in snaps])]
        for code, name in towns:
            series.append((name or code, [get(s.towns[code]) if code in s.towns else None for s in snaps]))
        with grid[i % 2]:
            st.markdown(f"**{title}（{unit}）**")
            charts.draw_lines(x, series, key=f"trend_chart_{i}", unit=unit)
with tab_table:
    st.dataframe(trend_df, hide_index=True)

# --- the change list between two snapshots -----------------------------------------------------

st.subheader("两次导入之间的变化")
ids = [s.id for s in snaps]
by_id = {s.id: s for s in snaps}
f = st.columns([1.4, 1.4, 1, 1])
with f[0]:
    a = st.selectbox(
        "较早的快照", ids, index=len(ids) - 2, key="trend_a", format_func=lambda i: _label(by_id[i])
    )
with f[1]:
    b = st.selectbox(
        "较晚的快照", ids, index=len(ids) - 1, key="trend_b", format_func=lambda i: _label(by_id[i])
    )
with f[2]:
    kind = pick("变化类别", KIND_ZH, key="trend_kind")
with f[3]:
    town = town_filter("trend_town")

if a == b:
    st.info("请选择两次不同的导入进行比较。")
    st.stop()

res = q("history_diff", town=None if own else town, a=a, b=b, kind=kind)
if st.session_state.get("trend_audited") != (a, b):  # the list names members (masked): one entry per pair
    record("dashboard.history_diff", a=a, b=b)
    st.session_state["trend_audited"] = (a, b)


def _code(key: str | None, count: int) -> str:
    """A change's key as the codes people know: “PO1 → O02”, not “PartyOrg:PO1>Organization:O02”."""
    if key is None:
        return f"{count} 项（个人信息已删除）"
    for lab in Label:
        key = key.replace(f"{lab.value}:", "")
    return key.replace(">", " → ").replace("|", "，自 ")


def _row(c: Change) -> dict[str, Any]:
    return {
        "变化类别": KIND_ZH[c.kind] + ("（同步删除）" if c.sync else ""),
        "对象编码": _code(c.key, c.count),
        "名称": c.name or DASH,
        "覆盖党组织": "、".join(c.by) or DASH,
        "镇街": town_name(c.town),
        "变化前": c.before or DASH,
        "变化后": c.after or DASH,
    }


COLUMNS = ["变化类别", "对象编码", "名称", "覆盖党组织", "镇街", "变化前", "变化后"]
df = pd.DataFrame([_row(c) for c in res.changes], columns=COLUMNS)
total = sum(res.counts.values())
summary = "；".join(f"{KIND_ZH.get(k, k)} {n}" for k, n in res.counts.items())
st.caption(
    f"{_label(by_id[res.a])} → {_label(by_id[res.b])}：共 {total} 项变化"
    + (f"（{summary}）" if summary else "")
)
if df.empty:
    st.success("所选两次导入之间（在当前筛选条件下）没有变化。")
else:
    st.dataframe(df, hide_index=True, key="trend_changes")

filters = [
    ("比较", f"{res.a}（{res.a_as_of}）→ {res.b}（{res.b_as_of}）"),
    ("变化类别", KIND_ZH[kind] if kind else "全部"),
    ("镇街", town_name(town) if town else "全区"),
]
snap_b = by_id[res.b]
info = dataclasses.replace(
    export_info("两次导入之间的变化", filters),
    data_date=f"{snap_b.as_of.isoformat()}（快照 {snap_b.id}，台账：{snap_b.source.name or DASH}）",
)
frames = {"变化清单": df, "各次导入": trend_df}
st.download_button(
    "导出变化清单（Excel，可直接打印）",
    data=lambda: to_xlsx(frames, info),  # built only when someone downloads, from plain values
    file_name=file_name("变化清单"),
    mime=XLSX_MIME,
    icon=":material/download:",
    on_click=lambda: record("dashboard.export", what="history_diff", rows=len(df)),
    key="trend_export",
)
