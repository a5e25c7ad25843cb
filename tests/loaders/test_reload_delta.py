"""A reload writes only the rows that changed (graph/loaders/delta.py), and the graph after it is
exactly what a full load of the same workbook into an empty store gives, on both backends."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from graph.loaders.build import Hasher, build_plan
from graph.loaders.delta import KeepsRowHashes, delta, row_hashes
from graph.loaders.load import load_roster
from graph.loaders.reader import read_workbook
from graph.loaders.validate import Validator
from graph.model import Label, Rel
from tests.loaders.workbooks import ric, uscc, write_xlsx

U = [uscc(401 + i) for i in range(4)]
TOWNS = [["镇街编码", "镇街名称"], ["T01", "甲街道"], ["T02", "乙镇"]]
A: dict[str, list[list[Any]]] = {
    "镇街": TOWNS,
    "组织": [
        ["统一社会信用代码", "组织名称", "组织类别", "所在镇街编码"],
        [U[0], "甲公司", "非公企业", "T01"],
        [U[1], "乙公司", "非公企业", "T02"],
        [U[2], "丙公司", "非公企业", "T02"],
        [U[3], "丁公司", "非公企业", "T01"],
    ],
    "党组织": [
        ["党组织编码", "党组织名称", "层级", "类型", "上级党组织编码", "覆盖组织信用代码"],
        ["D0", "区委", "党委", "区委", None, None],
        ["PO1", "丙支部", "党支部", None, "D0", U[2]],
        ["PO2", "联合支部", "党支部", None, "D0", f"{U[0]},{U[3]}"],
    ],
    "党员": [
        ["党员编号", "姓名", "身份证号", "组织关系所在党组织编码", "工作单位信用代码"],
        ["M1", "张三", ric(1), "PO1", U[2]],
        ["M2", "李四", ric(2), "PO2", U[0]],
    ],
    "帮建": [["帮建人编号", "帮建对象信用代码", "状态"], ["M1", U[1], "进行中"], ["M2", U[1], "暂停"]],
}


def _changed() -> dict[str, list[list[Any]]]:
    b = copy.deepcopy(A)
    b["组织"][2][1] = "乙公司（更名）"  # a node property
    b["党组织"][3][5] = U[0]  # an owned relationship: PO2 no longer covers U[3]
    b["党员"][2][4] = U[3]  # an owned relationship's target: M2 now works at U[3]
    b["帮建"][2][2] = "已建立"  # a keyless relationship's property
    return b


def _plan(path: Path) -> Any:
    val = Validator(read_workbook(path), lambda lab, keys: {}).run()
    return build_plan(val, Hasher("k1", b"key-for-tests"))


def test_only_changed_rows_and_their_owned_relationships_are_written(tmp_path: Path) -> None:
    old = _plan(write_xlsx(tmp_path / "a.xlsx", A))
    new = _plan(write_xlsx(tmp_path / "b.xlsx", _changed()))
    d = delta(new, row_hashes(old))
    written = {
        lab: sorted(r[k] for r in d.plan.nodes[lab])
        for lab, k in (
            (Label.ORGANIZATION, "uscc"),
            (Label.PARTY_ORG, "party_org_code"),
            (Label.MEMBER, "member_id"),
            (Label.TOWN, "town_code"),
        )
    }
    assert written == {
        Label.ORGANIZATION: [U[1]],
        Label.PARTY_ORG: ["PO2"],
        Label.MEMBER: ["M2"],
        Label.TOWN: [],
    }
    assert d.plan.owned[Label.PARTY_ORG][0] == ["PO2"] and d.plan.owned[Label.ORGANIZATION][0] == [U[1]]
    covers = d.plan.rels[(Rel.COVERS, Label.PARTY_ORG, Label.ORGANIZATION)]
    assert [(r["from"], r["to"]) for r in covers] == [("PO2", U[0])]
    helps = [
        r["props"]["status"]
        for rows in (v for (t, _f, _t), v in d.plan.rels.items() if t is Rel.HELPS_BUILD)
        for r in rows
    ]
    assert helps == ["已建立"]
    # nothing stored: everything is written; nothing changed: nothing is
    assert delta(new, {}).plan is new
    assert delta(new, row_hashes(new)).plan.items() == 0


def _full_load(path: Path, empty: Any) -> tuple[Any, Any]:
    empty.wipe()
    res = load_roster(path, empty)
    assert res.exit_code == 0
    return res.counts, empty.dump()


def test_a_reload_gives_the_graph_a_full_load_gives(store: Any, tmp_path: Path) -> None:
    a, b = write_xlsx(tmp_path / "a.xlsx", A), write_xlsx(tmp_path / "b.xlsx", _changed())
    first = load_roster(a, store)
    assert first.exit_code == 0
    again = load_roster(a, store)  # nothing changed: the same counts as a full load
    assert again.exit_code == 0 and again.counts == first.counts
    # --sync: without it a keyless row whose content changed (a new rid) would be added beside
    # the old one, on both backends and whether or not rows are skipped (ROSTER rule 11)
    second = load_roster(b, store, sync=True)
    assert second.exit_code == 0
    got = (second.counts, store.dump())
    assert got == _full_load(b, store)
    back = load_roster(a, store, sync=True)
    assert back.exit_code == 0
    got = (back.counts, store.dump())
    assert got == _full_load(a, store)


@pytest.mark.neo4j  # only Neo4j keeps row hashes: an embedded load is one file rename, all or nothing
def test_a_failed_load_leaves_no_row_hashes(
    neo4j_store: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = neo4j_store
    assert isinstance(store, KeepsRowHashes)
    a, b = write_xlsx(tmp_path / "a.xlsx", A), write_xlsx(tmp_path / "b.xlsx", _changed())
    assert load_roster(a, store).exit_code == 0
    assert store.row_hashes()
    real = store.upsert_relationships

    def dies(*args: Any, **kw: Any) -> int:
        raise OSError("the server went away")

    monkeypatch.setattr(store, "upsert_relationships", dies)
    assert load_roster(b, store, sync=True).exit_code == 3
    assert store.row_hashes() == {}  # the next load writes everything
    monkeypatch.setattr(store, "upsert_relationships", real)
    assert load_roster(b, store, sync=True).exit_code == 0
    got = store.dump()
    assert got == _full_load(b, store)[1]
