"""网络分析 in a real browser (issue 15): the impact ranking by default, a row's simulated removal,
the cut consequences and the scores under 高级; a screenshot of each."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Page

pytestmark = pytest.mark.e2e


def test_impact_page(tab: Page) -> None:
    tab.login("district")
    tab.open("网络分析")
    p = tab.page
    main = p.locator('[data-testid="stMain"]')
    p.wait_for_selector('[data-testid="stDataFrame"]', timeout=30_000)
    assert "撤销该示范点 →" in main.inner_text() or "示范点，按撤销后的影响" in main.inner_text()
    assert not tab.errors()
    tab.shot("impact-ranking")
    # select the first row (the grid's row marker column) to see what its removal loses
    grid = p.locator('[data-testid="stDataFrame"]').first
    box = grid.bounding_box()
    assert box is not None
    p.mouse.click(box["x"] + 18, box["y"] + 35 + 17)
    tab.settle()
    p.wait_for_selector("text=/撤销：/", timeout=30_000)
    assert "撤销：" in main.inner_text()
    tab.shot("impact-detail")
    p.get_by_role("tab", name="断开后果").click()
    tab.settle()
    assert "关键节点：去掉后断开的对象" in main.inner_text()
    p.get_by_text("高级：中心性得分").click()
    tab.settle()
    assert "度中心性：" in main.inner_text()
    assert not tab.errors()
    tab.shot("impact-cuts-advanced")
