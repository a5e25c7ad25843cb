"""load_roster: read, validate, write a roster into a store, and say exactly what happened.

Writing order: schema first; then, inside one ``store.bulk()``, nodes per label in dependency
order, then per node sheet the relationships its rows own (deleted, then upserted: rule 10),
then the keyless sheets' relationships, then --sync removals. Every statement is idempotent,
so a load that died midway (exit 3) completes when run again. A load-state record is written
before the first write and cleared after the last (``store.begin_load`` / ``end_load``), so
every reader knows while a graph is half written (README: "Interrupted loads").
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import os
import socket
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any, ParamSpec, TypedDict, TypeVar

from graph import aggregates
from graph.errors import ConfigError, InputError, OrgGraphError, StoreTooLarge, StoreUnavailable
from graph.fields import model_from
from graph.loaders.build import Hasher, Plan, build_plan
from graph.loaders.delta import Delta, KeepsRowHashes, delta
from graph.loaders.reader import Notice, read_workbook
from graph.loaders.report import Group, LoadResult, Problem, SyncRemoval, Warning_
from graph.loaders.spec import SHEET_BY_NAME
from graph.loaders.validate import Validation, Validator
from graph.model import LOAD_DOC_ID, LOAD_DOC_KIND, Label, Rel
from graph.settings import Settings, get_settings
from graph.store.base import GraphStore, batched, node_id

Progress = Callable[[int, int, str], None]
_P = ParamSpec("_P")
_R = TypeVar("_R")


class LoadOptions(TypedDict, total=False):
    """The options a caller passes on to :func:`load_roster` unchanged (its defaults hold)."""

    dry_run: bool
    sync: bool
    batch_size: int
    progress: Progress | None


NODE_ORDER = (
    Label.TOWN,
    Label.PARK,
    Label.VILLAGE,
    Label.ORGANIZATION,
    Label.PARTY_ORG,
    Label.MEMBER,
    Label.INSTRUCTOR,
)


def _store_errors() -> tuple[type[BaseException], ...]:
    errs: list[type[BaseException]] = [StoreUnavailable, OSError]
    try:
        from neo4j import exceptions as ne

        errs += [ne.Neo4jError, ne.DriverError]
    except ImportError:  # pragma: no cover
        pass
    return tuple(errs)


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a load builds its millions of rows: a load makes
    almost no cycles, and each full collection walks every row again (measured: a third of the
    CPU of validating a scale-10 roster). Restored as it was, whatever happens."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _without_gc(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    @functools.wraps(fn)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with gc_paused():
            return fn(*args, **kwargs)

    return run


@_without_gc
def load_roster(
    path: Path | str,
    store: GraphStore,
    *,
    dry_run: bool = False,
    sync: bool = False,
    batch_size: int = 5000,
    progress: Progress | None = None,
    settings: Settings | None = None,
    source_name: str | None = None,
) -> LoadResult:
    """Load a roster workbook (or CSV folder) into ``store``; never raises for bad input.

    Example
    -------
    >>> res = load_roster("roster.xlsx", store, dry_run=True)  # doctest: +SKIP
    >>> res.exit_code, res.rejected_rows  # doctest: +SKIP
    """
    started = time.monotonic()
    path = Path(path)
    result = LoadResult(path=str(path), exit_code=0, dry_run=dry_run, sync=sync)
    try:
        settings = settings or get_settings()
        settings.check()
        hasher = _hasher(settings, dry_run)
    except ConfigError as exc:
        return _fatal(result, "config", exc, started)

    report = progress or (lambda done, total, stage: None)
    try:
        report(0, 1, "read")
        wb = read_workbook(path)
    except InputError as exc:
        return _fatal(result, "unreadable", exc, started)
    result.sha256 = wb.sha256
    result.sheets = {name: len(raw.rows) for name, raw in wb.sheets.items()}
    result.warnings = [_notice_warning(n) for n in wb.warnings]
    if wb.fatal:
        result.fatal = [_notice_problem(n) for n in wb.fatal]
        result.exit_code = 2
        result.message_zh = "输入无法使用，未导入任何内容：" + "；".join(n.zh for n in wb.fatal)
        result.message_en = "unusable input, nothing loaded: " + "; ".join(n.en for n in wb.fatal)
        return _finish(result, settings, started)

    errors = _store_errors()
    try:
        store.ping()  # fail fast (exit 3) instead of waiting out the driver's retries
        report(0, 1, "validate")
        val = Validator(wb, lambda lab, keys: store.fetch_nodes(lab, keys)).run()
        plan = build_plan(val, hasher)
        _record_validation(result, val)
        removals: list[SyncRemoval] = []
        if sync:
            if result.rejected_rows:
                result.sync_refused = (
                    f"有 {result.rejected_rows} 行被拒绝，--sync 没有删除任何记录；请先改正被拒绝的行再同步"
                    " / "
                    f"{result.rejected_rows} row(s) rejected, so --sync removed nothing: fix them, then"
                    " sync again"
                )
            else:
                removals = _sync_plan(store, val, plan)
                result.sync_removals = removals
        if dry_run:
            result.counts = _planned_counts(plan)
        else:
            meta = {
                "file": source_name or path.name,  # the name a person knows, not an upload's digest
                "sha256": wb.sha256,
                "loaded_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "rows": sum(result.sheets.values()),
                "rejected_rows": result.rejected_rows,
                "sync": sync,
            }
            result.counts = _write(store, plan, removals, batch_size, report, meta, source=path)
    except errors as exc:
        return _fatal(result, "store", exc, started, code=3)
    result.exit_code = 1 if result.rejected_rows else 0
    zh, en = ("试运行：", "dry run: ") if dry_run else ("", "")
    n = result.items_written
    result.message_zh = zh + (
        f"{'将写入' if dry_run else '已写入'} {n} 条（节点与关系），{result.rejected_rows} 行被拒绝"
    )
    result.message_en = (
        en + f"{'would write' if dry_run else 'wrote'} {n} items (nodes and relationships), "
        f"{result.rejected_rows} row(s) rejected"
    )
    return _finish(result, settings, started)


def _hasher(settings: Settings, dry_run: bool) -> Hasher:
    if dry_run and settings.secret_key is None:
        # a dry run stores no hash, and must not create the development key file either
        return Hasher("dryrun00", b"dry-run")
    key_id, key = settings.hash_key()
    return Hasher(key_id, key)


def _fatal(result: LoadResult, kind: str, exc: BaseException, started: float, code: int = 2) -> LoadResult:
    if isinstance(exc, OrgGraphError):
        zh, en = exc.message_zh, exc.message_en
    else:
        zh = f"图数据库在导入中途出错（{type(exc).__name__}）。再次运行同一命令即可完成导入"
        en = f"the store failed mid-load ({type(exc).__name__}: {str(exc)[:300]}); run the same load again"
    if code == 3 and isinstance(exc, StoreUnavailable) and not isinstance(exc, StoreTooLarge):
        zh += "。修复后再次运行同一命令即可完成导入（导入是幂等的）"
        en += "; once it is back, run the same load again to complete it (loads are idempotent)"
    result.exit_code = code
    result.message_zh, result.message_en = zh, en
    if code == 2:
        result.fatal.append(Problem(sheet="", code=kind, reason_zh=zh, reason_en=en))
    result.counts = result.counts if code == 3 else {"nodes": {}, "relationships": {}}
    return _finish(result, None, started)


def _finish(result: LoadResult, settings: Settings | None, started: float) -> LoadResult:
    result.seconds = round(time.monotonic() - started, 3)
    try:
        from graph.audit import audit, operator

        audit(
            "load",
            operator(),
            settings,
            path=result.path,
            sha256=result.sha256,
            dry_run=result.dry_run,
            sync=result.sync,
            exit_code=result.exit_code,
            counts=result.counts,
            rejected_rows=result.rejected_rows,
            sync_removed=len(result.sync_removals) if not result.dry_run else 0,
        )
    except (OSError, ConfigError):
        # an audit log that cannot be written must not hide the load's own outcome
        result.warnings.append(
            Warning_(
                code="audit_failed", message_zh="无法写入审计日志", message_en="could not write the audit log"
            )
        )
    return result


def _notice_warning(n: Notice) -> Warning_:
    return Warning_(
        code=n.code,
        message_zh=n.zh,
        message_en=n.en,
        sheet=n.sheet,
        column=n.column,
        rows=[n.row] if n.row else [],
    )


def _notice_problem(n: Notice) -> Problem:
    return Problem(
        sheet=n.sheet or "", row=n.row, column=n.column or "", code=n.code, reason_zh=n.zh, reason_en=n.en
    )


def _record_validation(result: LoadResult, val: Validation) -> None:
    rejected = val.rejected_rows()
    result.rejected_rows = len(rejected)
    problems: list[Problem] = []
    groups: dict[tuple[str, int], Group] = {}
    cascades: list[Problem] = []
    for r in rejected:
        for p in r.problems:
            pm = model_from(
                Problem,
                p,
                reason_zh=p.zh,
                reason_en=p.en,
                cause_sheet=p.cause[0] if p.cause else None,
                cause_row=p.cause[1] if p.cause else None,
            )
            problems.append(pm)
            if p.cause:
                cascades.append(pm)
            else:
                g = groups.setdefault(
                    (r.sheet.name, r.row), Group(sheet=r.sheet.name, row=r.row, key=r.key, problems=[])
                )
                g.problems.append(pm)
    for pm in cascades:
        groups[(pm.cause_sheet or "", pm.cause_row or 0)].cascade.append(pm)
    result.problems = problems
    result.groups = list(groups.values())
    result.warnings += val.warnings


def _planned_counts(plan: Plan) -> dict[str, dict[str, int]]:
    nodes = {lab.value: len(rows) for lab, rows in plan.nodes.items() if rows}
    rels: dict[str, int] = defaultdict(int)
    for (rel, _fl, _tl), rows in plan.rels.items():
        rels[rel.value] += len(rows)
    return {"nodes": nodes, "relationships": dict(rels)}


Task = tuple[str, str, Sequence[Any], Callable[[Sequence[Any]], int]]  # (stage, count key, chunk, call)


class _Phases:
    """Runs a phase's batches, two at a time for Neo4j, and waits for all of them before the next
    phase: every node, then every owned relationship cleared, then every relationship written.
    Within a phase the batches are independent (lock waits between them are retried by the driver
    as transient errors), so the server always has work while this process prepares the next."""

    def __init__(self, store: GraphStore, total: int, report: Callable[[int, int, str], None]) -> None:
        self.total, self.report, self.done = total, report, 0
        # the embedded store is one in-memory graph, written from this thread only
        self.pool = ThreadPoolExecutor(max_workers=2) if store.backend == "neo4j" else None

    def run(self, tasks: list[Task]) -> dict[str, int]:
        written: dict[str, int] = defaultdict(int)
        if self.pool is None:
            for stage, key, chunk, call in tasks:
                written[key] += call(chunk)
                self.tick(len(chunk), stage)
            return written
        futures = {
            self.pool.submit(call, chunk): (stage, key, len(chunk)) for stage, key, chunk, call in tasks
        }
        try:
            for fut in as_completed(futures):
                stage, key, n = futures[fut]
                written[key] += fut.result()
                self.tick(n, stage)
        except BaseException:
            for fut in futures:
                fut.cancel()
            raise
        return written

    def tick(self, n: int, stage: str) -> None:
        self.done += n
        self.report(self.done, self.total, stage)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)


def _clear(store: GraphStore, label: Label, types: tuple[Rel, ...], keys: Sequence[str]) -> int:
    return store.delete_outgoing(label, keys, types)


# a first load of at least this many items builds the secondary indexes after the data (Neo4j)
INDEXES_AFTER_ITEMS = 50_000


def _write(
    store: GraphStore,
    plan: Plan,
    removals: list[SyncRemoval],
    batch_size: int,
    report: Callable[[int, int, str], None],
    meta: Mapping[str, Any] | None = None,
    source: Path | None = None,
) -> dict[str, dict[str, int]]:
    total = plan.items() + sum(len(k) for k, _ in plan.owned.values()) + len(removals)
    saved_batch = getattr(store, "batch_size", None)
    if saved_batch is not None:
        store.batch_size = batch_size  # type: ignore[attr-defined]
    phases = _Phases(store, total, report)
    owned_types = {t for _keys, types in plan.owned.values() for t in types}
    full = plan
    changes: Delta | None = None
    late_indexes = store.indexes_after() if plan.items() >= INDEXES_AFTER_ITEMS else nullcontext()
    keeper = store if isinstance(store, KeepsRowHashes) else None
    try:
        store.apply_schema()
        if keeper is not None:  # a reload writes only the rows that changed
            changes = delta(plan, keeper.row_hashes())
            plan = changes.plan
            phases.tick(full.items() - plan.items(), "unchanged")
            keeper.set_row_hashes(None)  # forgotten before the first write: a killed load leaves none
        store.begin_load(
            {
                "started_at": time.strftime("%Y-%m-%d %H:%M:%S"),
                "source": source.name if source is not None else "",
                "pid": os.getpid(),
                "host": socket.gethostname(),
            }
        )
        with store.bulk(), late_indexes:
            # a label with no node yet has no relationship to clear (a first load skips that phase),
            # and its nodes and a type's relationships are created without looking for them first
            before = store.counts()
            existing = before["nodes"]
            create_nodes = getattr(store, "create_nodes", None)
            nodes = phases.run(
                [
                    (
                        f"nodes:{lab.value}",
                        lab.value,
                        chunk,
                        functools.partial(
                            create_nodes
                            if create_nodes and not existing.get(lab.value)
                            else store.upsert_nodes,
                            lab,
                        ),
                    )
                    for lab in NODE_ORDER
                    for chunk in batched(plan.nodes.get(lab, []), batch_size)
                ]
            )
            clears: list[Task] = []
            for lab in NODE_ORDER:
                if lab not in plan.owned:
                    continue
                keys, types = plan.owned[lab]
                if not existing.get(lab.value):
                    phases.tick(len(keys), f"clear:{lab.value}")
                    continue
                clears += [
                    (f"clear:{lab.value}", lab.value, chunk, functools.partial(_clear, store, lab, types))
                    for chunk in batched(keys, batch_size)
                ]
            phases.run(clears)
            writes: list[Task] = []
            create = getattr(store, "create_relationships", None)
            for (rel, fl, tl), rows in plan.rels.items():
                # owned relationships were just cleared (rule 10): create them without looking first;
                # rows sorted by target, so batches of one type share at most a boundary node
                new_type = not before["relationships"].get(rel.value)
                cleared = rel in owned_types or new_type
                write = create if (create is not None and cleared) else store.upsert_relationships
                ordered = sorted(rows, key=lambda r: (r["to"], r["from"]))
                writes += [
                    (f"relationships:{rel.value}", rel.value, chunk, functools.partial(write, rel, fl, tl))
                    for chunk in batched(ordered, batch_size)
                ]
            rels = phases.run(writes)
            if removals:
                _apply_sync(store, removals, batch_size)
                phases.tick(len(removals), "sync")
            if meta is not None:  # which data the graph holds: shown by the overview (queries.dataset)
                store.put_doc(LOAD_DOC_KIND, LOAD_DOC_ID, meta)
            # after the last domain write: a new data version, and the district aggregates for it
            report(phases.done, total, "aggregates")
            aggregates.refresh(store)
        if keeper is not None and changes is not None:
            rel_rows, node_keys = _removal_rows(removals)
            changes.forget(node_keys, rel_rows)
            keeper.set_row_hashes(changes.hashes)
            for kind, per in changes.unchanged.items():  # counts say what the graph holds from the roster
                into = nodes if kind == "nodes" else rels
                for name, n in per.items():
                    into[name] += n
        store.end_load()  # only after every write above has committed
    finally:
        phases.close()
        if saved_batch is not None:
            store.batch_size = saved_batch  # type: ignore[attr-defined]
    report(total, total, "done")
    return {"nodes": dict(nodes), "relationships": dict(rels)}


# --- sync (rule 11) ---------------------------------------------------------------------------


def _sync_plan(store: GraphStore, val: Validation, plan: Plan) -> list[SyncRemoval]:
    node_removals: list[tuple[Label, str]] = []
    for name in val.sheets:
        lab = SHEET_BY_NAME[name].label
        if lab is None:
            continue
        keep = set(val.index[lab])
        node_removals += [(lab, k) for k in sorted(store.fetch_nodes(lab)) if k not in keep]
    rel_removals: list[tuple[Rel, str, str, str]] = []
    for rel, rids in plan.keyless_rids.items():
        for frm, to, rid, _props in store.fetch_relationships(rel):
            if rid not in rids:
                rel_removals.append((rel, frm, to, rid))
    if not node_removals and not rel_removals:
        return []
    doomed = {node_id(lab, k) for lab, k in node_removals}
    depends: dict[str, list[str]] = defaultdict(list)
    for rel in Rel:
        for frm, to, _rid, _p in store.fetch_relationships(rel):
            if to in doomed and frm not in doomed:
                depends[to].append(f"{frm} -[{rel.value}]-> {to}")
            elif (
                frm in doomed
                and to not in doomed
                and rel in (Rel.HELPS_BUILD, Rel.CONTACTED, Rel.PAIRED_WITH, Rel.JOINT_BUILDS_WITH)
            ):
                depends[frm].append(f"{frm} -[{rel.value}]-> {to}")
    out = [
        SyncRemoval(kind="relationship", label=rel.value, key=f"{frm} -> {to} ({rid})")
        for rel, frm, to, rid in rel_removals
    ]
    out += [
        SyncRemoval(kind="node", label=lab.value, key=k, dependents=sorted(depends.get(node_id(lab, k), [])))
        for lab, k in node_removals
    ]
    return out


def _apply_sync(store: GraphStore, removals: list[SyncRemoval], batch_size: int) -> None:
    rels, nodes = _removal_rows(removals)
    for rel, rows in rels.items():
        for chunk in batched(rows, batch_size):
            store.delete_relationships(rel, chunk)
    for lab in reversed(NODE_ORDER):
        for chunk in batched(nodes.get(lab, []), batch_size):
            store.delete_nodes(lab, chunk)


def _removal_rows(
    removals: list[SyncRemoval],
) -> tuple[dict[Rel, list[dict[str, str]]], dict[Label, list[str]]]:
    """--sync's removals as the store's delete statements take them."""
    rels: dict[Rel, list[dict[str, str]]] = defaultdict(list)
    nodes: dict[Label, list[str]] = defaultdict(list)
    for s in removals:
        if s.kind == "relationship":
            ends, _, rid = s.key.rpartition(" (")
            frm, _, to = ends.partition(" -> ")
            rels[Rel(s.label)].append(
                {"from": frm.split(":", 1)[1], "to": to.split(":", 1)[1], "rid": rid.rstrip(")")}
            )
        else:
            nodes[Label(s.label)].append(s.key)
    return rels, nodes


__all__ = ["LoadResult", "load_roster"]
