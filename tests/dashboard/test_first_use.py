"""Issue 12 on the dashboard: gaps rows open their details, exports print as meeting material,
the import page hands out the template, the overview says which data it shows and where a
town stands."""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
from openpyxl import load_workbook

import queries
from dashboard.export import DASH, ExportInfo, to_xlsx
from graph.model import LOAD_DOC_ID, LOAD_DOC_KIND
from tests.dashboard.conftest import all_text, app, metrics, no_exception, token


def test_export_is_meeting_material() -> None:
    df = pd.DataFrame({"组织名称": ["甲", "乙"], "理由": ["很长的理由" * 20, None], "从业人员": [12, None]})
    info = ExportInfo(
        title="覆盖缺口清单",
        filters=[("镇街", "甲街道"), ("园区", "全部")],
        data_date="2026-12-01 09:00 导入（台账：台账.xlsx）",
        scope="仅本镇街：甲街道",
        who="镇街用户",
    )
    ws = load_workbook(io.BytesIO(to_xlsx({"覆盖缺口": df}, info)))["覆盖缺口"]
    col_a = [ws.cell(row=r, column=1).value for r in range(1, 8)]
    assert col_a[0] == "覆盖缺口清单"
    assert "镇街：甲街道" in col_a[1] and "园区：全部" in col_a[1]
    assert "2026-12-01 09:00 导入（台账：台账.xlsx）" in col_a[2] and "仅本镇街：甲街道" in col_a[2]
    assert "镇街用户" in col_a[3]
    header_row = col_a.index("组织名称") + 1
    assert [c.value for c in ws[header_row]] == ["组织名称", "理由", "从业人员"]
    assert ws.cell(row=header_row + 2, column=2).value == DASH  # none shows as —
    assert ws.cell(row=header_row + 2, column=3).value == DASH
    assert ws.cell(row=header_row + 1, column=2).alignment.wrap_text  # long text wraps
    # printing: landscape, one page wide, the header row on every page, page numbers
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0  # 1 is Excel's default
    assert ws.print_title_rows.replace("$", "") == f"{header_row}:{header_row}"
    assert "&P" in ws.oddFooter.center.text and "覆盖缺口清单" in ws.oddHeader.left.text
    assert ws.freeze_panes == f"A{header_row + 1}"


def test_gaps_row_opens_its_details(loaded: Any) -> None:
    at = app(token("district"), "gaps")
    no_exception(at)
    res = queries.GAPS(loaded, queries.Scope(), limit=None)
    first = res.entries[0]
    assert first.org.name not in [m.value for m in at.markdown if m.value.startswith("####")]
    at.session_state["gaps_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    no_exception(at)
    heads = [m.value for m in at.markdown if m.value.startswith("####")]
    assert f"#### {first.org.name}" in heads
    text = all_text(at)
    assert "理由" in text and (first.recommendation.reason or DASH) in text


def test_import_page_offers_the_template(loaded: Any) -> None:
    at = app(token("admin"), "import")
    no_exception(at)
    buttons = [b for b in at.get("download_button") if "台账模板" in b.proto.label]
    assert buttons, "no template download on the import page"
    assert buttons[0].proto.url or buttons[0].proto.deferred_file_id  # the file is there to fetch


def test_overview_names_the_data_and_a_town_users_standing(loaded: Any) -> None:
    at = app(token("district"), "overview")
    assert "尚无导入记录" in all_text(at)
    loaded.put_doc(
        LOAD_DOC_KIND,
        LOAD_DOC_ID,
        {
            "file": "区台账-2026.xlsx",
            "loaded_at": "2026-11-30T02:00:00+00:00",
            "rows": 10,
            "rejected_rows": 0,
        },
    )
    at = app(token("district"), "overview")
    no_exception(at)
    assert "区台账-2026.xlsx" in all_text(at) and "2026-11-30" in all_text(at)
    assert "在全区镇街中的名次" not in metrics(at)  # district users see every town anyway

    at = app(token("town", "T1"), "overview")
    no_exception(at)
    m = metrics(at)
    st = queries.DATASET(loaded, queries.Scope("T1")).standing
    assert st is not None and st.rank is not None
    assert m["在全区镇街中的名次"] == f"第 {st.rank} 名"
    assert "全区镇街平均覆盖率" in m
    text = all_text(at)
    others = [r for r in queries.COVERAGE(loaded, queries.Scope(), by="town").rows if r.group != "T1"]
    assert others and all((r.group_name or r.group) not in text for r in others)
