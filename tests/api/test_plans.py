"""/api/v1/plans: the plan with the town from the token, locks by POST, the pairing plan, saved plans."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import API, assert_no_personal_leak


def test_plan_district_and_town(client: Any, tokens: Any) -> None:
    r = client.get(f"{API}/plans", headers=tokens.headers("district"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert {"parameters", "before", "after", "rows", "unplaced", "solver"} <= set(body)
    assert body["rows"] and all(isinstance(x["org"], str) for x in body["rows"])
    assert_no_personal_leak(r.content)
    t1 = client.get(f"{API}/plans", headers=tokens.headers("town1")).json()
    assert t1["town"] == "T1" and all(x["town"] == "T1" for x in t1["rows"])
    # a town token asking for another town: 404, like a missing record
    assert client.get(f"{API}/plans?town=T2", headers=tokens.headers("town1")).status_code == 404
    assert client.get(f"{API}/plans?host_cap=999", headers=tokens.headers("district")).status_code == 422
    assert client.get(f"{API}/plans").status_code == 401


def test_plan_with_locks(client: Any, tokens: Any) -> None:
    h = tokens.headers("district")
    first = client.get(f"{API}/plans", headers=h).json()
    row = next(x for x in first["rows"] if x["host"])
    body = {"excluded": [row["org"]]}
    r = client.post(f"{API}/plans", json=body, headers=h)
    assert r.status_code == 200, r.text
    assert row["org"] in {u["org"] for u in r.json()["unplaced"] if u["rule"] == "excluded"}
    bad = client.post(f"{API}/plans", json={"nonsense": 1}, headers=h)
    assert bad.status_code == 422


def test_pairing_and_saved_plans(client: Any, tokens: Any) -> None:
    h = tokens.headers("district")
    assert client.get(f"{API}/plans/pairing", headers=h).status_code == 200
    r = client.post(f"{API}/plans/saved", json={"name": "全区方案"}, headers=h)
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    r1 = client.post(f"{API}/plans/saved", json={"name": "一镇"}, headers=tokens.headers("town1"))
    assert r1.status_code == 201 and r1.json()["town"] == "T1"
    assert {x["id"] for x in client.get(f"{API}/plans/saved", headers=h).json()} == {pid, r1.json()["id"]}
    assert [x["id"] for x in client.get(f"{API}/plans/saved", headers=tokens.headers("town1")).json()] == [
        r1.json()["id"]
    ]
    assert client.get(f"{API}/plans/saved/{pid}", headers=tokens.headers("town1")).status_code == 404
    pr = client.get(f"{API}/plans/saved/{pid}", headers=h).json()
    assert pr["open"] == len(pr["rows"]) and pr["done"] == 0
