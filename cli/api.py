"""``orggraph api`` and ``orggraph token create|list|revoke``."""

from __future__ import annotations

import json
import os
from typing import Annotated

import typer

from cli.common import BackendOpt, check_backend
from graph.tokens import DEFAULT_DAYS

token_app = typer.Typer(
    help="API 令牌：生成、列出、撤销（只保存 SHA-256 摘要）/ API tokens (only their SHA-256 digest is kept)",
    no_args_is_help=True,
)


def api(
    host: Annotated[
        str, typer.Option(help="监听地址（默认仅本机）/ bind address (loopback by default)")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口 / port")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="工作进程数 / worker processes")] = 1,
    backend: BackendOpt = None,
    log_level: Annotated[str, typer.Option(help="uvicorn 日志级别 / log level")] = "info",
) -> None:
    """启动 API（uvicorn）；文档在 /docs，OpenAPI 在 /openapi.json / serve the API."""
    import uvicorn

    from graph.settings import get_settings

    chosen = check_backend(backend)
    if chosen is not None:
        os.environ["ORGGRAPH_BACKEND"] = chosen  # the workers read their settings from the environment
        get_settings.cache_clear()
    get_settings()  # refuse development defaults in production before binding
    typer.echo(f"orggraph API: http://{host}:{port}/docs  (OpenAPI /openapi.json, /api/v1)", err=True)
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        proxy_headers=False,
        server_header=False,
    )


@token_app.command("create")
def token_create(
    role: Annotated[str, typer.Option("--role", help="admin | district | town")],
    town: Annotated[str | None, typer.Option("--town", help="镇街编码（town 角色必填）/ town code")] = None,
    label: Annotated[str, typer.Option("--label", help="备注，如使用者 / a note, e.g. who uses it")] = "",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="只输出令牌 / print only the token")] = False,
    days: Annotated[
        int, typer.Option("--days", help="有效天数（默认 90）/ days until it expires")
    ] = DEFAULT_DAYS,
) -> None:
    """生成新令牌（只显示这一次）/ create a token (shown this once)."""
    from graph.audit import audit, operator
    from graph.tokens import TokenStore

    token, rec = TokenStore().create(role, town=town, label=label, days=days)
    audit(
        "token_create",
        operator(),
        token_id=rec.token_id,
        role=rec.role,
        town=rec.town,
        label=rec.label,
        expires_at=rec.expires_at,
    )
    if quiet:
        typer.echo(token)
        return
    scope = f"，镇街 {rec.town}" if rec.town else ""
    typer.echo(
        f"已生成令牌 {rec.token_id}（角色 {rec.role}{scope}，{rec.expires_at} 过期）/ token {rec.token_id}"
        f" created (expires {rec.expires_at}), shown once:"
    )
    typer.echo(token)
    typer.echo("使用 / use: Authorization: Bearer <令牌>", err=True)


@token_app.command("list")
def token_list(as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False) -> None:
    """列出令牌（不含令牌本身）/ list tokens (never the tokens themselves)."""
    from graph.audit import audit, operator
    from graph.tokens import TokenStore

    records = TokenStore().list()
    audit("token_list", operator(), count=len(records))
    rows = [
        {**r.model_dump(exclude={"digest"}), "expires_at": r.expiry.isoformat(), "expired": r.expired()}
        for r in records
    ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    if not rows:
        typer.echo("没有令牌 / no tokens")
        return
    typer.echo(f"{'id':<10}{'role':<10}{'town':<10}{'created':<27}{'expires 过期':<31}{'revoked':<27}label")
    for r in rows:
        expires = r["expires_at"] + ("（已过期）" if r["expired"] else "")
        typer.echo(
            f"{r['token_id']:<10}{r['role']:<10}{r['town'] or '-':<10}{r['created_at']:<27}"
            f"{expires:<31}{r['revoked_at'] or '-':<27}{r['label']}"
        )


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[str, typer.Argument(help="令牌编号（token list 中的 id）/ token id")],
) -> None:
    """撤销令牌（立即生效，所有 API 进程）/ revoke a token (at once, in every API process)."""
    from graph.audit import audit, operator
    from graph.tokens import TokenStore

    rec = TokenStore().revoke(token_id)
    audit("token_revoke", operator(), token_id=rec.token_id, role=rec.role, town=rec.town)
    typer.echo(f"已撤销 / revoked {rec.token_id}")


def register(app: typer.Typer) -> None:
    app.command("api")(api)
    app.add_typer(token_app, name="token")
