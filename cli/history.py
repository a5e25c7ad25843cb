"""``orggraph history``: the snapshot of every load, and ``history diff A B``: what changed."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from cli.common import BackendOpt, JsonOpt, echo_json, opened
from queries.history import HISTORY, HISTORY_DIFF, KIND_ZH, Change, DiffResult, HistoryResult
from queries.scope import Scope

app = typer.Typer(
    help="每次导入的快照与变化 / snapshots of every load and what changed", invoke_without_command=True
)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="history")


@app.callback()
def history(ctx: typer.Context, as_json: JsonOpt = False, backend: BackendOpt = None) -> None:
    """按数据日期列出每次导入的快照 / every snapshot, by data date. 退出码 exit: 0; 3 数据库故障."""
    if ctx.invoked_subcommand is not None:
        return
    with opened(backend, ping=True) as store:
        res = HISTORY(store, Scope())
    if as_json:
        echo_json(res)
    else:
        show(res)


@app.command("diff")
def diff(
    a: Annotated[str, typer.Argument(help="较早的快照编号 / earlier snapshot")],
    b: Annotated[str, typer.Argument(help="较晚的快照编号 / later snapshot")],
    as_json: JsonOpt = False,
    backend: BackendOpt = None,
) -> None:
    """两次导入之间的变化 / what changed between two snapshots. 退出码 exit: 0; 3 数据库故障; 4 未找到快照."""
    from graph.audit import audit, operator

    with opened(backend, ping=True) as store:
        audit("query", operator(), question="history_diff", a=a, b=b)
        res = HISTORY_DIFF(store, Scope(), a=a, b=b)
    if as_json:
        echo_json(res)
    else:
        show_diff(res)


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}%"


def show(res: HistoryResult) -> None:
    con = Console(highlight=False)
    if not res.snapshots:
        con.print("还没有快照：每次成功导入（orggraph load）都会记录一次 / no snapshot yet")
        return
    t = Table(title="导入快照（按数据日期）/ snapshots by data date", title_justify="left")
    for col in ("编号", "数据日期", "导入时间", "来源", "覆盖率", "工作覆盖率", "示范点", "结对", "变化"):
        t.add_column(col, overflow="fold")
    for s in res.snapshots:
        d = s.district
        n = sum(s.change_counts.values())
        t.add_row(
            s.id,
            s.as_of.isoformat(),
            s.loaded_at[:19].replace("T", " "),
            escape(s.source.name),
            _pct(d.coverage),
            _pct(d.work_coverage),
            str(d.demo_points),
            str(d.pairings),
            "基线" if s.previous is None else str(n),
        )
    con.print(t)


def show_diff(res: DiffResult) -> None:
    con = Console(highlight=False)
    total = sum(res.counts.values())
    con.print(f"[bold]{res.a}（{res.a_as_of}）→ {res.b}（{res.b_as_of}）[/]：{total} 项变化")
    for kind, n in res.counts.items():
        con.print(f"  {KIND_ZH.get(kind, kind)}：{n}")
    t = Table(title_justify="left")
    for col in ("类别", "对象", "名称", "镇街", "变化前", "变化后"):
        t.add_column(col, overflow="fold")
    for c in res.changes[:200]:
        t.add_row(*_row(c))
    if res.changes:
        con.print(t)
    if len(res.changes) > 200:
        con.print(f"…… 另有 {len(res.changes) - 200} 项，用 --json 查看全部", style="dim")


def _row(c: Change) -> tuple[str, ...]:
    by = f"（{'、'.join(c.by)}）" if c.by else ""
    return (
        KIND_ZH[c.kind] + ("（同步删除）" if c.sync else ""),
        escape(c.key or f"{c.count} 项（个人信息已删除）"),
        escape(c.name + by),
        c.town or "",
        escape(c.before or ""),
        escape(c.after or ""),
    )
