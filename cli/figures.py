"""``orggraph figures``: the reference figures of FACTS.md, computed from the graph, as a table."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from cli.query import ask_command
from queries.figures import FIGURES, FiguresResult


def register(app: typer.Typer) -> None:
    doc = (
        "原文参考数字：从图中计算并与原文比较 / the reference figures of FACTS.md, computed from the "
        "graph (--town: one town's values, not compared with the article).\n\n"
        "退出码 exit: 0 已计算（无论是否一致）; 2 参数无效; 3 数据库故障."
    )
    app.command("figures")(ask_command(FIGURES, show, doc=doc))


def show(res: FiguresResult) -> None:
    """The figures as a table (what ``orggraph figures`` prints)."""
    con = Console(highlight=False)
    scope = "全区" if res.town is None else f"镇街 {res.town}（本镇街数值，不与原文的全区数字比较）"
    t = Table(title=f"原文参考数字 · {scope}", title_justify="left")
    for col in ("编号", "名称", "计算值", "原文值", "是否一致"):
        t.add_column(col, overflow="fold")
    for f in res.figures:
        value = f.value_text
        if f.id in ("F2", "F21") and f.detail:  # the article names these; show what the graph holds
            head, sep, rest = value.partition(" / ")
            value = f"{head}（{'、'.join(f.detail)}）{sep}{rest}"
        mark = "—" if f.agrees is None else ("[green]✓[/]" if f.agrees else "[bold red]✗[/]")
        t.add_row(f.id, escape(f.title_zh), escape(value), escape(f.article), mark)
    con.print(t)
    if res.all_agree is not None:
        n = sum(1 for f in res.figures if f.agrees)
        colour = "green" if res.all_agree else "red"
        con.print(f"[{colour}]{n} / {len(res.figures)} 项与原文一致[/]")
    if res.omitted:
        con.print(f"仅全区口径、此处略去：{'、'.join(res.omitted)}", style="dim")
    ctx = "；".join(f"{c.id} {c.title_zh} {c.article}" for c in res.context)
    con.print(escape(f"背景数字（图中无数据，不计算）：{ctx}"), style="dim")
