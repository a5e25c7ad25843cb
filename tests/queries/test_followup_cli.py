"""``orggraph todo`` and ``orggraph query five-ones`` (issue 17) on the hand-made follow-up roster."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app
from graph.settings import get_settings
from graph.store.embedded import EmbeddedStore
from tests.queries.followup_fixture import USCC, load


@pytest.fixture
def home(_isolated_home: Path, tmp_path: Path) -> Path:
    store = EmbeddedStore(get_settings().home)
    load(store, tmp_path / "wb")
    store.close()
    return _isolated_home


def run(*args: str) -> Any:
    return CliRunner().invoke(app, [*args, "--backend", "embedded"])


def test_todo_command(home: Path, tmp_path: Path) -> None:
    res = run("todo", "--as-of", "2011-12-31", "--json")
    assert res.exit_code == 0, res.output
    body = json.loads(res.output)
    assert body["counts"]["standalone_ready"] == 1 and body["total"] > 20
    res = run("todo", "--as-of", "2011-12-31", "--town", "T2", "--kind", "branch_under_three", "--json")
    assert [i["subject"]["key"] for i in json.loads(res.output)["items"]] == ["BR2"]
    out = tmp_path / "todo.xlsx"
    res = run("todo", "--as-of", "2011-12-31", "--out", str(out))
    assert res.exit_code == 0, res.output
    assert "一镇" in res.output and "单独建" in res.output and out.is_file()
    sheets = pd.read_excel(out, sheet_name=None, header=None, dtype=str, engine="calamine")
    assert list(sheets)[:3] == ["汇总", "一镇", "二镇"]
    t1 = sheets["一镇"]  # meeting material: title, data date, scope and filters above the table
    assert t1.iloc[0, 0].startswith("一镇 督办事项") and "2011-12-31" in t1.iloc[1, 0]
    assert "范围：全区" in t1.iloc[1, 0] and "筛选：类别：全部类别" in t1.iloc[1, 0]
    assert list(t1.iloc[4, :3]) == ["序号", "类别", "对象"]
    t1_items = [i for i in body["items"] if i["town_code"] == "T1"]
    assert len(t1) - 5 == len(t1_items)
    assert run("todo", "--as-of", "2011-13-01").exit_code == 2
    assert run("todo", "--town", "T9").exit_code == 2  # an unknown --town is a bad option


def test_five_ones_command(home: Path) -> None:
    res = run("query", "five-ones", "--as-of", "2011-12-31")
    assert res.exit_code == 0, res.output
    assert "达标 1 / 4" in res.output.replace("\n", "")
    body = json.loads(run("query", "five-ones", "--as-of", "2012-01-01", "--json").output)
    pair = next(p for p in body["pairs"] if p["target"]["key"] == USCC["A"])
    assert pair["checks"][0]["overdue_days"] == 1  # the 12-24 call is 8 days old on 2012-01-01
