"""What a snapshot costs a load (issue 16): time and bytes, against the load itself.

Three loads of the demo district: 2010 (the baseline), 2011 after it with --sync (about a
thousand changes) and 2011 again (none), each into two fresh stores side by side: one through
the loading workflow (load + snapshot, one write), one with the plain ``load_roster``. Rows:
the snapshot's own time (previous state read + figures, state, diff, documents), the end-to-end
difference between the two stores, and the bytes of the history documents. Target: the
snapshot adds < 20% to a load.

    python -m bench.history_bench --scale 1 [--backend embedded]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import Row, write_result


def _bytes(store: Any, kind: str, doc_id: str) -> int:
    doc = store.get_doc(kind, doc_id)
    return 0 if doc is None else len(json.dumps(doc, ensure_ascii=False, sort_keys=True).encode())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=int, default=1)
    args = ap.parse_args()

    from graph.loaders.demo import generate
    from graph.loaders.load import load_roster
    from graph.store.embedded import EmbeddedStore
    from queries import history as h
    from workflows import loading

    spent: list[float] = []

    def timed(fn: Any) -> Any:
        def wrapper(*a: Any, **kw: Any) -> Any:
            t = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                spent.append(time.perf_counter() - t)

        return wrapper

    loading._previous_state = timed(loading._previous_state)  # type: ignore[method-assign]
    loading.record = timed(loading.record)  # type: ignore[method-assign]

    tmp = Path(tempfile.mkdtemp(prefix="history-bench-"))
    books = {}
    for year in (2010, 2011):
        out = tmp / (f"d{year}.xlsx" if args.scale == 1 else f"d{year}")
        books[year] = generate(out, scale=args.scale, year=year)
    with_h, plain = EmbeddedStore(tmp / "with-history"), EmbeddedStore(tmp / "plain")
    rows: list[Row] = []
    s = f"s{args.scale} embedded"
    steps = (("2010 baseline", 2010), ("2011 after 2010", 2011), ("2011 again", 2011))
    for label, year in steps:
        spent.clear()
        t0 = time.perf_counter()
        res = loading.load(books[year], with_h, sync=True, as_of=dt.date(year, 12, 31), operator="bench")
        t1 = time.perf_counter()
        assert res.exit_code == 0 and res.snapshot, res.message_en
        base = load_roster(books[year], plain, sync=True)
        t2 = time.perf_counter()
        assert base.exit_code == 0
        snap_s, total_s, plain_s = sum(spent), t1 - t0, t2 - t1
        n = sum(h.find(with_h, res.snapshot).change_counts.values())
        share = 100.0 * snap_s / (total_s - snap_s)
        rows.append(Row(f"{s} {label}: load without history", round(plain_s, 2), "s"))
        rows.append(Row(f"{s} {label}: load with its snapshot", round(total_s, 2), "s"))
        rows.append(Row(f"{s} {label}: snapshot ({n} changes)", round(snap_s, 2), "s"))
        rows.append(
            Row(f"{s} {label}: snapshot / rest of the load", round(share, 1), "%", "< 20%", share < 20)
        )
        rows.append(
            Row(
                f"{s} {label}: snapshot + changes documents",
                _bytes(with_h, h.SNAPSHOT, res.snapshot) + _bytes(with_h, h.CHANGES, res.snapshot),
                "bytes",
            )
        )
    rows.append(Row(f"{s} state document (one per store)", _bytes(with_h, h.STATE_DOC, h.STATE_ID), "bytes"))
    size_h, size_p = with_h.path.stat().st_size, plain.path.stat().st_size
    rows.append(Row(f"{s} store file with history / without", f"{size_h} / {size_p}", "bytes"))
    with_h.close()
    plain.close()
    write_result(
        f"history-s{args.scale}",
        rows,
        f"python -m bench.history_bench --scale {args.scale}",
        loadavg_before=[round(x, 2) for x in os.getloadavg()],
    )


if __name__ == "__main__":
    main()
