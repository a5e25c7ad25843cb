"""``orggraph boundaries import towns.geojson``: the town polygons of the party-building map."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from cli.common import BackendOpt, JsonOpt, opened

boundaries_app = typer.Typer(help="镇街边界（党建地图）/ town boundaries for the map", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(boundaries_app, name="boundaries")


@boundaries_app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="GeoJSON FeatureCollection，每个要素带镇街编码属性")],
    code_property: Annotated[
        str | None,
        typer.Option("--code-property", help="镇街编码所在属性名（默认 镇街编码 / town_code / code）"),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只校验，不写入 / validate only")] = False,
    backend: BackendOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """导入镇街边界：逐个要素校验，任何一个无效则不做任何更改 / import town polygons (all or nothing).

    退出码 / exit: 0 已导入（或校验通过）; 1 有要素无效，未做任何更改 / some features invalid, nothing
    changed; 2 文件无法使用 / unusable file.
    """
    from graph.audit import audit, operator
    from graph.loaders.boundaries import import_boundaries

    with opened(backend, complete=False) as store:  # writes documents only
        report = import_boundaries(store, path, code_property, dry_run=dry_run)
    if not dry_run and report.ok:
        audit("boundaries.import", operator(), path=str(path), towns=len(report.imported))
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "source": report.source,
                    "features": report.features,
                    "imported": report.imported,
                    "problems": [p.__dict__ for p in report.problems],
                },
                ensure_ascii=False,
                indent=1,
            )
        )
    else:
        for p in report.problems:
            typer.secho(
                f"第 {p.feature} 个要素（镇街编码 {p.code or '—'}）：{p.reason_zh} / {p.reason_en}",
                fg="red",
                err=True,
            )
        if report.problems:
            typer.secho(
                f"{len(report.problems)} 个要素无效，未做任何更改 / nothing changed", fg="red", err=True
            )
        elif dry_run:
            typer.echo(f"校验通过：{report.features} 个要素 / valid")
        else:
            typer.echo(f"已导入 {len(report.imported)} 个镇街的边界 / imported")
    if report.problems:
        raise typer.Exit(1)
