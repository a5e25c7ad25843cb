"""Child server processes: the demo runner, the benches and the end-to-end tests start the API and
the dashboard as their own processes, on a free loopback port, and stop them."""

from __future__ import annotations

import socket
import subprocess


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now (the system picks it)."""
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def reap(proc: subprocess.Popen[bytes], timeout: float) -> None:
    """Wait up to ``timeout`` seconds for a process asked to stop, then kill it."""
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
