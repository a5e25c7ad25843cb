"""Everything under ORGGRAPH_HOME is private to its user: folders 0700, files 0600."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.audit import audit, read_audit
from graph.settings import get_settings
from graph.tokens import TokenStore


@pytest.fixture
def loose_umask() -> Iterator[None]:
    old = os.umask(0o022)  # the usual default: files 0644, folders 0755
    yield
    os.umask(old)


def _modes(home: Path) -> dict[str, int]:
    out = {".": stat.S_IMODE(home.stat().st_mode)}
    for p in home.rglob("*"):
        out[str(p.relative_to(home))] = stat.S_IMODE(p.lstat().st_mode)
    return out


def test_files_we_write_under_home_are_private(
    loose_umask: None, _isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ORGGRAPH_SECRET_KEY")  # development: the HMAC key is created under home
    get_settings.cache_clear()
    home = _isolated_home
    audit("test", "cli:me", n=1)
    _tok, rec = TokenStore().create("district")
    TokenStore().revoke(rec.token_id)
    get_settings().hash_key()
    modes = _modes(home)
    assert {"audit.log", "tokens.json", "tokens.lock", "secret.key"} <= set(modes)
    loose = {name: oct(m) for name, m in modes.items() if m != (0o700 if (home / name).is_dir() else 0o600)}
    assert loose == {}
    assert read_audit()[0]["action"] == "test"


def test_loose_files_left_by_older_versions_are_tightened(loose_umask: None, _isolated_home: Path) -> None:
    home = _isolated_home
    (home / "uploads").mkdir(parents=True)
    os.chmod(home, 0o755)
    (home / "graph.pickle").write_bytes(b"old store")
    (home / "audit.log").write_text('{"action": "old"}\n')
    (home / "uploads" / "x.xlsx").write_bytes(b"raw ids")
    assert stat.S_IMODE((home / "graph.pickle").stat().st_mode) == 0o644
    audit("test", "cli:me")  # the first touch of this home in this process
    modes = _modes(home)
    modes.pop("audit.lock")
    assert modes == {
        ".": 0o700,
        "uploads": 0o700,
        "graph.pickle": 0o600,
        "audit.log": 0o600,
        "uploads/x.xlsx": 0o600,
    }


def test_load_reports_are_private(loose_umask: None, tmp_path: Path) -> None:
    from graph.loaders.report import LoadResult

    res = LoadResult(path="x.xlsx", sha256="0" * 64, exit_code=0)
    xlsx, js = res.write(tmp_path / "out" / "report.xlsx")
    assert stat.S_IMODE(xlsx.stat().st_mode) == 0o600
    assert stat.S_IMODE(js.stat().st_mode) == 0o600
