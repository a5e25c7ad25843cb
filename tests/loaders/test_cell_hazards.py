"""Cells a workbook holds that are not plain values, and stray cells far from the data.

Each workbook is generated here (openpyxl / xlsxwriter) and never committed."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from graph.loaders.load import load_roster
from graph.model import Label
from tests.loaders.workbooks import uscc, write_xlsx

U1, U2, U3 = uscc(201), uscc(202), uscc(203)
TOWNS = [["镇街编码", "镇街名称", "类型"], ["T01", "中山路街道", "街道"], ["T02", "青峰镇", "镇"]]
ORG_HEADER = ["统一社会信用代码", "组织名称", "组织类别", "所在镇街编码", "行业"]


def _openpyxl_roster(path: Path, orgs: list[list[Any]], edit: Any = None) -> Path:
    """Like a workbook saved by a tool that does not calculate: formulas have no cached value."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "镇街"
    for row in TOWNS:
        ws.append(row)
    org = wb.create_sheet("组织")
    org.append(ORG_HEADER)
    for row in orgs:
        org.append(row)
    if edit is not None:
        edit(wb)
    wb.save(path)
    return path


def _by_cell(res: Any) -> dict[tuple[int | None, str], str]:
    return {(p.row, p.column): p.reason_zh for p in res.problems}


def test_formula_without_value_is_named(store: Any, tmp_path: Path) -> None:
    wb = _openpyxl_roster(
        tmp_path / "f.xlsx",
        [
            [U1, "甲公司", "非公企业", "T01", "=A1"],  # optional column: warning, stored empty
            [U2, "=B2", "非公企业", "T01", "制造"],  # required column: rejected with the reason
        ],
    )
    res = load_roster(wb, store)
    assert res.exit_code == 1, res.problems
    assert _by_cell(res) == {(3, "组织名称"): "公式没有计算结果，请在 Excel 中打开并保存后再导入"}
    warn = [w for w in res.warnings if w.code == "formula_no_value"]
    assert [(w.sheet, w.column, w.rows) for w in warn] == [("组织", "行业", [2])]
    assert "公式没有计算结果" in warn[0].message_zh
    orgs = store.fetch_nodes(Label.ORGANIZATION)
    assert set(orgs) == {U1} and "industry" not in orgs[U1]


def test_excel_error_value_and_merged_cell_have_their_own_reasons(store: Any, tmp_path: Path) -> None:
    def edit(wb: Any) -> None:
        org = wb["组织"]
        org["E2"] = "#N/A"
        org["E2"].data_type = "e"
        org["D3"] = "#REF!"
        org["D3"].data_type = "e"
        org.merge_cells("C4:C5")  # 组织类别 of row 5 lies under the merge

    wb = _openpyxl_roster(
        tmp_path / "e.xlsx",
        [
            [U1, "甲公司", "非公企业", "T01", None],
            [U2, "乙公司", "非公企业", None, None],
            [U3, "丙公司", "非公企业", "T02", None],
            [uscc(204), "丁公司", None, "T02", None],
        ],
        edit,
    )
    res = load_roster(wb, store)
    got = _by_cell(res)
    assert "Excel 错误值" in got[(3, "所在镇街编码")] and "#REF!" in got[(3, "所在镇街编码")]
    assert "合并单元格" in got[(5, "组织类别")] and "C4:C5" in got[(5, "组织类别")]
    assert set(got) == {(3, "所在镇街编码"), (5, "组织类别")}
    warn = {w.code: w for w in res.warnings}
    assert warn["excel_error"].column == "行业" and warn["excel_error"].rows == [2]


def test_hidden_rows_and_sheets_load_with_a_warning(store: Any, tmp_path: Path) -> None:
    def edit(wb: Any) -> None:
        wb["组织"].row_dimensions[3].hidden = True
        wb["镇街"].sheet_state = "hidden"

    wb = _openpyxl_roster(
        tmp_path / "h.xlsx",
        [[U1, "甲公司", "非公企业", "T01", None], [U2, "乙公司", "非公企业", "T02", None]],
        edit,
    )
    res = load_roster(wb, store)
    assert res.exit_code == 0, res.problems
    assert set(store.fetch_nodes(Label.ORGANIZATION)) == {U1, U2}
    codes = {w.code: w for w in res.warnings}
    assert "隐藏" in codes["hidden_rows"].message_zh and "第 3 行" in codes["hidden_rows"].message_zh
    assert codes["hidden_sheet"].sheet == "镇街" and "隐藏" in codes["hidden_sheet"].message_zh


def _district(path: Path, n: int) -> Path:
    """A district-sized workbook: n organisations, each with a contact record."""
    orgs = [ORG_HEADER] + [[uscc(1000 + i), f"组织{i}", "非公企业", "T01", "制造"] for i in range(n)]
    return write_xlsx(path, {"镇街": TOWNS, "组织": orgs})


def _with_stray(src: Path, dst: Path, cells: dict[str, tuple[str, str]]) -> Path:
    """``src`` with extra cells written by openpyxl (sheet -> (cell, value))."""
    wb = openpyxl.load_workbook(src)
    for sheet, (ref, value) in cells.items():
        wb[sheet][ref] = value
    wb.save(dst)
    return dst


_MEASURE = textwrap.dedent(
    """
    import json, resource, sys, time
    from graph.loaders.reader import read_workbook
    t = time.perf_counter()
    wb = read_workbook(sys.argv[1])
    rows = {n: len(s.rows) for n, s in wb.sheets.items()}
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"s": time.perf_counter() - t, "rss_mb": rss_mb, "rows": rows,
                      "warn": [w.code for w in wb.warnings], "fatal": [f.code for f in wb.fatal]}))
    """
)


def _measure(path: Path, limit_mb: int = 3000) -> dict[str, Any]:
    """Read in a fresh process under an address-space limit; today's reader dies there."""
    import json
    import resource

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit_mb << 20, limit_mb << 20))

    r = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=limit,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert r.returncode == 0, (r.returncode, r.stderr[-2000:])
    return dict(json.loads(r.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    "stray",
    [
        {"组织": ("XFD1048576", " ")},  # the hostile review's single space in the last cell
        {"组织": ("XFD100", " "), "镇街": ("A1048576", " ")},
        {"组织": ("XFD5", "x")},  # a real value far to the right: an unnamed column, ignored
    ],
    ids=["XFD1048576", "XFD100+A1048576", "value-at-XFD5"],
)
def test_stray_cells_read_like_the_clean_workbook(tmp_path: Path, stray: dict[str, tuple[str, str]]) -> None:
    clean = _district(tmp_path / "clean.xlsx", 3000)
    dirty = _with_stray(clean, tmp_path / "dirty.xlsx", stray)
    a, b = _measure(clean), _measure(dirty)
    assert b["rows"] == a["rows"] and b["fatal"] == []
    assert b["rss_mb"] < 1024, b
    assert b["s"] < 3 * a["s"] + 2, (a, b)
    if stray["组织"][1].strip():
        assert "unknown_columns" in b["warn"]
    else:
        assert "stray_cells" in b["warn"]


# --- loads run out of the caller's process, under limits -----------------------------------


def test_load_service_runs_in_a_child_with_progress(tmp_path: Path) -> None:
    from graph.loaders.service import run_load
    from graph.store import open_store

    wb = _district(tmp_path / "d.xlsx", 50)
    seen: list[tuple[int, int, str]] = []
    res = run_load(wb, backend="embedded", progress=lambda d, t, s: seen.append((d, t, s)))
    assert res.exit_code == 0, (res.message_zh, res.problems)
    assert {s for _, _, s in seen} >= {"read", "validate"} and seen[-1][0] == seen[-1][1]
    store = open_store(backend="embedded")
    try:
        assert len(store.fetch_nodes(Label.ORGANIZATION)) == 50
    finally:
        store.close()


def test_load_service_memory_limit_gives_a_chinese_reason(tmp_path: Path) -> None:
    from graph.loaders.service import run_load

    wb = _district(tmp_path / "d.xlsx", 50)
    res = run_load(wb, backend="embedded", memory_mb=300)  # too little to even import the loader
    assert res.exit_code == 2
    assert "内存上限" in res.message_zh and "300 MB" in res.message_zh and "没有写入" in res.message_zh


def test_load_service_time_limit_gives_a_chinese_reason(tmp_path: Path) -> None:
    from graph.loaders.service import run_load

    wb = _district(tmp_path / "d.xlsx", 50)
    res = run_load(wb, backend="embedded", timeout_s=0.3)
    assert res.exit_code == 2
    assert "时间上限" in res.message_zh and "ORGGRAPH_LOAD_TIMEOUT" in res.message_zh


def test_cli_load_survives_a_hostile_workbook_and_reports(tmp_path: Path) -> None:
    """`orggraph load` of a workbook with the review's stray cell, in a real process."""
    clean = _district(tmp_path / "clean.xlsx", 200)
    dirty = _with_stray(clean, tmp_path / "dirty.xlsx", {"组织": ("XFD1048576", " ")})
    r = subprocess.run(
        [sys.executable, "-m", "cli", "load", str(dirty), "--backend", "embedded"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert "XFD1048576" in r.stdout
