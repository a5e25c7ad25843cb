"""Reading: CSV folders (GB18030, BOM), header detection, aliases, unusable input, empty sheets,
store references, row ownership on reload."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from graph.loaders.load import load_roster
from graph.model import Label
from tests.loaders import hostile as H
from tests.loaders.workbooks import rel_set, uscc, write_csv_folder, write_xlsx

U1, U2, U3 = uscc(101), uscc(102), uscc(103)
BASE = {
    "镇街": [["镇街编码", "镇街名称", "类型"], ["T01", "中山路街道", "街道"], ["T02", "青峰镇", "镇"]],
    "组织": [
        ["统一社会信用代码", "组织名称", "组织类别", "所在镇街编码", "所在园区编码", "从业人员数"],
        [U1, "甲公司（重庆）", "非公企业", "T01", None, 5],
        [U2, "乙公司", "非公企业", "T02", None, None],
    ],
}


def test_csv_folder_gb18030_and_bom(store: Any, tmp_path: Path) -> None:
    folder = write_csv_folder(
        tmp_path / "roster",
        {
            "镇街": BASE["镇街"],
            "组织": [[str(c) if c is not None else "" for c in r] for r in BASE["组织"]],
        },
        encodings={"镇街": "gb18030", "组织": "utf-8-sig"},
    )
    assert (folder / "镇街.csv").read_bytes().decode("gb18030").startswith("镇街编码")
    res = load_roster(folder, store)
    assert res.exit_code == 0, res.problems
    assert store.fetch_nodes(Label.TOWN)["T01"]["town_name"] == "中山路街道"
    org = store.fetch_nodes(Label.ORGANIZATION)[U1]
    assert org["org_name"] == "甲公司(重庆)" and org["org_name_original"] == "甲公司（重庆）"
    assert org["employees"] == 5
    assert any(w.code == "csv_encoding" and w.sheet == "镇街" for w in res.warnings)


def test_header_below_title_rows_with_english_keys_and_aliases(store: Any, tmp_path: Path) -> None:
    sheets = {
        "towns": [
            ["永川区镇街一览"],
            ["填表日期：2011 年"],
            [],
            ["Town_Code", "town name*", "类型"],
            ["T01", "甲街道", "街道"],
        ],
        "组织": [
            ["说明：信用代码请填 18 位"],
            ["信用代码", "组织名称*", "org_category", "所在镇街编码"],
            [U1, "甲公司", "非公企业", "T01"],
        ],
    }
    res = load_roster(write_xlsx(tmp_path / "t.xlsx", sheets), store)
    assert res.exit_code == 0, res.problems
    assert set(store.fetch_nodes(Label.TOWN)) == {"T01"}
    assert set(store.fetch_nodes(Label.ORGANIZATION)) == {U1}


def test_row_numbers_count_title_rows(store: Any, tmp_path: Path) -> None:
    sheets = {"镇街": [["标题"], ["镇街编码", "镇街名称"], ["T01", "甲"], [None, None], ["T02", None]]}
    res = load_roster(write_xlsx(tmp_path / "t.xlsx", sheets), store)
    assert res.rejected() == {("镇街", 5, "镇街名称")}  # the blank row 4 is skipped, not rejected


def test_missing_required_column_loads_nothing(store: Any, tmp_path: Path) -> None:
    sheets = dict(BASE)
    sheets["村社区"] = [["村编码", "村名称"], ["V01", "甲村"]]  # lacks 所在镇街编码
    res = load_roster(write_xlsx(tmp_path / "t.xlsx", sheets), store)
    assert res.exit_code == 2
    assert store.dump() == ([], [])
    assert [(p.sheet, p.code) for p in res.fatal] == [("村社区", "missing_columns")]
    assert "所在镇街编码" in res.fatal[0].reason_zh and "所在镇街编码" in res.fatal[0].reason_en
    assert res.counts == {"nodes": {}, "relationships": {}}


def test_duplicate_column_is_unusable(store: Any, tmp_path: Path) -> None:
    sheets = {
        "组织": [
            ["统一社会信用代码", "信用代码", "组织名称", "组织类别", "所在镇街编码"],
            [U1, U1, "甲", "非公企业", "T01"],
        ]
    }
    res = load_roster(write_xlsx(tmp_path / "t.xlsx", sheets), store)
    assert res.exit_code == 2 and res.fatal[0].code == "duplicate_column"


def test_empty_sheet_is_a_warning_and_loads_the_rest(store: Any, tmp_path: Path) -> None:
    sheets = {"镇街": BASE["镇街"], "园区": [], "村社区": [[None], [None, None]]}
    res = load_roster(write_xlsx(tmp_path / "t.xlsx", sheets), store)
    assert res.exit_code == 0
    assert {(w.code, w.sheet) for w in res.warnings} >= {("empty_sheet", "园区"), ("empty_sheet", "村社区")}
    assert set(store.fetch_nodes(Label.TOWN)) == {"T01", "T02"}


def test_unreadable_and_missing_files(store: Any, tmp_path: Path) -> None:
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"this is not a zip file")
    assert load_roster(bad, store).exit_code == 2
    assert load_roster(tmp_path / "nope.xlsx", store).exit_code == 2
    (tmp_path / "empty_dir").mkdir()
    assert load_roster(tmp_path / "empty_dir", store).exit_code == 2
    assert store.dump() == ([], [])


def test_references_resolve_against_the_store(store: Any, tmp_path: Path) -> None:
    load_roster(write_xlsx(tmp_path / "h.xlsx", H.SHEETS), store)
    members = {
        "党员": [
            ["党员编号", "姓名", "组织关系所在党组织编码", "工作单位信用代码"],
            ["M20", "新党员", "PO1", H.U[1]],  # both only in the store
            ["M21", "另一个", "PO3", None],  # PO3 was rejected in the earlier load: not in the store
        ]
    }
    res = load_roster(write_xlsx(tmp_path / "m.xlsx", members), store)
    assert res.rejected() == {("党员", 3, "组织关系所在党组织编码")}
    assert res.problems[0].code == "missing_ref"
    m20 = store.fetch_nodes(Label.MEMBER)["M20"]
    assert m20["town_code"] == "T01"
    assert ("Member:M20", "PartyOrg:PO1") in rel_set(store, "RELATIONSHIP_IN")


def test_emptied_cell_clears_property_and_relationship(store: Any, tmp_path: Path) -> None:
    load_roster(write_xlsx(tmp_path / "a.xlsx", H.SHEETS), store)
    assert (f"Organization:{H.U[9]}", "Park:P01") in rel_set(store, "IN_PARK")
    changed = {k: [list(r) for r in v] for k, v in H.SHEETS.items()}
    row = changed["组织"][9]  # Excel row 10: U9
    assert row[0] == H.U[9]
    row[5] = None  # park
    row[6] = None  # association
    row[7] = 33  # employees now given
    res = load_roster(write_xlsx(tmp_path / "b.xlsx", changed), store)
    assert res.exit_code == 1
    u9 = store.fetch_nodes(Label.ORGANIZATION)[H.U[9]]
    assert "park_code" not in u9 and "association_uscc" not in u9 and u9["employees"] == 33
    assert (f"Organization:{H.U[9]}", "Park:P01") not in rel_set(store, "IN_PARK")
    assert rel_set(store, "IN_ASSOCIATION") == set()
    assert (f"Organization:{H.U[9]}", f"Organization:{H.U[1]}") in rel_set(store, "SUBSIDIARY_OF")


def test_cycles_in_the_reporting_line_are_rejected(store: Any, tmp_path: Path) -> None:
    sheets = {
        "党组织": [
            ["党组织编码", "党组织名称", "层级", "类型", "上级党组织编码"],
            ["D0", "区委", "党委", "区委", None],
            ["A", "甲", "党支部", None, "B"],
            ["B", "乙", "党支部", None, "A"],
            ["C", "丙", "党小组", None, "A"],
            ["S", "自己", "党支部", None, "S"],
        ]
    }
    res = load_roster(write_xlsx(tmp_path / "c.xlsx", sheets), store)
    assert res.rejected() == {
        ("党组织", 3, "上级党组织编码"),
        ("党组织", 4, "上级党组织编码"),
        ("党组织", 5, "上级党组织编码"),
        ("党组织", 6, "上级党组织编码"),
    }
    codes = {(p.row, p.code) for p in res.problems}
    assert codes == {(3, "cycle"), (4, "cycle"), (5, "rejected_ref"), (6, "self_ref")}
    assert set(store.fetch_nodes(Label.PARTY_ORG)) == {"D0"}


def test_production_without_secret_key_refuses(
    store: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graph.settings import Settings

    monkeypatch.delenv("ORGGRAPH_SECRET_KEY", raising=False)
    settings = Settings(ORGGRAPH_ENV="production", ORGGRAPH_HOME=str(tmp_path / "home"))
    res = load_roster(write_xlsx(tmp_path / "t.xlsx", BASE), store, settings=settings)
    assert res.exit_code == 2 and "ORGGRAPH_SECRET_KEY" in res.message_en
    assert store.dump() == ([], [])


def test_dry_run_creates_no_key_file(store: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from graph.settings import Settings

    monkeypatch.delenv("ORGGRAPH_SECRET_KEY", raising=False)
    home = tmp_path / "home2"
    settings = Settings(ORGGRAPH_HOME=str(home))
    res = load_roster(write_xlsx(tmp_path / "t.xlsx", BASE), store, dry_run=True, settings=settings)
    assert res.exit_code == 0 and res.counts["nodes"] == {"Town": 2, "Organization": 2}
    assert not (home / "secret.key").exists()


def test_ambiguous_helper_id(store: Any, tmp_path: Path) -> None:
    sheets = {
        "镇街": BASE["镇街"],
        "组织": BASE["组织"],
        "党组织": [
            ["党组织编码", "党组织名称", "层级", "类型", "上级党组织编码"],
            ["D0", "区委", "党委", "区委", None],
        ],
        "党员": [["党员编号", "姓名", "组织关系所在党组织编码"], ["X1", "甲", "D0"]],
        "党建指导员": [["指导员编号", "姓名", "派驻对象"], ["X1", "乙", U1]],
        "帮建": [["帮建人编号", "帮建对象信用代码"], ["X1", U2]],
        "联系记录": [["帮建人编号", "对象信用代码", "日期", "方式"], ["X1", U2, "2012-1-5", "打电话"]],
    }
    res = load_roster(write_xlsx(tmp_path / "a.xlsx", sheets), store)
    assert res.rejected() == {("帮建", 2, "帮建人编号"), ("联系记录", 2, "方式")}
    assert next(p for p in res.problems if p.sheet == "帮建").code == "ambiguous_ref"
