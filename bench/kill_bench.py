"""kill -9 the loader at random points of a demo-scale load; no reader may ever be served a half graph.

For each backend: the demo district (scale 1, CSV folder) is loaded with ``--sync`` from two seeds
in turn, so the complete graphs before and after a load differ. Each round starts
``python -m cli load ... --sync`` as its own process, SIGKILLs it after a random share of an
uninterrupted load's time, then asks every reader:

- the store (a fresh one): ``load_state()`` and the whole ``dump()``;
- the API (TestClient, district token): ``GET /api/v1/coverage``;
- the CLI: ``orggraph query coverage`` (exit code, stderr);
- the dashboard (AppTest, overview page): banner or figures.

A round passes when either the load state is recorded and every reader said so (API 503
``load_incomplete``, CLI exit 3 with the Chinese reason, dashboard banner without figures), or no
state is recorded and the graph is exactly the complete previous one or the complete new one (the
latter known after the same load is rerun to completion, which must also clear the state).
Anything else is a silent half graph and fails the bench.

    python -m bench.kill_bench                    # 10 kills per backend; Neo4j: NEO4J_URI or a private one
    python -m bench.kill_bench --kills 3 --backend embedded
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import BENCH_DIR, Row, write_result

REPO = BENCH_DIR.parent
ZH = "数据正在导入或上次导入未完成，请重新运行导入"
SEEDS = (2011, 2012)
GOOD = ("incomplete, every reader said so", "complete previous graph", "complete new graph")


def _roster(seed: int) -> Path:
    from graph.loaders.demo import generate

    out = BENCH_DIR / "out" / f"kill-s1-{seed}"
    done = BENCH_DIR / "out" / f".{out.name}.done"
    if not done.exists():
        shutil.rmtree(out, ignore_errors=True)
        generate(out, scale=1, seed=seed, progress=False)
        done.touch()
    return out


class Rig:
    def __init__(self, backend: str, home: Path, env: dict[str, str]) -> None:
        self.backend, self.home, self.env = backend, home, env

    def store(self) -> Any:
        from graph.settings import Settings
        from graph.store import open_store

        return open_store(Settings(ORGGRAPH_HOME=str(self.home)), backend=self.backend)

    def start_load(self, roster: Path) -> subprocess.Popen[bytes]:
        cmd = [sys.executable, "-m", "cli", "load", str(roster), "--sync", "--backend", self.backend]
        return subprocess.Popen(
            cmd, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )

    def full_load(self, roster: Path) -> float:
        t0 = time.perf_counter()
        cmd = [sys.executable, "-m", "cli", "load", str(roster), "--sync", "--backend", self.backend]
        proc = subprocess.run(cmd, env=self.env, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(
                f"{self.backend}: an uninterrupted load exited {proc.returncode}: {proc.stdout[-2000:]}"
                f"{proc.stderr[-2000:]}"
            )
        return time.perf_counter() - t0


def _observe(rig: Rig, token: str, dashboard: bool) -> dict[str, Any]:
    from fastapi.testclient import TestClient

    from api.app import create_app

    store = rig.store()
    try:
        state = store.load_state()
        nodes, rels = store.dump()
        app = create_app(store=store)
        with TestClient(app, raise_server_exceptions=False) as c:
            r = c.get("/api/v1/coverage", headers={"Authorization": f"Bearer {token}"})
            api = (r.status_code, r.json().get("code") if r.status_code != 200 else "ok")
    finally:
        store.close()
    cli = subprocess.run(
        [sys.executable, "-m", "cli", "query", "coverage", "--backend", rig.backend, "--json"],
        env=rig.env,
        capture_output=True,
        text=True,
    )
    out: dict[str, Any] = {
        "state": state is not None,
        "dump": (nodes, rels),
        "nodes": len(nodes),
        "relationships": len(rels),
        "api": api,
        "cli": (cli.returncode, ZH in cli.stderr),
    }
    if dashboard:
        out["dashboard"] = _dashboard(token)
    return out


def _dashboard(token: str) -> tuple[bool, bool]:
    """(banner shown, figures shown) on the overview page."""
    from streamlit.testing.v1 import AppTest

    from dashboard import common
    from dashboard.session import SessionStore
    from graph.tokens import TokenStore

    common._open.clear()  # a fresh store, as a new dashboard session after the kill would get
    at = AppTest.from_file(str(REPO / "dashboard" / "app.py"), default_timeout=120)
    at.session_state["og_sid"] = SessionStore().create(TokenStore().verify(token))  # as a login does
    at.run()
    return any(ZH in e.value for e in at.error), bool(at.metric)


def _judge(obs: dict[str, Any], prev: Any, new: Any, dashboard: bool) -> str:
    if obs["state"]:
        said = obs["api"] == (503, "load_incomplete") and obs["cli"] == (3, True)
        if dashboard:
            said = said and obs["dashboard"] == (True, False)
        return "incomplete, every reader said so" if said else "INCOMPLETE BUT A READER ANSWERED"
    whole = obs["api"][0] == 200 and obs["cli"][0] == 0
    if dashboard:
        whole = whole and obs["dashboard"] == (False, True)
    if obs["dump"] == prev:
        return "complete previous graph" if whole else "READERS FAILED ON A COMPLETE GRAPH"
    if obs["dump"] == new:
        return "complete new graph" if whole else "READERS FAILED ON A COMPLETE GRAPH"
    return "SILENT HALF GRAPH"


def run_backend(
    backend: str, kills: int, rng: random.Random, dashboard: bool, neo4j_uri: str
) -> dict[str, Any]:
    from graph.settings import get_settings
    from graph.tokens import TokenStore

    home = Path(tempfile.mkdtemp(prefix=f"kill-{backend}-", dir=BENCH_DIR / "out"))
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "ORGGRAPH_HOME": str(home),
        "ORGGRAPH_BACKEND": backend,
        "NEO4J_URI": neo4j_uri,
    }
    os.environ.update({k: env[k] for k in ("ORGGRAPH_HOME", "ORGGRAPH_BACKEND", "NEO4J_URI")})
    get_settings.cache_clear()
    rig = Rig(backend, home, env)
    rosters = [_roster(s) for s in SEEDS]
    if backend == "neo4j":
        s = rig.store()
        s.wipe()
        s.close()
    token = TokenStore().create("district", label="kill bench")[0]
    rig.full_load(rosters[0])
    duration = first = rig.full_load(rosters[1])  # a sync load replacing one district with the other
    s = rig.store()
    prev = s.dump()
    s.close()
    rounds: list[dict[str, Any]] = []
    attempts = 0
    while sum(1 for r in rounds if r["killed"]) < kills and attempts < 3 * kills:
        attempts += 1
        roster = rosters[attempts % 2 == 0]  # alternate: every load changes the graph
        share = rng.uniform(0.1, 0.95)
        proc = rig.start_load(roster)
        try:
            proc.wait(timeout=share * duration)
            killed = False  # finished before the kill point
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            killed = True
        obs = _observe(rig, token, dashboard)
        t0 = time.perf_counter()
        rc = rig.start_load(roster).wait()  # the rerun completes it
        rerun_s = time.perf_counter() - t0
        s = rig.store()
        new, state_after = s.dump(), s.load_state()
        s.close()
        verdict = _judge(obs, prev, new, dashboard)
        row = {
            "killed": killed,
            "after_s": round(share * duration, 2),
            "share": round(share, 2),
            "verdict": verdict,
            "state": obs["state"],
            "nodes": obs["nodes"],
            "relationships": obs["relationships"],
            "api": list(obs["api"]),
            "cli": list(obs["cli"]),
            "dashboard": list(obs.get("dashboard", ())),
            "rerun_exit": rc,
            "rerun_s": round(rerun_s, 1),
            "state_after_rerun": state_after is not None,
        }
        rounds.append(row)
        print(
            f"   {backend} round {attempts}: {'killed' if killed else 'finished'} at {share:.0%} -> {verdict}"
            f" ({obs['nodes']} nodes, {obs['relationships']} rels; rerun exit {rc})",
            flush=True,
        )
        prev = new
        duration = rerun_s  # the kill points follow the machine's current speed (JVM warm-up, load)
    shutil.rmtree(home, ignore_errors=True)
    return {"duration_s": round(duration, 1), "first_duration_s": round(first, 1), "rounds": rounds}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kills", type=int, default=10)
    ap.add_argument("--backend", action="append", choices=["embedded", "neo4j"])
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--no-dashboard", action="store_true", help="skip the dashboard reader (AppTest)")
    args = ap.parse_args(argv)
    backends = args.backend or ["embedded", "neo4j"]
    rng = random.Random(args.seed)
    (BENCH_DIR / "out").mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()
    private = None
    uri = os.environ.get("NEO4J_URI", "")
    if "neo4j" in backends and not uri:
        from bench.run import PrivateNeo4j

        private = PrivateNeo4j()
        private.start()
        uri = private.uri
    results: dict[str, Any] = {}
    try:
        for b in backends:
            results[b] = run_backend(b, args.kills, rng, not args.no_dashboard, uri)
    finally:
        if private is not None:
            private.stop()
    rows: list[Row] = []
    ok = True
    for b, res in results.items():
        rounds = res["rounds"]
        killed = [r for r in rounds if r["killed"]]
        bad = [r for r in rounds if r["verdict"] not in GOOD]
        reruns_bad = [r for r in rounds if r["rerun_exit"] != 0 or r["state_after_rerun"]]
        ok = ok and not bad and not reruns_bad and len(killed) >= args.kills
        by: dict[str, int] = {}
        for r in killed:
            by[r["verdict"]] = by.get(r["verdict"], 0) + 1
        rows += [
            Row(
                f"{b}: loads killed (kill -9)", len(killed), "", f">= {args.kills}", len(killed) >= args.kills
            ),
            Row(f"{b}: silent half graphs or readers that answered", len(bad), "", "0", not bad),
            Row(
                f"{b}: reruns that did not complete and clear the state",
                len(reruns_bad),
                "",
                "0",
                not reruns_bad,
            ),
            Row(f"{b}: uninterrupted load (the kill points' scale)", res["duration_s"], "s"),
        ]
        rows += [Row(f"{b}: killed, then: {v}", n, "kills") for v, n in sorted(by.items())]
    one = "" if len(backends) == 2 else f" --backend {backends[0]}"
    write_result(
        "kill" + one.replace(" --backend ", "-"),
        rows,
        "python -m bench.kill_bench" + (f" --kills {args.kills}" if args.kills != 10 else "") + one,
        loadavg_at_start=[round(x, 2) for x in load_before],
        loadavg_at_end=[round(x, 2) for x in os.getloadavg()],
        raw=results,
        notes=(
            "Demo district scale 1 (CSV folder), `orggraph load --sync` alternating seeds 2011 and 2012, "
            "killed with SIGKILL after a random 10-95 % of an uninterrupted load's time; readers: a fresh "
            "store (load_state, dump), the API (TestClient), `orggraph query coverage`, the dashboard "
            "(AppTest). Neo4j: the half-written graph is recorded (_LoadState) and every reader says so; "
            "embedded: a load is one rename, so readers see the previous or the new graph."
        ),
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
