"""组建规划 in a real browser (issue 14): the plan with its rows and the before/after chart drawn by
ECharts, every word a person reads in Chinese; the hand-off from 网络分析's impact panel."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import Page

pytestmark = pytest.mark.e2e

# Latin letters a town user may meet: the formation "1+X" and the export's file type.
ALLOWED = {"X", "xlsx"}
CHART = """
() => {
  const c = (window.__orggraphCharts || {})['plan-town-bars'];
  if (!c) return null;
  const o = c.getOption();
  return [o.series.map(s => s.name), o.xAxis[0].name || '', o.yAxis[0].data];
}
"""


def _english(text: str) -> set[str]:
    # words, not codes: a run of letters touching a digit ("QW0001") is an entity's code
    return {w for w in re.findall(r"(?<![A-Za-z0-9])[A-Za-z]+(?![A-Za-z0-9])", text) if w not in ALLOWED}


def _plan_shown(tab: Page) -> str:
    p = tab.page
    p.wait_for_selector("text=/组建方案（\\d+ 行）/", timeout=180_000)
    tab.settle()
    return _read(tab, '[data-testid="stMain"]')


def _read(tab: Page, where: str) -> str:
    """The text of a part of the page as a person reads it."""
    p = tab.page
    text = str(p.locator(where).inner_text())
    # Material icons are drawn from their names ("keyboard_arrow_down"): a person sees the icon
    icons = p.locator('[data-testid="stIconMaterial"]').all_inner_texts()
    for icon in sorted(set(icons), key=len, reverse=True):  # "assignment_late" before "assignment"
        text = text.replace(icon, "")
    return text


def test_plan_page_in_chinese(tab: Page) -> None:
    tab.login("district")
    tab.open("组建规划")
    text = _plan_shown(tab)
    assert not tab.errors()
    rows = int(re.search(r"组建方案（(\d+) 行）", text).group(1))  # type: ignore[union-attr]
    assert rows > 0 and "覆盖率：规划前 → 规划后" in text
    assert not _english(text), sorted(_english(text))
    side = _read(tab, '[data-testid="stSidebarNav"]')
    assert not _english(side), sorted(_english(side))
    p = tab.page
    p.wait_for_function("() => window.__orggraphCharts && window.__orggraphCharts['plan-town-bars']")
    series, unit, towns = p.evaluate(CHART)
    assert series == ["规划前", "规划后"] and unit == "%"
    assert towns and not _english(" ".join(towns))
    tab.shot("plan")


def test_impact_hands_removed_entities_to_the_plan(tab: Page) -> None:
    tab.login("district")
    tab.open("网络分析")
    p = tab.page
    p.wait_for_selector('[data-testid="stDataFrame"]', timeout=60_000)
    grid = p.locator('[data-testid="stDataFrame"]').first
    box = grid.bounding_box()
    assert box is not None
    p.mouse.click(box["x"] + 18, box["y"] + 35 + 17)  # the first row's marker: simulate its removal
    tab.settle()
    link = p.get_by_role("link", name=re.compile("按撤销后的情况重新组建规划"))
    link.wait_for(timeout=60_000)
    link.click()
    text = _plan_shown(tab)
    assert "按撤销后的情况规划" in text and "来自网络分析的影响分析" in text
    assert not tab.errors()
    assert not _english(text), sorted(_english(text))
    tab.shot("plan-after-impact")
