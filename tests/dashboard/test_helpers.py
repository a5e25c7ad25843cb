"""The dashboard's own helpers: drawings (layout, cap, click), Excel export, the CLI command."""

from __future__ import annotations

import io
import itertools

import networkx as nx
import pandas as pd
from openpyxl import load_workbook

from cli.dashboard import streamlit_command
from dashboard import charts
from dashboard.export import to_xlsx
from queries.layout import pack_layout


def _stars(n_stars: int, leaves: int) -> tuple[list[tuple[str, str, str, str]], list[tuple[str, str, str]]]:
    nodes, edges = [], []
    for s in range(n_stars):
        hub = f"PartyOrg:H{s:04d}"
        nodes.append((hub, f"示范点{s}", "区级示范点", ""))
        for j in range(leaves):
            leaf = f"Organization:L{s:04d}{j}"
            nodes.append((leaf, f"组织{s}-{j}", "未建党组织的组织", ""))
            edges.append((hub, leaf, "结对帮扶"))
    return nodes, edges


def test_drawing_is_deterministic_and_complete() -> None:
    nodes, edges = _stars(30, 3)
    a = charts.build_drawing(nodes, edges)
    b = charts.build_drawing(list(reversed(nodes)), list(reversed(edges)))
    assert a.nodes == b.nodes and a.links == b.links
    assert {n["id"] for n in a.nodes} == {n[0] for n in nodes}
    assert len(a.links) == len(edges)
    assert a.categories == ["区级示范点", "未建党组织的组织"]  # palette order
    assert not a.truncated


def test_packed_components_do_not_overlap() -> None:
    g = nx.Graph()
    nodes, edges = _stars(40, 2)
    g.add_nodes_from(n[0] for n in nodes)
    g.add_edges_from((u, v) for u, v, _ in edges)
    pos = pack_layout([n[0] for n in nodes], [(u, v) for u, v, _ in edges])
    boxes = []
    for comp in nx.connected_components(g):
        xs = [pos[n][0] for n in comp]
        ys = [pos[n][1] for n in comp]
        boxes.append((min(xs), max(xs), min(ys), max(ys)))
    for i, p in enumerate(boxes):
        for q in boxes[i + 1 :]:
            apart = p[1] < q[0] or q[1] < p[0] or p[3] < q[2] or q[3] < p[2]
            assert apart


def test_at_most_the_cap_is_drawn() -> None:
    nodes, edges = _stars(300, 9)  # 3,000 nodes
    d = charts.build_drawing(nodes, edges, cap=2000)
    assert d.truncated and d.total_nodes == 3000
    assert len(d.nodes) <= 2000
    drawn = {n["id"] for n in d.nodes}
    assert all(link["source"] in drawn and link["target"] in drawn for link in d.links)


def test_one_huge_component_is_cut_to_its_best_connected_nodes() -> None:
    g = nx.star_graph(2500)
    nodes = [(f"PartyOrg:{n:05d}", str(n), "党组织", "") for n in g.nodes]
    edges = [(f"PartyOrg:{u:05d}", f"PartyOrg:{v:05d}", "") for u, v in g.edges]
    d = charts.build_drawing(nodes, edges, cap=2000)
    assert len(d.nodes) == 2000
    assert "PartyOrg:00000" in {n["id"] for n in d.nodes}  # the hub survives


def test_clicked_node_matches_index_and_name() -> None:
    nodes, edges = _stars(2, 1)
    d = charts.build_drawing(nodes, edges)
    first = d.nodes[0]
    sel = {"selection": {"points": [{"point_index": 0, "name": first["name"]}]}}
    assert charts.clicked_node(sel, d) == first["id"]
    edge_click = {"selection": {"points": [{"point_index": 0, "name": None}]}}
    assert charts.clicked_node(edge_click, d) is None
    stale = {"selection": {"points": [{"point_index": 0, "name": "另一个"}]}}
    assert charts.clicked_node(stale, d) is None
    assert charts.clicked_node(None, d) is None


def test_graph_options_keep_the_aspect_ratio() -> None:
    nodes, edges = _stars(3, 2)
    series = charts.graph_options(charts.build_drawing(nodes, edges))["series"][0]
    # ECharts stretches circles into ellipses when all four sides are fixed.
    assert not {"bottom", "right", "width", "height"} & set(series)


def test_excel_export_writes_formulas_as_text() -> None:
    df = pd.DataFrame({"组织名称": ['=HYPERLINK("http://x","点我")', "+1+2", "-3", "@SUM(A1)", "正常"]})
    wb = load_workbook(io.BytesIO(to_xlsx({"清单": df})))
    ws = wb["清单"]
    values = [ws.cell(row=i, column=1) for i in range(2, 7)]
    assert [c.value for c in values] == list(df["组织名称"])
    assert all(c.data_type == "s" for c in values)  # strings, never formulas


def test_dashboard_command_is_offline_and_headless() -> None:
    cmd = streamlit_command(8599, "127.0.0.1")
    flags = dict(itertools.pairwise(cmd))
    assert cmd[cmd.index("run") + 1].endswith("dashboard/app.py")
    assert flags["--browser.gatherUsageStats"] == "false"
    assert flags["--server.headless"] == "true"
    assert flags["--server.port"] == "8599"
    assert flags["--server.address"] == "127.0.0.1"


def test_group_layout_boxes_towns_apart_and_fills_the_width() -> None:
    from queries.layout import group_layout

    groups = {f"T{t:02d}": [f"T{t:02d}-{i}" for i in range(1 + (t * 7) % 13)] for t in range(23)}
    edges = [(ids[0], x) for ids in groups.values() for x in ids[1:]] + [("T01-0", "T02-0")]
    pos, titles = group_layout(groups, edges, aspect=2.2)
    assert (pos, titles) == group_layout(groups, edges, aspect=2.2)  # the same every time
    assert set(pos) == {x for ids in groups.values() for x in ids} and set(titles) == set(groups)
    box = {
        t: (min(pos[x][0] for x in ids), min(pos[x][1] for x in ids), max(pos[x][0] for x in ids),
            max(pos[x][1] for x in ids))
        for t, ids in groups.items()
    }  # fmt: skip
    for t, (x0, y0, x1, y1) in box.items():
        assert titles[t][1] < y0 and titles[t][0] <= x0
        for u, (a0, b0, a1, b1) in box.items():
            if u != t:
                assert x1 < a0 or a1 < x0 or y1 < b0 or b1 < y0, (t, u)
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    assert 1.3 < (max(xs) - min(xs)) / (max(ys) - min(ys)) < 4
