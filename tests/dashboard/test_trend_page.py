"""The 变化趋势 page: trend lines and the change list are the history questions' answers, scoped."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from typing import Any

import openpyxl
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager

from graph.loaders.report import LoadResult
from graph.model import Label, Rel
from queries.history import HISTORY, HISTORY_DIFF, KIND_ZH, DiffParams, HistoryParams
from queries.question import ask
from queries.scope import Scope
from tests.dashboard.conftest import all_text, app, chart_data, no_exception, token
from tests.dashboard.test_pages import OTHER_TOWNS
from workflows.loading import record

NEW_ORG = {"uscc": "O17", "org_name": "青峰新材料公司", "org_category": "非公企业", "town_code": "T2"}


def _record(store: Any, name: str, prev: Any, year: int) -> str:
    done = LoadResult(path=f"{name}.xlsx", sha256=name * 8, exit_code=0, sheets={"组织": 17})
    return record(store, done, prev, as_of=dt.date(year, 12, 31), operator="test")


@pytest.fixture
def two_snapshots(loaded: Any) -> Iterator[Any]:
    """The fixture graph recorded as a baseline (2010), then changed in T1 and T2 and recorded again
    (in the embedded store of ``loaded``)."""
    from queries import history as h

    store = loaded  # the fixture graph is already there
    _record(store, "2010", None, 2010)
    prev = h.capture(store)
    with store.bulk():
        # T1: 乙电子公司 now covered by PO1; T2: a new organisation, the PO4 -> O13 pairing ends
        store.upsert_relationships(
            Rel.COVERS,
            Label.PARTY_ORG,
            Label.ORGANIZATION,
            [{"from": "PO1", "to": "O02", "rid": "", "props": {}}],
        )
        store.upsert_nodes(Label.ORGANIZATION, [{**NEW_ORG, "status": "在营"}])
        store.delete_relationships(Rel.PAIRED_WITH, [{"from": "PO4", "to": "O13", "rid": ""}])
    _record(store, "2011", prev, 2011)
    yield store


def _charts(at: Any) -> dict[str, dict[str, list[Any]]]:
    """Every trend chart: {y-axis unit + index: {series name: values}}."""
    out = {}
    for i in range(len(at.get("bidi_component"))):
        opts = chart_data(at, i)
        if isinstance(opts, dict) and "options" in opts:
            opts = opts["options"]
        out[str(i)] = {s["name"]: s["data"] for s in opts["series"]}
    return out


def _codes_shown(cells: list[str], keys: list[str | None]) -> bool:
    """Each row shows its change's entity codes (without the node labels)."""
    parts = [re.split(r"[>|]", re.sub(r"[A-Za-z]+:", "", k or "")) for k in keys]
    return len(cells) == len(keys) and all(
        all(p in c for p in ps) for c, ps in zip(cells, parts, strict=True)
    )


def _table(at: Any, column: str) -> Any:
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_fewer_than_two_snapshots_says_so(loaded: Any) -> None:
    at = app(token("district"), "trend")
    no_exception(at)
    assert "至少导入两次台账后才能看到变化" in all_text(at)
    assert not at.get("bidi_component")


def test_trend_lines_are_the_history_answer(two_snapshots: Any) -> None:
    at = app(token("district"), "trend")
    no_exception(at)
    res = ask(two_snapshots, HISTORY, Scope(), HistoryParams())
    assert len(res.snapshots) == 2
    charts = list(_charts(at).values())
    assert len(charts) == 4
    getters = [
        lambda t: t.coverage,
        lambda t: t.work_coverage,
        lambda t: t.demo_points,
        lambda t: t.pairings,
    ]
    towns = {code: t.name for code, t in res.snapshots[-1].towns.items()}
    for series, get in zip(charts, getters, strict=True):
        assert series["全区"] == [get(s.district) for s in res.snapshots]
        assert set(series) == {"全区", *towns.values()}
        for code, name in towns.items():
            assert series[name] == [get(s.towns[code]) for s in res.snapshots]
    # the change between the two is visible in the lines themselves
    assert charts[3]["全区"][0] == charts[3]["全区"][1] + 1


def test_change_list_is_the_diff_answer_and_filters(two_snapshots: Any) -> None:
    at = app(token("district"), "trend")
    diff = ask(two_snapshots, HISTORY_DIFF, Scope(), DiffParams(a="0001", b="0002"))
    assert {c.kind for c in diff.changes} >= {"org_covered", "org_added", "pairing_removed"}
    table = _table(at, "变化类别")
    assert list(table["变化类别"]) == [KIND_ZH[c.kind] for c in diff.changes]
    assert _codes_shown(list(table["对象编码"]), [c.key for c in diff.changes])
    assert "PO4 → O13" in list(table["对象编码"])
    assert list(table["名称"]) == [c.name for c in diff.changes]

    at.selectbox(key="trend_kind").set_value("org_added").run()
    no_exception(at)
    only = ask(two_snapshots, HISTORY_DIFF, Scope(), DiffParams(a="0001", b="0002", kind="org_added"))
    assert list(_table(at, "变化类别")["对象编码"]) == [c.key for c in only.changes] == ["O17"]

    at.selectbox(key="trend_kind").set_value(None).run()
    at.selectbox(key="trend_town").set_value("T1").run()
    t1 = ask(two_snapshots, HISTORY_DIFF, Scope("T1"), DiffParams(a="0001", b="0002"))
    assert list(_table(at, "变化类别")["对象编码"]) == [c.key for c in t1.changes] == ["O02"]


def test_town_user_sees_its_town_the_district_and_its_rank(two_snapshots: Any) -> None:
    at = app(token("town", "T1"), "trend")
    no_exception(at)
    res = ask(two_snapshots, HISTORY, Scope("T1"), HistoryParams())
    for series in _charts(at).values():
        assert set(series) == {"全区", res.snapshots[-1].towns["T1"].name}
    assert f"第 {res.snapshots[-1].rank} 名" in all_text(at)
    table = _table(at, "变化类别")
    assert list(table["对象编码"]) == ["O02"]
    text = all_text(at)
    for name in [*OTHER_TOWNS, NEW_ORG["org_name"]]:
        assert name not in text, name


def test_export_downloads_meeting_material(two_snapshots: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    built: dict[str, Any] = {}
    original = MediaFileManager.add_deferred

    def keep(self: Any, data: Any, mimetype: Any, coordinates: Any, **kw: Any) -> str:
        built[kw.get("file_name") or coordinates] = data
        return original(self, data, mimetype, coordinates, **kw)

    monkeypatch.setattr(MediaFileManager, "add_deferred", keep)
    at = app(token("district"), "trend")
    no_exception(at)
    assert [b for b in at.get("download_button") if "导出变化清单" in b.proto.label]
    name, make = next((k, v) for k, v in built.items() if "变化清单" in k)
    assert name.endswith(".xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(make()))
    assert wb.sheetnames == ["变化清单", "各次导入"]
    ws = wb["变化清单"]
    cells = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    assert cells[0].startswith("两次导入之间的变化")
    assert any("筛选条件" in c and "0001" in c and "0002" in c for c in cells)
    assert any("数据日期：2011-12-31" in c and "数据范围：全区" in c for c in cells)
    diff = ask(two_snapshots, HISTORY_DIFF, Scope(), DiffParams(a="0001", b="0002"))
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    top = next(i for i, r in enumerate(rows) if r[0] == "变化类别")
    body = rows[top + 1 :]
    assert [r[0] for r in body] == [KIND_ZH[x.kind] for x in diff.changes]
    assert _codes_shown([r[1] for r in body], [x.key for x in diff.changes])
    # it prints as meeting material: landscape A4, one page wide, the header row on every page,
    # the data date and page numbers in the footer
    setup = ws.page_setup
    assert setup.orientation == "landscape" and str(setup.paperSize) == "9" and setup.fitToHeight == 0
    assert ws.print_title_rows.replace("$", "") == f"{top + 1}:{top + 1}"
    assert "&P" in ws.oddFooter.center.text and "2011-12-31" in ws.oddFooter.left.text


@pytest.mark.parametrize("role,town", [("district", None), ("town", "T1")])
def test_trend_page_is_chinese(two_snapshots: Any, role: str, town: str | None) -> None:
    from tests.dashboard.test_chinese import _problems

    at = app(token(role, town), "trend")
    no_exception(at)
    assert _problems(at) == []
