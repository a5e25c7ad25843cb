"""History faces: orggraph history [diff], /api/v1/history routes with the token's town."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from cli.main import app as cli_app
from graph.settings import get_settings
from graph.store import open_store
from graph.tokens import TokenStore
from tests.history.test_history import U1, U2, A, B
from tests.loaders.workbooks import write_xlsx
from workflows.loading import load

API = "/api/v1"


@pytest.fixture
def loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("ORGGRAPH_BACKEND", "embedded")
    store = open_store(backend="embedded")
    for name, sheets in (("a", A), ("b", B)):
        assert load(write_xlsx(tmp_path / f"{name}.xlsx", sheets), store, sync=True).exit_code == 0
    return store


def test_cli_history_and_diff(loaded: Any) -> None:
    runner = CliRunner()
    res = runner.invoke(cli_app, ["history", "--json"])
    assert res.exit_code == 0, res.output
    assert [s["id"] for s in json.loads(res.output)["snapshots"]] == ["0001", "0002"]
    table = runner.invoke(cli_app, ["history"])
    assert table.exit_code == 0 and "0002" in table.output and "基线" in table.output
    d = runner.invoke(cli_app, ["history", "diff", "1", "2", "--json"])
    assert d.exit_code == 0, d.output
    assert ["org_covered", U1] in [[c["kind"], c.get("key")] for c in json.loads(d.output)["changes"]]
    assert "新覆盖" in runner.invoke(cli_app, ["history", "diff", "1", "2"]).output
    missing = runner.invoke(cli_app, ["history", "diff", "1", "9"])
    assert missing.exit_code == 4 and "未找到快照" in missing.output


def test_api_history_scoped_by_token(loaded: Any) -> None:
    ts = TokenStore(get_settings())
    district, town = ts.create("district")[0], ts.create("town", town="T01")[0]
    with TestClient(create_app(store=loaded), raise_server_exceptions=False) as client:

        def get(url: str, token: str) -> Any:
            return client.get(API + url, headers={"Authorization": f"Bearer {token}"})

        r = get("/history", district)
        assert r.status_code == 200 and set(r.json()["snapshots"][-1]["towns"]) == {"T01", "T02"}
        r = get("/history", town)
        snap = r.json()["snapshots"][-1]
        assert set(snap["towns"]) == {"T01"} and snap["rank"] in (1, 2) and snap["district"]["orgs"] == 3
        assert get("/history?town=T02", town).status_code == 404
        mine = get("/history/0002", town).json()["changes"]
        assert mine and {c["town"] for c in mine} == {"T01"}
        everyone = get("/history/2", district).json()["changes"]
        assert U2 in {c.get("key") for c in everyone} and U2 not in {c.get("key") for c in mine}
        diff = get("/history/0002/diff/0001?kind=org_uncovered", district).json()
        assert [(c["kind"], c["key"]) for c in diff["changes"]] == [("org_uncovered", U1)]
        assert get("/history/0009", district).status_code == 404
        assert get("/history", "nope").status_code == 401
