"""数据导入 (admin only): upload a roster, check it (dry run), then load it with a progress bar."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import time
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.common import header, me, record
from graph.loaders.report import EXIT_MEANING
from graph.settings import get_settings
from workflows.loading import run as run_load

if not me().is_admin:  # app.py does not register this page for others; this guards direct runs
    st.error("只有管理员可以导入数据。")
    st.stop()

header("数据导入", "上传台账工作簿 → 校验（不写入）→ 确认导入。被拒绝的行会列出原因，其余行照常导入。")


STAGE_ZH = {
    "read": "读取工作簿",
    "validate": "校验",
    "write": "写入",
    "sync": "同步删除",
    "aggregates": "汇总覆盖统计",
}


UPLOAD_MAX_AGE_S = 24 * 3600


def _upload_dir() -> Path:
    """Uploads wait here between the check and the load. A roster holds raw ID numbers, so
    files are private to the server's user, removed after the load, and swept after a day."""
    d = Path(get_settings().home) / "uploads"
    d.mkdir(mode=0o700, parents=True, exist_ok=True)
    now = time.time()
    for old in d.iterdir():
        with contextlib.suppress(OSError):
            if now - old.stat().st_mtime > UPLOAD_MAX_AGE_S:
                if old.is_dir():
                    for f in old.iterdir():
                        f.unlink()
                    old.rmdir()
                else:
                    old.unlink()
    return d


def _safe_name(upload: Any) -> str:
    """The upload's file name, reduced to letters, digits, “.” and “-” (for the load record,
    which names the file a person knows, and the audit log)."""
    name = re.sub(r"[^\w.\-]", "_", Path(str(upload.name)).name)[:100].lstrip(".") or "roster"
    suffix = Path(name).suffix.lower()
    return name if suffix in (".xlsx", ".xls", ".csv") else f"{Path(name).stem}.xlsx"


def _target(upload: Any) -> tuple[str, Path]:
    """(digest, path) for an upload: a private folder named by its content, holding the file
    under its cleaned name (so the load records the name the user knows)."""
    digest = hashlib.sha256(upload.getvalue()).hexdigest()[:16]
    return digest, _upload_dir() / digest / _safe_name(upload)


def _save(upload: Any) -> Path:
    data = upload.getvalue()
    _, path = _target(upload)
    if not path.exists():
        path.parent.mkdir(mode=0o700, exist_ok=True)
        tmp = path.with_name(".upload.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        tmp.replace(path)
    return path


def _zh(table: dict[Any, str], enum: Any, value: str) -> str:
    try:
        return table[enum(value)]
    except (ValueError, KeyError):
        return value


def _report(res: Any, *, dry_run: bool) -> None:
    zh, _ = EXIT_MEANING.get(res.exit_code, ("", ""))
    msg = res.message_zh or zh
    if res.exit_code == 0:
        st.success(msg)
    elif res.exit_code == 1:
        st.warning(msg + ("（确认导入时，被拒绝的行不会写入）" if dry_run else ""))
    else:
        st.error(msg)
    nodes = res.counts.get("nodes", {})
    rels = res.counts.get("relationships", {})
    from graph.model import LABEL_ZH, REL_ZH, Label, Rel

    c = st.columns(4)
    c[0].metric("读取行数", sum(res.sheets.values()), border=True)
    c[1].metric("被拒绝行", res.rejected_rows, border=True)
    c[2].metric("将写入节点" if dry_run else "已写入节点", sum(nodes.values()), border=True)
    c[3].metric("将写入关系" if dry_run else "已写入关系", sum(rels.values()), border=True)
    with st.expander("按类型的计数"):
        counts = [{"类别": "节点", "类型": _zh(LABEL_ZH, Label, k), "数量": v} for k, v in nodes.items()]
        counts += [{"类别": "关系", "类型": _zh(REL_ZH, Rel, k), "数量": v} for k, v in rels.items()]
        st.dataframe(pd.DataFrame(counts), hide_index=True)
    problems = list(res.fatal) + list(res.problems)
    if problems:
        st.markdown(f"**问题明细**（{len(problems)} 条）")
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "工作表": p.sheet,
                        "行号": p.row,
                        "列": p.column,
                        "值（脱敏）": p.value,
                        "原因": p.reason_zh,
                        "受牵连于": f"{p.cause_sheet} 第 {p.cause_row} 行" if p.cause_sheet else "",
                    }
                    for p in problems
                ]
            ),
            hide_index=True,
            height=min(38 + 35 * len(problems), 480),
        )
    if res.warnings:
        st.markdown(f"**提示**（{len(res.warnings)} 条）")
        st.dataframe(
            pd.DataFrame(
                [
                    {"工作表": w.sheet or "", "列": w.column or "", "说明": w.message_zh, "涉及行数": w.count}
                    for w in res.warnings
                ]
            ),
            hide_index=True,
        )


@st.cache_data(show_spinner=False)
def _template() -> bytes:
    """The empty roster workbook of `orggraph template` (headers, dropdowns, 说明 sheet)."""
    import tempfile

    from graph.loaders.template import write_template

    with tempfile.TemporaryDirectory() as tmp:
        return write_template(Path(tmp) / "台账模板.xlsx").read_bytes()


st.download_button(
    "下载台账模板（Excel）",
    data=_template,
    file_name="台账模板.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    icon=":material/download:",
    help="空白台账：每个工作表的表头（红色为必填）、下拉选项和填表说明",
    key="imp_template",
)
upload = st.file_uploader(
    "台账工作簿（.xlsx / .xls / .csv）",
    type=["xlsx", "xls", "csv"],
    key="imp_file",
    help="拖放文件到此处，或点“选择文件”；单个文件不超过 200MB",
)
sync = st.checkbox(
    "同步模式：删除台账中已不存在的记录",
    key="imp_sync",
    help="仅在没有被拒绝的行时才会删除；不勾选则只新增和更新",
)
as_of = st.date_input(
    "数据日期", value="today", key="imp_as_of", help="台账反映的日期（如季度末），变化趋势按它排列"
)
if upload is None:
    st.caption("还没有工作簿？先下载上面的台账模板（命令行：`orggraph template 台账模板.xlsx`）。")
    st.stop()

digest, path = _target(upload)
done_key = f"imp_done::{digest}::{sync}"
check_key = f"imp_check::{digest}::{sync}"
if done_key not in st.session_state:
    path = _save(upload)
if check_key not in st.session_state:
    with st.spinner("正在校验工作簿……"):
        # out of this process, under memory and time limits: no workbook can take the dashboard down
        st.session_state[check_key] = run_load(path, dry_run=True, sync=sync)
check = st.session_state[check_key]
st.subheader("校验结果（尚未写入）")
_report(check, dry_run=True)

if check.exit_code >= 2:
    st.stop()
if check.sync_refused:
    st.warning(check.sync_refused)

if st.button(
    "确认导入", type="primary", icon=":material/upload:", key="imp_go", disabled=done_key in st.session_state
):
    bar = st.progress(0.0, text="准备导入……")

    def _progress(done: int, total: int, stage: str) -> None:
        frac = 0.0 if total <= 0 else min(max(done / total, 0.0), 1.0)
        bar.progress(frac, text=f"{STAGE_ZH.get(stage, stage)}：{done} / {total}")

    # A process (and store) of its own for the write, under memory and time limits: the cached
    # reader never sees a half-written graph and reloads once the load has been persisted.
    res = run_load(path, sync=sync, progress=_progress, as_of=as_of, operator=me().who)
    bar.progress(1.0, text="完成")
    record(
        "dashboard.load",
        file=_safe_name(upload),
        sha256=res.sha256,
        exit_code=res.exit_code,
        rejected=res.rejected_rows,
    )
    st.session_state[done_key] = res
    path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        path.parent.rmdir()
    st.cache_data.clear()

if done_key in st.session_state:
    st.subheader("导入结果")
    _report(st.session_state[done_key], dry_run=False)
