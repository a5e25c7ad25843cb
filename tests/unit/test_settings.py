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
