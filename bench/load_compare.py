"""What the load bench compares our Neo4j load with: ``neo4j-admin database import`` of the same data
(followed by building the same indexes), and a reload of the same roster with 1 % of its rows changed.

The admin import runs from the Maven jars deploy/neo4j fetched (``org.neo4j.cli.AdminTool``, module
neo4j-import-tool), on a server home of its own (another free port), stopped while it imports.
Its input is our validated plan written as the importer's CSV files (header ``key:ID(Label)``,
``:START_ID(Label)``, ``:END_ID(Label)``, typed columns), so both write exactly the same rows.
"""

from __future__ import annotations

import csv
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bench.common import BENCH_DIR

REPO = BENCH_DIR.parent
SCRIPT = REPO / "deploy" / "neo4j" / "neo4j.sh"
LIB = REPO / "deploy" / "neo4j" / "target" / "lib"
# sheet -> the text column changed in a reload's 1 % (a property only: keys and references stay)
CHANGED_COLUMN = {"组织.csv": "组织名称", "党员.csv": "姓名", "党组织.csv": "党组织名称"}


# --- a reload's input ---------------------------------------------------------------------------


def changed_copy(folder: Path, fraction: float = 0.01) -> tuple[Path, int]:
    """A copy of a CSV roster folder with ``fraction`` of all its data rows changed (a name column of
    every 1/fraction-th row of the node sheets above), and the number of rows changed."""
    rows_total = 0
    sheets: dict[str, list[list[str]]] = {}
    for p in sorted(folder.glob("*.csv")):
        with p.open(encoding="utf-8-sig", newline="") as fh:
            sheets[p.name] = list(csv.reader(fh))
        rows_total += max(0, len(sheets[p.name]) - 1)
    target = folder.with_name(f"{folder.name}-changed-{fraction:.0%}")
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(folder, target)
    want = round(rows_total * fraction)
    candidates = sum(len(sheets[n]) - 1 for n in CHANGED_COLUMN if n in sheets)
    step = max(1, candidates // max(1, want))
    changed = 0
    for name, column in CHANGED_COLUMN.items():
        if name not in sheets:
            continue
        rows = sheets[name]
        col = rows[0].index(column)
        for i in range(1, len(rows), step):
            if changed >= want:
                break
            rows[i][col] += "（变更）"
            changed += 1
        with (target / name).open("w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh).writerows(rows)
    return target, changed


# --- neo4j-admin database import --------------------------------------------------------------


def _kind(values: Iterable[Any]) -> str:
    kinds = {type(v) for v in values if v is not None}
    if kinds and kinds <= {bool}:
        return ":boolean"
    if kinds and kinds <= {int}:
        return ":long"
    if kinds and kinds <= {int, float}:
        return ":double"
    if kinds and kinds <= {list, tuple}:
        return ":string[]"
    return ""


def _cell(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list | tuple):
        return ";".join(str(x) for x in v)
    return v


def write_import_csvs(plan: Any, out: Path) -> list[str]:
    """The plan as the importer's CSV files under ``out``; returns its --nodes/--relationships args."""
    from graph.model import NODE_KEYS

    out.mkdir(parents=True, exist_ok=True)
    args: list[str] = []
    for lab, rows in plan.nodes.items():
        if not rows:
            continue
        key = NODE_KEYS[lab]
        cols = sorted({k for r in rows for k in r} - {key})
        head = [f"{key}:ID({lab.value})"] + [c + _kind(r.get(c) for r in rows) for c in cols]
        path = out / f"n-{lab.value}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(head)
            w.writerows([r[key]] + [_cell(r.get(c)) for c in cols] for r in rows)
        args.append(f"--nodes={lab.value}={path}")
    for (rel, fl, tl), rows in plan.rels.items():
        if not rows:
            continue
        cols = sorted({k for r in rows for k in r["props"]})
        head = [f":START_ID({fl.value})", f":END_ID({tl.value})", "rid"]
        head += [c + _kind(r["props"].get(c) for r in rows) for c in cols]
        path = out / f"r-{rel.value}-{fl.value}-{tl.value}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(head)
            w.writerows(
                [r["from"], r["to"], r["rid"]] + [_cell(r["props"].get(c)) for c in cols] for r in rows
            )
        args.append(f"--relationships={rel.value}={path}")
    return args


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def admin_import(plan: Any, items: int) -> dict[str, Any]:
    """Import ``plan`` with neo4j-admin into a fresh server home, start it, build our schema (every
    constraint and index, waited for until ONLINE). Seconds of each step, and the rates."""
    from bench.load_bench import neo4j_store

    home = Path(tempfile.mkdtemp(prefix="orggraph-bench-admin-"))
    port = _free_port()
    env = {**os.environ, "NEO4J_BOLT_PORT": str(port), "NEO4J_HOME_DIR": str(home)}

    def script(action: str) -> None:
        proc = subprocess.run(["bash", str(SCRIPT), action], env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"neo4j.sh {action}: {proc.stdout}{proc.stderr}")

    out: dict[str, Any] = {"items": items}
    try:
        script("start")  # writes the conf and the system database (password), as for any instance
        script("stop")
        t0 = time.perf_counter()
        args = write_import_csvs(plan, home / "import-csv")
        out["write_csv_s"] = round(time.perf_counter() - t0, 2)
        cmd = [
            "java", "-Xmx1g", "-cp", f"{LIB}/*", "org.neo4j.cli.AdminTool", "database", "import", "full",
            "neo4j", "--overwrite-destination=true", "--array-delimiter=;", "--threads=2", *args,
        ]  # fmt: skip
        t0 = time.perf_counter()
        proc = subprocess.run(
            cmd, env={**env, "NEO4J_HOME": str(home), "NEO4J_CONF": str(home / "conf")},
            capture_output=True, cwd=home, text=True,
        )  # fmt: skip
        out["import_s"] = round(time.perf_counter() - t0, 2)
        if proc.returncode != 0:
            raise RuntimeError(f"neo4j-admin import failed: {proc.stdout[-2000:]}{proc.stderr[-2000:]}")
        t0 = time.perf_counter()
        script("start")
        out["server_start_s"] = round(time.perf_counter() - t0, 2)
        store = neo4j_store(f"neo4j://127.0.0.1:{port}")
        try:
            t0 = time.perf_counter()
            store.apply_schema()
            store.read("CALL db.awaitIndexes(3600)")
            out["indexes_s"] = round(time.perf_counter() - t0, 2)
            counts = store.counts()
            out["items_imported"] = sum(counts["nodes"].values()) + sum(counts["relationships"].values())
        finally:
            store.close()
        out["import_and_indexes_s"] = round(out["import_s"] + out["indexes_s"], 2)
        out["items_per_s"] = round(items / out["import_and_indexes_s"])
    finally:
        try:
            script("stop")
        finally:
            shutil.rmtree(home, ignore_errors=True)
    return out
