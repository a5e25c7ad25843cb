"""``orggraph plan``: the coverage plan (组建规划), ``plan pairing`` (示范帮扶), saved plans."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from cli.common import BackendOpt, JsonOpt, TownOpt, echo_json, opened, scope_of
from cli.params import command_from, option
from queries.plan import PairingParams, PlanOptions
from queries.scope import Scope

plan_app = typer.Typer(help="组建规划 / the coverage plan (plan pairing: 示范帮扶结对规划)")
_console = Console()


def register(app: typer.Typer) -> None:
    app.add_typer(plan_app, name="plan")


def _run(
    name: str, backend: str | None, town: str | None, fn: Callable[[Any, Scope], Any], **args: Any
) -> Any:
    from graph.audit import audit, operator

    with opened(backend) as store:
        scope = scope_of(store, town)
        audit(
            "plan", operator(), question=name, town=town, **{k: v for k, v in args.items() if v is not None}
        )
        return fn(store, scope)


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.2f}%"


def show_plan(res: Any) -> None:
    from queries.plan_export import coverage_lines

    t = Table(title="覆盖率（规划前 → 规划后）", title_justify="left")
    for c in ("范围", "类别", "总数", "组织覆盖", "规划后", "工作覆盖", "规划后"):
        t.add_column(c)
    for row in coverage_lines(res)[: 2 + 2 * 30]:
        t.add_row(*(str(x) for x in row))
    _console.print(t)
    counts = Counter(r.formation for r in res.rows)
    _console.print(
        "组建方式：" + "，".join(f"{k} {v}" for k, v in counts.items()) + f"；未安排 {len(res.unplaced)}"
    )
    t = Table(title=f"组建方案（{len(res.rows)} 行）", title_justify="left", show_lines=False)
    for c in ("单位", "组建方式", "依托/联合/指导员", "距离", "理由"):
        t.add_column(c, overflow="fold")
    for r in res.rows:
        other = r.host_name or r.host or "、".join(r.group_names) or r.instructor_name or r.instructor or ""
        dist = "无坐标" if r.no_coords else ("" if r.distance_km is None else f"{r.distance_km:.1f}km")
        t.add_row(r.org_name or r.org, r.formation, other, dist, r.reason)
    _console.print(t)
    if res.unplaced:
        t = Table(title=f"未安排（{len(res.unplaced)}）", title_justify="left")
        t.add_column("单位", overflow="fold")
        t.add_column("原因", overflow="fold")
        for u in res.unplaced:
            t.add_row(u.org_name or u.org, u.reason)
        _console.print(t)
    for n in res.notes:
        _console.print(f"[yellow]{n}[/yellow]")
    s = res.solver
    _console.print(f"求解：{s.status}，{s.parts} 个独立部分，{s.seconds:.2f} 秒")


_FLAGS = {"forbidden_hosts": "--forbid-host", "excluded": "--exclude", "removed": "--remove"}


def _plan(p: PlanOptions, extra: dict[str, Any]) -> None:
    ctx: typer.Context = extra["ctx"]
    if ctx.invoked_subcommand is not None:
        return
    from queries.plan import PLAN, PlanParams

    params = PlanParams.model_validate(p.model_dump())
    res = _run("plan", extra["backend"], extra["town"], lambda s, sc: PLAN(s, sc, params), params=p.key())
    out: Path | None = extra["out"]
    if out is not None:
        from queries.plan_export import write_plan_workbook

        write_plan_workbook(res, out)
        typer.echo(f"已导出 / written: {out}", err=True)
    if extra["as_json"]:
        echo_json(res)
    else:
        show_plan(res)


_COMMON = [option("town", TownOpt), option("backend", BackendOpt), option("as_json", JsonOpt, False)]
plan_app.callback(invoke_without_command=True)(
    command_from(
        PlanOptions,
        _plan,
        extra=[
            option("ctx", typer.Context),
            *_COMMON,
            option("out", Annotated[Path | None, typer.Option("--out", help="导出会议材料 plan.xlsx")]),
        ],
        flags=_FLAGS,
        doc="组建规划：为每个未建党组织的单位给出组建方式 / the coverage plan.",
    )
)


def _pairing(p: Any, extra: dict[str, Any]) -> None:
    from queries.plan import PAIRING_PLAN

    res = _run("plan_pairing", extra["backend"], extra["town"], lambda s, sc: PAIRING_PLAN(s, sc, p))
    if extra["as_json"]:
        echo_json(res)
        return
    t = Table(title=f"结对规划（{len(res.rows)} 对，示范点 {res.points} 个，剩余名额 {res.places_before}）")
    for c in ("对象", "类别", "示范点", "匹配", "已确认", "理由"):
        t.add_column(c, overflow="fold")
    for r in res.rows:
        lock = "是" if r.locked else ""
        t.add_row(r.target_name or r.target, r.phase, r.point_name or r.point, r.match, lock, r.reason)
    _console.print(t)
    _console.print(f"未结对：{len(res.unpaired)}")
    for n in res.notes:
        _console.print(n)


plan_app.command("pairing")(
    command_from(
        PairingParams,
        _pairing,
        extra=_COMMON,
        flags={"excluded": "--exclude", "forbidden_points": "--forbid-point"},
        doc="示范帮扶结对规划（可确认、排除、指定不再安排结对的示范点）/ the pairing plan.",
    )
)


# --- saved plans -----------------------------------------------------------------------


def _save(p: PlanOptions, extra: dict[str, Any]) -> None:
    from graph.audit import operator
    from queries.plan import PlanParams
    from queries.plan_saved import save_plan

    name = extra["name"]
    params = PlanParams.model_validate(p.model_dump())
    town, backend = extra["town"], extra["backend"]
    info = _run(
        "plan_save", backend, town, lambda s, sc: save_plan(s, sc, name, params, operator()), plan_name=name
    )
    if extra["as_json"]:
        echo_json(info)
    else:
        _console.print(f"已保存方案 {info.name}（编号 {info.id}，{info.rows} 行，未安排 {info.unplaced}）")


plan_app.command("save")(
    command_from(
        PlanOptions,
        _save,
        extra=[option("name", Annotated[str, typer.Option("--name", help="方案名称")], ...), *_COMMON],
        flags=_FLAGS,
        doc="保存规划方案（名称、参数、确认的行、编制人、日期，随图存储）/ save a plan with the graph.",
    )
)


@plan_app.command("list")
def list_(town: TownOpt = None, backend: BackendOpt = None, as_json: JsonOpt = False) -> None:
    """已保存的规划方案 / saved plans."""
    from queries.plan_saved import list_plans

    plans = _run("plan_list", backend, town, list_plans)
    if as_json:
        echo_json(plans)
        return
    t = Table(title=f"已保存的规划方案（{len(plans)}）", title_justify="left")
    for c in ("编号", "名称", "镇街", "编制人", "日期", "行数"):
        t.add_column(c)
    for x in plans:
        t.add_row(x.id, x.name, x.town or "全区", x.author, x.created, str(x.rows))
    _console.print(t)


@plan_app.command("accept")
def accept(
    plan_id: Annotated[str, typer.Argument(help="方案编号")],
    orgs: Annotated[list[str], typer.Argument(help="确认这些单位的行（联合建含全组）")],
    town: TownOpt = None,
    backend: BackendOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """确认已保存方案中的行（列入镇街待办）/ accept rows of a saved plan."""
    from queries.plan_saved import accept_rows

    res = _run("plan_accept", backend, town, lambda s, sc: accept_rows(s, sc, plan_id, orgs), plan_id=plan_id)
    if as_json:
        echo_json(res)
        return
    i = res.info
    _console.print(f"已确认：{i.name}（{i.id}）已确认 {len(res.accepted)} 个单位的行，未落实的将列入镇街待办")
    if res.missing:
        _console.print(f"{res.missing} 个单位在方案中没有组建行，已忽略")


@plan_app.command("show")
def show(
    plan_id: Annotated[str, typer.Argument(help="方案编号")],
    town: TownOpt = None,
    backend: BackendOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """方案及其落实进度（已完成 / 未完成 / 以其他方式覆盖）/ a saved plan and its progress."""
    from queries.plan_saved import plan_progress

    pr = _run("plan_show", backend, town, lambda s, sc: plan_progress(s, sc, plan_id), plan_id=plan_id)
    if as_json:
        echo_json(pr)
        return
    i = pr.info
    _console.print(f"{i.name}（{i.id}）{i.town or '全区'} {i.author} {i.created}")
    rate = _pct(pr.progress)
    _console.print(
        f"进度：已完成 {pr.done}，以其他方式覆盖 {pr.otherwise}，未完成 {pr.open}（完成率 {rate}）"
    )
    t = Table(title_justify="left")
    for c in ("单位", "组建方式", "状态", "现状"):
        t.add_column(c, overflow="fold")
    for r in pr.rows:
        t.add_row(r.row.org_name or r.row.org, r.row.formation, r.status, r.now)
    _console.print(t)
