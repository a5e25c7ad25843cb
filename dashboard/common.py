"""Shared dashboard plumbing: the store, login, scoped questions, labels.

Pages stay thin: they pick parameters from widgets and call :func:`q`, which asks the
question (:mod:`queries.question`) with the caller's :class:`~queries.scope.Scope` (from the
token, never from a widget) through the one answer cache of ``queries/`` (per store version,
scope and parameters). The dashboard itself caches only what it draws.
"""

from __future__ import annotations

import contextlib
import json
import threading
from pathlib import Path
from typing import Any

import streamlit as st

import queries
from dashboard.session import COOKIE, LoginThrottle, SessionStore, cookie_script
from graph.audit import audit
from graph.errors import Forbidden
from graph.model import LABEL_ZH, Label
from graph.settings import get_settings
from graph.store import GraphStore, open_store
from graph.tokens import Principal, TokenStore
from queries.cache import cached
from queries.figures import FIGURES
from queries.membership import CODE_ZH
from queries.question import QUESTIONS, ask
from queries.scope import Scope
from queries.stats import require_complete

APP_TITLE = "两新组织党建图谱"
QUERY_TTL = 600  # seconds (labels read once per process)

ROLE_ZH = {"admin": "管理员", "district": "区级用户", "town": "镇街用户"}

# --- the store ---------------------------------------------------------------------------


def store_target() -> tuple[str, str]:
    """(backend, location) of the configured store: the cache key, so that tests (and one
    process serving several ORGGRAPH_HOMEs) never share a store across homes."""
    s = get_settings()
    backend = s.resolved_backend
    where = s.resolved_neo4j_uri if backend == "neo4j" else str(Path(s.home).resolve())
    return backend, where


def _close(store: GraphStore) -> None:
    with contextlib.suppress(Exception):  # closing at shutdown must never raise
        store.close()


@st.cache_resource(show_spinner=False, on_release=_close)
def _open(kind: str, where: str) -> GraphStore:
    return open_store(None, kind)  # the backend ``kind`` names, at ``where`` (the cache key)


def store() -> GraphStore:
    return _open(*store_target())


_RUN = threading.local()


def begin_run() -> None:
    """Read the store's version once per script run: on Neo4j it is a round trip, and a page
    asks for it with every query (and every town name). Raises LoadIncomplete while the graph is
    half written (a load running or killed): no page answers from it."""
    _RUN.version = store().version()
    require_complete(store())


def version() -> str:
    """The store version for this script run (cache keys)."""
    v = getattr(_RUN, "version", None)
    return v if v is not None else str(store().version())


_WARM: set[tuple[str, str]] = set()
QUERY_MODULES = ("coverage", "gaps", "pairing", "entities", "membership", "centrality", "paths", "ego")


def prewarm() -> None:
    """While someone types a token: import the heavy modules and build the store's indexes,
    once per process and store, so the first page after login is quick. Shows nothing."""
    target = store_target()
    if target in _WARM:
        return
    _WARM.add(target)
    import importlib

    for mod in ("pandas", "networkx", "streamlit_echarts", *(f"queries.{m}" for m in QUERY_MODULES)):
        importlib.import_module(mod)
    s = store()
    with contextlib.suppress(Exception):  # an empty or unreachable store is reported after login
        queries.COVERAGE(s)
        queries.ORG_TREE(s)
        queries.PAIRING(s)
        FIGURES(s)


# --- login ----------------------------------------------------------------------------
# The session id (never the token) lives in st.session_state for this tab and in a cookie
# for the next one; see dashboard/session.py for the mechanism and why.

_SID = "og_sid"
_PRINCIPAL = "og_principal"
_CLEAR_COOKIE = "og_clear_cookie"
THROTTLE = LoginThrottle()


def client_id() -> str:
    """Who is trying to log in, for the throttle: the peer address (None on localhost)."""
    try:
        ip = st.context.ip_address
    except Exception:  # outside a served session (tests)
        ip = None
    return ip if isinstance(ip, str) and ip else "localhost"


def _cookie() -> str | None:
    """The session cookie the browser sent when this tab connected."""
    value = st.context.cookies.get(COOKIE)
    return value if isinstance(value, str) and value else None


def principal() -> Principal | None:
    """The logged-in principal, re-checked on every run (expired session or revoked token =
    logged out). A new tab or a refresh brings the session back through its cookie."""
    sid = st.session_state.get(_SID) or _cookie()
    p = SessionStore().resolve(sid)
    if p is None:
        st.session_state.pop(_SID, None)
        st.session_state.pop(_PRINCIPAL, None)
        return None
    st.session_state[_SID] = sid
    st.session_state[_PRINCIPAL] = p
    return p


def login(token: str) -> Principal:
    """Verify a token and open a session; raises Forbidden (also while throttled)."""
    client = client_id()
    wait = THROTTLE.wait_s(client)
    if wait:
        audit("dashboard.login_throttled", "anonymous", client=client, wait_s=wait)
        raise Forbidden(
            f"登录失败次数过多，请 {wait} 秒后再试", f"too many failed logins: try again in {wait} s"
        )
    try:
        p = TokenStore().verify(token.strip())
    except Forbidden as exc:
        n = THROTTLE.failed(client)
        audit("dashboard.login_failed", "anonymous", client=client, failures=n, reason=exc.message_en)
        raise
    THROTTLE.succeeded(client)
    sid = SessionStore().create(p)
    st.session_state[_SID] = sid
    st.session_state[_PRINCIPAL] = p
    audit("dashboard.login", p.who, client=client)
    return p


def logout() -> None:
    """End the session on the server, forget it here, and clear the cookie on the next run."""
    sid = st.session_state.get(_SID)
    p = st.session_state.get(_PRINCIPAL)
    SessionStore().end(sid)
    cookie = _cookie()
    if cookie and cookie != sid:
        SessionStore().end(cookie)
    st.session_state.clear()
    st.session_state[_CLEAR_COOKIE] = True
    if p is not None:
        audit("dashboard.logout", p.who)


def session_cookie() -> None:
    """Set the session cookie (logged in) or clear it (after logout or when it is stale)."""
    sid = st.session_state.get(_SID)
    if sid:
        script = cookie_script(sid)
    elif st.session_state.pop(_CLEAR_COOKIE, False) or _cookie():
        script = cookie_script(None)
    else:
        return
    st.html(script, unsafe_allow_javascript=True)


def me() -> Principal:
    p = st.session_state.get(_PRINCIPAL)  # checked by app.py at the start of this run
    if not isinstance(p, Principal):  # pages run only after app.py checked the login; this is belt and braces
        st.error("请先登录")
        st.stop()
    return p


def scope() -> str | None:
    return me().scope_town


def effective_town(chosen: str | None) -> str | None:
    """The town a query runs on: the caller's own town always wins over any widget."""
    return Scope.for_caller(scope(), chosen).town


def record(action: str, **details: Any) -> None:
    """Audit a read of personal data or an export (who, what)."""
    audit(action, me().who, **details)


# --- cached, scoped queries ----------------------------------------------------------------


def _call(fn: str, town: str | None, params: dict[str, Any]) -> Any:
    question = queries.QUESTIONS.get(fn)
    if question is not None:
        return queries.ask(store(), question, queries.Scope(town), question.params.parse(params))
    return getattr(queries, fn)(store(), town=town, **params)


def q(fn: str, *, town: str | None = None, **params: Any) -> Any:
    """Ask question ``fn`` for the logged-in user.

    ``town`` is a filter a district user chose; a town user is always confined to its own
    town (:meth:`Scope.for_caller`), so a widget can narrow the scope but never widen it.
    """
    scope_ = Scope.for_caller(scope(), town)
    question = QUESTIONS.get(fn)
    if question is not None:
        return ask(store(), question, scope_, question.params.parse(params))
    # a question not yet in the registry: through the one answer cache all the same
    key = ("dashboard", fn, scope_.key, json.dumps(params, sort_keys=True, ensure_ascii=False, default=str))
    return cached(store(), key, lambda: _call(fn, scope_.town, params))


# --- labels and formatting ---------------------------------------------------------------

INCONSISTENCY_ZH = CODE_ZH  # the codes are the question's own (queries.membership)
NETWORK_ZH = {"organisation": "组织网络", "pairing": "结对网络", "membership": "党员关系网络"}
METRIC_ZH = {"degree": "度中心性", "betweenness": "中介中心性", "pagerank": "影响力（PageRank）"}
FORMATION_ZH_HELP = {
    "单独建": "正式党员 3 名以上，单独组建",
    "联合建": "与邻近未建组织联合组建",
    "挂靠建": "挂靠到邻近党组织",
    "1+X": "纳入邻近党组织“1+X”覆盖",
    "派驻指导员": "附近无可依托党组织",
}


def label_zh(label: str | None) -> str:
    try:
        return LABEL_ZH[Label(label or "")]
    except ValueError:
        return label or ""


def pct(rate: float | None, digits: int = 2) -> str:
    return "—" if rate is None else f"{rate * 100:.{digits}f}%"


def ref_text(ref: Any) -> str:
    """“名称（类型·编码）” for a NodeRef."""
    if ref is None:
        return ""
    name = ref.name or ref.key
    return f"{name}（{label_zh(ref.label)}·{ref.key}）"


def names(refs: Any, sep: str = "、") -> str:
    return sep.join((r.name or r.key) for r in refs or [])


@st.cache_data(ttl=QUERY_TTL, show_spinner=False)
def _prop_zh() -> dict[str, str]:
    out = {
        "id_masked": "身份证号（脱敏）",
        "phone_masked": "手机号（脱敏）",
        "town_code": "所在镇街编码",
        "association_uscc": "所属协会信用代码",
    }
    from graph.loaders.spec import SHEETS

    for sheet in SHEETS:
        for col in sheet.columns:
            out.setdefault(col.key, col.header)
    return out


HIDDEN_PROPS = ("_hash", "key_id", "_label")


def props_table(props: dict[str, Any]) -> list[dict[str, str]]:
    """Properties as 字段/值 rows with Chinese field names; hashes never shown."""
    zh = _prop_zh()
    rows = []
    for k in sorted(props):
        if any(h in k for h in HIDDEN_PROPS):
            continue
        v = props[k]
        if isinstance(v, bool):
            v = "是" if v else "否"
        elif isinstance(v, (list, tuple)):
            v = "、".join(map(str, v))
        rows.append({"字段": zh.get(k, k), "值": "" if v is None else str(v)})
    return rows


# --- filter options (from the queries, within the caller's scope) ------------------------


def group_names(by: str) -> dict[str, str]:
    """{code: display name} of the towns / parks / industries that hold organisations."""
    res = q("coverage", by=by)
    return {r.group: (r.group_name or r.group) for r in res.rows if r.group}


_TOWN_MEMO: dict[tuple[Any, ...], dict[str, str]] = {}


def town_name(code: str | None) -> str:
    """A town's name (“区级” for none). Memoised per store version and scope, because pages
    call it once per row or node and even a cache_data hit costs a hash of the arguments."""
    if not code:
        return "区级"
    key = (*store_target(), version(), scope())
    names = _TOWN_MEMO.get(key)
    if names is None:
        if len(_TOWN_MEMO) > 32:
            _TOWN_MEMO.clear()
        names = _TOWN_MEMO[key] = group_names("town")
    return names.get(code, code)


def pick(label: str, options: dict[str, str], *, key: str, all_text: str = "全部") -> str | None:
    """A selectbox over {value: text} with an “all” first entry; returns the value or None."""
    values: list[str | None] = [None, *options]
    return st.selectbox(
        label, values, key=key, format_func=lambda v: all_text if v is None else options.get(v, v)
    )


def town_filter(key: str) -> str | None:
    """The town filter: a choice for district users, fixed (and not shown) for a town user."""
    own = scope()
    if own:
        st.text_input("镇街（由令牌限定）", value=town_name(own), disabled=True, key=f"{key}_fixed")
        return own
    return pick("镇街", group_names("town"), key=key, all_text="全区")


def header(title: str, subtitle: str) -> None:
    st.markdown(f'<div class="og-banner"><h2>{title}</h2><p>{subtitle}</p></div>', unsafe_allow_html=True)
