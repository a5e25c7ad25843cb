"""What a snapshot costs a load (issue 16): time and bytes, against the load itself.

Loads of the demo district through the loading workflow (load + snapshot, one write): 2010
(the baseline), 2011 after it with --sync (about a thousand changes at scale 1) and 2011 again
(none). For each: the snapshot's own time (previous state read, then figures, state, tallies,
diff, documents) against the rest of the same load, in wall-clock and in this process's CPU
time (the load runs in this process, so on the embedded store the CPU ratio does not depend on
what else runs on the machine; on Neo4j the server's CPU is not in it). With ``--plain`` the
same loads also go into a second store with the plain ``load_roster`` (the end-to-end
difference; embedded side by side, Neo4j after the history run, on a wiped server). Bytes:
the snapshot and changes documents, the state document. Target: the snapshot adds < 20% to a load.

    python -m bench.history_bench --scale 1 [--backend embedded|neo4j] [--plain] [--steps 2]

Neo4j: the server at NEO4J_URI, WIPED first (give it your own port).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import Row, write_result
from bench.datasets import OUT

NOTES = (
    "The snapshot's share is measured inside each load (same run, same machine load): the time in "
    "`workflows.loading._previous_state` + `record` against the rest of that load; the CPU rows count "
    "this process only (on Neo4j the server's work is not in them). Every load runs on a busy shared "
    "machine (load average in each row), so absolute seconds are pessimistic; the first Neo4j load also "
    "pays the fresh server's warm-up, and `--plain` loads run after the history loads (warm server), so "
    "the without / with pairs compare different conditions on Neo4j. Before this change (2026-12-02 07:44, "
    "embedded, load average 14) the snapshot was 23-35% of the rest of the load, the state document 563 KB."
)
STEPS = (("2010 baseline", 2010), ("2011 after 2010", 2011), ("2011 again", 2011))


def _bytes(store: Any, kind: str, doc_id: str) -> int:
    doc = store.get_doc(kind, doc_id)
    return 0 if doc is None else len(json.dumps(doc, ensure_ascii=False, sort_keys=True).encode())


class Clock:
    """Wall-clock and CPU seconds spent inside the wrapped functions."""

    def __init__(self) -> None:
        self.wall = self.cpu = 0.0

    def wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*a: Any, **kw: Any) -> Any:
            w, c = time.perf_counter(), time.process_time()
            try:
                return fn(*a, **kw)
            finally:
                self.wall += time.perf_counter() - w
                self.cpu += time.process_time() - c

        return wrapper


def _store(backend: str, path: Path) -> Any:
    if backend == "embedded":
        from graph.store.embedded import EmbeddedStore

        return EmbeddedStore(path)
    from bench.load_bench import fresh
    from graph.store import open_store

    store = open_store(backend="neo4j")
    fresh(store)  # every node, the history documents too
    return store


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--backend", choices=("embedded", "neo4j"), default="embedded")
    ap.add_argument("--plain", action="store_true", help="also load into a store without history")
    ap.add_argument("--steps", type=int, default=3, choices=(2, 3))
    args = ap.parse_args()

    from graph.loaders.demo import generate
    from graph.loaders.load import load_roster
    from queries import history as h
    from workflows import loading

    clock = Clock()
    loading._previous_state = clock.wrap(loading._previous_state)
    loading.record = clock.wrap(loading.record)

    tmp = Path(tempfile.mkdtemp(prefix="history-bench-"))
    books = {}
    for year in (2010, 2011):  # kept under bench/out above scale 1 (minutes to write)
        out = tmp / f"d{year}.xlsx" if args.scale == 1 else OUT / f"history-s{args.scale}-{year}"
        done = out.parent / f".{out.name}.done"
        if args.scale == 1 or not done.exists():
            out.parent.mkdir(parents=True, exist_ok=True)
            generate(out, scale=args.scale, year=year)
            done.touch()
        books[year] = out
    steps = STEPS[: args.steps]
    s = f"s{args.scale} {args.backend}"
    rows: list[Row] = []
    with_h = _store(args.backend, tmp / "with-history")
    loads = []
    for label, year in steps:
        clock.wall = clock.cpu = 0.0
        w0, c0, la = time.perf_counter(), time.process_time(), os.getloadavg()[0]
        res = loading.load(books[year], with_h, sync=True, as_of=dt.date(year, 12, 31), operator="bench")
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        assert res.exit_code == 0 and res.snapshot, res.message_en
        n = sum(h.find(with_h, res.snapshot).change_counts.values())
        share = 100.0 * clock.wall / (wall - clock.wall)
        share_cpu = 100.0 * clock.cpu / (cpu - clock.cpu)
        loads.append(wall)
        rows += [
            Row(f"{s} {label}: load with its snapshot (load average {la:.1f})", round(wall, 2), "s"),
            Row(f"{s} {label}: snapshot ({n} changes)", round(clock.wall, 2), "s"),
            Row(f"{s} {label}: snapshot / rest of the load", round(share, 1), "%", "< 20%", share < 20),
            Row(f"{s} {label}: CPU here, load / snapshot", f"{cpu - clock.cpu:.2f} / {clock.cpu:.2f}", "s"),
            Row(f"{s} {label}: snapshot / rest of the load, CPU here", round(share_cpu, 1), "%"),
            Row(
                f"{s} {label}: snapshot + changes documents",
                _bytes(with_h, h.SNAPSHOT, res.snapshot) + _bytes(with_h, h.CHANGES, res.snapshot),
                "bytes",
            ),
        ]
    rows.append(Row(f"{s} state document (one per store)", _bytes(with_h, h.STATE_DOC, h.STATE_ID), "bytes"))
    if args.backend == "embedded":
        rows.append(Row(f"{s} store file with history", with_h.path.stat().st_size, "bytes"))
    with_h.close()
    if args.plain:
        plain = _store(args.backend, tmp / "plain")
        for (label, year), with_wall in zip(steps, loads, strict=True):
            w0 = time.perf_counter()
            assert load_roster(books[year], plain, sync=True).exit_code == 0
            rows.append(
                Row(
                    f"{s} {label}: load without history / with (load average {os.getloadavg()[0]:.1f})",
                    f"{time.perf_counter() - w0:.2f} / {with_wall:.2f}",
                    "s",
                )
            )
        if args.backend == "embedded":
            rows.append(Row(f"{s} store file without history", plain.path.stat().st_size, "bytes"))
        plain.close()
    flags = f" --backend {args.backend}" + (" --plain" if args.plain else "") + f" --steps {args.steps}"
    write_result(
        f"history-s{args.scale}-{args.backend}",
        rows,
        f"python -m bench.history_bench --scale {args.scale}{flags}",
        notes=NOTES,
    )


if __name__ == "__main__":
    main()
