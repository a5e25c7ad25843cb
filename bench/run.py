"""`make bench` / `make bench-quick`: run every bench in turn, then regenerate RESULTS.md.

Each bench is its own module with a ``main(argv) -> int``; a bench whose module is missing or
fails is reported and the others still run.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import traceback

from bench.common import render_results_md

# (module, quick args, full args)
BENCHES: list[tuple[str, list[str], list[str]]] = [
    ("bench.load_bench", ["--quick"], []),
    ("bench.query_bench", ["--scale", "1"], ["--scale", "1", "--scale", "40"]),
    ("bench.analytics_bench", ["--scale", "1"], ["--scale", "1", "--scale", "40"]),
    ("bench.api_bench", ["--quick"], []),
    ("bench.dashboard_bench", [], []),
]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="scale 1 only, a few minutes")
    mode.add_argument("--full", action="store_true", help="scale 1 and 40, within an hour")
    ap.add_argument("--only", action="append", default=[], help="run only these bench modules")
    args = ap.parse_args(argv)
    failed = []
    for module, quick, full in BENCHES:
        if args.only and module.split(".")[-1] not in args.only:
            continue
        print(f"== {module} {'quick' if args.quick else 'full'} ==", flush=True)
        t0 = time.perf_counter()
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            print(f"   skipped: {exc}")
            continue
        try:
            rc = mod.main(quick if args.quick else full)
        except Exception:
            traceback.print_exc()
            rc = 1
        print(f"   {module}: exit {rc} in {time.perf_counter() - t0:.0f} s", flush=True)
        if rc:
            failed.append(module)
    render_results_md()
    print("bench/RESULTS.md regenerated" + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
