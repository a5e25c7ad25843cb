"""`make demo`: generate the demo district, load it, create an admin token, serve API and dashboard.

Runs in the foreground; Ctrl-C stops both servers. Uses Neo4j when NEO4J_URI is set.
The servers' own output (access logs included) goes to files under ORGGRAPH_HOME/logs, so
the last thing on the console is the box with the addresses and the admin token.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import unicodedata
import urllib.request
from pathlib import Path
from typing import IO

from cli.procs import reap
from graph.settings import get_settings

API_PORT = int(os.environ.get("ORGGRAPH_API_PORT", "8000"))
DASHBOARD_PORT = int(os.environ.get("ORGGRAPH_DASHBOARD_PORT", "8501"))
START_TIMEOUT_S = 90


YEARS = (2009, 2010, 2011)


def _import_boundaries(workbook: Path) -> None:
    """The demo's town polygons (written beside the workbook) for the map, when there are any."""
    from graph.loaders.boundaries import import_boundaries
    from graph.loaders.demo import boundaries_path
    from graph.store import open_store

    geo = boundaries_path(workbook)
    if not geo.exists():
        return
    store = open_store()
    try:
        rep = import_boundaries(store, geo)
        print(f"   镇街边界 / town boundaries: {len(rep.imported)}")
    finally:
        store.close()


def _run(*args: str) -> int:
    return subprocess.call([sys.executable, "-m", "cli", *args])


def _width(text: str) -> int:
    """Columns a line takes in a terminal: CJK characters are two wide."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def box(lines: list[str]) -> str:
    inner = max(_width(x) for x in lines)
    out = ["╔" + "═" * (inner + 2) + "╗"]
    out += [f"║ {x}{' ' * (inner - _width(x))} ║" for x in lines]
    out.append("╚" + "═" * (inner + 2) + "╝")
    return "\n".join(out)


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return 200 <= int(r.status) < 300
    except OSError:
        return False


def _wait(procs: list[tuple[str, subprocess.Popen[bytes], str, Path]]) -> str | None:
    """Wait until every server answers its health URL; the name of one that died, if any."""
    deadline = time.monotonic() + START_TIMEOUT_S
    pending = list(procs)
    while pending and time.monotonic() < deadline:
        for item in list(pending):
            name, proc, url, _ = item
            if proc.poll() is not None:
                return name
            if _ready(url):
                pending.remove(item)
        time.sleep(0.3)
    return pending[0][0] if pending else None


def _tail(path: Path, n: int = 30) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-n:])
    except OSError:
        return ""


def main() -> int:
    settings = get_settings()
    out_dir = Path(settings.home)
    out_dir.mkdir(parents=True, exist_ok=True)
    logs = out_dir / "logs"
    logs.mkdir(exist_ok=True)
    workbook = out_dir / "demo-district.xlsx"
    backend = settings.resolved_backend
    print(f"== orggraph 演示 / demo  (存储 backend: {backend}) ==")
    print(f"1/4 生成演示区县台账 2009–2011 / generating the demo district, three year-ends → {workbook}")
    books = {y: workbook.with_name(f"demo-district-{y}.xlsx") for y in YEARS[:-1]}
    books[YEARS[-1]] = workbook
    for year, book in books.items():
        if _run("demo", "--out", str(book), "--year", str(year)) != 0:
            return 2
    print("2/4 导入台账（逐年同步，记录变化趋势）/ loading the rosters year by year (history)")
    for year, book in books.items():
        report = ["--report", str(out_dir / "demo-load-report.xlsx")] if year == YEARS[-1] else []
        rc = _run("load", str(book), "--sync", "--as-of", f"{year}-12-31", *report)
        if rc not in (0, 1):
            return rc
    _import_boundaries(workbook)
    _run("figures")
    print("3/4 创建管理员令牌 / creating an admin token")
    token = subprocess.run(
        [sys.executable, "-m", "cli", "token", "create", "--role", "admin", "--quiet"],
        capture_output=True,
        text=True,
    )
    print(f"4/4 启动 API 与看板 / starting the API and the dashboard (日志 logs: {logs})")
    sys.stdout.flush()
    servers = [
        ("API", ["api", "--port", str(API_PORT)], f"http://127.0.0.1:{API_PORT}/api/v1/health", "api.log"),
        (
            "看板 Dashboard",
            ["dashboard", "--port", str(DASHBOARD_PORT)],
            f"http://127.0.0.1:{DASHBOARD_PORT}/_stcore/health",
            "dashboard.log",
        ),
    ]
    procs: list[tuple[str, subprocess.Popen[bytes], str, Path]] = []
    handles: list[IO[bytes]] = []
    for name, args, url, log_name in servers:
        log = logs / log_name
        fh = log.open("ab")
        handles.append(fh)
        proc = subprocess.Popen(
            [sys.executable, "-m", "cli", *args],
            stdout=fh,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        procs.append((name, proc, url, log))
    try:
        failed = _wait(procs)
        if failed:
            log = next(x[3] for x in procs if x[0] == failed)
            print(f"\n{failed} 未能启动 / did not start. {log} 的最后几行 / last lines:\n{_tail(log)}")
            return 3
        lines = [
            "orggraph 演示已就绪 / demo ready",
            "",
            f"看板 Dashboard:  http://127.0.0.1:{DASHBOARD_PORT}",
            f"API 文档 docs:   http://127.0.0.1:{API_PORT}/docs",
            "               (OpenAPI: /openapi.json, routes under /api/v1)",
        ]
        if token.returncode == 0:
            lines += ["", "管理员令牌 admin token（登录看板、调用 API）:", token.stdout.strip()]
        else:
            lines += [
                "",
                "未能创建管理员令牌 / could not create the admin token:",
                token.stderr.strip()[-200:],
            ]
        lines += ["", f"服务日志 / server logs: {logs}", "按 Ctrl-C 停止 / press Ctrl-C to stop"]
        print()
        print(box(lines))
        sys.stdout.flush()
        while all(p.poll() is None for _, p, _, _ in procs):
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        for _, p, _, _ in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
        for _, p, _, _ in procs:
            reap(p, 10)
        for h in handles:
            h.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
