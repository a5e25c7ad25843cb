"""The hostile roster on both backends: exactly the bad rows rejected, every other row in the graph."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest

from graph.loaders.load import load_roster
from graph.model import Label, Rel
from graph.settings import get_settings
from tests.loaders import hostile as H
from tests.loaders.workbooks import rel_set, ric, write_xlsx


@pytest.fixture
def hostile_xlsx(tmp_path: Path) -> Path:
    return write_xlsx(tmp_path / "hostile.xlsx", H.SHEETS)


def _hmac(text: str) -> str:
    _kid, key = get_settings().hash_key()
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def test_hostile_workbook_rejects_exactly_the_bad_rows(store: Any, hostile_xlsx: Path) -> None:
    res = load_roster(hostile_xlsx, store)
    assert res.exit_code == 1
    assert res.rejected() == H.REJECTED
    cascades = {(p.sheet, p.row): (p.cause_sheet, p.cause_row) for p in res.problems if p.cause_sheet}
    assert cascades == H.CASCADES
    assert res.rejected_rows == len({(s, r) for s, r, _c in H.REJECTED})
    for label, keys in H.NODES.items():
        assert set(store.fetch_nodes(Label(label))) == keys, label
    # cascades are grouped under their root row
    root = next(g for g in res.groups if (g.sheet, g.row) == ("组织", 5))
    assert {(p.sheet, p.row) for p in root.cascade} == {("党组织", 6), ("党员", 8), ("党员", 10)}


def test_hostile_values_are_stored_as_documented(store: Any, hostile_xlsx: Path) -> None:
    load_roster(hostile_xlsx, store)
    U = H.U
    orgs, villages, pos, members, ins = (
        store.fetch_nodes(lab)
        for lab in (Label.ORGANIZATION, Label.VILLAGE, Label.PARTY_ORG, Label.MEMBER, Label.INSTRUCTOR)
    )
    assert orgs[U[1]] == {
        "uscc": U[1],
        "org_name": "重庆甲机械有限公司",
        "org_category": "非公企业",
        "town_code": "T01",
        "park_code": "P01",
        "employees": 120,
        "above_scale": True,
        "status": "在营",
        "lon": 105.93,
        "lat": 29.35,
    }
    assert orgs[U[2]]["employees"] == 30  # full-width digits, valid after NFKC
    assert orgs[U[7]]["org_name"] == H.HYPERLINK  # formula-looking text stored verbatim as text
    assert len(orgs[U[7]]["industry"]) == 30000
    assert orgs[U[15]] == {
        "uscc": U[15],
        "org_name": "已注销公司",
        "org_category": "非公企业",
        "town_code": "1001",
        "status": "注销",
        "employees": 12,
        "above_scale": False,
    }
    assert orgs[U[9]]["above_scale"] is False
    assert orgs[H.U8_Y]["org_category"] == "商会"
    assert villages["V02"] == {
        "village_code": "V02",
        "village_name": "石梯(社区)",
        "village_name_original": "石梯（社区）",
        "town_code": "T02",
    }
    assert pos["PO1"] == {
        "party_org_code": "PO1",
        "party_org_name": "甲机械党支部",
        "level": "党支部",
        "kind": "组织党组织",
        "formation": "单独建",
        "parent_code": "D2",
        "town_code": "T01",
        "demo_tier": "镇街级",
        "founded": "2011-07-01",
    }
    assert pos["PO6"]["kind"] == "非公有制经济组织党委" and "town_code" not in pos["PO6"]
    assert "town_code" not in pos["PO8"] and pos["PO8"]["founded"] == "2010-06-01"
    assert "town_code" not in pos["D0"] and pos["D2"]["town_code"] == "T01"
    m1 = members["M1"]
    kid = get_settings().hash_key()[0]
    assert m1 == {
        "member_id": "M1",
        "name": "张三",
        "id_hash": _hmac(H.ID1),
        "id_masked": H.ID1[:6] + "********" + H.ID1[-4:],
        "key_id": kid,
        "phone_hash": _hmac("+8613800138000"),
        "phone_masked": "138****8000",
        "gender": "男",
        "member_type": "正式党员",
        "relationship_org": "PO1",
        "activity_org": "D2",
        "employer_uscc": U[1],
        "post": "书记",
        "cross_appointed": True,
        "owner": True,
        "in_management": True,
        "title": "高级工程师",
        "town_code": "T01",
    }
    assert members["M5"]["town_code"] == "T01" and members["M5"]["flag"] == "流动党员"
    assert "town_code" not in members["M8"] and members["M8"]["id_hash"] == m1["id_hash"]
    assert ins["I1"] == {
        "instructor_id": "I1",
        "name": "陈指导",
        "phone_hash": _hmac("+8613900139000"),
        "phone_masked": "139****9000",
        "key_id": kid,
        "town_code": "T01",
    }
    assert "town_code" not in ins["I2"]


def test_hostile_relationships(store: Any, hostile_xlsx: Path) -> None:
    load_roster(hostile_xlsx, store)
    U = H.U
    assert rel_set(store, "COVERS") == {
        ("PartyOrg:PO1", f"Organization:{U[1]}"),
        ("PartyOrg:PO1", f"Organization:{U[9]}"),
        ("PartyOrg:PO8", f"Organization:{U[2]}"),
        ("PartyOrg:PO8", f"Organization:{H.U8_Y}"),
    }
    assert rel_set(store, "LOCATED_IN") == {
        ("Park:P01", "Town:T01"),
        ("Village:V01", "Town:T01"),
        ("Village:V02", "Town:T02"),
        (f"Organization:{U[1]}", "Town:T01"),
        (f"Organization:{U[2]}", "Town:T01"),
        (f"Organization:{U[7]}", "Town:T01"),
        (f"Organization:{H.U8_Y}", "Town:T02"),
        (f"Organization:{U[9]}", "Town:T01"),
        (f"Organization:{U[15]}", "Town:1001"),
        ("PartyOrg:D2", "Town:T01"),
        (f"PartyOrg:{U[7]}", "Town:T01"),  # never derived: own column only
    }
    assert rel_set(store, "REPORTS_TO") == {
        ("PartyOrg:D1", "PartyOrg:D0"),
        ("PartyOrg:D2", "PartyOrg:D1"),
        ("PartyOrg:PO1", "PartyOrg:D2"),
        ("PartyOrg:PO6", "PartyOrg:D1"),
        ("PartyOrg:PO8", "PartyOrg:D2"),
        (f"PartyOrg:{U[7]}", "PartyOrg:D2"),
    }
    assert rel_set(store, "IN_PARK") == {
        (f"Organization:{U[1]}", "Park:P01"),
        (f"Organization:{U[9]}", "Park:P01"),
    }
    assert rel_set(store, "IN_ASSOCIATION") == {(f"Organization:{U[9]}", f"Organization:{U[2]}")}
    assert rel_set(store, "SUBSIDIARY_OF") == {(f"Organization:{U[9]}", f"Organization:{U[1]}")}
    assert rel_set(store, "RELATIONSHIP_IN") == {("Member:M1", "PartyOrg:PO1"), ("Member:M8", "PartyOrg:PO8")}
    assert rel_set(store, "ACTIVE_IN") == {("Member:M1", "PartyOrg:D2")}
    assert rel_set(store, "WORKS_AT") == {
        ("Member:M1", f"Organization:{U[1]}"),
        ("Member:M5", f"Organization:{U[2]}"),
    }
    assert rel_set(store, "ASSIGNED_TO") == {
        ("Instructor:I1", f"Organization:{U[1]}"),
        ("Instructor:I1", "PartyOrg:PO1"),
        ("Instructor:I2", "PartyOrg:PO6"),
    }
    paired = {(a, b): (rid, p) for a, b, rid, p in store.fetch_relationships(Rel.PAIRED_WITH)}
    assert set(paired) == {("PartyOrg:PO1", "PartyOrg:PO8"), ("PartyOrg:PO1", f"Organization:{U[15]}")}
    rid, props = paired[("PartyOrg:PO1", "PartyOrg:PO8")]
    assert props == {"pairing_type": "示范帮扶", "since": "2012-01-01"} and len(rid) == 16
    assert paired[("PartyOrg:PO1", f"Organization:{U[15]}")][1]["since"] == "2012-03-01"
    joint = store.fetch_relationships(Rel.JOINT_BUILDS_WITH)
    assert [(a, b, p) for a, b, _r, p in joint] == [
        (f"Organization:{U[1]}", "Village:V01", {"since": "2013-05-06"})
    ]
    helps = {(a, b): p for a, b, _r, p in store.fetch_relationships(Rel.HELPS_BUILD)}
    assert helps == {
        ("Instructor:I1", f"Organization:{U[15]}"): {"since": "2012-01-01", "status": "进行中"},
        ("Member:M1", f"Organization:{U[9]}"): {"status": "已建立"},
    }
    contacts = sorted(p["date"] + p["method"] for _a, _b, _r, p in store.fetch_relationships(Rel.CONTACTED))
    assert contacts == ["2012-02-01电话", "2012-03-01走访"]


def test_hostile_warnings(store: Any, hostile_xlsx: Path) -> None:
    res = load_roster(hostile_xlsx, store)
    got = {(w.code, w.sheet, w.column) for w in res.warnings}
    assert {
        ("unknown_columns", "组织", None),
        ("unknown_sheet", "Sheet1", None),
        ("numeric_code", "镇街", "镇街编码"),
        ("numeric_code", "组织", "所在镇街编码"),
        ("formula_text", "组织", "组织名称"),
        ("duplicate_identical", "镇街", "镇街编码"),
        ("duplicate_identical", "结对", None),
        ("same_id_number", "党员", "身份证号"),
    } <= got
    unknown = next(w for w in res.warnings if w.code == "unknown_columns")
    assert "备注" in unknown.message_zh and "统一社会信用代码" in unknown.message_zh
    same = next(w for w in res.warnings if w.code == "same_id_number")
    assert same.rows == [2, 9]


def test_no_raw_personal_data_anywhere(store: Any, hostile_xlsx: Path, tmp_path: Path) -> None:
    res = load_roster(hostile_xlsx, store)
    xlsx, js = res.write(tmp_path / "report.xlsx")
    nodes, rels = store.dump()
    audit_text = (get_settings().home / "audit.log").read_text(encoding="utf-8")
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(xlsx))
    report_cells = json.dumps(
        [wb.get_sheet_by_name(n).to_python() for n in wb.sheet_names], ensure_ascii=False, default=str
    )
    raw = [
        H.ID1,
        ric(2),
        ric(3),
        ric(5),
        ric(6),
        ric(7),
        ric(9),
        "13800138000",
        "1380013800",
        "13900139000",
        "13900139002",
        "8613800138000",
    ]
    for text in (
        json.dumps([nodes, rels], ensure_ascii=False),
        js.read_text(encoding="utf-8"),
        report_cells,
        audit_text,
        res.to_json(),
    ):
        for secret in raw:
            assert secret not in text
    # and the masked forms are what the report shows
    shown = {(p.sheet, p.row): p.value for p in res.problems}
    assert shown[("党员", 4)] == "138***3800"
    assert shown[("党员", 5)].startswith("500118********")


def test_reload_changes_nothing(store: Any, hostile_xlsx: Path) -> None:
    first = load_roster(hostile_xlsx, store)
    dump1 = store.dump()
    second = load_roster(hostile_xlsx, store)
    assert store.dump() == dump1
    assert second.exit_code == first.exit_code == 1
    assert second.counts == first.counts
    assert second.rejected() == first.rejected()


def test_dry_run_writes_nothing_and_predicts_the_load(store: Any, hostile_xlsx: Path) -> None:
    dry = load_roster(hostile_xlsx, store, dry_run=True)
    assert dry.exit_code == 1 and dry.dry_run
    assert store.dump() == ([], [])
    real = load_roster(hostile_xlsx, store)
    assert dry.counts == real.counts
    assert dry.rejected() == real.rejected()


def test_report_shows_formula_text_as_text(store: Any, hostile_xlsx: Path, tmp_path: Path) -> None:
    import openpyxl

    res = load_roster(hostile_xlsx, store)
    xlsx, js = res.write(tmp_path / "out" / "report.xlsx")
    assert js == tmp_path / "out" / "report.json"
    data = json.loads(js.read_text(encoding="utf-8"))
    assert data["exit_code"] == 1 and data["rejected_rows"] == res.rejected_rows
    assert {(p["sheet"], p["row"], p["column"]) for p in data["problems"]} == H.REJECTED
    wb = openpyxl.load_workbook(xlsx)
    ws = wb["被拒绝的行 rejected"]
    cells = [c for row in ws.iter_rows() for c in row if c.value == H.FORMULA]
    assert cells, "the formula-looking value is in the report"
    assert all(c.data_type == "s" for c in cells)  # a string cell, never a formula
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)
    # every problem is a row of the sheet, roots before their cascades
    rows = [(r[0].value, r[1].value) for r in ws.iter_rows(min_row=2)]
    assert set(rows) == {(s, r) for s, r, _c in H.REJECTED}
    assert rows.index(("组织", 5)) < rows.index(("党员", 8))


def test_audit_entry_per_load(store: Any, hostile_xlsx: Path) -> None:
    from graph.audit import read_audit
    from graph.loaders.reader import file_digest

    load_roster(hostile_xlsx, store)
    load_roster(hostile_xlsx, store, dry_run=True)
    entries = [e for e in read_audit() if e["action"] == "load"]
    assert len(entries) == 2
    e = entries[0]
    assert e["sha256"] == file_digest(hostile_xlsx)
    assert e["rejected_rows"] == len({(s, r) for s, r, _c in H.REJECTED})
    assert e["counts"]["nodes"]["Organization"] == 6
    assert e["who"].startswith("cli:") and e["exit_code"] == 1 and entries[1]["dry_run"] is True
