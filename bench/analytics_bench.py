"""Centrality on the organisation graph: networkx exact vs approximate betweenness vs igraph.

Run: python -m bench.analytics_bench --scale 1 [--scale 40]
Figures: projection time, betweenness time (networkx exact / sampled, igraph exact), PageRank,
and the agreement of the top-20 between exact and sampled (share of common members).
"""

from __future__ import annotations

import argparse
import sys
import time

import networkx as nx

from bench.common import Row, write_result
from bench.datasets import loaded_embedded
from queries.centrality import NETWORKS

ORG_LABELS, ORG_RELS = NETWORKS["organisation"]
SAMPLE_K = 256
SEED = 42


def _top(scores: dict[str, float], n: int = 20) -> list[str]:
    return [k for k, _ in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]


def bench_scale(scale: int, exact_limit: int) -> list[Row]:
    rows: list[Row] = []
    store = loaded_embedded(scale)
    t0 = time.perf_counter()
    g = store.projection(ORG_LABELS, ORG_RELS)
    t_proj = time.perf_counter() - t0
    n, m = g.number_of_nodes(), g.number_of_edges()
    rows.append(Row(f"s{scale} projection ({n} nodes, {m} edges)", round(t_proj, 2), "s"))

    t0 = time.perf_counter()
    approx = nx.betweenness_centrality(g, k=min(SAMPLE_K, n), seed=SEED)
    t_approx = time.perf_counter() - t0
    rows.append(
        Row(
            f"s{scale} networkx betweenness, sampled k={SAMPLE_K}",
            round(t_approx, 2),
            "s",
            "< 2 s at scale 1" if scale == 1 else "",
            (t_approx < 2) if scale == 1 else None,
        )
    )

    exact = None
    if n <= exact_limit:
        t0 = time.perf_counter()
        exact = nx.betweenness_centrality(g)
        rows.append(Row(f"s{scale} networkx betweenness, exact", round(time.perf_counter() - t0, 2), "s"))
        common = len(set(_top(exact)) & set(_top(approx)))
        rows.append(Row(f"s{scale} top-20 agreement exact vs sampled", common / 20, "share"))

    try:
        import igraph as ig
    except ImportError:
        ig = None
    if ig is not None:
        names = list(g.nodes)
        index = {v: i for i, v in enumerate(names)}
        t0 = time.perf_counter()
        h = ig.Graph(n=len(names), edges=[(index[u], index[v]) for u, v in g.edges])
        t_build = time.perf_counter() - t0
        if n <= exact_limit * 20:
            t0 = time.perf_counter()
            bet = h.betweenness(directed=False)
            t_ig = time.perf_counter() - t0
            rows.append(
                Row(f"s{scale} igraph betweenness, exact (+{t_build:.2f} s build)", round(t_ig, 2), "s")
            )
            if exact is not None:
                # networkx normalises by 2/((n-1)(n-2)) for undirected graphs; ranks agree regardless
                ig_scores = {names[i]: b for i, b in enumerate(bet)}
                common = len(set(_top(exact)) & set(_top(ig_scores)))
                rows.append(
                    Row(f"s{scale} top-20 agreement networkx vs igraph (exact)", common / 20, "share")
                )

    t0 = time.perf_counter()
    nx.pagerank(g)
    rows.append(Row(f"s{scale} networkx PageRank", round(time.perf_counter() - t0, 2), "s"))
    t0 = time.perf_counter()
    aps = list(nx.articulation_points(g))
    rows.append(Row(f"s{scale} articulation points ({len(aps)})", round(time.perf_counter() - t0, 2), "s"))
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scale", type=int, action="append", default=[])
    ap.add_argument(
        "--exact-limit", type=int, default=30000, help="largest graph for exact networkx betweenness"
    )
    args = ap.parse_args(argv)
    scales = args.scale or [1]
    rows: list[Row] = []
    for s in scales:
        rows += bench_scale(s, args.exact_limit)
    for r in rows:
        print(f"{r.figure:<70} {r.value} {r.unit}")
    cmd = "python -m bench.analytics_bench " + " ".join(f"--scale {s}" for s in scales)
    write_result("analytics", rows, cmd, scales=scales)
    return 0


if __name__ == "__main__":
    sys.exit(main())
