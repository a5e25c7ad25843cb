"""A session in a real browser: it survives a refresh, a deep link and a new tab; the token is
never in the URL, a cookie or the page's storage; logout ends it for every tab."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.conftest import Page, Server

pytestmark = pytest.mark.e2e

LOGIN_FORM = '[data-testid="stTextInput"] input[type="password"]'


def _logged_in(page: Any, title: str) -> None:
    page.wait_for_selector('[data-testid="stSidebarNav"]', timeout=60_000)
    page.wait_for_selector(f'[data-testid="stMarkdownContainer"] h2:has-text("{title}")', timeout=60_000)
    assert page.locator(LOGIN_FORM).count() == 0


def _no_page_not_found(page: Any) -> None:
    text = page.locator("body").inner_text()
    assert "Page not found" not in text and "not found" not in text.lower(), text[:400]


def _storage(page: Any) -> str:
    js = "() => JSON.stringify([document.cookie, {...localStorage}, {...sessionStorage}])"
    return str(page.evaluate(js))


def test_refresh_deep_link_and_new_tab_stay_logged_in(tab: Page, server: Server) -> None:
    token = server.tokens["district"]
    tab.login("district")
    p = tab.page
    p.wait_for_function("() => document.cookie.includes('og_session=')", timeout=30_000)
    cookies = {c["name"]: c for c in tab.ctx.cookies()}
    c = cookies["og_session"]
    assert c["value"] and token not in c["value"] and c["sameSite"] == "Strict" and c["path"] == "/"
    assert c["expires"] > 0  # max-age: not a browser-lifetime cookie
    assert all(token not in x["value"] for x in cookies.values())
    assert token not in _storage(p) and token not in p.url

    p.reload()  # F5
    tab.settle()
    _logged_in(p, "总览")

    p.goto(server.url + "/gaps")  # a deep link
    tab.settle()
    _logged_in(p, "覆盖缺口")
    _no_page_not_found(p)
    assert p.url.endswith("/gaps")

    other = tab.ctx.new_page()  # a second tab, straight to a page
    other.goto(server.url + "/pairing")
    other.wait_for_timeout(500)
    _logged_in(other, "结对网络")
    _no_page_not_found(other)
    assert token not in other.url and token not in _storage(other)

    tab.page.locator('[data-testid="stSidebar"]').get_by_role("button", name="退出登录").click()
    p.wait_for_selector(LOGIN_FORM, timeout=30_000)
    p.wait_for_function("() => !document.cookie.includes('og_session=')", timeout=30_000)
    sessions = json.loads((server.home / "dashboard-sessions.json").read_text())
    assert c["value"] not in json.dumps(sessions)
    other.reload()  # the other tab's session ended on the server too
    other.wait_for_selector(LOGIN_FORM, timeout=60_000)
    other.close()


def test_deep_link_while_logged_out_shows_login_then_the_page(tab: Page, server: Server) -> None:
    p = tab.page
    p.goto(server.url + "/membership")
    p.wait_for_selector(LOGIN_FORM, timeout=60_000)
    tab.settle()
    _no_page_not_found(p)
    p.get_by_label("访问令牌").fill(server.tokens["town"])
    p.get_by_role("button", name="登录").click()
    tab.settle()
    _logged_in(p, "党员关系")
    p.goto(server.url + "/import")  # admin only: a Chinese refusal, not "Page not found"
    tab.settle()
    _no_page_not_found(p)
    p.wait_for_selector("text=只有管理员可以使用", timeout=30_000)
