"""``orggraph template``, ``load`` and ``demo``: the loaders from the command line."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.common import BackendOpt, check_backend


def register(app: typer.Typer) -> None:
    app.command("template")(template)
    app.command("load")(load)
    app.command("demo")(demo)


def template(
    out: Annotated[Path, typer.Argument(help="输出的 .xlsx 文件 / output .xlsx")],
) -> None:
    """生成空白台账模板（含下拉列表和说明）/ write an empty roster workbook (dropdowns, 说明 sheet)."""
    from graph.loaders.template import write_template

    path = write_template(out)
    typer.echo(f"已生成模板 / template written: {path}")


def _progress_bar() -> tuple[Any, Any]:
    if not sys.stderr.isatty():
        return None, None
    from tqdm import tqdm

    bar = tqdm(total=1, unit="条", file=sys.stderr, dynamic_ncols=True, leave=False)

    def progress(done: int, total: int, stage: str) -> None:
        if bar.total != total:
            bar.reset(total=total)
        bar.set_description(stage, refresh=False)
        bar.n = done
        bar.refresh()

    return progress, bar


def load(
    path: Annotated[
        Path, typer.Argument(help="台账 .xlsx/.xls 文件或 CSV 文件夹 / roster workbook or CSV folder")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="只校验和出报告，不写入 / validate and report only")
    ] = False,
    sync: Annotated[
        bool,
        typer.Option(
            "--sync", help="同时删除台账中已不存在的记录 / also remove records the workbook no longer holds"
        ),
    ] = False,
    report: Annotated[
        Path | None,
        typer.Option("--report", help="报告 .xlsx（旁边另写同名 .json）/ report .xlsx (+ .json beside it)"),
    ] = None,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, help="每批写入的行数 / rows per batch")
    ] = 5000,
    backend: BackendOpt = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="数据日期 YYYY-MM-DD（默认导入当天）/ data date (default today)"),
    ] = None,
) -> None:
    """导入台账 / load a roster. 退出码 exit: 0 全部导入; 1 部分行被拒绝; 2 输入无法使用; 3 数据库故障."""
    import datetime as dt

    from workflows.loading import run as run_load

    try:
        data_date = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise typer.BadParameter("--as-of 应为日期 YYYY-MM-DD / must be a date YYYY-MM-DD") from None

    check_backend(backend)
    progress, bar = _progress_bar()
    try:
        # in a process of its own, under the memory and time limits (graph/loaders/service.py)
        result = run_load(
            path,
            dry_run=dry_run,
            sync=sync,
            batch_size=batch_size,
            backend=backend,
            progress=progress,
            as_of=data_date,
        )
    finally:
        if bar is not None:
            bar.close()
    if report is not None:
        xlsx, js = result.write(report)
        typer.echo(f"报告 / report: {xlsx}  {js}")
    summarise(result)
    if result.snapshot:
        typer.echo(f"已记录快照 / snapshot recorded: {result.snapshot}（orggraph history）")
    raise typer.Exit(result.exit_code)


def summarise(result: Any, limit: int = 30) -> None:
    """A short terminal summary; the full list is in the report (--report)."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from graph.loaders.report import EXIT_MEANING

    con = Console(highlight=False, soft_wrap=False)
    zh, en = EXIT_MEANING.get(result.exit_code, ("", ""))
    colour = {0: "green", 1: "yellow"}.get(result.exit_code, "red")
    con.print(f"[bold {colour}]退出码 exit {result.exit_code}：{escape(zh)} / {escape(en)}[/]")
    if result.message_zh:
        con.print(escape(result.message_zh))
        con.print(escape(result.message_en), style="dim")
    for p in result.fatal:
        where = f"{p.sheet} 第{p.row}行 " if p.row else (f"{p.sheet} " if p.sheet else "")
        con.print(f"[red]✗ {escape(where)}{escape(p.reason_zh)}[/]")
        con.print(f"  {escape(p.reason_en)}", style="dim")
    counts = result.counts
    if any(counts.get("nodes", {}).values()) or any(counts.get("relationships", {}).values()):
        t = Table(
            "节点 nodes",
            "n",
            "关系 relationships",
            "n",
            title="试运行将写入 would write" if result.dry_run else "已写入 written",
        )
        nodes = [(k, n) for k, n in counts.get("nodes", {}).items() if n]
        rels = [(k, n) for k, n in counts.get("relationships", {}).items() if n]
        for i in range(max(len(nodes), len(rels))):
            a = nodes[i] if i < len(nodes) else ("", "")
            b = rels[i] if i < len(rels) else ("", "")
            t.add_row(a[0], str(a[1]), b[0], str(b[1]))
        con.print(t)
    if result.groups:
        con.print(f"[bold yellow]被拒绝的行 rejected rows: {result.rejected_rows}[/]")
        shown = 0
        for g in result.groups:
            if shown >= limit:
                break
            for p in g.problems:
                con.print(
                    f"[yellow]✗ {escape(p.sheet)} 第{p.row}行 / row {p.row}  {escape(p.column)}[/]"
                    + (f"  = {escape(p.value[:60])}" if p.value else "")
                )
                con.print(f"    {escape(p.reason_zh)}")
                con.print(f"    {escape(p.reason_en)}", style="dim")
                shown += 1
            if g.cascade:
                rows = "、".join(f"{c.sheet} 第{c.row}行" for c in g.cascade[:10])
                more = f" 等 {len(g.cascade)} 行" if len(g.cascade) > 10 else ""
                con.print(
                    f"    ↳ 连带拒绝 / also rejected because of this row: {escape(rows)}{more}",
                    style="yellow",
                )
        total = sum(len(g.problems) for g in result.groups)
        if total > shown:
            con.print(f"…… 另有 {total - shown} 条，见报告 / {total - shown} more in the report (--report)")
    if result.warnings:
        con.print(f"[bold]警告 warnings: {len(result.warnings)}[/]")
        for w in result.warnings[:limit]:
            where = " ".join(x for x in (w.sheet, w.column) if x)
            rows = (
                f"（第 {'、'.join(map(str, w.rows[:5]))} 行{'等' if w.count > len(w.rows[:5]) else ''}）"
                if w.rows
                else ""
            )
            con.print(
                f"! {escape(where)} {escape(w.message_zh)}{escape(rows)}"
                + (f" ×{w.count}" if w.count > 1 else "")
            )
    if result.sync_refused:
        con.print(f"[yellow]{escape(result.sync_refused)}[/]")
    if result.sync_removals:
        verb = "将删除 would remove" if result.dry_run else "已删除 removed"
        con.print(f"[bold]同步{verb}: {len(result.sync_removals)}[/]")
        for s in result.sync_removals[:limit]:
            con.print(f"- {s.label} {escape(s.key)}")
            for d in s.dependents[:5]:
                con.print(f"    依赖它 depends on it: {escape(d)}", style="dim")
            if len(s.dependents) > 5:
                con.print(f"    …… 共 {len(s.dependents)} 条 / {len(s.dependents)} in all", style="dim")


def demo(
    out: Annotated[Path, typer.Option("--out", help="输出的 .xlsx 或文件夹 / output workbook or folder")],
    scale: Annotated[
        int, typer.Option("--scale", min=1, help="规模，1 = 文章中的区 / 1 = the article's district")
    ] = 1,
    seed: Annotated[int, typer.Option("--seed", help="随机种子 / random seed")] = 2011,
    year: Annotated[
        int | None,
        typer.Option(
            "--year",
            min=2009,
            max=2011,
            help="该年年底的区（默认 2011）；旁边另写 .events.json / the district at the end of that year",
        ),
    ] = None,
) -> None:
    """生成合成的示例区台账 / write the synthetic demo district workbook."""
    from graph.loaders.demo import generate

    path = generate(out, scale=scale, seed=seed, progress=sys.stderr.isatty(), year=year)
    typer.echo(f"已生成示例台账 / demo workbook written: {path}")
