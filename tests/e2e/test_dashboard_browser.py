"""The dashboard in a real browser: login, every page without an error element, the pairing
graph drawn and clickable, the main interactions, the import flow, and a screenshot of each."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import Page, Server

pytestmark = pytest.mark.e2e

PAGES = [
    "总览",
    "覆盖缺口",
    "结对网络",
    "党员关系",
    "路径查询",
    "网络分析",
    "党建地图",
    "对象详情",
    "数据导入",
]
SLUG = {
    "总览": "overview",
    "覆盖缺口": "gaps",
    "结对网络": "pairing",
    "党员关系": "membership",
    "路径查询": "paths",
    "网络分析": "centrality",
    "党建地图": "map",
    "对象详情": "entity",
    "数据导入": "import",
}

NODE_PIXEL = """
([key, id]) => {
  const chart = (window.__orggraphCharts || {})[key];
  if (!chart) return null;
  const nodes = chart.getOption().series[0].data;
  const n = nodes.find(d => d.id === id);
  if (!n) return null;
  const pt = chart.convertToPixel({seriesIndex: 0}, [n.x, n.y]);
  const r = chart.getDom().getBoundingClientRect();
  return [r.left + pt[0], r.top + pt[1]];
}
"""


def test_every_page_loads_for_admin(tab: Page) -> None:
    tab.login("admin")
    for nav in PAGES:
        if nav != "总览":
            tab.open(nav)
        assert not tab.errors(), (nav, tab.errors())
        path = tab.shot(f"admin-{SLUG[nav]}")
        assert path.stat().st_size > 10_000


def test_pairing_graph_renders_and_a_click_shows_details(tab: Page, server: Server) -> None:
    tab.login("district")
    tab.open("结对网络")
    p = tab.page
    p.wait_for_selector(".echarts-container canvas", timeout=30_000)
    p.wait_for_function("() => window.__orggraphCharts && window.__orggraphCharts['pair-graph-示范帮扶']")
    p.locator(".echarts-container").first.scroll_into_view_if_needed()
    xy = p.evaluate(NODE_PIXEL, ["pair-graph-示范帮扶", server.facts["hub_id"]])
    assert xy, "the hub node is not drawn"
    p.mouse.click(xy[0], xy[1])
    tab.settle()
    p.wait_for_selector(f'h4:has-text("{server.facts["hub_name"]}")', timeout=30_000)
    panel = p.locator('[data-testid="stMain"]').inner_text()
    assert f"结对对象（{len(server.facts['hub_partners'])}）" in panel  # the table itself is a canvas
    assert not tab.errors()
    tab.shot("pairing-node-clicked")


def test_search_driven_pages(tab: Page, server: Server) -> None:
    f = server.facts
    tab.login("district")

    tab.open("覆盖缺口")
    tab.page.get_by_role("tab", name="分布图").click()
    tab.page.wait_for_selector(".echarts-container canvas", timeout=30_000)
    tab.page.wait_for_timeout(800)
    tab.shot("gaps-scatter")

    tab.open("结对网络")
    tab.page.locator('[data-testid="stButtonGroup"] button', has_text="村企联建").click()
    tab.settle()
    tab.page.wait_for_function(
        "() => window.__orggraphCharts && window.__orggraphCharts['pair-graph-村企联建']"
    )
    assert not tab.errors()
    tab.shot("pairing-villages")

    tab.open("党员关系")
    tab.enter("党员编号或姓名", f["member_key"])
    tab.page.wait_for_selector("text=组织关系链", timeout=30_000)
    assert not tab.errors()
    tab.shot("membership-member")

    tab.open("路径查询")
    tab.enter("起点", f["path_from"])
    tab.enter("终点", f["path_to"])
    tab.page.wait_for_selector("text=路径 1", timeout=30_000)
    tab.page.wait_for_selector(".echarts-container canvas", timeout=30_000)
    assert not tab.errors()
    said = tab.page.locator('[data-testid="stMain"]').inner_text()
    assert "路径 1：" in said and "。" in said  # each path read as a sentence
    tab.shot("paths-found")

    tab.open("对象详情")
    tab.enter("名称或编码", f["hub_id"].split(":", 1)[1])
    tab.page.wait_for_selector(f'h4:has-text("{f["hub_name"]}")', timeout=30_000)
    assert not tab.errors()
    tab.shot("entity-details")

    tab.enter("名称或编码", f["member_key"])
    tab.page.wait_for_selector("text=已脱敏", timeout=30_000)  # ID and phone, masked
    assert "工作单位" in tab.page.locator('[data-testid="stMain"]').inner_text()
    assert not tab.errors()
    tab.shot("entity-member")

    tab.enter("名称或编码", f["village_key"])
    tab.page.wait_for_selector(f'h4:has-text("{f["village_name"]}")', timeout=30_000)
    tab.page.wait_for_selector("text=村企联建", timeout=30_000)
    assert not tab.errors()
    tab.shot("entity-village")


def test_town_user_is_scoped(tab: Page, server: Server) -> None:
    tab.login("town")
    side = tab.page.locator('[data-testid="stSidebar"]').inner_text()
    assert "仅看本镇街" in side
    assert "数据导入" not in side  # admin only
    tab.shot("town-overview")
    tab.open("覆盖缺口")
    labels = tab.page.locator('[data-testid="stWidgetLabel"]').all_inner_texts()
    assert "镇街" not in [x.strip() for x in labels]  # the town is fixed by the token
    assert not tab.errors()
    tab.shot("town-gaps")


def test_import_dry_run_then_load(tab: Page, server: Server, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    # The demo workbook with one organisation's credit code broken: one rejected row.
    wb = load_workbook(server.home / "demo-district.xlsx")
    ws = wb["组织"]
    col = next(
        c.column for row in ws.iter_rows(min_row=1, max_row=5) for c in row if c.value == "统一社会信用代码"
    )
    header_row = next(
        c.row for row in ws.iter_rows(min_row=1, max_row=5) for c in row if c.value == "统一社会信用代码"
    )
    ws.cell(row=header_row + 1, column=col, value="NOT-A-CODE")
    upload = tmp_path / "roster.xlsx"
    wb.save(upload)

    tab.login("admin")
    tab.open("数据导入")
    tab.page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(upload))
    tab.page.wait_for_selector("text=校验结果", timeout=120_000)
    tab.settle()
    body = tab.page.locator('[data-testid="stMain"]').inner_text()
    assert "问题明细（1 条）" in body  # the one broken row, with its reason in the table
    tab.shot("import-dry-run")
    tab.page.get_by_role("button", name="确认导入").click()
    tab.page.wait_for_selector("text=导入结果", timeout=300_000)
    tab.settle()
    assert "已写入" in tab.page.locator('[data-testid="stMain"]').inner_text()
    assert not [e for e in tab.errors() if "输入无法使用" in e]
    tab.shot("import-loaded")
    # The roster (raw ID numbers) does not stay on the server once loaded.
    assert not [p for p in (server.home / "uploads").rglob("*") if p.suffix in (".xlsx", ".xls", ".csv")]
    # The overview names the data it shows: the uploaded file, by the name the user gave it.
    tab.open("总览")
    assert "roster.xlsx" in tab.page.locator('[data-testid="stMain"]').inner_text()


MAP_STATE = """
() => {
  const canvas = document.querySelector('.echarts-container canvas');
  return canvas ? [canvas.width, canvas.height] : null;
}
"""


def test_party_map_draws_boundaries_and_lines_offline(tab: Page, server: Server) -> None:
    tab.login("district")
    tab.open("党建地图")
    p = tab.page
    p.wait_for_selector(".echarts-container canvas", timeout=30_000)
    p.wait_for_timeout(1500)
    size = p.evaluate(MAP_STATE)
    assert size and size[0] > 600 and size[1] > 400
    main = p.locator('[data-testid="stMain"]').inner_text()
    assert "尚未导入镇街边界" not in main  # the demo's boundaries were imported
    assert not tab.errors(), tab.errors()
    path = tab.shot("party-map")
    assert path.stat().st_size > 50_000  # polygons, points and lines, not a blank canvas
    # the fixture `tab` fails the test if the page asked for anything off localhost
