"""Dashboard sessions (server side) and the failed-login throttle."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from dashboard import session as S
from dashboard.session import LoginThrottle, SessionStore, cookie_script
from graph.audit import read_audit
from graph.settings import get_settings
from graph.tokens import TokenStore
from tests.dashboard.conftest import app, token


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def _store(clock: Clock) -> SessionStore:
    return SessionStore(get_settings(), clock=clock)


def test_session_file_holds_only_digests_and_is_private(_isolated_home: Path) -> None:
    tok, _ = TokenStore().create("town", town="T1")
    p = TokenStore().verify(tok)
    sid = SessionStore().create(p)
    path = Path(get_settings().home) / S.SESSION_FILE
    assert path.stat().st_mode & 0o777 == 0o600
    text = path.read_text()
    assert sid not in text and tok not in text
    data = json.loads(text)
    assert list(data) == [hashlib.sha256(sid.encode()).hexdigest()]
    rec = data[hashlib.sha256(sid.encode()).hexdigest()]
    assert (rec["token_id"], rec["role"], rec["town"]) == (p.token_id, "town", "T1")
    assert SessionStore().resolve(sid) == p
    assert SessionStore().resolve(sid + "x") is None
    assert SessionStore().resolve(tok) is None  # the token is not a session id


def test_idle_and_absolute_expiry(_isolated_home: Path) -> None:
    clock = Clock()
    p = TokenStore().verify(TokenStore().create("district")[0])
    sid = _store(clock).create(p)
    clock.now += S.IDLE_S - 3600
    assert _store(clock).resolve(sid) == p  # used: last-seen moves on
    clock.now += 3 * 3600  # past IDLE_S since login, but not since last use
    assert _store(clock).resolve(sid) == p
    idle = _store(clock).create(p)
    clock.now += S.IDLE_S + 1  # idle too long
    assert _store(clock).resolve(idle) is None
    assert _store(clock).live() == 0

    sid = _store(clock).create(p)
    for _ in range(int(S.MAX_AGE_S // 3600)):
        clock.now += 3600
        assert _store(clock).resolve(sid) == p
    clock.now += 3600  # busy all day, but past the absolute limit
    assert _store(clock).resolve(sid) is None


def test_logout_and_revocation_end_the_session(_isolated_home: Path) -> None:
    ts = TokenStore()
    tok, rec = ts.create("admin")
    p = ts.verify(tok)
    a, b = SessionStore().create(p), SessionStore().create(p)
    SessionStore().end(a)
    assert SessionStore().resolve(a) is None
    assert SessionStore().resolve(b) == p
    ts.revoke(rec.token_id)
    assert SessionStore().resolve(b) is None
    assert SessionStore().live() == 0


def test_throttle_backs_off_per_client() -> None:
    clock = Clock()
    t = LoginThrottle(clock=clock)
    for _ in range(S.MAX_FAILURES - 1):
        t.failed("10.0.0.1")
        assert t.wait_s("10.0.0.1") == 0
    t.failed("10.0.0.1")
    assert t.wait_s("10.0.0.1") == S.BASE_DELAY_S
    assert t.wait_s("10.0.0.2") == 0  # another client is not held up
    clock.now += S.BASE_DELAY_S
    assert t.wait_s("10.0.0.1") == 0
    t.failed("10.0.0.1")
    assert t.wait_s("10.0.0.1") == 2 * S.BASE_DELAY_S  # doubles
    for _ in range(20):
        t.failed("10.0.0.1")
    assert t.wait_s("10.0.0.1") == S.MAX_DELAY_S  # capped
    t.succeeded("10.0.0.1")
    assert t.wait_s("10.0.0.1") == 0
    for _ in range(S.MAX_FAILURES):
        t.failed("10.0.0.3")
    clock.now += S.WINDOW_S + 1  # old failures are forgotten
    assert t.wait_s("10.0.0.3") == 0


def test_cookie_script_attributes() -> None:
    js = cookie_script("abc_DEF-123")
    assert "og_session=abc_DEF-123;Path=/;Max-Age=43200;SameSite=Strict" in js
    assert "Secure" in js
    assert "og_session=;Path=/;Max-Age=0" in cookie_script(None)
    with pytest.raises(ValueError):
        cookie_script("x';alert(1);'")


def _login(at: Any, tok: str) -> None:
    at.text_input(key="login_token").input(tok)
    at.button[0].click().run()


def test_failed_logins_are_audited_and_throttled(loaded: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from dashboard import common

    monkeypatch.setattr(common, "THROTTLE", LoginThrottle())
    at = app(None)
    for _ in range(S.MAX_FAILURES):
        _login(at, "og_wrong-token")
        assert any("令牌无效" in e.value for e in at.error)
    good = token("district")
    _login(at, good)  # even the right token waits now
    assert any("登录失败次数过多" in e.value for e in at.error)
    assert not at.metric
    entries = read_audit()
    failed = [e for e in entries if e["action"] == "dashboard.login_failed"]
    assert len(failed) == S.MAX_FAILURES and failed[-1]["failures"] == S.MAX_FAILURES
    assert all("og_wrong" not in json.dumps(e) for e in entries)  # no presented secret in the log
    assert [e for e in entries if e["action"] == "dashboard.login_throttled"]


def test_login_opens_a_server_session_and_logout_ends_it(loaded: Any) -> None:
    at = app(None)
    _login(at, token("district"))
    assert at.metric
    assert SessionStore().live() == 1
    sid = at.session_state["og_sid"]
    assert sid.startswith("og_") is False
    at.button(key="logout").click().run()
    assert at.text_input(key="login_token")
    assert SessionStore().resolve(sid) is None and SessionStore().live() == 0
    actions = [e["action"] for e in read_audit()]
    assert actions[-2:] == ["dashboard.login", "dashboard.logout"]


def test_an_expired_token_ends_its_session(_isolated_home: Path) -> None:
    from tests.api.test_cli import _expire

    ts = TokenStore()
    tok, rec = ts.create("district")
    sid = SessionStore().create(ts.verify(tok))
    assert SessionStore().resolve(sid) is not None
    _expire(rec.token_id)
    assert SessionStore().resolve(sid) is None
