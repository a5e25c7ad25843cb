"""The orggraph command line (typer). Thin: the work lives in graph/ and queries/."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Annotated, Any

import typer

from graph.errors import OrgGraphError

app = typer.Typer(
    name="orggraph",
    help="两新组织党建图谱 orggraph: rosters into a graph, answers over it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
neo4j_app = typer.Typer(
    help="本地开发用 Neo4j / the local development Neo4j (deploy/neo4j)", no_args_is_help=True
)
app.add_typer(neo4j_app, name="neo4j")

BackendOpt = Annotated[
    str | None, typer.Option("--backend", help="embedded | neo4j (默认按 ORGGRAPH_BACKEND / NEO4J_URI)")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON")]

REPO_ROOT = Path(__file__).resolve().parent.parent


def _store(backend: str | None) -> Any:
    from graph.store import open_store

    if backend not in (None, "embedded", "neo4j"):
        raise typer.BadParameter("--backend 只能是 embedded 或 neo4j / must be embedded or neo4j")
    return open_store(backend=backend)


def _fail(exc: OrgGraphError, code: int = 3) -> None:
    typer.secho(f"错误：{exc.message_zh}", fg="red", err=True)
    if exc.message_en != exc.message_zh:
        typer.secho(f"error: {exc.message_en}", fg="red", err=True)
    raise typer.Exit(code)


@app.command()
def stats(backend: BackendOpt = None, as_json: JsonOpt = False) -> None:
    """节点与关系计数 / node and relationship counts."""
    try:
        store = _store(backend)
        counts = store.counts()
        state = store.load_state()
        store.close()
    except OrgGraphError as exc:
        _fail(exc)
    if state is not None:  # the counts of a half-written graph: shown, but never silently
        from graph.errors import LoadIncomplete

        warn = LoadIncomplete(*state.describe())
        typer.secho(f"警告：{warn.message_zh}", fg="yellow", err=True)
        typer.secho(f"warning: {warn.message_en}", fg="yellow", err=True)
    if as_json:
        typer.echo(json.dumps(counts, ensure_ascii=False, indent=1))
    else:
        from graph.model import LABEL_ZH, REL_ZH, Label, Rel

        for lab, n in counts["nodes"].items():
            typer.echo(f"{LABEL_ZH[Label(lab)]:<8}{lab:<14}{n:>10}")
        for rel, n in counts["relationships"].items():
            typer.echo(f"{REL_ZH[Rel(rel)]:<8}{rel:<18}{n:>10}")
    if state is not None:
        raise typer.Exit(3)


@app.command()
def export(
    out: Annotated[Path, typer.Argument(help="输出文件 / output file")],
    fmt: Annotated[str, typer.Option("--format", help="graphml | json")] = "json",
    backend: BackendOpt = None,
) -> None:
    """导出整个图（个人信息仅含脱敏值）/ export the whole graph (masked personal data only)."""
    from graph.audit import audit, operator
    from graph.store.base import export_dump

    try:
        from graph.store.base import require_complete

        store = _store(backend)
        require_complete(store)  # an export of a half-written graph would look whole
        nodes, rels = store.dump()
        export_dump(nodes, rels, fmt, out)
        store.close()
        audit("export", operator(), path=str(out), format=fmt, nodes=len(nodes), relationships=len(rels))
    except OrgGraphError as exc:
        _fail(exc, 2)
    typer.echo(f"已导出 {len(nodes)} 个节点、{len(rels)} 条关系 → {out}")


@app.command()
def migrate(
    home: Annotated[
        Path | None, typer.Option("--home", help="数据目录（默认 ORGGRAPH_HOME）/ data folder")
    ] = None,
) -> None:
    """把旧格式的内置图数据（graph.pickle）转换为新格式，然后删除旧文件 / convert the old embedded
    store (graph.pickle) to the SQLite file, then remove the old file."""
    from graph.settings import get_settings
    from graph.store.migrate import migrate as run

    try:
        run(home or get_settings().home, say=typer.echo)
    except OrgGraphError as exc:
        _fail(exc, 2)


def _neo4j_script(action: str) -> None:
    script = REPO_ROOT / "deploy" / "neo4j" / "neo4j.sh"
    if not script.exists():
        typer.secho(f"找不到 {script}（需要源码目录）/ {script} not found", fg="red", err=True)
        raise typer.Exit(2)
    raise typer.Exit(subprocess.call(["bash", str(script), action]))


@neo4j_app.command("start")
def neo4j_start() -> None:
    """启动本地 Neo4j / start the local Neo4j."""
    _neo4j_script("start")


@neo4j_app.command("stop")
def neo4j_stop() -> None:
    """停止本地 Neo4j / stop it."""
    _neo4j_script("stop")


@neo4j_app.command("status")
def neo4j_status() -> None:
    """本地 Neo4j 状态 / is it running."""
    _neo4j_script("status")


def _register_optional() -> None:
    # Subcommands of modules built by their own issues register themselves here.
    import importlib

    for mod in ("graph.loaders.cli", "queries.cli", "queries.figures", "api.cli", "dashboard.cli"):
        try:
            m = importlib.import_module(mod)
        except ModuleNotFoundError as exc:
            if exc.name == mod:  # that part is not installed; a missing dependency still raises
                continue
            raise
        m.register(app)


_register_optional()


def main() -> None:
    try:
        app()
    except OrgGraphError as exc:
        _fail(exc)


if __name__ == "__main__":
    main()
