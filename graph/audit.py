"""Append-only audit log (JSON lines) under ORGGRAPH_HOME: who, when, what.

Entries never hold raw personal data: callers pass keys and masked values only. The log is
rotated by size (ORGGRAPH_AUDIT_MAX_BYTES) into audit.log.1 .. audit.log.N (ORGGRAPH_AUDIT_KEEP,
.1 the newest); every entry is kept until its file falls off the end.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import getpass
import json
import os
from pathlib import Path
from typing import Any

from graph.settings import Settings, get_settings, private_home, private_open

AUDIT_FILE = "audit.log"
LOCK_FILE = "audit.lock"


def operator() -> str:
    """The OS user running the command line (the CLI is the operator's own, audited as admin)."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def audit(action: str, who: str, settings: Settings | None = None, **details: Any) -> None:
    settings = settings or get_settings()
    home = private_home(settings.home)
    entry = {
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "who": who,
        "action": action,
        **details,
    }
    line = json.dumps(entry, ensure_ascii=False, sort_keys=True, default=str) + "\n"
    path = Path(home) / AUDIT_FILE
    # One lock file for writers and the rotation: whole lines even with several API workers,
    # and no writer appends to a file that has just been rotated away.
    with private_open(Path(home) / LOCK_FILE, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with private_open(path, "a") as fh:
            fh.write(line)
            size = fh.tell()
        if settings.audit_max_bytes and size >= settings.audit_max_bytes:
            _rotate(path, settings.audit_keep)


def _rotate(path: Path, keep: int) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(f"{path}.{keep}")
    for n in range(keep - 1, 0, -1):
        with contextlib.suppress(FileNotFoundError):
            os.replace(f"{path}.{n}", f"{path}.{n + 1}")
    os.replace(path, f"{path}.1")


def audit_files(settings: Settings | None = None) -> list[Path]:
    """The audit log's files, newest first (audit.log, audit.log.1, ...)."""
    settings = settings or get_settings()
    path = Path(settings.home) / AUDIT_FILE
    out = [path] if path.exists() else []
    n = 1
    while Path(f"{path}.{n}").exists():
        out.append(Path(f"{path}.{n}"))
        n += 1
    return out


def read_audit(settings: Settings | None = None, limit: int = 1000) -> list[dict[str, Any]]:
    """The last ``limit`` entries, oldest first (across rotated files)."""
    lines: list[str] = []
    for f in audit_files(settings):
        with contextlib.suppress(FileNotFoundError):  # rotated away meanwhile
            lines[:0] = [x for x in f.read_text(encoding="utf-8").splitlines() if x.strip()]
        if len(lines) >= limit:
            break
    return [json.loads(x) for x in lines[-limit:]]
