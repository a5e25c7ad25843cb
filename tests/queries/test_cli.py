"""``orggraph query ...`` on the embedded store holding the fixture."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cli import app
from graph.settings import get_settings
from graph.store.embedded import EmbeddedStore
from tests.fixtures import load_fixture


@pytest.fixture
def home(_isolated_home):  # type: ignore[no-untyped-def]
    store = EmbeddedStore(get_settings().home)
    load_fixture(store)
    store.close()
    return _isolated_home


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["query", *args, "--backend", "embedded"])


def test_tables(home) -> None:  # type: ignore[no-untyped-def]
    res = run("coverage", "--by", "town")
    assert res.exit_code == 0, res.output
    assert "中山路街道" in res.output and "54.55%" in res.output
    res = run("gaps", "--town", "T1")
    assert res.exit_code == 0, res.output
    assert "单独建" in res.output and "联合建" in res.output
    res = run("path", "PO1", "D0", "--types", "REPORTS_TO")
    assert "甲机械公司党支部 —隶属党组织→ 凤凰湖园区党工委" in res.output
    assert "没有不经过枢纽的路径" in res.output
    res = run(
        "path", "O01", "O02", "--types", "WORKS_AT,RELATIONSHIP_IN", "--types", "PAIRED_WITH", "--k", "2"
    )
    assert "甲机械公司的党员赵*，组织关系在甲机械公司党支部" in res.output and "3." not in res.output
    res = run("path", "PO1", "D0", "--types", "REPORTS_TO", "--include-hubs", "--json")
    assert json.loads(res.output)["through_hubs"] is False
    assert "不一致" in run("membership", "M03").output
    assert "共 10 条" in run("membership").output
    assert "PO3" in run("pairing").output
    assert "关键节点" in run("centrality", "--network", "pairing").output
    assert "癸农业公司" in run("ego", "PO4").output
    assert "区委两新工委" in run("tree").output
    assert "O09" in run("search", "辛").output


def test_json_is_the_model(home) -> None:  # type: ignore[no-untyped-def]
    res = run("gaps", "--json")
    data = json.loads(res.output)
    assert [e["org"]["key"] for e in data["entries"]] == ["O07", "O03", "O15", "O02", "O13", "O16"]
    data = json.loads(run("centrality", "--network", "pairing", "--top", "1", "--json").output)
    assert data["items"][0]["node"]["key"] == "PO1"
    data = json.loads(run("search", "PO1", "--json").output)
    assert data["items"][0]["node"]["key"] == "PO1" and data["total"] == 1


def test_errors_exit_nonzero(home) -> None:  # type: ignore[no-untyped-def]
    res = run("membership", "M99")
    assert res.exit_code == 4
    assert "未找到" in res.output
    res = run("coverage", "--by", "colour")
    assert res.exit_code == 2
    res = run("ego", "O09", "--town", "T1")
    assert res.exit_code == 4


def test_audited(home) -> None:  # type: ignore[no-untyped-def]
    from graph.audit import read_audit

    run("membership", "M01")
    entries = [e for e in read_audit() if e["action"] == "query"]
    assert entries[-1]["question"] == "membership" and entries[-1]["member_id"] == "M01"
