"""``orggraph stats``, ``export``, ``migrate`` and ``neo4j start|stop|status``."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Annotated

import typer

from cli.common import BackendOpt, JsonOpt, opened

REPO_ROOT = Path(__file__).resolve().parent.parent

neo4j_app = typer.Typer(
    help="本地开发用 Neo4j / the local development Neo4j (deploy/neo4j)", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.command()(stats)
    app.command()(export)
    app.command()(migrate)
    app.add_typer(neo4j_app, name="neo4j")


def stats(backend: BackendOpt = None, as_json: JsonOpt = False) -> None:
    """节点与关系计数 / node and relationship counts."""
    from queries.stats import store_stats

    with opened(backend) as store:
        counts = store_stats(store).counts
    if as_json:
        typer.echo(json.dumps(counts, ensure_ascii=False, indent=1))
        return
    from graph.model import LABEL_ZH, REL_ZH, Label, Rel

    for lab, n in counts["nodes"].items():
        typer.echo(f"{LABEL_ZH[Label(lab)]:<8}{lab:<14}{n:>10}")
    for rel, n in counts["relationships"].items():
        typer.echo(f"{REL_ZH[Rel(rel)]:<8}{rel:<18}{n:>10}")


def export(
    out: Annotated[Path, typer.Argument(help="输出文件 / output file")],
    fmt: Annotated[str, typer.Option("--format", help="graphml | json")] = "json",
    backend: BackendOpt = None,
) -> None:
    """导出整个图（个人信息仅含脱敏值）/ export the whole graph (masked personal data only)."""
    from graph.audit import audit, operator
    from graph.store.base import export_dump

    with opened(backend) as store:
        nodes, rels = store.dump()
    export_dump(nodes, rels, fmt, out)
    audit("export", operator(), path=str(out), format=fmt, nodes=len(nodes), relationships=len(rels))
    typer.echo(f"已导出 {len(nodes)} 个节点、{len(rels)} 条关系 → {out}")


def migrate(
    home: Annotated[
        Path | None, typer.Option("--home", help="数据目录（默认 ORGGRAPH_HOME）/ data folder")
    ] = None,
) -> None:
    """把旧格式的内置图数据（graph.pickle）转换为新格式，然后删除旧文件 / convert the old embedded
    store (graph.pickle) to the SQLite file, then remove the old file. Reads only a file owned by
    the user running it."""
    from graph.settings import get_settings
    from graph.store.migrate import migrate as run

    run(home or get_settings().home, say=typer.echo)


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
