"""City scale (issue 19): coverage, gaps and pairing of the district and of one town on Neo4j, uncached
and cached, with the PROFILE db hits of one uncached call and the load average beside every figure.

Each mode runs in its own process against the same server, one after the other in one run:

- ``main``: the code of ``--before-tree`` (a checkout of main before the kept aggregates), as it is;
- ``recount``: this tree with the kept aggregates ignored (graph.aggregates.maintained answers None),
  so every question recounts from the graph, organisation by organisation;
- ``kept``: this tree, reading the district aggregates the loader keeps (graph/aggregates.py).

Uncached: the answer cache is cleared before every call (the first user after a load); cached: the
same call again. The server must hold the aggregates for its data version (a load by this tree,
or ``--refresh`` once, which recounts and writes them: documents only, no domain write).

    NEO4J_URI=neo4j://127.0.0.1:7840 python -m bench.city_bench --scale 40 --before-tree /path/to/main
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
QUESTIONS = ("coverage", "gaps", "pairing")
TARGET_MS = {"district": 300.0, "town": 100.0}


def _db_hits(plan: Any) -> int:
    if not isinstance(plan, dict):
        return 0
    own = plan.get("dbHits", plan.get("db_hits", 0)) or 0
    return int(own) + sum(_db_hits(c) for c in plan.get("children", []))


def _child(mode: str, repeat: int, town: str | None) -> dict[str, Any]:
    """One mode's figures (run with PYTHONPATH set to the tree measured)."""
    import queries
    from graph.settings import get_settings
    from graph.store.neo4j import Neo4jStore
    from queries import cache
    from queries.question import ask
    from queries.scope import Scope

    if mode == "recount":
        from graph import aggregates

        aggregates.maintained = lambda store, towns: None
    s = get_settings()
    store = Neo4jStore(os.environ["NEO4J_URI"], s.neo4j_user, s.neo4j_password.get_secret_value())
    if town is None:
        town = store.read("MATCH (t:`Town`) RETURN t.town_code AS t ORDER BY t LIMIT 1")[0]["t"]
    qs: dict[str, tuple[Any, Any]] = {
        "coverage": (queries.COVERAGE, queries.CoverageParams()),
        "gaps": (queries.GAPS, queries.GapsParams()),
        "pairing": (queries.PAIRING, queries.PairingParams()),
    }
    out: dict[str, Any] = {"mode": mode, "town": town, "questions": {}}
    for name in QUESTIONS:
        q, params = qs[name]
        for where, scope in (("district", Scope(None)), ("town", Scope(town))):
            load0 = os.getloadavg()[0]
            unc = []
            for _ in range(repeat):
                cache.clear()
                t0 = time.perf_counter()
                ask(store, q, scope, params)
                unc.append((time.perf_counter() - t0) * 1000)
            hot = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                ask(store, q, scope, params)
                hot.append((time.perf_counter() - t0) * 1000)
            hits = _profiled(store, lambda q=q, scope=scope, params=params: ask(store, q, scope, params))
            out["questions"][f"{name}:{where}"] = {
                "uncached_ms": unc,
                "cached_ms": hot,
                "db_hits": hits,
                "loadavg": [round(load0, 2), round(os.getloadavg()[0], 2)],
            }
            print(
                f"{mode} {name}:{where} p50 {sorted(unc)[len(unc) // 2]:.0f} ms db hits {hits}",
                file=sys.stderr,
            )
    store.close()
    return out


def _profiled(store: Any, call: Any) -> int:
    """The db hits of every statement one uncached call runs (PROFILE)."""
    from queries import cache

    hits = [0]
    real = type(store).read

    def read(self: Any, text: str, params: Any = None, name: str = "read") -> list[dict[str, Any]]:
        with self.driver.session(database=self.database) as s:
            res = s.run("PROFILE " + text, dict(params or {}))
            rows = [r.data() for r in res]
            hits[0] += _db_hits(res.consume().profile)
        return rows

    type(store).read = read
    try:
        cache.clear()
        call()
    finally:
        type(store).read = real
    return hits[0]


def _pct(xs: list[float], p: float) -> float:
    s = sorted(xs)
    return round(s[min(len(s) - 1, max(0, round(p * (len(s) - 1))))], 1) if s else 0.0


def _run_mode(mode: str, tree: Path, repeat: int, town: str | None) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    cmd = [sys.executable, str(HERE), "--child", mode, "--repeat", str(repeat)]
    if town:
        cmd += ["--town", town]
    done = subprocess.run(cmd, env=env, cwd=tree, capture_output=True, text=True, check=False)
    sys.stderr.write(done.stderr[-3000:])
    if done.returncode != 0:
        raise SystemExit(f"mode {mode} failed ({done.returncode})")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=int, default=40, help="the scale the server holds (names the result)")
    ap.add_argument("--before-tree", type=Path, default=None, help="a checkout of main before this change")
    ap.add_argument("--modes", default="main,recount,kept")
    ap.add_argument("--repeat", type=int, default=5, help="calls per figure for main / recount")
    ap.add_argument("--repeat-kept", type=int, default=20)
    ap.add_argument("--town", default=None)
    ap.add_argument("--refresh", action="store_true", help="write the aggregates for the data version first")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(_child(args.child, args.repeat, args.town)))
        return 0

    sys.path.insert(0, str(HERE.parent.parent))
    from bench.common import Row, write_result
    from graph import aggregates
    from graph.settings import get_settings
    from graph.store.neo4j import Neo4jStore

    if "NEO4J_URI" not in os.environ:
        raise SystemExit("NEO4J_URI must name the server holding the scale's data")
    s = get_settings()
    store = Neo4jStore(os.environ["NEO4J_URI"], s.neo4j_user, s.neo4j_password.get_secret_value())
    refresh_s = None
    if args.refresh:
        t0 = time.perf_counter()
        aggregates.refresh(store)
        refresh_s = round(time.perf_counter() - t0, 1)
    assert aggregates.maintained(store, ()) is not None, "no aggregates for this data version: --refresh"
    store.close()

    this = HERE.parent.parent
    load_start = [round(x, 2) for x in os.getloadavg()]
    runs: dict[str, Any] = {}
    for mode in args.modes.split(","):
        if mode == "main" and args.before_tree is None:
            continue
        tree = args.before_tree if mode == "main" else this
        repeat = args.repeat_kept if mode == "kept" else args.repeat
        runs[mode] = _run_mode(mode, tree, repeat, args.town)
        args.town = runs[mode]["town"]

    rows = []
    for key in (f"{q}:{w}" for q in QUESTIONS for w in ("district", "town")):
        where = key.split(":")[1]
        target = TARGET_MS[where]
        for mode, run in runs.items():
            f = run["questions"][key]
            for kind in ("uncached", "cached"):
                p95 = _pct(f[f"{kind}_ms"], 0.95)
                rows.append(
                    Row(
                        f"{key} {kind} p95 ({mode})",
                        p95,
                        "ms",
                        f"< {target:.0f} ms",
                        p95 < target if mode == "kept" else None,
                        {
                            "p50": _pct(f[f"{kind}_ms"], 0.5),
                            "n": len(f[f"{kind}_ms"]),
                            "loadavg": f["loadavg"],
                        },
                    )
                )
            rows.append(Row(f"{key} PROFILE db hits ({mode})", f["db_hits"], "db hits", "", None))
        if "kept" in runs:
            kept = _pct(runs["kept"]["questions"][key]["uncached_ms"], 0.5)
            for base in ("main", "recount"):
                if base in runs and kept:
                    ratio = _pct(runs[base]["questions"][key]["uncached_ms"], 0.5) / kept
                    rows.append(Row(f"{key} uncached p50 {base} / kept", round(ratio, 1), "×", "", None))
    if refresh_s is not None:
        rows.append(Row("aggregates recount and write (refresh)", refresh_s, "s", "", None))
    name = f"city-aggregates-s{args.scale}-neo4j"
    cmd = f"NEO4J_URI=... python -m bench.city_bench --scale {args.scale}" + (
        " --before-tree <main checkout>" if args.before_tree else ""
    )
    notes = (
        f"Town {args.town}. main = the tree before the kept aggregates; recount = this tree ignoring them; "
        "kept = this tree reading them. The load average (1 min) before and after each figure is in its "
        "detail; absolute times on a shared 2-core machine: judge ratios and db hits."
    )
    path = write_result(
        name,
        rows,
        cmd,
        loadavg_at_start=load_start,
        loadavg_at_end=[round(x, 2) for x in os.getloadavg()],
        raw={"runs": runs},
        notes=notes,
    )
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
