"""/coverage and /gaps: true paging totals at demo scale 2 and no other town's association key
(issue 12, items 2 and 4)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from graph.loaders.demo import generate
from graph.loaders.load import load_roster
from graph.model import DEREGISTERED, Label, Rel
from graph.settings import Settings
from graph.store.base import split_node_id
from graph.store.embedded import EmbeddedStore
from graph.tokens import TokenStore
from tests.api.conftest import API, Tokens

SECRET = "test-secret-key-0123456789abcdef-0123456789"


@pytest.mark.slow
def test_coverage_pages_every_uncovered_organisation_at_scale_2(tmp_path: Path) -> None:
    workbook = generate(tmp_path / "demo.xlsx", scale=2, seed=2011)
    home = tmp_path / "store"
    store = EmbeddedStore(home)
    settings = Settings(ORGGRAPH_HOME=home, ORGGRAPH_SECRET_KEY=SECRET, ORGGRAPH_ENV="development")
    store.apply_schema()
    assert load_roster(workbook, store, settings=settings).exit_code == 0
    # counted here without the question: organisations not 注销 that no party organisation covers
    covered = {
        split_node_id(b)[1]
        for a, b, _, _ in store.fetch_relationships(Rel.COVERS)
        if split_node_id(a)[0] == Label.PARTY_ORG
    }
    orgs = store.fetch_nodes(Label.ORGANIZATION)
    expected = sorted(k for k, p in orgs.items() if p.get("status") != DEREGISTERED and k not in covered)
    assert len(expected) > 1000  # past the old cap

    token = TokenStore().create("district")[0]
    app = create_app(store=store)
    seen: list[str] = []
    with TestClient(app) as client:
        offset = 0
        while True:
            r = client.get(
                f"{API}/coverage?limit=500&offset={offset}", headers={"Authorization": f"Bearer {token}"}
            )
            assert r.status_code == 200, r.text[:300]
            assert int(r.headers["x-total-count"]) == len(expected)
            assert r.json()["uncovered_total"] == len(expected)
            page = [u["org"]["key"] for u in r.json()["uncovered"]]
            if not page:
                break
            seen += page
            offset += 500
        r = client.get(f"{API}/gaps?limit=1", headers={"Authorization": f"Bearer {token}"})
        body = r.json()
        assert int(r.headers["x-total-count"]) == body["total"]
        assert body["total"] + body["self_employed_total"] == len(expected)
    store.close()
    assert seen == expected


def _foreign_member(store: Any) -> None:
    """O17: a T2 company, uncovered, member of 永川区机械行业协会 (O05, registered in T1)."""
    row = {"uscc": "O17", "org_name": "青峰机械公司", "org_category": "非公企业", "town_code": "T2"}
    with store.bulk():
        store.upsert_nodes(
            Label.ORGANIZATION, [{**row, "status": "在营", "industry": "制造业", "association_uscc": "O05"}]
        )
        # as the loader writes it: the column and its relationship
        store.upsert_relationships(
            Rel.IN_ASSOCIATION,
            Label.ORGANIZATION,
            Label.ORGANIZATION,
            [{"from": "O17", "to": "O05", "rid": ""}],
        )


def test_town_never_sees_another_towns_association_key(
    client: TestClient, tokens: Tokens, graph_store: Any
) -> None:
    _foreign_member(graph_store)
    urls = [
        "/gaps?limit=500", "/coverage?limit=500", "/coverage?by=association",
        "/organizations/O17", "/ego?key=Organization:O17", "/map/organizations", "/search?q=O17",
    ]  # fmt: skip

    def get(url: str, role: str) -> Any:
        r = client.get(API + url, headers=tokens.headers(role))
        assert r.status_code == 200, (url, r.text[:300])
        return r

    for url in urls:
        body = get(url, "town2").text
        assert "O05" not in body, url
    for url in urls[:4]:  # where the unit's association is shown, its name is
        assert "永川区机械行业协会" in get(url, "town2").text, url
    gaps = get("/gaps?limit=500", "town2").json()
    o17 = next(e for e in gaps["entries"] if e["org"]["key"] == "O17")
    assert (o17["association_uscc"], o17["association_name"]) == (None, "永川区机械行业协会")
    # the association's own record stays hidden from that town
    assert client.get(API + "/organizations/O05", headers=tokens.headers("town2")).status_code == 404
    # the key is shown where the association is in scope (so the check above can fail)
    for role in ("district", "town1"):
        assert "O05" in get("/gaps?limit=500", role).text
    t1 = get("/coverage?by=association", "town1").json()
    assert "O05" in {r["group"] for r in t1["rows"]}
