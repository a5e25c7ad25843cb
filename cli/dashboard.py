"""`orggraph dashboard`: run the Streamlit app with the settings an offline intranet needs."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from cli.common import BackendOpt, check_backend

ENTRY = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"


def streamlit_command(port: int, host: str) -> list[str]:
    """The `streamlit run` command line. Privacy and headless flags are passed explicitly so
    they hold whatever the working directory (config.toml files are looked up relative to it)."""
    return [
        sys.executable, "-m", "streamlit", "run", str(ENTRY),
        "--server.port", str(port),
        "--server.address", host,
        "--server.headless", "true",
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
        "--browser.serverAddress", host,
        "--global.developmentMode", "false",
        "--client.toolbarMode", "minimal",
    ]  # fmt: skip


def register(app: typer.Typer) -> None:
    @app.command()
    def dashboard(
        port: Annotated[int, typer.Option("--port", help="端口 / port")] = 8501,
        host: Annotated[str, typer.Option("--host", help="监听地址 / address to listen on")] = "127.0.0.1",
        backend: BackendOpt = None,
    ) -> None:
        """看板（Streamlit）/ the dashboard."""
        check_backend(backend)
        env = dict(os.environ)
        if backend:
            env["ORGGRAPH_BACKEND"] = backend
        env["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] = "false"
        typer.echo(f"看板 Dashboard: http://{host}:{port}")
        sys.stdout.flush()
        # Replace this process, so stopping `orggraph dashboard` stops Streamlit with it.
        os.execve(sys.executable, streamlit_command(port, host), env)
