"""Dashboard sessions that survive a refresh or a deep link, and a login throttle.

Mechanism (why): Streamlit keeps ``st.session_state`` per browser tab and websocket, so a
refresh starts a new, empty session. The browser must therefore bring something back. We
give it a random session id in a cookie, never the API token: the token is a long-lived
bearer credential for the API as well, whereas a session id is good for this dashboard only,
expires after ``IDLE_S`` without use (and at the latest ``MAX_AGE_S`` after login), and is
ended on the server at logout. The cookie is set by a few lines of script in the page
(Streamlit has no server hook to send a Set-Cookie header) with SameSite=Strict, path=/,
max-age and Secure on https; it is read on the server from the websocket's request
(``st.context.cookies``). The server file holds only the SHA-256 digest of each session id,
so the file alone cannot be replayed; every use re-checks the token behind the session, so a
revoked token ends its sessions at once.

A reverse proxy that sets an HttpOnly cookie would hide the id from page scripts too; it
needs a second server in front of Streamlit, which the intranet install does not have.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph.errors import Forbidden
from graph.settings import Settings, get_settings
from graph.tokens import Principal, TokenStore

COOKIE = "og_session"
SESSION_FILE = "dashboard-sessions.json"
IDLE_S = 8 * 3600  # a session unused this long is over
MAX_AGE_S = 12 * 3600  # and none lives longer than a working day
TOUCH_S = 60  # write last-seen at most once a minute per session


def _digest(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


class SessionStore:
    """``{sha256(session id): {token_id, role, town, created, seen}}`` in a 0600 file."""

    def __init__(self, settings: Settings | None = None, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings or get_settings()
        self.path = Path(self.settings.home) / SESSION_FILE
        self.clock = clock

    @contextlib.contextmanager
    def _locked(self) -> Iterator[dict[str, dict[str, Any]]]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with (self.path.parent / (SESSION_FILE + ".lock")).open("a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            data = self._read()
            before = json.dumps(data, sort_keys=True)
            yield data
            if json.dumps(data, sort_keys=True) != before:
                self._write(data)

    def _read(self) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _write(self, data: dict[str, dict[str, Any]]) -> None:
        tmp = self.path.with_name(f".{SESSION_FILE}.{os.getpid()}.{threading.get_ident()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
        os.replace(tmp, self.path)

    def _expired(self, rec: dict[str, Any], now: float) -> bool:
        return now - float(rec.get("seen", 0)) > IDLE_S or now - float(rec.get("created", 0)) > MAX_AGE_S

    def create(self, p: Principal) -> str:
        """A new session for ``p``; the id is returned once (for the cookie) and never stored."""
        sid = secrets.token_urlsafe(32)
        now = self.clock()
        with self._locked() as data:
            for k in [k for k, rec in data.items() if self._expired(rec, now)]:
                del data[k]
            data[_digest(sid)] = {
                "token_id": p.token_id,
                "role": p.role,
                "town": p.town,
                "created": now,
                "seen": now,
            }
        return sid

    def resolve(self, sid: str | None, tokens: TokenStore | None = None) -> Principal | None:
        """The principal of a live session, or None (unknown, expired, or its token revoked)."""
        if not isinstance(sid, str) or not sid or len(sid) > 200:
            return None
        key = _digest(sid)
        now = self.clock()
        rec = self._read().get(key)
        if rec is None:
            return None
        if self._expired(rec, now):
            self.end(sid)
            return None
        try:
            p = (tokens or TokenStore(self.settings)).principal_of(str(rec.get("token_id")))
        except Forbidden:
            self.end(sid)
            return None
        if now - float(rec.get("seen", 0)) > TOUCH_S:
            with self._locked() as data:
                if key in data:
                    data[key]["seen"] = now
        return p

    def end(self, sid: str | None) -> None:
        if not sid:
            return
        with self._locked() as data:
            data.pop(_digest(sid), None)

    def live(self) -> int:
        now = self.clock()
        return sum(1 for rec in self._read().values() if not self._expired(rec, now))


# --- failed logins ------------------------------------------------------------------------

MAX_FAILURES = 5  # free attempts per client within the window
WINDOW_S = 15 * 60
BASE_DELAY_S = 30  # then 30 s, 60 s, 120 s ... between attempts
MAX_DELAY_S = 15 * 60


@dataclass
class LoginThrottle:
    """Per client: after ``MAX_FAILURES`` failures within ``WINDOW_S``, each further attempt
    waits twice as long as the one before (capped). A success clears the client's record."""

    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, list[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _recent(self, client: str, now: float) -> list[float]:
        fails = [t for t in self._failures.get(client, []) if now - t <= WINDOW_S]
        if fails:
            self._failures[client] = fails
        else:
            self._failures.pop(client, None)
        return fails

    def wait_s(self, client: str) -> int:
        """Seconds this client must wait before its next attempt (0 = may try now)."""
        with self._lock:
            now = self.clock()
            fails = self._recent(client, now)
            if len(fails) < MAX_FAILURES:
                return 0
            delay = min(BASE_DELAY_S * 2 ** (len(fails) - MAX_FAILURES), MAX_DELAY_S)
            return max(0, int(fails[-1] + delay - now + 0.999))

    def failed(self, client: str) -> int:
        """Record a failure; the number of failures within the window."""
        with self._lock:
            now = self.clock()
            fails = self._recent(client, now)
            fails.append(now)
            self._failures[client] = fails
            return len(fails)

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)


def cookie_script(sid: str | None) -> str:
    """Script that sets (or, for None, clears) the session cookie in the page's document."""
    if sid is None:
        value, age = "", 0
    else:
        if not sid.replace("-", "").replace("_", "").isalnum():  # token_urlsafe alphabet only
            raise ValueError("bad session id")
        value, age = sid, MAX_AGE_S
    return (
        "<script>(function(){var s=location.protocol==='https:'?';Secure':'';"
        f"document.cookie='{COOKIE}={value};Path=/;Max-Age={age};SameSite=Strict'+s;}})();</script>"
    )
