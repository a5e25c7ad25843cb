"""`orggraph token ...` and `orggraph api` from the command line."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from graph.audit import read_audit
from graph.tokens import TokenStore

runner = CliRunner()


def test_token_create_quiet_prints_only_the_token() -> None:
    r = runner.invoke(app, ["token", "create", "--role", "admin", "--quiet"])
    assert r.exit_code == 0, r.output
    token = r.stdout.strip()
    assert "\n" not in token and token.startswith("og_")
    assert TokenStore().verify(token).role == "admin"


def test_token_create_list_revoke_audited() -> None:
    r = runner.invoke(app, ["token", "create", "--role", "town", "--town", "T1", "--label", "中山路"])
    assert r.exit_code == 0, r.output
    token = r.stdout.strip().splitlines()[-1]
    who = TokenStore().verify(token)
    assert (who.role, who.scope_town) == ("town", "T1")

    r = runner.invoke(app, ["token", "list", "--json"])
    rows = json.loads(r.stdout)
    assert [(x["token_id"], x["role"], x["town"], x["label"]) for x in rows] == [
        (who.token_id, "town", "T1", "中山路")
    ]
    assert "digest" not in rows[0] and token not in r.stdout
    assert who.token_id in runner.invoke(app, ["token", "list"]).stdout

    r = runner.invoke(app, ["token", "revoke", who.token_id])
    assert r.exit_code == 0, r.output
    with pytest.raises(Exception, match="令牌无效或已撤销"):
        TokenStore().verify(token)
    assert runner.invoke(app, ["token", "revoke", who.token_id]).exit_code == 2

    actions = [(e["action"], e["who"]) for e in read_audit()]
    assert [a for a, _ in actions] == ["token_create", "token_list", "token_list", "token_revoke"]
    assert all(w.startswith("cli:") for _, w in actions)
    assert token not in json.dumps(read_audit())


@pytest.mark.parametrize(
    "args",
    [["--role", "town"], ["--role", "district", "--town", "T1"], ["--role", "root"]],
)
def test_token_create_refuses_bad_roles(args: list[str]) -> None:
    r = runner.invoke(app, ["token", "create", *args])
    assert r.exit_code == 2
    assert "错误" in r.output
    assert TokenStore().list() == []


def test_api_refuses_an_unknown_backend() -> None:
    r = runner.invoke(app, ["api", "--backend", "sqlite"])
    assert r.exit_code != 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_orggraph_api_serves(tmp_path: Path) -> None:
    """The real server: factory app under uvicorn on loopback, /health and a token-guarded route."""
    port = _free_port()
    token, _ = TokenStore().create("district")
    env = {**os.environ, "ORGGRAPH_BACKEND": "embedded"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", "api", "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        body = None
        # a deadline, not a count: on a busy shared machine the server may take many seconds to start
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                health = urllib.request.Request(
                    f"http://127.0.0.1:{port}/api/v1/health", headers={"Authorization": f"Bearer {token}"}
                )
                with urllib.request.urlopen(health, timeout=2) as r:
                    body = json.loads(r.read())
                    break
            except OSError:
                time.sleep(0.1)
        assert body is not None and body["status"] == "ok" and body["backend"] == "embedded"
        req = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/org-tree", headers={"Authorization": f"Bearer {token}"}
        )
        with urllib.request.urlopen(req, timeout=10) as r:
            assert r.status == 200
        with pytest.raises(urllib.error.HTTPError) as exc:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/org-tree", timeout=10)
        assert exc.value.code == 401
        assert exc.value.headers["content-type"] == "application/problem+json"
        assert "server" not in {k.lower() for k in exc.value.headers}  # no server banner
        exc.value.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _expire(token_id: str, expires_at: str | None = "2020-01-01T00:00:00+00:00") -> None:
    """Move a token's expiry into the past (as if its days had run out)."""
    path = TokenStore().path
    rows = json.loads(path.read_text(encoding="utf-8"))
    for row in rows:
        if row["token_id"] == token_id:
            row["expires_at"] = expires_at
            if expires_at is None:  # a record written before tokens expired
                del row["expires_at"]
                row["created_at"] = "2020-01-01T00:00:00+00:00"
    path.write_text(json.dumps(rows), encoding="utf-8")


def test_tokens_expire_after_their_days() -> None:
    import datetime as dt

    from graph.tokens import DEFAULT_DAYS

    r = runner.invoke(app, ["token", "create", "--role", "district", "--days", "7"])
    assert r.exit_code == 0, r.output
    assert "过期" in r.stdout
    rec = TokenStore().list()[-1]
    left = dt.datetime.fromisoformat(rec.expires_at or "") - dt.datetime.now(dt.UTC)
    assert dt.timedelta(days=6, hours=23) < left <= dt.timedelta(days=7)
    default = TokenStore().create("admin")[1]
    left = dt.datetime.fromisoformat(default.expires_at or "") - dt.datetime.now(dt.UTC)
    assert dt.timedelta(days=DEFAULT_DAYS - 1) < left <= dt.timedelta(days=DEFAULT_DAYS)

    rows = json.loads(runner.invoke(app, ["token", "list", "--json"]).stdout)
    assert [x["expires_at"][:10] for x in rows] == [
        rec.expiry.isoformat()[:10],
        default.expiry.isoformat()[:10],
    ]
    assert rec.expiry.isoformat()[:10] in runner.invoke(app, ["token", "list"]).stdout

    assert runner.invoke(app, ["token", "create", "--role", "admin", "--days", "0"]).exit_code == 2


def test_expired_and_legacy_tokens_are_refused_with_a_reason() -> None:
    from graph.tokens import TokenExpired

    ts = TokenStore()
    tok, rec = ts.create("district")
    legacy, old = ts.create("district")
    _expire(rec.token_id)
    _expire(old.token_id, None)  # no expiry recorded, created long ago: past the default lifetime
    for t in (tok, legacy):
        with pytest.raises(TokenExpired, match=r"已于 .* 过期"):
            TokenStore().verify(t)
    assert "（已过期）" in runner.invoke(app, ["token", "list"]).stdout
