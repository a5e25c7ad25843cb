"""EmbeddedStore: a networkx MultiDiGraph persisted to one file under ORGGRAPH_HOME.

Nodes are ``"Label:key"`` with ``_label`` and their properties; edges are keyed
``"TYPE|rid"`` with ``_type`` and ``rid``. The file is written atomically (temp file,
fsync, rename) once per load, so a crash leaves the previous graph whole. One writer at a
time holds a file lock; readers reload when the file's stamp changes.
"""

from __future__ import annotations

import fcntl
import json
import os
import pickle
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import networkx as nx

from graph.errors import StoreUnavailable
from graph.model import NODE_KEYS, Label, Rel
from graph.store.base import (
    FactSet,
    P,
    R,
    build_projection,
    empty_counts,
    node_id,
    projection_attrs,
)
from graph.store.index import GraphIndex

GRAPH_FILE = "graph.pickle"
_FORMAT = 1


class EmbeddedStore:
    backend = "embedded"

    def __init__(self, home: Path) -> None:
        self.home = Path(home)
        self.path = self.home / GRAPH_FILE
        self._lock_path = self.home / "graph.lock"
        self._graph: nx.MultiDiGraph = nx.MultiDiGraph()
        self._stamp: tuple[int, int] | None = None
        self._generation = 0
        self._bulk_depth = 0
        self._lock_fh: Any = None
        self._mutex = threading.RLock()
        self._index: tuple[int, GraphIndex] | None = None
        try:
            self.home.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreUnavailable(
                f"无法创建数据目录 {self.home}：{exc}", f"cannot create {self.home}: {exc}"
            ) from exc
        self._reload_if_changed()

    # --- file handling -------------------------------------------------------------

    def _file_stamp(self) -> tuple[int, int] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def _reload_if_changed(self) -> None:
        if self._bulk_depth:
            return  # the writer's in-memory graph is the truth during a load
        stamp = self._file_stamp()
        if stamp == self._stamp:
            return
        with self._mutex:
            if stamp is None:
                self._graph = nx.MultiDiGraph()
            else:
                try:
                    with self.path.open("rb") as fh:
                        payload = pickle.load(fh)
                except (OSError, pickle.UnpicklingError, EOFError) as exc:
                    raise StoreUnavailable(
                        f"图数据文件损坏或无法读取：{self.path}", f"cannot read graph file {self.path}: {exc}"
                    ) from exc
                self._graph = payload["graph"]
            self._stamp = stamp
            self._generation += 1

    def _persist(self) -> None:
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            pickle.dump({"format": _FORMAT, "graph": self._graph}, fh, protocol=pickle.HIGHEST_PROTOCOL)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
        dir_fd = os.open(self.home, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        self._stamp = self._file_stamp()
        self._generation += 1

    @contextmanager
    def bulk(self) -> Iterator[None]:
        with self._mutex:
            if self._bulk_depth == 0:
                self._lock_fh = self._lock_path.open("a+")
                fcntl.flock(self._lock_fh, fcntl.LOCK_EX)
                self._stamp = None  # another writer may have finished while we waited
                self._reload_if_changed()
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
                    fcntl.flock(self._lock_fh, fcntl.LOCK_UN)
                    self._lock_fh.close()
                    self._lock_fh = None
                    if self._stamp is None:
                        self._reload_if_changed()

    @contextmanager
    def _writing(self) -> Iterator[None]:
        # A write outside bulk() is its own small load.
        if self._bulk_depth:
            yield
        else:
            with self.bulk():
                yield

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
        with self._writing():
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
        with self._writing():
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
        with self._writing():
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
        with self._writing():
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
        with self._writing():
            doomed = [node_id(label, k) for k in keys if node_id(label, k) in self._graph]
            self._graph.remove_nodes_from(doomed)
        return len(doomed)

    def wipe(self, allow_remote: bool = False) -> None:
        with self._writing():
            self._graph.clear()

    def close(self) -> None:
        pass


def _props(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in ("_label", "_type", "rid")}


def _sorted(d: Mapping[str, Any]) -> dict[str, Any]:
    return {k: d[k] for k in sorted(d)}
