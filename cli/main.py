"""The ``orggraph`` application: every command, one error handler, one set of exit codes."""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from graph.errors import ConfigError, Forbidden, InputError, NotFound, OrgGraphError

EXIT_OK = 0
EXIT_PARTIAL = 1  # load: some rows rejected, the rest loaded
EXIT_INPUT = 2  # invalid input, option or configuration (an unknown --town included)
EXIT_FAILURE = 3  # the store is unavailable, or another failure
EXIT_NOT_FOUND = 4  # the record does not exist, or is outside the chosen town

EXIT_CODES = (
    "退出码 / exit codes: "
    "0 成功 / done; "
    "1 部分行被拒绝、其余已导入（load）/ some rows rejected, the rest loaded; "
    "2 输入、参数或配置无效（含不存在的 --town）/ invalid input, option or configuration; "
    "3 图存储不可用或其他故障 / the store is unavailable, or another failure; "
    "4 未找到（不存在或不在所选镇街）/ not found, or outside the chosen town."
)


def exit_code(exc: OrgGraphError) -> int:
    """The one mapping from an error to an exit code (see :data:`EXIT_CODES`)."""
    if isinstance(exc, NotFound):
        return EXIT_NOT_FOUND
    if isinstance(exc, InputError | ConfigError | Forbidden):
        return EXIT_INPUT
    return EXIT_FAILURE


def report(exc: OrgGraphError) -> None:
    """An error on stderr: Chinese first, English beside it."""
    typer.secho(f"错误：{exc.message_zh}", fg="red", err=True)
    if exc.message_en and exc.message_en != exc.message_zh:
        typer.secho(f"error: {exc.message_en}", fg="red", err=True)


class _Handled(TyperGroup):
    """The top group: any orggraph error from any command is reported and exits with its code."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except OrgGraphError as exc:
            report(exc)
            raise typer.Exit(exit_code(exc)) from None


app = typer.Typer(
    name="orggraph",
    cls=_Handled,
    help="两新组织党建图谱 orggraph: rosters into a graph, answers over it.\n\n" + EXIT_CODES,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _compose() -> None:
    from cli import api, boundaries, dashboard, figures, graph, history, load, plan, query

    load.register(app)  # template, load, demo
    graph.register(app)  # stats, export, neo4j
    figures.register(app)
    query.register(app)
    api.register(app)  # api, token
    dashboard.register(app)
    plan.register(app)  # plan, plan pairing, plan save|list|show
    boundaries.register(app)  # boundaries import (the map)
    history.register(app)  # history, history diff


_compose()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
