"""Append-only audit log (JSON lines) under ORGGRAPH_HOME: who, when, what.

Entries never hold raw personal data: callers pass keys and masked values only.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import getpass
import json
from pathlib import Path
from typing import Any

from graph.settings import Settings, get_settings, private_home, private_open

AUDIT_FILE = "audit.log"


def operator() -> str:
    """The OS user running the command line (the CLI is the operator's own, audited as admin)."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def audit(action: str, who: str, settings: Settings | None = None, **details: Any) -> None:
    settings = settings or get_settings()
    private_home(settings.home)
    entry = {
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "who": who,
        "action": action,
        **details,
    }
    line = json.dumps(entry, ensure_ascii=False, sort_keys=True, default=str) + "\n"
    path = Path(settings.home) / AUDIT_FILE
    with private_open(path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)  # whole lines even with several API workers
        fh.write(line)
        fcntl.flock(fh, fcntl.LOCK_UN)


def read_audit(settings: Settings | None = None, limit: int = 1000) -> list[dict[str, Any]]:
    settings = settings or get_settings()
    path = Path(settings.home) / AUDIT_FILE
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()[-limit:]
    return [json.loads(x) for x in lines if x.strip()]
