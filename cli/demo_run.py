"""`make demo`: generate the demo district, load it, create an admin token, serve API and dashboard.

Runs in the foreground; Ctrl-C stops both servers. Uses Neo4j when NEO4J_URI is set.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from graph.settings import get_settings

API_PORT = int(os.environ.get("ORGGRAPH_API_PORT", "8000"))
DASHBOARD_PORT = int(os.environ.get("ORGGRAPH_DASHBOARD_PORT", "8501"))


def _run(*args: str) -> int:
    return subprocess.call([sys.executable, "-m", "cli", *args])


def main() -> int:
    settings = get_settings()
    out_dir = Path(settings.home)
    out_dir.mkdir(parents=True, exist_ok=True)
    workbook = out_dir / "demo-district.xlsx"
    backend = settings.resolved_backend
    print(f"== orggraph 演示 / demo  (存储 backend: {backend}) ==")
    print(f"1/4 生成演示区县台账 / generating the demo district → {workbook}")
    if _run("demo", "--out", str(workbook)) != 0:
        return 2
    print("2/4 导入台账 / loading the roster")
    rc = _run("load", str(workbook), "--report", str(out_dir / "demo-load-report.xlsx"))
    if rc not in (0, 1):
        return rc
    _run("figures")
    print("3/4 创建管理员令牌 / creating an admin token")
    token = subprocess.run(
        [sys.executable, "-m", "cli", "token", "create", "--role", "admin", "--quiet"],
        capture_output=True,
        text=True,
    )
    print("4/4 启动 API 与看板 / starting the API and the dashboard")
    procs = [
        subprocess.Popen([sys.executable, "-m", "cli", "api", "--port", str(API_PORT)]),
        subprocess.Popen([sys.executable, "-m", "cli", "dashboard", "--port", str(DASHBOARD_PORT)]),
    ]
    time.sleep(3)
    print()
    print(f"  API:       http://127.0.0.1:{API_PORT}/docs   (OpenAPI: /openapi.json, routes under /api/v1)")
    print(f"  看板 Dashboard: http://127.0.0.1:{DASHBOARD_PORT}")
    if token.returncode == 0:
        print(f"  管理员令牌 admin token: {token.stdout.strip()}")
    print("  按 Ctrl-C 停止 / press Ctrl-C to stop")
    try:
        while all(p.poll() is None for p in procs):
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
