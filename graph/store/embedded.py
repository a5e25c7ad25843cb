"""EmbeddedStore: a networkx MultiDiGraph in memory, persisted to one SQLite file under ORGGRAPH_HOME.

The file (``graph.sqlite``, standard-library sqlite3) is inspectable with any SQLite tool:

- ``meta(key, value)``: ``format`` = ``orggraph-embedded``, ``format_version``, ``written_at``,
  ``nodes``, ``relationships`` (counts, checked on open);
- ``nodes(id, label, props)``: ``id`` = ``"Label:key"``, ``props`` = JSON object;
- ``relationships(type, src, dst, rid, props)``.

A load writes a new file (mode 0600) and renames it into place once at the end, so readers see
either the previous graph or the new one, never a half-written one, and a killed writer leaves
the previous file whole. One writer at a time holds a file lock; readers reload when the file's
stamp (inode, mtime, size) changes. In memory, nodes carry ``_label``; edges are keyed
``"TYPE|rid"`` with ``_type`` and ``rid``.

The old format (``graph.pickle``) is never read here: loading a pickle runs code from the file.
``orggraph migrate`` (graph/store/migrate.py) converts it once, explicitly.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import json
import os
import sqlite3
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import networkx as nx

from graph.errors import StoreTooLarge, StoreUnavailable
from graph.model import NODE_KEYS, Label, Rel
from graph.store.base import (
    FactSet,
    LoadState,
    P,
    R,
    build_projection,
    empty_counts,
    node_id,
    projection_attrs,
)
from graph.store.index import GraphIndex

GRAPH_FILE = "graph.sqlite"
LEGACY_FILE = "graph.pickle"
FORMAT_NAME = "orggraph-embedded"
FORMAT_VERSION = 1
FILE_MODE = 0o600

_SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE nodes (n INTEGER PRIMARY KEY, id TEXT NOT NULL, label TEXT NOT NULL, props TEXT NOT NULL)",
    # ends by node number: reading shares one id string per node (time and memory of a cold open)
    "CREATE TABLE relationships (type TEXT NOT NULL, src INTEGER NOT NULL REFERENCES nodes(n), "
    "dst INTEGER NOT NULL REFERENCES nodes(n), rid TEXT NOT NULL, props TEXT NOT NULL)",
    # for people and SQLite tools: relationships with their ends' ids
    # documents kept with the graph (saved plans, boundaries...): graph attribute "docs" in memory
    "CREATE TABLE docs (kind TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (kind, id))",
    "CREATE VIEW relationships_by_id AS SELECT r.type, a.id AS src_id, b.id AS dst_id, r.rid, r.props "
    "FROM relationships r JOIN nodes a ON a.n = r.src JOIN nodes b ON b.n = r.dst",
)


class LegacyStoreFile(StoreUnavailable):
    """An old-format (pickle) store file is present; only ``orggraph migrate`` may read it."""

    code = "legacy_store_file"

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"发现旧格式的图数据文件 {path}（Python pickle）。为安全起见不再自动读取它（读取 pickle 会执行"
            "文件中的代码）。请先运行 orggraph migrate 将其转换为新格式（转换后旧文件会被删除）。",
            f"an old-format graph file {path} (Python pickle) exists; it is never read automatically "
            "(loading a pickle runs code from the file): run `orggraph migrate` to convert it "
            "(the old file is removed afterwards)",
        )
        self.path = path


def secure_home(home: Path) -> None:
    """ORGGRAPH_HOME as 0700 with its files 0600 (graph.settings.private_home): it holds personal data."""
    from graph.settings import private_home

    try:
        private_home(home)
    except OSError as exc:
        raise StoreUnavailable(f"无法创建数据目录 {home}：{exc}", f"cannot create {home}: {exc}") from exc


def _dumps(props: Mapping[str, Any]) -> str:
    return json.dumps(props, ensure_ascii=False, separators=(",", ":"))


def write_graph_file(path: Path, g: nx.MultiDiGraph) -> None:
    """Write ``g`` to ``path`` atomically: a new 0600 file beside it, fsync, rename, fsync the folder."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.unlink(missing_ok=True)
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))  # sqlite keeps the mode
    try:
        con = sqlite3.connect(tmp, isolation_level=None)
        try:
            # A fresh private file renamed into place when complete: no journal needed.
            con.execute("PRAGMA journal_mode=OFF")
            con.execute("PRAGMA synchronous=OFF")
            con.execute("BEGIN")
            for stmt in _SCHEMA:
                con.execute(stmt)
            number = {nid: i for i, nid in enumerate(g)}
            con.executemany(
                "INSERT INTO nodes VALUES (?, ?, ?, ?)",
                (
                    (number[nid], nid, d["_label"], _dumps({k: v for k, v in d.items() if k != "_label"}))
                    for nid, d in g.nodes(data=True)
                ),
            )
            con.executemany(
                "INSERT INTO relationships VALUES (?, ?, ?, ?, ?)",
                (
                    (
                        d["_type"],
                        number[u],
                        number[v],
                        d["rid"],
                        _dumps({k: x for k, x in d.items() if k not in _EDGE_META}),
                    )
                    for u, v, d in g.edges(data=True)
                ),
            )
            docs: dict[str, dict[str, str]] = g.graph.get("docs", {})
            con.executemany(
                "INSERT INTO docs VALUES (?, ?, ?)",
                ((kind, doc_id, text) for kind, by_id in docs.items() for doc_id, text in by_id.items()),
            )
            meta = {
                **({"data_version": g.graph["data_version"]} if "data_version" in g.graph else {}),
                "format": FORMAT_NAME,
                "format_version": str(FORMAT_VERSION),
                "written_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "nodes": str(g.number_of_nodes()),
                "relationships": str(g.number_of_edges()),
            }
            con.executemany("INSERT INTO meta VALUES (?, ?)", sorted(meta.items()))
            con.execute("COMMIT")
        finally:
            con.close()
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fchmod(fd, FILE_MODE)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


_EDGE_META = frozenset({"_type", "rid"})


def read_graph_file(path: Path, max_items: int | None = None) -> nx.MultiDiGraph:
    """The graph in ``path`` (read-only; checks the format name, version and counts). A file of more
    than ``max_items`` nodes + relationships is refused (StoreTooLarge) before anything is read."""
    gc_was_on = gc.isenabled()
    gc.disable()  # hundreds of thousands of new dicts, none of them garbage: no collection passes
    try:
        return _read_graph_file(path, max_items)
    finally:
        if gc_was_on:
            gc.enable()


def _read_graph_file(path: Path, max_items: int | None) -> nx.MultiDiGraph:
    loads = json.loads
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise _unreadable(path, exc) from exc
    try:
        meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
        if meta.get("format") != FORMAT_NAME:
            raise _unreadable(path, ValueError(f"not an orggraph store: format={meta.get('format')!r}"))
        version = int(meta.get("format_version", "0"))
        if version > FORMAT_VERSION:
            raise StoreUnavailable(
                f"图数据文件 {path} 的格式版本 {version} 比本程序支持的 {FORMAT_VERSION} 新：请升级 orggraph",
                f"graph file {path} has format version {version}, newer than the supported "
                f"{FORMAT_VERSION}: upgrade orggraph",
            )
        items = int(meta.get("nodes", "0")) + int(meta.get("relationships", "0"))
        if max_items is not None and items > max_items:
            raise StoreTooLarge(items, max_items)
        node: dict[str, dict[str, Any]] = {}
        ids: list[str] = []  # node numbers are 0..n-1 (write_graph_file)
        for n, nid, label, props in con.execute("SELECT n, id, label, props FROM nodes ORDER BY n"):
            if n != len(ids):
                raise ValueError(f"node numbers are not consecutive at {n}")
            d = loads(props)
            d["_label"] = label
            node[nid] = d
            ids.append(nid)
        succ: dict[str, dict[str, dict[str, dict[str, Any]]]] = {n: {} for n in node}
        pred: dict[str, dict[str, dict[str, dict[str, Any]]]] = {n: {} for n in node}
        n_edges = 0
        types: dict[str, str] = {}  # one string per type and per "TYPE|" key, as a pickle shared them
        bare_keys: dict[str, str] = {}
        prev_src, u, out = -1, "", {}
        # rows come in the order they were written: grouped by start node (graph order)
        for t, src, dst, rid, props in con.execute("SELECT type, src, dst, rid, props FROM relationships"):
            t = types.setdefault(t, t)
            if props == "{}":  # most relationships have no properties of their own
                d = {"_type": t, "rid": rid}
            else:
                d = loads(props)
                d["_type"] = t
                d["rid"] = rid
            if src != prev_src:
                prev_src, u = src, ids[src]
                out = succ[u]
            v = ids[dst]
            keydict = out.get(v)
            if keydict is None:
                keydict = out[v] = pred[v][u] = {}
            if rid:
                keydict[t + "|" + rid] = d
            else:
                key = bare_keys.get(t)
                if key is None:
                    key = bare_keys[t] = t + "|"
                keydict[key] = d
            n_edges += 1
        docs: dict[str, dict[str, str]] = {}
        for kind, doc_id, text in con.execute("SELECT kind, id, doc FROM docs ORDER BY kind, id"):
            docs.setdefault(kind, {})[doc_id] = text
    except sqlite3.Error as exc:
        raise _unreadable(path, exc) from exc
    except (KeyError, IndexError, ValueError) as exc:
        raise _unreadable(path, exc) from exc
    finally:
        con.close()
    if str(len(node)) != meta.get("nodes") or str(n_edges) != meta.get("relationships"):
        raise _unreadable(path, ValueError("row counts differ from meta"))
    # networkx's own structures, filled directly: add_edge per edge costs ~4x more at this size.
    # The shapes are MultiDiGraph's documented ones (node dict, succ/pred sharing each key dict).
    g = nx.MultiDiGraph()
    if docs:
        g.graph["docs"] = docs
    if "data_version" in meta:
        g.graph["data_version"] = meta["data_version"]
    g._node = node
    g._adj = g._succ = succ
    g._pred = pred
    return g


def _unreadable(path: Path, exc: BaseException) -> StoreUnavailable:
    return StoreUnavailable(
        f"图数据文件损坏或无法读取：{path}", f"cannot read graph file {path}: {type(exc).__name__}: {exc}"
    )


class EmbeddedStore:
    backend = "embedded"

    def __init__(self, home: Path, max_items: int | None = None) -> None:
        """``max_items``: refuse to open or write a graph of more nodes + relationships (StoreTooLarge,
        pointing to Neo4j); None: no limit. open_store passes ORGGRAPH_EMBEDDED_MAX_ITEMS."""
        self.home = Path(home)
        self.max_items = max_items
        self.path = self.home / GRAPH_FILE
        self.legacy_path = self.home / LEGACY_FILE
        self._lock_path = self.home / "graph.lock"
        self._graph: nx.MultiDiGraph = nx.MultiDiGraph()
        self._stamp: tuple[int, int, int] | None = None
        self._generation = 0
        self._bulk_depth = 0
        self._lock_fd: int | None = None
        self._mutex = threading.RLock()
        self._index: tuple[int, GraphIndex] | None = None
        secure_home(self.home)
        self._reload_if_changed()

    # --- file handling -------------------------------------------------------------

    def _file_stamp(self) -> tuple[int, int, int] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _check_legacy(self) -> None:
        if self.legacy_path.exists() or self.legacy_path.is_symlink():
            raise LegacyStoreFile(self.legacy_path)

    def _reload_if_changed(self) -> None:
        if self._bulk_depth:
            return  # the writer's in-memory graph is the truth during a load
        self._check_legacy()
        stamp = self._file_stamp()
        if stamp == self._stamp:
            return
        with self._mutex:
            self._graph = nx.MultiDiGraph() if stamp is None else read_graph_file(self.path, self.max_items)
            self._stamp = stamp
            self._generation += 1

    def _persist(self) -> None:
        items = self._graph.number_of_nodes() + self._graph.number_of_edges()
        if self.max_items is not None and items > self.max_items:
            # before the file is touched: the previous graph stays whole (a load is all or nothing)
            raise StoreTooLarge(items, self.max_items)
        write_graph_file(self.path, self._graph)
        self._stamp = self._file_stamp()
        self._generation += 1

    def _clean_stale_temps(self) -> None:
        # a writer killed while writing leaves its temp file; the lock says no writer is active now
        for tmp in self.home.glob(f".{GRAPH_FILE}.*.tmp"):
            with contextlib.suppress(OSError):
                tmp.unlink()

    @contextmanager
    def indexes_after(self) -> Iterator[None]:
        yield  # the adjacency index is built on open, not maintained per write

    @contextmanager
    def bulk(self) -> Iterator[None]:
        with self._mutex:
            if self._bulk_depth == 0:
                self._check_legacy()
                fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, FILE_MODE)
                fcntl.flock(fd, fcntl.LOCK_EX)
                self._lock_fd = fd
                self._clean_stale_temps()
                self._stamp = None  # another writer may have finished while we waited
                try:
                    self._reload_if_changed()
                except BaseException:
                    self._release()
                    raise
            self._bulk_depth += 1
            try:
                yield
                if self._bulk_depth == 1:
                    self._persist()
            except BaseException:
                if self._bulk_depth == 1:
                    self._stamp = None  # drop the half-applied in-memory graph
                raise
            finally:
                self._bulk_depth -= 1
                if self._bulk_depth == 0:
                    self._release()
                    if self._stamp is None:
                        self._reload_if_changed()

    def _release(self) -> None:
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    @contextmanager
    def _domain_writing(self) -> Iterator[None]:
        """A write of domain nodes or relationships: it gives the data version a new value."""
        with self._writing():
            yield
            self._graph.graph["data_version"] = uuid.uuid4().hex

    def bump_data_version(self) -> str:
        """Give the data version a new value (see :meth:`data_version`)."""
        with self._domain_writing():
            pass
        return self.data_version()

    def data_version(self) -> str:
        """Changes whenever domain nodes or relationships change, and only then (documents leave
        it alone, unlike :meth:`version`). A file written before data versions existed answers
        its :meth:`version` (safe: that changes more often)."""
        g = self.graph
        value = g.graph.get("data_version")
        if value is None and g.number_of_nodes() == 0:
            value = "empty"
        return f"data:{value}" if value is not None else self.version()

    @contextmanager
    def _writing(self) -> Iterator[None]:
        # A write outside bulk() is its own small load.
        if self._bulk_depth:
            yield
            # inside a load the graph changes in place: a new generation, so the version, the
            # index and every cached answer move with it (a workflow reads before it persists)
            self._generation += 1
        else:
            with self.bulk():
                yield

    # --- load state ----------------------------------------------------------------

    def begin_load(self, info: Mapping[str, Any]) -> None:
        """Nothing to record: a load becomes visible all at once (one rename at the end)."""

    def end_load(self) -> None:
        pass

    def load_state(self) -> LoadState | None:
        """Always None: readers see the previous file until the new one is complete."""
        self._reload_if_changed()
        return None

    # --- reads ---------------------------------------------------------------------

    @property
    def graph(self) -> nx.MultiDiGraph:
        """The current graph (reloaded when another process has written a new file)."""
        self._reload_if_changed()
        return self._graph

    def index(self) -> GraphIndex:
        """Typed adjacency of the current graph, built once per graph generation."""
        g = self.graph
        with self._mutex:
            if self._index is None or self._index[0] != self._generation:
                self._index = (self._generation, GraphIndex(g))
            return self._index[1]

    def facts(self, fs: FactSet[P, R], params: P) -> R:
        return fs.networkx(self.index(), params)

    def ping(self) -> None:
        self._reload_if_changed()

    def version(self) -> str:
        self._reload_if_changed()
        return f"embedded:{self._stamp}:{self._generation}"

    def fetch_nodes(self, label: Label, keys: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
        g = self.graph
        label = Label(label)
        out: dict[str, dict[str, Any]] = {}
        if keys is None:
            for nid, data in g.nodes(data=True):
                if data["_label"] == label.value:
                    out[nid.split(":", 1)[1]] = _props(data)
        else:
            for key in keys:
                data = g.nodes.get(node_id(label, key))
                if data is not None:
                    out[key] = _props(data)
        return out

    def fetch_relationships(self, rel: Rel) -> list[tuple[str, str, str, dict[str, Any]]]:
        rel = Rel(rel)
        return sorted(
            (u, v, d["rid"], _props(d)) for u, v, d in self.graph.edges(data=True) if d["_type"] == rel.value
        )

    def counts(self) -> dict[str, dict[str, int]]:
        g = self.graph
        out = empty_counts()
        out["nodes"].update(Counter(d["_label"] for _, d in g.nodes(data=True)))
        out["relationships"].update(Counter(d["_type"] for _, _, d in g.edges(data=True)))
        return out

    def dump(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        g = self.graph
        nodes = [
            {"id": nid, "label": d["_label"], "properties": _sorted(_props(d))}
            for nid, d in g.nodes(data=True)
        ]
        rels = [
            {"type": d["_type"], "from": u, "to": v, "rid": d["rid"], "properties": _sorted(_props(d))}
            for u, v, d in g.edges(data=True)
        ]
        nodes.sort(key=lambda n: n["id"])
        rels.sort(key=lambda r: (r["type"], r["from"], r["to"], r["rid"]))
        return nodes, rels

    # --- documents: kept in the graph's own attributes, persisted with it --------------

    def _docs(self, kind: str) -> dict[str, Any]:
        docs: dict[str, dict[str, Any]] = self.graph.graph.get("docs", {})
        return docs.get(kind, {})

    def put_doc(self, kind: str, doc_id: str, doc: Mapping[str, Any]) -> None:
        text = json.dumps(doc, ensure_ascii=False, sort_keys=True)  # a copy, and JSON-safe like Neo4j's
        with self._writing():
            self._graph.graph.setdefault("docs", {}).setdefault(kind, {})[doc_id] = text

    def replace_docs(self, kind: str, docs: Mapping[str, Mapping[str, Any]]) -> None:
        texts = {i: json.dumps(d, ensure_ascii=False, sort_keys=True) for i, d in docs.items()}
        with self._writing():
            self._graph.graph.setdefault("docs", {})[kind] = texts

    def get_doc(self, kind: str, doc_id: str) -> dict[str, Any] | None:
        text = self._docs(kind).get(doc_id)
        return None if text is None else json.loads(text)

    def list_docs(self, kind: str) -> list[dict[str, Any]]:
        docs = self._docs(kind)
        return [json.loads(docs[k]) for k in sorted(docs)]

    def delete_doc(self, kind: str, doc_id: str) -> bool:
        with self._writing():
            return self._graph.graph.get("docs", {}).get(kind, {}).pop(doc_id, None) is not None

    def projection(self, labels: Iterable[Label], rels: Iterable[Rel]) -> nx.Graph:
        g = self.graph
        want_labels = {Label(x).value for x in labels}
        want_rels = {Rel(x).value for x in rels}
        nodes = [
            (nid, projection_attrs(d["_label"], d))
            for nid, d in g.nodes(data=True)
            if d["_label"] in want_labels
        ]
        edges = [(u, v, d["_type"]) for u, v, d in g.edges(data=True) if d["_type"] in want_rels]
        return build_projection(nodes, edges)

    # --- writes --------------------------------------------------------------------

    def apply_schema(self) -> None:
        """Keys are unique by construction here (node id = label + key)."""

    def upsert_nodes(self, label: Label, rows: Sequence[Mapping[str, Any]]) -> int:
        label = Label(label)
        key_prop = NODE_KEYS[label]
        with self._domain_writing():
            g = self._graph
            for row in rows:
                nid = node_id(label, str(row[key_prop]))
                props = {k: v for k, v in row.items() if v is not None}
                if nid in g:
                    data = g.nodes[nid]
                    data.clear()
                    data.update(props)
                    data["_label"] = label.value
                else:
                    g.add_node(nid, _label=label.value, **props)
        return len(rows)

    def upsert_relationships(
        self, rel: Rel, from_label: Label, to_label: Label, rows: Sequence[Mapping[str, Any]]
    ) -> int:
        rel = Rel(rel)
        written = 0
        with self._domain_writing():
            g = self._graph
            for row in rows:
                u = node_id(from_label, str(row["from"]))
                v = node_id(to_label, str(row["to"]))
                if u not in g or v not in g:
                    continue
                rid = str(row.get("rid") or "")
                ekey = f"{rel.value}|{rid}"
                props = {k: val for k, val in (row.get("props") or {}).items() if val is not None}
                if g.has_edge(u, v, ekey):
                    data = g.edges[u, v, ekey]
                    data.clear()
                    data.update(props)
                    data["_type"], data["rid"] = rel.value, rid
                else:
                    g.add_edge(u, v, key=ekey, _type=rel.value, rid=rid, **props)
                written += 1
        return written

    def create_relationships(
        self, rel: Rel, from_label: Label, to_label: Label, rows: Sequence[Mapping[str, Any]]
    ) -> int:
        """Neo4jStore's CREATE fast path for just-cleared rows; here an upsert is as cheap."""
        return self.upsert_relationships(rel, from_label, to_label, rows)

    def delete_outgoing(self, label: Label, keys: Sequence[str], rels: Iterable[Rel]) -> int:
        types = {Rel(r).value for r in rels}
        removed = 0
        with self._domain_writing():
            g = self._graph
            for key in keys:
                u = node_id(label, key)
                if u not in g:
                    continue
                doomed = [
                    (u, v, k) for _, v, k, d in g.out_edges(u, keys=True, data=True) if d["_type"] in types
                ]
                g.remove_edges_from(doomed)
                removed += len(doomed)
        return removed

    def delete_relationships(self, rel: Rel, rows: Sequence[Mapping[str, Any]]) -> int:
        rel = Rel(rel)
        wanted = {(str(r["from"]), str(r["to"]), str(r.get("rid") or "")) for r in rows}
        removed = 0
        with self._domain_writing():
            g = self._graph
            doomed = [
                (u, v, k)
                for u, v, k, d in g.edges(keys=True, data=True)
                if d["_type"] == rel.value and (u.split(":", 1)[1], v.split(":", 1)[1], d["rid"]) in wanted
            ]
            g.remove_edges_from(doomed)
            removed = len(doomed)
        return removed

    def delete_nodes(self, label: Label, keys: Sequence[str]) -> int:
        with self._domain_writing():
            doomed = [node_id(label, k) for k in keys if node_id(label, k) in self._graph]
            self._graph.remove_nodes_from(doomed)
        return len(doomed)

    def wipe(self, allow_remote: bool = False) -> None:
        with self._domain_writing():
            self._graph.clear()

    def close(self) -> None:
        pass


def _props(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in ("_label", "_type", "rid")}


def _sorted(d: Mapping[str, Any]) -> dict[str, Any]:
    return {k: d[k] for k in sorted(d)}
