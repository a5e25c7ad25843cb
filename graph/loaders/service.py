"""Every load (the CLI's ``orggraph load`` and the dashboard's import page) runs here: in a child
process of its own under a memory limit (RLIMIT_AS, ORGGRAPH_LOAD_MEMORY_MB) and a time limit
(ORGGRAPH_LOAD_TIMEOUT), so no workbook can take the caller (a long-running dashboard) down.

The child reports progress as JSON lines on stdout and writes its LoadResult to a private file;
when a limit is hit or the child dies, the caller gets a LoadResult with a clear Chinese reason.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from graph.loaders.report import LoadResult
from graph.settings import get_settings

MEMORY_EXIT = 97  # the child ran out of memory in Python (MemoryError)
_PR_SET_PDEATHSIG = 1


def run_load(
    path: Path | str,
    *,
    dry_run: bool = False,
    sync: bool = False,
    batch_size: int = 5000,
    backend: str | None = None,
    progress: Any = None,
    memory_mb: int | None = None,
    timeout_s: float | None = None,
    runner: str | None = None,
    extra: dict[str, Any] | None = None,
) -> LoadResult:
    """``load_roster`` in a child process with limits; ``progress(done, total, stage)`` as usual.

    ``runner`` ("module:function", called as ``function(args, progress)``) replaces the plain
    load: the loading workflow above ``queries/`` names itself here, so this module stays below
    it; ``extra`` are more JSON arguments for the runner (data date, operator)."""
    settings = get_settings()
    memory_mb = memory_mb or settings.load_memory_mb
    timeout_s = timeout_s or settings.load_timeout_s
    work = tempfile.mkdtemp(prefix="orggraph-load-")  # 0700: the result names masked personal data
    out = Path(work) / "result.json"
    args = {"path": str(path), "dry_run": dry_run, "sync": sync, "batch_size": batch_size, "backend": backend}
    args.update(extra or {})
    if runner is not None:
        args["runner"] = runner
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}

    def limits() -> None:  # in the child, before it runs anything
        limit = memory_mb << 20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        with contextlib.suppress(Exception):  # the child dies with its caller (Linux)
            import ctypes

            ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)

    stages: list[str] = []
    try:
        with subprocess.Popen(
            [sys.executable, "-m", "graph.loaders.service", json.dumps(args), str(out)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            preexec_fn=limits,
        ) as proc:
            rc, killed, err = _follow(proc, timeout_s, progress, stages)
        if rc in (0, 1, 2, 3) and out.exists():
            return LoadResult.model_validate_json(out.read_text(encoding="utf-8"))
        return _failed(path, dry_run, sync, rc, killed, memory_mb, timeout_s, stages, err)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _follow(proc: Any, timeout_s: float, progress: Any, stages: list[str]) -> tuple[int, bool, str]:
    """Relay the child's progress lines until it ends or its time is up: (exit code, killed, stderr)."""
    killed: list[bool] = []

    def stop() -> None:
        killed.append(True)
        proc.kill()

    timer = threading.Timer(timeout_s, stop)
    timer.start()
    err: list[str] = []
    reader = threading.Thread(target=lambda: err.append(proc.stderr.read()))
    reader.start()
    try:
        for line in proc.stdout:
            with contextlib.suppress(ValueError, TypeError):
                done, total, stage = json.loads(line)
                if not stages or stages[-1] != stage:
                    stages.append(stage)
                if progress is not None:
                    progress(done, total, stage)
        rc = proc.wait()
    finally:
        timer.cancel()
        reader.join(timeout=5)
    return rc, bool(killed), "".join(err)


def _failed(
    path: Path | str,
    dry_run: bool,
    sync: bool,
    rc: int,
    timed_out: bool,
    memory_mb: int,
    timeout_s: float,
    stages: list[str],
    stderr: str,
) -> LoadResult:
    writing = any(s not in ("read", "validate") for s in stages) and not dry_run
    after = "部分数据可能已写入，重新导入同一工作簿即可补全。" if writing else "没有写入任何数据。"
    after_en = (
        "some data may be written: load the same workbook again to complete it"
        if writing
        else "nothing was written"
    )
    if timed_out:
        zh = f"导入超过时间上限（{timeout_s:g} 秒，ORGGRAPH_LOAD_TIMEOUT）被停止。{after}"
        en = f"the load passed its time limit ({timeout_s:g} s, ORGGRAPH_LOAD_TIMEOUT): stopped; {after_en}"
    elif (
        rc == MEMORY_EXIT or rc == -signal.SIGABRT or "MemoryError" in stderr or "memory allocation" in stderr
    ):
        zh = (
            f"导入超过内存上限（{memory_mb} MB，ORGGRAPH_LOAD_MEMORY_MB）被停止：工作簿过大，或含有远离数据的"
            f"异常单元格范围。{after}"
        )
        en = f"the load passed its memory limit ({memory_mb} MB, ORGGRAPH_LOAD_MEMORY_MB); {after_en}"
    else:
        zh = f"导入进程意外退出（代码 {rc}）。{after}"
        en = f"the load process exited unexpectedly (code {rc}); {after_en}"
    return LoadResult(
        path=str(path),
        exit_code=3 if writing else 2,
        dry_run=dry_run,
        sync=sync,
        message_zh=zh,
        message_en=en,
    )


def _child(args: dict[str, Any], out: Path) -> int:
    from graph.errors import OrgGraphError
    from graph.loaders.load import load_roster
    from graph.settings import private_open
    from graph.store import open_store

    sent: list[float] = [0.0]
    stages: list[str] = [""]

    def progress(done: int, total: int, stage: str) -> None:
        now = time.monotonic()
        if stage != stages[0] or now - sent[0] >= 0.1 or done >= total:  # a few lines a second at most
            sent[0], stages[0] = now, stage
            sys.stdout.write(json.dumps([done, total, stage]) + "\n")
            sys.stdout.flush()

    if args.get("runner"):
        import importlib

        module, _, name = str(args["runner"]).partition(":")
        result = getattr(importlib.import_module(module), name)(args, progress)
        with private_open(out, "w") as fh:
            fh.write(result.to_json(indent=None))
        return int(result.exit_code)
    try:
        store = open_store(backend=args["backend"])
    except OrgGraphError as exc:
        result = LoadResult(
            path=args["path"],
            exit_code=3 if exc.code == "store_unavailable" else 2,
            dry_run=args["dry_run"],
            sync=args["sync"],
            message_zh=exc.message_zh,
            message_en=exc.message_en,
        )
    else:
        try:
            result = load_roster(
                args["path"],
                store,
                dry_run=args["dry_run"],
                sync=args["sync"],
                batch_size=args["batch_size"],
                progress=progress,
            )
        finally:
            store.close()
    with private_open(out, "w") as fh:
        fh.write(result.to_json(indent=None))
    return result.exit_code


if __name__ == "__main__":
    try:
        sys.exit(_child(json.loads(sys.argv[1]), Path(sys.argv[2])))
    except MemoryError:
        os._exit(MEMORY_EXIT)
