"""The demo tells the story (issue 16): 2009 and 2010 derived from 2011 by undoing designed
events; loading 2010 after 2009 records exactly the generator's event list for 2010."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from graph.loaders import demo_history
from graph.loaders.demo import _District, events_path, generate
from queries import history as h
from workflows.loading import load


@pytest.mark.slow
def test_loading_2010_after_2009_records_the_generators_events(embedded_store: Any, tmp_path: Path) -> None:
    wb = {y: generate(tmp_path / f"d{y}.xlsx", year=y) for y in (2009, 2010)}
    for y in (2009, 2010):
        res = load(wb[y], embedded_store, sync=True, as_of=dt.date(y, 12, 31), operator="test")
        assert res.exit_code == 0, (y, res.message_zh, res.problems[:3])
    events = json.loads(events_path(wb[2010]).read_text(encoding="utf-8"))["events"]
    expected = {tuple(c) for e in events if e["year"] == 2010 for c in e["changes"]}
    assert all(e["changes"] for e in events)
    recorded = {(c.kind, c.key) for c in h.stored_changes(embedded_store, "0002")}
    assert recorded == expected
    kinds = {k for k, _ in expected}
    assert {"party_org_added", "org_covered", "org_added", "org_removed"} <= kinds
    assert {"org_status", "org_category"} <= kinds
    assert {"pairing_added", "joint_added", "member_relationship", "ledger_added"} <= kinds
    snaps = h.HISTORY(embedded_store, h.Scope()).snapshots
    assert snaps[0].district.coverage is not None and snaps[1].district.coverage is not None
    assert snaps[0].district.coverage < snaps[1].district.coverage  # progress


def test_2011_is_unchanged_and_earlier_years_agree_with_their_dates(tmp_path: Path) -> None:
    plain = generate(tmp_path / "plain.xlsx")
    explicit = generate(tmp_path / "y2011.xlsx", year=2011)
    digest = [hashlib.sha256(p.read_bytes()).hexdigest() for p in (plain, explicit)]
    assert digest[0] == digest[1]  # --year 2011 writes the very same workbook as no --year
    assert not events_path(plain).exists() and events_path(explicit).exists()
    rows = _District(2011, 1, set()).build()
    r2009, events = demo_history.rewind(rows, 2009, 2011, 1)
    assert events == []  # 2009 is the first year
    col = demo_history._COL
    for r in r2009["党组织"]:
        assert r[col["党组织"]["founded"]] <= "2009-12-31"
    for sheet, key in (("结对", "since"), ("帮建", "since"), ("联系记录", "date")):
        assert all(r[col[sheet][key]] <= "2009-12-31" for r in r2009[sheet])
    r2010, ev2010 = demo_history.rewind(rows, 2010, 2011, 1)
    assert {e["year"] for e in ev2010} == {2010}
    assert len(r2009["党组织"]) < len(r2010["党组织"]) < len(rows["党组织"])
