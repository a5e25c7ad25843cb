"""History (issue 16): every load a snapshot; the changes between loads; one answer on both backends."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from graph.loaders.load import load_roster
from queries import history as h
from queries.scope import Scope
from tests.loaders.workbooks import ric, uscc, write_xlsx
from workflows.loading import load

U1, U2, U3, U4 = uscc(301), uscc(302), uscc(303), uscc(304)
ID1 = ric(7)
TOWNS = [["镇街编码", "镇街名称"], ["T01", "甲街道"], ["T02", "乙镇"]]
ORG_HEAD = ["统一社会信用代码", "组织名称", "组织类别", "所在镇街编码", "经营状态"]
PO_HEAD = ["党组织编码", "党组织名称", "层级", "类型", "上级党组织编码", "覆盖组织信用代码", "示范等级"]
MEM_HEAD = [
    "党员编号",
    "姓名",
    "身份证号",
    "手机号",
    "组织关系所在党组织编码",
    "活动所在党组织编码",
    "工作单位信用代码",
]
A: dict[str, list[list[Any]]] = {
    "镇街": TOWNS,
    "村社区": [["村编码", "村名称", "所在镇街编码"], ["V1", "一村", "T01"]],
    "组织": [
        ORG_HEAD,
        [U1, "甲公司", "非公企业", "T01", None],
        [U2, "乙公司", "个体工商户", "T02", None],
        [U3, "丙公司", "非公企业", "T02", None],
    ],
    "党组织": [
        PO_HEAD,
        ["D0", "区委", "党委", "区委", None, None, None],
        ["PO1", "丙支部", "党支部", None, "D0", U3, "区级"],
    ],
    "党员": [
        MEM_HEAD,
        ["M1", "张三丰", ID1, "13800138000", "PO1", "PO1", U3],
        ["M2", "李四", None, None, "PO1", None, U3],
    ],
    "结对": [["结对类型", "发起方编码", "对象编码", "开始日期"], ["示范帮扶", "PO1", U1, "2010-05-01"]],
    "帮建": [["帮建人编号", "帮建对象信用代码", "开始日期", "状态"], ["M1", U1, "2010-03-01", "进行中"]],
    "联系记录": [["帮建人编号", "对象信用代码", "日期", "方式"], ["M1", U1, "2010-04-01", "电话"]],
}
# B: U1 now covered by a new PO2 (members M2 moves there), U2 becomes a 非公企业 and closes,
# U4 registered, the pairing ends, the village joint building starts, the ledger row is 已建立.
B: dict[str, list[list[Any]]] = {
    "镇街": TOWNS,
    "村社区": A["村社区"],
    "组织": [
        ORG_HEAD,
        [U1, "甲公司", "非公企业", "T01", None],
        [U2, "乙公司", "非公企业", "T02", "注销"],
        [U3, "丙公司", "非公企业", "T02", None],
        [U4, "丁公司", "非公企业", "T01", None],
    ],
    "党组织": [*A["党组织"], ["PO2", "甲支部", "党支部", None, "D0", U1, None]],
    "党员": [A["党员"][0], A["党员"][1], ["M2", "李四", None, None, "PO2", None, U3]],
    "结对": [["结对类型", "发起方编码", "对象编码", "开始日期"], ["村企联建", U1, "V1", "2011-01-01"]],
    "帮建": [["帮建人编号", "帮建对象信用代码", "开始日期", "状态"], ["M1", U1, "2010-03-01", "已建立"]],
    "联系记录": [*A["联系记录"], ["M1", U1, "2010-05-01", "走访"]],
}
# C: M1 leaves the roster (--sync): their details leave every stored change.
C: dict[str, list[list[Any]]] = {
    **B,
    "党员": [B["党员"][0], B["党员"][2]],
    "帮建": [B["帮建"][0]],
    "联系记录": [B["联系记录"][0]],
}


def _kinds(changes: list[h.Change]) -> set[tuple[str, str | None]]:
    return {(c.kind, c.key) for c in changes}


def _load(store: Any, tmp: Path, name: str, sheets: dict[str, Any], **kw: Any) -> str:
    res = load(write_xlsx(tmp / f"{name}.xlsx", sheets), store, operator="test", **kw)
    assert res.exit_code == 0, (res.message_zh, res.problems)
    assert res.snapshot is not None
    return res.snapshot


def test_same_workbook_twice_records_a_snapshot_with_no_changes(store: Any, tmp_path: Path) -> None:
    first = _load(store, tmp_path, "a", A)
    second = _load(store, tmp_path, "a", A)
    assert (first, second) == ("0001", "0002")
    assert h.stored_changes(store, second) == []
    snap = h.find(store, "2")
    assert snap.change_counts == {} and snap.previous == "0001"
    assert snap.rows_rejected == 0 and snap.rows_loaded == sum(len(v) - 1 for v in A.values())
    assert snap.district.orgs == 2 and snap.district.covered == 1  # 个体工商户 outside the rates
    assert [f.id for f in snap.figures][:2] == ["F1", "F2"]


def test_dry_run_and_rejected_input_record_nothing(store: Any, tmp_path: Path) -> None:
    res = load(write_xlsx(tmp_path / "a.xlsx", A), store, dry_run=True)
    assert res.exit_code == 0 and res.snapshot is None
    assert store.list_docs(h.SNAPSHOT) == []


def test_changes_between_loads(store: Any, tmp_path: Path) -> None:
    _load(store, tmp_path, "a", A, as_of=dt.date(2010, 12, 31))
    sid = _load(store, tmp_path, "b", B, sync=True, as_of=dt.date(2011, 12, 31))
    changes = h.stored_changes(store, sid)
    pairing = f"PartyOrg:PO1>Organization:{U1}"
    assert _kinds(changes) == {
        ("org_added", U4),
        ("org_category", U2),
        ("org_status", U2),
        ("org_covered", U1),
        ("party_org_added", "PO2"),
        ("pairing_removed", pairing),
        ("joint_added", f"Organization:{U1}>Village:V1"),
        ("member_relationship", "M2"),
        ("ledger_status", f"Member:M1>{U1}|2010-03-01"),  # one change, not a removal and an addition
        ("contacts", f"Member:M1>{U1}"),
    }
    by = {c.kind: c for c in changes}
    assert by["org_covered"].by == ("PO2",)
    assert (by["org_status"].before, by["org_status"].after) == ("在营", "注销")
    assert (by["member_relationship"].before, by["member_relationship"].after) == ("PO1", "PO2")
    assert by["member_relationship"].name == "李*"
    assert (by["ledger_status"].before, by["ledger_status"].after) == ("进行中", "已建立")
    assert by["pairing_removed"].sync and not by["org_added"].sync
    # no raw ID or phone anywhere in history
    state = h.State.from_doc(store.get_doc(h.STATE_DOC, h.STATE_ID))  # stored compressed
    text = str(store.list_docs(h.CHANGES)) + str(store.list_docs(h.SNAPSHOT)) + str(state)
    assert "李*" in str(state)
    assert ID1 not in text and "13800138000" not in text and "张三丰" not in text


def test_sync_deleting_a_member_leaves_only_counts(store: Any, tmp_path: Path) -> None:
    _load(store, tmp_path, "a", A)
    b = _load(store, tmp_path, "b", B, sync=True)
    assert any("M1" in c.members for c in h.stored_changes(store, b))
    before = h.counts_of(h.stored_changes(store, b))
    c = _load(store, tmp_path, "c", C, sync=True)
    later = h.stored_changes(store, c)
    assert ("member_removed", None) in _kinds(later)
    assert sum(x.count for x in later if x.kind == "member_removed") == 1
    for doc in store.list_docs(h.CHANGES):
        assert "M1" not in str(doc)
    assert h.counts_of(h.stored_changes(store, b)) == before  # the counts remain
    snap = h.find(store, b)
    assert snap.redacted >= 1 and sum(snap.redacted_towns.values()) == snap.redacted
    # a town caller learns its own town's count only, never the district's
    for town, n in snap.redacted_towns.items():
        assert h._scoped(store, snap, Scope(town)).redacted == n
    elsewhere = Scope("999999999")
    assert h._scoped(store, snap, elsewhere).redacted == 0
    assert h._scoped(store, snap, elsewhere).redacted_towns == {}


def test_diff_composes_and_inverts(store: Any, tmp_path: Path) -> None:
    _load(store, tmp_path, "a", A)
    _load(store, tmp_path, "b", B, sync=True)
    _load(store, tmp_path, "a2", A, sync=True)
    there_and_back = h.HISTORY_DIFF(store, Scope(), a="1", b="3")
    assert there_and_back.changes == []
    fwd = h.HISTORY_DIFF(store, Scope(), a="1", b="2")
    back = h.HISTORY_DIFF(store, Scope(), a="2", b="1")
    assert _kinds(fwd.changes) == _kinds(h.stored_changes(store, "0002"))
    kinds_back = {k for k, _ in _kinds(back.changes)}
    assert "org_removed" in kinds_back and "pairing_added" in kinds_back


def test_town_scope_sees_its_own_town_and_the_district(store: Any, tmp_path: Path) -> None:
    _load(store, tmp_path, "a", A)
    _load(store, tmp_path, "b", B, sync=True)
    res = h.HISTORY(store, Scope("T01"))
    s = res.snapshots[-1]
    assert set(s.towns) == {"T01"} and s.rank is not None and s.district.orgs == 3  # U2 closed
    detail = h.HISTORY_SNAPSHOT(store, Scope("T01"), id="2")
    assert detail.changes and all(c.town == "T01" for c in detail.changes)
    assert h.HISTORY(store, Scope()).snapshots[-1].towns.keys() == {"T01", "T02"}


def test_history_is_ordered_by_data_date(store: Any, tmp_path: Path) -> None:
    _load(store, tmp_path, "b", B, as_of=dt.date(2011, 12, 31))
    _load(store, tmp_path, "a", A, as_of=dt.date(2010, 12, 31))
    snaps = h.HISTORY(store, Scope()).snapshots
    assert [s.id for s in snaps] == ["0002", "0001"]


def test_backends_record_identical_history(embedded_store: Any, tmp_path: Path, request: Any) -> None:
    from tests.conftest import _open_neo4j

    neo = _open_neo4j()
    neo.wipe()
    neo.apply_schema()
    try:
        out = []
        # one file per workbook for both stores (a rewritten .xlsx has another SHA-256)
        books = [write_xlsx(tmp_path / f"{n}.xlsx", s) for n, s in (("a", A), ("b", B), ("c", C))]
        for st in (embedded_store, neo):
            for book in books:
                res = load(book, st, sync=True, as_of=dt.date(2011, 1, 1), operator="test")
                assert res.exit_code == 0 and res.snapshot
            snaps = [{k: v for k, v in d.items() if k != "loaded_at"} for d in st.list_docs(h.SNAPSHOT)]
            out.append((snaps, st.list_docs(h.CHANGES), st.list_docs(h.STATE_DOC)))
        assert out[0] == out[1]
    finally:
        neo.close()


def test_plain_load_roster_records_nothing(store: Any, tmp_path: Path) -> None:
    # the loaders know nothing of history: only the workflow records
    assert load_roster(write_xlsx(tmp_path / "a.xlsx", A), store).exit_code == 0
    assert store.list_docs(h.SNAPSHOT) == []


def test_the_child_process_load_records_a_snapshot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # what orggraph load and the import page call: the workflow inside service's child process
    from graph.store import open_store
    from workflows.loading import run

    monkeypatch.setenv("ORGGRAPH_BACKEND", "embedded")
    res = run(write_xlsx(tmp_path / "a.xlsx", A), as_of=dt.date(2009, 12, 31), operator="web:admin")
    assert res.exit_code == 0 and res.snapshot == "0001"
    snap = h.find(open_store(backend="embedded"), "1")
    assert snap.as_of == dt.date(2009, 12, 31) and snap.operator == "web:admin"
    assert snap.source.name == "a.xlsx" and snap.source.sha256 == res.sha256


def test_state_document_round_trips_and_reads_the_plain_format(store: Any, tmp_path: Path) -> None:
    _load(store, tmp_path, "b", B)
    state = h.capture(store)
    doc = store.get_doc(h.STATE_DOC, h.STATE_ID)
    assert doc is not None and doc["format"] == h.STATE_FORMAT
    assert h.State.from_doc(doc) == state and state.orgs and state.members and state.ledger
    # format 1 (rows as plain JSON lists) is still read: stores recorded before compression
    rows = {name: getattr(state, name) for name in h._ROWS}
    rows = {k: list(v.values()) if isinstance(v, dict) else v for k, v in rows.items()}
    rows |= {"format": 1, "towns": state.towns, "instructors": state.instructors}
    plain = json.loads(json.dumps(rows))
    assert h.State.from_doc(plain) == state
    assert len(json.dumps(doc)) < len(json.dumps(plain))
