"""数据来源: the loader records which file it loaded and when; a town caller learns its rank
among the towns and the district average, and no other town's figure by name."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import queries
from graph.loaders.load import load_roster
from tests.fixtures import load_fixture
from tests.loaders.test_sync import A
from tests.loaders.workbooks import write_xlsx


def test_a_load_records_its_file_and_time(store: Any, tmp_path: Path) -> None:
    assert queries.DATASET(store).last_load is None  # nothing loaded yet: nothing claimed
    res = load_roster(write_xlsx(tmp_path / "a.xlsx", A), store, source_name="二〇二六年台账.xlsx")
    info = queries.DATASET(store).last_load
    assert info is not None
    assert info.file == "二〇二六年台账.xlsx" and info.sha256 == res.sha256
    assert info.rows == sum(res.sheets.values()) and info.rejected_rows == 0
    assert info.loaded_at[:4].isdigit() and "T" in info.loaded_at
    load_roster(write_xlsx(tmp_path / "b.xlsx", A), store, dry_run=True)  # a dry run records nothing
    assert queries.DATASET(store).last_load.file == "二〇二六年台账.xlsx"  # type: ignore[union-attr]
    load_roster(write_xlsx(tmp_path / "c.xlsx", A), store)
    assert queries.DATASET(store).last_load.file == "c.xlsx"  # type: ignore[union-attr]


def test_town_standing_rank_and_average(store: Any) -> None:
    load_fixture(store)
    rows = queries.COVERAGE(store, queries.Scope(), by="town").rows
    rated = [r for r in rows if r.rate is not None and r.total > 0]
    assert len(rated) >= 2
    assert queries.DATASET(store, queries.Scope()).standing is None  # district users see every town
    for own in rated:
        st = queries.DATASET(store, queries.Scope(own.group)).standing
        assert st is not None and st.town == own.group and st.rate == own.rate
        assert st.rank == 1 + sum(1 for r in rated if (r.rate or 0) > (own.rate or 0))
        assert st.towns == len(rated)
        assert abs((st.district_average or 0) - sum(r.rate or 0 for r in rated) / len(rated)) < 1e-12
        text = json.dumps(st.model_dump(), ensure_ascii=False)
        for other in rows:
            if other.group != own.group:
                assert other.group not in text and (other.group_name or "\0") not in text
