"""The audit log rotates by size and keeps a set number of files; repeated log lines are
rate-limited with the number left out said."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from graph.audit import audit, audit_files, read_audit
from graph.logs import RepeatFilter
from graph.settings import get_settings


def test_audit_log_rotates_by_size_and_keeps_n_files(
    _isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORGGRAPH_AUDIT_MAX_BYTES", "2000")
    monkeypatch.setenv("ORGGRAPH_AUDIT_KEEP", "3")
    get_settings.cache_clear()
    for i in range(400):
        audit("api_read_personal", "token:abcd:district", n=i, route="/api/v1/members/{member_id}")
    files = audit_files()
    assert [f.name for f in files] == ["audit.log", "audit.log.1", "audit.log.2", "audit.log.3"]
    for f in files:
        assert f.stat().st_size < 2000 + 200  # one line past the limit at most
    # nothing lost inside the kept files, newest entries last
    kept = [json.loads(x)["n"] for f in reversed(files) for x in f.read_text().splitlines()]
    assert kept == list(range(kept[0], 400))
    assert [e["n"] for e in read_audit(limit=5)] == [395, 396, 397, 398, 399]
    assert [e["n"] for e in read_audit(limit=10_000)] == kept


def test_audit_rotation_off_with_zero(_isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORGGRAPH_AUDIT_MAX_BYTES", "0")
    get_settings.cache_clear()
    for i in range(50):
        audit("x", "cli:me", n=i)
    assert [f.name for f in audit_files()] == ["audit.log"]


class _Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_repeated_log_lines_are_rate_limited_and_counted(caplog: pytest.LogCaptureFixture) -> None:
    log = logging.getLogger("orggraph.test.repeat")
    clock = _Clock()
    f = RepeatFilter(window=60, clock=clock)
    log.addFilter(f)
    try:
        with caplog.at_level(logging.WARNING, logger="orggraph.test.repeat"):
            for _ in range(2000):  # an outage: the same two lines on every request
                log.warning("store unavailable: %s", "neo4j://x down")
                log.warning("ping failed")
                clock.t += 0.01
            log.warning("something else")
            assert len(caplog.records) == 3
            clock.t += 60
            log.warning("store unavailable: %s", "neo4j://x down")
    finally:
        log.removeFilter(f)
    lines = [r.getMessage() for r in caplog.records]
    assert lines[:3] == ["store unavailable: neo4j://x down", "ping failed", "something else"]
    summaries = [x for x in lines[3:] if "已省略" in x]
    assert len(summaries) == 2
    assert any("重复了 1999 次" in x and "store unavailable" in x for x in summaries)
    assert any("重复了 1999 次" in x and "ping failed" in x for x in summaries)
    assert lines[-1] == "store unavailable: neo4j://x down"  # a new window: the line itself again
