"""GraphIndex: typed adjacency over the embedded store's graph, built once per graph version.

The embedded graph is a MultiDiGraph with node ids ``"Label:key"``; the index adds typed
adjacency and per-label / per-town node lists so each networkx fact set touches only what it
needs. It is what a :class:`graph.store.base.FactSet`'s ``networkx`` side receives.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol, TypeVar

import networkx as nx

T = TypeVar("T")


class TownScope(Protocol):
    """What the index needs of a caller's scope (:class:`queries.scope.Scope`, which graph/
    may not import): the ``town_code`` values of a label's visible nodes, None for all."""

    def town_codes(self, label: str) -> tuple[str | None, ...] | None: ...


class GraphIndex:
    """Typed adjacency of one graph version."""

    def __init__(self, g: nx.MultiDiGraph) -> None:
        self.g = g
        self.nodes = g.nodes
        out: dict[str, dict[str, list[tuple[str, str]]]] = defaultdict(lambda: defaultdict(list))
        inn: dict[str, dict[str, list[tuple[str, str]]]] = defaultdict(lambda: defaultdict(list))
        by_label: dict[str, list[str]] = defaultdict(list)
        for nid, d in g.nodes(data=True):
            by_label[d["_label"]].append(nid)
        for u, v, k, d in g.edges(keys=True, data=True):
            t = d["_type"]
            out[t][u].append((v, k))
            inn[t][v].append((u, k))
        for lst in by_label.values():
            lst.sort()
        self.by_label = dict(by_label)
        self._out = out
        self._in = inn
        self._derived: dict[str, Any] = {}
        self._lock = threading.Lock()

    def derived(self, name: str, build: Callable[[], T]) -> T:
        """A structure computed once for this graph version (questions keep theirs here)."""
        hit = self._derived.get(name)
        if hit is None:
            hit = build()
            with self._lock:
                self._derived.setdefault(name, hit)
        return hit  # type: ignore[no-any-return,unused-ignore]

    def adjacency(self, rels: Iterable[str]) -> dict[str, tuple[str, ...]]:
        """Undirected neighbours over the given types, each sorted (cached per type set)."""
        types = tuple(sorted(set(rels)))

        def build() -> dict[str, tuple[str, ...]]:
            nb: dict[str, set[str]] = defaultdict(set)
            for t in types:
                for u, lst in self._out.get(t, {}).items():
                    for v, _ in lst:
                        if u != v:
                            nb[u].add(v)
                            nb[v].add(u)
            return {k: tuple(sorted(v)) for k, v in nb.items()}

        return self.derived("adj:" + ",".join(types), build)

    def edges(self, rel: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """Every relationship of a type as (from id, to id, properties)."""
        for u, lst in self._out.get(rel, {}).items():
            for v, k in lst:
                yield u, v, self.g.edges[u, v, k]

    def out(self, nid: str, rel: str) -> list[str]:
        return [v for v, _ in self._out.get(rel, {}).get(nid, ())]

    def inn(self, nid: str, rel: str) -> list[str]:
        return [u for u, _ in self._in.get(rel, {}).get(nid, ())]

    def out_edges(self, nid: str, rel: str) -> list[tuple[str, dict[str, Any]]]:
        return [(v, self.g.edges[nid, v, k]) for v, k in self._out.get(rel, {}).get(nid, ())]

    def in_edges(self, nid: str, rel: str) -> list[tuple[str, dict[str, Any]]]:
        return [(u, self.g.edges[u, nid, k]) for u, k in self._in.get(rel, {}).get(nid, ())]

    def has_in(self, nid: str, rel: str) -> bool:
        return bool(self._in.get(rel, {}).get(nid))

    def has_out(self, nid: str, rel: str) -> bool:
        return bool(self._out.get(rel, {}).get(nid))

    def label_nodes(self, label: str) -> Iterator[tuple[str, dict[str, Any]]]:
        for nid in self.by_label.get(label, ()):
            yield nid, self.nodes[nid]

    def _by_town(self) -> dict[tuple[str, Any], list[str]]:
        def build() -> dict[tuple[str, Any], list[str]]:
            out: dict[tuple[str, Any], list[str]] = defaultdict(list)
            for lab, nids in self.by_label.items():
                for nid in nids:  # already sorted
                    out[(lab, self.nodes[nid].get("town_code"))].append(nid)
            return dict(out)

        return self.derived("by_town", build)

    def town_nodes(self, label: str, town: str | None) -> Iterator[tuple[str, dict[str, Any]]]:
        """Nodes of a label with this town_code (all of the label when town is None), sorted."""
        if town is None:
            yield from self.label_nodes(label)
            return
        for nid in self._by_town().get((label, town), ()):
            yield nid, self.nodes[nid]

    def scoped_nodes(self, label: str, scope: TownScope) -> Iterator[tuple[str, dict[str, Any]]]:
        """Nodes of a label that ``scope`` admits, sorted (the rule is the scope's:
        :meth:`queries.scope.Scope.town_codes`; the index only looks the values up)."""
        codes = scope.town_codes(label)
        if codes is None:
            yield from self.label_nodes(label)
            return
        idx = self._by_town()
        nids = sorted(nid for tc in codes for nid in idx.get((label, tc), ()))
        for nid in nids:
            yield nid, self.nodes[nid]

    def props(self, nid: str) -> dict[str, Any]:
        d: dict[str, Any] = self.nodes[nid]
        return d
