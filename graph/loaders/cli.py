"""Command-line commands of the loaders: template, load, demo (registered by graph.cli)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from graph.errors import OrgGraphError


def register(app: typer.Typer) -> None:
    app.command("template")(template)
    app.command("load")(load)
    app.command("demo")(demo)


def template(
    out: Annotated[Path, typer.Argument(help="输出的 .xlsx 文件 / output .xlsx")],
) -> None:
    """生成空白台账模板（含下拉列表和说明）/ write an empty roster workbook with dropdowns and a 说明 sheet."""
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
    path: Annotated[Path, typer.Argument(help="台账 .xlsx/.xls 文件或 CSV 文件夹 / roster workbook or CSV folder")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只校验和出报告，不写入 / validate and report only")] = False,
    sync: Annotated[
        bool, typer.Option("--sync", help="同时删除台账中已不存在的记录 / also remove records the workbook no longer holds")
    ] = False,
    report: Annotated[
        Path | None, typer.Option("--report", help="报告 .xlsx（旁边另写同名 .json）/ report .xlsx (+ .json beside it)")
    ] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="每批写入的行数 / rows per batch")] = 5000,
    backend: Annotated[
        str | None, typer.Option("--backend", help="embedded | neo4j (默认按 ORGGRAPH_BACKEND / NEO4J_URI)")
    ] = None,
) -> None:
    """导入台账 / load a roster. 退出码 exit: 0 全部导入; 1 部分行被拒绝; 2 输入无法使用; 3 数据库故障."""
    from graph.loaders.load import load_roster

    if backend not in (None, "embedded", "neo4j"):
        raise typer.BadParameter("--backend 只能是 embedded 或 neo4j / must be embedded or neo4j")
    try:
        from graph.store import open_store

        store = open_store(backend=backend)
    except OrgGraphError as exc:
        _err(exc.message_zh, exc.message_en)
        raise typer.Exit(3 if exc.code == "store_unavailable" else 2) from None
    progress, bar = _progress_bar()
    try:
        result = load_roster(path, store, dry_run=dry_run, sync=sync, batch_size=batch_size, progress=progress)
    finally:
        if bar is not None:
            bar.close()
        store.close()
    if report is not None:
        xlsx, js = result.write(report)
        typer.echo(f"报告 / report: {xlsx}  {js}")
    summarise(result)
    raise typer.Exit(result.exit_code)


def _err(zh: str, en: str) -> None:
    typer.secho(f"错误：{zh}", fg="red", err=True)
    if en and en != zh:
        typer.secho(f"error: {en}", fg="red", err=True)


def summarise(result: Any, limit: int = 30) -> None:
    """A short terminal summary (rich tables); the full list is in the report."""
    from rich.console import Console
    from rich.table import Table

    from graph.loaders.report import EXIT_MEANING

    con = Console(highlight=False)
    zh, en = EXIT_MEANING.get(result.exit_code, ("", ""))
    colour = {0: "green", 1: "yellow"}.get(result.exit_code, "red")
    con.print(f"[{colour}]退出码 {result.exit_code}：{zh} / {en}[/]")
    if result.message_zh:
        con.print(result.message_zh)
        con.print(result.message_en, style="dim")
    if result.fatal:
        t = Table("表 sheet", "行 row", "原因 reason", title="无法使用的输入 unusable input")
        for p in result.fatal:
            t.add_row(p.sheet, str(p.row or ""), f"{p.reason_zh}\n[dim]{p.reason_en}[/]")
        con.print(t)
    counts = result.counts
    if any(counts.get("nodes", {}).values()) or any(counts.get("relationships", {}).values()):
        t = Table("类别 kind", "数量 count", title="试运行将写入 would write" if result.dry_run else "已写入 written")
        for part in ("nodes", "relationships"):
            for k, n in counts.get(part, {}).items():
                if n:
                    t.add_row(k, str(n))
        con.print(t)
    if result.groups:
        t = Table("表 sheet", "行 row", "列 column", "值 value", "原因 reason",
                  title=f"被拒绝的行 rejected rows: {result.rejected_rows}")
        shown = 0
        for g in result.groups:
            for p in g.problems:
                if shown < limit:
                    t.add_row(p.sheet, str(p.row), p.column, p.value[:40], f"{p.reason_zh}\n[dim]{p.reason_en}[/]")
                shown += 1
            if g.cascade:
                if shown < limit:
                    rows = "、".join(f"{c.sheet}{c.row}" for c in g.cascade[:8])
                    more = "…" if len(g.cascade) > 8 else ""
                    t.add_row("", "", "", "", f"[dim]连带拒绝 {len(g.cascade)} 行 / {len(g.cascade)} dependent "
                              f"row(s) rejected: {rows}{more}[/]")
                shown += 1
        con.print(t)
        if shown > limit:
            con.print(f"…… 另有 {shown - limit} 条，见报告 / {shown - limit} more in the report (--report)")
    if result.warnings:
        t = Table("表 sheet", "列 column", "次数 n", "警告 warning", title="警告 warnings")
        for w in result.warnings[:limit]:
            t.add_row(w.sheet or "", w.column or "", str(w.count), f"{w.message_zh}\n[dim]{w.message_en}[/]")
        con.print(t)
    if result.sync_refused:
        con.print(f"[yellow]{result.sync_refused}[/]")
    if result.sync_removals:
        verb = "将删除" if result.dry_run else "已删除"
        verb_en = "would remove" if result.dry_run else "removed"
        t = Table("类别 kind", "标签 label", "编码 key", "依赖 dependents", title=f"同步{verb} sync {verb_en}")
        for s in result.sync_removals[:limit]:
            t.add_row(s.kind, s.label, s.key, "\n".join(s.dependents[:5]) + ("…" if len(s.dependents) > 5 else ""))
        con.print(t)


def demo(
    out: Annotated[Path, typer.Option("--out", help="输出的 .xlsx 或文件夹 / output workbook")],
    scale: Annotated[float, typer.Option("--scale", help="规模，1 = 文章中的区 / 1 = the article's district")] = 1,
    seed: Annotated[int, typer.Option("--seed", help="随机种子 / random seed")] = 7,
) -> None:
    """生成合成的示例区台账 / write the synthetic demo district workbook."""
    from graph.loaders.demo import generate  # written by the demo data issue

    progress, bar = _progress_bar()
    try:
        path = generate(out, scale=scale, seed=seed, progress=progress)
    finally:
        if bar is not None:
            bar.close()
    typer.echo(f"已生成示例台账 / demo workbook written: {path or out}")
