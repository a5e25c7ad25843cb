"""/impact (issue 15): the question through the API, scoped by the caller's token."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import API, Tokens
from tests.api.test_routes import get


def test_impact_of_entities_and_set(client: TestClient, tokens: Tokens) -> None:
    body = get(client, tokens, "/impact?keys=PO1")
    im = body["impact"]
    assert [x["key"] for x in im["lost_pairing"]] == ["O02", "PO2"]
    assert im["handoff"]["units"] == ["O01"]
    both = get(client, tokens, "/impact?keys=PO1&keys=PO2")["impact"]
    assert both["handoff"]["units"] == ["O01", "O04", "O14"]


def test_impact_ranking_and_town_token(client: TestClient, tokens: Tokens) -> None:
    r = get(client, tokens, "/impact?rank=demo_point")["ranking"]
    assert [i["entity"]["node"]["key"] for i in r["items"]] == ["PO1", "PO4", "PO3"]
    # a town token ranks its own town, whatever town it asks for
    t2 = get(client, tokens, "/impact?rank=demo_point", role="town2")["ranking"]
    assert [i["entity"]["node"]["key"] for i in t2["items"]] == ["PO4"]
    other = client.get(API + "/impact?keys=PO4", headers=tokens.headers("town1"))
    assert other.status_code == 404
    bad = client.get(API + "/impact", headers=tokens.headers("district"))
    assert bad.status_code == 422 and "二者选一" in bad.text
