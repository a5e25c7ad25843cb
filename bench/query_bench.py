"""Latency of every question (queries/) on both backends over the demo district.

    python -m bench.query_bench --scale 1 [--scale 40] [--backends embedded,neo4j] [--repeat 30] [--cold 2]

The demo district comes from bench.datasets (generated once per scale, kept under bench/out;
the embedded store is kept there too). The Neo4j at NEO4J_URI / --neo4j-uri is loaded with
the same workbook unless it already holds exactly the embedded store's counts (a wipe is
refused on anything but a local server). Each question runs with parameters drawn (seeded)
from the loaded data, so repeated calls are not one cached answer.

warm: after one warm-up call, ``--repeat`` calls on the same store object.
cold: ``--cold`` times a new store object (embedded: reads the graph file and rebuilds its
indexes; Neo4j: a new driver, server caches stay warm), timing its first call.
baseline: a naive answer to the coverage question from a full export (store.dump() and a
Python scan) in the same run; ``ratio`` = p50(question) / p50(baseline).

Targets (issue 5): scale 1, every question < 50 ms p95 (centrality of the whole organisation
graph < 2 s). Issue 19, scale >= 10: every question, cached and uncached (``--uncached N``: the
answer cache emptied before each of N calls, so facts are fetched again, as the first user
after a load meets it), p95 < 100 ms for one town or one entity and < 300 ms for the district.

``--as-loaded``: measure the Neo4j at NEO4J_URI as it is (never compared, loaded or wiped; for a
shared server already holding the scale's demo district).
Results: bench/results/<date>-queries.json and bench/RESULTS.md (bench.common).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from queries.ego import EGO
from queries.entities import ORG_TREE, ORGANIZATION, PARTY_ORG, SEARCH
from queries.membership import INCONSISTENCIES, MEMBERSHIP
from queries.pairing import PAIRING
from queries.paths import PATH
from queries.scope import Scope

TARGET_MS = 50.0
CENTRALITY_TARGET_MS = 2000.0


def _pct(xs: list[float], q: float) -> float:
    ys = sorted(xs)
    if not ys:
        return float("nan")
    k = min(len(ys) - 1, max(0, round(q * (len(ys) - 1))))
    return ys[k]


def _stats(xs: list[float]) -> dict[str, Any]:
    return {
        "n": len(xs),
        "p50": round(statistics.median(xs), 3),
        "p95": round(_pct(xs, 0.95), 3),
        "p99": round(_pct(xs, 0.99), 3),
        "max": round(max(xs), 3),
    }


class Samples:
    """Parameters drawn from the loaded graph (same on both backends: same workbook)."""

    def __init__(self, store: Any, seed: int) -> None:
        from graph.model import Label

        self.rnd = random.Random(seed)
        self.towns = sorted(store.fetch_nodes(Label.TOWN))
        orgs = store.fetch_nodes(Label.ORGANIZATION)
        self.orgs = sorted(orgs)
        self.org_town = {k: p.get("town_code") for k, p in orgs.items()}
        members = store.fetch_nodes(Label.MEMBER)
        self.members = sorted(members)
        self.member_town = {k: p.get("town_code") for k, p in members.items()}
        pos = store.fetch_nodes(Label.PARTY_ORG)
        self.party_orgs = sorted(pos)
        self.po_town = {k: p.get("town_code") for k, p in pos.items()}
        self.demo_points = sorted(k for k, p in pos.items() if p.get("demo_tier"))
        self.instructors = sorted(store.fetch_nodes(Label.INSTRUCTOR))
        self.names = sorted({str(p.get("org_name", ""))[:2] for p in orgs.values() if p.get("org_name")})

    def pick(self, xs: list[str]) -> str:
        return self.rnd.choice(xs)

    def town(self) -> str:
        return self.pick(self.towns)

    def org_in(self, town: str) -> str:
        return self.pick([k for k in self.orgs if self.org_town[k] == town])

    def member_in(self, town: str) -> str:
        xs = [k for k in self.members if self.member_town[k] == town]
        return self.pick(xs or self.members)


def questions(s: Samples) -> dict[str, Callable[[Any], Any]]:
    import queries
    from queries.fiveones import FIVE_ONES, FiveOnesParams
    from queries.todo import TODO, TodoParams

    def as_of() -> str:
        return (dt.date(2011, 7, 1) + dt.timedelta(days=s.rnd.randrange(184))).isoformat()

    from queries.cache import clear
    from queries.impact import IMPACT, ImpactParams, compute_ranking

    def impact_one(st: Any) -> Any:
        key = s.pick(s.rnd.choice([s.demo_points, s.instructors, s.party_orgs]))
        return IMPACT(st, Scope(), ImpactParams(keys=(key,)))

    def uncached(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
        """Every call from the store's facts up: the one answer cache is emptied first."""

        def run(st: Any) -> Any:
            clear(st)
            return fn(st)

        return run

    def rank_town(st: Any) -> Any:
        return IMPACT(st, Scope(s.town()), ImpactParams(rank="demo_point"))

    def rank_district(st: Any) -> Any:
        return IMPACT(st, Scope(), ImpactParams(rank="demo_point"))

    def path_town(st: Any) -> Any:
        t = s.town()
        return PATH(st, Scope(t), source=s.org_in(t), target=s.member_in(t))

    from queries.cache import facts
    from queries.history import HISTORY
    from queries.plan_facts import PLAN_FACTS

    return {
        "coverage": lambda st: queries.COVERAGE(st, by=s.rnd.choice(["category", "town", "park"])),
        "coverage_town": lambda st: queries.COVERAGE(st, Scope(s.town())),
        "gaps": lambda st: queries.GAPS(st, limit=50),
        "gaps_town": lambda st: queries.GAPS(st, Scope(s.town()), limit=50),
        "path": lambda st: PATH(st, source=s.pick(s.orgs), target=s.pick(s.members)),
        "path_town": path_town,
        "membership": lambda st: MEMBERSHIP(st, member_id=s.pick(s.members)),
        "inconsistencies": lambda st: INCONSISTENCIES(st),
        "inconsistencies_town": lambda st: INCONSISTENCIES(st, Scope(s.town())),
        "pairing": lambda st: PAIRING(st, tier=s.rnd.choice([None, "市级", "区级", "镇街级"])),
        "pairing_town": lambda st: PAIRING(st, Scope(s.town())),
        "pairing_village": lambda st: PAIRING(st, pairing_type="村企联建"),
        "centrality_degree": lambda st: queries.centrality(st, network="organisation", metric="degree"),
        "centrality_betweenness": lambda st: queries.centrality(
            st, network="organisation", metric="betweenness"
        ),
        "centrality_pagerank_town": lambda st: queries.centrality(
            st, network="membership", metric="pagerank", town=s.town()
        ),
        "ego": lambda st: EGO(st, key=s.pick(s.orgs), hops=2),
        "plan_facts": lambda st: facts(st, PLAN_FACTS, Scope()),
        "plan_facts_town": lambda st: facts(st, PLAN_FACTS, Scope(s.town())),
        "history": lambda st: HISTORY(st, Scope()),
        "history_town": lambda st: HISTORY(st, Scope(s.town())),
        "organization": lambda st: ORGANIZATION(st, uscc=s.pick(s.orgs)),
        "party_org": lambda st: PARTY_ORG(st, code=s.pick(s.party_orgs)),
        "search": lambda st: SEARCH(st, q=s.pick(s.names)),
        "org_tree": lambda st: ORG_TREE(st, Scope(s.rnd.choice([None, s.town()]))),
        "impact_one": impact_one,
        "impact_one_uncached": uncached(impact_one),
        "impact_rank_town_uncached": uncached(rank_town),
        "impact_rank_district_uncached": uncached(rank_district),  # the kept document, once computed
        "impact_rank_district_compute": lambda st: compute_ranking(st, Scope(), "demo_point"),
        # issue 17: the as-of date drawn per call (facts are fetched once per store version)
        "five_ones": lambda st: FIVE_ONES(st, Scope(), FiveOnesParams.parse(as_of=as_of())),
        "five_ones_town": lambda st: FIVE_ONES(st, Scope(s.town()), FiveOnesParams.parse(as_of=as_of())),
        "todo": lambda st: TODO(st, Scope(), TodoParams.parse(as_of=as_of(), limit=50)),
        "todo_town": lambda st: TODO(st, Scope(s.town()), TodoParams.parse(as_of=as_of(), limit=50)),
    }


def naive_coverage(store: Any) -> float:
    """The baseline: export everything and count covered organisations in Python."""
    nodes, rels = store.dump()
    covered = {r["to"] for r in rels if r["type"] == "COVERS"}
    orgs = [n for n in nodes if n["label"] == "Organization" and n["properties"].get("status") != "注销"]
    return sum(1 for n in orgs if n["id"] in covered) / max(1, len(orgs))


def timed(fn: Callable[[], Any]) -> float:
    a = time.perf_counter()
    fn()
    return (time.perf_counter() - a) * 1000


SCALE40_TARGETS = {"coverage", "coverage_town", "gaps_town", "path", "path_town", "membership"}


IMPACT_TARGETS_S1 = {  # issue 15, scale 1 (uncached: facts fetched and the answer computed per call)
    "impact_one": 100.0,
    "impact_one_uncached": 2000.0,
    "impact_rank_town_uncached": 300.0,
    "impact_rank_district_uncached": 2000.0,
    "impact_rank_district_compute": 2000.0,
}
# Issue 15 at scale 40: one entity < 100 ms; a town's ranking < 300 ms; the district's kept per data
# version, then < 300 ms (its computation from the graph is shown without a target).
IMPACT_TARGETS_S40 = {"impact_rank_town_uncached": 300.0, "impact_rank_district_compute": None}
IMPACT_QUESTIONS = {*IMPACT_TARGETS_S1}
# Writes a document when none is kept for the data version: never run on a shared server (--as-loaded).
WRITES = {"impact_rank_district_uncached"}
HEAVY_REPEAT = 3  # --impact: repeats of a whole district's computation (at scale 40: coverage's, too)


# Issue 19 (scale >= 10): one town or one entity < 100 ms, the district < 300 ms, cached or not.
ONE_ENTITY = {"membership", "ego", "impact_one", "impact_one_uncached", "organization", "party_org"}


def _target(scale: int, q: str) -> float | None:
    if scale == 1 and q in IMPACT_TARGETS_S1:
        return IMPACT_TARGETS_S1[q]
    if scale >= 10 and q in IMPACT_TARGETS_S40:
        return IMPACT_TARGETS_S40[q]
    if scale == 1:
        return CENTRALITY_TARGET_MS if q.startswith("centrality") else TARGET_MS
    if scale >= 10:
        return 100.0 if q.endswith("_town") or q.endswith("_town_uncached") or q in ONE_ENTITY else 300.0
    return 300.0 if q in SCALE40_TARGETS else None


def bench_backend(
    name: str,
    scale: int,
    open_store: Callable[[], Any],
    seed: int,
    repeat: int,
    cold: int,
    only: set[str] | None,
    uncached: int = 0,
    impact: bool = False,
) -> tuple[list[Any], dict[str, Any]]:
    """``impact``: issue 15's run (no full-export baseline; the load average in each figure)."""
    from bench.common import Row
    from queries.cache import clear

    store = open_store()
    s = Samples(store, seed)
    qs = questions(s)
    base = [] if impact else [timed(lambda: naive_coverage(store)) for _ in range(3)]
    detail: dict[str, Any] = {"baseline_naive_coverage": _stats(base) if base else None, "questions": {}}
    rows = (
        [Row(f"s{scale} {name} baseline: naive coverage from a full export, p50", _stats(base)["p50"], "ms")]
        if base
        else []
    )

    def load() -> str:
        return f" (load {os.getloadavg()[0]:.1f})" if impact else ""

    for qname, fn in qs.items():
        if only and qname not in only:
            continue
        heavy = qname == "impact_rank_district_compute" or (scale >= 10 and qname == "impact_one_uncached")
        reps = (1 if scale >= 10 else HEAVY_REPEAT) if impact and heavy else repeat
        colds = []
        for _ in range(cold):
            fresh = open_store()
            colds.append(timed(lambda fresh=fresh, fn=fn: fn(fresh)))
            fresh.close()
        fn(store)  # warm-up
        warm = [timed(lambda fn=fn: fn(store)) for _ in range(reps)]
        w = _stats(warm)
        target = _target(scale, qname)
        d = {
            "warm": w,
            "cold": _stats(colds) if colds else None,
            "ratio_to_baseline_p50": round(w["p50"] / _stats(base)["p50"], 4) if base else None,
            "loadavg": [round(x, 2) for x in os.getloadavg()],
        }
        detail["questions"][qname] = d
        rows.append(
            Row(
                f"s{scale} {name} {qname} warm p95{load()}",
                w["p95"],
                "ms",
                f"< {target:g} ms" if target else "",
                (w["p95"] < target) if target else None,
                d,
            )
        )
        print(
            f"s{scale} {name:9s} {qname:26s} warm p50 {w['p50']:8.2f} p95 {w['p95']:8.2f} "
            f"p99 {w['p99']:8.2f} ms" + (f"   cold p50 {statistics.median(colds):8.1f} ms" if colds else ""),
            flush=True,
        )
        if uncached and not qname.endswith("_uncached"):
            un = []
            for _ in range(uncached):
                clear(store)  # the answer cache and every fact set: as after a load
                un.append(timed(lambda fn=fn: fn(store)))
            u = _stats(un)
            d["uncached"] = u
            rows.append(
                Row(
                    f"s{scale} {name} {qname} uncached p95 (n={uncached}){load()}",
                    u["p95"],
                    "ms",
                    f"< {target:g} ms" if target else "",
                    (u["p95"] < target) if target else None,
                    u,
                )
            )
            print(
                f"s{scale} {name:9s} {qname:26s} uncached p50 {u['p50']:8.2f} p95 {u['p95']:8.2f}", flush=True
            )
    store.close()
    return rows, detail


def _loaded_embedded(scale: int, seed: int) -> Any:
    """The demo district in an embedded store kept under bench/out (same layout as bench.datasets)."""
    from bench.datasets import OUT, demo_input
    from graph.loaders.load import load_roster
    from graph.store.embedded import EmbeddedStore

    home = OUT / f"embedded-s{scale}-{seed}"
    store = EmbeddedStore(home)
    if not (home / ".loaded").exists():
        store.wipe()
        load_roster(demo_input(scale, seed), store)
        (home / ".loaded").touch()
    return store


def _neo4j_opener(uri: str) -> Callable[[], Any]:
    from graph.settings import LOCAL_NEO4J_PASSWORD
    from graph.store.neo4j import Neo4jStore

    def open_neo4j() -> Any:
        return Neo4jStore(
            uri,
            os.environ.get("NEO4J_USER", "neo4j"),
            os.environ.get("NEO4J_PASSWORD", LOCAL_NEO4J_PASSWORD),
            os.environ.get("NEO4J_DATABASE", "neo4j"),
        )

    return open_neo4j


def _measure(
    args: argparse.Namespace,
    scales: list[int],
    backends: list[str],
    only: set[str] | None,
    neo4j_uri: str,
    rows: list[Any],
    details: dict[str, Any],
) -> None:
    from bench.common import Row
    from bench.datasets import demo_input
    from graph.errors import StoreUnavailable
    from graph.loaders.load import load_roster
    from graph.store.embedded import EmbeddedStore

    for scale in scales:
        if args.as_loaded:
            emb_home, emb_counts = None, None
        else:
            emb = _loaded_embedded(scale, args.seed)
            emb_home, emb_counts = emb.home, emb.counts()
            emb.close()
        cold = args.cold if scale == 1 else min(args.cold, 1)
        for b in backends:
            if b == "embedded":
                opener: Callable[[], Any] = lambda home=emb_home: EmbeddedStore(home)  # noqa: E731
            else:
                opener = _neo4j_opener(neo4j_uri)
                try:
                    neo = opener()
                    neo.ping()
                    if emb_counts is not None and neo.counts() != emb_counts:
                        t0 = time.perf_counter()
                        neo.wipe()  # refuses anything but a local server
                        neo.apply_schema()
                        load_roster(demo_input(scale, args.seed), neo)
                        print(
                            f"loaded Neo4j at scale {scale} in {time.perf_counter() - t0:.0f} s", flush=True
                        )
                    neo.close()
                except StoreUnavailable as exc:
                    print(f"NEO4J NOT REACHABLE, skipped: {exc}", flush=True)
                    rows.append(Row(f"s{scale} neo4j", "skipped: not reachable", "", "", False))
                    continue
            if args.as_loaded and only and only & WRITES:
                print(f"skipped on a server measured as loaded (would write documents): {only & WRITES}")
                only = only - WRITES
            r, d = bench_backend(
                b, scale, opener, args.seed, args.repeat, cold, only, args.uncached, impact=args.impact
            )
            rows += r
            details[f"s{scale}:{b}"] = d


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=int, action="append", default=[])
    ap.add_argument("--seed", type=int, default=2011)
    ap.add_argument("--backends", default="embedded,neo4j")
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--cold", type=int, default=2)
    ap.add_argument("--only", default="", help="comma-separated question names")
    ap.add_argument(
        "--neo4j-uri", default=None, help="server to load (WIPED); default NEO4J_URI, else a private one"
    )
    ap.add_argument("--uncached", type=int, default=0, help="also N calls each with the answer cache emptied")
    ap.add_argument(
        "--as-loaded", action="store_true", help="measure NEO4J_URI as it is (never load or wipe)"
    )
    ap.add_argument(
        "--impact",
        action="store_true",
        help="issue 15: only the impact questions, no full-export baseline, the load average in each "
        "figure; results in <date>-impact-s<scale>-<backends>.json",
    )
    args = ap.parse_args(argv)
    if args.as_loaded and "embedded" in args.backends.split(","):
        ap.error("--as-loaded measures a Neo4j only: pass --backends neo4j")
    os.environ.setdefault("ORGGRAPH_SECRET_KEY", "bench-only-secret-key-0123456789abcdef-01234567")

    from bench.common import bench_neo4j, write_result

    scales = args.scale or [1]
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    only = {x.strip() for x in args.only.split(",") if x.strip()} or None
    if args.impact:
        only = (only or IMPACT_QUESTIONS) & IMPACT_QUESTIONS
    rows: list[Any] = []
    details: dict[str, Any] = {}
    with contextlib.ExitStack() as stack:
        neo4j_uri = args.neo4j_uri or ""
        if "neo4j" in backends and not neo4j_uri:
            neo4j_uri = stack.enter_context(bench_neo4j())  # NEO4J_URI, else a private server
        _measure(args, scales, backends, only, neo4j_uri, rows, details)
    cmd = "python -m bench.query_bench " + " ".join(f"--scale {s}" for s in scales)
    cmd += f" --backends {','.join(backends)}" + (" --as-loaded" if args.as_loaded else "")
    cmd += f" --uncached {args.uncached}" if args.uncached else ""
    cmd += " --impact" if args.impact else ""
    if only and not args.impact:
        cmd += " --only " + ",".join(sorted(only))
    # One result file per kind of run: the full runner's, scale 1 alone, or a partial run.
    name = (
        f"impact-s{'-'.join(map(str, scales))}-{'-'.join(backends)}"
        if args.impact
        else "queries"
        + ("" if scales == [1] else "-s" + "-".join(map(str, scales)))
        + ("" if set(backends) == {"embedded", "neo4j"} else "-" + "-".join(backends))
        + ("-partial" if only else "")
    )
    path = write_result(
        name,
        rows,
        cmd,
        scales=scales,
        backends=backends,
        repeat=args.repeat,
        loadavg_at_end=os.getloadavg(),
        notes="warm = same store object, parameters drawn per call; cold = first call on a new store "
        "object (embedded: includes reading the graph file). Ratios to a naive full-export baseline are "
        "in each row's detail.",
    )
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
