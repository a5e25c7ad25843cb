"""`make bench` / `make bench-quick`: run every bench in turn, then regenerate RESULTS.md.

Each bench is its own module with a ``main(argv) -> int``; a bench whose module is missing or
fails is reported and the others still run.

Neo4j: if NEO4J_URI is set, that server is used (and the query bench may reload it; it refuses to
wipe anything but a local server). If it is unset, a private Neo4j is started on a free port with
its own temporary home (deploy/neo4j/neo4j.sh), exported as NEO4J_URI for the benches, and stopped
and deleted at the end. A server the runner did not start is never stopped.

Quick runs record their results as ``<name>-quick`` so that they never replace a full run's file of
the same day.
"""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

from bench.common import BENCH_DIR, Row, write_result

SCRIPT = BENCH_DIR.parent / "deploy" / "neo4j" / "neo4j.sh"

# (module, quick args, full args). Quick = scale 1 only, under 5 minutes in all on a quiet machine
# (bench/RESULTS.md records how long each bench took and the load average).
BENCHES: list[tuple[str, list[str], list[str]]] = [
    # quick: sample only at scale 1 (naive on a 3,000-item prefix), the whole path at scale 1
    ("bench.load_bench", ["--quick", "--scale", "1"], []),
    (
        "bench.query_bench",
        ["--scale", "1", "--repeat", "10", "--cold", "1"],
        ["--scale", "1", "--scale", "40"],
    ),
    # quick: no exact networkx betweenness (about a minute at scale 1); igraph exact still runs
    (
        "bench.analytics_bench",
        ["--scale", "1"],
        ["--scale", "1", "--scale", "40"],
    ),
    ("bench.api_bench", ["--quick"], []),
    ("bench.dashboard_bench", ["--repeat", "1"], []),
]
QUICK_LIMIT_S = 300  # issue 19: make bench-quick under 5 minutes
FULL_LIMIT_S = 3600
NEEDS_NEO4J = {"bench.load_bench", "bench.query_bench"}


class PrivateNeo4j:
    """A Neo4j of the runner's own: free port, temporary home, stopped and deleted on exit."""

    def __init__(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self.home = Path(tempfile.mkdtemp(prefix="orggraph-bench-run-neo4j-"))
        self.env = {**os.environ, "NEO4J_BOLT_PORT": str(self.port), "NEO4J_HOME_DIR": str(self.home)}
        self.uri = f"neo4j://127.0.0.1:{self.port}"
        self.started = False

    def _run(self, action: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", str(SCRIPT), action], env=self.env, capture_output=True, text=True)

    def start(self) -> None:
        t0 = time.perf_counter()
        self.started = True  # even a failed start may leave a process behind: always stop
        proc = self._run("start")
        if proc.returncode != 0:
            raise RuntimeError(f"neo4j.sh start: {proc.stdout}{proc.stderr}")
        print(f"   private Neo4j on {self.uri} up in {time.perf_counter() - t0:.0f} s", flush=True)

    def stop(self) -> None:
        try:
            if self.started:
                proc = self._run("stop")
                if proc.returncode != 0:
                    print(f"   neo4j.sh stop: {proc.stdout}{proc.stderr}", file=sys.stderr)
        finally:
            shutil.rmtree(self.home, ignore_errors=True)

    def cpu_seconds(self) -> float | None:
        """CPU time (user + system) the server process has used so far."""
        try:
            pid = (self.home / "run" / "neo4j.pid").read_text().strip()
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return None

    def __enter__(self) -> PrivateNeo4j:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="scale 1 only, a few minutes")
    mode.add_argument("--full", action="store_true", help="scale 1 and 40, within an hour")
    ap.add_argument("--only", action="append", default=[], help="run only these bench modules")
    args = ap.parse_args(argv)
    selected = [b for b in BENCHES if not args.only or b[0].split(".")[-1] in args.only]
    if args.quick:
        os.environ["ORGGRAPH_BENCH_RUN"] = "quick"
    server = None
    if not os.environ.get("NEO4J_URI") and any(b[0] in NEEDS_NEO4J for b in selected):
        server = PrivateNeo4j()
    t_all = time.perf_counter()
    took: dict[str, float] = {}
    load_start = [round(x, 2) for x in os.getloadavg()]
    try:
        if server is not None:
            t0 = time.perf_counter()
            server.start()
            took["private Neo4j start"] = time.perf_counter() - t0
            os.environ["NEO4J_URI"] = server.uri
        failed = run_benches(selected, args.quick, server, took)
    finally:
        if server is not None:
            server.stop()
            os.environ.pop("NEO4J_URI", None)
    _record_run(args.quick, took, time.perf_counter() - t_all, load_start, bool(args.only))
    print(
        f"bench/RESULTS.md regenerated in {time.perf_counter() - t_all:.0f} s in all"
        + (f"; failed: {', '.join(failed)}" if failed else "")
    )
    return 1 if failed else 0


def _record_run(
    quick: bool, took: dict[str, float], total: float, load_start: list[float], partial: bool
) -> None:
    """How long the whole run and each bench took, beside the load average (bench/RESULTS.md)."""
    rows = [Row(f"{name}: wall", round(s), "s") for name, s in took.items()]
    limit = QUICK_LIMIT_S if quick else FULL_LIMIT_S
    rows.append(Row("whole run: wall", round(total), "s", f"< {limit} s", None if partial else total < limit))
    name = "run" + ("-partial" if partial else "")
    command = "make bench-quick" if quick else "make bench"
    write_result(name, rows, command, loadavg_at_start=load_start, loadavg_at_end=list(os.getloadavg()))


def run_benches(
    selected: list[tuple[str, list[str], list[str]]], quick: bool, server: object, took: dict[str, float]
) -> list[str]:
    failed = []
    for module, quick_args, full_args in selected:
        argv = list(quick_args if quick else full_args)
        if quick and module == "bench.load_bench" and isinstance(server, PrivateNeo4j):
            # our own server: the load bench may wipe it, and is spared a second JVM start
            argv += ["--neo4j-uri", server.uri]
        print(f"== {module} {'quick' if quick else 'full'} {' '.join(argv)} ==", flush=True)
        short = module.split(".")[-1]
        os.environ["ORGGRAPH_BENCH_COMMAND"] = (
            f"python -m bench.run {'--quick' if quick else '--full'} --only {short}"
        )
        t0 = time.perf_counter()
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            print(f"   skipped: {exc}")
            continue
        try:
            rc = mod.main(argv)
        except Exception:
            traceback.print_exc()
            rc = 1
        took[short] = time.perf_counter() - t0
        print(f"   {module}: exit {rc} in {took[short]:.0f} s", flush=True)
        if rc:
            failed.append(module)
    os.environ.pop("ORGGRAPH_BENCH_COMMAND", None)
    return failed


if __name__ == "__main__":
    sys.exit(main())
