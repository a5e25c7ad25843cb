"""Streamlit entry: login, then the pages the caller's role may see (st.navigation).

Run with ``orggraph dashboard`` (or ``streamlit run dashboard/app.py``).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

# `streamlit run dashboard/app.py` puts dashboard/ itself on sys.path, not the project root.
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import streamlit as st  # noqa: E402

from dashboard import common  # noqa: E402
from graph.errors import Forbidden, LoadIncomplete, OrgGraphError  # noqa: E402

HERE = Path(__file__).resolve().parent
_TIMING = os.environ.get("ORGGRAPH_DASHBOARD_TIMING") == "1"
VIEWS = HERE / "views"

st.set_page_config(
    page_title=common.APP_TITLE,
    page_icon=str(HERE / "assets" / "icon.png"),  # a local file: a material icon is fetched from Google
    layout="wide",
    initial_sidebar_state="expanded",
)

_CSS = """
<style>
[data-testid="stMainBlockContainer"] { padding-top: 2.6rem; }
[data-testid="stMetric"] { background: #FFFFFF; }
[data-testid="stMetricValue"] { font-size: 1.7rem; }
[data-testid="stSidebarNav"] a span { font-size: 0.98rem; }
.og-banner { border-left: 5px solid #B71C1C; padding: 0.2rem 0 0.2rem 0.8rem; margin-bottom: 0.6rem; }
.og-banner h2 { margin: 0; padding: 0; font-size: 1.55rem; }
.og-banner p { margin: 0.1rem 0 0 0; color: #5f6368; font-size: 0.92rem; }
/* 会议材料: printing a page (Ctrl-P) gives the page itself, without sidebar, toolbar or widgets' chrome */
@media print {
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
  [data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stSkipToContent"],
  [data-testid="stDownloadButton"], [data-testid="stBaseButton-secondary"] { display: none !important; }
  [data-testid="stMain"] { margin-left: 0 !important; }
  [data-testid="stMainBlockContainer"] { padding: 0 !important; max-width: 100% !important; }
}
</style>
"""
st.markdown(_CSS, unsafe_allow_html=True)

# Streamlit 1.67 has no Chinese locale for its own texts: the file uploader's "Upload" /
# "200MB per file", the selectbox's "Choose an option", the table toolbar's tooltips, the
# screen-reader labels. Rewrite them in place whenever they appear: text nodes and attributes
# are edited, never replaced, so React keeps its nodes (and sets them again on an update,
# which the observer sees).
_ZH_SCRIPT = """
<script>
(function () {
  if (window.__ogZh) return;
  window.__ogZh = true;
  var exact = {
    "Upload": "选择文件", "Browse files": "选择文件", "Skip to main content": "跳到正文",
    "Drag and drop file here": "将文件拖放到此处", "Drag and drop files here": "将文件拖放到此处",
    "Choose an option": "请选择", "Choose options": "请选择（可多选）", "No options to select": "没有可选项",
    "No results": "无匹配结果", "Download as CSV": "下载为 CSV", "Search": "搜索", "Fullscreen": "全屏",
    "Close fullscreen": "退出全屏", "Show/hide columns": "显示/隐藏列", "Collapse sidebar": "收起侧栏",
    "Expand sidebar": "展开侧栏", "App pages": "页面导航", "Sidebar": "侧栏",
    "Link to heading": "链接到此标题",
    "Open": "展开", "Close": "收起", "Increment": "增加", "Decrement": "减少", "Clear all": "全部清除",
    "Clear value": "清除", "Clear": "清除", "Show password text": "显示密码",
    "Hide password text": "隐藏密码",
    "file upload": "选择文件", "Delete": "删除", "Remove file": "移除文件", "Running...": "运行中……",
    "Stop": "停止", "Page not found": "页面不存在", "Choose date": "选择日期", "Select a date": "选择日期"
  };
  var rules = [
    [/^(\\d+(?:\\.\\d+)?\\s*[KMG]B) per file(?: \\u2022 (.*))?$/, function (m) {
      return "单个文件不超过 " + m[1] + (m[2] ? "，格式 " + m[2].split(", ").join("、") : "");
    }],
    [/^Help for (.+)$/, function (m) { return m[1] + " 的说明"; }],
    [/^(day|month|year), (.+)$/, function (m) {
      return m[2] + "（" + {day: "日", month: "月", year: "年"}[m[1]] + "）";
    }],
    [/^Remove (.+)$/, function (m) { return "移除 " + m[1]; }]
  ];
  function zh(v) {
    var k = v.trim();
    if (!k || /[\\u4e00-\\u9fff]/.test(k) && !/^(Help for|Remove|day,|month,|year,) /.test(k)) return null;
    if (exact[k]) return exact[k];
    for (var i = 0; i < rules.length; i++) {
      var m = k.match(rules[i][0]);
      if (m) return rules[i][1](m);
    }
    return null;
  }
  var ATTRS = ["aria-label", "title", "placeholder"];
  function fixEl(el) {
    for (var i = 0; i < ATTRS.length; i++) {
      var v = el.getAttribute && el.getAttribute(ATTRS[i]);
      var z = v && zh(v);
      if (z) el.setAttribute(ATTRS[i], z);
    }
  }
  function fix(node) {
    if (!node) return;
    if (node.nodeType === 3) { var z0 = zh(node.nodeValue); if (z0) node.nodeValue = z0; return; }
    if (node.nodeType !== 1) return;
    fixEl(node);
    node.querySelectorAll("[aria-label], [title], [placeholder]").forEach(fixEl);
    var walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
    var t;
    while ((t = walker.nextNode())) { var z = zh(t.nodeValue); if (z) t.nodeValue = z; }
  }
  fix(document.body);
  new MutationObserver(function (muts) {
    muts.forEach(function (m) {
      if (m.type === "attributes") fixEl(m.target);
      else if (m.type === "characterData") fix(m.target);
      else m.addedNodes.forEach(fix);
    });
  }).observe(document.body, {childList: true, subtree: true, characterData: true,
                             attributes: true, attributeFilter: ATTRS});
})();
</script>
"""
st.html(_ZH_SCRIPT, unsafe_allow_javascript=True)


def _login_page() -> None:
    _, mid, _ = st.columns([1, 1.4, 1])
    with mid:
        st.markdown(
            f'<div class="og-banner"><h2>{common.APP_TITLE}</h2>'
            "<p>两新组织党组织覆盖、结对帮扶与党员关系的图谱分析</p></div>",
            unsafe_allow_html=True,
        )
        with st.form("login", border=True):
            token = st.text_input("访问令牌", type="password", placeholder="og_…", key="login_token")
            ok = st.form_submit_button("登录", type="primary", width="stretch")
        st.caption(
            "令牌由管理员用 `orggraph token create --role admin|district|town [--town 镇街编码]` 生成，"
            "与 API 令牌相同。"
        )
        if ok:
            try:
                common.login(token or "")
            except Forbidden as exc:
                st.error(exc.message_zh)
            else:
                st.rerun()
    common.session_cookie()  # clears a stale cookie
    common.prewarm()


def _admin_only() -> None:
    st.error("只有管理员可以使用“数据导入”。")


def _page(file: str, title: str, icon: str, url: str, default: bool = False) -> st.Page:
    return st.Page(str(VIEWS / file), title=title, icon=icon, url_path=url, default=default)


def _sidebar(p: object) -> None:
    from graph.tokens import Principal

    assert isinstance(p, Principal)
    with st.sidebar:
        st.markdown(f"**{common.APP_TITLE}**")
        who = common.ROLE_ZH.get(p.role, p.role)
        if p.scope_town:
            st.caption(f"{who} · 仅看本镇街：{common.town_name(p.scope_town)}")
        else:
            st.caption(f"{who} · 全区")
        if st.button("退出登录", icon=":material/logout:", key="logout"):
            common.logout()
            st.rerun()
        st.caption("个人信息均已脱敏显示。")
        common.session_cookie()


# (file, title, icon, url) of every page, by sidebar group; the first one is the default.
PAGES: dict[str, list[tuple[str, str, str, str]]] = {
    "总览": [("overview.py", "总览", ":material/dashboard:", "overview")],
    "分析": [
        ("gaps.py", "覆盖缺口", ":material/travel_explore:", "gaps"),
        ("plan.py", "组建规划", ":material/assignment:", "plan"),
        ("followup.py", "督办", ":material/assignment_late:", "followup"),
        ("trend.py", "变化趋势", ":material/trending_up:", "trend"),
        ("pairing.py", "结对网络", ":material/hub:", "pairing"),
        ("membership.py", "党员关系", ":material/badge:", "membership"),
        ("paths.py", "路径查询", ":material/route:", "paths"),
        ("centrality.py", "网络分析", ":material/insights:", "centrality"),
        ("map.py", "党建地图", ":material/map:", "map"),
        ("entity.py", "对象详情", ":material/search:", "entity"),
    ],
}
ADMIN_PAGES: dict[str, list[tuple[str, str, str, str]]] = {
    "管理": [("data_import.py", "数据导入", ":material/upload_file:", "import")],
}


def _pages(admin: bool) -> dict[str, list[st.Page]]:
    pages = {
        group: [_page(*spec, default=(group, i) == ("总览", 0)) for i, spec in enumerate(specs)]
        for group, specs in PAGES.items()
    }
    if admin:  # the import page is not even registered for other roles
        pages.update({g: [_page(*spec) for spec in specs] for g, specs in ADMIN_PAGES.items()})
    else:  # a link to it says why instead of "Page not found"
        pages["总览"].append(st.Page(_admin_only, title="数据导入", url_path="import", visibility="hidden"))
    return pages


def main() -> None:
    p = common.principal()
    if p is None:
        # Every page's address shows the login form (not Streamlit's "Page not found"), and the
        # page itself once logged in: a deep link or a refresh survives the login.
        urls = [spec[3] for specs in (*PAGES.values(), *ADMIN_PAGES.values()) for spec in specs]
        login = [st.Page(_login_page, title="登录", icon=":material/login:", url_path="login", default=True)]
        login += [st.Page(_login_page, title="登录", url_path=u, visibility="hidden") for u in urls]
        st.navigation(login, position="hidden").run()
        return
    pages = _pages(admin=p.is_admin)
    pg = st.navigation(pages, position="sidebar", expanded=True)
    try:
        common.begin_run()
    except LoadIncomplete as exc:  # a half-written graph: say so; only the import page (to rerun) runs
        st.error(exc.message_zh, icon=":material/sync_problem:")
        if pg.url_path != "import":
            st.stop()
    except OrgGraphError as exc:  # the store is unreachable: say so, in Chinese, and stop
        st.error(exc.message_zh)
        st.stop()
    _sidebar(p)
    t0 = time.perf_counter()
    try:
        pg.run()
    except OrgGraphError as exc:
        st.error(exc.message_zh)
    finally:
        if _TIMING:  # ORGGRAPH_DASHBOARD_TIMING=1: one line per script run on stderr
            print(
                f"[dashboard] {pg.url_path or 'overview'} {1000 * (time.perf_counter() - t0):.0f} ms",
                file=sys.stderr,
            )


main()
