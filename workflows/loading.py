"""Loading a roster: the load itself, then its snapshot and changes (issue 16).

Every face loads through :func:`load`: ``orggraph load``, the API and the dashboard's import
page (through ``graph.loaders.service``'s child process, which runs :func:`child_load`).

A successful load (exit 0 or 1, not a dry run) records a snapshot, the changes since the
previous load, and the state this load left (the next load's "before"), all in one write.
The first load of a store records a baseline: a snapshot with no changes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path
from typing import Any, Unpack

from graph.loaders.load import LoadOptions, Progress, _store_errors, gc_paused, load_roster
from graph.loaders.report import LoadResult, Warning_
from graph.settings import Settings
from graph.store.base import GraphStore
from queries import history as h


def load(
    path: Path | str,
    store: GraphStore,
    *,
    settings: Settings | None = None,
    as_of: dt.date | None = None,
    operator: str | None = None,
    **options: Unpack[LoadOptions],
) -> LoadResult:
    """Load a roster into ``store`` and record its snapshot; never raises for bad input.

    ``as_of`` is the data date (default: the load time's date); ``operator`` who loads
    (default: the OS user, as the audit log names the command line).

    Example
    -------
    >>> res = load("roster.xlsx", store, as_of=dt.date(2011, 12, 31))  # doctest: +SKIP
    >>> res.snapshot  # doctest: +SKIP
    '0001'
    """
    if options.get("dry_run"):
        return load_roster(path, store, settings=settings, **options)
    errors = _store_errors()
    try:
        # one write for the load and its snapshot (the embedded store persists once); a load
        # that fails midway is dropped whole, as it would be without history
        with store.bulk():
            prev: h.State | None = None
            with contextlib.suppress(*errors), gc_paused():  # the load reports the store's trouble (exit 3)
                prev = _previous_state(store)
            result = load_roster(path, store, settings=settings, **options)
            if result.exit_code == 3:
                raise _Abandon(result)
            if result.exit_code in (0, 1):
                with gc_paused():
                    _record_or_warn(store, result, prev, as_of, operator, errors)
    except _Abandon as stop:
        return stop.result
    except errors as exc:  # the final write itself failed: nothing of this load was kept
        return LoadResult(
            path=str(path),
            exit_code=3,
            sync=options.get("sync", False),
            message_zh=f"写入图数据时出错（{type(exc).__name__}），本次导入未保存；再次运行同一命令即可",
            message_en=f"the store failed while saving the load ({type(exc).__name__}); load again",
        )
    return result


class _Abandon(Exception):
    def __init__(self, result: LoadResult) -> None:
        self.result = result


def _record_or_warn(
    store: GraphStore,
    result: LoadResult,
    prev: h.State | None,
    as_of: dt.date | None,
    operator: str | None,
    errors: tuple[type[BaseException], ...],
) -> None:
    if operator is None:
        from graph.audit import operator as os_operator

        operator = os_operator()
    try:
        result.snapshot = record(store, result, prev, as_of=as_of, operator=operator)
    except errors as exc:
        # the data is loaded; only its snapshot is missing (the next load compares with this state)
        result.warnings.append(
            Warning_(
                code="snapshot_failed",
                message_zh="数据已导入，但未能记录本次快照（变化趋势中缺少这一次）",
                message_en=f"loaded, but the history snapshot could not be recorded ({type(exc).__name__})",
            )
        )


def _previous_state(store: GraphStore) -> h.State | None:
    """The state the last recorded load left; None when nothing was recorded yet (baseline).
    A graph loaded before history existed is read as it is now, before this load changes it."""
    doc = store.get_doc(h.STATE_DOC, h.STATE_ID)
    if doc is not None:
        return h.State.from_doc(doc)
    if any(store.counts()["nodes"].values()):
        return h.capture(store)
    return None


def record(
    store: GraphStore,
    result: LoadResult,
    prev: h.State | None,
    *,
    as_of: dt.date | None = None,
    operator: str = "",
) -> str:
    """Write the snapshot of a load that has just finished, with its changes; its id."""
    from queries.figures import FIGURES

    now = dt.datetime.now().astimezone()
    cur = h.capture(store)
    figs = FIGURES(store)
    district, towns, categories = h.tallies(cur)
    existing = store.list_docs(h.SNAPSHOT)
    seq = max((int(d["seq"]) for d in existing), default=0) + 1
    last = max(existing, key=lambda d: int(d["seq"]), default=None)
    gone = set() if prev is None else h.removed_members(prev, cur)
    changes = [] if prev is None else h.redact(h.diff(prev, cur, sync=result.sync), gone)[0]
    snap = h.Snapshot(
        id=f"{seq:04d}",
        seq=seq,
        as_of=as_of or now.date(),
        loaded_at=now.isoformat(timespec="seconds"),
        operator=operator,
        source=h.Source(name=Path(result.path).name, sha256=result.sha256),
        rows_loaded=max(sum(result.sheets.values()) - result.rejected_rows, 0),
        rows_rejected=result.rejected_rows,
        sync=result.sync,
        previous=None if last is None else str(last["id"]),
        figures=[
            h.FigureValue(
                id=f.id, title_zh=f.title_zh, value_text=f.value_text, article=f.article, agrees=f.agrees
            )
            for f in figs.figures
        ],
        district=district,
        towns=towns,
        categories=categories,
        instructors=cur.instructors,
        change_counts=h.counts_of(changes),
    )
    with store.bulk():  # one write (the embedded store persists once)
        if gone:
            _forget_members(store, gone)
        store.put_doc(
            h.CHANGES,
            snap.id,
            {
                "id": snap.id,
                "baseline": prev is None,
                "changes": [c.model_dump(mode="json", exclude_defaults=True) for c in changes],
            },
        )
        store.put_doc(h.SNAPSHOT, snap.id, snap.model_dump(mode="json"))
        store.put_doc(h.STATE_DOC, h.STATE_ID, cur.to_doc())
    return snap.id


def _forget_members(store: GraphStore, gone: set[str]) -> None:
    """Members deleted with --sync: their details leave every stored change (counts remain)."""
    for doc in store.list_docs(h.CHANGES):
        old = [h.Change.model_validate(c) for c in doc.get("changes", [])]
        new, by_town = h.redact(old, gone)
        if not by_town:
            continue
        doc["changes"] = [c.model_dump(mode="json", exclude_defaults=True) for c in new]
        store.put_doc(h.CHANGES, doc["id"], doc)
        snap = store.get_doc(h.SNAPSHOT, doc["id"])
        if snap is not None:
            snap["redacted"] = int(snap.get("redacted", 0)) + sum(by_town.values())
            towns = snap.setdefault("redacted_towns", {})
            for town, n in by_town.items():
                towns[town] = int(towns.get(town, 0)) + n
            store.put_doc(h.SNAPSHOT, doc["id"], snap)


def child_load(args: dict[str, Any], progress: Progress) -> LoadResult:
    """What ``graph.loaders.service``'s child process runs: :func:`load` with its own store."""
    from graph.errors import OrgGraphError
    from graph.store import open_store

    try:
        store = open_store(backend=args.get("backend"))
    except OrgGraphError as exc:
        return LoadResult(
            path=str(args["path"]),
            exit_code=3 if exc.code == "store_unavailable" else 2,
            dry_run=bool(args.get("dry_run")),
            sync=bool(args.get("sync")),
            message_zh=exc.message_zh,
            message_en=exc.message_en,
        )
    try:
        as_of = args.get("as_of")
        return load(
            args["path"],
            store,
            dry_run=bool(args.get("dry_run")),
            sync=bool(args.get("sync")),
            batch_size=int(args.get("batch_size", 5000)),
            progress=progress,
            as_of=dt.date.fromisoformat(as_of) if as_of else None,
            operator=args.get("operator"),
        )
    finally:
        store.close()


def run(
    path: Path | str,
    *,
    backend: str | None = None,
    as_of: dt.date | None = None,
    operator: str | None = None,
    **options: Unpack[LoadOptions],
) -> LoadResult:
    """:func:`load` in a child process under the memory and time limits (``graph.loaders.service``):
    what ``orggraph load`` and the dashboard's import page call."""
    from graph.loaders.service import run_load

    return run_load(
        path,
        backend=backend,
        runner="workflows.loading:child_load",
        extra={"as_of": as_of.isoformat() if as_of else None, "operator": operator},
        **options,
    )
