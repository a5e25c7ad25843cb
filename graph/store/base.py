"""The GraphStore contract shared by Neo4jStore and EmbeddedStore.

Identity: a node is (label, key); a relationship is (type, from node, to node, rid), where
``rid`` tells apart several relationships of one type between the same two nodes (empty
when one suffices). Upserts replace properties wholesale, so reloading a row is idempotent.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, runtime_checkable

import networkx as nx

from graph.model import NODE_KEYS, Label, Rel

if TYPE_CHECKING:
    from graph.store.index import GraphIndex

NodeRow = Mapping[str, Any]  # properties, including the label's key property


def node_id(label: Label | str, key: str) -> str:
    """The id of a node outside the store (projections, exports, embedded graph)."""
    return f"{Label(label).value}:{key}"


def split_node_id(nid: str) -> tuple[Label, str]:
    lab, _, key = nid.partition(":")
    return Label(lab), key


class CypherReader(Protocol):
    """What the Cypher side of a fact set may do: run one read query, get plain dicts."""

    def read(
        self, text: str, params: Mapping[str, Any] | None = None, name: str = "read"
    ) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class LoadState:
    """A load that started and has not finished (still running, or killed): the graph may be half
    written. Recorded by the loader outside the domain graph; see graph/loaders/README.md."""

    started_at: str
    source: str = ""
    pid: int = 0
    host: str = ""

    def describe(self) -> tuple[str, str]:
        """(Chinese, English) details for the incomplete-load message."""
        src = f"，文件 {self.source}" if self.source else ""
        src_en = f", file {self.source}" if self.source else ""
        return f"开始于 {self.started_at}{src}", f"started {self.started_at}{src_en}"


def require_complete(store: GraphStore) -> None:
    """Raise :class:`graph.errors.LoadIncomplete` while a load is running or was left unfinished.

    Every reader edge (API, dashboard, CLI) calls this before answering from the graph."""
    from graph.errors import LoadIncomplete

    state = store.load_state()
    if state is not None:
        raise LoadIncomplete(*state.describe())


P = TypeVar("P")
R = TypeVar("R")


@dataclass(frozen=True)
class FactSet(Generic[P, R]):
    """Typed facts a question needs, with one Cypher and one networkx implementation side by side.

    Only the store knows which side runs (:meth:`GraphStore.facts`); a question writes its
    answer once, over ``R``. Both sides must return equal values for equal graphs (the
    contract suite checks it).

    Example
    -------
    >>> UNCOVERED = FactSet("gaps.uncovered", cypher=_uncovered_cypher, networkx=_uncovered_nx)
    >>> store.facts(UNCOVERED, scope)  # doctest: +SKIP
    """

    name: str
    cypher: Callable[[CypherReader, P], R]
    networkx: Callable[[GraphIndex, P], R]

    def __post_init__(self) -> None:
        FACT_SETS[self.name] = self


FACT_SETS: dict[str, FactSet[Any, Any]] = {}
"""Every fact set by name, as its module defines it (the EXPLAIN test runs each one's Cypher)."""


@runtime_checkable
class GraphStore(Protocol):
    """What every backend offers; callers above ``graph/store`` never ask which one runs.

    ``backend`` names it for people (health, stats, logs), never for choosing code paths:
    a question that needs backend-specific speed asks :meth:`facts`.
    """

    backend: str

    def facts(self, fs: FactSet[P, R], params: P) -> R:
        """Run the side of ``fs`` that fits this backend."""
        ...

    def apply_schema(self) -> None: ...

    def bulk(self) -> AbstractContextManager[None]:
        """One load: the embedded store takes the writer lock and persists once at the end."""
        ...

    def indexes_after(self) -> AbstractContextManager[None]:
        """A large first load: secondary indexes built once after the data, not kept up on
        every write (Neo4j); a no-op where indexes are built on open (embedded)."""
        ...

    def begin_load(self, info: Mapping[str, Any]) -> None:
        """Record that a load has started (``started_at``, ``source``, ``pid``, ``host``), before
        its first write; :meth:`load_state` reports it until :meth:`end_load`."""
        ...

    def end_load(self) -> None:
        """Clear the record once every write of the load has committed."""
        ...

    def load_state(self) -> LoadState | None:
        """The unfinished load, if any: readers must not answer from a half-written graph."""
        ...

    def upsert_nodes(self, label: Label, rows: Sequence[NodeRow]) -> int:
        """MERGE each row on the label's key and replace its properties with the row."""
        ...

    def upsert_relationships(
        self, rel: Rel, from_label: Label, to_label: Label, rows: Sequence[Mapping[str, Any]]
    ) -> int:
        """Rows ``{"from": key, "to": key, "rid": str, "props": {...}}``; MERGE on
        (from, to, type, rid) and replace the properties. Returns how many were written
        (a row whose end is missing writes nothing)."""
        ...

    def delete_outgoing(self, label: Label, keys: Sequence[str], rels: Iterable[Rel]) -> int:
        """Remove relationships of these types that start at these nodes (row ownership)."""
        ...

    def delete_relationships(self, rel: Rel, rows: Sequence[Mapping[str, Any]]) -> int:
        """Remove relationships given as ``{"from", "to", "rid"}`` (any end labels)."""
        ...

    def delete_nodes(self, label: Label, keys: Sequence[str]) -> int:
        """Remove nodes and every relationship touching them."""
        ...

    def fetch_nodes(self, label: Label, keys: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
        """Properties of nodes by key (all of the label when keys is None)."""
        ...

    def fetch_relationships(self, rel: Rel) -> list[tuple[str, str, str, dict[str, Any]]]:
        """Every relationship of a type as (from node id, to node id, rid, properties)."""
        ...

    def counts(self) -> dict[str, dict[str, int]]: ...

    # --- documents kept with the graph, outside the domain graph ---------------------
    # Saved plans, boundaries, snapshots: JSON documents of a ``kind``, keyed by ``doc_id``.
    # No question, count, dump or projection ever sees them.

    def put_doc(self, kind: str, doc_id: str, doc: Mapping[str, Any]) -> None:
        """Create or replace one document (committed at once, or with the load in bulk())."""
        ...

    def get_doc(self, kind: str, doc_id: str) -> dict[str, Any] | None: ...

    def replace_docs(self, kind: str, docs: Mapping[str, Mapping[str, Any]]) -> None:
        """Make ``docs`` (id -> document) every document of a kind, in a few statements (the
        maintained aggregates write one per town)."""
        ...

    def list_docs(self, kind: str) -> list[dict[str, Any]]:
        """Every document of a kind, sorted by id."""
        ...

    def delete_doc(self, kind: str, doc_id: str) -> bool: ...

    def dump(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Every node ``{"id", "label", "properties"}`` and relationship
        ``{"type", "from", "to", "rid", "properties"}``, sorted."""
        ...

    def projection(self, labels: Iterable[Label], rels: Iterable[Rel]) -> nx.Graph:
        """Undirected simple graph over the given labels and types, nodes and edges
        inserted in sorted (label, key) order so both backends give identical analytics."""
        ...

    def version(self) -> str:
        """Changes whenever the graph changes (cache keys), documents included."""
        ...

    def data_version(self) -> str:
        """Changes whenever domain nodes or relationships change, and only then: documents
        (put_doc...), the load state and row hashes leave it alone. Equal values mean an equal
        domain graph, so results kept in a document stamped with it stay valid while it holds.
        Every write path changes it: a load (at its start and before it recounts the
        aggregates), --sync, wipe, and any direct write outside ``bulk()`` (inside, once at the end)."""
        ...

    def bump_data_version(self) -> str:
        """Give the data version a new value and return it (the loader, after its last domain write)."""
        ...

    def wipe(self, allow_remote: bool = False) -> None: ...

    def ping(self) -> None:
        """Raise StoreUnavailable when the store cannot be reached."""
        ...

    def close(self) -> None: ...


def empty_counts() -> dict[str, dict[str, int]]:
    return {"nodes": {lab.value: 0 for lab in Label}, "relationships": {r.value: 0 for r in Rel}}


def build_projection(
    nodes: Iterable[tuple[str, dict[str, Any]]], edges: Iterable[tuple[str, str, str]]
) -> nx.Graph:
    """Deterministic undirected projection: sorted nodes, then sorted edges (u < v)."""
    g = nx.Graph()
    for nid, attrs in sorted(nodes, key=lambda x: x[0]):
        g.add_node(nid, **attrs)
    norm = sorted({(min(u, v), max(u, v), t) for u, v, t in edges if u != v})
    for u, v, t in norm:
        if u in g and v in g:
            if g.has_edge(u, v):
                g[u][v]["types"] = sorted(set(g[u][v]["types"]) | {t})
            else:
                g.add_edge(u, v, types=[t])
    return g


ProjectionRows = tuple[list[tuple[str, dict[str, Any]]], list[tuple[str, str, str]]]


def read_projection(
    db: CypherReader,
    labels: Iterable[Label],
    rels: Iterable[Rel],
    match: Callable[[str, Label], str] | None = None,
    admits: Callable[[str], str] | None = None,
    params: Mapping[str, Any] | None = None,
) -> ProjectionRows:
    """A projection's nodes and edges through Cypher, for :func:`build_projection`.

    One query per label for its nodes (key, name, town only: never every property) and one
    for the edges leaving them, to nodes of the projection's labels. ``match(var, label)`` is
    the ``MATCH`` of a label's nodes (default: a label scan; a scope passes its index seek) and
    ``admits(var)`` a predicate the far end must meet too; ``params`` are theirs. The edges are
    expanded from the label's nodes in a subquery, so no plan ever starts at an unlabelled end."""
    from graph.model import NODE_NAMES
    from graph.schema import label as L
    from graph.schema import rel_type as T

    labs = sorted({Label(x) for x in labels}, key=lambda x: x.value)
    pattern = "|".join(sorted(T(Rel(r)) for r in rels))
    scan = match or (lambda v, lab: f"MATCH ({v}:{L(lab)})")
    where = f" AND {admits('b')}" if admits else ""
    p = {
        **(params or {}),
        "labels": [x.value for x in labs],
        "fk": {lab.value: key for lab, key in NODE_KEYS.items()},
    }
    nodes: list[tuple[str, dict[str, Any]]] = []
    edges: list[tuple[str, str, str]] = []
    for lab in labs:
        key, name = NODE_KEYS[lab], NODE_NAMES[lab]
        text = f"{scan('n', lab)} RETURN collect([n.`{key}`, n.`{name}`, n.town_code]) AS rows"
        for k, nm, town in db.read(text, p, "projection_nodes")[0]["rows"]:
            nodes.append((node_id(lab, k), {"label": lab.value, "key": k, "name": nm, "town_code": town}))
        if not pattern:
            continue
        text = (
            f"{scan('a', lab)} CALL (a) {{ MATCH (a)-[r:{pattern}]->(b) WHERE labels(b)[0] IN $labels{where} "
            "RETURN labels(b)[0] AS bl, b[$fk[labels(b)[0]]] AS bk, type(r) AS t } "
            f"RETURN collect([a.`{key}`, bl, bk, t]) AS rows"
        )
        for a, bl, bk, t in db.read(text, p, "projection_edges")[0]["rows"]:
            edges.append((node_id(lab, a), node_id(bl, bk), t))
    return nodes, edges


def projection_attrs(label: str, props: Mapping[str, Any]) -> dict[str, Any]:
    lab = Label(label)
    from graph.model import NODE_NAMES

    return {
        "label": lab.value,
        "key": props.get(NODE_KEYS[lab]),
        "name": props.get(NODE_NAMES[lab]),
        "town_code": props.get("town_code"),
    }


def _graphml_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def export_dump(nodes: Sequence[dict[str, Any]], rels: Sequence[dict[str, Any]], fmt: str, out: Path) -> None:
    """Write a dump as JSON or GraphML (readable by networkx.read_graphml)."""
    from graph.errors import InputError

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    if fmt == "json":
        with tmp.open("w", encoding="utf-8") as fh:
            json.dump({"nodes": list(nodes), "relationships": list(rels)}, fh, ensure_ascii=False, indent=1)
    elif fmt == "graphml":
        g = nx.MultiDiGraph()
        for n in nodes:
            attrs = {k: _graphml_value(v) for k, v in n["properties"].items()}
            g.add_node(n["id"], _label=n["label"], **attrs)
        for r in rels:
            attrs = {k: _graphml_value(v) for k, v in r["properties"].items()}
            g.add_edge(
                r["from"], r["to"], key=f"{r['type']}|{r['rid']}", _type=r["type"], rid=r["rid"], **attrs
            )
        nx.write_graphml(g, tmp, encoding="utf-8")
    else:
        raise InputError(f"不支持的导出格式：{fmt}（可选 graphml、json）", f"unknown export format {fmt!r}")
    tmp.replace(out)


def batched(rows: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]
