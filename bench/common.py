"""Shared bench plumbing: timing, percentiles, machine facts, result files, RESULTS.md."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
RESULTS_MD = BENCH_DIR / "RESULTS.md"


def machine() -> dict[str, Any]:
    mem = 0
    try:
        with open("/proc/meminfo") as fh:
            mem = int(fh.readline().split()[1]) // 1024
    except OSError:
        pass
    cpu = ""
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), "")
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_mb": mem,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def versions() -> dict[str, str]:
    out = {}
    for pkg in ("orggraph", "neo4j", "networkx", "fastapi", "streamlit", "pandas", "igraph"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[pkg] = metadata.version(pkg)
    try:
        java = subprocess.run(["java", "-version"], capture_output=True, text=True, timeout=10)
        out["java"] = (java.stderr.splitlines() or [""])[0]
    except (OSError, subprocess.TimeoutExpired):
        pass
    out["neo4j_server"] = "5.26 community (deploy/neo4j)"
    return out


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    s = sorted(samples_ms)
    if not s:
        return {"p50": 0.0, "p95": 0.0, "p99": 0.0, "n": 0}

    def pct(p: float) -> float:
        return round(s[min(len(s) - 1, max(0, round(p * (len(s) - 1))))], 2)

    return {
        "p50": pct(0.5),
        "p95": pct(0.95),
        "p99": pct(0.99),
        "mean": round(statistics.fmean(s), 2),
        "n": len(s),
    }


def time_calls(fn: Callable[[], Any], repeat: int, warmup: int = 1) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


@dataclass
class Row:
    """One figure of a bench: value against its target, and whether it is met."""

    figure: str
    value: float | str
    unit: str = ""
    target: str = ""
    met: bool | None = None
    detail: dict[str, Any] = field(default_factory=dict)


def write_result(name: str, rows: list[Row], command: str, **extra: Any) -> Path:
    """Write bench/results/<date>-<name>.json and regenerate RESULTS.md."""
    if os.environ.get("ORGGRAPH_BENCH_RUN") == "quick" and not name.endswith("-quick"):
        name += "-quick"  # a quick run never replaces a full run's file of the same day
        extra.setdefault("mode", "quick (make bench-quick)")
    extra.setdefault("loadavg_at_write", [round(x, 2) for x in os.getloadavg()])
    if os.environ.get("ORGGRAPH_BENCH_COMMAND"):  # run by bench.run: that is what reproduces it
        command = f"{os.environ['ORGGRAPH_BENCH_COMMAND']} (runs {command})"
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    today = dt.date.today().isoformat()
    path = RESULTS_DIR / f"{today}-{name}.json"
    payload = {
        "name": name,
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "command": command,
        "machine": machine(),
        "versions": versions(),
        **extra,
        "rows": [r.__dict__ for r in rows],
    }
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    render_results_md()
    return path


def _loadavg_text(data: dict[str, Any]) -> str:
    """The machine's load average as recorded by the bench (1-minute figure), if any."""
    raw: dict[str, Any] = data["raw"] if isinstance(data.get("raw"), dict) else {}
    for key, value in (
        ("start", data.get("loadavg_at_start")),
        ("end", data.get("loadavg_at_end")),
        ("before/after", raw.get("load_average_before_after")),
        ("at write", data.get("loadavg_at_write")),
    ):
        if isinstance(value, list) and value:
            shown = (
                "/".join(f"{float(v):.1f}" for v in value[:2])
                if key == "before/after"
                else f"{float(value[0]):.1f}"
            )
            return f", load average {shown} ({key})"
    return ""


def render_results_md() -> None:
    """RESULTS.md: the newest result file of each bench, as a table with its command."""
    latest: dict[str, dict[str, Any]] = {}
    for p in sorted(RESULTS_DIR.glob("*.json")):
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        if "rows" not in data or "name" not in data:
            continue
        if data["name"] not in latest or data["date"] >= latest[data["name"]]["date"]:
            data["_file"] = p.name
            latest[data["name"]] = data
    lines = [
        "# Benchmark results",
        "",
        "Generated by `bench/common.py` from the newest file of each bench in `bench/results/`.",
        "Targets come from the issues; `met` is computed, never typed in. Reproduce a table with",
        "its command (after `make test` has built the environment).",
        "",
    ]
    for name in sorted(latest):
        data = latest[name]
        m = data.get("machine", {})
        lines += [
            f"## {name}",
            "",
            f"`{data['command']}` — {data['date']}, {m.get('cpus')} cores, Python {m.get('python')}"
            f"{_loadavg_text(data)} ({data['_file']})",
            "",
            "| figure | value | unit | target | met |",
            "|---|---|---|---|---|",
        ]
        for r in data["rows"]:
            met = {True: "met", False: "**not met**", None: "–"}[r.get("met")]
            lines.append(
                f"| {r['figure']} | {r['value']} | {r.get('unit', '')} | {r.get('target', '')} | {met} |"
            )
        if data.get("notes"):
            lines += ["", str(data["notes"])]
        lines.append("")
    notes = BENCH_DIR / "SCALE_NOTES.md"
    if notes.exists():
        lines += [notes.read_text(encoding="utf-8")]
    RESULTS_MD.write_text("\n".join(lines) + "\n", encoding="utf-8")


@contextlib.contextmanager
def bench_neo4j() -> Any:
    """The Neo4j a bench may use: NEO4J_URI when set (never stopped here), else a private server on a
    free port with its own temporary home, stopped and deleted on exit. Never a fixed port: the
    development server (7687) and other engineers' instances share this machine."""
    uri = os.environ.get("NEO4J_URI")
    if uri:
        yield uri
        return
    from bench.run import PrivateNeo4j

    server = PrivateNeo4j()
    try:
        server.start()
        yield server.uri
    finally:
        server.stop()
