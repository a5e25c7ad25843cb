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
    # accept rows after saving: the row is locked, the to-do list takes it; nothing to accept: 422
    org = pr["rows"][0]["row"]["org"]
    acc = client.post(f"{API}/plans/saved/{pid}/accept", json={"orgs": [org, "NOPE"]}, headers=h)
    assert acc.status_code == 200 and org in acc.json()["accepted"] and acc.json()["missing"] == 1, acc.text
    assert any(r["row"]["locked"] for r in client.get(f"{API}/plans/saved/{pid}", headers=h).json()["rows"])
    bad = client.post(f"{API}/plans/saved/{pid}/accept", json={"orgs": ["NOPE"]}, headers=h)
    assert bad.status_code == 422 and bad.json()["message_zh"]
    # pairing locks by query: a forbidden point takes no one new, an accepted target is locked
    base = client.get(f"{API}/plans/pairing", headers=h).json()["rows"]
    first = base[0]
    q = f"forbidden_points={first['point']}&accept={first['target']}"
    got = client.get(f"{API}/plans/pairing?{q}", headers=h).json()["rows"]
    assert all(r["point"] != first["point"] for r in got if not r["locked"])
    assert any(r["target"] == first["target"] and r["locked"] for r in got)


def test_plan_locks_and_removed_by_get_and_post(client: Any, tokens: Any) -> None:
    h = tokens.headers("district")
    first = {x["org"]: x for x in client.get(f"{API}/plans", headers=h).json()["rows"]}
    host = first["O02"]["host"]
    r = client.get(f"{API}/plans?accept=O02&excluded=O07&forbidden_hosts={first['O13']['host']}", headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    rows = {x["org"]: x for x in body["rows"]}
    assert rows["O02"]["locked"] and rows["O02"]["host"] == host
    assert all(x["host"] != first["O13"]["host"] for x in body["rows"])
    assert "O07" in {u["org"] for u in body["unplaced"] if u["rule"] == "excluded"}
    posted = client.post(f"{API}/plans", json={"accept": ["O02"], "removed": ["PO2"]}, headers=h)
    assert posted.status_code == 200, posted.text
    assert posted.json()["notes"] and "PO2" not in {x["host"] for x in posted.json()["rows"]}
    rem = client.get(f"{API}/plans?removed=PO1&removed=PO2", headers=h).json()
    assert {"O01", "O04", "O14"} <= {x["org"] for x in rem["rows"]} | {u["org"] for u in rem["unplaced"]}
    saved = client.post(f"{API}/plans/saved", json={"name": "锁定", "params": {"accept": ["O02"]}}, headers=h)
    assert saved.status_code == 201 and saved.json()["params"]["accepted"][0]["org"] == "O02"
    todo = client.get(f"{API}/todo?kinds=plan_accepted", headers=h)
    assert todo.status_code == 200, todo.text  # the accepted row is on the to-do list (issue 17)
    assert [i["subject"]["key"] for i in todo.json()["items"]] == ["O02"]
