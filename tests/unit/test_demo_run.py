"""`make demo` as a new user meets it: nothing written outside ./.orggraph (whatever HOME, ENV,
SECRET_KEY or BACKEND say), no install warnings, no access logs, and the addresses and the
admin token last, in a box."""

from __future__ import annotations

import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from cli.demo_run import box

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _files(where: Path) -> list[str]:
    return sorted(str(p.relative_to(where)) for p in where.rglob("*"))


def test_box_lines_up_with_chinese_text() -> None:
    text = box(["看板 Dashboard: http://x", "token: og_abc"])
    widths = {len(line) + sum(1 for c in line if "\u4e00" <= c <= "\u9fff") for line in text.splitlines()}
    assert len(widths) == 1  # every line the same width on a terminal


@pytest.mark.parametrize("fails", [False, True])
def test_make_install_hides_build_warnings_unless_it_fails(tmp_path: Path, fails: bool) -> None:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    fake = venv / "bin" / "python"
    fake.write_text(
        "#!/bin/sh\n"
        "echo 'SetuptoolsDeprecationWarning: editable install is deprecated' >&2\n"
        f"exit {1 if fails else 0}\n"
    )
    fake.chmod(0o755)
    r = subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), "venv", f"VENV={venv}"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    out = r.stdout + r.stderr
    if fails:
        assert r.returncode != 0
        assert "SetuptoolsDeprecationWarning" in out  # on failure the log is shown
    else:
        assert r.returncode == 0, out
        assert "Warning" not in out and "warning" not in out, out
        assert (venv / ".installed").exists()


def test_demo_with_hostile_environment_writes_only_dot_orggraph_and_ends_with_the_box(tmp_path: Path) -> None:
    cwd = tmp_path / "clone"
    home = tmp_path / "someone-else-home"
    cwd.mkdir()
    home.mkdir()
    api_port, dash_port = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORGGRAPH_", "NEO4J_", "XDG_"))}
    env.update(
        HOME=str(home),
        ENV="production",  # would refuse the development defaults
        SECRET_KEY="hostile-secret-key-hostile-secret-key",
        BACKEND="neo4j",  # would send the demo to a Neo4j that is not there
        PYTHONPATH=str(ROOT),
        ORGGRAPH_API_PORT=str(api_port),
        ORGGRAPH_DASHBOARD_PORT=str(dash_port),
        PYTHONUNBUFFERED="1",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli.demo_run"],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    assert proc.stdout is not None
    out = b""
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    try:
        deadline = time.monotonic() + 300
        while "╚".encode() not in out:
            assert proc.poll() is None, out.decode(errors="replace")[-3000:]
            assert time.monotonic() < deadline, out.decode(errors="replace")[-3000:]
            if sel.select(timeout=1):
                chunk = os.read(proc.stdout.fileno(), 65536)
                out += chunk
        # Use both servers, so that they would write access logs.
        for url in (f"http://127.0.0.1:{api_port}/docs", f"http://127.0.0.1:{dash_port}/"):
            with urllib.request.urlopen(url, timeout=10) as r:
                assert r.status == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{api_port}/api/v1/nope", timeout=10) as r:
            pass
    except urllib.error.HTTPError:
        pass
    finally:
        time.sleep(1.5)
        proc.send_signal(signal.SIGINT)
        try:
            rest, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            rest, _ = proc.communicate()
        out += rest
    text = out.decode(errors="replace")
    head, _, after = text.rpartition("╚")
    assert after.split("\n", 1)[1].strip() == "", f"printed after the box: {after[:500]!r}"
    boxed = head[head.rindex("╔") :]
    assert f"http://127.0.0.1:{dash_port}" in boxed and f"http://127.0.0.1:{api_port}/docs" in boxed
    assert re.search(r"og_[A-Za-z0-9_\-]{20,}", boxed), boxed
    assert "GET /" not in text and "HTTP/1.1" not in text, "access logs on the console"
    assert "存储 backend: embedded" in text
    # Nothing outside ./.orggraph: not in HOME, not beside it in the working directory.
    assert _files(home) == []
    assert [p.name for p in cwd.iterdir()] == [".orggraph"]
    written = _files(cwd / ".orggraph")
    assert "tokens.json" in written and "demo-district.xlsx" in written and "secret.key" in written
    logs = (cwd / ".orggraph" / "logs" / "api.log").read_text(errors="replace")
    assert "GET /docs" in logs  # the access log went to its file
