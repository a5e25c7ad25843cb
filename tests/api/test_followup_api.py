"""/five-ones, /todo and /todo.xlsx (issue 17) on the hand-made follow-up roster."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from queries.scope import Scope
from queries.todo import TODO, TodoParams
from tests.api.conftest import API, Tokens
from tests.queries.followup_fixture import USCC, load

AS_OF = "as_of=2011-12-31"


@pytest.fixture
def fstore(store: Any, tmp_path: Path) -> Any:
    return load(store, tmp_path)


@pytest.fixture
def fclient(fstore: Any) -> Iterator[TestClient]:
    with TestClient(create_app(store=fstore), raise_server_exceptions=False) as c:
        yield c


def test_todo_route(fclient: TestClient, tokens: Tokens, fstore: Any) -> None:
    r = fclient.get(f"{API}/todo?{AS_OF}", headers=tokens.headers("district"))
    assert r.status_code == 200, r.text[:300]
    body = r.json()
    expected = TODO(fstore, Scope(), TodoParams.parse(as_of="2011-12-31"))
    assert body["total"] == expected.total == int(r.headers["x-total-count"])
    assert body["counts"] == expected.counts
    r = fclient.get(
        f"{API}/todo?{AS_OF}&kinds=term_ending&kinds=instructor_overload&instructor_cap=4",
        headers=tokens.headers("district"),
    )
    assert set(r.json()["counts"]) == {"term_ending", "instructor_overload"}
    assert r.json()["counts"]["instructor_overload"] == 2
    assert fclient.get(f"{API}/todo?as_of=2011-13-01", headers=tokens.headers("district")).status_code in (
        400,
        422,
    )
    assert fclient.get(f"{API}/todo?kinds=nothing", headers=tokens.headers("district")).status_code in (
        400,
        422,
    )


def test_town_token_sees_its_own_town_only(fclient: TestClient, tokens: Tokens) -> None:
    r = fclient.get(f"{API}/todo?{AS_OF}", headers=tokens.headers("town2"))
    assert r.status_code == 200
    items = r.json()["items"]
    assert items and {i["town_code"] for i in items} == {"T2"}
    assert USCC["A"] not in r.text and "H4" not in {i["subject"]["key"] for i in items}
    assert fclient.get(f"{API}/todo?town=T1", headers=tokens.headers("town2")).status_code == 404
    fo = fclient.get(f"{API}/five-ones?{AS_OF}", headers=tokens.headers("town2")).json()
    assert {p["target"]["key"] for p in fo["pairs"]} == {USCC["C"], USCC["E"], USCC["F"]}
    assert fclient.get(f"{API}/five-ones", headers=None).status_code == 401


def test_five_ones_route(fclient: TestClient, tokens: Tokens) -> None:
    r = fclient.get(f"{API}/five-ones?{AS_OF}&weeks=13", headers=tokens.headers("district"))
    assert r.status_code == 200, r.text[:300]
    d = r.json()["district"]
    assert (d["helpers"], d["helpers_ok"], d["overdue"]) == (4, 1, 7)
    assert r.json()["rules"] and r.json()["year"] == 2011
    assert fclient.get(f"{API}/five-ones?weeks=0", headers=tokens.headers("district")).status_code in (
        400,
        422,
    )


def test_todo_xlsx_is_meeting_material(fclient: TestClient, tokens: Tokens) -> None:
    r = fclient.get(f"{API}/todo.xlsx?{AS_OF}", headers=tokens.headers("district"))
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheets = pd.read_excel(io.BytesIO(r.content), sheet_name=None, header=None, dtype=str, engine="calamine")
    assert list(sheets)[:3] == ["汇总", "一镇", "二镇"]
    t1 = sheets["一镇"]
    assert t1.iloc[0, 0].startswith("一镇 督办事项") and "2011-12-31" in t1.iloc[1, 0]
    assert "范围：全区" in t1.iloc[1, 0] and "筛选：" in t1.iloc[1, 0]
    assert list(t1.iloc[4, :3]) == ["序号", "类别", "对象"]
    # every T1 item is on the T1 page
    body = fclient.get(f"{API}/todo?{AS_OF}", headers=tokens.headers("district")).json()
    t1_items = [i for i in body["items"] if i["town_code"] == "T1"]
    assert len(t1) - 5 == len(t1_items)
    town = fclient.get(f"{API}/todo.xlsx?{AS_OF}", headers=tokens.headers("town2"))
    assert list(pd.read_excel(io.BytesIO(town.content), sheet_name=None, engine="calamine")) == [
        "汇总",
        "二镇",
    ]
