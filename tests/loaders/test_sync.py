"""--sync (ROSTER rule 11): removes what the loaded sheets no longer hold, lists dependents in a dry
run, and removes nothing when any row is rejected."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graph.loaders.load import load_roster
from graph.model import Label
from tests.loaders.workbooks import rel_set, uscc, write_xlsx

U1, U2, U3 = uscc(201), uscc(202), uscc(203)
TOWNS = [["镇街编码", "镇街名称"], ["T01", "甲街道"], ["T02", "乙镇"]]
ORG_HEAD = ["统一社会信用代码", "组织名称", "组织类别", "所在镇街编码"]
PO_HEAD = ["党组织编码", "党组织名称", "层级", "类型", "上级党组织编码", "覆盖组织信用代码"]
A = {
    "镇街": TOWNS,
    "组织": [
        ORG_HEAD,
        [U1, "甲", "非公企业", "T01"],
        [U2, "乙", "非公企业", "T02"],
        [U3, "丙", "非公企业", "T02"],
    ],
    "党组织": [
        PO_HEAD,
        ["D0", "区委", "党委", "区委", None, None],
        ["PO1", "丙支部", "党支部", None, "D0", U3],
    ],
    "党员": [["党员编号", "姓名", "组织关系所在党组织编码", "工作单位信用代码"], ["M1", "张三", "PO1", U3]],
    "帮建": [["帮建人编号", "帮建对象信用代码", "状态"], ["M1", U1, "进行中"], ["M1", U2, "暂停"]],
}
B = {
    "镇街": TOWNS,
    "组织": A["组织"][:3],
    "党组织": A["党组织"][:2],
    "帮建": A["帮建"][:2],
}


def test_sync_dry_run_lists_removals_and_dependents(store: Any, tmp_path: Path) -> None:
    assert load_roster(write_xlsx(tmp_path / "a.xlsx", A), store).exit_code == 0
    before = store.dump()
    res = load_roster(write_xlsx(tmp_path / "b.xlsx", B), store, sync=True, dry_run=True)
    assert res.exit_code == 0 and res.sync_refused is None
    assert store.dump() == before
    removals = {(s.kind, s.label, s.key): s.dependents for s in res.sync_removals}
    assert set(removals) == {
        ("node", "Organization", U3),
        ("node", "PartyOrg", "PO1"),
        ("relationship", "HELPS_BUILD", f"Member:M1 -> Organization:{U2} ({_rid(store, U2)})"),
    }
    assert removals[("node", "Organization", U3)] == [
        f"Member:M1 -[WORKS_AT]-> Organization:{U3}",
    ]  # PO1's COVERS is not a dependent: PO1 goes too
    assert removals[("node", "PartyOrg", "PO1")] == ["Member:M1 -[RELATIONSHIP_IN]-> PartyOrg:PO1"]


def _rid(store: Any, target: str) -> str:
    from graph.model import Rel

    return next(rid for _a, b, rid, _p in store.fetch_relationships(Rel.HELPS_BUILD) if b.endswith(target))


def test_sync_removes_what_the_workbook_no_longer_holds(store: Any, tmp_path: Path) -> None:
    load_roster(write_xlsx(tmp_path / "a.xlsx", A), store)
    res = load_roster(write_xlsx(tmp_path / "b.xlsx", B), store, sync=True)
    assert res.exit_code == 0 and len(res.sync_removals) == 3
    assert set(store.fetch_nodes(Label.ORGANIZATION)) == {U1, U2}
    assert set(store.fetch_nodes(Label.PARTY_ORG)) == {"D0"}
    assert set(store.fetch_nodes(Label.MEMBER)) == {"M1"}  # 党员 was not loaded: not synced
    assert rel_set(store, "HELPS_BUILD") == {("Member:M1", f"Organization:{U1}")}
    assert rel_set(store, "WORKS_AT") == set()
    again = load_roster(write_xlsx(tmp_path / "b.xlsx", B), store, sync=True)
    assert again.sync_removals == [] and again.exit_code == 0


def test_sync_refuses_when_a_row_is_rejected(store: Any, tmp_path: Path) -> None:
    load_roster(write_xlsx(tmp_path / "a.xlsx", A), store)
    bad = dict(B)
    bad["组织"] = [*B["组织"], [uscc(204), "丁", "国企", "T01"]]
    res = load_roster(write_xlsx(tmp_path / "c.xlsx", bad), store, sync=True)
    assert res.exit_code == 1
    assert res.sync_refused and "--sync" in res.sync_refused
    assert res.sync_removals == []
    assert set(store.fetch_nodes(Label.ORGANIZATION)) == {U1, U2, U3}
    assert len(rel_set(store, "HELPS_BUILD")) == 2
    dry = load_roster(write_xlsx(tmp_path / "c.xlsx", bad), store, sync=True, dry_run=True)
    assert dry.exit_code == 1 and dry.sync_refused and dry.sync_removals == []
