"""/five-ones, /todo and /todo.xlsx (issue 17) on the hand-made follow-up roster."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
