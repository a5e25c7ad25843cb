"""Layouts of networks to draw: plain node ids and edges in, positions out.

Computed on the server with fixed seeds, so a view looks the same on every visit and the
browser never runs a force simulation over thousands of nodes. The faces pass plain data
(ids and pairs) and never see a graph object.

Example
-------
>>> kept, truncated = cap_nodes(["a", "b", "c"], [("a", "b")], cap=2)
>>> kept, truncated
(['a', 'b'], True)
>>> sorted(pack_layout(kept, [("a", "b")]))
['a', 'b']
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import networkx as nx

MAX_DRAWN = 2000  # DESIGN.md: never draw more than about 2,000 nodes at once
SEED = 7
GAP = 1.2  # space between packed components, in layout units

Edge = tuple[str, str]
Position = tuple[float, float]


def _graph(nodes: Iterable[str], edges: Iterable[Edge]) -> nx.Graph:
    g = nx.Graph()
    g.add_nodes_from(sorted(nodes))
    g.add_edges_from((u, v) for u, v in edges if u in g and v in g and u != v)
    return g


def _radial(g: nx.Graph, root: str) -> dict[str, tuple[float, float]]:
    """Radial tree layout from a BFS tree: each subtree gets an angle share by its leaves.
    O(n), deterministic; used for components too big for the dense spring layout."""
    tree = nx.bfs_tree(g, root, sort_neighbors=sorted)
    leaves: dict[str, int] = {}
    for n in reversed(list(nx.topological_sort(tree))):
        kids = list(tree.successors(n))
        leaves[n] = sum(leaves[k] for k in kids) if kids else 1
    pos = {root: (0.0, 0.0)}
    stack = [(root, 0.0, 2 * math.pi, 0)]
    while stack:
        n, a0, a1, depth = stack.pop()
        kids = sorted(tree.successors(n))
        total = sum(leaves[k] for k in kids) or 1
        a = a0
        for k in kids:
            span = (a1 - a0) * leaves[k] / total
            mid = a + span / 2
            r = depth + 1
            pos[k] = (r * math.cos(mid), r * math.sin(mid))
            stack.append((k, a, a + span, depth + 1))
            a += span
    return pos


def _component_layout(g: nx.Graph) -> dict[str, tuple[float, float]]:
    n = g.number_of_nodes()
    nodes = sorted(g.nodes)
    if n == 1:
        return {nodes[0]: (0.0, 0.0)}
    if n == 2:  # upright, so a row of pairs does not read as one long chain
        return {nodes[0]: (0.0, 0.0), nodes[1]: (0.0, 1.0)}
    if n < 500:  # networkx's dense solver needs only numpy below 500 nodes
        pos = nx.spring_layout(g, seed=SEED, iterations=60, method="force")
        return {k: (float(v[0]), float(v[1])) for k, v in pos.items()}
    root = max(nodes, key=lambda x: (g.degree(x), x))
    return _radial(g, root)


Box = tuple[dict[str, Position], float, float]  # positions from (0, 0), width, height


def _rows(boxes: Sequence[Box], width: float) -> tuple[list[Position], float, float]:
    """Corners of the boxes in rows no wider than ``width`` (a box wider starts its own row),
    and the extent (width, height) they take."""
    corners: list[Position] = []
    x = y = row_h = used = 0.0
    for _, w, h in boxes:
        if x + w > width and x > 0:
            x, y, row_h = 0.0, y + row_h, 0.0
        corners.append((x, y))
        x += w
        used = max(used, x)
        row_h = max(row_h, h)
    return corners, used, y + row_h


def _shelf(
    boxes: Sequence[Box], aspect: float, pad: float = GAP
) -> tuple[dict[str, Position], list[Position]]:
    """Shelf-pack boxes in rows (in the order given), the row width chosen among a few so the
    whole is closest to ``aspect`` (width / height): the positions moved into place, and each
    box's top-left corner."""
    widest, total = max(w for _, w, _ in boxes), sum(w for _, w, _ in boxes)
    tries = [widest * (total / widest) ** (i / 24) for i in range(25)]

    def misfit(width: float) -> float:
        _, w, h = _rows(boxes, width)
        return abs(math.log(w / h / aspect)) if w > 0 and h > 0 else math.inf

    corners = _rows(boxes, min(tries, key=misfit))[0]
    out: dict[str, Position] = {}
    for (pos, _, _), (x, y) in zip(boxes, corners, strict=True):
        for k, (px, py) in pos.items():
            out[k] = (x + pad / 2 + px, y + pad / 2 + py)
    return out, corners


def _pack(g: nx.Graph, aspect: float = 1.5) -> dict[str, tuple[float, float]]:
    """Lay out each connected component on its own and shelf-pack their boxes in rows,
    largest first, to about ``aspect`` (width / height): star-shaped pairing networks read
    far better this way than as one force-directed blob."""
    comps = sorted((sorted(c) for c in nx.connected_components(g)), key=lambda c: (-len(c), c[0]))
    boxes: list[Box] = []
    for comp in comps:
        pos = _component_layout(g.subgraph(comp))
        xs = [p[0] for p in pos.values()]
        ys = [p[1] for p in pos.values()]
        extent = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
        size = 1.1 * math.sqrt(len(comp)) if len(comp) > 1 else 0.0  # area grows with the size
        scaled = {
            k: ((x - min(xs)) / extent * size, (y - min(ys)) / extent * size) for k, (x, y) in pos.items()
        }
        w = max(p[0] for p in scaled.values()) + GAP
        h = max(p[1] for p in scaled.values()) + GAP
        boxes.append((scaled, w, h))
    return _shelf(boxes, aspect)[0]


TITLE = 0.9  # room above a group for its title, in layout units


def group_layout(
    groups: Mapping[str, Sequence[str]], edges: Iterable[Edge], aspect: float = 2.0
) -> tuple[dict[str, Position], dict[str, Position]]:
    """Each group (a town's nodes) packed on its own, then the groups shelf-packed in rows,
    largest first, to about ``aspect``: node positions, and where each group's title goes
    (above its box). Edges between groups are drawn but do not pull the groups together.

    Example
    -------
    >>> pos, titles = group_layout({"T1": ["a", "b"], "T2": ["c"]}, [("a", "b"), ("b", "c")])
    >>> sorted(titles)
    ['T1', 'T2']
    """
    edges = list(edges)
    boxes: list[Box] = []
    names = sorted((k for k, v in groups.items() if v), key=lambda k: (-len(groups[k]), k))
    for name in names:
        members = set(groups[name])
        pos = _pack(_graph(members, [(u, v) for u, v in edges if u in members and v in members]))
        w = max(max(p[0] for p in pos.values()) + GAP, 2.5)  # room for the title
        h = max(p[1] for p in pos.values()) + GAP
        boxes.append(({k: (x, y + TITLE) for k, (x, y) in pos.items()}, w + GAP, h + TITLE + GAP))
    if not boxes:
        return {}, {}
    pos, corners = _shelf(boxes, aspect)
    titles = {name: (cx + GAP / 2, cy + GAP / 2) for name, (cx, cy) in zip(names, corners, strict=True)}
    return pos, titles


def _cap(g: nx.Graph, cap: int = MAX_DRAWN) -> tuple[nx.Graph, bool]:
    if g.number_of_nodes() <= cap:
        return g, False
    keep: list[str] = []
    for comp in sorted((sorted(c) for c in nx.connected_components(g)), key=lambda c: (-len(c), c[0])):
        if len(keep) + len(comp) <= cap:
            keep.extend(comp)
        elif not keep:
            keep = sorted(comp, key=lambda n: (-g.degree(n), n))[:cap]
            break
    return g.subgraph(keep).copy(), True


def pack_layout(nodes: Iterable[str], edges: Iterable[Edge], aspect: float = 1.5) -> dict[str, Position]:
    """Lay out each connected component on its own and shelf-pack their boxes in rows,
    largest first, to about ``aspect`` (width / height): star-shaped pairing networks read
    far better this way than as one force-directed blob."""
    g = _graph(nodes, edges)
    return _pack(g, aspect) if g.number_of_nodes() else {}


def cap_nodes(nodes: Iterable[str], edges: Iterable[Edge], cap: int = MAX_DRAWN) -> tuple[list[str], bool]:
    """At most ``cap`` node ids (sorted): whole components, largest first; a single larger
    component is cut to its best-connected nodes. Also says whether any were left out."""
    g, truncated = _cap(_graph(nodes, edges), cap)
    return sorted(g.nodes), truncated


def degrees(nodes: Sequence[str], edges: Iterable[Edge]) -> dict[str, int]:
    """Each node's number of distinct neighbours among ``nodes`` (self-loops ignored)."""
    g = _graph(nodes, edges)
    return {n: int(g.degree(n)) for n in nodes}
