"""The command line: template, load (exit statuses, report files, no raw personal data on the terminal)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from cli import app
from graph.loaders.load import load_roster
from graph.loaders.spec import SHEETS
from graph.model import Label
from tests.loaders import hostile as H
from tests.loaders.workbooks import ric, write_xlsx

runner = CliRunner()


def test_template_has_every_sheet_header_dropdown_and_guide(tmp_path: Path) -> None:
    out = tmp_path / "tpl.xlsx"
    res = runner.invoke(app, ["template", str(out)])
    assert res.exit_code == 0, res.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["说明", *[s.name for s in SHEETS]]
    for sheet in SHEETS:
        ws = wb[sheet.name]
        assert [c.value for c in ws[1]] == [c.header for c in sheet.columns]
    lists = {
        str(dv.sqref): dv.formula1 for dv in wb["党组织"].data_validations.dataValidation if dv.type == "list"
    }
    assert lists["C2:C20001"] == '"党委,党总支,党支部,党小组,党工委"'
    assert lists["J2:J20001"] == '"市级,区级,镇街级"'
    assert any("是,否" in f for f in (dv.formula1 for dv in wb["党员"].data_validations.dataValidation))
    guide = [[c.value for c in r] for r in wb["说明"].iter_rows()]
    assert ["组织", "统一社会信用代码（也可写作：信用代码、社会信用代码）", "uscc", "是"] in [
        r[:4] for r in guide
    ]
    assert ["党员", "身份证号", "id_number", ""] in [[x or "" for x in r[:4]] for r in guide]


def test_template_loads_as_an_empty_roster(store: Any, tmp_path: Path) -> None:
    from graph.loaders.template import write_template

    res = load_roster(write_template(tmp_path / "t.xlsx"), store)
    assert res.exit_code == 0 and res.warnings == [] and res.items_written == 0


def _env(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    monkeypatch.setenv("ORGGRAPH_BACKEND", "embedded")
    monkeypatch.delenv("NEO4J_URI", raising=False)


def test_load_command_exit_status_report_and_masking(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, _isolated_home: Path
) -> None:
    _env(monkeypatch, _isolated_home)
    wb = write_xlsx(tmp_path / "h.xlsx", H.SHEETS)
    dry = runner.invoke(app, ["load", str(wb), "--dry-run", "--backend", "embedded"])
    assert dry.exit_code == 1, dry.output
    assert "试运行" in dry.output
    res = runner.invoke(app, ["load", str(wb), "--report", str(tmp_path / "r.xlsx"), "--batch-size", "3"])
    assert res.exit_code == 1, res.output
    assert (tmp_path / "r.xlsx").exists() and (tmp_path / "r.json").exists()
    assert "组织 第5行" in res.output and "连带拒绝" in res.output
    for secret in (H.ID1, ric(2), ric(4), "13800138000", "1380013800"):
        assert secret not in res.output
    from graph.store import open_store

    store = open_store(backend="embedded")
    assert set(store.fetch_nodes(Label.MEMBER)) == H.NODES["Member"]
    ok = runner.invoke(app, ["load", str(write_xlsx(tmp_path / "ok.xlsx", {"镇街": H.TOWNS[:3]}))])
    assert ok.exit_code == 0, ok.output
    unusable = runner.invoke(
        app, ["load", str(write_xlsx(tmp_path / "bad.xlsx", {"镇街": [["镇街名称"], ["甲"]]}))]
    )
    assert unusable.exit_code == 2 and "镇街编码" in unusable.output


def test_load_command_store_unreachable_exits_3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEO4J_URI", "neo4j://127.0.0.1:1")  # nothing listens there
    from graph.settings import get_settings

    get_settings.cache_clear()
    wb = write_xlsx(tmp_path / "t.xlsx", {"镇街": H.TOWNS[:3]})
    res = runner.invoke(app, ["load", str(wb), "--backend", "neo4j"])
    assert res.exit_code == 3, res.output
    assert "Neo4j" in res.output


def test_demo_command_writes_a_roster_that_loads_cleanly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORGGRAPH_BACKEND", "embedded")
    out = tmp_path / "demo.xlsx"
    made = runner.invoke(app, ["demo", "--out", str(out), "--scale", "1", "--seed", "5"])
    assert made.exit_code == 0, made.output
    loaded = runner.invoke(app, ["load", str(out), "--backend", "embedded"])
    assert loaded.exit_code == 0, loaded.output  # the generator's roster passes every rule
    from graph.store import open_store

    counts = open_store(backend="embedded").counts()
    assert counts["nodes"]["Town"] == 23 and counts["nodes"]["Instructor"] == 290
