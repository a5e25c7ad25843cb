"""The development HMAC key: created once under ORGGRAPH_HOME, never replaced; required in production."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.errors import ConfigError
from graph.settings import Settings


def test_dev_key_is_created_once_and_kept(tmp_path: Path) -> None:
    s = Settings(ORGGRAPH_HOME=tmp_path, ORGGRAPH_SECRET_KEY=None)
    kid, key = s.hash_key()
    assert (tmp_path / "secret.key").stat().st_mode & 0o777 == 0o600
    assert s.hash_key() == (kid, key)
    assert not list(tmp_path.glob(".secret.*.tmp"))


def test_existing_dev_key_wins(tmp_path: Path) -> None:
    (tmp_path / "secret.key").write_text("a" * 64)
    _, key = Settings(ORGGRAPH_HOME=tmp_path, ORGGRAPH_SECRET_KEY=None).hash_key()
    assert key == b"a" * 64


def test_production_refuses_missing_key(tmp_path: Path) -> None:
    s = Settings(ORGGRAPH_HOME=tmp_path, ORGGRAPH_ENV="production", ORGGRAPH_SECRET_KEY=None)
    with pytest.raises(ConfigError):
        s.hash_key()


def test_foreign_environment_variables_are_ignored(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """HOME, ENV, SECRET_KEY and BACKEND belong to other software: only ORGGRAPH_* and NEO4J_* count."""
    for name in list(__import__("os").environ):
        if name.upper().startswith(("ORGGRAPH_", "NEO4J_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "hostile-secret-key-hostile-secret-key")
    monkeypatch.setenv("BACKEND", "neo4j")
    for name in ("NEO4J_URI_", "URI", "USER", "PASSWORD", "DATABASE", "RATE_LIMIT", "CORS_ORIGINS"):
        monkeypatch.setenv(name, "hostile")
    s = Settings()
    assert s.home == Path(".orggraph")
    assert s.env == "development"
    assert s.secret_key is None
    assert s.backend is None and s.resolved_backend == "embedded"
    assert s.neo4j_user == "neo4j" and s.rate_limit_per_minute == 6000 and s.cors_origins == ""


def test_own_environment_variables_still_count(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ORGGRAPH_HOME", str(tmp_path))
    monkeypatch.setenv("ORGGRAPH_BACKEND", "neo4j")
    monkeypatch.setenv("NEO4J_USER", "reader")
    s = Settings()
    assert (s.home, s.backend, s.neo4j_user) == (tmp_path, "neo4j", "reader")
    # and code may still name fields directly
    assert Settings(home=tmp_path / "x").home == tmp_path / "x"
